"""The live pipeline: frames -> pose -> skeleton -> recogniser, one event per frame.

:func:`run_live` wires a :class:`core.live.capture.VideoSource`, a pose estimator and a
:class:`core.live.recogniser.RealtimeRecognizer` into one generator of
:class:`LiveUpdate` events, each with the latency of every stage. Stages overlap: the
capture thread decodes the next frame while pose runs on the current one, and the
classifier runs on its own thread so that it never delays pose.
"""

from __future__ import annotations

import collections
import math
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from core.live.capture import Frame, VideoSource
from core.live.pose import MediaPipePose, PoseEstimator, PoseResult, mediapipe_to_kinect
from core.live.recogniser import (
    ClassifierLike,
    LiveSettings,
    LiveTuning,
    Prediction,
    RealtimeRecognizer,
)
from core.skeleton import MP33, convert

STAGES = ("decode", "pose", "convert", "window", "predict", "total")


@dataclass(frozen=True)
class StageTimings:
    """Per-frame latency of each stage in milliseconds (``nan`` = not run this frame).

    ``predict`` is the latency of the classifier run that finished for this frame
    (possibly started a few frames earlier on the worker thread); ``total`` runs from
    the moment the frame was delivered (:attr:`core.live.capture.Frame.captured_at`: a
    camera frame once decoded, a file frame once due or once taken from the prefetch
    buffer) to the moment the update is produced, plus decoding. Neither the wait for
    a file frame's playback time nor frames decoded ahead count as latency.
    """

    decode: float = math.nan
    pose: float = math.nan
    convert: float = math.nan
    window: float = math.nan
    predict: float = math.nan
    total: float = math.nan

    def as_dict(self) -> dict[str, float]:
        """The timings as ``{stage: ms}`` in :data:`STAGES` order."""
        return {s: getattr(self, s) for s in STAGES}


@dataclass(frozen=True)
class LiveUpdate:
    """One processed frame of :func:`run_live`.

    Attributes:
        frame: The BGR frame ``(H, W, 3)``, unmirrored (flipped back if the source is).
        index: Frame index in the source.
        timestamp: Seconds since the start of the source.
        landmarks: MediaPipe image landmarks in pixels ``(33, 2)``, or ``None``.
        visibility: Landmark visibility ``(33,)``, or ``None``.
        skeleton: The converted skeleton ``(V, 3)`` in the model's layout, Kinect axes
            (metres, hip-centred), or ``None`` when no person was found.
        layout: Name of the skeleton's layout.
        prediction: Recogniser state (probabilities, top-k, action).
        fps: Processed frames per second over the last second or so.
        timings: Per-stage latency of this frame.
        source_fps: Frame rate of the source (the file's, or the camera's nominal
            one); ``0`` when unknown.
        frame_count: Frames a video file says it holds (``None``: a camera, or a file
            that does not say); a file that ends far earlier is cut short
            (:func:`core.live.capture.truncation_note`).
        late_start: Frames of the file's timeline before its first frame
            (:attr:`core.live.capture.VideoSource.late_start`).
        model: The run folder of the model that answered (``""`` when it has none).
    """

    frame: np.ndarray
    index: int
    timestamp: float
    landmarks: np.ndarray | None
    visibility: np.ndarray | None
    skeleton: np.ndarray | None
    layout: str
    prediction: Prediction
    fps: float
    timings: StageTimings = field(default_factory=StageTimings)
    source_fps: float = 0.0
    frame_count: int | None = None
    late_start: int = 0
    model: str = ""

    @property
    def top_k(self) -> tuple[tuple[str, float], ...]:
        """Shortcut for ``prediction.top_k``."""
        return self.prediction.top_k

    @property
    def action(self) -> str | None:
        """Shortcut for ``prediction.action`` (``None`` = no action)."""
        return self.prediction.action


def pose_to_skeleton(pose: PoseResult, layout: str) -> np.ndarray:
    """MediaPipe world landmarks -> one skeleton in ``layout`` with Kinect axes.

    Args:
        pose: A pose estimated on an unmirrored frame.
        layout: Target layout name (``"ntu25"`` or ``"ucla20"``).

    Returns:
        float32 ``(V, 3)`` in metres, Kinect camera-space axes.
    """
    return convert(mediapipe_to_kinect(pose.world), MP33.name, layout)


def person_switched(before: PoseResult, after: PoseResult, limit: float = 1.0) -> bool:
    """Whether two poses in consecutive detections look like different people.

    MediaPipe follows one person; with several in view it can jump to another. World
    landmarks are hip-centred, so the jump shows only in the image: the hip centre moves
    further than ``limit`` torso lengths (shoulder centre to hip centre) at once, which
    no real movement does between two frames.

    Args:
        before: The previous detection.
        after: The current detection (same frame size).
        limit: Allowed hip-centre displacement in torso lengths.

    Returns:
        True if the window should be reset.
    """

    def centres(p: PoseResult) -> tuple[np.ndarray, float]:
        px = p.pixels()
        hip = px[[23, 24]].mean(0)
        torso = float(np.linalg.norm(px[[11, 12]].mean(0) - hip))
        return hip, torso

    (h0, t0), (h1, t1) = centres(before), centres(after)
    torso = max(t0, t1, 1.0)
    return bool(np.linalg.norm(h1 - h0) > limit * torso)


class _RateMeter:
    """Frames per second over a sliding window of recent frame times."""

    def __init__(self, span: float = 1.0) -> None:
        self.span = span
        self._times: collections.deque[float] = collections.deque()

    def tick(self, now: float) -> float:
        self._times.append(now)
        while len(self._times) > 2 and self._times[0] < now - self.span:
            self._times.popleft()
        if len(self._times) < 2:
            return 0.0
        return (len(self._times) - 1) / max(self._times[-1] - self._times[0], 1e-9)


def run_live(
    source: int | str | Path | VideoSource,
    predictor: ClassifierLike,
    settings: LiveSettings | None = None,
    stop: threading.Event | None = None,
    pose: PoseEstimator | None = None,
    tuning: LiveTuning | None = None,
) -> Iterator[LiveUpdate]:
    """Recognise actions in a camera, video file or stream, one update per frame.

    The capture thread decodes while pose runs on the previous frame; the classifier runs
    on a worker thread (``settings.asynchronous``). Every thread and the camera are
    released when the generator finishes, is closed, or ``stop`` is set.

    Args:
        source: Camera index, video path, stream URL, or an open :class:`VideoSource`
            (which is then closed at the end too).
        predictor: The model (``labels``, ``layout``, ``num_bodies``, ``T``,
            ``window_seconds``, ``predict_proba``).
        settings: Live settings; defaults to :class:`LiveSettings` ``()``.
        stop: Set it to end the stream after the current frame.
        pose: Pose estimator; by default a :class:`MediaPipePose` created (and closed)
            here.
        tuning: Threshold and smoothing another thread may change while this runs
            (taken at every frame).

    Yields:
        One :class:`LiveUpdate` per processed frame.

    Raises:
        core.live.capture.SourceOpenError: If the source cannot be opened.
        core.live.capture.SourceStalledError: If a live source stops delivering frames.
    """
    settings = settings or LiveSettings()
    stop = stop or threading.Event()
    src = (
        source
        if isinstance(source, VideoSource)
        else VideoSource(source, realtime=settings.realtime, size=settings.size)
    )
    estimator: PoseEstimator | None = pose
    recognizer = None
    try:
        if estimator is None:
            estimator = MediaPipePose()
        recognizer = RealtimeRecognizer(predictor, settings)
        model = str(getattr(predictor, "run_dir", "") or "")
        meter = _RateMeter()
        previous: PoseResult | None = None
        while not stop.is_set():
            frame: Frame | None = src.read()
            if frame is None:
                return
            image = cv2.flip(frame.image, 1) if settings.mirrored else frame.image
            t0 = time.perf_counter()
            result = estimator.estimate(image)
            t1 = time.perf_counter()
            skeleton = (
                None if result is None else pose_to_skeleton(result, predictor.layout)
            )
            if (
                result is not None
                and previous is not None
                and person_switched(previous, result)
            ):
                recognizer.reset()
            previous = result if result is not None else previous
            t2 = time.perf_counter()
            if tuning is not None:
                recognizer.retune(tuning)
            state = recognizer.push(frame.timestamp, skeleton)
            now = time.perf_counter()
            timings = StageTimings(
                decode=frame.decode_ms,
                pose=(t1 - t0) * 1e3,
                convert=(t2 - t1) * 1e3,
                window=recognizer.last_window_ms,
                predict=state.predict_ms,
                total=(now - frame.captured_at) * 1e3 + frame.decode_ms,
            )
            yield LiveUpdate(
                frame=image,
                index=frame.index,
                timestamp=frame.timestamp,
                landmarks=None if result is None else result.pixels(),
                visibility=None if result is None else result.visibility,
                skeleton=skeleton,
                layout=predictor.layout,
                prediction=state,
                fps=meter.tick(now),
                timings=timings,
                source_fps=src.fps,
                frame_count=src.frame_count,
                late_start=src.late_start,
                model=model,
            )
    finally:
        if recognizer is not None:
            recognizer.close()
        if pose is None and estimator is not None:
            estimator.close()
        src.close()
