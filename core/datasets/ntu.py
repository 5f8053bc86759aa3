"""Reader for NTU RGB+D 60 / 120 raw ``.skeleton`` files (Kinect v2, 25 joints).

File format (text, CRLF or LF): the frame count; per frame the body count; per body a
10-value info line (bodyID clippedEdges handLeftConfidence handLeftState
handRightConfidence handRightState isRestricted leanX leanY trackingState), the joint
count (25) and one line per joint of 12 values (x y z depthX depthY colorX colorY
orientationW orientationX orientationY orientationZ trackingState). We keep x y z (metres,
camera space) as ``joints`` and colorX colorY (pixels of the 1920x1080 RGB video) as
``color_xy``.

Parsing is two-tier. The first tier reads well-formed files quickly: a single-pass
compiled byte scanner (``core.datasets.ntu_jit``, numba: counts, bodyIDs kept exactly as
written, the five wanted fields converted exactly, the seven others checked to be
numbers). It converts exactly: the mantissa is accumulated as an integer and one IEEE
division by a power of ten rounds it correctly, so values equal ``float(text)``; the rare
exponent-notation or over-long fields are converted one by one with ``float``. Anything
unusual (other spacing, a bad count, text in a field) sends the file to the line-by-line
path, which either reads it or raises a :class:`DataFormatError` naming the line. Both
paths return identical arrays.

Bodies: Kinect tracks each body with an ID. Tracks are packed into at most two body
slots by this denoising rule: with more than two tracks, tracks seen in fewer than
:data:`MIN_TRACK_FRAMES` frames are dropped (unless that would drop all), and the rest
are ranked by motion (sum over joints of the positional variance over time, the larger
the more likely the actor); with at most two tracks they keep their order of first
appearance. Each track then goes into the first slot it does not overlap in time (so a
body that lost tracking and came back under a new ID continues in the same slot); tracks
that fit in neither slot are dropped. Frames without a body are zeros. Files with no body
in any frame (the official "samples with missing skeletons") yield no clip; when the
lists ``NTU_RGBD_samples_with_missing_skeletons.txt`` / ``NTU_RGBD120_...`` are found in
``<root>/labels`` or ``<root>/../labels`` their samples are skipped without parsing.

File names are ``SsssCcccPpppRrrrAaaa`` (setup, camera, performer, replication, action);
the label is ``action - 1``. NTU-60 is actions 1-60 of setups 1-17; NTU-120 adds actions
61-120 and setups 18-32. Frame rate 30 FPS.
"""

from __future__ import annotations

import functools
import math
import os
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.datasets.base import MAX_COORDINATE, DataFormatError, SkeletonSequence
from core.datasets.scanning import (
    FileDatasetReader,
    FileFailed,
    FileRead,
    FileSkipped,
    ScanEvent,
    dataset_files,
    other_dataset_folder_hint,
    other_dataset_hint,
    read_bytes,
    read_member,
    zip_members,
)
from core.text import count, quoted_excerpt

# Any letter case: a case-blind file system or a tool may have lowered the names.
NAME_RE = re.compile(r"S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})", re.IGNORECASE)
NUM_JOINTS = 25
JOINT_FIELDS = 12
INFO_FIELDS = 10
MAX_BODIES = 2
#: NTU RGB+D 120's ranges: a name beyond them is no NTU sample of either release.
NTU120_ACTIONS = 120
NTU120_SETUPS = 32
MIN_TRACK_FRAMES = 11
MISSING_LISTS = (
    "NTU_RGBD_samples_with_missing_skeletons.txt",
    "NTU_RGBD120_samples_with_missing_skeletons.txt",
)
# Fields of a joint line we keep: x y z colorX colorY.
_WANTED = (0, 1, 2, 5, 6)
# Decimal window of the vectorised parser: integer digits left of the point, fraction
# digits right of it (Kinect writes 7 significant digits: at most 4 integer digits for
# colour pixels, 8 fraction digits for metres); 10**(4 + 8) < 2**53 keeps the integer
# mantissa exact. Fields outside the window are converted one by one.


def parse_name(name: str) -> dict[str, Any]:
    """Metadata from an NTU sample name such as ``"S001C002P003R002A013"``.

    Returns:
        ``{"setup", "camera", "performer", "subject", "replication"}`` as ints and
        ``"action"`` as ``"A013"`` (``subject`` equals ``performer``).

    Raises:
        ValueError: If the name does not follow ``SsssCcccPpppRrrrAaaa``.
    """
    m = NAME_RE.fullmatch(name)
    if m is None:
        raise ValueError(f"sample name {name!r} does not follow SsssCcccPpppRrrrAaaa")
    s, c, p, r, a = (int(g) for g in m.groups())
    return {"setup": s, "camera": c, "performer": p, "subject": p, "replication": r,
            "action": f"A{a:03d}"}  # fmt: skip


@dataclass(frozen=True)
class RawSkeleton:
    """A parsed ``.skeleton`` file before bodies are packed into slots.

    Attributes:
        num_frames: Frames ``T`` the file declares.
        frame_of_body: int64 ``(B,)`` frame of every body record, in file order.
        body_ids: The bodyID text of every body record, ``(B,)`` list.
        xyz: float32 ``(B, 25, 3)`` joint positions of every body record.
        color_xy: float32 ``(B, 25, 2)`` colour-image coordinates of every body record.
    """

    num_frames: int
    frame_of_body: np.ndarray
    body_ids: list[bytes]
    xyz: np.ndarray
    color_xy: np.ndarray


def _int_field(path: str, text: bytes, line: int, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise DataFormatError(
            path, f"expected {what} (an integer), got {quoted_excerpt(text)}", line
        ) from None
    if value < 0:
        raise DataFormatError(path, f"negative {what} {value}", line)
    return value


def parse_lines(data: bytes, path: str) -> RawSkeleton:
    """Line-by-line parser: slow, tolerant of spacing, precise about errors.

    Args:
        data: The file's bytes.
        path: File name for messages.

    Returns:
        The parsed records.

    Raises:
        DataFormatError: Naming the line of the first problem.
    """
    lines = data.splitlines()
    if not lines or not any(ln.strip() for ln in lines):
        raise DataFormatError(path, "empty file", line=1)
    pos = 0

    cut = not data.endswith((b"\n", b"\r"))  # the last line stops mid-way

    def short(what: str, lineno: int) -> str | None:
        """The message for a last line that stops mid-way (a truncated copy)."""
        if cut and lineno == len(lines):
            return f"file ends early, in the middle of {what} (the file is cut short)"
        return None

    def take(what: str) -> tuple[bytes, int]:
        nonlocal pos
        if pos >= len(lines):
            raise DataFormatError(
                path, f"file ends early: expected {what}", len(lines) + 1
            )
        pos += 1
        return lines[pos - 1], pos

    num_frames = _int_field(path, *take("the frame count"), "frame count")
    frames: list[int] = []
    ids: list[bytes] = []
    xyz: list[list[list[float]]] = []
    color: list[list[list[float]]] = []
    for t in range(num_frames):
        text, count_line = take(f"the body count of frame {t}")
        nb = _int_field(path, text, count_line, "body count")
        for b in range(nb):
            # past the first body, a body count too large is the likelier fault (a
            # trial's '7' read as a line of the wrong length, or a file cut short)
            claim = (
                f" (line {count_line} says frame {t} holds {nb} bodies)" if b else ""
            )
            info, lineno = take(f"the info line of body {b} in frame {t}{claim}")
            fields = info.split()
            if len(fields) != INFO_FIELDS:
                raise DataFormatError(
                    path,
                    short(f"the info line of body {b} in frame {t}", lineno)
                    or f"body info line has {count(len(fields), 'value')}, expected "
                    f"{INFO_FIELDS}{claim}",
                    lineno,
                )
            text, lineno = take(f"the joint count of body {b} in frame {t}")
            nj = _int_field(path, text, lineno, "joint count")
            if nj != NUM_JOINTS:
                raise DataFormatError(
                    path, f"{nj} joints, expected {NUM_JOINTS}", lineno
                )
            block: list[list[float]] = []
            for j in range(NUM_JOINTS):
                text, lineno = take(f"joint {j} of body {b} in frame {t}")
                values = text.split()
                if len(values) != JOINT_FIELDS:
                    raise DataFormatError(
                        path,
                        short(f"joint {j} of body {b} in frame {t}", lineno)
                        or f"joint line has {count(len(values), 'value')}, expected "
                        f"{JOINT_FIELDS}",
                        lineno,
                    )
                try:
                    row = [float(v) for v in values]
                except ValueError:
                    bad = next(v for v in values if not _is_float(v))
                    raise DataFormatError(
                        path,
                        f"not a number: {bad.decode('utf-8', 'replace')[:40]!r}",
                        lineno,
                    ) from None
                if not all(math.isfinite(row[k]) for k in _WANTED):
                    raise DataFormatError(path, "non-finite coordinate", lineno)
                big = next((k for k in _WANTED if abs(row[k]) > MAX_COORDINATE), None)
                if big is not None:
                    shown = values[big].decode("utf-8", "replace")[:40]
                    raise DataFormatError(
                        path,
                        f"coordinate out of range: {shown!r} (beyond ±{MAX_COORDINATE:g})",
                        lineno,
                    )
                block.append(row)
            frames.append(t)
            ids.append(fields[0])
            xyz.append([r[:3] for r in block])
            color.append([r[5:7] for r in block])
    rest = [i for i in range(pos, len(lines)) if lines[i].strip()]
    if rest:
        raise DataFormatError(
            path,
            f"unexpected content after the last of {num_frames} frames",
            rest[0] + 1,
        )
    return _raw(num_frames, frames, ids, xyz, color)


def _is_float(text: bytes) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _raw(
    num_frames: int,
    frames: list[int],
    ids: list[bytes],
    xyz: list[list[list[float]]] | np.ndarray,
    color: list[list[list[float]]] | np.ndarray,
) -> RawSkeleton:
    n = len(frames)
    return RawSkeleton(
        num_frames=num_frames,
        frame_of_body=np.asarray(frames, dtype=np.int64),
        body_ids=ids,
        xyz=np.asarray(xyz, dtype=np.float32).reshape(n, NUM_JOINTS, 3),
        color_xy=np.asarray(color, dtype=np.float32).reshape(n, NUM_JOINTS, 2),
    )


class _Fallback(Exception):
    """The fast path met something it does not handle; use the line-by-line path."""


@functools.cache
def _jit_scanner() -> Callable[[np.ndarray], tuple] | None:
    """The numba scanner, imported on first use (numba takes ~0.2 s to import), or
    ``None`` when numba is not installed, does not load, or runs with its JIT disabled
    (``NUMBA_DISABLE_JIT=1``: the scanner would then run as a pure Python byte loop)."""
    try:
        import numba

        from core.datasets.ntu_jit import scan_skeleton
    except (ImportError, OSError):
        return None
    return None if numba.config.DISABLE_JIT else scan_skeleton


def parse_jit(data: bytes, path: str) -> RawSkeleton:
    """Single-pass compiled parser for well-formed files (see ``core.datasets.ntu_jit``).

    Args:
        data: The file's bytes.
        path: File name for messages.

    Returns:
        The parsed records, identical to :func:`parse_lines`.

    Raises:
        _Fallback: On anything the scanner does not accept, or when numba is missing
            (the caller then uses another parser).
    """
    scan = _jit_scanner()
    if scan is None:
        raise _Fallback
    status, num_frames, nb, n_odd, frames, spans, xyz, color, odd = scan(
        np.frombuffer(data, dtype=np.uint8)
    )
    if status:
        raise _Fallback
    xyz, color = xyz[:nb], color[:nb]
    # The few fields that are not plain short decimals: converted by float itself.
    for body, joint, k, start, end in odd[:n_odd].tolist():
        try:
            value = float(data[start:end])
        except ValueError:
            raise _Fallback from None
        if not abs(value) <= MAX_COORDINATE:  # inf, nan, or a damaged value
            raise _Fallback
        if k < 3:
            xyz[body, joint, k] = value
        else:
            color[body, joint, k - 3] = value
    if (
        not (np.abs(xyz) <= MAX_COORDINATE).all()
        or not (np.abs(color) <= MAX_COORDINATE).all()
    ):
        raise _Fallback  # a damaged value: the line-by-line reader names its line
    return RawSkeleton(
        num_frames=num_frames,
        frame_of_body=frames[:nb],
        body_ids=[data[s:e] for s, e in spans[:nb].tolist()],
        xyz=xyz,
        color_xy=color,
    )


def parse_skeleton(data: bytes, path: str) -> RawSkeleton:
    """Parse a ``.skeleton`` file's bytes: the compiled parser, or the line-by-line
    path on any doubt (and when numba cannot compile, e.g. ``NUMBA_DISABLE_JIT=1``).

    Raises:
        DataFormatError: If the file is malformed (naming the line).
    """
    try:
        return parse_jit(data, path)
    except _Fallback:
        return parse_lines(data, path)


def pack_bodies(raw: RawSkeleton) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Turn body records into at most two body slots by the module's denoising rule.

    Args:
        raw: Parsed records.

    Returns:
        ``(joints (T, M, 25, 3), color_xy (T, M, 25, 2), info)`` with ``M`` the slots used
        (0 when the file has no body) and ``info`` JSON-able notes (``tracks``,
        ``dropped_tracks``, ``max_bodies_per_frame``).
    """
    t_count = raw.num_frames
    order: dict[bytes, list[int]] = {}
    for k, body_id in enumerate(raw.body_ids):
        order.setdefault(body_id, []).append(k)
    tracks = list(order.values())
    per_frame = np.bincount(raw.frame_of_body, minlength=max(t_count, 1))
    info: dict[str, Any] = {
        "tracks": len(tracks),
        "dropped_tracks": 0,
        "max_bodies_per_frame": int(per_frame.max()) if raw.body_ids else 0,
    }
    if len(tracks) > MAX_BODIES:
        long_enough = [tr for tr in tracks if len(tr) >= MIN_TRACK_FRAMES]
        tracks = long_enough or tracks

        def motion(tr: list[int]) -> float:
            return float(raw.xyz[tr].var(axis=0).sum())

        tracks = sorted(tracks, key=motion, reverse=True)
    slots: list[list[list[int]]] = []
    used: list[set[int]] = []
    for tr in tracks:
        frames = set(raw.frame_of_body[tr].tolist())
        for s, taken in enumerate(used):
            if not taken & frames:
                slots[s].append(tr)
                taken |= frames
                break
        else:
            if len(slots) < MAX_BODIES:
                slots.append([tr])
                used.append(frames)
    info["dropped_tracks"] = len(order) - sum(len(s) for s in slots)
    m = len(slots)
    joints = np.zeros((t_count, m, NUM_JOINTS, 3), dtype=np.float32)
    color = np.zeros((t_count, m, NUM_JOINTS, 2), dtype=np.float32)
    for s, members in enumerate(slots):
        for tr in members:
            joints[raw.frame_of_body[tr], s] = raw.xyz[tr]
            color[raw.frame_of_body[tr], s] = raw.color_xy[tr]
    return joints, color, info


def read_skeleton_bytes(data: bytes, path: str) -> SkeletonSequence | None:
    """Parse one ``.skeleton`` file into a clip.

    Args:
        data: The file's bytes.
        path: Its path (the stem names the sample).

    Returns:
        The clip (joints ``(T, M, 25, 3)``, ``M`` in 1..2, label ``action - 1`` when the
        name follows the NTU pattern), or ``None`` when no frame holds a body.

    Raises:
        DataFormatError: If the file is malformed.
    """
    return sequence_of(parse_skeleton(data, path), path)


def empty_reason(raw: RawSkeleton) -> str:
    """Why a parsed file gives no clip (``sequence_of`` returned ``None``)."""
    if raw.num_frames == 0:
        return "no frame: the file declares 0 frames"
    return f"no body in any of its {raw.num_frames} frames"


def sequence_of(raw: RawSkeleton, path: str) -> SkeletonSequence | None:
    """The clip of a parsed ``.skeleton`` file (see :func:`read_skeleton_bytes`), or
    ``None`` when no frame holds a body (:func:`empty_reason` says which case)."""
    if not raw.body_ids:
        return None
    joints, color, info = pack_bodies(raw)
    name = Path(path).stem
    try:
        meta = parse_name(name)
        label: int | None = int(meta["action"][1:]) - 1
    except ValueError:
        meta, label = {}, None
    if label is not None and not 0 <= label < NTU120_ACTIONS:
        label = None  # "A130": no action of NTU RGB+D has that number
    meta |= info
    return SkeletonSequence(
        name=name,
        joints=joints,
        layout="ntu25",
        label=label,
        meta=meta,
        fps=30.0,
        source=path,
        color_xy=color,
    )


def missing_samples(root: Path) -> set[str]:
    """Names on the official missing-skeleton lists found near ``root``.

    Looks in ``<root>/labels`` and ``<root>/../labels``.
    """
    names: set[str] = set()
    for folder in (root / "labels", root.parent / "labels"):
        for list_name in MISSING_LISTS:
            f = folder / list_name
            if f.is_file():
                names.update(
                    s
                    for s in f.read_text(encoding="utf-8-sig", errors="replace").split()
                    if s
                )
    return names


def _beyond_ntu120(stem: str) -> str | None:
    """Why a sample name is no NTU RGB+D sample of either release (an action or setup
    number past NTU-120's), or ``None``."""
    m = NAME_RE.fullmatch(stem)
    if m is None:
        return None
    setup, action = int(m.group(1)), int(m.group(5))
    if action > NTU120_ACTIONS or action < 1:
        return f"action A{action:03d} is none of NTU RGB+D's (A001-A{NTU120_ACTIONS})"
    if setup > NTU120_SETUPS or setup < 1:
        return f"setup S{setup:03d} is none of NTU RGB+D's (S001-S{NTU120_SETUPS:03d})"
    return None


class NtuReader(FileDatasetReader):
    """NTU RGB+D raw ``.skeleton`` files: a folder (searched recursively), one file, or
    the released zip archive (``nturgbd_skeletons_s001_to_s017.zip``) read in place.

    Attributes:
        max_action: Highest action id of the dataset (60 or 120).
        max_setup: Highest setup id of the dataset (17 or 32).
    """

    layout = "ntu25"
    num_bodies = MAX_BODIES
    fps = 30.0
    source_pattern = "*.skeleton"

    def __init__(self, name: str, max_action: int, max_setup: int):
        self.name = name
        self.max_action = max_action
        self.max_setup = max_setup

    def _belongs(self, stem: str) -> bool:
        m = NAME_RE.fullmatch(stem)
        return (
            m is None
            or _beyond_ntu120(stem) is not None  # reported, not left out unseen
            or (
                int(m.group(5)) <= self.max_action and int(m.group(1)) <= self.max_setup
            )
        )

    def is_source_file(self, path: Path) -> bool:
        """Whether a ``.skeleton`` file is one of this dataset's (NTU 60 vs 120).

        Args:
            path: A ``.skeleton`` file under the dataset folder.

        Returns:
            ``False`` for a file of a setup or action beyond this dataset.
        """
        return self._belongs(path.stem)

    def scan_events(self, root: str | os.PathLike[str]) -> Iterator[ScanEvent]:
        """Yield one event per ``.skeleton`` file in the folder or zip archive ``root``.

        Raises:
            FileNotFoundError: If ``root`` does not exist.
            DataFormatError: If ``root`` holds no ``.skeleton`` file of this dataset or
                is neither a folder, a ``.skeleton`` file nor a zip archive.
        """
        root = Path(root).expanduser()
        if root.is_file() and root.suffix.lower() == ".zip":
            yield from self._scan_zip(root)
            return
        files = self.source_files(root)
        if not files:
            others = (
                len(dataset_files(root, self.source_pattern)) if root.is_dir() else 0
            )
            hint = other_dataset_folder_hint(root, self.name) if root.is_dir() else ""
            raise DataFormatError(root, self._none_of_ours(others) + hint)
        missing = missing_samples(root if root.is_dir() else root.parent)
        items = [(p.stem, str(p), functools.partial(read_bytes, p)) for p in files]
        others = (
            len(dataset_files(root, self.source_pattern)) - len(files)
            if root.is_dir()
            else 0
        )
        yield from self._events(items, missing, self._left_out(others))

    def _scan_zip(self, root: Path) -> Iterator[ScanEvent]:
        try:
            archive = zipfile.ZipFile(root)
        except (zipfile.BadZipFile, OSError) as exc:
            why = "" if isinstance(exc, zipfile.BadZipFile) else f" ({exc})"
            raise DataFormatError(root, f"not a zip archive{why}") from exc
        with archive:
            members = [
                (m, path)
                for m, path in zip_members(archive, ".skeleton")
                if self._belongs(path.stem)
            ]
            others = len(zip_members(archive, ".skeleton")) - len(members)
            if not members:
                raise DataFormatError(
                    root,
                    "zip holds "
                    + self._none_of_ours(others)
                    + ("" if others else other_dataset_hint(archive, self.name)),
                )
            # Named with "/" separators (the sample's name is the source's stem).
            items = [
                (
                    path.stem,
                    f"{root}:{path}",
                    functools.partial(read_member, archive, m, f"{root}:{path}"),
                )
                for m, path in members
            ]
            yield from self._events(
                items, missing_samples(root.parent), self._left_out(others)
            )

    def _none_of_ours(self, others: int) -> str:
        """ "no ntu60 .skeleton files", and why when there are ``others`` (files of
        NTU-120's actions or setups, left out of NTU-60)."""
        if not others or self.name != "ntu60":
            return f"no {self.name} .skeleton files"
        return (
            f"no {self.name} .skeleton files, only {count(others, '.skeleton file')} "
            "of NTU RGB+D 120's actions (A061-A120) or setups (S018-S032): open it as "
            "ntu120"
        )

    def _left_out(self, others: int) -> tuple[str, ...]:
        """The note on the ``others`` files of the folder that belong to NTU-120 only
        (an NTU-60 folder with NTU-120's files in it: they were left out unsaid)."""
        if not others:
            return ()
        return (
            f"left out {count(others, '.skeleton file')} of NTU RGB+D 120's actions "
            f"(A{self.max_action + 1:03d}-A{NTU120_ACTIONS}) or setups "
            f"(S{self.max_setup + 1:03d}-S{NTU120_SETUPS:03d}): not {self.name}'s; "
            "open the folder as ntu120 to use them",
        )

    def _events(
        self,
        items: Sequence[tuple[str, str, Callable[[], bytes]]],
        missing: set[str],
        notes: tuple[str, ...] = (),
    ) -> Iterator[ScanEvent]:
        """One event per item; ``notes`` (of the whole folder) go with the first file
        read."""
        total = len(items)
        for i, (stem, source, load) in enumerate(items, 1):
            if stem.upper() in missing:
                yield FileSkipped(
                    i, total, source, "on the official missing-skeleton list"
                )
                continue
            if NAME_RE.fullmatch(stem) is None:
                # The label and the protocol's split come from the name; a clip without
                # them cannot be trained or evaluated (e.g. "...A011 (1).skeleton").
                problem = "file name does not follow SsssCcccPpppRrrrAaaa.skeleton"
                yield FileFailed(i, total, DataFormatError(source, problem))
                continue
            beyond = _beyond_ntu120(stem)
            if beyond is not None:
                yield FileSkipped(i, total, source, beyond)
                continue
            try:
                raw = parse_skeleton(load(), source)
            except DataFormatError as exc:
                yield FileFailed(i, total, exc)
                continue
            seq = sequence_of(raw, source)
            if seq is None:
                yield FileSkipped(i, total, source, empty_reason(raw))
            else:
                yield FileRead(i, total, source, (seq,), notes)
                notes = ()

    def read_file(self, path: str | os.PathLike[str]) -> list[SkeletonSequence]:
        """Read one ``.skeleton`` file.

        Returns:
            One clip, or an empty list when no frame holds a body.

        Raises:
            DataFormatError: If the file is malformed or unreadable.
        """
        path = Path(path)
        data = read_bytes(path)
        seq = read_skeleton_bytes(data, str(path))
        return [] if seq is None else [seq]
