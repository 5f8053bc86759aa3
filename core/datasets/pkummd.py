"""Reader for PKU-MMD Part I and Part II (Kinect v2, 25 joints, continuous 30 FPS sequences).

A sequence is a skeleton text file with one line per frame of 150 numbers: two persons x 25
joints x (x, y, z), person 2 all zeros when absent (lines may end with a space, CRLF or
LF). A label file of the same name lists the actions in it, one
``action_id,start_frame,end_frame,confidence`` row each (action ids 1..51). Instances are
cut as frames ``start .. end - 1`` with 0-based frame numbers, the convention of the public
preprocessing scripts (the release does not say; the difference is one frame). Real
quirks are handled and reported as notes, never silently: a row with ``end < start`` is
skipped; rows are clipped to the frames the skeleton file has (sequences also run past
their last label, which is fine); a row starting past the end is skipped; views missing
from the release (e.g. 0060-L) simply have no file.

Names: Part I sequences are ``0002-L`` .. ``0364-R`` (number and view L/M/R); Part II
files are ``A01N01-L`` style (``A``: a recording index, ``N``: the subject, then the
view; the format is that of Part I). Verified on real Part I files; Part II is read from
its published naming (``AxxNyy-V.txt``) and has not been tried on real Part II data here.

Dataset root: a folder holding a skeleton folder (a sub-folder whose name contains
``skeleton``), a label folder (name contains ``label``) and optionally the official split
files (``cross-subject.txt`` / ``cross-view.txt``, or ``cross_subject_v2.txt`` /
``cross_view_v2.txt`` for Part II, in the root or a ``split`` folder). Sequences listed
under "Training videos:" are ``train``, under "Validataion videos:" (sic) ``test``; each
instance records this in ``meta["splits"]``. :func:`read_sequence` returns a whole
sequence with its labelled intervals for replay.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
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
    other_dataset_folder_hint,
    read_bytes,
)
from core.text import count, quoted_excerpt

PART1_RE = re.compile(r"(\d{4})-([LMR])")
PART2_RE = re.compile(r"A(\d+)N(\d+)-([LMR])")
VALUES_PER_FRAME = 150
NUM_JOINTS = 25
NUM_CLASSES = 51
FPS = 30.0


def parse_name(name: str) -> dict[str, Any]:
    """Metadata from a sequence name (``"0005-L"`` or ``"A01N03-M"``).

    Returns:
        Part I: ``{"part": 1, "sequence": "0005-L", "number": 5, "view": "L"}``;
        Part II: ``{"part": 2, "sequence": ..., "recording": 1, "subject": 3, "view": "M"}``.

    Raises:
        ValueError: If the name follows neither pattern.
    """
    m = PART1_RE.fullmatch(name)
    if m:
        return {
            "part": 1,
            "sequence": name,
            "number": int(m.group(1)),
            "view": m.group(2),
        }
    m = PART2_RE.fullmatch(name)
    if m:
        return {"part": 2, "sequence": name, "recording": int(m.group(1)),
                "subject": int(m.group(2)), "view": m.group(3)}  # fmt: skip
    raise ValueError(
        f"sequence name {name!r} is neither PKU-MMD Part I (0005-L) nor Part II (A01N01-L)"
    )


def _row_error(
    path: str, lines: list[bytes], row: int, problem: str
) -> DataFormatError:
    """Error for the ``row``-th non-blank line (0-based) of a file."""
    seen = -1
    for i, ln in enumerate(lines):
        if ln.strip():
            seen += 1
            if seen == row:
                return DataFormatError(path, problem, i + 1)
    return DataFormatError(path, problem)


def parse_skeleton(data: bytes, path: str) -> np.ndarray:
    """Parse a skeleton file into frames.

    Args:
        data: The file's bytes.
        path: File name for messages.

    Returns:
        float32 ``(T, 2, 25, 3)``.

    Raises:
        DataFormatError: If the file is empty, a line does not hold 150 numbers, or a
            value is not a finite number (naming the line).
    """
    lines = data.splitlines()
    rows = [ln for ln in lines if ln.strip()]
    if not rows:
        raise DataFormatError(path, "empty file", line=1)
    # Every line on its own must hold one frame: only counting all values would let a
    # short line and a long one cancel out and shift every later frame.
    per_row = [ln.split() for ln in rows]
    for r, row in enumerate(per_row):
        if len(row) != VALUES_PER_FRAME:
            raise _row_error(
                path, lines, r, f"{len(row)} values, expected {VALUES_PER_FRAME}"
            )
    tokens = [tok for row in per_row for tok in row]
    try:
        with np.errstate(over="ignore"):  # values beyond float32 are reported below
            values = np.array(tokens, dtype=np.float32)
    except ValueError:
        for r, ln in enumerate(rows):
            for tok in ln.split():
                try:
                    float(tok)
                except ValueError:
                    shown = tok.decode("utf-8", "replace")[:40]
                    raise _row_error(
                        path, lines, r, f"not a number: {shown!r}"
                    ) from None
        raise DataFormatError(path, "not a table of numbers") from None
    frames = values.reshape(len(rows), 2, NUM_JOINTS, 3)
    with np.errstate(invalid="ignore"):
        finite = (np.abs(frames) <= MAX_COORDINATE).reshape(len(rows), -1).all(axis=1)
    if not finite.all():
        raise _row_error(
            path, lines, int(np.argmin(finite)), "non-finite or out-of-range value"
        )
    return frames


@dataclass(frozen=True)
class LabelRow:
    """One row of a label file.

    Attributes:
        action: 1-based action id.
        start: First frame (0-based).
        end: End frame as written (exclusive).
        confidence: Annotation confidence (``None`` when the column is absent).
        line: 1-based line in the label file.
    """

    action: int
    start: int
    end: int
    confidence: int | None
    line: int


def parse_labels(data: bytes, path: str) -> list[LabelRow]:
    """Parse a label file (``action_id,start_frame,end_frame[,confidence]`` per line).

    Raises:
        DataFormatError: If a row is not 3-4 integers or names an unknown action (naming
            the line).
    """
    rows: list[LabelRow] = []
    for i, raw in enumerate(data.splitlines(), 1):
        text = raw.strip()
        if not text:
            continue
        parts = [p.strip() for p in text.split(b",")]
        if parts and parts[-1] == b"":
            parts.pop()  # a trailing comma
        try:
            nums = [int(p) for p in parts]
        except ValueError:
            raise DataFormatError(
                path,
                "expected 'action,start,end,confidence' integers, got "
                + quoted_excerpt(text, 60),
                i,
            ) from None
        if len(nums) not in (3, 4):
            raise DataFormatError(path, f"{len(nums)} values, expected 3 or 4", i)
        if not 1 <= nums[0] <= NUM_CLASSES:
            raise DataFormatError(
                path, f"action id {nums[0]} outside 1..{NUM_CLASSES}", i
            )
        if nums[1] < 0:
            raise DataFormatError(path, f"negative start frame {nums[1]}", i)
        rows.append(
            LabelRow(nums[0], nums[1], nums[2], nums[3] if len(nums) == 4 else None, i)
        )
    if not rows:
        raise DataFormatError(path, "no label rows", line=1)
    return rows


def _trim_bodies(joints: np.ndarray) -> np.ndarray:
    """Drop the second person when it is all zeros over the whole clip."""
    if joints.shape[1] == 2 and not joints[:, 1].any():
        return joints[:, :1]
    return joints


def cut_instances(
    frames: np.ndarray, rows: list[LabelRow], label_path: str
) -> tuple[list[tuple[LabelRow, int, int]], list[str]]:
    """Decide the frame range of every label row.

    Args:
        frames: The sequence, ``(T, 2, 25, 3)``.
        rows: Its label rows.
        label_path: Label file name for notes.

    Returns:
        ``(kept, notes)``: ``(row, start, end)`` per usable row (``end`` exclusive and
        clipped to ``T``), and one note per skipped or clipped row.
    """
    total = frames.shape[0]
    kept: list[tuple[LabelRow, int, int]] = []
    notes: list[str] = []
    for row in rows:
        where = f"{label_path}:{row.line}"
        if row.end < row.start:
            notes.append(f"{where}: row skipped, end {row.end} < start {row.start}")
        elif row.start >= total:
            notes.append(
                f"{where}: row skipped, starts at {row.start} past the {total} frames"
            )
        elif row.end == row.start:
            notes.append(f"{where}: row skipped, empty interval")
        else:
            end = min(row.end, total)
            if end < row.end:
                notes.append(f"{where}: end {row.end} clipped to the {total} frames")
            kept.append((row, row.start, end))
    return kept, notes


def read_split_file(path: str | os.PathLike[str]) -> dict[str, str]:
    """Parse an official split file into ``{sequence: "train" | "test"}``.

    Raises:
        DataFormatError: If the file has no "Training videos:" section.
    """
    text = Path(path).read_text(encoding="utf-8-sig", errors="replace")
    out: dict[str, str] = {}
    side: str | None = None
    for line in text.splitlines():
        low = line.strip().lower()
        if low.startswith("train"):
            side = "train"
        elif low.startswith(("valid", "test")):
            side = "test"
        if (
            ":" in line
            and side is not None
            and low.startswith(("train", "valid", "test"))
        ):
            line = line.split(":", 1)[1]
        if side is None:
            continue
        for name in re.split(r"[,\s]+", line.strip()):
            if PART1_RE.fullmatch(name) or PART2_RE.fullmatch(name):
                out[name] = side
    if "train" not in out.values():
        raise DataFormatError(path, "no 'Training videos:' section with sequence names")
    return out


def _find_dir(root: Path, word: str) -> Path | None:
    if word in root.name.lower() and root.is_dir():
        return root
    matches = sorted(p for p in root.iterdir() if p.is_dir() and word in p.name.lower())
    return matches[0] if matches else None


def _find_label_file(skeleton_file: Path, label_dir: Path | None) -> Path | None:
    folders = [label_dir] if label_dir else []
    parent = skeleton_file.parent.parent
    if parent.is_dir():
        folders += [
            p
            for p in sorted(parent.iterdir())
            if p.is_dir() and "label" in p.name.lower()
        ]
    for folder in folders:
        candidate = folder / skeleton_file.name
        if candidate.is_file():
            return candidate
    return None


def read_sequence(
    path: str | os.PathLike[str], labels: str | os.PathLike[str] | None = None
) -> SkeletonSequence:
    """Read a whole sequence for replay, with its labelled intervals when found.

    Args:
        path: Skeleton file.
        labels: Label file; when ``None`` a file of the same name is looked for in the
            label folders beside the skeleton folder.

    Returns:
        Clip with joints ``(T, M, 25, 3)``, label ``None`` and ``meta["intervals"]`` a
        list of ``[label, start, end]`` (0-based label and frames, end exclusive).

    Raises:
        DataFormatError: If the skeleton file is malformed, or the label file given
            as ``labels`` (one found beside it that is malformed leaves the intervals
            out, ``meta["labels_problem"]`` saying why).
    """
    path = Path(path)
    frames = parse_skeleton(read_bytes(path), str(path))
    label_path = Path(labels) if labels is not None else _find_label_file(path, None)
    meta: dict[str, Any]
    try:
        meta = parse_name(path.stem)
    except ValueError:
        meta = {"sequence": path.stem}
    intervals: list[list[int]] = []
    rows = None
    if label_path is not None:
        try:
            rows = parse_labels(read_bytes(label_path), str(label_path))
        except DataFormatError as exc:
            if labels is not None:
                raise
            # The label file found beside it is damaged: the skeleton is still read
            # and shown, its answers unscored (one bad label row refused the whole
            # sequence: a trial); as a recording's bad labels.csv is said.
            meta["labels_problem"] = str(exc)
    if label_path is not None and rows is not None:
        kept, notes = cut_instances(frames, rows, str(label_path))
        intervals = [[row.action - 1, start, end] for row, start, end in kept]
        meta["label_file"] = str(label_path)
        meta["notes"] = notes
    meta["intervals"] = intervals
    return SkeletonSequence(
        name=path.stem,
        joints=_trim_bodies(frames),
        layout="ntu25",
        label=None,
        meta=meta,
        fps=FPS,
        source=str(path),
    )


class PkuMmdReader(FileDatasetReader):
    """PKU-MMD action instances cut from the sequences of one part.

    Attributes:
        part: 1 or 2.
    """

    layout = "ntu25"
    num_bodies = 2
    fps = FPS
    # Skeleton, label and split files.
    source_pattern = "*.txt"

    def __init__(self, part: int):
        self.part = part
        self.name = f"pkummd{part}"
        self._name_re = PART1_RE if part == 1 else PART2_RE

    def _skeleton_dir(self, root: Path) -> Path:
        found = _find_dir(root, "skeleton")
        if found is None:
            raise DataFormatError(
                root,
                "no skeleton folder (a sub-folder named *skeleton*)"
                + other_dataset_folder_hint(root, self.name),
            )
        return found

    def _splits(self, root: Path) -> dict[str, dict[str, str]]:
        wanted = {
            "xsub": ("cross-subject.txt", "cross_subject.txt")
            if self.part == 1
            else ("cross_subject_v2.txt", "cross-subject_v2.txt", "cross-subject.txt"),
            "xview": ("cross-view.txt", "cross_view.txt")
            if self.part == 1
            else ("cross_view_v2.txt", "cross-view_v2.txt", "cross-view.txt"),
        }
        folders = [root] + [
            p
            for p in sorted(root.iterdir())
            if p.is_dir() and "split" in p.name.lower()
        ]
        out: dict[str, dict[str, str]] = {}
        for protocol, names in wanted.items():
            for folder in folders:
                hit = next((folder / n for n in names if (folder / n).is_file()), None)
                if hit is not None:
                    out[protocol] = read_split_file(hit)
                    break
        return out

    def scan_events(self, root: str | os.PathLike[str]) -> Iterator[ScanEvent]:
        """Yield one event per skeleton file of this part under ``root``.

        Raises:
            FileNotFoundError: If ``root`` does not exist.
            DataFormatError: If there is no skeleton folder or no skeleton file of this part.
        """
        root = Path(root).expanduser()
        if not root.is_dir():
            if not root.exists():
                raise FileNotFoundError(f"{self.name}: no such folder: {root}")
            raise DataFormatError(
                root, "expected the dataset folder (skeleton/, labels/, split/)"
            )
        skel_dir = self._skeleton_dir(root)
        label_dir = _find_dir(root, "label")
        files = sorted(
            p for p in skel_dir.glob("*.txt") if self._name_re.fullmatch(p.stem)
        )
        if not files:
            other = 2 if self.part == 1 else 1
            theirs = sum(
                1
                for p in skel_dir.glob("*.txt")
                if (PART2_RE if other == 2 else PART1_RE).fullmatch(p.stem)
            )
            hint = (
                f"; it holds {count(theirs, 'skeleton file')} of Part {other}: open it "
                f"as pkummd{other}"
                if theirs
                else other_dataset_folder_hint(root, self.name)
            )
            raise DataFormatError(
                skel_dir, f"no PKU-MMD Part {self.part} skeleton files" + hint
            )
        splits = self._splits(root)
        total = len(files)
        for i, path in enumerate(files, 1):
            label_path = _find_label_file(path, label_dir)
            if label_path is None:
                yield FileSkipped(i, total, str(path), "no label file")
                continue
            try:
                seqs, notes = self._instances(path, label_path, splits)
            except DataFormatError as exc:
                yield FileFailed(i, total, exc)
                continue
            yield FileRead(i, total, str(path), tuple(seqs), tuple(notes))

    def _instances(
        self, path: Path, label_path: Path, splits: dict[str, dict[str, str]]
    ) -> tuple[list[SkeletonSequence], list[str]]:
        frames = parse_skeleton(read_bytes(path), str(path))
        rows = parse_labels(read_bytes(label_path), str(label_path))
        kept, notes = cut_instances(frames, rows, str(label_path))
        base = parse_name(path.stem)
        sides = {
            p: table[path.stem] for p, table in splits.items() if path.stem in table
        }
        seqs = []
        for k, (row, start, end) in enumerate(kept):
            meta = base | {"start": start, "end": end, "row": row.line,
                           "confidence": row.confidence, "splits": sides}  # fmt: skip
            seqs.append(
                SkeletonSequence(
                    name=f"{path.stem}_{k:02d}",
                    joints=_trim_bodies(frames[start:end]),
                    layout="ntu25",
                    label=row.action - 1,
                    meta=meta,
                    fps=FPS,
                    source=f"{path}:{start}-{end}",
                )
            )
        return seqs, notes

    def read_file(self, path: str | os.PathLike[str]) -> list[SkeletonSequence]:
        """Read the action instances of one skeleton file (labels looked up beside it).

        Returns:
            One clip per usable label row.

        Raises:
            DataFormatError: If a file is malformed or no label file is found.
        """
        path = Path(path)
        label_path = _find_label_file(path, None)
        if label_path is None:
            raise DataFormatError(
                path, "no label file of the same name beside the skeleton folder"
            )
        root = path.parent.parent
        seqs, _ = self._instances(path, label_path, self._splits(root))
        return seqs
