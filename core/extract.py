"""Import videos into a custom dataset: MediaPipe over every video, in parallel.

Three ways to give the videos and their labels:

- a **folder of class sub-folders**, ``VIDEOS/<action>/<video>`` (the layout torchvision
  and mmaction2 use): every video becomes a recording ``<action>-<video stem>``
  labelled whole with its folder's action (a take); hidden files and folders (``.name``,
  macOS ``._clip.avi``) and ``__MACOSX`` are left out;
- a **CSV** ``video,start,end,action`` in UTF-8 (header row required; ``video`` relative
  to the CSV's folder, ``/`` or ``\\`` between folders; times in seconds; an empty
  ``end`` means the end of the video): every distinct video becomes one recording named
  after its stem, with one labelled interval per row;
- **unlabelled** videos, to label afterwards on Teach's timeline (a long session):
  videos at the top level of the folder, or one video given alone. Their recordings
  get no label row, and importing again never touches the labels given since (nor
  those of a labelled video imported before: edited in Teach since, they are kept).

:func:`extract` yields frozen events (the CLI draws a progress bar from them, the GUI
runs it through ``app.workers.IteratorWorker``). The frames to process are read up front
from the videos' headers (no decoding), so the heartbeats give a percentage and the time
left even inside one long video. Videos run in a pool of ``workers``
processes (``spawn``; one MediaPipe graph each); with ``workers=1`` everything runs in
the calling process. It is resumable: a video whose recording is complete (closed with
its footer) is skipped, and an interrupted one is redone. A video that will not open is
reported (:class:`ExtractFailed`) and skipped; label rows are written to ``labels.csv``
(atomically) as each video finishes.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import csv
import hashlib
import io
import math
import multiprocessing
import os
import re
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from core.datasets.base import DataFormatError
from core.datasets.custom import (
    LabelInterval,
    action_name_problem,
    csv_problem,
    list_recordings,
    look_alike_actions,
    person_share,
    read_csv_text,
    read_labels,
    recording_path,
    write_labels,
)
from core.datasets.recording import check_name, read_recording, recording_info
from core.datasets.scanning import is_hidden
from core.fileio import VIDEO_SUFFIXES, video_container
from core.text import Pace


@dataclass(frozen=True)
class VideoJob:
    """One video to extract.

    Attributes:
        video: The video file.
        name: Recording name.
        intervals: ``(start, end or None, action)`` labels; ``end=None`` = to the end.
        rows: ``labels`` lines of the CSV (for messages; empty for class folders).
    """

    video: Path
    name: str
    intervals: tuple[tuple[float, float | None, str], ...]
    rows: tuple[int, ...] = ()


@dataclass(frozen=True)
class ExtractStarted:
    """The plan is made.

    Attributes:
        total: Videos listed.
        todo: Videos to process (the others are already extracted).
        workers: Processes used.
        ignored: Files of the videos folder left out (:func:`ignored_files`), relative
            to it.
        expected: Frames to process: the frame counts of the headers of the videos
            to do (at most ``max_frames`` each; a video that does not open counts 0),
            or 0 when a header does not say (then progress is counted in videos).
        same: One line per video that is the same file as another video of the
            import or as the source of a recording of the dataset
            (:func:`same_videos`); both are imported.
    """

    total: int
    todo: int
    workers: int
    ignored: tuple[str, ...] = ()
    expected: int = 0
    same: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExtractFrames:
    """Heartbeat while videos are processed (about twice a second).

    Attributes:
        frames: Frames processed so far by every worker.
        done: Videos finished (extracted, failed or skipped).
        total: Videos listed.
        progress: Frames done towards ``expected``: a video's frames up to its
            header's count, and a finished video as its whole count, so that it never
            passes ``expected`` nor goes back (a header's count is an estimate).
        expected: As in :class:`ExtractStarted` (0: unknown, count the videos).
        seconds_left: Time left at the pace since the first frames; ``None`` until
            there is a pace, once nothing is left, or when ``expected`` is unknown.
    """

    frames: int
    done: int
    total: int
    progress: int = 0
    expected: int = 0
    seconds_left: float | None = None


@dataclass(frozen=True)
class ExtractDone:
    """A video was extracted.

    Attributes:
        done: Videos finished so far.
        total: Videos listed.
        video: The video.
        name: Its recording.
        frames: Frames written.
        detected: Frames with a person.
        seconds: Processing time.
        labels: Label rows written for it.
        warning: A problem worth showing (e.g. nobody seen, a label past the end).
    """

    done: int
    total: int
    video: str
    name: str
    frames: int
    detected: int
    seconds: float
    labels: int
    warning: str = ""


@dataclass(frozen=True)
class ExtractSkipped:
    """A video was already extracted (its recording is complete).

    Attributes:
        done: Videos finished so far.
        total: Videos listed.
        video: The video.
        name: Its recording.
        warning: Label rows left out (nobody seen in them, past the end), or ``""``.
    """

    done: int
    total: int
    video: str
    name: str
    warning: str = ""


@dataclass(frozen=True)
class ExtractFailed:
    """A video could not be processed (e.g. it does not open); it is skipped.

    Attributes:
        done: Videos finished so far.
        total: Videos listed.
        video: The video.
        error: What went wrong (names the video).
    """

    done: int
    total: int
    video: str
    error: str


@dataclass(frozen=True)
class ExtractFinished:
    """Every video was handled (or the stop flag ended the run).

    Attributes:
        extracted: Videos extracted now.
        skipped: Videos already extracted before.
        failed: Videos that failed.
        frames: Frames processed now.
        seconds: Wall time.
        cancelled: The stop flag ended it early (rerun to continue).
        warnings: About the dataset as the import left it (actions whose names
            differ only in case or spaces: "Wave" and "wave" folders became two
            classes, said only later by data info: a trial).
    """

    extracted: int
    skipped: int
    failed: int
    frames: int
    seconds: float
    cancelled: bool
    warnings: tuple[str, ...] = ()


ExtractEvent = (
    ExtractStarted | ExtractFrames | ExtractDone | ExtractSkipped | ExtractFailed
    | ExtractFinished
)  # fmt: skip


NAME_BYTES = 200
"""Longest recording name in UTF-8 bytes: its file and the temporary files written beside
it (``.<name>.jsonl.<random>.tmp``) must fit the 255-byte file-name limit."""


def _fit(base: str, suffix: str = "") -> str:
    """``base + suffix``, ``base`` cut to fit 100 characters and :data:`NAME_BYTES`."""
    room = NAME_BYTES - len(suffix.encode())
    cut = base[: 100 - len(suffix)].encode()[:room].decode("utf-8", "ignore")
    return cut + suffix


def _slug(text: str) -> str:
    s = re.sub(r"[^\w.+-]", "_", text.strip()).lstrip(".+-")
    return _fit(s) or "video"


def _unique(base: str, taken: dict[str, Any]) -> str:
    """``base``, or ``base-2``, ``base-3``... if that recording name is taken."""
    name, i = base, 2
    while name in taken:
        name, i = _fit(base, f"-{i}"), i + 1
    return check_name(name)


def _settle_names(jobs: list[VideoJob], root: Path) -> list[VideoJob]:
    """Keep every video on the recording it was extracted to before.

    Names come from file names, with ``-2``... for clashes in sort order, so a video
    added beside another on a rerun could shift the names; a recording's header says
    which video it came from, and that wins: a video keeps its recording, and a new
    video never takes one that holds another video's poses.
    """
    owner: dict[str, str] = {}  # recording -> the video it holds (absolute)
    for info in list_recordings(root):
        if info.source.path:
            owner[info.name] = os.path.abspath(info.source.path)
    out: list[VideoJob] = []
    used: set[str] = set()
    for job in jobs:
        video = os.path.abspath(job.video)
        # Only a recording this import would have named (base, base-2, ...): a take
        # recorded in Teach from the same video ("wave-001") is the user's, not ours.
        # The job's name may already carry a clash suffix (walk-clip-2): strip it.
        base = re.sub(r"-[1-9][0-9]*$", "", job.name)
        mine = re.compile(f"{re.escape(job.name)}|{re.escape(base)}(-[1-9][0-9]*)?")
        name = next(
            (n for n, v in sorted(owner.items()) if v == video and mine.fullmatch(n)),
            None,
        )
        if name is None or name in used:
            base, name, i = job.name, job.name, 2
            while name in used or owner.get(name, video) != video:
                name, i = _fit(base, f"-{i}"), i + 1
        used.add(name)
        out.append(replace(job, name=check_name(name)))
    return sorted(out, key=lambda j: j.name)


def ignored_files(videos: str | os.PathLike[str]) -> tuple[str, ...]:
    """The visible files of a videos folder that :func:`plan` leaves out: files that
    are not videos (neither by extension, :data:`VIDEO_SUFFIXES`, nor by their first
    bytes), at the top level or in a class sub-folder, and folders inside a class
    sub-folder (ending in ``/``), relative to the folder; ``()`` for a CSV."""
    src = Path(videos).expanduser()
    if not src.is_dir():
        return ()
    left: list[str] = []
    for entry in sorted(src.iterdir()):
        if is_hidden(entry.name) or entry.name == "labels.csv":
            continue
        if entry.is_file():
            if not _is_video(entry):  # a video here is imported unlabelled
                left.append(entry.name)
        elif entry.is_dir():
            left.extend(
                f"{entry.name}/{f.name}" + ("/" if f.is_dir() else "")
                for f in sorted(entry.iterdir())
                if not is_hidden(f.name) and (f.is_dir() or not _is_video(f))
            )
    return tuple(left)


def _is_video(path: Path) -> bool:
    """A video by its extension, or by its first bytes under another name."""
    return path.suffix.lower() in VIDEO_SUFFIXES or bool(video_container(path))


def ignored_note(files: Sequence[str]) -> str:
    """One line on the files of a videos folder not taken as videos
    (:func:`ignored_files`), for the CLI and the Teach panel."""
    shown = ", ".join(files[:5]) + (
        f" and {len(files) - 5} more" if len(files) > 5 else ""
    )
    return (
        f"left out {len(files)} file(s) that are not videos "
        f"(videos: {', '.join(VIDEO_SUFFIXES)}, or by their first bytes): {shown}"
    )


SAME_VIDEO_BYTES = 1 << 16
"""Bytes read at each end of a video to tell copies apart (with its size)."""


def _fingerprint(path: Path) -> tuple[int, str] | None:
    """A video's size and a hash of its first and last :data:`SAME_VIDEO_BYTES`; two
    files alike in both are taken for copies of one video. ``None`` if unreadable."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(SAME_VIDEO_BYTES)
            fh.seek(max(len(head), size - SAME_VIDEO_BYTES))
            tail = fh.read(SAME_VIDEO_BYTES)
    except OSError:
        return None
    return size, hashlib.sha256(head + tail).hexdigest()


# What a video imported twice means, said after naming the two recordings.
_BOTH_USED = (
    ": both are used, so its frames train twice and may fall on both sides of the "
    "validation split; delete one of the recordings (Teach: Delete take)"
)


def same_videos(jobs: Sequence[VideoJob], root: Path) -> tuple[str, ...]:
    """Videos imported twice: a copy under another name or folder, or a video whose
    copy a recording of the dataset already came from. Both go in, and the second
    copy's frames train twice and may sit on both sides of the validation split,
    which then looks better than it is (the same video imported twice went unnoticed:
    a trial). Only files of one size are read (two 64 KiB ends each).

    Returns:
        One line per copy, naming both.
    """
    sources: dict[Path, str] = {}  # an existing recording's video -> its name
    again = []  # the very file a recording came from, under another name now
    mine = {Path(os.path.abspath(j.video)): j.name for j in jobs}
    for info in list_recordings(root):
        if info.source.kind == "video" and info.source.path:
            video = Path(os.path.abspath(info.source.path))
            sources.setdefault(video, info.name)
            if mine.get(video, info.name) != info.name:
                # a folder after a CSV names it "wave-clip" where it was "clip": two
                # recordings, maybe two actions, unsaid (a trial)
                again.append(
                    f"{video.name} (recording {mine[video]!r}) is the video recording "
                    f"{info.name!r} of the dataset came from, imported under another "
                    f"name{_BOTH_USED}"
                )
    files = {**{v: n for v, n in sources.items() if v not in mine}, **mine}
    by_size: dict[int, list[Path]] = {}
    for video in files:
        try:
            by_size.setdefault(video.stat().st_size, []).append(video)
        except OSError:
            continue  # a recording's video moved or deleted since: nothing to compare
    seen: dict[tuple[int, str], Path] = {}
    lines = []
    for size in sorted(by_size):
        if len(by_size[size]) < 2:
            continue
        for video in sorted(by_size[size], key=lambda v: (v not in mine, str(v))):
            print_ = _fingerprint(video)
            if print_ is None:
                continue
            first = seen.setdefault(print_, video)
            if first == video or video not in mine and first not in mine:
                continue
            a, b = (first, video) if first in mine else (video, first)
            was = "" if b in mine else " (already in the dataset)"
            lines.append(
                f"{a.name} (recording {files[a]!r}) is the same video as {b} "
                f"(recording {files[b]!r}{was}){_BOTH_USED}"
            )
    return tuple(again + lines)


def plan(videos: str | os.PathLike[str]) -> list[VideoJob]:
    """The videos to extract and their labels.

    Args:
        videos: A folder of ``<action>/<video>`` files (videos at its top level are
            taken unlabelled, to be labelled afterwards), a CSV
            ``video,start,end,action``, or one video (unlabelled).

    Returns:
        One job per video, sorted by recording name; an unlabelled one has no
        intervals.

    Raises:
        FileNotFoundError: If ``videos`` does not exist.
        DataFormatError: Naming the CSV (and row) when it is not UTF-8 or a row is
            malformed; or when nothing is found.
    """
    src = Path(videos).expanduser().absolute()
    if not src.exists():
        # a missing clip.mp4 is no missing "folder or CSV" (a trial)
        what = (
            "video" if src.suffix.lower() in VIDEO_SUFFIXES else "folder, CSV or video"
        )
        raise FileNotFoundError(f"{src}: no such {what}")
    jobs: dict[str, VideoJob] = {}
    if src.is_dir():
        # A long session to label afterwards on Teach's timeline: recorded in real
        # time it took as long as the video (a coach's trial).
        for video in sorted(p for p in src.iterdir() if p.is_file()):
            if not is_hidden(video.name) and _is_video(video):
                jobs[_unique(_slug(video.stem), jobs)] = VideoJob(video, "", ())
        for folder in sorted(p for p in src.iterdir() if p.is_dir()):
            if is_hidden(folder.name):  # (.git, __MACOSX, ...)
                continue
            # Checked before any video: the action's label was refused after every
            # video had been through MediaPipe, and none was labelled (a trial).
            problem = action_name_problem(folder.name)
            if problem:
                raise DataFormatError(folder, f"{problem}: rename the folder")
            for video in sorted(folder.iterdir()):
                if is_hidden(video.name):  # (._clip.avi from a Mac, .DS_Store)
                    continue
                if video.is_file() and _is_video(video):
                    # clip.mp4 and clip.avi, or "my clip" and "my_clip", slug alike:
                    # the later one gets -2 (never a silent overwrite).
                    name = _unique(_slug(f"{folder.name}-{video.stem}"), jobs)
                    jobs[name] = VideoJob(video, name, ((0.0, None, folder.name),))
        if not jobs:
            raise DataFormatError(
                src,
                "no videos found, in class sub-folders (<action>/<video>) or at the "
                "top level (to label afterwards)",
            )
        return [replace(job, name=name) for name, job in sorted(jobs.items())]
    if _is_video(src):  # one video, to label afterwards (read as a CSV, it was "not
        # UTF-8 text": a trial)
        return [VideoJob(src, _slug(src.stem), ())]
    by_video: dict[Path, list[tuple[float, float | None, str, int]]] = {}
    with io.StringIO(read_csv_text(src), newline="") as fh:
        reader = csv.reader(fh, strict=True)
        row = 0  # the last line read (of the header, then of each row)
        try:
            header = [h.strip().lower() for h in next(reader, [])]
            if header != ["video", "start", "end", "action"]:
                raise DataFormatError(
                    src, "header must be 'video,start,end,action'", line=1
                )
            row = reader.line_num
            for fields in reader:
                row = reader.line_num
                if not fields or all(not f.strip() for f in fields):
                    continue
                if len(fields) != 4:
                    raise DataFormatError(
                        src, f"{len(fields)} fields, expected 4", line=row
                    )
                video_s, start_s, end_s, action = (f.strip() for f in fields)
                if not video_s or not action:
                    raise DataFormatError(src, "empty video or action", line=row)
                try:
                    start = float(start_s or 0)
                    end = float(end_s) if end_s else None
                except ValueError:
                    raise DataFormatError(
                        src, f"times {start_s!r}, {end_s!r} are not numbers", line=row
                    ) from None
                if start < 0 or (end is not None and not end > start):
                    raise DataFormatError(
                        src, f"interval {start_s}-{end_s} s is empty or negative", row
                    )
                video = src.parent.absolute() / video_s
                if os.sep == "/" and "\\" in video_s and not video.exists():
                    # Written on Windows (clips\drink.avi): "\" is a separator.
                    video = src.parent.absolute() / video_s.replace("\\", "/")
                video = Path(os.path.normpath(video))
                problem = action_name_problem(action)
                if problem:
                    raise DataFormatError(src, problem, line=row)
                by_video.setdefault(video, []).append((start, end, action, row))
        except csv.Error as exc:
            raise csv_problem(src, exc, row + 1) from None
    if not by_video:
        raise DataFormatError(src, "no rows")
    for rows in by_video.values():
        _refuse_overlaps(src, rows)
    for video, rows in sorted(by_video.items()):
        name = _unique(_slug(video.stem), jobs)
        jobs[name] = VideoJob(
            video,
            name,
            tuple((a, b, c) for a, b, c, _ in rows),
            tuple(r for *_, r in rows),
        )
    return sorted(jobs.values(), key=lambda j: j.name)


def _refuse_overlaps(
    src: Path, rows: list[tuple[float, float | None, str, int]]
) -> None:
    """Refuse, before any video is read, rows of one video whose intervals of
    different actions overlap (they were written, and every later reader of the
    dataset refused them). An open end reaches the video's end."""
    ordered = sorted(rows, key=lambda r: r[0])
    for i, (start, end, action, row) in enumerate(ordered):
        for other_start, _, other_action, other_row in ordered[i + 1 :]:
            if end is not None and other_start >= end:
                break
            if other_action != action:
                span = (
                    f"{start:g} s to the video's end" if end is None
                    else f"{start:g}-{end:g} s"
                )  # fmt: skip
                raise DataFormatError(
                    src,
                    f"interval {other_start:g} s ({other_action!r}) starts inside row "
                    f"{row}'s {span} ({action!r}) of the same video: labels of "
                    "different actions cannot overlap",
                    line=other_row,
                )


# -- the work of one video (runs in a worker process) -----------------------------------

_STOP: Any = None
_FRAMES: Any = None


def _init_worker(stop: Any, frames: Any) -> None:
    global _STOP, _FRAMES
    _STOP, _FRAMES = stop, frames
    # Ctrl-C reaches every process of the terminal's group: the main one stops the
    # workers through ``stop`` (a KeyboardInterrupt here was reported as each video
    # failing: a trial).
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def extract_video(
    video: str | os.PathLike[str],
    path: str | os.PathLike[str],
    *,
    mirrored: bool = False,
    max_frames: int | None = None,
    stop: Any = None,
    counter: Any = None,
) -> tuple[int, int, float, str]:
    """Run MediaPipe over one video and write its recording (replacing a partial one).

    Args:
        video: The video file.
        path: The recording file to write.
        mirrored: Flip frames back before pose estimation.
        max_frames: Stop after this many frames.
        stop: An event-like object; when set, the video is abandoned (its recording is
            left incomplete, so a rerun redoes it).
        counter: A shared integer (``multiprocessing.Value``) counting frames.

    Returns:
        ``(frames, frames with a person, duration in seconds, note)``; the note says
        when the file decoded far fewer frames than it claims (truncated), else ``""``.

    Raises:
        core.live.capture.SourceOpenError: If the video cannot be opened.
        InterruptedError: If ``stop`` was set.
    """
    import cv2

    from core.datasets.recording import RecordingWriter
    from core.live.capture import (
        STILL_IMAGE,
        SourceOpenError,
        VideoSource,
        truncation_note,
    )
    from core.live.pose import MediaPipePose
    from core.recorder import source_info

    with VideoSource(video) as src, MediaPipePose() as pose:
        # the cap is kept: an import without it redoes the video (a recording of
        # --max-frames 20 passed for the whole video, and was never imported: a trial)
        source = replace(source_info(src, mirrored), max_frames=max_frames)
        writer = RecordingWriter(path, "mp33", source, overwrite=True)
        frames = detected = 0
        ended = True
        try:
            for frame in src:
                if stop is not None and stop.is_set():
                    raise InterruptedError(f"{video}: stopped")
                image = cv2.flip(frame.image, 1) if mirrored else frame.image
                result = pose.estimate(image)
                writer.add_pose(frame.timestamp, result)
                frames += 1
                detected += result is not None
                if counter is not None:
                    with counter.get_lock():
                        counter.value += 1
                if max_frames is not None and frames >= max_frames:
                    ended = False
                    break
        except InterruptedError:
            writer.abandon()  # readable, without the footer: redone next time
            raise
        writer.close()
        if ended and frames == 1:
            # a photo saved as .mp4 became a one-frame take labelled with its
            # folder's action (a trial)
            Path(path).unlink(missing_ok=True)
            raise SourceOpenError(str(video), STILL_IMAGE)
        duration = writer.duration + (1.0 / max(src.fps, 1e-6) if frames else 0.0)
        note = (
            truncation_note(video, src.frame_count, frames, src.late_start)
            if ended
            else ""
        )
    return frames, detected, duration, note


def _refuse_times_in_frames(csv_path: Path, jobs: list[VideoJob]) -> None:
    """Refuse a CSV whose label times run far past their video's end (by its header):
    frame numbers or milliseconds, clipped and dropped with a warning and exit 0 where
    labels.csv refuses them (a trial). Before any video is processed.

    Raises:
        DataFormatError: Naming the CSV's row.
    """
    for job in jobs:
        if not job.rows:
            continue  # class folders have no times
        seconds = header_seconds(job.video)
        if seconds is None:
            continue
        for (start, end, _), row in zip(job.intervals, job.rows):
            last = start if end is None else end
            if last > 2 * seconds + 1:
                raise DataFormatError(
                    csv_path,
                    f"{'end' if end is not None else 'start'} {last:g} s is far past "
                    f"the end of {job.video.name} ({seconds:.2f} s): times are "
                    "seconds from the video's start (frame numbers or milliseconds?)",
                    line=row,
                )


def header_seconds(video: str | os.PathLike[str]) -> float | None:
    """How long a video's header says it lasts (frames over rate), or ``None`` when
    it does not say or does not open."""
    header = _header(video)
    if header is None:
        return None
    count, fps = header
    ok = math.isfinite(count) and count >= 1 and math.isfinite(fps) and 1 <= fps <= 240
    return count / fps if ok else None


def _header(video: str | os.PathLike[str]) -> tuple[float, float] | None:
    """``(frame count, frame rate)`` as a video's header gives them, read without
    decoding; ``None`` if the file is missing or does not open as a video.

    Raises:
        SourceOpenError: If its name is not UTF-8 and no link to it can be made
            (:func:`core.live.capture.opencv_path`).
    """
    import cv2

    from core.live.capture import opencv_path, opencv_quiet

    if not Path(video).is_file():
        return None
    with opencv_quiet(), opencv_path(video) as given:
        cap = cv2.VideoCapture(given)
    try:
        if not cap.isOpened():
            return None
        return (
            float(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0.0),
            float(cap.get(cv2.CAP_PROP_FPS) or 0.0),
        )
    finally:
        cap.release()


def header_frames(video: str | os.PathLike[str]) -> int | None:
    """The frame count a video's header gives, read without decoding the video.

    Args:
        video: The video file.

    Returns:
        The count; ``0`` if the file does not open as a video (it fails at once, with
        no frame to process); ``None`` if it opens but its header does not say (a
        WebM written to a pipe has no duration).
    """
    header = _header(video)
    if header is None:
        return 0
    count = header[0]
    return int(count) if math.isfinite(count) and count >= 1 else None


class _Slot:
    """One video's frame counter in a shared array, with the ``multiprocessing.Value``
    interface :func:`extract_video` counts through."""

    def __init__(self, array: Any, index: int) -> None:
        self._array, self._index = array, index

    def get_lock(self) -> Any:
        return self._array.get_lock()

    @property
    def value(self) -> int:
        return int(self._array[self._index])

    @value.setter
    def value(self, frames: int) -> None:
        self._array[self._index] = frames


def _pool_job(
    index: int, video: str, path: str, mirrored: bool, max_frames: int | None
) -> tuple[int, int, float, str, float]:
    t0 = time.perf_counter()
    try:
        frames, detected, duration, note = extract_video(
            video, path, mirrored=mirrored, max_frames=max_frames, stop=_STOP,
            counter=_Slot(_FRAMES, index),
        )  # fmt: skip
    except InterruptedError:
        raise
    except Exception as exc:  # noqa: BLE001 - sent back as text: some errors do not pickle
        raise RuntimeError(str(exc) or type(exc).__name__) from None
    return frames, detected, duration, note, time.perf_counter() - t0


# -- the driver ----------------------------------------------------------------------------


class _Progress:
    """Frames done towards the frames expected, and the time left.

    A video counts its frames up to its header's count, and its whole count once it
    has ended (extracted, failed): a header that claims more frames than decode (a
    truncated file) or fewer never takes the total past ``expected`` nor back (each
    video's term only grows, to its count). The pace is timed from the first frames
    on (starting MediaPipe is not the pace).

    Args:
        counts: Frames each video to do is expected to give (``None``: unknown; then
            ``expected`` is 0 and heartbeats count videos only).
    """

    def __init__(self, counts: Sequence[int | None]) -> None:
        self.counts = [c or 0 for c in counts]
        self.expected = sum(self.counts) if None not in counts else 0
        self.ended = [False] * len(self.counts)
        self._pace = Pace()

    def heartbeat(self, read: Sequence[int], done: int, total: int) -> ExtractFrames:
        """The heartbeat for ``read`` frames of each video so far."""
        frames = int(sum(read))
        if not self.expected:
            return ExtractFrames(frames, done, total)
        progress = sum(
            count if ended else min(int(r), count)
            for r, count, ended in zip(read, self.counts, self.ended)
        )
        left = self._pace.left(progress, self.expected)
        return ExtractFrames(frames, done, total, progress, self.expected, left)


def _job_rows(job: VideoJob, path: Path) -> tuple[list[LabelInterval], str]:
    """The label rows a finished recording gets, and why any were left out."""
    rec = read_recording(path)
    if not rec.present.any():
        return [], "nobody was seen" + (": not labelled" if job.intervals else "")
    duration = rec.duration
    rows, problems = [], []
    for (start, end, action), row in zip(
        job.intervals, job.rows or (0,) * len(job.intervals)
    ):
        stop = duration if end is None else end
        where = f" (row {row})" if row else ""
        if start >= duration:  # it read "nobody was seen in it" (a trial)
            span = f"{start:g}-{end:g}" if end is not None else f"from {start:g}"
            problems.append(
                f"label {span} s{where} starts after the video's end "
                f"({duration:.2f} s): not labelled"
            )
            continue
        if end is not None and end > duration + 0.1 and start < duration:
            # Cut at the video's end (it was dropped: a trial's 8-30 s row of a 10 s
            # video lost its 2 s of the action), and said.
            stop = duration
            problems.append(
                f"label {start:g}-{end:g} s{where} runs past the end ({duration:.2f} s):"
                f" labelled {start:g}-{duration:.2f} s"
            )
        if person_share(rec, start, stop) == 0.0:
            problems.append(
                f"label {start:g}-{stop:g} s{where}: nobody was seen in it: not labelled"
            )
            continue
        rows.append(LabelInterval(job.name, start, min(stop, duration), action))
    return rows, "; ".join(problems)


def _labels_kept(root: Path, name: str, rows: list[LabelInterval]) -> str:
    """The labels of a recording imported before: written when ``labels.csv`` has
    none for it (the import stopped before it wrote them), else kept as they are, and
    said when they differ from ``rows``. Importing a folder again put every label
    renamed or trimmed since back as the import had made it, unsaid (a trial)."""
    mine = _rows_of(read_labels(root), name)
    if not mine:
        _write_rows(root, name, rows)
        return ""
    if mine == _as_written(rows):
        return ""
    return (
        "its labels in labels.csv differ from this import's (edited since?) and are "
        "kept: change them in Teach or labels.csv"
    )


def _rows_of(current: list[LabelInterval], name: str) -> list[tuple[float, float, str]]:
    """``(start, end, action)`` of recording ``name``'s rows in ``labels.csv``."""
    return [(r.start, r.end, r.action) for r in current if r.recording == name]


def _as_written(rows: list[LabelInterval]) -> list[tuple[float, float, str]]:
    """``rows`` as ``labels.csv`` keeps them (seconds to three decimals)."""
    return [(round(r.start, 3), round(r.end, 3), r.action) for r in rows]


def _write_rows(root: Path, name: str, rows: list[LabelInterval]) -> None:
    """Make ``labels.csv`` hold exactly ``rows`` for recording ``name``."""
    current = read_labels(root)
    if _rows_of(current, name) == _as_written(rows):
        return
    kept = [r for r in current if r.recording != name]
    write_labels(root, kept + [replace(r, row=0) for r in rows])


def extract(
    videos: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    workers: int = 2,
    mirrored: bool = False,
    max_frames: int | None = None,
    stop: threading.Event | None = None,
) -> Iterator[ExtractEvent]:
    """Extract poses from videos into the dataset folder ``out``.

    Args:
        videos: Folder of ``<action>/<video>`` (videos at its top level unlabelled),
            a CSV ``video,start,end,action``, or one video (unlabelled). An
            unlabelled video's recording is labelled afterwards (Teach's timeline,
            ``labels.csv``); importing again never touches its labels.
        out: The dataset folder (created if missing).
        workers: Processes (1 = in the calling process).
        mirrored: The videos are mirrored: flip them back before pose estimation.
        max_frames: Only the first N frames of each video (for quick tries).
        stop: Set it to stop; running videos are abandoned and redone next time.

    Yields:
        :class:`ExtractStarted`, then per video :class:`ExtractDone`,
        :class:`ExtractSkipped` or :class:`ExtractFailed`, :class:`ExtractFrames`
        heartbeats, and finally :class:`ExtractFinished`.

    Raises:
        FileNotFoundError: If ``videos`` does not exist.
        DataFormatError: If the CSV is malformed or nothing is found, or ``labels.csv``
            in ``out`` is malformed.
    """
    t0 = time.perf_counter()
    stop = stop or threading.Event()
    max_frames = None if max_frames is None else max(1, max_frames)  # one at least
    root = Path(out).expanduser()
    planned = plan(videos)  # a bad CSV fails before the dataset folder is made
    _refuse_times_in_frames(Path(videos).expanduser(), planned)
    read_labels(root)  # a malformed labels.csv fails now, before any work
    # the folders this call makes, the dataset's first: removed again if it gives
    # nothing (--out new/ds left new/ behind: a trial)
    made = [folder for folder in (root, *root.parents) if not folder.exists()]
    root.mkdir(parents=True, exist_ok=True)
    jobs = _settle_names(planned, root)
    total = len(jobs)
    todo: list[VideoJob] = []
    done = skipped = failed = extracted = 0
    skipped_events = []
    for job in jobs:
        info = recording_info(recording_path(root, job.name))
        if info.complete and not info.error and info.source.max_frames == max_frames:
            try:
                rows, warning = _job_rows(job, info.path)
            except DataFormatError:  # damaged since: extracted again below
                todo.append(job)
                continue
            if job.intervals:  # an unlabelled video's labels are the user's since
                kept = _labels_kept(root, job.name, rows)
                warning = "; ".join(w for w in (warning, kept) if w)
            done += 1
            skipped += 1
            skipped_events.append(
                ExtractSkipped(done, total, str(job.video), job.name, warning)
            )
        else:
            todo.append(job)
    workers = max(1, min(int(workers), len(todo) or 1))
    # Read from the headers (milliseconds a video): one long video read "0 / 1
    # videos" until it ended, with no idea how long it would take (a trial).
    progress = _Progress(
        [
            n if n is None or max_frames is None else min(n, max_frames)
            for n in (header_frames(job.video) for job in todo)
        ]
    )
    yield ExtractStarted(
        total, len(todo), workers, ignored_files(videos), progress.expected,
        same_videos(jobs, root),
    )  # fmt: skip
    yield from skipped_events

    def finish(
        i: int, job: VideoJob, res: tuple[int, int, float, str, float]
    ) -> ExtractEvent:
        nonlocal done, extracted
        progress.ended[i] = True
        frames, detected, _duration, cut, seconds = res
        try:
            rows, warning = _job_rows(job, recording_path(root, job.name))
        except DataFormatError as exc:  # written just now, so not expected
            rows, warning = [], f"not labelled: {exc}"
        if cut:  # kept: the frames that decoded are real, but say so
            cut = cut.replace(f"{job.video}: ", "", 1)
            warning = f"{cut}; kept {frames}" + (f"; {warning}" if warning else "")
        if job.intervals:  # an unlabelled video is labelled afterwards, by hand
            _write_rows(root, job.name, rows)
        elif not warning and not any(
            r.recording == job.name for r in read_labels(root)
        ):
            # (redone after a stop, it may hold the labels given since: a trial)
            warning = "unlabelled: label it on Teach's timeline (or in labels.csv)"
        done += 1
        extracted += 1
        return ExtractDone(
            done, total, str(job.video), job.name, frames, detected, seconds,
            len(rows), warning,
        )  # fmt: skip

    def fail(i: int, job: VideoJob, exc: BaseException) -> ExtractEvent:
        nonlocal done, failed
        progress.ended[i] = True
        done += 1
        failed += 1
        message = str(exc) if str(exc) else type(exc).__name__
        if str(job.video) not in message:
            message = f"{job.video}: {message}"
        if job.rows:  # where the videos CSV names it (only its path was said: a trial)
            rows = ", ".join(str(r) for r in job.rows)
            message += f" (the CSV's row{'s' if len(job.rows) > 1 else ''} {rows})"
        return ExtractFailed(done, total, str(job.video), message)

    frames_total = 0
    cancelled = False
    if workers == 1:
        counters = [_Counter() for _ in todo]  # frames of each video

        def heartbeat() -> ExtractFrames:
            return progress.heartbeat([c.value for c in counters], done, total)

        # One video at a time on a thread, so that heartbeats keep coming while a long
        # video is processed (a 10-minute one was minutes of silence).
        with cf.ThreadPoolExecutor(1, thread_name_prefix="extract") as one:
            for i, job in enumerate(todo):
                if stop.is_set():
                    cancelled = True
                    break
                path = recording_path(root, job.name)
                t1 = time.perf_counter()
                future = one.submit(
                    extract_video, job.video, path, mirrored=mirrored,
                    max_frames=max_frames, stop=stop, counter=counters[i],
                )  # fmt: skip
                try:
                    while not cf.wait([future], timeout=0.5).done:
                        yield heartbeat()
                except GeneratorExit:  # the consumer went away: stop the video too
                    stop.set()
                    raise
                try:
                    f, d, dur, cut = future.result()
                except InterruptedError:
                    cancelled = True
                    break
                except Exception as exc:  # noqa: BLE001 - reported, the rest goes on
                    yield fail(i, job, exc)
                else:
                    yield finish(i, job, (f, d, dur, cut, time.perf_counter() - t1))
                yield heartbeat()
        frames_total = sum(c.value for c in counters)
    else:
        ctx = multiprocessing.get_context("spawn")
        mp_stop = ctx.Event()
        shared = ctx.Array("q", len(todo))  # frames of each video
        with cf.ProcessPoolExecutor(
            max_workers=workers, mp_context=ctx, initializer=_init_worker,
            initargs=(mp_stop, shared),
        ) as pool:  # fmt: skip
            futures = {
                pool.submit(
                    _pool_job,
                    i,
                    str(j.video),
                    str(recording_path(root, j.name)),
                    mirrored,
                    max_frames,
                ): (i, j)  # fmt: skip
                for i, j in enumerate(todo)
            }
            pending = set(futures)
            while pending:
                finished, pending = cf.wait(
                    pending, timeout=0.5, return_when=cf.FIRST_COMPLETED
                )
                for fut in sorted(finished, key=lambda f: futures[f][1].name):
                    i, job = futures[fut]
                    if fut.cancelled():
                        continue
                    error = fut.exception()
                    if isinstance(error, InterruptedError):
                        continue
                    if error is not None:
                        yield fail(i, job, error)
                    else:
                        yield finish(i, job, fut.result())
                yield progress.heartbeat(shared[:], done, total)
                if stop.is_set() and not cancelled:
                    cancelled = True
                    mp_stop.set()
                    for fut in pending:
                        fut.cancel()
            frames_total = int(sum(shared[:]))
    if not extracted:
        # made for this import, which gave nothing: not left behind empty (a text
        # file named .mp4 left an empty dataset folder: a trial); one that holds
        # something since, and what holds it, stays
        for folder in made:
            with contextlib.suppress(OSError):
                folder.rmdir()
    actions = sorted({r.action for r in read_labels(root)})
    yield ExtractFinished(
        extracted, skipped, failed, frames_total, time.perf_counter() - t0, cancelled,
        tuple(look_alike_actions(actions) + _merged_folders(planned)),
    )  # fmt: skip


def _merged_folders(jobs: Sequence[VideoJob]) -> list[str]:
    """A warning for each group of action folders that are one action once the
    spaces at their names' ends are dropped ('wave ' and 'wave' became 'wave',
    unsaid: a trial; a videos CSV's fields are stripped as they are read)."""
    by_action: dict[str, set[str]] = {}
    for job in jobs:
        for _, _, action in job.intervals:
            by_action.setdefault(action.strip(), set()).add(action)
    return [
        "actions " + " and ".join(repr(n) for n in sorted(names)) + f" are one, "
        f"{action!r} (spaces at a name's ends are dropped)"
        for action, names in sorted(by_action.items())
        if len(names) > 1
    ]


class _Counter:
    """A frame counter with the ``multiprocessing.Value`` interface, for one process."""

    def __init__(self) -> None:
        self.value = 0
        self._lock = threading.Lock()

    def get_lock(self) -> threading.Lock:
        return self._lock
