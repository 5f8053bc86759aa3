"""Single-pass NTU ``.skeleton`` byte scanner compiled with numba (optional dependency).

:func:`scan_skeleton` walks the file's bytes once: frame count, body counts, body info
lines (the bodyID token is located, not converted, so its 17 digits stay exactly as
written), joint counts and, per joint line, the 12 fields. The five fields we keep (x y
z colorX colorY) are converted exactly: the digits are accumulated as an integer
mantissa (at most 15 digits, so below 2**53) and one IEEE division by an
exactly representable power of ten (at most 10**22) rounds it correctly, which is the
double ``float(text)`` gives; it is then rounded to float32 like
``np.float32(float(text))``. The seven other fields are only checked to be numbers.

The scanner never raises for bad input. It returns a non-zero status on anything it does
not accept (other line breaks, a bad count, text in a field, a field count other than 12,
a truncated file), and the caller then hands the file to the line-by-line parser, which
reads it or names the bad line. Fields that are valid numbers but not plain short
decimals (exponent notation, more than 15 digits) are reported back by
position so that the caller converts those few with ``float``. Compiled with
``cache=True`` (compiled once per environment, then loaded from numba's cache) and
``nogil=True`` (several files can be scanned by several threads at once).
"""

from __future__ import annotations

import numba
import numpy as np

NUM_JOINTS = 25
JOINT_FIELDS = 12
INFO_FIELDS = 10
# A body record takes at least 25 joint lines of 12 one-byte fields and 11 separators
# plus a newline: bounds the number of body records a file of n bytes can hold.
MIN_BODY_BYTES = NUM_JOINTS * (2 * JOINT_FIELDS)
# At most this many fields per file may need ``float`` (the Kinect writes none).
MAX_ODD = 4096
# Exact powers of ten (every 10**k with k <= 22 is a double).
_POW10 = np.array([float(f"1e{k}") for k in range(23)])
# Plain decimals with at most this many digits are converted here: 10**15 < 2**53.
_MAX_DIGITS = 15

OK = 0
BAD_COUNT = 1
BAD_INFO = 2
BAD_JOINT_COUNT = 3
BAD_JOINT = 4
BAD_FIELD = 5
TRAILING = 6
TOO_MANY_ODD = 7
ENDS_EARLY = 8

# Result of :func:`_number`: a plain decimal converted here, a valid number for
# ``float``, or not a number this scanner accepts.
_PLAIN = 0
_PYTHON = 1
_REJECT = 2


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _is_digit(c: int) -> bool:
    return 48 <= c <= 57


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _ends_field(c: int) -> bool:
    return c == 32 or c == 10 or c == 13 or c == 9


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _field(buf: np.ndarray, i: int, convert: bool) -> tuple[int, float, int]:
    """Classify and, when plain and ``convert``, convert the field starting at ``buf[i]``.

    The field ends at a space, tab, CR, LF or the end of ``buf``. Its syntax is checked
    either way (``float`` accepts every field not rejected here); fields not converted
    (``convert`` false) cost no arithmetic.

    Returns:
        ``(kind, value, end)``: ``kind`` is ``_PLAIN`` (value exact, 0.0 when not
        ``convert``), ``_PYTHON`` (valid ``float`` syntax with an exponent or more than
        15 digits) or ``_REJECT``; ``end`` is the index just past the field.
    """
    n = buf.size
    neg = False
    if buf[i] == 45 or buf[i] == 43:  # '-' or '+'
        neg = buf[i] == 45
        i += 1
    mant = 0
    start = i
    while i < n and _is_digit(buf[i]):
        if convert:
            mant = mant * 10 + (buf[i] - 48)
        i += 1
    digits = i - start
    frac = 0
    if i < n and buf[i] == 46:  # '.'
        i += 1
        start = i
        while i < n and _is_digit(buf[i]):
            if convert:
                mant = mant * 10 + (buf[i] - 48)
            i += 1
        frac = i - start
        digits += frac
    if digits == 0:
        return _REJECT, 0.0, i
    kind = _PLAIN if digits <= _MAX_DIGITS else _PYTHON
    if i < n and (buf[i] == 101 or buf[i] == 69):  # 'e' / 'E'
        i += 1
        if i < n and (buf[i] == 45 or buf[i] == 43):
            i += 1
        start = i
        while i < n and _is_digit(buf[i]):
            i += 1
        if i == start:
            return _REJECT, 0.0, i
        kind = _PYTHON
    if i < n and not _ends_field(buf[i]):
        return _REJECT, 0.0, i
    if kind != _PLAIN or not convert:
        return kind, 0.0, i
    # At most 15 digits: the mantissa is exact and so is 10**frac (frac <= 15).
    value = mant / _POW10[frac]
    return _PLAIN, -value if neg else value, i


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _line_end(buf: np.ndarray, p: int) -> tuple[int, int]:
    """End of the line starting at ``p``: ``(content end, start of the next line)``.

    A trailing carriage return (CRLF) is not part of the content.
    """
    n = buf.size
    i = p
    while i < n and buf[i] != 10:
        i += 1
    nxt = i + 1 if i < n else n
    if i > p and buf[i - 1] == 13:
        i -= 1
    return i, nxt


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _count(buf: np.ndarray, p: int, e: int) -> int:
    """The non-negative integer alone on ``buf[p:e]`` (spaces/tabs around it), or -1."""
    while p < e and (buf[p] == 32 or buf[p] == 9):
        p += 1
    while e > p and (buf[e - 1] == 32 or buf[e - 1] == 9):
        e -= 1
    if e == p or e - p > 9:
        return -1
    value = 0
    for i in range(p, e):
        if not _is_digit(buf[i]):
            return -1
        value = value * 10 + (buf[i] - 48)
    return value


@numba.njit(cache=True, nogil=True, error_model="numpy")
def scan_skeleton(buf: np.ndarray) -> tuple:
    """Scan a whole ``.skeleton`` file.

    Args:
        buf: The file's bytes as uint8 ``(n,)``.

    Returns:
        ``(status, num_frames, num_bodies, num_odd, frame_of_body (Bmax,) int64,
        id_span (Bmax, 2) int64, xyz (Bmax, 25, 3) float32, color_xy (Bmax, 25, 2)
        float32, odd (MAX_ODD, 5) int64)``. Only the first ``num_bodies`` rows of the
        body arrays are filled; ``id_span`` holds the byte range of each bodyID token.
        ``odd`` rows are ``(body, joint, kept field 0..4, start, end)`` of the fields
        left for ``float``. ``status`` is ``OK`` or the first problem met (then the
        other results are meaningless).
    """
    bmax = buf.size // MIN_BODY_BYTES + 1
    frame_of = np.empty(bmax, np.int64)
    id_span = np.empty((bmax, 2), np.int64)
    xyz = np.empty((bmax, NUM_JOINTS, 3), np.float32)
    color = np.empty((bmax, NUM_JOINTS, 2), np.float32)
    odd = np.empty((MAX_ODD, 5), np.int64)
    status, num_frames, nb, n_odd = _scan(buf, frame_of, id_span, xyz, color, odd)
    return status, num_frames, nb, n_odd, frame_of, id_span, xyz, color, odd


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _scan(
    buf: np.ndarray,
    frame_of: np.ndarray,
    id_span: np.ndarray,
    xyz: np.ndarray,
    color: np.ndarray,
    odd: np.ndarray,
) -> tuple[int, int, int, int]:
    """Fill the body arrays from ``buf``; ``(status, num_frames, bodies, odd fields)``."""
    n = buf.size
    bmax = frame_of.size
    nb = 0
    n_odd = 0
    p = 0
    if n == 0:
        return ENDS_EARLY, 0, nb, n_odd
    e, p = _line_end(buf, 0)
    num_frames = _count(buf, 0, e)
    if num_frames < 0:
        return BAD_COUNT, 0, nb, n_odd
    for t in range(num_frames):
        if p >= n:
            return ENDS_EARLY, num_frames, nb, n_odd
        q = p
        e, p = _line_end(buf, q)
        bodies = _count(buf, q, e)
        if bodies < 0:
            return BAD_COUNT, num_frames, nb, n_odd
        for _ in range(bodies):
            if nb >= bmax or p >= n:
                return ENDS_EARLY, num_frames, nb, n_odd
            # Info line: exactly 10 tokens separated by spaces or tabs.
            q = p
            e, p = _line_end(buf, q)
            tokens = 0
            i = q
            while i < e:
                c = buf[i]
                if c == 32 or c == 9:
                    i += 1
                    continue
                s = i
                while i < e and buf[i] != 32 and buf[i] != 9:
                    if buf[i] < 32 or buf[i] == 127:
                        return BAD_INFO, num_frames, nb, n_odd
                    i += 1
                if tokens == 0:
                    id_span[nb, 0] = s
                    id_span[nb, 1] = i
                tokens += 1
            if tokens != INFO_FIELDS or p >= n:
                return BAD_INFO, num_frames, nb, n_odd
            q = p
            e, p = _line_end(buf, q)
            if _count(buf, q, e) != NUM_JOINTS:
                return BAD_JOINT_COUNT, num_frames, nb, n_odd
            for j in range(NUM_JOINTS):
                if p >= n:
                    return ENDS_EARLY, num_frames, nb, n_odd
                # One pass over the joint line: fields end at a space, tab, CR or LF.
                field = 0
                i = p
                while True:
                    while i < n and (buf[i] == 32 or buf[i] == 9):
                        i += 1
                    if i >= n:
                        break
                    c = buf[i]
                    if c == 10:
                        i += 1
                        break
                    if c == 13:
                        if i + 1 < n and buf[i + 1] == 10:
                            i += 2
                            break
                        return BAD_JOINT, num_frames, nb, n_odd
                    if field >= JOINT_FIELDS:
                        return BAD_JOINT, num_frames, nb, n_odd
                    s = i
                    # Kept fields: 0 1 2 -> x y z, 5 6 -> colorX colorY.
                    keep = field < 3 or field == 5 or field == 6
                    kind, value, i = _field(buf, i, keep)
                    if kind == _REJECT:
                        return BAD_FIELD, num_frames, nb, n_odd
                    if keep:
                        k = field if field < 3 else field - 2
                        if kind == _PLAIN:
                            if field < 3:
                                xyz[nb, j, k] = value
                            else:
                                color[nb, j, k - 3] = value
                        else:
                            if n_odd >= MAX_ODD:
                                return TOO_MANY_ODD, num_frames, nb, n_odd
                            odd[n_odd, 0] = nb
                            odd[n_odd, 1] = j
                            odd[n_odd, 2] = k
                            odd[n_odd, 3] = s
                            odd[n_odd, 4] = i
                            n_odd += 1
                    field += 1
                p = i
                if field != JOINT_FIELDS:
                    return BAD_JOINT, num_frames, nb, n_odd
            frame_of[nb] = t
            nb += 1
    # Only blank lines may follow the last frame.
    while p < n:
        c = buf[p]
        if c != 32 and c != 9 and c != 13 and c != 10:
            return TRAILING, num_frames, nb, n_odd
        p += 1
    return OK, num_frames, nb, n_odd
