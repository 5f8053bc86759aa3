"""Sequence prediction on a real PKU-MMD recording with the shipped model."""

from __future__ import annotations

import numpy as np
import pytest

from core.datasets import read_file
from core.inference import Predictor
from core.inference.sequences import (
    predict_clip,
    predict_sequence,
    score_frames,
    sequence_joints,
)
from core.live.recogniser import LiveSettings, RealtimeRecognizer
from core.runs import shipped_model_dir
from tests.conftest import require_data


@pytest.fixture(scope="module")
def predictor():
    run = shipped_model_dir()
    if run is None:
        pytest.skip("no shipped model in resources/checkpoints")
    return Predictor.from_run(run, device="cpu")


@pytest.fixture(scope="module")
def sequence():
    return read_file(require_data("pkummd", "skeleton", "0005-L.txt"))


def test_batched_prediction_equals_the_frame_by_frame_recogniser(predictor, sequence):
    x = sequence_joints(sequence, predictor.layout)[:600]
    settings = LiveSettings(asynchronous=False)
    result = predict_sequence(predictor, x, sequence.fps, settings)
    assert result is not None and len(result) == 600
    present = np.abs(x).reshape(len(x), -1).sum(-1) > 0
    with RealtimeRecognizer(predictor, settings) as rec:
        states = [
            rec.push(t / sequence.fps, x[t] if present[t] else None)
            for t in range(len(x))
        ]
    assert [s.fresh for s in states] == result.fresh.tolist()
    assert sum(s.fresh for s in states) >= 50
    for t, state in enumerate(states):
        batched = result.state(t)
        if state.probabilities is None:
            assert batched.probabilities is None
            continue
        np.testing.assert_allclose(
            batched.probabilities, state.probabilities, atol=1e-5
        )
        assert [n for n, _ in batched.top_k] == [n for n, _ in state.top_k]
    actions = [s.action for s in states]
    assert result.actions() == actions
    assert any(a is not None for a in actions)  # not a trivial all-"no action" run


def test_intervals_and_score_follow_the_per_frame_labels(predictor, sequence):
    result = predict_clip(predictor, sequence)  # a PKU-MMD sequence: per frame too
    seq_pred = result.sequence
    assert seq_pred is not None and len(seq_pred) == sequence.num_frames == 1494
    labels = seq_pred.frame_labels
    covered = np.full(len(labels), -1)
    for label, start, end in result.intervals:  # frames inclusive
        assert (labels[start : end + 1] == label).all()
        covered[start : end + 1] = label
    np.testing.assert_array_equal(covered, labels)
    score = score_frames(sequence, seq_pred)
    assert score.frames == 1494 and score.intervals == 8
    answered = np.flatnonzero(~np.isnan(seq_pred.probabilities[:, 0]))
    assert 0 < score.first_scored == answered[0]  # the first window's answer
    assert not score.shared_classes  # an NW-UCLA model on PKU-MMD classes
    # Its first 400 frames (infer --max-frames): only the intervals they reach count.
    import dataclasses

    first = dataclasses.replace(sequence, joints=sequence.joints[:400])
    part = predict_clip(predictor, first).sequence
    assert part is not None and len(part) == 400
    reached = [s for _, s, _ in sequence.meta["intervals"] if s < 400]
    assert 0 < len(reached) < 8 and score_frames(first, part).intervals == len(reached)


def test_stop_abandons_the_sequence(predictor, sequence):
    import threading

    stop = threading.Event()
    stop.set()
    x = sequence_joints(sequence, predictor.layout)
    assert predict_sequence(predictor, x, sequence.fps, stop=stop) is None
    assert predict_clip(predictor, sequence, stop=stop).sequence is None


def test_wrong_inputs_say_what_was_expected(predictor):
    """An empty sequence gave numpy's reshape error; a clip of the other Kinect
    layout did not say how to convert it (a trial of the Python API)."""
    with pytest.raises(
        ValueError, match=r"expected a sequence \(n, M, V, 3\) with n >= 1"
    ):
        predict_sequence(predictor, np.zeros((0, 1, 20, 3)), 30.0)
    with pytest.raises(ValueError) as raised:
        predictor.predict_proba([np.ones((10, 1, 25, 3), np.float32)])
    assert str(raised.value) == (
        "clip has 25 joints, layout 'ucla20' has 20 (is it 'ntu25'? "
        "core.inference.sequences.sequence_joints converts it to 'ucla20')"
    )


def test_a_recording_of_no_person_names_its_file(predictor):
    """Replay said "clip 0 has no skeleton in any frame" of a Kinect file whose one
    body has all-zero joints: which file, and "clip 0" meant nothing (a trial)."""
    import dataclasses

    seq = read_file(require_data("ntu", "S001C001P001R001A001.skeleton"))
    empty = dataclasses.replace(seq, joints=np.zeros_like(seq.joints))
    with pytest.raises(ValueError) as raised:
        predict_clip(predictor, empty)
    assert str(raised.value) == (
        f"{seq.source}: no person in any of its {seq.num_frames} frames (every "
        "coordinate is missing or zero): nothing to recognise"
    )
    # One frame is a still pose, not a motion: not answered (it got "doffing 83 %":
    # a trial), whoever calls (infer and Replay check it first).
    from core.inference.sequences import STILL_POSE

    one = dataclasses.replace(seq, joints=seq.joints[:1])
    with pytest.raises(ValueError) as raised:
        predict_clip(predictor, one)
    assert str(raised.value) == f"{seq.source}: {STILL_POSE}"
