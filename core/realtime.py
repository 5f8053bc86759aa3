"""Live recognition: frames -> pose -> skeleton -> sliding window -> smoothed predictions.

Three pieces, usable separately:

* :class:`SlidingWindow` keeps the last ``seconds`` of skeletons by timestamp. Frames
  without a person are bridged when the gap is short (the missing frames are filled by
  linear interpolation once the person is seen again, and the window is held meanwhile)
  and reset it when the gap is long, so a prediction never mixes two people or two takes.
* :class:`RealtimeRecognizer` feeds a window, predicts every ``k`` frames (inline, or on
  a worker thread that never queues more than the newest window), smooths probabilities
  with an exponential moving average and applies a confidence threshold ("no action").
* :func:`run_live` wires a :class:`core.capture.VideoSource`, a pose estimator and a
  recogniser into one generator of :class:`LiveUpdate` events. Stages overlap: the capture
  thread decodes the next frame while pose runs on the current one, and the classifier
  runs on its own thread so that it never delays pose.

Skeletons in the window are raw Kinect camera-space joints ``(M, V, 3)`` in the model's
layout; the :class:`Predictor` applies exactly the training normalisation. The window is
resampled to the model's ``T`` frames with :func:`core.preprocess.resample`, so a camera
at 15 or 30 FPS feeds the model the same time scale as its training clips.
"""

from __future__ import annotations

import collections
import math
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from core.capture import Frame, VideoSource
from core.pose import MediaPipePose, PoseEstimator, PoseResult, mediapipe_to_kinect
from core.preprocess import pad_bodies, resample
from core.skeleton import MP33, convert, get_layout

# Used when a model does not record the duration of its training clips.
FALLBACK_WINDOW_SECONDS = 2.0
# Frame rate of the training recordings (NTU RGB+D, PKU-MMD and NW-UCLA: Kinect, ~30 FPS).
TRAINING_FPS = 30.0
STAGES = ("decode", "pose", "convert", "window", "predict", "total")


class ClassifierLike(Protocol):
    """What the recogniser needs from :class:`core.inference.Predictor`."""

    labels: list[str]
    layout: str
    num_bodies: int
    T: int
    window_seconds: float

    def predict_proba(self, clips: Sequence[np.ndarray]) -> np.ndarray:
        """Class probabilities ``(N, K)`` for raw clips ``(t_i, M, V, 3)``."""
        ...


@dataclass(frozen=True)
class LiveSettings:
    """Settings of the live recogniser (all plain data, safe to store in a GUI config).

    Attributes:
        window_seconds: Window duration; ``None`` = the model's ``window_seconds`` (the
            median duration of its training clips), or 2 s if the model lacks it.
        predict_every: Run the classifier every this many frames with a person.
        smoothing: EMA weight of a new prediction, in ``(0, 1]`` (1 = no smoothing).
        threshold: Smoothed top-1 probability below which the state is "no action".
        top_k: Number of ``(label, probability)`` pairs reported.
        max_gap_seconds: Longest run without a person that is bridged; longer resets.
        min_fill: Share of ``window_seconds`` the window must cover before predicting.
        mirrored: The source is mirrored (a selfie camera, the NTU colour video): frames
            are flipped back before anything else sees them.
        asynchronous: Predict on a worker thread (live use); ``False`` predicts inline,
            which is deterministic (offline files, tests).
        realtime: Pace a video file like a camera, dropping frames when behind;
            ``None`` = only for cameras and streams.
        size: Resize frames to ``(width, height)`` after decoding (``None`` = native).
    """

    window_seconds: float | None = None
    predict_every: int = 5
    smoothing: float = 0.5
    threshold: float = 0.4
    top_k: int = 3
    max_gap_seconds: float = 0.5
    min_fill: float = 0.5
    mirrored: bool = False
    asynchronous: bool = True
    realtime: bool | None = None
    size: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if self.window_seconds is not None and not self.window_seconds > 0:
            raise ValueError(f"window_seconds must be > 0, got {self.window_seconds}")
        if self.predict_every < 1:
            raise ValueError(f"predict_every must be >= 1, got {self.predict_every}")
        if not 0 < self.smoothing <= 1:
            raise ValueError(f"smoothing must be in (0, 1], got {self.smoothing}")
        if not 0 <= self.threshold <= 1:
            raise ValueError(f"threshold must be in [0, 1], got {self.threshold}")
        if self.max_gap_seconds < 0 or not 0 <= self.min_fill <= 1:
            raise ValueError("max_gap_seconds must be >= 0 and min_fill in [0, 1]")


@dataclass(frozen=True)
class StageTimings:
    """Per-frame latency of each stage in milliseconds (``nan`` = not run this frame).

    ``predict`` is the latency of the classifier run that finished for this frame
    (possibly started a few frames earlier on the worker thread); ``total`` runs from
    the moment decoding finished to the moment the update is produced, plus decoding.
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
class Prediction:
    """The recogniser's state after one frame.

    Attributes:
        probabilities: Smoothed class probabilities ``(K,)``, or ``None`` before the
            first prediction of the current window.
        top_k: ``((label, probability), ...)`` best first.
        action: Top-1 label if its smoothed probability reaches the threshold, else
            ``None`` ("no action").
        fresh: Whether a new classifier output arrived with this frame.
        window_fill: Covered share of the window duration, in ``[0, 1]``.
        predict_ms: Latency of the classifier run that arrived (``nan`` if none).
    """

    probabilities: np.ndarray | None = None
    top_k: tuple[tuple[str, float], ...] = ()
    action: str | None = None
    fresh: bool = False
    window_fill: float = 0.0
    predict_ms: float = math.nan


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

    @property
    def top_k(self) -> tuple[tuple[str, float], ...]:
        """Shortcut for ``prediction.top_k``."""
        return self.prediction.top_k

    @property
    def action(self) -> str | None:
        """Shortcut for ``prediction.action`` (``None`` = no action)."""
        return self.prediction.action


class SlidingWindow:
    """The last ``seconds`` of skeletons, indexed by timestamp, with gap handling.

    Args:
        seconds: Window duration.
        max_gap: Longest stretch without a person (seconds) that is bridged; a longer
            one empties the window.
    """

    def __init__(self, seconds: float, max_gap: float = 0.5) -> None:
        if not seconds > 0:
            raise ValueError(f"window duration must be > 0, got {seconds}")
        self.seconds = float(seconds)
        self.max_gap = float(max_gap)
        self._times: collections.deque[float] = collections.deque()
        self._frames: collections.deque[np.ndarray] = collections.deque()
        self._missing: list[float] = []
        self.resets = 0

    def __len__(self) -> int:
        return len(self._frames)

    @property
    def duration(self) -> float:
        """Seconds between the first and last skeleton held (0 with fewer than two)."""
        return self._times[-1] - self._times[0] if len(self._times) > 1 else 0.0

    @property
    def fill(self) -> float:
        """Covered share of the window duration, in ``[0, 1]``."""
        return min(1.0, self.duration / self.seconds)

    def reset(self) -> None:
        """Forget every skeleton."""
        self._times.clear()
        self._frames.clear()
        self._missing.clear()
        self.resets += 1

    def push(self, timestamp: float, skeleton: np.ndarray | None) -> bool:
        """Add one frame's skeleton, or record that nobody was seen.

        Args:
            timestamp: Seconds; must not decrease.
            skeleton: ``(M, V, C)`` joints, or ``None`` (no person, or joints not finite).

        Returns:
            ``False`` if this frame emptied the window (a long gap or a time jump).
        """
        if skeleton is not None and not np.isfinite(skeleton).all():
            skeleton = None
        last = self._times[-1] if self._times else None
        if last is not None and (
            timestamp < last or timestamp - last > self.max_gap + 1e-9
        ):
            self.reset()
            if skeleton is None:
                return False
            last = None
        if skeleton is None:
            if last is not None:
                self._missing.append(timestamp)
            return True
        skeleton = np.asarray(skeleton, dtype=np.float32)
        if last is not None and self._missing:
            # Bridge the gap: the person moved from the last pose to this one meanwhile.
            prev = self._frames[-1]
            for t in self._missing:
                w = (t - last) / (timestamp - last) if timestamp > last else 1.0
                self._times.append(t)
                self._frames.append(prev + np.float32(w) * (skeleton - prev))
        self._missing.clear()
        self._times.append(timestamp)
        self._frames.append(skeleton)
        while self._times and self._times[0] < timestamp - self.seconds - 1e-9:
            self._times.popleft()
            self._frames.popleft()
        return True

    def clip(self) -> np.ndarray | None:
        """The held skeletons ``(t, M, V, C)`` float32, oldest first, or ``None``."""
        if not self._frames:
            return None
        return np.stack(self._frames)

    def resampled(self, length: int) -> np.ndarray | None:
        """The held skeletons resampled to ``length`` frames, or ``None`` if empty."""
        x = self.clip()
        return None if x is None else resample(x, length)


class _PredictWorker:
    """Runs the classifier on its own thread, on the newest submitted window only."""

    def __init__(self, predictor: ClassifierLike) -> None:
        self._predictor = predictor
        self._cond = threading.Condition()
        self._job: tuple[int, np.ndarray] | None = None
        self._result: tuple[int, np.ndarray, float] | None = None
        self._error: BaseException | None = None
        self._stop = False
        self.busy = False
        self._thread = threading.Thread(target=self._run, name="predict", daemon=True)
        self._thread.start()

    def submit(self, generation: int, clip: np.ndarray) -> None:
        with self._cond:
            self._job = (generation, clip)  # replaces an older pending job
            self._cond.notify_all()

    def take(self) -> tuple[int, np.ndarray, float] | None:
        with self._cond:
            if self._error is not None:
                raise RuntimeError(f"prediction failed: {self._error}") from self._error
            out, self._result = self._result, None
            return out

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._stop or self._job is not None)
                if self._stop:
                    return
                (generation, clip), self._job = self._job, None
                self.busy = True
            try:
                t0 = time.perf_counter()
                probs = self._predictor.predict_proba([clip])[0]
                ms = (time.perf_counter() - t0) * 1e3
            except BaseException as exc:  # surfaced in the consumer thread by take()
                with self._cond:
                    self._error, self.busy = exc, False
                return
            with self._cond:
                self._result = (generation, np.asarray(probs, np.float64), ms)
                self.busy = False

    def close(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join()


class RealtimeRecognizer:
    """Sliding window + periodic classification + smoothing + threshold.

    Args:
        predictor: A loaded model (:class:`core.inference.Predictor` or alike).
        settings: Live settings.

    Call :meth:`push` once per frame with the skeleton in the model's layout, and
    :meth:`close` at the end (it joins the prediction thread).
    """

    def __init__(
        self, predictor: ClassifierLike, settings: LiveSettings | None = None
    ) -> None:
        self.predictor = predictor
        self.settings = settings or LiveSettings()
        seconds = self.settings.window_seconds or float(
            getattr(predictor, "window_seconds", 0.0) or FALLBACK_WINDOW_SECONDS
        )
        self.window = SlidingWindow(seconds, self.settings.max_gap_seconds)
        self.labels = list(predictor.labels)
        self.layout = predictor.layout
        self.num_bodies = int(predictor.num_bodies)
        self.T = int(predictor.T)
        self._probs: np.ndarray | None = None
        self._since_predict = 0
        self._generation = 0  # bumped at every reset, so stale results are dropped
        self._worker = _PredictWorker(predictor) if self.settings.asynchronous else None
        self.last_window_ms = math.nan

    def _target_length(self) -> int:
        """Frames the window is resampled to before the Predictor sees it.

        With ``time_mode="resample"`` (the default) training clips were stretched to
        ``T`` whatever their length, so the window is too. With ``"pad"`` they kept
        their recorded speed, so the window is resampled to the number of frames it
        would have had at the datasets' frame rate, and the Predictor pads it.
        """
        data = getattr(getattr(self.predictor, "config", None), "data", None)
        if getattr(data, "time_mode", "resample") != "pad":
            return self.T
        frames = round(self.window.duration * TRAINING_FPS) + 1
        return int(min(self.T, max(2, frames)))

    @property
    def window_seconds(self) -> float:
        """Duration of the sliding window in seconds."""
        return self.window.seconds

    def _state(self, fresh: bool, predict_ms: float) -> Prediction:
        if self._probs is None:
            return Prediction(window_fill=self.window.fill, predict_ms=predict_ms)
        order = np.argsort(-self._probs)[: self.settings.top_k]
        top = tuple((self.labels[i], float(self._probs[i])) for i in order)
        action = top[0][0] if top[0][1] >= self.settings.threshold else None
        return Prediction(
            probabilities=self._probs.astype(np.float32),
            top_k=top,
            action=action,
            fresh=fresh,
            window_fill=self.window.fill,
            predict_ms=predict_ms,
        )

    def _absorb(self, probs: np.ndarray) -> None:
        a = self.settings.smoothing
        self._probs = (
            probs if self._probs is None else a * probs + (1 - a) * self._probs
        )

    def reset(self) -> None:
        """Forget the window and the smoothed probabilities (e.g. another person)."""
        self.window.reset()
        self._generation += 1
        self._probs = None
        self._since_predict = 0

    def push(self, timestamp: float, skeleton: np.ndarray | None) -> Prediction:
        """Process one frame.

        Args:
            timestamp: Seconds since the start of the source (non-decreasing).
            skeleton: ``(V, 3)`` or ``(M, V, 3)`` joints in the model's layout, raw
                camera space; ``None`` when no person was found.

        Returns:
            The recogniser state after this frame.

        Raises:
            RuntimeError: If the classifier failed on the worker thread.
            ValueError: If the skeleton has the wrong number of joints.
        """
        t0 = time.perf_counter()
        if skeleton is not None and not np.isfinite(skeleton).all():
            skeleton = None  # a partial or corrupt detection counts as no person
        if skeleton is not None:
            skeleton = np.asarray(skeleton, np.float32)
            if skeleton.ndim == 2:
                skeleton = skeleton[None]
            v = get_layout(self.layout).num_joints
            if skeleton.shape[-2:] != (v, 3):
                raise ValueError(
                    f"expected a {self.layout} skeleton (..., {v}, 3), "
                    f"got {skeleton.shape}"
                )
            skeleton = pad_bodies(skeleton[None], self.num_bodies)[0]
        kept = self.window.push(timestamp, skeleton)
        if not kept or len(self.window) == 0:
            self._generation += 1
            self._probs = None
            self._since_predict = 0
        elif skeleton is not None:
            self._since_predict += 1
        clip = None
        due = (
            skeleton is not None
            and self._since_predict >= self.settings.predict_every
            and self.window.fill >= self.settings.min_fill
            and len(self.window) >= 2
        )
        if due:
            clip = self.window.resampled(self._target_length())
            self._since_predict = 0
        self.last_window_ms = (time.perf_counter() - t0) * 1e3

        fresh, predict_ms = False, math.nan
        if self._worker is not None:
            if clip is not None:
                self._worker.submit(self._generation, clip)
            result = self._worker.take()
            if result is not None and result[0] == self._generation:
                self._absorb(result[1])
                fresh, predict_ms = True, result[2]
        elif clip is not None:
            t1 = time.perf_counter()
            probs = np.asarray(self.predictor.predict_proba([clip])[0], np.float64)
            predict_ms = (time.perf_counter() - t1) * 1e3
            self._absorb(probs)
            fresh = True
        return self._state(fresh, predict_ms)

    def close(self) -> None:
        """Stop and join the prediction thread (if any). Idempotent."""
        if self._worker is not None:
            self._worker.close()
            self._worker = None

    def __enter__(self) -> RealtimeRecognizer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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

    Yields:
        One :class:`LiveUpdate` per processed frame.

    Raises:
        core.capture.SourceOpenError: If the source cannot be opened.
        core.capture.SourceStalledError: If a live source stops delivering frames.
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
            )
    finally:
        if recognizer is not None:
            recognizer.close()
        if pose is None and estimator is not None:
            estimator.close()
        src.close()


# Drawing colours (BGR): the person's left side, right side, and the midline.
_LEFT, _RIGHT, _MID = (255, 160, 0), (0, 140, 255), (220, 220, 220)


def draw_pose(
    image: np.ndarray,
    points: np.ndarray,
    visibility: np.ndarray | None = None,
    min_visibility: float = 0.3,
    thickness: int = 2,
) -> None:
    """Draw MediaPipe landmarks (pixels) and bones on a BGR image in place.

    Args:
        image: ``(H, W, 3)`` uint8 BGR image, modified in place.
        points: ``(33, 2)`` pixel coordinates.
        visibility: ``(33,)`` visibility; landmarks below ``min_visibility`` are skipped.
        min_visibility: Visibility threshold.
        thickness: Line thickness in pixels.
    """
    vis = np.ones(len(points)) if visibility is None else visibility
    left = {i for i, n in enumerate(MP33.joints) if n.startswith("left")}
    right = {i for i, n in enumerate(MP33.joints) if n.startswith("right")}
    pts = np.round(points).astype(int)
    for child, parent in MP33.bones:
        if min(vis[child], vis[parent]) < min_visibility:
            continue
        color = _LEFT if child in left else _RIGHT if child in right else _MID
        cv2.line(image, tuple(pts[child]), tuple(pts[parent]), color, thickness)
    for i, p in enumerate(pts):
        if vis[i] >= min_visibility:
            color = _LEFT if i in left else _RIGHT if i in right else _MID
            cv2.circle(image, tuple(p), thickness + 1, color, -1)


def annotate(update: LiveUpdate, font_scale: float | None = None) -> np.ndarray:
    """A copy of the update's frame with the skeleton, top-k labels and FPS drawn on.

    Args:
        update: One update from :func:`run_live`.
        font_scale: OpenCV font scale; by default proportional to the frame height.

    Returns:
        BGR image ``(H, W, 3)`` uint8.
    """
    img = update.frame.copy()
    h = img.shape[0]
    fs = font_scale or max(0.4, 0.7 * h / 720)
    if update.landmarks is not None:
        draw_pose(img, update.landmarks, update.visibility, thickness=max(1, h // 360))
    lines = [f"{update.fps:.1f} FPS"]
    if update.prediction.top_k:
        lines.append(update.action or "no action")
        lines += [f"{p * 100:3.0f}% {label}" for label, p in update.prediction.top_k]
    else:
        lines.append(f"window {update.prediction.window_fill * 100:.0f}%")
    step = int(32 * fs) + 4
    width = max(
        cv2.getTextSize(t, cv2.FONT_HERSHEY_SIMPLEX, fs, 2)[0][0] for t in lines
    )
    # A dark box behind the text keeps it readable on any background.
    box = img[: step * len(lines) + step // 2, : width + int(24 * fs)]
    box[:] = (box * 0.45).astype(np.uint8)
    for i, text in enumerate(lines):
        cv2.putText(
            img, text, (int(10 * fs), step * (i + 1)), cv2.FONT_HERSHEY_SIMPLEX, fs,
            (80, 255, 255) if i == 1 else (255, 255, 255), 2 if i == 1 else 1,
            cv2.LINE_AA,
        )  # fmt: skip
    return img
