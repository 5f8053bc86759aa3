"""Prediction over a recorded sequence: the one algorithm Replay and ``ms2l infer`` share.

A continuous recording (a PKU-MMD sequence, or any skeleton file) is predicted the way the
live view predicts a camera: the frames, stamped at the recording's frame rate, stream
through the :class:`core.live.recogniser.RealtimeRecognizer` window (same
:class:`~core.live.recogniser.LiveSettings` defaults: window, predict every ``k`` frames,
EMA smoothing, "no action" threshold, gap handling). Because the whole sequence is known,
the due windows are collected first and classified in batches, then smoothed in order
with the recogniser's own :func:`~core.live.recogniser.smooth`; the per-frame states are
exactly those of a frame-by-frame run, for a fraction of the classifier calls' overhead.

:func:`predict_clip` adds the whole-clip prediction (what evaluation does for a trimmed
sample); :func:`score_frames` scores per-frame predictions against labelled intervals.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from core.datasets.base import has_a_skeleton
from core.labels import names_for_sequence
from core.live.recogniser import (
    ClassifierLike,
    LiveSettings,
    Prediction,
    RealtimeRecognizer,
    flat_rows,
    has_novelty_check,
    make_prediction,
    smooth,
)
from core.skeleton import convert

if TYPE_CHECKING:
    from core.datasets.base import SkeletonSequence

# Windows classified per call: large enough to amortise the per-call overhead, small
# enough that a cancel request is seen quickly.
BATCH = 64


def sequence_joints(seq: SkeletonSequence, layout: str) -> np.ndarray:
    """A recording's joints in the model's layout (bodies are matched by the predictor).

    Args:
        seq: The recording as read.
        layout: The model's layout name.

    Returns:
        ``(T, M, V_model, 3)`` float32.

    Raises:
        ValueError: If no converter exists between the two layouts.
    """
    joints = np.asarray(seq.joints, dtype=np.float32)
    return joints if seq.layout == layout else convert(joints, seq.layout, layout)


def window_intervals(
    starts: np.ndarray, window: int, probs: np.ndarray, threshold: float
) -> list[tuple[int, int, int]]:
    """Merge consecutive windows with the same confident top class into intervals.

    :class:`SequencePrediction` uses it with one-frame windows (``window=1``) on the
    frames that have a prediction, so that a frame without one breaks an interval.

    Args:
        starts: First frame of each window, ascending, ``(W,)``.
        window: Window length in frames.
        probs: ``(W, K)`` probabilities of each window.
        threshold: Windows whose top probability is below this count as "no action",
            and so do flat ones (:func:`core.live.recogniser.flat_rows`).

    Returns:
        ``(class, start, end)`` intervals: the class's index in the model's labels,
        frames inclusive.
    """
    intervals: list[tuple[int, int, int]] = []
    top = probs.argmax(axis=1)
    flat = flat_rows(probs)
    for s, label, p, no_class in zip(starts, top, probs.max(axis=1), flat):
        if p < threshold or no_class:
            continue
        start, end = int(s), int(s) + window - 1
        if intervals and intervals[-1][0] == label and start <= intervals[-1][2] + 1:
            intervals[-1] = (int(label), intervals[-1][1], end)
        else:
            intervals.append((int(label), start, end))
    return intervals


@dataclass(frozen=True, eq=False)
class SequencePrediction:
    """The recogniser's state at every frame of a sequence.

    Attributes:
        labels: The model's class names.
        settings: The live settings used.
        fps: Frame rate the frames were stamped with.
        probabilities: ``(n, K)`` float32 smoothed probabilities; ``nan`` rows where
            the recogniser had no prediction (window filling, or emptied by a gap).
        fresh: ``(n,)`` bool, a classifier output arrived at this frame.
        window_fill: ``(n,)`` float32, covered share of the window.
        novelty: The model has a novelty check (flat rows are "unfamiliar").
    """

    labels: tuple[str, ...]
    settings: LiveSettings
    fps: float
    probabilities: np.ndarray
    fresh: np.ndarray
    window_fill: np.ndarray
    novelty: bool = True

    def __len__(self) -> int:
        return len(self.probabilities)

    @property
    def frame_labels(self) -> np.ndarray:
        """``(n,)`` int64 predicted class per frame; ``-1`` = no action."""
        known = ~np.isnan(self.probabilities[:, 0])
        p = np.where(known[:, None], self.probabilities, -1.0)
        confident = known & (p.max(axis=1) >= self.settings.threshold) & ~flat_rows(p)
        return np.where(confident, p.argmax(axis=1), -1).astype(np.int64)

    def actions(self) -> list[str | None]:
        """Predicted class name per frame (``None`` = no action)."""
        return [self.labels[i] if i >= 0 else None for i in self.frame_labels]

    @property
    def intervals(self) -> tuple[tuple[int, int, int], ...]:
        """Predicted ``(class, start, end)`` intervals: the class's index in
        :attr:`labels`, frames inclusive."""
        known = np.flatnonzero(~np.isnan(self.probabilities[:, 0]))
        if not len(known):
            return ()
        merged = window_intervals(
            known, 1, self.probabilities[known], self.settings.threshold
        )
        return tuple(merged)

    def state(self, t: int) -> Prediction:
        """The recogniser state after frame ``t`` (as :meth:`RealtimeRecognizer.push`).

        Args:
            t: Frame index.

        Returns:
            Probabilities, top-k and thresholded action of that frame.
        """
        row = self.probabilities[t]
        probs = None if np.isnan(row[0]) else row.astype(np.float64)
        return make_prediction(
            probs,
            self.labels,
            self.settings,
            fresh=bool(self.fresh[t]),
            window_fill=float(self.window_fill[t]),
            novelty=self.novelty,
        )


PROGRESS_FRAMES = 100
"""Frames between two progress calls of :func:`predict_sequence`."""


def predict_sequence(
    predictor: ClassifierLike,
    joints: np.ndarray,
    fps: float,
    settings: LiveSettings | None = None,
    stop: threading.Event | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SequencePrediction | None:
    """Stream a recorded sequence through the live recogniser, classifying in batches.

    Frame ``t`` is stamped ``t / fps`` seconds; all-zero or non-finite frames count as
    "no person" (bridged when short, resetting the window when long), as in live use.

    Args:
        predictor: The model (:class:`core.inference.Predictor` or alike).
        joints: ``(n, M, V, 3)`` camera-space joints in ``predictor.layout``.
        fps: The recording's frame rate.
        settings: Live settings; defaults to :class:`LiveSettings` ``()``. Its
            ``asynchronous`` flag is ignored (the result is deterministic).
        stop: Abandon the work when set.
        progress: Called with ``(frames done, frames)`` every
            :data:`PROGRESS_FRAMES` frames and at the end (a long recording takes a
            minute or more).

    Returns:
        The per-frame states, or ``None`` if ``stop`` was set.

    Raises:
        ValueError: If ``fps`` is not positive or the joints do not fit the layout.
    """
    if not (fps > 0 and np.isfinite(fps)):  # (inf gave NaN answers: a trial)
        raise ValueError(f"frame rate must be a positive number, got {fps}")
    settings = dataclasses.replace(settings or LiveSettings(), asynchronous=False)
    joints = np.asarray(joints, dtype=np.float32)
    if joints.ndim != 4 or not len(joints):  # numpy's reshape error said nothing
        raise ValueError(
            f"expected a sequence (n, M, V, 3) with n >= 1, got shape {joints.shape}"
        )
    n = len(joints)
    present = np.isfinite(joints).reshape(n, -1).all(-1) & np.any(
        joints.reshape(n, -1) != 0, axis=-1
    )
    recognizer = RealtimeRecognizer(predictor, settings)
    # Pass 1: the window alone; remember at which frames it was emptied and which
    # frames asked for a prediction, and classify those windows a batch at a time.
    resets = np.zeros(n, bool)
    due = np.full(n, -1, np.int64)
    fill = np.zeros(n, np.float32)
    pending: list[np.ndarray] = []
    outputs: list[np.ndarray] = []
    try:
        for t in range(n):
            step = recognizer.advance(t / fps, joints[t] if present[t] else None)
            resets[t], fill[t] = step.reset, step.fill
            if step.clip is not None:
                due[t] = len(outputs) * BATCH + len(pending)
                pending.append(step.clip)
            if len(pending) == BATCH or (t == n - 1 and pending):
                if stop is not None and stop.is_set():
                    return None
                outputs.append(np.asarray(predictor.predict_proba(pending)))
                pending = []
            if progress is not None and ((t + 1) % PROGRESS_FRAMES == 0 or t == n - 1):
                progress(t + 1, n)
    finally:
        recognizer.close()
    probs_of = (
        np.concatenate(outputs)
        if outputs
        else np.zeros((0, len(predictor.labels)), np.float32)
    )
    # Pass 2: smooth in frame order, exactly as RealtimeRecognizer.push does.
    probabilities = np.full((n, len(predictor.labels)), np.nan, np.float32)
    current: np.ndarray | None = None
    for t in range(n):
        if resets[t]:
            current = None
        if due[t] >= 0:
            current = smooth(current, probs_of[due[t]], settings.smoothing)
        if current is not None:
            probabilities[t] = current
    return SequencePrediction(
        labels=tuple(predictor.labels),
        settings=settings,
        fps=float(fps),
        probabilities=probabilities,
        fresh=due >= 0,
        window_fill=fill,
        novelty=has_novelty_check(predictor),
    )


@dataclass(frozen=True, eq=False)
class ClipPrediction:
    """What the model said about one recording.

    Attributes:
        probabilities: ``(K,)`` class probabilities of the whole clip.
        sequence: Per-frame states of the streaming recogniser (continuous sequences),
            or ``None``.
        novelty: The model has a novelty check (see :attr:`unfamiliar`).
    """

    probabilities: np.ndarray
    sequence: SequencePrediction | None = None
    novelty: bool = True

    @property
    def unfamiliar(self) -> bool:
        """The model's novelty check found the whole clip unlike its training clips
        (its probabilities were flattened: no class is the answer); never for a
        model without one."""
        return self.novelty and bool(flat_rows(self.probabilities))

    @property
    def intervals(self) -> tuple[tuple[int, int, int], ...]:
        """Predicted ``(class, start, end)`` intervals: the class's index in the
        labels, frames inclusive (or none)."""
        return () if self.sequence is None else self.sequence.intervals


def no_person_problem(seq: SkeletonSequence) -> str:
    """Why a recording holds nothing to recognise (no frame with a coordinate that
    is not zero or missing), or ``""``."""
    n = seq.num_frames
    if n and not has_a_skeleton(seq.joints):
        return (
            f"no person in any of its {n} frames (every coordinate is missing or "
            "zero): nothing to recognise"
        )
    return ""


STILL_POSE = "1 frame only: a still pose, not a motion: no action can be told from it"


def still_pose_problem(seq: SkeletonSequence) -> str:
    """Why a one-frame recording is not answered (:data:`STILL_POSE`), or ``""``: its
    one pose got a confident answer, 83 % "doffing" for a sample cut to one frame
    (a trial), where every model answers on windows of a second or so."""
    return STILL_POSE if seq.num_frames == 1 else ""


def clip_problem(seq: SkeletonSequence) -> str:
    """Why a recording is not answered (no person in it, or one frame), or ``""``."""
    return no_person_problem(seq) or still_pose_problem(seq)


def predict_clip(
    predictor: ClassifierLike,
    seq: SkeletonSequence,
    settings: LiveSettings | None = None,
    stop: threading.Event | None = None,
    continuous: bool | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ClipPrediction:
    """Predict a recording as a whole and, if continuous, frame by frame.

    Args:
        predictor: The model.
        seq: The recording (converted to the model's layout here).
        settings: Live settings for the per-frame prediction.
        stop: Abandon the per-frame prediction when set (the result then has none).
        continuous: Predict frame by frame; ``None`` = only for sequences with
            labelled intervals (PKU-MMD), whose whole-clip label means little.
        progress: As for :func:`predict_sequence`.

    Returns:
        The prediction.

    Raises:
        ValueError: If the layouts cannot be converted, or the clip has no skeleton
            or one frame only.
    """
    problem = clip_problem(seq)
    if problem:  # the predictor's "clip 0 has no skeleton" named no file (a trial)
        raise ValueError(f"{seq.source or seq.name}: {problem}")
    x = sequence_joints(seq, predictor.layout)
    whole = np.asarray(predictor.predict_proba([x])[0])
    if continuous is None:
        continuous = "intervals" in seq.meta
    novelty = has_novelty_check(predictor)
    if not continuous:
        return ClipPrediction(whole, novelty=novelty)
    return ClipPrediction(
        whole,
        predict_sequence(predictor, x, seq.fps, settings, stop, progress),
        novelty=novelty,
    )


@dataclass(frozen=True)
class FrameScore:
    """Per-frame predictions scored against labelled intervals.

    Attributes:
        on_labelled: Accuracy on the frames inside a labelled interval.
        overall: Accuracy on all frames ("no action" is right outside the intervals).
        labelled_frames: Frames inside a labelled interval.
        frames: All frames.
        intervals: Labelled intervals scored.
        first_scored: The first frame scored: the first the recogniser answered at (a
            live recogniser says nothing before its first window is filled, so the
            frames before it are not counted as wrong).
        shared_classes: Whether the model knows any of the labelled classes.
    """

    on_labelled: float
    overall: float
    labelled_frames: int
    frames: int
    intervals: int
    shared_classes: bool
    first_scored: int = 0


def frame_accuracy(
    intervals: list[tuple[str, int, int]],
    predicted: list[str | None],
    start: int = 0,
) -> tuple[float, float, int]:
    """Score per-frame predictions against labelled intervals.

    Args:
        intervals: ``(label_name, start, end)``, 0-based frames with ``end`` exclusive
            (as ``core.datasets.read_file`` gives them for PKU-MMD).
        predicted: Predicted class name per frame (``None`` = no action).
        start: The first frame scored (earlier ones are left out).

    Returns:
        ``(accuracy on labelled frames, accuracy on the frames scored, labelled frames
        scored)``; on unlabelled frames "no action" is the right answer.
    """
    n = len(predicted)
    truth = frame_labels(intervals, n)
    scored = range(max(start, 0), n)
    labelled = [t for t in scored if truth[t] is not None]
    hits = {t: predicted[t] == truth[t] for t in scored}
    on_labelled = (
        float(np.mean([hits[t] for t in labelled])) if labelled else float("nan")
    )
    overall = float(np.mean(list(hits.values()))) if hits else float("nan")
    return on_labelled, overall, len(labelled)


def score_frames(seq: SkeletonSequence, result: SequencePrediction) -> FrameScore:
    """Score a sequence's per-frame predictions against its labelled intervals.

    Args:
        seq: The recording, with ``meta["intervals"]`` (``(label, start, end)``,
            0-based, end exclusive); class names come from :func:`names_for_sequence`.
        result: Its per-frame prediction (possibly of its first frames only).

    Returns:
        The score.
    """
    names = names_for_sequence(seq)
    named = [
        (names[lab] if 0 <= lab < len(names) else str(lab), int(s), int(e))
        for lab, s, e in seq.meta.get("intervals") or []
    ]
    answered = np.flatnonzero(~np.isnan(result.probabilities[:, 0]))
    first = int(answered[0]) if len(answered) else len(result)
    on_labelled, overall, count = frame_accuracy(named, result.actions(), first)
    return FrameScore(
        on_labelled=on_labelled,
        overall=overall,
        labelled_frames=count,
        frames=len(result),
        first_scored=first,
        # Those the scored frames reach (all, unless only the first were predicted).
        intervals=sum(s < len(result) for _, s, _ in named),
        shared_classes=bool(set(result.labels) & {n for n, _, _ in named}),
    )


def true_labels(seq: SkeletonSequence) -> list[str | None]:
    """Ground-truth class name of every frame (from the intervals, or the clip label).

    Args:
        seq: The recording; class names come from :func:`names_for_sequence`.

    Returns:
        One name per frame (a class number when its name is unknown), ``None`` where
        nothing is labelled.
    """
    names = names_for_sequence(seq)
    n = seq.num_frames
    intervals = seq.meta.get("intervals")
    if not intervals:
        known = seq.label is not None and 0 <= seq.label < len(names)
        return [names[seq.label] if known else None] * n  # type: ignore[index]
    named = [
        (names[label] if 0 <= label < len(names) else str(label), start, end)
        for label, start, end in intervals
    ]
    return frame_labels(named, n)


def frame_labels(
    intervals: Sequence[tuple[str, int, int]], num_frames: int
) -> list[str | None]:
    """The label of every frame from ``(label, start, end)`` intervals (0-based, end
    exclusive); ``None`` where none lies. Where labelled intervals overlap, the first
    one wins (as Replay's headers read them)."""
    truth: list[str | None] = [None] * num_frames
    for label, start, end in intervals:
        for t in range(max(0, int(start)), min(num_frames, int(end))):
            if truth[t] is None:
                truth[t] = label
    return truth
