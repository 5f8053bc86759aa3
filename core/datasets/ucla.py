"""Reader for NW-UCLA (Northwestern-UCLA Multiview Action3D) skeletons in ``all_sqe`` form.

The set is distributed as one JSON file per sample, ``{"file_name": "a01_s01_e00_v01",
"skeletons": [[[x, y, z] * 20] * T]}`` (Kinect v1, 20 joints, metres, camera space), either
as a folder or zipped as ``all_sqe/<name>.json``. The reader opens both, straight from the
zip without extracting it. The name carries action ``aXX``, subject ``sYY``, episode
``eZZ`` and view ``vWW``; labels follow the shipped table (a01..a06 -> 0..5, a08 -> 6,
a09 -> 7, a11 -> 8, a12 -> 9; a07 and a10 do not exist). Clips keep their true length,
the single-frame sample included. The dataset does not state a frame rate; we use 30 FPS,
the nominal rate of the Kinect v1 it was recorded with.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from core.datasets.base import MAX_COORDINATE, DataFormatError, SkeletonSequence
from core.datasets.scanning import (
    FileDatasetReader,
    FileFailed,
    FileRead,
    ScanEvent,
    dataset_files,
    other_dataset_folder_hint,
    other_dataset_hint,
    read_bytes,
    read_member,
    zip_members,
)
from core.labels import ClassTable, load_class_table

NAME_RE = re.compile(r"a(\d+)_s(\d+)_e(\d+)_v(\d+)")
NUM_JOINTS = 20


def parse_name(name: str) -> dict[str, Any]:
    """Metadata from a sample name such as ``"a01_s01_e00_v01"``.

    Returns:
        ``{"action": "a01", "subject": 1, "episode": 0, "view": 1}``.

    Raises:
        ValueError: If the name does not follow ``aXX_sYY_eZZ_vWW``.
    """
    m = NAME_RE.fullmatch(name)
    if m is None:
        raise ValueError(f"sample name {name!r} does not follow aXX_sYY_eZZ_vWW")
    action, subject, episode, view = (int(g) for g in m.groups())
    return {
        "action": f"a{action:02d}",
        "subject": subject,
        "episode": episode,
        "view": view,
    }


def _raise_shape_problem(frames: list[Any], source: str) -> NoReturn:
    """Raise a :class:`DataFormatError` naming the first frame that is not 20 x 3 numbers."""
    for t, frame in enumerate(frames):
        if not isinstance(frame, list) or len(frame) != NUM_JOINTS:
            n = len(frame) if isinstance(frame, list) else type(frame).__name__
            raise DataFormatError(
                source, f"frame {t} has {n} joints, expected {NUM_JOINTS}", line=1
            )
        for v, joint in enumerate(frame):
            if (
                not isinstance(joint, list)
                or len(joint) != 3
                or not all(
                    isinstance(c, (int, float)) and not isinstance(c, bool)
                    for c in joint
                )
            ):
                raise DataFormatError(
                    source,
                    f"frame {t} joint {v} is {joint!r}, expected 3 numbers",
                    line=1,
                )
    raise DataFormatError(
        source, "'skeletons' is not a T x 20 x 3 array of numbers", line=1
    )


def parse_sample(
    data: bytes, source: str, stem: str, table: ClassTable | None = None
) -> SkeletonSequence:
    """Parse one ``all_sqe`` JSON document.

    Args:
        data: The file's bytes.
        source: Where it came from (for messages and ``SkeletonSequence.source``).
        stem: File name without extension (used when ``file_name`` is absent).
        table: The NW-UCLA class table (loaded when not given).

    Returns:
        A clip with joints ``(T, 1, 20, 3)`` float32.

    Raises:
        DataFormatError: If the document is not valid JSON, has no ``skeletons``, has a
            frame that is not 20 joints of 3 numbers, holds a non-finite value, or its name
            is not a known class.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Its first bytes, as the NTU reader says them (a binary file read as JSON)
        raise DataFormatError(
            source,
            f"not UTF-8 text ({exc.reason}; it starts {data.strip()[:8].hex(' ')})",
        ) from exc
    if not text.strip():
        raise DataFormatError(source, "empty file", line=1)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        # An error at the text's end: the file was cut short, most likely.
        cut = (
            " (the file ends early: cut short?)"
            if exc.pos >= len(text.rstrip())
            else ""
        )
        # the column too: a sample is one line of JSON, which the line alone
        # does not place (a trial)
        raise DataFormatError(
            source,
            f"invalid JSON: {exc.msg} at column {exc.colno}{cut}",
            line=exc.lineno,
        ) from exc
    except RecursionError:
        raise DataFormatError(source, "invalid JSON: nested too deeply") from None
    if not isinstance(doc, dict) or "skeletons" not in doc:
        raise DataFormatError(source, "no 'skeletons' entry", line=1)
    name = str(doc.get("file_name") or stem)
    try:
        meta = parse_name(name)
    except ValueError as exc:
        raise DataFormatError(source, str(exc), line=1) from None
    frames = doc["skeletons"]
    if not isinstance(frames, list):
        raise DataFormatError(
            source,
            f"'skeletons' is {type(frames).__name__} {_short_repr(frames)}, not a list "
            "of frames",
            line=1,
        )
    if not frames:
        raise DataFormatError(source, "'skeletons' holds no frames", line=1)
    try:
        joints = np.asarray(frames)
    except ValueError:  # ragged nesting: find the offending frame below
        joints = None
    if (
        joints is None
        or joints.dtype.kind not in "fiu"
        or joints.shape[1:] != (NUM_JOINTS, 3)
    ):
        _raise_shape_problem(frames, source)
    if not np.isfinite(joints).all():
        t, v, _ = np.argwhere(~np.isfinite(joints))[0]
        raise DataFormatError(
            source, f"non-finite value at frame {t} joint {v}", line=1
        )
    with np.errstate(over="ignore"):
        joints = joints.astype(np.float32)
    far = ~(np.abs(joints) <= MAX_COORDINATE)  # beyond float32 (1e39) became inf
    if far.any():
        t, v, _ = np.argwhere(far)[0]
        raise DataFormatError(
            source,
            f"value out of range at frame {t} joint {v} (beyond ±{MAX_COORDINATE:g} m)",
            line=1,
        )
    table = table or load_class_table("nw-ucla")
    try:
        label = table.index_of_id(meta["action"])
    except KeyError:
        raise DataFormatError(
            source, f"unknown action {meta['action']!r}", line=1
        ) from None
    if name != stem and NAME_RE.fullmatch(stem):
        # two names, two labels: the file's own was read as another sample's
        # (a copy of a06's file named a09 trained as "stand up": a trial)
        raise DataFormatError(
            source,
            f"its file_name {name!r} is not its file's name ({stem}): which sample "
            "is it? Rename the file or mend its file_name",
            line=1,
        )
    return SkeletonSequence(
        name=name,
        joints=joints[:, None],
        layout="ucla20",
        label=label,
        meta=meta,
        fps=UclaReader.fps,
        source=source,
    )


class UclaReader(FileDatasetReader):
    """NW-UCLA ``all_sqe``: a zip (``all_sqe/*.json``) or a folder of JSON files."""

    name = "nw-ucla"
    layout = "ucla20"
    num_bodies = 1
    fps = 30.0
    source_pattern = "*.json"

    def scan_events(self, root: str | os.PathLike[str]) -> Iterator[ScanEvent]:
        """Yield one event per sample JSON in the zip or folder ``root``.

        Raises:
            FileNotFoundError: If ``root`` does not exist.
            DataFormatError: If ``root`` is not a zip archive or holds no sample JSON.
        """
        root = Path(root).expanduser()
        if not root.exists():
            raise FileNotFoundError(f"nw-ucla: no such file or folder: {root}")
        if root.is_dir():
            yield from self._scan_folder(root)
        else:
            yield from self._scan_zip(root)

    def _scan_folder(self, root: Path) -> Iterator[ScanEvent]:
        files = dataset_files(root, "*.json")
        if not files:
            # and whose files they are, if another dataset's (an NTU folder opened
            # as NW-UCLA said only this: a GUI trial)
            raise DataFormatError(
                root,
                "no NW-UCLA sample JSON files (aXX_sYY_eZZ_vWW.json)"
                + other_dataset_folder_hint(root, "nw-ucla"),
            )
        for i, path in enumerate(files, 1):
            try:
                seqs = self.read_file(path)
            except DataFormatError as exc:
                yield FileFailed(i, len(files), exc)
            else:
                yield FileRead(i, len(files), str(path), tuple(seqs))

    def _scan_zip(self, root: Path) -> Iterator[ScanEvent]:
        try:
            archive = zipfile.ZipFile(root)
        except (zipfile.BadZipFile, OSError) as exc:
            if _starts_like_a_zip(root):
                raise DataFormatError(
                    root, f"a damaged or truncated zip archive ({exc})"
                ) from exc
            # (zipfile's own "File is not a zip file" added nothing: a trial)
            why = "" if isinstance(exc, zipfile.BadZipFile) else f" ({exc})"
            raise DataFormatError(root, f"not a zip archive or folder{why}") from exc
        table = load_class_table(self.name)
        with archive:
            members = zip_members(archive, ".json")
            if not members:
                raise DataFormatError(
                    root,
                    "zip holds no skeletons (expected all_sqe/<sample>.json members)"
                    + other_dataset_hint(archive, self.name),
                )
            for i, (member, path) in enumerate(members, 1):
                source = f"{root}:{path}"
                try:
                    data = read_member(archive, member, source)
                    seq = parse_sample(data, source, path.stem, table)
                except DataFormatError as exc:
                    yield FileFailed(i, len(members), exc)
                else:
                    yield FileRead(i, len(members), source, (seq,))

    def read_file(self, path: str | os.PathLike[str]) -> list[SkeletonSequence]:
        """Read one sample JSON file.

        Returns:
            A one-element list with the clip, joints ``(T, 1, 20, 3)``.

        Raises:
            DataFormatError: If the file is malformed or unreadable.
        """
        path = Path(path)
        data = read_bytes(path)
        return [parse_sample(data, str(path), path.stem)]


def _starts_like_a_zip(path: Path) -> bool:
    """Whether ``path`` begins as a zip archive does (``PK\\x03\\x04``)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def _short_repr(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
