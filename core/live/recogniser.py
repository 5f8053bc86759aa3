"""The live recogniser: sliding window, periodic classification, smoothing, threshold.

:class:`RealtimeRecognizer` feeds a :class:`core.live.window.SlidingWindow`, predicts
every ``k`` frames (inline, or on a worker thread that never queues more than the newest
window), smooths probabilities with an exponential moving average and applies a
confidence threshold ("no action"). :class:`LiveSettings` is the one place its defaults
are written: the Live panel, ``ms2l infer`` and the sequence prediction of
:mod:`core.inference.sequences` all read them from here.

Skeletons in the window are raw Kinect camera-space joints ``(M, V, 3)`` in the model's
layout; the :class:`~core.inference.Predictor` applies exactly the training normalisation.
The window is resampled to the model's ``T`` frames with :func:`core.preprocess.resample`,
so a camera at 15 or 30 FPS feeds the model the same time scale as its training clips.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from core.live.window import SlidingWindow
from core.preprocess import pad_bodies
from core.skeleton import get_layout

if TYPE_CHECKING:
    from core.config import TrainConfig

# Used when a model does not record the duration of its training clips.
FALLBACK_WINDOW_SECONDS = 2.0
# Frame rate of the training recordings (NTU RGB+D, PKU-MMD and NW-UCLA: Kinect, ~30 FPS).
TRAINING_FPS = 30.0


class ClassifierLike(Protocol):
    """What the recogniser needs from :class:`core.inference.Predictor`."""

    labels: list[str]
    layout: str
    num_bodies: int
    T: int
    window_seconds: float
    config: TrainConfig

    def predict_proba(self, clips: Sequence[np.ndarray]) -> np.ndarray:
        """Class probabilities ``(N, K)`` for raw clips ``(t_i, M, V, 3)``."""
        ...


# Window durations the recogniser accepts (the CLI's --window-seconds, Live's Window):
# from a few frames at 30 FPS to a PKU-MMD-long action.
WINDOW_SECONDS_RANGE = (0.1, 600.0)


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


def frames_too_far_apart(fps: float, settings: LiveSettings) -> str | None:
    """Why an input can never fill the window: its frames are further apart than the
    gap the window bridges, so every frame empties it again.

    No window length helps then; only a higher frame rate does. The Live panel and
    ``ms2l infer`` give this as the reason when nothing was predicted.

    Args:
        fps: Frame rate of the input (frames the recogniser receives per second).
        settings: Supplies ``max_gap_seconds``.

    Returns:
        A clause naming the frame rate and the lowest one that works, or ``None`` when
        the frame rate is high enough (or unknown, or no gap is bridged at all).
    """
    gap = settings.max_gap_seconds
    if not (np.isfinite(fps) and fps > 0) or gap <= 0:
        return None
    interval = 1.0 / fps
    if interval <= gap + 1e-9:  # the tolerance of SlidingWindow.push
        return None
    return (
        f"the input runs at {fps:.3g} FPS: its frames are {interval:.3g} s apart, more "
        f"than the {gap:g} s gap the window bridges, so every frame starts the window "
        f"again; it needs at least {1.0 / gap:.3g} FPS"
    )


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
        unfamiliar: "No action" because the probabilities are (nearly) flat: their
            spread is below :data:`FLAT_SPREAD` ``/ K``, which is what the model's
            novelty check makes of motion unlike its training clips
            (:mod:`core.inference.novelty`); never with an action, whatever the
            threshold (with two classes, flat is 50 % each).
    """

    probabilities: np.ndarray | None = None
    top_k: tuple[tuple[str, float], ...] = ()
    action: str | None = None
    fresh: bool = False
    window_fill: float = 0.0
    predict_ms: float = math.nan
    unfamiliar: bool = False

    @property
    def shown(self) -> str:
        """The answer as a person reads it: the action, else "no action" (with
        "unfamiliar motion" when that is why)."""
        if self.action is not None:
            return self.action
        return "no action (unfamiliar motion)" if self.unfamiliar else "no action"


FLAT_SPREAD = 0.2


def has_novelty_check(predictor: object) -> bool:
    """Whether a model flattens the probabilities of motion unlike its training
    clips (:mod:`core.inference.novelty`); a model without the attribute is taken to
    have one, as flat answers are then all there is to go by."""
    return getattr(predictor, "novelty", True) is not None


def flat_rows(probs: np.ndarray) -> np.ndarray:
    """``(W,)`` bool: which rows of ``(W, K)`` probabilities are (nearly) flat, spread
    below :data:`FLAT_SPREAD` ``/ K`` -- no class is the answer (never for ``K = 1``)."""
    p = np.asarray(probs, np.float64)
    k = p.shape[-1]
    return (p.max(axis=-1) - p.min(axis=-1) < FLAT_SPREAD / k) & (k > 1)


def smooth(previous: np.ndarray | None, new: np.ndarray, weight: float) -> np.ndarray:
    """One step of the exponential moving average of class probabilities.

    Args:
        previous: The smoothed probabilities so far, or ``None`` (first prediction).
        new: The classifier's new probabilities ``(K,)``.
        weight: Weight of ``new``, in ``(0, 1]`` (:attr:`LiveSettings.smoothing`).

    Returns:
        The new smoothed probabilities ``(K,)`` float64.
    """
    new = np.asarray(new, np.float64)
    return new if previous is None else weight * new + (1 - weight) * previous


def ranked(
    probs: np.ndarray, labels: Sequence[str], k: int
) -> tuple[tuple[str, float], ...]:
    """The ``k`` most probable ``(label, probability)`` pairs, best first (ties in
    label order): the live state's top-k, Replay's top answers, ``ms2l infer``'s whole
    clip."""
    order = np.argsort(-probs, kind="stable")[:k]
    return tuple((labels[i], float(probs[i])) for i in order)


def make_prediction(
    probs: np.ndarray | None,
    labels: Sequence[str],
    settings: LiveSettings,
    fresh: bool = False,
    window_fill: float = 0.0,
    predict_ms: float = math.nan,
    novelty: bool = True,
) -> Prediction:
    """The recogniser state for smoothed probabilities: top-k and thresholded action.

    Args:
        probs: Smoothed probabilities ``(K,)``, or ``None`` before the first prediction.
        labels: Class names in label order.
        settings: Supplies ``top_k`` and ``threshold``.
        fresh: Whether a classifier output arrived with this frame.
        window_fill: Covered share of the window.
        predict_ms: Latency of the classifier run that arrived.
        novelty: The model has a novelty check, so flat probabilities are its
            "unfamiliar motion"; without one they are only a model unsure among its
            classes ("no action", not "unfamiliar": a trial of a model of 3 clips).

    Returns:
        The state.
    """
    if probs is None:
        return Prediction(window_fill=window_fill, predict_ms=predict_ms)
    top = ranked(probs, labels, settings.top_k)
    flat = bool(flat_rows(probs))
    action = top[0][0] if top[0][1] >= settings.threshold and not flat else None
    return Prediction(
        probabilities=np.asarray(probs, np.float32),
        top_k=top,
        action=action,
        fresh=fresh,
        window_fill=window_fill,
        predict_ms=predict_ms,
        unfamiliar=flat and novelty,
    )


@dataclass(frozen=True)
class WindowStep:
    """What one frame did to the window (:meth:`RealtimeRecognizer.advance`).

    Attributes:
        clip: The window resampled for the classifier, when a prediction is due now.
        reset: The window was emptied: the smoothed probabilities no longer apply.
        fill: Covered share of the window after this frame.
    """

    clip: np.ndarray | None
    reset: bool
    fill: float


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
                job, self._job = self._job, None
                assert job is not None  # wait_for returned and no stop was asked
                generation, clip = job
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


@dataclass
class LiveTuning:
    """Threshold and smoothing changed while the recogniser runs (the Live panel's
    boxes): :func:`core.live.pipeline.run_live` applies them at the next frame. Each
    field is replaced whole, so another thread may set it at any time."""

    threshold: float
    smoothing: float


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
        self._novelty = has_novelty_check(predictor)  # fixed with the model
        self.settings = settings or LiveSettings()
        seconds = self.settings.window_seconds or float(
            predictor.window_seconds or FALLBACK_WINDOW_SECONDS
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
        if self.predictor.config.data.time_mode != "pad":
            return self.T
        frames = round(self.window.duration * TRAINING_FPS) + 1
        return int(min(self.T, max(2, frames)))

    @property
    def window_seconds(self) -> float:
        """Duration of the sliding window in seconds."""
        return self.window.seconds

    def retune(self, tuning: LiveTuning) -> None:
        """Take a new threshold and smoothing (validated as :class:`LiveSettings`
        does) from the next frame on; the window and its answers so far are kept."""
        threshold, smoothing = float(tuning.threshold), float(tuning.smoothing)
        if (threshold, smoothing) != (self.settings.threshold, self.settings.smoothing):
            self.settings = dataclasses.replace(
                self.settings, threshold=threshold, smoothing=smoothing
            )

    def _state(self, fresh: bool, predict_ms: float) -> Prediction:
        return make_prediction(
            self._probs, self.labels, self.settings, fresh, self.window.fill,
            predict_ms, self._novelty,
        )  # fmt: skip

    def _absorb(self, probs: np.ndarray) -> None:
        self._probs = smooth(self._probs, probs, self.settings.smoothing)

    def reset(self) -> None:
        """Forget the window and the smoothed probabilities (e.g. another person)."""
        self.window.reset()
        self._generation += 1
        self._probs = None
        self._since_predict = 0

    def advance(self, timestamp: float, skeleton: np.ndarray | None) -> WindowStep:
        """Add one frame to the window and say whether a prediction is due.

        This is the window half of :meth:`push`, without classifying: a caller that has
        the whole sequence (:func:`core.inference.sequences.predict_sequence`) collects
        the due clips, classifies them in batches and smooths the results with
        :func:`smooth` exactly as :meth:`push` does.

        Args:
            timestamp: Seconds since the start of the source (non-decreasing).
            skeleton: ``(V, 3)`` or ``(M, V, 3)`` joints in the model's layout, raw
                camera space; ``None`` when no person was found.

        Returns:
            The clip to classify (if due), whether the window was emptied, its fill.

        Raises:
            ValueError: If the skeleton has the wrong number of joints.
        """
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
            if (
                len(skeleton) > self.num_bodies
                and not skeleton[: self.num_bodies].any()
            ):
                # the bodies the model reads are all empty, another is in view: read
                # it (windows of nobody stopped a whole file's prediction: a trial);
                # a model's slots are not mixed while one of them is filled (only
                # then is each body looked at: a live frame has one)
                here = np.any(skeleton != 0, axis=(1, 2))
                skeleton = skeleton[np.argsort(~here, kind="stable")]
            skeleton = pad_bodies(skeleton[None], self.num_bodies)[0]
        kept = self.window.push(timestamp, skeleton)
        reset = not kept or len(self.window) == 0
        if reset:
            self._generation += 1
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
        return WindowStep(clip, reset, self.window.fill)

    def push(self, timestamp: float, skeleton: np.ndarray | None) -> Prediction:
        """Process one frame.

        Args:
            timestamp: Seconds since the start of the source (non-decreasing: one
                that goes back, as a looped file's, empties the window, as a gap
                longer than ``LiveSettings.max_gap_seconds`` does).
            skeleton: ``(V, 3)`` or ``(M, V, 3)`` joints in the model's layout, raw
                camera space; ``None`` when no person was found.

        Returns:
            The recogniser state after this frame.

        Raises:
            RuntimeError: If the classifier failed on the worker thread.
            ValueError: If the skeleton has the wrong number of joints.
        """
        t0 = time.perf_counter()
        step = self.advance(timestamp, skeleton)
        if step.reset:
            self._probs = None
        clip = step.clip
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
