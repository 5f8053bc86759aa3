"""Dataset readers, splits and the memory-mapped clip cache.

The readers by name are in :mod:`core.datasets.registry` (re-exported here);
:func:`read_file` opens any single supported file for replay.
"""

from __future__ import annotations

import os
from pathlib import Path

from core.datasets.base import DataFormatError, SkeletonSequence
from core.datasets.custom import read_recording_sequence
from core.datasets.ntu import empty_reason, parse_skeleton, sequence_of
from core.datasets.pkummd import read_sequence
from core.datasets.recording import sensor_units_problem
from core.datasets.registry import READERS, get_reader, register
from core.datasets.scanning import read_bytes, without_bom
from core.datasets.ucla import parse_sample
from core.fileio import VIDEO_SUFFIXES, video_container


def read_file(path: str | os.PathLike[str]) -> SkeletonSequence:
    """Open one recording of any supported format, for replay.

    ``.skeleton`` -> NTU RGB+D (with ``color_xy``); ``.json`` -> NW-UCLA sample;
    ``.txt`` -> a whole PKU-MMD sequence with its labelled intervals in
    ``meta["intervals"]`` (label file looked up beside the skeleton folder), or, by its
    first line, an NTU file or a recording given a ``.txt`` name;
    ``.jsonl`` -> one of the user's recordings (``meta["label_intervals"]``).

    Args:
        path: The file.

    Returns:
        The clip.

    Raises:
        FileNotFoundError: If the file does not exist.
        DataFormatError: If it is a folder or not a regular file, cannot be read, is
            malformed, or holds no body at all.
        ValueError: If the extension is not a supported format.
    """
    path = Path(path).expanduser()
    if path.is_dir():
        raise DataFormatError(
            path, "is a folder, not a file (open a dataset folder as a dataset)"
        )
    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    if not path.is_file():
        raise DataFormatError(path, "not a regular file")
    video = video_container(path)
    if video:
        if path.suffix.lower() in VIDEO_SUFFIXES:  # a video by its name, too
            why = (
                f"is a video ({video}), not a skeleton file: open it in Live (or run "
                "ms2l infer on it) for pose estimation and recognition"
            )
        else:
            why = (
                f"is a video ({video}), not a skeleton file, whatever its name says: "
                "rename it with its video extension (.mp4, .avi, ...) and open it in "
                "Live (or run ms2l infer on it) for pose estimation"
            )
        raise DataFormatError(path, why)
    suffix = path.suffix.lower()
    if suffix == ".txt":  # a PKU-MMD sequence, or another format saved as text
        suffix = _text_format(path)
    if suffix == ".jsonl":  # the user's recording: checked as it is read
        return read_recording_sequence(path)
    seq = _read_kinect_file(path, suffix)
    problem = sensor_units_problem(seq.joints, seq.layout)
    if problem:
        # millimetres answered "no action (unfamiliar motion)", unsaid (a trial)
        raise DataFormatError(path, problem)
    return seq


def _read_kinect_file(path: Path, suffix: str) -> SkeletonSequence:
    """A dataset's file (NTU, NW-UCLA, PKU-MMD) by its format (see :func:`read_file`)."""
    if suffix == ".skeleton":
        raw = parse_skeleton(read_bytes(path), str(path))
        seq = sequence_of(raw, str(path))
        if seq is None:
            raise DataFormatError(
                path, empty_reason(raw) + " (a sample without skeletons)"
            )
        return seq
    if suffix == ".json":
        return parse_sample(read_bytes(path), str(path), path.stem)
    if suffix == ".txt":
        try:
            return read_sequence(path)
        except DataFormatError as exc:
            if exc.path != str(path) or exc.line != 1:
                raise
            # Its first line already unlike one: say what the file was read as
            # ("notes.txt:1: 2 values, expected 150" named no format: a trial).
            raise DataFormatError(
                path,
                f"{exc.problem} (a .txt file is read as a PKU-MMD skeleton file: 150 "
                "numbers a line)",
                line=1,
            ) from None
    hint = (
        "; a .zip holds a whole dataset: open it as one (Replay's 'Open zip…', "
        "or --root)"
        if suffix == ".zip"
        else ""
    )
    raise ValueError(
        f"{path}: unsupported file type {suffix!r} "
        f"(.skeleton, .json, .txt or .jsonl expected{hint})"
    )


__all__ = [
    "READERS",
    "DataFormatError",
    "SkeletonSequence",
    "get_reader",
    "read_file",
    "register",
]


def _text_format(path: Path) -> str:
    """The format of a ``.txt`` file by its first line: ``".skeleton"`` for an NTU file
    (a frame count alone), ``".jsonl"`` for a recording (a JSON object), else ``".txt"``
    (PKU-MMD: 150 numbers a line). Saved under a ``.txt`` name (a browser, a mail
    attachment), the others failed with "1 values, expected 150"."""
    with open(path, "rb") as fh:
        head = without_bom(fh.read(4096)).lstrip()
    first = head.split(b"\n", 1)[0].strip()
    if first.startswith(b"{"):
        return ".jsonl"
    return ".skeleton" if first.isdigit() else ".txt"
