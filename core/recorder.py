"""Record takes of the user's actions: camera or video -> MediaPipe -> a recording file.

:func:`record` is a generator of small frozen events, like the training loop and the live
pipeline, so the CLI and the GUI (through ``app.workers.IteratorWorker``, latest-only
mode for the preview) drive it the same way::

    stop = threading.Event()
    for event in record(0, "~/my-actions", action="wave", countdown=3, stop=stop):
        ...  # RecordCountdown / RecordStarted / RecordProgress / RecordFinished

Frames are decoded on the capture thread, the pose is estimated on the calling thread and
every frame is appended to ``<dataset>/<name>.jsonl`` with its timestamp
(:class:`core.datasets.recording.RecordingWriter`: synced at least every second, so a
killed process loses at most the last second). A mirrored source (a selfie camera) is
flipped back before pose estimation, as in Live. When an action is given, the whole
recording becomes a take: a row ``name,0,duration,action`` is added to ``labels.csv``
when it ends (if a person was seen at all).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from core.datasets.custom import (
    LabelInterval,
    add_label,
    next_take_name,
    read_labels,
    recording_path,
)
from core.datasets.recording import (
    SPARSE_TAKE_SHARE,
    RecordingWriter,
    SourceInfo,
    recording_info,
)
from core.live.capture import VideoSource, is_live, truncation_note
from core.live.pose import MediaPipePose, PoseEstimator


def short_take_note(root: Path, name: str, action: str, seconds: float) -> str:
    """A note when a take is far shorter than the other takes of its action (less
    than half their median): every take is stretched to the model's clip length and
    Live's window follows the takes' median duration, so a cut-short take teaches a
    faster, partial version of the action. ``""`` when it is not, or is the first."""
    # Takes with a person in few frames are no yardstick: a 13.5 s take holding 3.5 s
    # of the person made a good 3.4 s take read as cut short (a re-trial).
    # Only this action's other takes are read (not every recording of the folder).
    rows = [
        iv for iv in read_labels(root) if iv.action == action and iv.recording != name
    ]
    infos = {
        r: recording_info(recording_path(root, r))
        for r in {iv.recording for iv in rows}
    }
    others = [
        iv.duration for iv in rows
        if not (info := infos[iv.recording]).error  # training leaves it out
        and (not info.frames or info.detected >= SPARSE_TAKE_SHARE * info.frames)
    ]  # fmt: skip
    if not others:
        return ""
    typical = float(np.median(others))
    if seconds >= 0.5 * typical:
        return ""
    return (
        f"{name!r} is {seconds:.1f} s long, far shorter than your other {action!r} "
        f"takes ({typical:.1f} s typically): a take that holds the whole action "
        "teaches it better; delete it and record it again if it was cut short"
    )


def sparse_take_note(name: str, action: str, frames: int, detected: int) -> str:
    """A note when a person was seen in few of a take's frames (out of the picture,
    too small, too dark): the take is labelled, but teaches little of the action
    (``""`` otherwise)."""
    if not frames or detected >= SPARSE_TAKE_SHARE * frames:
        return ""
    return (
        f"a person was seen in only {detected} of the {frames} frames of {name!r}: it "
        f"is labelled {action!r}, but teaches little of it; record it again with "
        "your whole body in the picture (or delete it)"
    )


@dataclass(frozen=True)
class RecordCountdown:
    """The countdown before recording runs; nothing is written yet.

    Attributes:
        seconds_left: Seconds until recording starts.
        frame: The current frame (BGR, as the model sees it: flipped back if mirrored).
    """

    seconds_left: float
    frame: np.ndarray


@dataclass(frozen=True)
class RecordStarted:
    """The recording file exists; frames follow.

    Attributes:
        path: The recording file.
        name: Recording name.
        source: Where the frames come from.
    """

    path: Path
    name: str
    source: SourceInfo


@dataclass(frozen=True)
class RecordProgress:
    """One frame was written.

    Attributes:
        frames: Frames written so far.
        seconds: Recording time so far (timestamp of this frame).
        detected: Frames with a person so far.
        synced: Frames already synced to disk (safe if the process is killed).
        frame: The frame (BGR, flipped back if the source is mirrored).
        landmarks: ``(33, 2)`` pixel coordinates of the pose, or ``None``.
        visibility: ``(33,)`` landmark visibility, or ``None``.
    """

    frames: int
    seconds: float
    detected: int
    synced: int
    frame: np.ndarray
    landmarks: np.ndarray | None
    visibility: np.ndarray | None


@dataclass(frozen=True)
class RecordFinished:
    """The recording was closed (its file is complete and readable).

    Attributes:
        path: The recording file.
        name: Recording name.
        frames: Frames written.
        seconds: Duration (last timestamp plus one frame period).
        detected: Frames with a person.
        label: The take's row added to ``labels.csv``, or ``None``.
        reason: ``"stopped"`` (the stop flag), ``"eof"`` (end of the video),
            ``"max_seconds"``, ``"max_frames"``, or ``"cancelled"``: stopped during
            the countdown, before any frame, when no file is written (``path`` does
            not exist).
        warning: A problem worth showing (``""`` if none), e.g. nobody was seen.
    """

    path: Path
    name: str
    frames: int
    seconds: float
    detected: int
    label: LabelInterval | None
    reason: str
    warning: str = ""


RecordEvent = RecordCountdown | RecordStarted | RecordProgress | RecordFinished


def source_info(src: VideoSource, mirrored: bool = False) -> SourceInfo:
    """What a recording's header says about an open video source."""
    if isinstance(src.source, int):
        kind, path, camera = "camera", "", src.source
    else:
        kind = "stream" if is_live(src.source) else "video"
        path, camera = str(src.source), None
    return SourceInfo(
        kind=kind, path=path, camera=camera, fps=float(src.fps), width=int(src.width),
        height=int(src.height), mirrored=bool(mirrored),
    )  # fmt: skip


def record(
    source: VideoSource | int | str | Path,
    root: str | Path,
    name: str | None = None,
    *,
    action: str | None = None,
    subject: str = "",
    stop: threading.Event | None = None,
    pose: PoseEstimator | None = None,
    mirrored: bool = False,
    countdown: float = 0.0,
    max_seconds: float | None = None,
    max_frames: int | None = None,
    overwrite: bool = False,
    pace: bool = False,
) -> Iterator[RecordEvent]:
    """Record one take (or a continuous recording) into the dataset folder ``root``.

    Args:
        source: Camera index, video file, stream URL, or an open :class:`VideoSource`
            (closed at the end in every case). A file is read frame by frame (every
            frame kept); open it with ``realtime=True`` to pace it like a camera.
        root: The dataset folder (created if missing).
        name: Recording name; by default the next free ``<action>-NNN`` (or
            ``recording-NNN`` without an action).
        action: Label the whole recording with this action when it ends (a take).
        subject: Who is recorded (saved in the header and the label row).
        stop: Set it to end the recording after the current frame (checked every
            frame, during the countdown too).
        pose: Pose estimator; by default a :class:`MediaPipePose` made (and closed) here.
        mirrored: The source is mirrored (selfie camera): frames are flipped back.
        countdown: Seconds of preview before recording starts: a camera's (or
            stream's) frames meanwhile are shown, not recorded; a video file waits on
            the clock over its first frame and loses none.
        max_seconds: Stop after this many seconds of recording.
        max_frames: Stop after this many frames.
        overwrite: Replace a recording of the same name.
        pace: Record a video file at its own rate, as a camera would deliver it (a
            file standing in for a camera in the GUI: read as fast as the pose
            estimator goes, a 5 s take took 2 s on screen). Every frame is kept:
            a slower estimator falls behind, it skips nothing.

    Yields:
        :class:`RecordCountdown` (during the countdown), :class:`RecordStarted`,
        :class:`RecordProgress` per frame, and finally :class:`RecordFinished`.

    Raises:
        core.live.capture.SourceOpenError: If the source cannot be opened.
        core.live.capture.SourceStalledError: If a camera stops delivering frames (what was
            recorded until then stays in the file, closed with its footer).
        FileExistsError: If the recording exists and ``overwrite`` is false.
        ValueError: If the name is invalid.
    """
    stop = stop or threading.Event()
    root = Path(root).expanduser()
    name = name or next_take_name(root, action or "recording")
    path = recording_path(root, name)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path}: a recording of that name exists")
    src = source if isinstance(source, VideoSource) else VideoSource(source)
    estimator: PoseEstimator | None = pose
    writer: RecordingWriter | None = None
    try:
        if estimator is None:
            estimator = MediaPipePose()
        info = source_info(src, mirrored)
        reason = "eof"
        frames = detected = 0
        last_index = -1  # the source's last frame read
        first_t: float | None = None
        countdown_end: float | None = None
        clock: tuple[float, float] | None = None  # (monotonic, file time) at start
        pending = None
        if countdown > 0 and not src.live:
            # A file does not run on while the person gets ready: the countdown waits
            # on the clock over its first frame, which is then recorded (counting down
            # in the file's own time dropped its first seconds, silently).
            pending = src.read()
            if pending is not None:
                still = cv2.flip(pending.image, 1) if mirrored else pending.image
                end = time.monotonic() + countdown
                while not stop.is_set() and (left := end - time.monotonic()) > 0:
                    yield RecordCountdown(left, still)
                    time.sleep(min(0.1, left))
            countdown = 0.0
        while True:
            if stop.is_set():
                reason = "stopped"
                break
            frame, pending = (
                (pending, None) if pending is not None else (src.read(), None)
            )
            if frame is None:
                break
            last_index = frame.index
            image = cv2.flip(frame.image, 1) if mirrored else frame.image
            if countdown > 0:
                if countdown_end is None:
                    countdown_end = frame.timestamp + countdown
                if frame.timestamp < countdown_end:
                    yield RecordCountdown(countdown_end - frame.timestamp, image)
                    continue
            if pace and not src.live:
                if clock is None:
                    clock = (time.monotonic(), frame.timestamp)
                ahead = clock[0] + (frame.timestamp - clock[1]) - time.monotonic()
                if ahead > 0 and stop.wait(ahead):
                    reason = "stopped"
                    break
            result = estimator.estimate(image)
            if writer is None:
                writer = RecordingWriter(
                    path, "mp33", info, subject=subject, overwrite=overwrite
                )
                yield RecordStarted(path, name, info)
            if first_t is None:
                first_t = frame.timestamp
            writer.add_pose(frame.timestamp, result)
            frames += 1
            detected += result is not None
            yield RecordProgress(
                frames=frames,
                seconds=frame.timestamp - first_t,
                detected=detected,
                synced=writer.synced_frames,
                frame=image,
                landmarks=None if result is None else result.pixels(),
                visibility=None if result is None else result.visibility,
            )
            if max_frames is not None and frames >= max_frames:
                reason = "max_frames"
                break
            # A take of N seconds ends with the frame whose period reaches N: the
            # frame at N itself made a 2-second take 61 frames, 2.03 s (a trial).
            period = 1.0 / info.fps if info.fps and info.fps > 0 else 0.0
            length = frame.timestamp - first_t + period
            if max_seconds is not None and length >= max_seconds - 1e-3:
                reason = "max_seconds"
                break
        if writer is None and reason == "stopped":
            # Stopped during the countdown: no take (an empty one was saved, said to
            # be one where "nobody was seen", beside a frame showing the person).
            yield RecordFinished(path, name, 0, 0.0, 0, None, "cancelled")
            return
        if writer is None:  # nothing recorded (a video without a frame): an empty take
            writer = RecordingWriter(
                path, "mp33", info, subject=subject, overwrite=overwrite
            )
            yield RecordStarted(path, name, info)
        writer.close()
        seconds = (writer.duration + 1.0 / max(info.fps, 1e-6)) if frames else 0.0
        label = None
        warning = ""
        if action is not None and detected:
            try:
                label = add_label(root, name, 0.0, seconds, action, subject)
            except ValueError as exc:  # labels.csv damaged (by hand): the take stays
                # It read "Recording failed: labels.csv:3: …" over a take saved whole
                # (a trial).
                yield RecordFinished(
                    path, name, frames, seconds, detected, None, reason,
                    f"{name!r} was saved but not labelled {action!r}: {exc}; fix that "
                    "file, then label the take on the timeline",
                )  # fmt: skip
                return
            warning = sparse_take_note(name, action, frames, detected) or (
                short_take_note(root, name, action, seconds)
            )
        elif action is not None:
            warning = (
                f"nobody was seen in {name!r}: the take was kept but not labelled "
                f"{action!r}"
            )
        cut = (
            truncation_note(src.source, src.frame_count, last_index + 1, src.late_start)
            if reason == "eof" and not src.live
            else ""
        )
        if cut:  # a video cut short (or cut while read): the take ends there (a trial)
            warning = "; ".join(
                w for w in (warning, f"the take ends early: {cut}") if w
            )
        yield RecordFinished(
            path, name, frames, seconds, detected, label, reason, warning
        )
    finally:
        if writer is not None:
            writer.close()
        if pose is None and estimator is not None:
            estimator.close()
        src.close()


def record_main(argv: list[str] | None = None) -> int:
    """``python -m core.recorder VIDEO DATASET NAME``: record a video file.

    A small entry point used by the crash-safety test (a real process that is killed
    mid-take); it prints ``frames <n> synced <m>`` after every frame.
    """
    import argparse

    p = argparse.ArgumentParser(prog="python -m core.recorder")
    p.add_argument("video")
    p.add_argument("dataset")
    p.add_argument("name")
    p.add_argument("--action")
    p.add_argument("--mirrored", action="store_true")
    p.add_argument("--max-frames", type=int)
    args = p.parse_args(argv)
    for event in record(
        args.video, args.dataset, args.name, action=args.action,
        mirrored=args.mirrored, max_frames=args.max_frames,
    ):  # fmt: skip
        if isinstance(event, RecordProgress):
            print(f"frames {event.frames} synced {event.synced}", flush=True)
        elif isinstance(event, RecordFinished):
            print(f"finished {event.frames} {event.reason}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(record_main())
