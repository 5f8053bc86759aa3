"""The novelty check: fit, distances, shrinkage, file round trip, and on real data the
shipped model's check keeping Kinect test clips and flagging a webcam tai chi form."""

from __future__ import annotations

import dataclasses
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from core.inference import Predictor
from core.inference import novelty as nv
from core.inference.sequences import predict_sequence, window_intervals
from core.live.recogniser import LiveSettings, make_prediction
from tests.conftest import require_data

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "resources" / "checkpoints" / "nw-ucla-ms2l"


def _clusters(rng, n, k=3, d=8, means=None):
    """``n`` points of ``k`` classes: separated means, one shared elongated covariance."""
    if means is None:
        means = rng.normal(size=(k, d)) * 6
    scales = np.linspace(0.2, 3.0, d)  # the first axis is narrow, the last wide
    y = rng.integers(0, k, size=n)
    y[:k] = np.arange(k)  # every class present
    return means[y] + rng.normal(size=(n, d)) * scales, y, means


def test_training_points_are_familiar_and_points_far_from_every_class_are_not():
    x, y, means = _clusters(np.random.default_rng(0), 3000)
    check = nv.fit(x, y, percentile=99)
    # The threshold is the 99th percentile of the training distances.
    assert check.unfamiliar(x).mean() == pytest.approx(0.01, abs=0.002)
    fresh, _, _ = _clusters(np.random.default_rng(1), 3000, means=means)
    assert check.unfamiliar(fresh).mean() < 0.03  # new draws of the same classes
    # The covariance matters: 4 units along the narrow axis (20 standard deviations)
    # is unfamiliar, 4 units along the wide one (1.3 standard deviations) is not.
    narrow = means[0] + np.eye(8)[0] * 4
    wide = means[0] + np.eye(8)[-1] * 4
    assert check.unfamiliar(np.stack([narrow, wide])).tolist() == [True, False]
    assert check.unfamiliar(means * 5).all()  # far from everything


def test_shrinkage_is_light_with_plenty_of_clips_and_keeps_few_clips_invertible():
    rng = np.random.default_rng(2)
    scales = np.linspace(0.2, 3.0, 8)
    many = rng.normal(size=(20000, 8)) * scales
    cov = nv.shrunk_covariance(many - many.mean(0))
    np.testing.assert_allclose(np.sqrt(np.diag(cov)), scales, rtol=0.03)
    few = rng.normal(size=(6, 8))  # fewer rows than features: singular sample cov
    shrunk = nv.shrunk_covariance(few - few.mean(0))
    assert np.linalg.eigvalsh(shrunk).min() > 0


def test_temper_flattens_only_the_unfamiliar_rows():
    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], np.float32)
    out = nv.temper(p, np.array([False, True]))
    np.testing.assert_array_equal(out[0], p[0])
    np.testing.assert_allclose(out[1], [1 / 3] * 3)
    assert p[1, 2] == pytest.approx(0.8)  # the input is not changed


def test_flat_probabilities_read_as_unfamiliar_motion():
    labels = [f"c{i}" for i in range(10)]
    settings = LiveSettings()
    flat = make_prediction(np.full(10, 0.1), labels, settings)
    assert flat.action is None and flat.unfamiliar
    assert flat.shown == "no action (unfamiliar motion)"
    unsure = make_prediction(np.array([0.3, 0.3, 0.4 - 1e-3] + [1e-3 / 7] * 7), labels,
                             settings)  # fmt: skip
    assert unsure.action is None and not unsure.unfamiliar  # torn between classes
    assert unsure.shown == "no action"
    sure = make_prediction(np.array([0.91] + [0.01] * 9), labels, settings)
    assert sure.shown == "c0" and not sure.unfamiliar
    # Two classes: flat is 50 % each, above the 40 % threshold, and still no action.
    two = make_prediction(np.array([0.5, 0.5]), ["a", "b"], settings)
    assert two.action is None and two.unfamiliar
    assert make_prediction(np.array([0.7, 0.3]), ["a", "b"], settings).action == "a"
    assert make_prediction(np.array([1.0]), ["only"], settings).action == "only"
    # A recorded sequence reads frames the same way (Replay timeline, infer).
    starts = np.arange(3)
    rows = np.array([[0.5, 0.5], [0.8, 0.2], [0.8, 0.2]])
    assert window_intervals(starts, 1, rows, 0.4) == [(0, 1, 2)]


def test_fit_refuses_too_few_clips_a_missing_class_and_bad_values():
    rng = np.random.default_rng(3)
    x, y, _ = _clusters(rng, 100)
    with pytest.raises(ValueError, match="too few"):
        nv.fit(x[:10], y[:10])
    # A class without clips has no mean (a custom dataset's empty class).
    assert nv.fit(x, np.where(y == 1, 2, y)).classes.tolist() == [0, 2]
    with pytest.raises(ValueError, match="labels must be >= 0"):
        nv.fit(x, np.where(y == 1, -1, y))
    bad = x.copy()
    bad[5, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        nv.fit(bad, y)
    with pytest.raises(ValueError, match="percentile"):
        nv.fit(x, y, percentile=0)
    with pytest.raises(ValueError, match="do not vary"):
        nv.fit(np.zeros_like(x), y)


def test_file_round_trip_and_clear_errors_for_bad_files(tmp_path):
    x, y, _ = _clusters(np.random.default_rng(4), 200)
    check = nv.fit(x, y)
    path = nv.save(check, tmp_path / nv.NOVELTY_FILE)
    back = nv.load(path)
    np.testing.assert_array_equal(back.distance(x), check.distance(x))
    assert (back.threshold, back.num_clips) == (check.threshold, 200)
    assert not list(tmp_path.glob(".*"))  # written through a temporary, renamed
    path.write_bytes(path.read_bytes()[:100])  # truncated
    with pytest.raises(ValueError, match=rf"{nv.NOVELTY_FILE}: not a readable"):
        nv.load(path)
    np.savez(path, means=np.zeros((3, 4)), classes=np.arange(3), precision=np.eye(5),
             threshold=1.0, percentile=99.0, num_clips=10)  # fmt: skip
    with pytest.raises(ValueError, match="disagree"):
        nv.load(path)


def test_a_run_with_a_check_for_other_classes_or_a_bad_one_is_refused(tmp_path):
    run = tmp_path / "run"
    shutil.copytree(SHIPPED, run)
    x, y, _ = _clusters(np.random.default_rng(5), 2000, k=12, d=192)
    nv.save(nv.fit(x, y), run / nv.NOVELTY_FILE)
    with pytest.raises(ValueError, match="novelty.npz: class 11 does not exist"):
        Predictor.from_run(run, device="cpu")
    (run / nv.NOVELTY_FILE).write_text("not numpy")
    with pytest.raises(ValueError, match="not a readable novelty file.*ms2l novelty"):
        Predictor.from_run(run, device="cpu")
    # `ms2l novelty` itself replaces the bad file (it does not read it).
    from core.evaluation import fit_run_novelty

    zip_path = require_data("nw-ucla", "all_sqe.zip")
    check, path = fit_run_novelty(run, zip_path, device="cpu")
    assert path == run / nv.NOVELTY_FILE and check.num_clips == 1020
    assert Predictor.from_run(run, device="cpu").novelty is not None


def test_shipped_check_keeps_kinect_test_clips_and_flags_a_webcam_tai_chi(tmp_path):
    """Real data: NW-UCLA view-3 clips (Kinect, the model's own classes, never trained
    on) stay familiar; MediaPipe skeletons of a tai chi form (none of the classes), which
    the model without the check calls one action most of the time, become "no action"."""
    from core.datasets.cache import open_store
    from core.datasets.splits import split_indices
    from core.live.capture import VideoSource
    from core.live.pose import MediaPipePose, mediapipe_to_kinect
    from core.skeleton import convert

    zip_path = require_data("nw-ucla", "all_sqe.zip")
    video = require_data("videos", "ta_chi.mp4")
    with_check = Predictor.from_run(SHIPPED, device="cpu")
    assert with_check.novelty is not None and with_check.novelty.num_clips == 1020
    plain = tmp_path / "plain"
    shutil.copytree(SHIPPED, plain)
    (plain / nv.NOVELTY_FILE).unlink()
    without = Predictor.from_run(plain, device="cpu")
    assert without.novelty is None

    store = open_store("nw-ucla", zip_path, tmp_path / "cache")
    test = split_indices("nw-ucla", "xview", store.metas)["test"]
    probs = with_check.predict_proba([np.asarray(store[int(i)]) for i in test])
    flattened = np.isclose(probs.max(1), 0.1)
    assert len(test) == 464 and flattened.mean() < 0.1

    world = []
    with VideoSource(video) as src, MediaPipePose() as pose:
        fps = src.fps
        for frame in src:
            r = pose.estimate(frame.image)
            world.append(np.full((33, 3), np.nan, np.float32) if r is None else r.world)
    joints = convert(mediapipe_to_kinect(np.stack(world)), "mp33", "ucla20")[:, None]
    shown, unfamiliar = {}, {}
    for name, p in (("with", with_check), ("without", without)):
        seq = predict_sequence(p, joints, fps)
        actions = seq.actions()
        shown[name] = Counter(actions[len(actions) // 3 :])  # once the window is full
        unfamiliar[name] = sum(seq.state(t).unfamiliar for t in range(len(actions)))
    n = sum(shown["with"].values())
    top_without = max(v for k, v in shown["without"].items() if k is not None)
    top_with = max((v for k, v in shown["with"].items() if k is not None), default=0)
    assert top_without / n > 0.35  # one class dominates without the check
    assert top_with / n <= 0.35 and shown["with"][None] / n >= 0.5
    # Live says why: most of those are "no action (unfamiliar motion)".
    assert (
        unfamiliar["with"] >= 0.5 * shown["with"][None] and unfamiliar["without"] == 0
    )


def test_a_model_without_a_novelty_check_is_unsure_not_unfamiliar(tmp_path):
    """A model of three taught clips (too few for a check) answered "no action
    (unfamiliar motion) … (its novelty check)" when its three classes were close
    (a trial): flat probabilities are "no action" then, not unfamiliar, in the
    live state, a sequence's states and the whole-clip answer."""
    from core.datasets import read_file
    from core.inference.sequences import predict_clip
    from tests.core.live_model import make_run

    labels = ["a", "b", "c"]
    near = np.array([0.342, 0.340, 0.318])
    bare = make_prediction(near, labels, LiveSettings(), novelty=False)
    assert bare.action is None and not bare.unfamiliar and bare.shown == "no action"
    predictor = Predictor.from_run(make_run(tmp_path / "run"), device="cpu")
    assert predictor.novelty is None
    seq = read_file(require_data("ntu", "S001C001P001R001A001.skeleton"))
    result = predict_clip(predictor, seq, continuous=True)
    assert not result.novelty and not result.sequence.novelty
    flat = dataclasses.replace(result, probabilities=np.full(60, 1 / 60))
    assert not flat.unfamiliar  # (a model with a check: unfamiliar)
    assert dataclasses.replace(flat, novelty=True).unfamiliar
