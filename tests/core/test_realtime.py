"""Sliding window, recogniser and the live pipeline on real video with a real tiny model."""

from __future__ import annotations

import contextlib
import math
import threading
import time

import numpy as np
import pytest

from core.live.capture import SourceOpenError
from core.live.overlay import annotate
from core.live.pipeline import run_live
from core.live.recogniser import (
    LiveSettings,
    RealtimeRecognizer,
    frames_too_far_apart,
)
from core.live.window import SlidingWindow
from tests.conftest import require_data


def _skel(value: float, joints: int = 25) -> np.ndarray:
    return np.full((1, joints, 3), value, np.float32)


# ---------------------------------------------------------------------- SlidingWindow
def test_window_keeps_only_the_last_seconds():
    win = SlidingWindow(1.0)
    for i in range(31):
        win.push(i / 10, _skel(i))
    clip = win.clip()
    assert clip.shape == (11, 1, 25, 3)
    assert clip[0, 0, 0, 0] == 20 and clip[-1, 0, 0, 0] == 30
    assert win.duration == pytest.approx(1.0) and win.fill == pytest.approx(1.0)


def test_short_gap_is_bridged_by_interpolation():
    win = SlidingWindow(10.0, max_gap=0.5)
    win.push(0.0, _skel(0))
    assert win.push(0.1, None) and win.push(0.2, None)
    assert len(win) == 1  # held while the person is missing
    win.push(0.3, _skel(3))
    values = win.clip()[:, 0, 0, 0]
    np.testing.assert_allclose(values, [0, 1, 2, 3], atol=1e-5)
    assert win.resets == 0


def test_long_gap_resets_the_window():
    win = SlidingWindow(10.0, max_gap=0.5)
    for i in range(5):
        win.push(i / 10, _skel(i))
    assert win.push(0.5, None)
    assert not win.push(1.2, None)  # 0.8 s since the person was last seen
    assert len(win) == 0 and win.resets == 1
    win.push(1.3, _skel(9))
    assert win.clip().shape[0] == 1  # nothing from before the gap survives


@pytest.mark.parametrize("fps", [1.0, 1.9, 2.0, 3.0, 30.0])
def test_too_sparse_frames_are_named_exactly_when_the_window_cannot_fill(fps):
    """The reason given for a low frame rate matches what the window does: below
    1 / max_gap FPS every frame empties it, whatever its length."""
    settings = LiveSettings()  # max_gap_seconds 0.5
    win = SlidingWindow(600.0, settings.max_gap_seconds)
    for i in range(1, 6):
        win.push(i / fps, _skel(i))
    why = frames_too_far_apart(fps, settings)
    if win.resets == 0:
        assert why is None and len(win) == 5
    else:
        assert win.resets == 4 and len(win) == 1  # every frame started it again
        assert why is not None
        assert f"runs at {fps:.3g} FPS" in why and "at least 2 FPS" in why
        assert f"{1 / fps:.3g} s apart" in why and "0.5 s gap" in why
    assert (why is None) == (fps >= 2.0)


def test_an_unknown_frame_rate_is_no_reason():
    assert frames_too_far_apart(0.0, LiveSettings()) is None
    assert frames_too_far_apart(float("nan"), LiveSettings()) is None


def test_a_reappearing_person_after_a_long_gap_starts_afresh():
    win = SlidingWindow(10.0, max_gap=0.2)
    win.push(0.0, _skel(0))
    win.push(1.0, _skel(5))
    assert len(win) == 1 and win.clip()[0, 0, 0, 0] == 5


def test_nan_skeleton_counts_as_missing_and_time_going_back_resets():
    win = SlidingWindow(10.0)
    win.push(0.0, _skel(1))
    bad = _skel(2)
    bad[0, 3, 1] = np.nan
    win.push(0.1, bad)
    win.push(0.2, _skel(3))
    np.testing.assert_allclose(win.clip()[:, 0, 0, 0], [1, 2, 3])
    assert np.isfinite(win.clip()).all()
    win.push(0.1, _skel(4))  # a restarted source
    assert len(win) == 1 and win.resets == 1


def test_resampled_window_and_single_frame():
    win = SlidingWindow(2.0)
    assert win.resampled(8) is None
    win.push(0.0, _skel(1))
    assert win.resampled(8).shape == (8, 1, 25, 3)
    for i in range(1, 10):
        win.push(i / 10, _skel(i + 1))
    out = win.resampled(19)
    np.testing.assert_allclose(out[:, 0, 0, 0], np.linspace(1, 10, 19), atol=1e-5)


def test_window_and_settings_validate():
    with pytest.raises(ValueError, match="> 0"):
        SlidingWindow(0)
    with pytest.raises(ValueError, match="predict_every"):
        LiveSettings(predict_every=0)
    with pytest.raises(ValueError, match="smoothing"):
        LiveSettings(smoothing=0)


# ------------------------------------------------------------ recogniser, real model
@pytest.fixture(scope="module")
def predictor(tmp_path_factory):
    from core.inference import Predictor
    from tests.core.live_model import make_run

    run = make_run(
        tmp_path_factory.mktemp("live") / "tiny", frames=32, window_seconds=1.0
    )
    return Predictor.from_run(run, device="cpu")


@pytest.fixture(scope="module")
def ntu_clip():
    from core.datasets.ntu import read_skeleton_bytes

    path = require_data("ntu", "S001C001P001R001A011.skeleton")
    return read_skeleton_bytes(path.read_bytes(), str(path)).joints


def test_recognizer_predicts_every_k_frames_with_ema_smoothing(predictor, ntu_clip):
    settings = LiveSettings(predict_every=4, smoothing=0.5, asynchronous=False)
    fresh_at, expected = [], None
    with RealtimeRecognizer(predictor, settings) as rec:
        assert rec.window_seconds == 1.0  # from the model's training clips
        for t, frame in enumerate(ntu_clip[:60]):
            state = rec.push(t / 30, frame)
            if state.fresh:
                fresh_at.append(t)
                clip = rec.window.resampled(predictor.T)
                probs = predictor.predict_proba([clip])[0]
                expected = probs if expected is None else 0.5 * probs + 0.5 * expected
                np.testing.assert_allclose(state.probabilities, expected, atol=1e-5)
                assert (
                    abs(
                        sum(p for _, p in state.top_k)
                        - state.probabilities[
                            np.argsort(-state.probabilities)[:3]
                        ].sum()
                    )
                    < 1e-5
                )
    # The first prediction waits for half a window (15 frames), then every 4 frames.
    assert fresh_at[0] >= 14 and np.all(np.diff(fresh_at) == 4)
    assert len(state.top_k) == 3 and state.window_fill == pytest.approx(1.0)


def test_threshold_gives_no_action(predictor, ntu_clip):
    for threshold, expect_action in ((1.0, False), (0.0, True)):
        settings = LiveSettings(
            threshold=threshold, asynchronous=False, predict_every=1
        )
        with RealtimeRecognizer(predictor, settings) as rec:
            for t, frame in enumerate(ntu_clip[:40]):
                state = rec.push(t / 30, frame)
        assert state.top_k
        assert (state.action is not None) == expect_action
        if expect_action:
            assert state.action == state.top_k[0][0]


def test_threshold_and_smoothing_retuned_while_running_apply_at_once(
    predictor, ntu_clip
):
    """The Live panel's threshold and smoothing were fixed at Start (a user trial);
    retuned mid-stream they apply from the next frame, the window kept."""
    from core.live.recogniser import LiveTuning

    settings = LiveSettings(threshold=1.0, asynchronous=False, predict_every=1)
    with RealtimeRecognizer(predictor, settings) as rec:
        for t, frame in enumerate(ntu_clip[:30]):
            state = rec.push(t / 30, frame)
        assert state.top_k and state.action is None  # nothing reaches 100 %
        fill = state.window_fill
        rec.retune(LiveTuning(threshold=0.0, smoothing=1.0))
        state = rec.push(30 / 30, ntu_clip[30])
        assert state.action == state.top_k[0][0] and state.window_fill >= fill
        assert (rec.settings.threshold, rec.settings.smoothing) == (0.0, 1.0)
        # smoothing 1 = the new output alone
        clip = rec.window.resampled(predictor.T)
        np.testing.assert_allclose(
            state.probabilities, predictor.predict_proba([clip])[0], atol=1e-5
        )


def test_long_gap_clears_the_prediction(predictor, ntu_clip):
    settings = LiveSettings(asynchronous=False, predict_every=1, max_gap_seconds=0.3)
    with RealtimeRecognizer(predictor, settings) as rec:
        for t, frame in enumerate(ntu_clip[:30]):
            state = rec.push(t / 30, frame)
        assert state.probabilities is not None
        state = rec.push(1.05, None)  # 0.1 s: bridged, prediction held
        assert state.probabilities is not None
        state = rec.push(1.5, None)  # 0.53 s without a person: reset
        assert (
            state.probabilities is None and state.top_k == () and state.action is None
        )
        assert state.window_fill == 0.0


def test_asynchronous_predictions_arrive_and_the_thread_is_joined(predictor, ntu_clip):
    settings = LiveSettings(predict_every=2, asynchronous=True)
    rec = RealtimeRecognizer(predictor, settings)
    fresh = 0
    for t, frame in enumerate(ntu_clip):
        fresh += rec.push(t / 30, frame).fresh
        time.sleep(0.005)  # frames arrive over time, as from a camera
    rec.close()
    assert fresh >= 3
    assert not [t for t in threading.enumerate() if t.name == "predict"]


def test_recognizer_treats_nan_joints_as_no_person(predictor, ntu_clip):
    settings = LiveSettings(asynchronous=False, predict_every=1)
    with RealtimeRecognizer(predictor, settings) as rec:
        for t, frame in enumerate(ntu_clip[:40]):
            frame = frame.copy()
            if t % 3 == 1:
                frame[0, 5] = np.nan
            state = rec.push(t / 30, frame)
            assert rec.window.clip() is None or np.isfinite(rec.window.clip()).all()
    assert state.probabilities is not None and np.isfinite(state.probabilities).all()


def test_recognizer_rejects_a_skeleton_in_the_wrong_layout(predictor):
    settings = LiveSettings(asynchronous=False)
    with (
        RealtimeRecognizer(predictor, settings) as rec,
        pytest.raises(ValueError, match="ntu25"),
    ):
        rec.push(0.0, np.zeros((20, 3), np.float32))


# ------------------------------------------------------- run_live, real MediaPipe
@pytest.fixture(scope="module")
def live_updates(predictor):
    video = require_data("videos", "ta_chi.mp4")
    stop = threading.Event()
    settings = LiveSettings(predict_every=5, asynchronous=False)
    updates = []
    with contextlib.closing(run_live(video, predictor, settings, stop)) as stream:
        for update in stream:
            updates.append(update)
            if len(updates) == 75:
                stop.set()
    return updates


def test_run_live_on_real_video(live_updates):
    assert [u.index for u in live_updates] == list(range(75))
    with_person = [u for u in live_updates if u.skeleton is not None]
    assert len(with_person) >= 70
    u = with_person[-1]
    assert u.skeleton.shape == (25, 3) and u.layout == "ntu25"
    assert u.landmarks.shape == (33, 2) and u.visibility.shape == (33,)
    # Kinect axes: head above hips (y up), skeleton about a person's size.
    assert u.skeleton[3, 1] > u.skeleton[0, 1] + 0.3
    h, w = u.frame.shape[:2]
    assert (w, h) == (340, 256)
    assert 0 <= u.landmarks[:, 0].mean() < w and 0 <= u.landmarks[:, 1].mean() < h
    fresh = [x.index for x in live_updates if x.prediction.fresh]
    assert fresh and fresh[0] >= 14 and np.all(np.diff(fresh) == 5)
    assert all(len(x.top_k) == 3 for x in live_updates[fresh[0] :])
    for stage in ("decode", "pose", "convert", "window", "total"):
        assert math.isfinite(getattr(u.timings, stage))
    assert math.isfinite(live_updates[fresh[-1]].timings.predict)
    assert live_updates[-1].fps > 0
    assert not [
        t for t in threading.enumerate() if t.name.startswith(("capture", "predict"))
    ]


def test_annotate_draws_on_a_copy(live_updates):
    u = live_updates[-1]
    img = annotate(u)
    assert img.shape == u.frame.shape and img.dtype == np.uint8
    assert np.abs(img.astype(int) - u.frame).sum() > 0
    assert not np.shares_memory(img, u.frame)


def test_mirrored_source_is_flipped_back(predictor):
    from core.live.capture import VideoSource

    video = require_data("videos", "ta_chi.mp4")
    with VideoSource(video) as src:
        first = src.read().image
    stream = run_live(video, predictor, LiveSettings(mirrored=True, asynchronous=False))
    with contextlib.closing(stream):
        update = next(stream)
    np.testing.assert_array_equal(update.frame, first[:, ::-1])


def test_run_live_on_a_missing_video_fails_clearly(predictor, tmp_path):
    with pytest.raises(SourceOpenError, match="nope.mp4"):
        next(run_live(tmp_path / "nope.mp4", predictor))


def test_a_jump_to_another_person_is_detected(live_updates):
    from core.live.pipeline import person_switched
    from core.live.pose import PoseResult

    def pose(update, shift=0.0):
        h, w = update.frame.shape[:2]
        xy = update.landmarks / np.array([w, h], np.float32) + np.float32([shift, 0])
        image = np.concatenate([xy, np.zeros((33, 1), np.float32)], axis=1)
        return PoseResult(image, np.zeros((33, 3), np.float32), update.visibility, w, h)

    a, b = live_updates[40], live_updates[41]
    assert not person_switched(pose(a), pose(b))  # the same man one frame later
    assert person_switched(pose(a), pose(b, shift=0.4))  # someone 136 px away
