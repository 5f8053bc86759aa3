"""The compiled NTU scanner (numba) against the line-by-line parser: same arrays on
generated files, and malformed files still reach the line-by-line path's errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.datasets import DataFormatError, read_file
from core.datasets.ntu import (
    _Fallback,
    _jit_scanner,
    parse_jit,
    parse_lines,
    parse_skeleton,
)
from tests.conftest import require_data

pytest.importorskip("numba")

REPO = Path(__file__).resolve().parents[2]
BODY_ID = "72057594037931101"  # a real 17-digit Kinect body ID (above 2**53)
NAME = "S001C001P001R001A001.skeleton"


def _text(frames, newline: str, fmt) -> bytes:
    """A file in the NTU format; ``frames``: per frame a list of ``(id, (25, 12))``."""
    out = [str(len(frames))]
    for bodies in frames:
        out.append(str(len(bodies)))
        for body_id, table in bodies:
            out.append(f"{body_id} 0 1 1 1 1 0 0.02764709 0.05745083 2")
            out.append("25")
            out.extend(" ".join(fmt(v) for v in row) for row in table)
    return (newline.join(out) + newline).encode()


def _assert_same(a, b) -> None:
    np.testing.assert_array_equal(a.xyz, b.xyz)
    np.testing.assert_array_equal(a.color_xy, b.color_xy)
    assert a.xyz.dtype == b.xyz.dtype == np.float32
    assert a.body_ids == b.body_ids and a.num_frames == b.num_frames
    np.testing.assert_array_equal(a.frame_of_body, b.frame_of_body)


def test_numba_is_the_active_parser_and_agrees_on_real_files():
    assert _jit_scanner() is not None
    for name in ("S001C001P001R001A001", "S001C003P008R002A058"):
        path = require_data("ntu", f"{name}.skeleton")
        data = path.read_bytes()
        fast = parse_jit(data, str(path))
        _assert_same(fast, parse_lines(data, str(path)))
        assert len(fast.body_ids[0]) == 17  # the real IDs, kept as written


values = st.floats(
    min_value=-2000.0, max_value=2000.0, allow_nan=False, allow_subnormal=False
)
formats = st.sampled_from(
    [
        lambda v: f"{v:.7g}",  # the Kinect's 7 significant digits
        lambda v: f"{v:.8f}",
        repr,  # up to 17 digits: left to float by the scanner
        lambda v: f"{v:.3e}",  # exponent notation: left to float too
        lambda v: f"{v:+.4f}",
        lambda v: str(round(v)),  # integers
    ]
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    bodies=st.lists(st.integers(0, 3), min_size=0, max_size=4),
    table=st.lists(values, min_size=25 * 12, max_size=25 * 12),
    newline=st.sampled_from(["\r\n", "\n"]),
    fmt=formats,
    scale=st.sampled_from([1e-9, 1e-3, 1.0]),
)
def test_property_numba_and_line_parsers_give_identical_arrays(
    bodies, table, newline, fmt, scale
):
    base = np.asarray(table).reshape(25, 12) * scale
    frames = [
        [(BODY_ID if b == 0 else str(b), base + t + b) for b in range(nb)]
        for t, nb in enumerate(bodies)
    ]
    data = _text(frames, newline, fmt)
    fast = parse_jit(data, NAME)  # must not fall back: every file here is valid
    slow = parse_lines(data, NAME)
    _assert_same(fast, slow)
    if bodies[:1] and bodies[0]:  # the first body: exactly float32(float(text))
        expected = np.float32([float(fmt(v)) for v in base[0, :3]])
        np.testing.assert_array_equal(fast.xyz[0, 0], expected)
        assert fast.body_ids[0] == BODY_ID.encode()


def _good() -> bytes:
    rng = np.random.default_rng(5)
    table = rng.uniform(-3, 3, size=(25, 12))
    return _text([[("1", table)], [("1", table + 1)]], "\r\n", lambda v: f"{v:.7g}")


@pytest.mark.parametrize(
    ("line", "edit", "problem"),
    [
        (5, lambda f: f[:11], "11 values, expected 12"),
        (6, lambda f: [*f, b"1"], "13 values, expected 12"),
        (7, lambda f: [f[0], b"abc", *f[2:]], "not a number"),
        (8, lambda f: [*f[:3], b"1.2.3", *f[4:]], "not a number"),  # unused field
        (9, lambda f: [*f[:9], b"x1", *f[10:]], "not a number"),  # unused field
        (10, lambda f: [*f[:5], b"inf", *f[6:]], "non-finite"),
        (11, lambda f: [f[0], b"1e999", *f[2:]], "non-finite"),  # overflows in float
        (12, lambda f: [*f[:6], b"nan", *f[7:]], "non-finite"),
        (3, lambda f: f[:9], "9 values, expected 10"),  # body info line
        (4, lambda f: [b"24"], "24 joints"),
        (2, lambda f: [b"-1"], "negative body count"),
    ],
)
def test_malformed_lines_are_named_by_the_line_parser(tmp_path, line, edit, problem):
    lines = _good().split(b"\r\n")
    lines[line - 1] = b" ".join(edit(lines[line - 1].split()))
    data = b"\r\n".join(lines)
    with pytest.raises(_Fallback):  # the scanner refuses: it never guesses
        parse_jit(data, NAME)
    path = tmp_path / NAME
    path.write_bytes(data)
    with pytest.raises(DataFormatError, match=problem) as info:
        read_file(path)
    assert info.value.line == line and f"{path}:{line}:" in str(info.value)


def test_tolerated_variants_read_the_same_through_either_path():
    data = _good()
    ref = parse_lines(data, NAME)
    # Extra spaces/tabs, no final newline, trailing blank lines: the line parser
    # accepts them, so must the result of parse_skeleton (whichever tier reads it).
    variants = [
        data.replace(b" ", b"  "),
        data.replace(b" ", b"\t"),
        data.rstrip(b"\r\n"),
        data + b"\r\n \r\n\r\n",
        data.replace(b"\r\n", b" \r\n"),
        data.replace(b" 0.", b" +0."),
    ]
    for variant in variants:
        _assert_same(parse_skeleton(variant, NAME), parse_lines(variant, NAME))
    _assert_same(parse_jit(variants[0], NAME), ref)


@settings(max_examples=80, deadline=None)
@given(cut=st.integers(0, 6000), junk=st.binary(max_size=6))
def test_property_damaged_files_never_disagree(cut, junk):
    data = _good()
    damaged = data[:cut] + junk + data[cut + len(junk) :]
    try:
        fast = parse_jit(damaged, NAME)
    except _Fallback:
        fast = None
    try:
        slow = parse_lines(damaged, NAME)
    except DataFormatError as exc:
        assert fast is None, "the scanner accepted a file the line parser rejects"
        assert exc.line is not None and NAME in str(exc)
        return
    if fast is not None:
        _assert_same(fast, slow)


def test_float32_midpoints_round_exactly_like_float_text():
    # Decimals that are exactly halfway between two float32 values: float32(float(s))
    # rounds the exact double half to even; a mantissa that is off by one double ulp
    # (e.g. multiplying by an inexact 10**-k) lands on the wrong float32.
    rng = np.random.default_rng(6)
    texts = []
    for exponent in range(8, 13):  # 256 to 8192: within the readers' ±10 km
        for odd in rng.integers(0, 2**23, size=60) * 2 + 1:
            value = 2**exponent + int(odd) * 2.0 ** (exponent - 24)  # exact double
            texts.append(f"{value:.{24 - exponent}f}")
    table = np.zeros((25, 12))
    per_file = 25 * 5
    for first in range(0, len(texts) - per_file + 1, per_file):
        chunk = iter(texts[first : first + per_file])
        rows = [
            [next(chunk) if k in (0, 1, 2, 5, 6) else "0" for k in range(12)]
            for _ in range(25)
        ]
        data = _text([[("1", table)]], "\n", str)
        lines = data.split(b"\n")
        lines[4:29] = [" ".join(r).encode() for r in rows]
        data = b"\n".join(lines)
        fast = parse_jit(data, NAME)
        expected = np.float32([[float(t) for t in r] for r in rows])
        np.testing.assert_array_equal(fast.xyz[0], expected[:, :3])
        np.testing.assert_array_equal(fast.color_xy[0], expected[:, 5:7])


def test_without_numba_the_line_parser_reads_the_same(tmp_path):
    # A child process where numba cannot be imported (a None entry in sys.modules
    # makes ``import numba`` raise ImportError): the line-by-line path reads the file.
    path = require_data("ntu", "S001C003P008R002A058.skeleton")
    out = tmp_path / "joints.npy"
    code = (
        "import sys; sys.modules['numba'] = None\n"
        "import numpy as np\n"
        "from core.datasets import read_file\n"
        "from core.datasets.ntu import _jit_scanner\n"
        "assert _jit_scanner() is None\n"
        f"np.save({str(out)!r}, read_file({str(path)!r}).joints)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO, timeout=60)
    np.testing.assert_array_equal(np.load(out), read_file(path).joints)
