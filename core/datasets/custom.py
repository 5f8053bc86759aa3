"""The user's own dataset: a folder of recordings and a ``labels.csv``, and its reader.

Folder layout::

    DATASET/
      labels.csv            recording,start,end,action[,subject]
      wave-001.jsonl        one file per recording (core.datasets.recording)
      wave-002.jsonl
      session-01.jsonl      a continuous recording labelled by intervals

``labels.csv`` has a header row ``recording,start,end,action`` (optionally
``,subject``) and one row per labelled interval: the recording's name (file stem),
start and end in seconds from the recording's first frame, the action name (any text;
the class names are the sorted distinct actions) and optionally who performed it. A
*take* is a recording labelled whole (``0`` to its duration). Intervals of the same
action may overlap; intervals of different actions may not. The file is rewritten
atomically by every edit (temporary file, ``fsync``, rename).

The reader (``--dataset custom``) turns every labelled interval into a clip (one
longer than 8 s into equal pieces of at most 4 s, :func:`label_pieces`) and cuts
every unlabelled span (between intervals, or whole unlabelled recordings) into
unlabelled windows for self-supervised pretraining. Clips are resampled to 30 FPS on the
recordings' own timestamps (nearest frame with a person within 0.5 s, so gaps up to a
second are bridged), so recordings made at different frame rates, or with dropped
frames, share one time scale.
All clips are in one Kinect layout: ``ucla20`` if any recording is ``ucla20``, else
``ntu25`` (MediaPipe landmarks converted with the axis change of
:func:`core.live.pose.mediapipe_to_kinect`); the training engine converts them to the model's
layout. Splits (:func:`split_custom`): a seeded share of the recordings (protocol
``recording``) or subjects (``subject``) of every action validates.

Every problem with the labels stops the reader with one :class:`DataFormatError` naming
``labels.csv`` and the row: a malformed row, an end not after the start, an empty action,
an unknown recording, a time past the recording's end, overlapping intervals of
different actions, or an interval without a single frame with a person.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from core.datasets.base import MAX_COORDINATE, DataFormatError, SkeletonSequence
from core.datasets.recording import (
    SUFFIX,
    Recording,
    RecordingInfo,
    check_name,
    frame_grid,
    nfc,
    read_recording,
    recording_info,
)
from core.datasets.scanning import (
    FileDatasetReader,
    FileFailed,
    FileRead,
    FileSkipped,
    ScanEvent,
    other_dataset_folder_hint,
    other_dataset_hint,
)
from core.skeleton import get_layout
from core.text import count

if TYPE_CHECKING:  # splits imports this module lazily; avoid the cycle
    from core.datasets.splits import Split

LABELS_FILE = "labels.csv"
COLUMNS = ("recording", "start", "end", "action", "subject")
CLIP_FPS = 30.0
END_TOLERANCE = 0.1
"""Seconds a label's end may pass the recording's end (a frame period and rounding)."""
SHARED_EDGE = 0.1
"""Seconds by which two intervals of different actions may overlap at an edge: a frame
or two (labels converted from inclusive end frames, as PKU-MMD's, share their boundary
frame; 32 of PKU-MMD's 1,076 label files have such a pair). Both clips keep them."""
MAX_GAP = 0.5
MIN_WINDOW, MAX_WINDOW, DEFAULT_WINDOW = 1.0, 4.0, 2.0
"""Unlabelled windows last the median labelled interval, clamped to [1, 4] s (2 s when
nothing is labelled); a window needs a person in at least half of its frames."""
LONG_LABEL = 2 * MAX_WINDOW
"""A labelled interval longer than this (seconds) is cut into equal pieces of at most
:data:`MAX_WINDOW`, each a clip of the action (:func:`label_pieces`)."""


@dataclass(frozen=True)
class LabelInterval:
    """One row of ``labels.csv``.

    Attributes:
        recording: Recording name (file stem).
        start: Start, seconds from the recording's first frame.
        end: End (exclusive), seconds.
        action: Action name.
        subject: Who performed it (``""`` when not given).
        row: Line of ``labels.csv`` it was read from (``0`` for a new interval).
    """

    recording: str
    start: float
    end: float
    action: str
    subject: str = ""
    row: int = 0

    @property
    def duration(self) -> float:
        """``end - start`` in seconds."""
        return self.end - self.start


def labels_path(root: str | os.PathLike[str]) -> Path:
    """``<root>/labels.csv``."""
    return Path(root).expanduser() / LABELS_FILE


def recording_path(root: str | os.PathLike[str], name: str) -> Path:
    """``<root>/<name>.jsonl`` (the name is checked), or the existing file whose name is
    the same in another Unicode form (a file a Mac named decomposed).

    Raises:
        ValueError: If the name cannot name a recording.
    """
    root = Path(root).expanduser()
    path = root / f"{check_name(nfc(name))}{SUFFIX}"
    if path.exists():
        return path
    upper = path.with_suffix(SUFFIX.upper())  # named on a system that shouts
    if upper.exists():
        return upper
    # Only a non-ASCII name has another form; the folder is not listed for the others
    # (data extract asks for every new video's path).
    if not path.stem.isascii() and root.is_dir():
        for other in recording_files(root):
            if nfc(other.stem) == path.stem:
                return other
    return path


def recording_files(root: str | os.PathLike[str]) -> list[Path]:
    """The recordings of a dataset folder, sorted: its ``<name>.jsonl`` files, the
    suffix in any letter case (``.JSONL`` from another system), hidden files left out;
    ``[]`` if the folder does not exist."""
    root = Path(root).expanduser()
    if not root.is_dir():
        return []
    return sorted(
        p
        for p in root.iterdir()
        if p.suffix.lower() == SUFFIX and not p.name.startswith(".") and p.is_file()
    )


# -- labels.csv -------------------------------------------------------------------------


def _number(text: str, what: str, path: Path, row: int) -> float:
    try:
        value = float(text)
    except ValueError:
        raise DataFormatError(
            path, f"{what} {text!r} is not a number of seconds", line=row
        ) from None
    if not np.isfinite(value):
        raise DataFormatError(path, f"{what} {text!r} is not finite", line=row)
    return value


def read_labels(root: str | os.PathLike[str]) -> list[LabelInterval]:
    """Read ``labels.csv`` (checking each row on its own; see :func:`check_labels`).

    Args:
        root: The dataset folder.

    Returns:
        The intervals in file order, recording and action names in Unicode's composed
        form (as recordings are named); ``[]`` when the file does not exist.

    Raises:
        DataFormatError: Naming the file and row: a labels file under another name
            (``Labels.csv``), not UTF-8, a missing or wrong header,
            a wrong number of fields, a time that is not a number, a negative start,
            an end not after its start, or an empty recording or action name.
    """
    path = labels_path(root)
    if not path.is_file():
        if path.is_symlink() or path.exists():
            # A folder, a link to nothing or to itself, a pipe: read as "no labels"
            # (and a write into its place failed on a temporary file: a trial).
            what = (
                "a folder"
                if path.is_dir()
                else "a link to nothing"
                if not path.exists()
                else "not a regular file"
            )
            raise DataFormatError(path, f"is {what}: the labels must be a CSV file")
        _refuse_misnamed_labels(path)
        return []
    text = read_csv_text(path)
    rows = csv.reader(io.StringIO(text, newline=""), strict=True)
    out: list[LabelInterval] = []
    row = 0  # the last line read (of the header, then of each row)
    try:
        header = next(rows, None)
        if header is None:
            return []
        given = ",".join(header)
        header = [h.strip().lower() for h in header]
        if header not in (list(COLUMNS[:4]), list(COLUMNS)):
            # A spreadsheet set to a decimal comma saves its CSV with semicolons.
            semicolons = len(header) == 1 and [
                h.strip() for h in header[0].split(";")
            ] in (list(COLUMNS[:4]), list(COLUMNS))
            raise DataFormatError(
                path,
                f"header must be '{','.join(COLUMNS[:4])}[,subject]', got {given!r}"
                + (
                    ": the fields are separated by semicolons (a spreadsheet set to "
                    "a decimal comma saves CSV so); separate them by commas, with "
                    "decimal points"
                    if semicolons
                    else ""
                ),
                line=1,
            )
        bad: list[DataFormatError] = []
        row = rows.line_num
        for fields in rows:
            row = rows.line_num
            if not fields or all(not f.strip() for f in fields):
                continue
            try:
                out.append(_label_row(fields, header, path, row))
            except DataFormatError as exc:
                # every bad row at once: the first stopped the reading and the
                # others were met one run at a time (a trial)
                bad.append(exc)
        if bad:
            raise _with_others(bad)
    except csv.Error as exc:
        raise csv_problem(path, exc, row + 1) from None
    return out


def csv_problem(path: Path, exc: csv.Error, row_start: int) -> DataFormatError:
    """The error for a CSV that ``csv`` could not read, at ``row_start``, the line
    where the row it failed on begins: a quote opened and never closed runs to the
    end of the file, and was named at the last line as "malformed CSV (unexpected end
    of data)" (a trial); it is said in words."""
    if "unexpected end of data" in str(exc):
        return DataFormatError(
            path,
            'a quote (") opens a field that is never closed: end the field with a '
            'quote too ("pick up, put down"); a quote inside it is written twice',
            line=row_start,
        )
    return DataFormatError(path, f"malformed CSV ({exc})", line=row_start)


def _label_row(
    fields: list[str], header: list[str], path: Path, row: int
) -> LabelInterval:
    """One row of ``labels.csv`` checked on its own.

    Raises:
        DataFormatError: Naming the file and row.
    """
    width = len(header)
    if len(fields) == 4 and width == 5:
        fields = [*fields, ""]  # an empty last cell a spreadsheet dropped
    if len(fields) != width:
        quote = (
            ": an action name with a comma is written in double quotes "
            '("pick up, put down")'
            if len(fields) > width
            else ""
        )
        raise DataFormatError(
            path, f"{len(fields)} fields, expected {width} ({','.join(header)}){quote}",
            line=row,
        )  # fmt: skip
    name, start_s, end_s, action = (f.strip() for f in fields[:4])
    subject = fields[4].strip() if width == 5 else ""
    if not name:
        raise DataFormatError(path, "empty recording name", line=row)
    if not action:
        raise DataFormatError(path, "empty action (class) name", line=row)
    if _control(action):
        raise DataFormatError(path, _control(action), line=row)
    start = _number(start_s, "start", path, row)
    end = _number(end_s, "end", path, row)
    if start < 0:
        raise DataFormatError(path, f"start {start:g} s is negative", line=row)
    if not end > start:
        raise DataFormatError(
            path, f"end {end:g} s is not after start {start:g} s", line=row
        )
    # One form per name: macOS writes "é" decomposed (NFD), most editors composed
    # (NFC); the two look alike and compared unequal.
    return LabelInterval(nfc(name), start, end, nfc(action), subject, row)


# A label time beyond this is a clock's (seconds since 1970: 2001 onwards), not a
# recording's seconds: 1e9 s is 31 years.
CLOCK_TIME = 1e9


def _seconds(value: float) -> str:
    """A time as given, to the millisecond (``%g`` showed 1762164000.833 as
    1.76216e+09)."""
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _with_others(bad: Sequence[DataFormatError]) -> DataFormatError:
    """The first of several bad rows' errors, with the other rows' numbers."""
    first, others = bad[0], [str(e.line) for e in bad[1:]]
    if not others:
        return first
    shown = ", ".join(others[:10]) + (", …" if len(others) > 10 else "")
    return DataFormatError(
        first.path,
        f"{first.problem} (and {count(len(others), 'more row')} with a problem: "
        f"{shown})",
        line=first.line,
    )


def read_csv_text(path: Path) -> str:
    """The text of a UTF-8 CSV file (a byte order mark, as Excel's "CSV UTF-8" writes,
    left out).

    Raises:
        DataFormatError: Naming the file (and the line) when it cannot be read or is
            not UTF-8, e.g. Excel's "CSV (Comma delimited)" or UTF-16 "Unicode text".
    """
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataFormatError(
            path,
            f'not UTF-8 text ({exc.reason}): save it as "CSV UTF-8"',
            line=exc.object.count(b"\n", 0, exc.start) + 1,
        ) from None
    except OSError as exc:
        raise DataFormatError(path, f"cannot read ({exc.strerror or exc})") from None


def dataset_folder(root: str | os.PathLike[str]) -> Path:
    """``root`` as a dataset folder (``~`` expanded).

    Raises:
        DataFormatError: If it is a file (a zip of the dataset, say).
        FileNotFoundError: If it does not exist.
    """
    root = Path(root).expanduser()
    if root.is_file():
        hint = ""
        if zipfile.is_zipfile(root):  # NW-UCLA's zip given to a custom run, say
            with (
                contextlib.suppress(OSError, zipfile.BadZipFile),
                zipfile.ZipFile(root) as archive,
            ):
                hint = other_dataset_hint(archive, "custom")
        raise DataFormatError(
            root,
            "is a file, not a custom dataset folder (recordings and labels.csv"
            + (f"{hint})" if hint else "; a zip of one: unpack it first)"),
        )
    if not root.is_dir():
        raise FileNotFoundError(f"custom: no such dataset folder: {root}")
    return root


def _refuse_misnamed_labels(path: Path) -> None:
    """Stop on a labels file under another name (``Labels.csv``, ``labels.csv.txt``).

    A case-blind file system (Windows, macOS) shows it as ``labels.csv``, and Windows
    hides a ``.txt`` its editor added; read here, it was silently no labels at all.

    Raises:
        DataFormatError: Naming the file found and the name it must have.
    """
    if not path.parent.is_dir():
        return
    for other in sorted(path.parent.iterdir()):
        low = other.name.lower()
        if low in (path.name, f"{path.name}.txt") and other.is_file():
            raise DataFormatError(
                other, f"the labels file must be named exactly {path.name}: rename it"
            )


def write_labels(
    root: str | os.PathLike[str], intervals: Sequence[LabelInterval]
) -> list[LabelInterval]:
    """Rewrite ``labels.csv`` atomically (temporary file, ``fsync``, rename).

    Args:
        root: The dataset folder (created if missing).
        intervals: The rows, in the order to write them.

    Returns:
        The intervals with their new ``row`` numbers.

    Raises:
        ValueError: If a row has an empty action, a bad recording name, or an end not
            after its start.
    """
    path = labels_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    out = []
    for i, iv in enumerate(intervals, start=2):
        check_name(iv.recording)
        if not iv.action.strip():
            raise ValueError(f"{iv.recording}: empty action name")
        if _control(iv.action):
            raise ValueError(f"{iv.recording}: {_control(iv.action)}")
        if not iv.end > iv.start >= 0:
            raise ValueError(
                f"{iv.recording}: interval {iv.start:g}-{iv.end:g} s is empty or negative"
            )
        writer.writerow(
            [iv.recording, f"{iv.start:.3f}", f"{iv.end:.3f}", iv.action.strip(),
             iv.subject.strip()]
        )  # fmt: skip
        out.append(replace(iv, action=iv.action.strip(), row=i))
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(buf.getvalue())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def check_labels(
    intervals: Sequence[LabelInterval],
    durations: Mapping[str, float],
    path: str | os.PathLike[str] = LABELS_FILE,
    unreadable: Mapping[str, str] | None = None,
    incomplete: Collection[str] = (),
) -> None:
    """Check intervals against the recordings: known names, inside, no clashes.

    Args:
        intervals: Rows of ``labels.csv``.
        durations: Duration in seconds of every readable recording, by name.
        path: ``labels.csv`` (for messages).
        unreadable: Recordings that exist but cannot be read, with the reason.
        incomplete: Recordings without their end line (cut short): a label past
            their end says so.

    Raises:
        DataFormatError: Naming the file and row: an unknown (or unreadable) recording,
            a time past the recording's end, two intervals of different actions that
            overlap by more than :data:`SHARED_EDGE`, or two overlapping intervals of
            different subjects.
    """
    unreadable = unreadable or {}
    by_recording: dict[str, list[LabelInterval]] = {}
    for iv in intervals:
        if iv.recording in unreadable:
            raise DataFormatError(
                path,
                f"recording {iv.recording!r} is unreadable: {unreadable[iv.recording]}",
                line=iv.row or None,
            )
        if iv.recording not in durations:
            known = ", ".join(sorted(durations)[:5]) or "none"
            raise DataFormatError(
                path,
                f"unknown recording {iv.recording!r} (no {iv.recording}{SUFFIX}; "
                f"recordings: {known}{', ...' if len(durations) > 5 else ''})",
                line=iv.row or None,
            )
        duration = durations[iv.recording]
        if iv.end > duration + END_TOLERANCE:
            raise DataFormatError(
                path,
                f"end {_seconds(iv.end)} s is past the end of recording "
                f"{iv.recording!r} ({duration:.2f} s)"
                + (
                    " — the recording has no end line: its writing was cut short"
                    if iv.recording in incomplete
                    # the recording's own clock (seconds since 1970) read as "frame
                    # numbers or milliseconds?", the time shown as 1.76216e+09 (a
                    # trial)
                    else " — that is a clock time (seconds since 1970, as a "
                    'recording\'s own "t" may be): labels count seconds from the '
                    "recording's first frame"
                    if iv.start > CLOCK_TIME
                    else " — times are seconds from the recording's first frame "
                    "(frame numbers or milliseconds?)"
                    # (twice the length: frames of a longer original, a trial)
                    if iv.end > 2 * duration + 1
                    else ""
                ),
                line=iv.row or None,
            )
        by_recording.setdefault(iv.recording, []).append(iv)
    for rows in by_recording.values():
        rows = sorted(rows, key=lambda r: (r.start, r.end))
        for i, a in enumerate(rows):
            for b in rows[i + 1 :]:
                if b.start >= a.end:
                    break
                first, second = sorted((a, b), key=lambda r: r.row)
                edge = min(a.end, b.end) - b.start <= SHARED_EDGE
                if a.action != b.action and not edge:
                    raise DataFormatError(
                        path,
                        f"interval {second.start:g}-{second.end:g} s "
                        f"({second.action!r}) overlaps row {first.row} "
                        f"{first.start:g}-{first.end:g} s ({first.action!r}) of "
                        f"recording {a.recording!r}",
                        line=second.row or None,
                    )
                if a.subject and b.subject and a.subject != b.subject and not edge:
                    # The same frames on both sides of a split by subject: a row
                    # copied with another subject was validated on its own copy (a
                    # trial).
                    raise DataFormatError(
                        path,
                        f"interval {second.start:g}-{second.end:g} s of recording "
                        f"{a.recording!r} is subject {second.subject!r}, but it "
                        f"overlaps row {first.row} {first.start:g}-{first.end:g} s, "
                        f"subject {first.subject!r}: the same frames cannot be two "
                        "people's (a split by subject would put them on both sides)",
                        line=second.row or None,
                    )


def row_problems(
    intervals: Sequence[LabelInterval],
    durations: Mapping[str, float],
    incomplete: Collection[str] = (),
) -> dict[int, str]:
    """What :func:`check_labels` would refuse, row by row: ``{position: problem}``.

    Each row is checked against its recording (which must be in ``durations``: rows
    of other recordings are skipped) and against the good rows before it, so that
    of two overlapping rows the later one is named. Teach's list marks them before
    training refuses the folder (a label in frame numbers read "423–510 s" on a 25 s
    take, unmarked: a trial).
    """
    problems: dict[int, str] = {}
    good: dict[str, list[LabelInterval]] = {}
    for i, iv in enumerate(intervals):
        if iv.recording not in durations:
            continue
        earlier = good.setdefault(iv.recording, [])
        try:
            check_labels([*earlier, iv], durations, incomplete=incomplete)
        except DataFormatError as exc:
            problems[i] = exc.problem
            continue
        earlier.append(iv)
    return problems


def overlapped_rows(
    intervals: Sequence[LabelInterval], problems: Mapping[int, str]
) -> dict[int, str]:
    """The rows a refused row (:func:`row_problems`) overlaps with another action:
    ``{position: note}``. Only the later of two clashing rows is refused, and the
    list marked only it (the earlier, unmarked, read as fine: a trial); either of
    the two is the one to mend."""
    notes: dict[int, str] = {}
    for i in problems:
        iv = intervals[i]
        for j, other in enumerate(intervals):
            if (
                j in problems
                or other.recording != iv.recording
                or other.action == iv.action
                or min(iv.end, other.end) - max(iv.start, other.start) <= SHARED_EDGE
            ):
                continue
            notes.setdefault(
                j,
                f"overlapped by the label {iv.start:g}-{iv.end:g} s ({iv.action!r}): "
                "training refuses the folder until one of the two is mended",
            )
    return notes


def _all_row_problems(
    exc: DataFormatError,
    intervals: Sequence[LabelInterval],
    durations: Mapping[str, float],
    incomplete: Collection[str],
) -> DataFormatError:
    """``exc`` as the first bad row in file order, with the other bad rows' numbers:
    one problem a run, in no row order, made a labels file of several mistakes
    take as many runs to mend (a trial)."""
    problems = row_problems(intervals, durations, incomplete)
    for i, iv in enumerate(intervals):
        if iv.recording not in durations:  # row_problems passes these by
            try:
                check_labels([iv], durations, exc.path, incomplete=incomplete)
            except DataFormatError as one:
                problems[i] = one.problem
    if len(problems) < 2:
        return exc
    return _with_others(
        [
            DataFormatError(exc.path, problems[i], line=intervals[i].row or None)
            for i in sorted(problems, key=lambda i: intervals[i].row)
        ]
    )


# -- managing recordings and labels (what the GUI calls) ---------------------------------


def list_recordings(root: str | os.PathLike[str]) -> list[RecordingInfo]:
    """Every recording in the dataset folder, by name (unreadable ones with ``error``).

    Args:
        root: The dataset folder.

    Returns:
        Summaries sorted by name; ``[]`` if the folder does not exist.
    """
    return [recording_info(p) for p in recording_files(root)]


def rename_recording(root: str | os.PathLike[str], old: str, new: str) -> Path:
    """Rename a recording and its rows in ``labels.csv``.

    Args:
        root: The dataset folder.
        old: Current name.
        new: New name.

    Returns:
        The new file.

    Raises:
        FileNotFoundError: If ``old`` does not exist.
        FileExistsError: If ``new`` exists.
        ValueError: If ``new`` is not a valid name.
    """
    old, new = nfc(old), nfc(new)  # one form, as files and labels are named
    src, dst = recording_path(root, old), recording_path(root, new)
    if not src.is_file():
        raise FileNotFoundError(f"{src}: no such recording")
    if dst.exists():
        raise FileExistsError(f"{dst}: a recording of that name exists")
    labels = read_labels(root)
    os.rename(src, dst)
    if any(iv.recording == old for iv in labels):
        write_labels(
            root, [replace(iv, recording=new) if iv.recording == old else iv
                   for iv in labels]
        )  # fmt: skip
    return dst


def delete_recording(root: str | os.PathLike[str], name: str) -> None:
    """Delete a recording and its rows in ``labels.csv``; the rows alone of a
    recording whose file is gone (deleted or renamed by hand: its labels stopped
    every training, "unknown recording", and nothing in Teach could remove them: a
    trial).

    Raises:
        FileNotFoundError: If neither the recording nor a row of it exists.
    """
    path = recording_path(root, name)
    labels = read_labels(root)
    kept = [iv for iv in labels if iv.recording != name]
    if not path.is_file() and len(kept) == len(labels):
        raise FileNotFoundError(f"{path}: no such recording")
    if len(kept) != len(labels):
        write_labels(root, kept)
    path.unlink(missing_ok=True)


def _durations(root: Path) -> tuple[dict[str, float], dict[str, str]]:
    ok, bad = {}, {}
    for info in list_recordings(root):
        if info.error:
            bad[info.name] = info.error
        else:
            ok[info.name] = info.duration
    return ok, bad


def action_name_problem(action: str) -> str:
    """Why ``action`` cannot name an action (see :func:`_control`), or ``""``: for
    checks made before work whose labels would then be refused (``data extract``)."""
    return _control(action)


def _control(action: str) -> str:
    """Why an action name cannot be used (a line break, a tab or another control
    character: it is shown on one line everywhere, and a class table breaks), or
    ``""``."""
    if any(unicodedata.category(c) == "Cs" for c in action):
        # a folder's name in another encoding than UTF-8 (Latin-1 from an old zip),
        # kept by Python as escapes: labels.csv could not be written (a trial)
        shown = os.fsencode(action).decode("utf-8", "backslashreplace")
        return f"action name '{shown}' is not UTF-8 text (another encoding's bytes)"
    # Cc: control characters; Zl, Zp: the line and paragraph separators (U+2028/9),
    # which break lines as \n does
    bad = next(
        (c for c in action if unicodedata.category(c) in ("Cc", "Zl", "Zp")), None
    )
    if bad is None:
        return ""
    return (
        f"action name {action!r} holds a control character ({bad!r}): one line of text"
    )


def _check_each_row(root: Path, rows: Sequence[LabelInterval]) -> None:
    """Each row on its own: an action name, a non-empty interval from 0 on.

    Raises:
        DataFormatError: Naming ``labels.csv`` and the row.
    """
    for iv in rows:
        if not iv.action.strip():
            raise DataFormatError(
                labels_path(root), "empty action (class) name", iv.row
            )
        if not iv.end > iv.start >= 0:
            raise DataFormatError(
                labels_path(root),
                f"interval {iv.start:g}-{iv.end:g} s is empty or negative",
                iv.row,
            )


def set_labels(
    root: str | os.PathLike[str], intervals: Sequence[LabelInterval]
) -> list[LabelInterval]:
    """Check intervals against the recordings and write them as ``labels.csv``.

    Args:
        root: The dataset folder.
        intervals: Every row (replaces the file's content).

    Returns:
        The rows as written (with row numbers).

    Raises:
        DataFormatError: As :func:`check_labels` (nothing is written then).
        ValueError: As :func:`write_labels`.
    """
    root = Path(root).expanduser()
    _check_all(root, intervals)
    return write_labels(root, intervals)


def _check_all(root: Path, intervals: Sequence[LabelInterval]) -> None:
    """Every row on its own and against the recordings (numbered as written)."""
    numbered = [replace(iv, row=i) for i, iv in enumerate(intervals, start=2)]
    _check_each_row(root, numbered)
    durations, bad = _durations(root)
    check_labels(numbered, durations, labels_path(root), bad)


def rename_action(root: str | os.PathLike[str], old: str, new: str) -> tuple[int, str]:
    """Give every label of action ``old`` the name ``new`` (an existing action's
    name merges the two: "taichi" into "tai chi").

    Args:
        root: The dataset folder.
        old: The action's name.
        new: Its new name.

    Returns:
        How many labels were renamed, and the name they now have (``new``, or the
        existing action it names in other letter case).

    Raises:
        ValueError: If ``old`` labels nothing or ``new`` is empty, has a control
            character, or the merge makes two labels overlap (nothing is written then).
    """
    new = nfc(new.strip())
    if not new:
        raise ValueError("an action needs a name")
    if _control(new):
        raise ValueError(_control(new))
    rows = read_labels(root)
    # An action of the folder in other letter case is that action (as a typed name
    # is): "CLAP" made a class of its own beside "clap".
    new = next(
        (iv.action for iv in rows
         if iv.action != old and iv.action.casefold() == new.casefold()),
        new,
    )  # fmt: skip
    renamed = [replace(iv, action=new) if iv.action == old else iv for iv in rows]
    count_renamed = sum(iv.action == old for iv in rows)
    if not count_renamed:
        raise ValueError(f"no label of action {old!r} in {labels_path(root)}")
    folder = Path(root).expanduser()
    try:
        _check_all(folder, renamed)
    except DataFormatError:
        # A renaming adds no problem (two actions' clash becomes one action's, or
        # stays a clash): one already in the file, of another action even, refused
        # every rename (a trial). Written when the file was as bad before.
        try:
            _check_all(folder, rows)
        except DataFormatError:
            pass
        else:
            raise
    write_labels(folder, renamed)
    return count_renamed, new


def add_label(
    root: str | os.PathLike[str],
    recording: str,
    start: float,
    end: float,
    action: str,
    subject: str = "",
) -> LabelInterval:
    """Append one labelled interval (checked against the recording and other rows).

    Only the rows of ``recording`` are checked (the edit's scope), so adding a take to
    a large dataset stays fast.

    Returns:
        The row as written.

    Raises:
        DataFormatError: As :func:`set_labels`.
    """
    rows = read_labels(root)
    new = LabelInterval(recording, float(start), float(end), action.strip(), subject)
    clash = next(
        (r for r in rows if r.recording == recording and r.action != new.action
         and r.start < new.end and new.start < r.end),
        None,
    )  # fmt: skip
    if clash is not None and new.start < new.end:
        raise DataFormatError(
            labels_path(root),
            f"the new label {new.start:.2f}-{new.end:.2f} s ({new.action!r}) overlaps "
            f"the label {clash.start:.2f}-{clash.end:.2f} s ({clash.action!r}) of "
            f"{recording!r}: labels of different actions cannot overlap; shorten the "
            "span or remove that label first",
        )
    inside = next(
        (r for r in rows if r.recording == recording and r.action == new.action
         and r.start <= new.start + 1e-3 and new.end <= r.end + 1e-3),
        None,
    )  # fmt: skip
    if inside is not None:
        # A second copy trained as a second span (a selected label labelled again
        # with its own action: a trial).
        raise DataFormatError(
            labels_path(root),
            f"{new.start:.2f}-{new.end:.2f} s of {recording!r} is already labelled "
            f"{new.action!r} ({inside.start:.2f}-{inside.end:.2f} s): nothing to add",
        )
    try:
        _check_rows(root, [*rows, new], {recording})
    except DataFormatError as exc:
        if exc.line != len(rows) + 2:  # a problem of a row already in the file
            raise
        # The row is not written: name it as the new label, not a line of the file.
        raise DataFormatError(
            labels_path(root), f"the new label {start:g}-{end:g} s: {exc.problem}"
        ) from None
    return write_labels(root, [*rows, new])[-1]


def update_label(
    root: str | os.PathLike[str], index: int, **changes: Any
) -> LabelInterval:
    """Change fields of the ``index``-th row (0-based), e.g. ``end=3.2, action="wave"``.

    Raises:
        IndexError: If there is no such row.
        DataFormatError: As :func:`set_labels`.
    """
    rows = read_labels(root)
    if not 0 <= index < len(rows):
        raise IndexError(f"labels.csv has {len(rows)} rows, no row {index}")
    touched = {rows[index].recording}
    rows[index] = replace(rows[index], **changes)
    touched.add(rows[index].recording)
    _check_rows(root, rows, touched)
    return write_labels(root, rows)[index]


def _check_rows(
    root: str | os.PathLike[str], rows: list[LabelInterval], recordings: set[str]
) -> None:
    """:func:`check_labels` for the rows of some recordings only (an edit's scope)."""
    root = Path(root).expanduser()
    numbered = [replace(iv, row=i) for i, iv in enumerate(rows, start=2)]
    mine = [iv for iv in numbered if iv.recording in recordings]
    _check_each_row(root, mine)
    durations, bad = {}, {}
    for name in recordings:
        try:
            path = recording_path(root, name)
        except ValueError as exc:
            raise DataFormatError(labels_path(root), str(exc)) from None
        if path.is_file():
            info = recording_info(path)
            if info.error:
                bad[name] = info.error
            else:
                durations[name] = info.duration
    check_labels(mine, durations, labels_path(root), bad)


def remove_label(root: str | os.PathLike[str], index: int) -> None:
    """Delete the ``index``-th row (0-based) of ``labels.csv``.

    Raises:
        IndexError: If there is no such row.
    """
    rows = read_labels(root)
    if not 0 <= index < len(rows):
        raise IndexError(f"labels.csv has {len(rows)} rows, no row {index}")
    del rows[index]
    write_labels(root, rows)


def next_take_name(root: str | os.PathLike[str], action: str) -> str:
    """A free recording name for a new take of ``action``: ``<action>-001``, ...

    The action is reduced to the characters a name allows (spaces become ``_``).
    """
    stem = re.sub(r"[^\w.+-]", "_", action.strip()) or "take"
    stem = stem[:90].lstrip(".+-") or "take"
    root = Path(root).expanduser()
    i = 1
    while recording_path(root, f"{stem}-{i:03d}").exists():
        i += 1
    return check_name(f"{stem}-{i:03d}")


@dataclass(frozen=True)
class ActionSummary:
    """Labelled material of one action.

    Attributes:
        name: Action name.
        intervals: Labelled intervals.
        recordings: Distinct recordings holding them.
        seconds: Total labelled duration.
    """

    name: str
    intervals: int
    recordings: int
    seconds: float


def summarize_dataset(root: str | os.PathLike[str]) -> list[ActionSummary]:
    """Per-action counts of the dataset (sorted by action name).

    Raises:
        DataFormatError: If ``labels.csv`` is malformed.
    """
    acc: dict[str, list[LabelInterval]] = {}
    for iv in read_labels(root):
        acc.setdefault(iv.action, []).append(iv)
    return [
        ActionSummary(
            name,
            len(rows),
            len({r.recording for r in rows}),
            float(sum(r.duration for r in rows)),
        )  # fmt: skip
        for name, rows in sorted(acc.items())
    ]


# -- clips ------------------------------------------------------------------------------


def dataset_layout(layouts: Sequence[str]) -> str:
    """The one Kinect layout every recording of a dataset converts to.

    ``ucla20`` if any recording is ``ucla20`` (the joints every layout has), else
    ``ntu25`` (MediaPipe and Kinect v2 recordings).
    """
    return "ucla20" if "ucla20" in layouts else "ntu25"


def _clip(
    rec: Recording,
    joints: np.ndarray,
    start: float,
    end: float,
) -> tuple[np.ndarray, float]:
    """Frames of ``[start, end)`` at :data:`CLIP_FPS`, and the share with a person
    (0 when no frame of the interval itself shows one: see :func:`person_share`).

    The clip follows its own main person (the body in most of its frames), in slot
    0: a model of one body reads slot 0, and a span of the person in the other slot
    trained on zeros; that person's short gaps are bridged by their own frames."""
    pick, main = _clip_frames(rec, start, end)
    out = np.zeros((pick.size, *joints.shape[1:]), np.float32)
    ok = pick >= 0
    out[ok] = joints[pick[ok]]
    if main:
        out = out[:, [main, *(b for b in range(out.shape[1]) if b != main)]]
    share = float(ok.mean()) if pick.size and _sees_a_person(rec, start, end) else 0.0
    return out, share


def _clip_frames(rec: Recording, start: float, end: float) -> tuple[np.ndarray, int]:
    """The frames :func:`_clip` cuts ``[start, end)`` from (``-1``: none near) and the
    body it follows: the one in most frames of the span. Its presence decides which
    frames bridge a gap (any body's let another person's frames stand for the main
    person's: their lost frames stayed zeros)."""
    t, bodies = rec.timestamps, rec.bodies_present
    inside = (t >= start) & (t < end)
    main = int(np.argmax(bodies[inside].sum(axis=0))) if inside.any() else 0
    pick = frame_grid(t, bodies[:, main], start, end, CLIP_FPS, MAX_GAP)
    return pick, main


def _sees_a_person(rec: Recording, start: float, end: float) -> bool:
    """Whether a frame timed inside ``[start, end)`` shows a person. A gap of up to
    :data:`MAX_GAP` is bridged by the frames around it (a person lost for a moment),
    but an interval lying wholly in such a gap would be cut from its neighbours'
    frames only: nobody in it to learn from."""
    t = rec.timestamps
    inside = (t >= start) & (t < end)
    # and the frame on screen at ``start`` (an interval shorter than a frame period
    # may hold no frame time of its own)
    shown = int(np.searchsorted(t, start, side="right")) - 1
    if 0 <= shown < len(t):
        inside[shown] = True
    return bool(np.any(rec.present[inside]))


def person_share(rec: Recording, start: float, end: float) -> float:
    """Share of ``[start, end)`` (at :data:`CLIP_FPS`) that shows a person, as the
    reader will cut it (0 = a label there stops training: nobody to learn from)."""
    end = min(end, rec.duration)
    pick, _ = _clip_frames(rec, start, end)
    if not pick.size or not _sees_a_person(rec, start, end):
        return 0.0
    return float((pick >= 0).mean())


def _unlabelled_spans(
    duration: float, intervals: Sequence[LabelInterval]
) -> list[tuple[float, float]]:
    spans, t = [], 0.0
    for iv in sorted(intervals, key=lambda r: r.start):
        if iv.start > t:
            spans.append((t, iv.start))
        t = max(t, iv.end)
    if duration > t:
        spans.append((t, duration))
    return spans


def unlabelled_window(intervals: Sequence[LabelInterval]) -> float:
    """Seconds of the windows unlabelled time is cut into (self-supervised
    pretraining): the median labelled interval, within 1-4 s (2 s without labels)."""
    lengths = [iv.duration for iv in intervals]
    if not lengths:
        return DEFAULT_WINDOW
    return float(np.clip(np.median(lengths), MIN_WINDOW, MAX_WINDOW))


def _why_no_clip(
    info: RecordingInfo, own: Sequence[LabelInterval], window: float
) -> str:
    """Why a readable recording gave no clip at all (it was left out unsaid)."""
    longest = max((b - a for a, b in _unlabelled_spans(info.duration, own)), default=0)
    if longest < window / 2:
        return (
            f"no clip: {longest:.2f} s of unlabelled time, shorter than half the "
            f"{window:.1f} s windows it is cut into for self-supervised pretraining; "
            "label it, or record longer"
        )
    return (
        f"no clip: a person is in view in fewer than half the frames of each "
        f"{window:.1f} s window of its unlabelled time"
    )


def build_clips(
    root: str | os.PathLike[str],
) -> tuple[str, int, list[str], list[SkeletonSequence], list[DataFormatError]]:
    """Read a custom dataset into clips (what the reader and the cache use).

    Args:
        root: The dataset folder.

    Returns:
        ``(layout, bodies, class names, clips, unreadable recordings)``; labelled clips
        first (in ``labels.csv`` order), then unlabelled windows. An unreadable
        recording's labels are left out with it (its error says why).

    Raises:
        FileNotFoundError: If the folder does not exist.
        DataFormatError: For any bad label (names ``labels.csv`` and the row), or when
            the folder holds no recording.
    """
    root = dataset_folder(root)
    files = recording_files(root)
    if not files:
        # recordings in per-subject sub-folders read "no recordings" alone (a trial)
        below = sorted(
            p.name
            for p in root.iterdir()
            if p.is_dir()
            and not p.name.startswith(".")
            # a run folder's metrics.jsonl is no recording (core.runs.is_run_dir, not
            # imported here: core.runs reads datasets)
            and not (p / "config.json").is_file()
            and recording_files(p)
        )
        deeper = (
            f"; {', '.join(below[:5])}{', …' if len(below) > 5 else ''} "
            f"hold{'s' if len(below) == 1 else ''} some: a dataset is one folder with "
            "its recordings and labels.csv side by side (sub-folders are not read)"
            if below
            else ""
        )
        raise DataFormatError(
            root,
            f"no recordings (<name>{SUFFIX} files) in this dataset folder"
            + (deeper + other_dataset_folder_hint(root, "custom")),
        )
    recordings: dict[str, Recording] = {}
    failed: list[DataFormatError] = []
    for path in files:
        try:
            recordings[nfc(path.stem)] = read_recording(path)
        except DataFormatError as exc:
            failed.append(exc)
    # An unreadable recording is a bad file, reported and left out with its labels,
    # as every reader leaves a bad file out and goes on (one recording in millimetres
    # refused a lab's whole folder in Replay: a trial).
    unreadable = {nfc(Path(e.path).stem) for e in failed}
    rows = read_labels(root)
    intervals = [iv for iv in rows if iv.recording not in unreadable]
    # ... and the count of its labels said with it (they went unsaid: a re-trial),
    # and the actions left with no clip at all (a run on 4 of 10 actions, unsaid: a
    # trial)
    kept = {iv.action for iv in intervals}

    def left_out(name: str) -> str:
        mine = [iv for iv in rows if iv.recording == name]
        if not mine:
            return ""
        gone = sorted({iv.action for iv in mine} - kept)
        said = f"{count(len(mine), 'label')} of {LABELS_FILE} left out with it"
        if gone:
            said += "; no clip of " + ", ".join(map(repr, gone)) + " is left"
        return f" ({said})"

    failed = [
        DataFormatError(e.path, f"{e.problem}{why}", e.line)
        if (why := left_out(nfc(Path(e.path).stem)))
        else e
        for e in failed
    ]
    durations = {n: r.duration for n, r in recordings.items()}
    incomplete = {n for n, r in recordings.items() if not r.complete}
    try:
        check_labels(intervals, durations, labels_path(root), incomplete=incomplete)
    except DataFormatError as exc:
        raise _all_row_problems(exc, intervals, durations, incomplete) from None
    classes = sorted({iv.action for iv in intervals})
    layout = dataset_layout([r.layout for r in recordings.values()])
    bodies = max((r.joints.shape[1] for r in recordings.values()), default=1)
    converted = {n: r.kinect_joints(layout) for n, r in recordings.items()}
    clips: list[SkeletonSequence] = []
    for iv in intervals:
        rec = recordings[iv.recording]
        made = _labelled_clips(rec, converted[iv.recording], iv, root)
        for k, ((start, end), x) in enumerate(made):
            clips.append(
                SkeletonSequence(
                    name=f"{iv.recording}@{start:.2f}-{end:.2f}",
                    joints=x,
                    layout=layout,
                    label=classes.index(iv.action),
                    meta={
                        "recording": iv.recording,
                        "start": start,
                        "end": end,
                        "action": iv.action,
                        "subject": iv.subject or rec.subject,
                        "row": iv.row,
                        "recorded_layout": rec.layout,
                        "pieces": len(made),
                        **(
                            {"piece": f"{k + 1} of {len(made)}"}
                            if len(made) > 1
                            else {}
                        ),
                    },  # fmt: skip
                    fps=CLIP_FPS,
                    source=str(rec.path),
                )
            )
    window = unlabelled_window(intervals)
    for name, rec in recordings.items():
        own = [iv for iv in intervals if iv.recording == name]
        for a, b in _unlabelled_spans(rec.duration, own):
            t = a
            while b - t >= window / 2:
                end = min(t + window, b)
                x, share = _clip(rec, converted[name], t, end)
                if share >= 0.5:
                    clips.append(
                        SkeletonSequence(
                            name=f"{name}@{t:.2f}-{end:.2f}",
                            joints=x,
                            layout=layout,
                            label=None,
                            meta={
                                "recording": name,
                                "start": round(t, 3),
                                "end": round(end, 3),
                                "action": None,
                                "subject": rec.subject,
                                "row": None,
                                "recorded_layout": rec.layout,
                            },  # fmt: skip
                            fps=CLIP_FPS,
                            source=str(rec.path),
                        )
                    )
                t += window
    return layout, bodies, classes, clips, failed


def label_pieces(start: float, end: float) -> list[tuple[float, float]]:
    """The clips a labelled interval gives: itself, or, when it lasts longer than
    :data:`LONG_LABEL`, ``ceil(duration / MAX_WINDOW)`` equal pieces of it.

    The taught model's live window is the median training clip's length: a session
    labelled in 20-second spans made a 20 s window, and Live answered ~10 s into each
    action (a trial). Cut, a long span gives several clips of a few seconds, the
    window stays short, and the action has more clips to learn from.
    """
    duration = end - start
    if duration <= LONG_LABEL:
        return [(start, end)]
    n = int(np.ceil(duration / MAX_WINDOW))
    edges = [start + duration * i / n for i in range(n + 1)]
    edges[-1] = end
    return [(round(a, 4), round(b, 4)) for a, b in zip(edges[:-1], edges[1:])]


def _labelled_clips(
    rec: Recording, joints: np.ndarray, iv: LabelInterval, root: Path
) -> list[tuple[tuple[float, float], np.ndarray]]:
    """The clips of one labelled interval (:func:`label_pieces`), each with its span.

    A piece of a cut interval needs a person in at least half of its frames, as an
    unlabelled window does; when none has, the pieces with a person at all are kept
    (a 30 s span with a person in its first second trained as one 30 s clip, 29 s of
    it empty: a trial).

    Raises:
        DataFormatError: If no frame of the interval shows a person.
    """
    end = min(iv.end, rec.duration)
    pieces = label_pieces(iv.start, end)
    if len(pieces) > 1:
        made = [((a, b), *_clip(rec, joints, a, b)) for a, b in pieces]
        for least in (0.5, 1e-9):
            kept = [(span, x) for span, x, share in made if share >= least]
            if kept:
                return kept
    x, share = _clip(rec, joints, iv.start, end)
    if share == 0.0:
        raise DataFormatError(
            labels_path(root),
            f"no frame with a person between {iv.start:g} and {iv.end:g} s of "
            f"recording {iv.recording!r}",
            line=iv.row,
        )
    return [((iv.start, iv.end), x)]


def empty_validation_reason(protocol: str) -> str:
    """Why a custom dataset split by ``protocol`` holds no labelled clip out, and
    what to do about it."""
    if protocol == "subject":
        return (
            "--protocol subject holds out whole subjects, and no action has recordings "
            "of two or more subjects: record other people too, split by recording "
            "(--protocol recording), or train on every recording without validation "
            "(--val-fraction 0)"
        )
    return (
        "too few recordings per action to hold some out: record more takes, or "
        "train on every recording without validation (--val-fraction 0)"
    )


def split_custom(
    metas: Sequence[Mapping[str, Any]],
    protocol: str = "recording",
    val_fraction: float = 0.2,
    seed: int = 0,
    held_out: Sequence[str] = (),
    labels_file: str | os.PathLike[str] = LABELS_FILE,
) -> dict[Split, np.ndarray]:
    """Seeded split of a custom dataset by recording or by subject.

    Units are recordings (``"recording"``) or subjects (``"subject"``). For every
    action, ``round(val_fraction * units with it)`` of the units holding it (at least
    one when ``val_fraction > 0`` and it has two or more) go to validation, drawn in a
    seeded order, never taking the last training unit of any action. Unlabelled
    windows follow their unit when it trains, and are left out when it validates.

    Args:
        metas: Clip metadata as :func:`build_clips` writes it.
        protocol: ``"recording"`` or ``"subject"``.
        val_fraction: Share held out, in ``[0, 1)``.
        seed: Seed of the draw.
        held_out: The units that validate, as a run recorded them
            (:func:`held_out_units`): no draw then (``val_fraction`` 0 still holds
            nothing out); units that no longer exist are skipped, and units added
            since train.
        labels_file: The dataset's ``labels.csv``, as errors name it.

    Returns:
        ``{"train": int64, "test": int64}`` ascending clip indices.

    Raises:
        KeyError: For an unknown protocol, or ``"subject"`` when a labelled clip has
            no subject.
        ValueError: If none of the ``held_out`` units is in ``metas`` (the run's
            validation takes were deleted, or another folder is read).
    """
    if protocol not in ("recording", "subject"):
        raise KeyError(
            f"custom has no protocol {protocol!r}; known: recording, subject"
        )
    units: list[str] = []
    for m in metas:
        unit = m.get(protocol) or ""
        if protocol == "subject" and not unit and m.get("action") is not None:
            row = f":{m['row']}" if m.get("row") else ""
            raise KeyError(
                f"{labels_file}{row}: recording {m.get('recording')!r} has no subject, "
                "which --protocol subject splits by: give one in labels.csv's subject "
                "column (or the recording's header), or split by recording"
            )
        units.append(str(unit))
    if held_out and val_fraction > 0:
        if not set(held_out) & set(units):
            what = "recordings" if protocol == "recording" else "subjects"
            shown = ", ".join(held_out[:4]) + (" ..." if len(held_out) > 4 else "")
            raise ValueError(
                f"none of the {what} this run held out for validation ({shown}) is in "
                "this dataset folder: evaluate it on the folder it was trained on, or "
                "train a new run on this one"
            )
        return _sides(units, metas, set(held_out))
    actions_of: dict[str, set[str]] = {}
    holders: dict[str, set[str]] = {}
    for unit, m in zip(units, metas):
        if m.get("action") is not None:
            actions_of.setdefault(unit, set()).add(str(m["action"]))
            holders.setdefault(str(m["action"]), set()).add(unit)
    need = {}
    for action, us in holders.items():
        k = int(np.floor(val_fraction * len(us) + 0.5))
        if val_fraction > 0 and len(us) >= 2:
            k = max(k, 1)
        need[action] = min(k, len(us) - 1)
    left = {a: len(us) for a, us in holders.items()}
    val: set[str] = set()
    order = sorted(actions_of)
    for i in np.random.default_rng(seed).permutation(len(order)):
        unit = order[i]
        acts = actions_of[unit]
        if any(need[a] > 0 for a in acts) and all(left[a] > 1 for a in acts):
            val.add(unit)
            for a in acts:
                need[a] -= 1
                left[a] -= 1
    return _sides(units, metas, val)


def _sides(
    units: list[str], metas: Sequence[Mapping[str, Any]], val: set[str]
) -> dict[Split, np.ndarray]:
    """Clips of the validating units (labelled ones only) and of the others."""
    train = [i for i, u in enumerate(units) if u not in val]
    test = [
        i for i, (u, m) in enumerate(zip(units, metas))
        if u in val and m.get("action") is not None
    ]  # fmt: skip
    return {
        "train": np.asarray(train, dtype=np.int64),
        "test": np.asarray(test, dtype=np.int64),
    }


def held_out_units(
    metas: Sequence[Mapping[str, Any]], test: np.ndarray, protocol: str
) -> tuple[str, ...]:
    """The units (recordings or subjects) of a split's validation clips, sorted: what a
    run records so that its evaluation reads the same ones (:func:`split_custom`)."""
    return tuple(sorted({str(metas[int(i)].get(protocol) or "") for i in test}))


class CustomReader(FileDatasetReader):
    """The user's dataset folder (``--dataset custom --root DATASET``).

    ``layout``, ``num_bodies`` and the class names depend on the folder; the clip cache
    asks :meth:`store_info` for them.
    """

    name = "custom"
    layout = "ntu25"
    num_bodies = 1
    fps = CLIP_FPS
    source_pattern = f"*{SUFFIX}"

    def source_files(self, root: str | os.PathLike[str]) -> list[Path]:
        """The recordings and ``labels.csv`` (their sizes and times decide staleness).

        Raises:
            FileNotFoundError: If ``root`` does not exist.
        """
        root = Path(root).expanduser()
        if not root.exists():
            raise FileNotFoundError(f"custom: no such dataset folder: {root}")
        files = recording_files(root)
        labels = labels_path(root)
        return files + ([labels] if labels.is_file() else [])

    def __init__(self) -> None:
        self._memo: tuple[tuple[Any, ...], Any] | None = None

    def _clips(self, root: str | os.PathLike[str]) -> Any:
        """:func:`build_clips` of ``root``, read once while its files are unchanged."""
        files = self.source_files(root)
        key = (str(Path(root).expanduser().resolve()),) + tuple(
            (str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files
        )
        if self._memo is None or self._memo[0] != key:
            self._memo = None  # never keep a stale result if building fails
            self._memo = (key, build_clips(root))
        return self._memo[1]

    def store_info(self, root: str | os.PathLike[str]) -> dict[str, Any]:
        """``{"layout", "num_bodies", "class_names"}`` of the dataset at ``root``.

        Raises:
            DataFormatError: As :func:`build_clips`.
        """
        layout, bodies, classes, _, _ = self._clips(root)
        return {"layout": layout, "num_bodies": bodies, "class_names": classes}

    def class_names(self) -> list[str]:
        """Class names depend on the folder: use :meth:`store_info`."""
        return []

    def scan_events(self, root: str | os.PathLike[str]) -> Iterator[ScanEvent]:
        """One event per recording: its labelled clips and unlabelled windows.

        Raises:
            FileNotFoundError: If ``root`` does not exist.
            DataFormatError: For any bad label, or a folder without recordings.
        """
        _, _, _, clips, failed = self._clips(root)
        by_source: dict[str, list[SkeletonSequence]] = {}
        for clip in clips:
            by_source.setdefault(clip.source, []).append(clip)
        # Readable recordings that gave no clip (too short, nobody in view) are said.
        unread = {str(exc.path) for exc in failed}
        idle = [
            p
            for p in recording_files(root)
            if str(p) not in by_source and str(p) not in unread
        ]
        intervals = read_labels(root) if idle else []
        window = unlabelled_window(intervals)
        total = len(by_source) + len(failed) + len(idle)
        i = 0
        for source, seqs in by_source.items():
            i += 1
            yield FileRead(i, total, source, tuple(seqs))
        for exc in failed:
            i += 1
            yield FileFailed(i, total, exc)
        for path in idle:
            i += 1
            name = nfc(path.stem)
            own = [iv for iv in intervals if iv.recording == name]
            yield FileSkipped(
                i, total, str(path), _why_no_clip(recording_info(path), own, window)
            )

    def read_file(self, path: str | os.PathLike[str]) -> list[SkeletonSequence]:
        """Read one recording as a whole (for replay), in its Kinect layout.

        Returns:
            One clip: every frame (``ntu25`` for MediaPipe recordings), label ``None``,
            ``meta["label_intervals"]`` the labelled intervals found in ``labels.csv``
            beside it as ``[action, start_s, end_s]``, ``meta["intervals"]`` the same
            as ``[class, start_frame, end_frame)`` (end exclusive, as PKU-MMD's),
            ``meta["class_names"]`` the dataset's classes (every action of its
            ``labels.csv``, sorted), ``meta["timestamps"]`` the frame times.

        Raises:
            DataFormatError: If the file is malformed.
        """
        return [read_recording_sequence(path)]


def label_frames(timestamps: np.ndarray, start: float, end: float) -> tuple[int, int]:
    """The frames ``[first, stop)`` of a recording that a label's ``[start, end)``
    seconds cover: those whose time is in it, give or take the millisecond to which
    ``labels.csv`` rounds its times."""
    first, stop = np.searchsorted(timestamps, (start - 2e-3, end - 2e-3))
    return int(first), int(stop)


# A labelled interval shorter than this is a mistake more often than an action.
SHORT_LABEL_SECONDS = 0.2
#: Two rows of one recording and action that share more than this part of the time
#: either covers (intersection over union) are "near repeats": the same frames twice.
NEAR_REPEAT_OVERLAP = 0.8


def label_warnings(root: str | os.PathLike[str]) -> list[str]:
    """Rows of a custom dataset's ``labels.csv`` that are allowed but likely mistakes,
    in file order: repeats, exact (a converter run twice) or near (a row typed again
    with other decimals: the same frames twice), and intervals of a frame or two.

    Args:
        root: The dataset folder.

    Returns:
        One line per row, naming the file and row.

    Raises:
        DataFormatError: As :func:`read_labels`.
    """
    rows = read_labels(root)
    where = labels_path(root)
    found: list[tuple[int, str]] = []
    repeated: set[int] = set()  # rows said to repeat another (once each)
    groups: dict[tuple[str, str], list[LabelInterval]] = {}
    for r in rows:
        groups.setdefault((r.recording, r.action), []).append(r)
    for group in groups.values():
        # A sweep in time: each row against the earlier-starting ones it overlaps.
        active: list[LabelInterval] = []
        for r in sorted(group, key=lambda r: (r.start, r.row)):
            active = [a for a in active if a.end > r.start]
            pairs = [(min(a, r, key=_row), max(a, r, key=_row)) for a in active]
            same = [
                (first, later)
                for first, later in pairs
                if later.row not in repeated
                and (
                    (first.start, first.end) == (later.start, later.end)
                    or overlap_share(first, later) > NEAR_REPEAT_OVERLAP
                )
            ]
            for first, later in sorted(same, key=lambda p: (p[1].row, p[0].row)):
                if later.row in repeated:  # said once, against its first match
                    continue
                repeated.add(later.row)
                exact = (first.start, first.end) == (later.start, later.end)
                what = "repeats" if exact else "nearly repeats"
                span = f"{later.start:g}-{later.end:g} s"
                if not exact:
                    span += f" against {first.start:g}-{first.end:g} s"
                found.append(
                    (
                        later.row,
                        f"{where}:{later.row}: {what} row {first.row} ({r.recording} "
                        f"{span}, {r.action!r}): it counts as a second clip"
                        + ("" if exact else " of nearly the same frames"),
                    )
                )
            active.append(r)
    for r in rows:
        if r.end - r.start < SHORT_LABEL_SECONDS:
            found.append(
                (
                    r.row,
                    f"{where}:{r.row}: {r.recording} {r.start:g}-{r.end:g} s "
                    f"({r.action!r}) lasts {(r.end - r.start) * 1000:.0f} ms (about "
                    f"{count(max(1, round((r.end - r.start) * 30)), 'frame')} at 30 "
                    "FPS): is the end right?",
                )
            )
    found += _split_action_names(where)
    return [line for _, line in sorted(found, key=lambda f: f[0])]


def _split_action_names(path: Path) -> list[tuple[int, str]]:
    """Rows whose subject looks like the rest of an action name with an unquoted comma:
    the subject cell starts with a space where the row's other cells do not ("pick up,
    put down" read as action "pick up" by subject "put down", unsaid: a trial)."""
    if not path.is_file():
        return []  # no labels (said by read_labels' callers)
    found = []
    rows = csv.reader(io.StringIO(read_csv_text(path), newline=""))
    header = [h.strip().lower() for h in next(rows, [])]
    if header != list(COLUMNS):
        return []
    for fields in rows:
        if len(fields) != len(COLUMNS) or not fields[4][:1].isspace():
            continue
        if any(f[:1].isspace() for f in fields[1:4]) or not fields[4].strip():
            continue  # spaced after every comma, or no subject
        action, subject = fields[3].strip(), fields[4].strip()
        found.append(
            (
                rows.line_num,
                f"{path}:{rows.line_num}: {action!r} by subject {subject!r}: if the "
                f"action is {action + ', ' + subject!r}, write it in double quotes "
                "(a comma separates the columns)",
            )
        )
    return found


def _row(r: LabelInterval) -> int:
    return r.row


def overlap_share(a: LabelInterval, b: LabelInterval) -> float:
    """Intersection over union of two intervals' times."""
    inter = min(a.end, b.end) - max(a.start, b.start)
    union = max(a.end, b.end) - min(a.start, b.start)
    return inter / union if union > 0 else 1.0


def look_alike_actions(names: Sequence[str]) -> list[str]:
    """A warning for each group of action names that differ only in letter case or
    spaces ('Throw' and 'throw' are two classes, most likely one meant)."""
    by_key: dict[str, list[str]] = {}
    for name in names:
        by_key.setdefault(" ".join(name.casefold().split()), []).append(name)
    return [
        "actions "
        + " and ".join(repr(n) for n in group)
        + " differ only in case or spaces: they are different classes"
        for group in by_key.values()
        if len(group) > 1
    ]


NO_ACTION = "no action"
"""The action name of idle moments (the Live display treats it as "nothing")."""


def action_order(rows: Sequence[LabelInterval]) -> list[str]:
    """A dataset's actions in a lasting order, for colours: "no action" first, then
    the others as ``labels.csv`` first names them (a new action comes last, so the
    colours of the others stay; sorted, they shifted). Teach and Replay colour a
    recording's actions by it, alike."""
    return list(dict.fromkeys([NO_ACTION, *(iv.action for iv in rows)]))


UNEVEN_GAP = 1.5
"""A recording whose longest gap between frames exceeds this many typical frame
periods is resampled for replay and inference (dropped frames, a pause)."""


def _evenly_spaced(
    rec: Recording, joints: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float, str]:
    """A recording's frames at an even rate: as recorded when they are, else
    resampled on their timestamps at the typical rate (nearest frame with a person,
    as training reads them; nobody across a gap over :data:`MAX_GAP`). Replay and
    ``ms2l infer`` step frame by frame at one rate: frames around a gap were given
    the wrong times, and windows the wrong length (a trial).

    Returns:
        ``(joints, timestamps, fps, note)``; ``note`` is ``""`` when nothing changed.
    """
    t = rec.timestamps
    if rec.num_frames < 3 or t[-1] <= 0:
        return joints, t, float(rec.source.fps or CLIP_FPS), ""
    gaps = np.diff(t)
    period = float(np.median(gaps))
    if period <= 0 or gaps.max() <= UNEVEN_GAP * period:
        return joints, t, (rec.num_frames - 1) / float(t[-1]), ""
    rate = 1.0 / period
    # body 0's frames (the main track): its short gaps bridged by its own frames
    pick = frame_grid(
        t, rec.bodies_present[:, 0], 0.0, float(t[-1]) + period, rate, MAX_GAP
    )
    out = np.zeros((pick.size, *joints.shape[1:]), np.float32)
    out[pick >= 0] = joints[pick[pick >= 0]]
    note = (
        f"{rec.num_frames} frames unevenly spaced (a gap of {gaps.max():.2f} s), "
        f"read at {rate:.4g} fps"
    )
    return out, np.arange(pick.size) / rate, rate, note


def read_recording_sequence(path: str | os.PathLike[str]) -> SkeletonSequence:
    """One recording as a :class:`SkeletonSequence` for replay (see ``read_file``).

    A ``labels.csv`` beside it that cannot be read leaves the clip unlabelled, with
    ``meta["labels_problem"]`` saying why.

    Raises:
        DataFormatError: If the recording is malformed.
    """
    path = Path(path)
    rec = read_recording(path)
    layout = "ucla20" if rec.layout == "ucla20" else "ntu25"
    try:
        rows, problem = read_labels(path.parent), ""
    except DataFormatError as exc:
        # The recording is fine: it is read without labels, and the problem kept
        # for the reader to show (a bad row of another take stopped `ms2l infer`).
        rows, problem = [], str(exc)
    mine = [iv for iv in rows if iv.recording == rec.name]
    intervals = [[iv.action, iv.start, iv.end] for iv in mine]
    # The same as frames and class numbers, as the other readers give them; the
    # classes are the dataset's (every action in labels.csv, sorted).
    classes = sorted({iv.action for iv in rows})
    joints, times, fps, resampled = _evenly_spaced(rec, rec.kinect_joints(layout))
    frames = [
        [classes.index(iv.action), *label_frames(times, iv.start, iv.end)]
        for iv in mine
    ]
    return SkeletonSequence(
        name=rec.name,
        joints=joints,
        layout=layout,
        label=None,
        meta={
            **({"resampled": resampled} if resampled else {}),
            **({"lost_joints_filled": rec.lost} if rec.lost else {}),
            "label_intervals": intervals,
            "intervals": [[int(v) for v in iv] for iv in frames if iv[2] > iv[1]],
            "class_names": classes,
            "action_order": action_order(rows),
            "timestamps": times.tolist(),
            "subject": rec.subject,
            "complete": rec.complete,
            "recorded_layout": rec.layout,
            **({"labels_problem": problem} if problem else {}),
        },  # fmt: skip
        fps=float(fps),
        source=str(path),
    )


def import_sequence(
    root: str | os.PathLike[str],
    name: str,
    seq: SkeletonSequence,
    action: str | None = None,
    subject: str = "",
    overwrite: bool = False,
) -> Path:
    """Bring a Kinect-layout clip from another sensor or dataset in as a recording.

    Args:
        root: The dataset folder.
        name: Recording name.
        seq: A clip in ``ntu25`` or ``ucla20`` (frames at ``seq.fps``; a frame without
            any body is written as "nobody in view").
        action: Label the whole recording with this action (a take), if given.
        subject: Who performed it.
        overwrite: Replace a recording of the same name.

    Returns:
        The recording file.

    Raises:
        ValueError: If the layout is not ``ntu25`` / ``ucla20``, the joints' shape does
            not fit it, the name or the action is invalid, the clip has no frame, its
            frame rate is not positive, a coordinate is NaN, infinite or beyond ±1e4,
            the joints are not metres with y up, or a take to label shows nobody
            (checked before anything is written: such a recording was written, then
            refused by every reader; a trial). ``overwrite`` drops the replaced
            recording's labels.
        FileExistsError: If the recording exists and ``overwrite`` is false.
        DataFormatError: If the take label does not fit (see :func:`add_label`).
    """
    from core.datasets.recording import (
        RecordingWriter,
        SourceInfo,
        units_and_up_problem,
    )

    if seq.layout not in ("ntu25", "ucla20"):
        raise ValueError(f"{seq.name}: layout {seq.layout!r} is not a Kinect layout")
    # Everything a reader or the label would refuse is checked before a byte is
    # written (a NaN, a wrong shape or a frame rate of 0 left a file behind, and an
    # overwrite a label past the new end: trials); the recording is named in each.
    what = f"{name} (from {seq.name})" if seq.name and seq.name != name else name
    joints = np.asarray(seq.joints)
    want = get_layout(seq.layout).num_joints
    if joints.ndim != 4 or joints.shape[2:] != (want, 3):
        raise ValueError(
            f"{what}: expected joints (frames, bodies, {want}, 3) for {seq.layout}, "
            f"got {joints.shape}"
        )
    if seq.num_frames == 0:
        raise ValueError(f"{what}: no frame to import")
    if not (np.isfinite(seq.fps) and seq.fps > 0):
        raise ValueError(f"{what}: frame rate {seq.fps} is not a positive number")
    bad = np.flatnonzero(
        ~np.all(np.isfinite(joints), axis=(1, 2, 3))
        | np.any(np.abs(np.nan_to_num(joints)) > MAX_COORDINATE, axis=(1, 2, 3))
    )
    if bad.size:
        others = f" and {count(bad.size - 1, 'other')}" if bad.size > 1 else ""
        raise ValueError(
            f"{what}: frame {int(bad[0])}{others} has a coordinate that is NaN, "
            f"infinite or beyond ±{MAX_COORDINATE:g}: give zeros for a body that is "
            "not there"
        )
    if problem := units_and_up_problem(joints, seq.layout):
        raise ValueError(f"{what}: {problem}")  # every reader would refuse it
    if action is not None and not action.strip():
        raise ValueError(f"{what}: empty action name")
    if action is not None and (problem := action_name_problem(action)):
        raise ValueError(f"{what}: {problem}")
    if action is not None and not np.any(joints):
        raise ValueError(f"{what}: nobody in any frame, so nothing to label {action!r}")
    path = recording_path(root, name)
    if overwrite and path.exists():
        # the recording replaced, its labels go with it (they could run past its end)
        rows = read_labels(root)
        kept = [iv for iv in rows if iv.recording != name]
        if len(kept) != len(rows):
            write_labels(root, kept)
    source = SourceInfo(kind="import", path=seq.source, fps=float(seq.fps))
    with RecordingWriter(
        path, seq.layout, source, subject=subject, bodies=seq.num_bodies,
        overwrite=overwrite, sync_seconds=float("inf"),
    ) as writer:  # fmt: skip
        for t, frame in enumerate(joints):
            writer.add_joints(t / seq.fps, frame if np.any(frame) else None)
    if action is not None:
        add_label(root, name, 0.0, seq.num_frames / seq.fps, action, subject)
    return path
