"""One joint definition for both sensors, and the new MediaPipe-like augmentations.

The check on real paired data (the NTU take seen by Kinect and by MediaPipe) is in
``tests/core/test_pose.py``, which already runs MediaPipe on that video; here synthetic
clips check the joint rebuild, the retargeting and that the augmentations are seeded,
touch what they claim and keep absent bodies absent.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from core import preprocess as P
from core.config import TrainConfig, make_config
from core.model_input import fit_time, prepare_clip
from core.sensors import describe_input
from core.skeleton import (
    MP33_TO_UCLA20,
    REFERENCE_BONE_LENGTHS,
    UCLA20,
    bone_vectors,
    torso_matrix,
)
from core.training.data import ClipSet


def test_torso_rules_leave_mediapipe_conversions_unchanged():
    w = torso_matrix("ucla20")
    assert np.allclose(w @ MP33_TO_UCLA20, MP33_TO_UCLA20, atol=1e-6)


def _clip(t: int = 40, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.normal(scale=0.3, size=(t, 2, UCLA20.num_joints, 3)).astype(np.float32)
    x[:, 1, :, :] = 0.0  # second body absent
    x[5:9, 0] = 0.0  # main body missing for a few frames
    return x


def test_remove_root_motion_centres_every_frame_on_the_hips():
    x = _clip()
    x[:, 0] += np.linspace(0, 2, len(x))[:, None, None]  # walks away
    y = P.remove_root_motion(x, UCLA20)
    present = P.body_present(x)[:, 0]
    hips = y[present, 0][:, [12, 16]].mean(1)
    assert np.abs(hips).max() < 1e-5
    assert not np.any(y[~present, 0]) and not np.any(y[:, 1])


def test_remove_root_motion_can_keep_the_hips_height_above_the_ankles():
    x = _clip()
    x[:, 0] += np.linspace(0, 2, len(x))[:, None, None]  # walks away
    x[:, 0, :, 1] -= np.linspace(0, 0.4, len(x))[:, None]  # and sinks
    ankles = [UCLA20.index("AnkleLeft"), UCLA20.index("AnkleRight")]
    x[:, 0, ankles, 1] = -0.8 - np.linspace(0, 0.4, len(x))[:, None]  # feet sink too
    x[20:, 0, ankles, 1] += np.linspace(0, 0.3, 20)[:, None]  # then the feet rise
    y = P.remove_root_motion(x, UCLA20, keep_height=True)
    present = P.body_present(x)[:, 0]
    hips = y[present, 0][:, [12, 16]].mean(1)
    assert np.abs(hips[:, [0, 2]]).max() < 1e-5  # no horizontal travel
    assert np.allclose(y[present, 0][:, ankles, 1].min(1), 0.0, atol=1e-5)
    height = x[present, 0][:, [12, 16], 1].mean(1) - x[present, 0][:, ankles, 1].min(1)
    assert np.allclose(hips[:, 1], height, atol=1e-5)


def test_retarget_keeps_directions_and_sets_lengths():
    x = _clip()
    y = P.retarget_bones(x, UCLA20)
    present = P.body_present(x)[:, 0]
    bx, by = bone_vectors(x[present, 0], UCLA20), bone_vectors(y[present, 0], UCLA20)
    ref = np.asarray(REFERENCE_BONE_LENGTHS["ucla20"])
    assert np.allclose(np.linalg.norm(by, axis=-1), ref, atol=1e-5)
    cos = (bx * by).sum(-1) / np.linalg.norm(bx, axis=-1) / np.linalg.norm(by, axis=-1)
    assert cos.min() > 0.9999
    assert not np.any(y[~present, 0]) and not np.any(y[:, 1])


@pytest.mark.parametrize("fn", [P.depth_noise, P.jitter])
def test_new_augmentations_are_seeded_and_keep_absent_bodies(fn):
    x = _clip()
    a = fn(x, np.random.default_rng(7), 0.1)
    b = fn(x, np.random.default_rng(7), 0.1)
    c = fn(x, np.random.default_rng(8), 0.1)
    assert np.array_equal(a, b) and not np.allclose(a, c)
    present = P.body_present(x)
    assert not np.any(a[~present]) and np.any(a[present] != x[present])
    assert np.array_equal(x, _clip())  # input untouched


def test_depth_noise_moves_only_depth_mostly_as_a_lasting_offset():
    x = _clip(t=200)
    y = P.depth_noise(x, np.random.default_rng(0), 0.1)
    d = (y - x)[P.body_present(x)[:, 0], 0]  # (t, V, 3)
    assert np.array_equal(d[..., :2], np.zeros_like(d[..., :2]))
    per_joint = d[..., 2].mean(0)
    assert 0.05 < per_joint.std() < 0.2  # the offsets, std ~0.1
    assert d[..., 2].std(0).mean() < per_joint.std()  # drift smaller than offsets


def test_jitter_is_correlated_over_neighbouring_frames():
    x = np.zeros((400, 1, UCLA20.num_joints, 3), np.float32) + 1.0
    d = P.jitter(x, np.random.default_rng(0), 0.05) - x
    assert 0.04 < d.std() < 0.06
    lag1 = np.corrcoef(d[1:].ravel(), d[:-1].ravel())[0, 1]
    white = P.gaussian_noise(x, np.random.default_rng(0), 0.05) - x
    assert lag1 > 0.5 > np.corrcoef(white[1:].ravel(), white[:-1].ravel())[0, 1]


def test_augment_applies_the_new_settings():
    x = _clip()
    cfg = P.AugmentConfig(depth_noise=0.1)
    y = P.augment(x, np.random.default_rng(0), cfg)
    assert np.array_equal(y[..., :2], x[..., :2]) and not np.array_equal(y, x)


def test_old_run_configs_load_with_their_old_preprocessing():
    cfg = make_config(dataset="nw-ucla", preset="paper")
    doc = json.loads(cfg.to_json())
    for key in ("joints", "root_motion"):
        del doc["data"][key]
    for key in ("depth_noise", "jitter_std"):
        del doc["data"]["augment"][key]
    old = TrainConfig.from_dict(doc)
    assert old.data.joints == "sensor" and old.data.root_motion == "keep"
    assert not old.data.augment.enabled
    x = _clip()
    assert np.array_equal(
        prepare_clip(x, "ucla20", "ucla20", 2, old.data),
        P.normalise_clip(P.pad_bodies(x, 2), "ucla20"),
    )
    with pytest.raises(ValueError, match="joints"):
        TrainConfig.from_dict({**doc, "data": {**doc["data"], "joints": "kinect"}})


def test_describe_input_tells_kinect_training_from_mediapipe_input():
    kinect_run = make_config(dataset="nw-ucla", preset="paper",
                             data={"layout": "ucla20"})  # fmt: skip
    info = describe_input(kinect_run)
    assert (info.trained_on, info.live_input, info.shared_joints) == (
        "kinect", "mediapipe", False)  # fmt: skip
    assert "Kinect v1" in info.summary() and "expect a gap" in info.summary()
    shared = make_config(dataset="nw-ucla", preset="paper",
                         data={"layout": "ucla20", "joints": "shared"})  # fmt: skip
    assert "one joint definition" in describe_input(shared).summary()
    assert describe_input(shared, "kinect").same_sensor
    with pytest.raises(ValueError, match="live_input"):
        describe_input(shared, "webcam")
    # a model that reads two people, fed a webcam's one, says so (a trial); a
    # Kinect file gives both
    two = make_config(dataset="ntu60", preset="paper",
                      data={"layout": "ntu25", "num_bodies": 2})  # fmt: skip
    assert "trained on up to 2 people, MediaPipe gives one" in (
        describe_input(two).summary()
    )
    assert "people" not in describe_input(two, "kinect").summary()
    assert "people" not in describe_input(shared).summary()


def test_a_custom_dataset_is_said_to_come_from_its_recordings_sensor(tmp_path):
    """A model taught on Kinect recordings brought in (ucla20) was said to be
    "trained on MediaPipe skeletons (custom)" (a trial)."""
    from core.datasets import read_file
    from core.datasets.custom import import_sequence
    from tests.conftest import require_data

    root = tmp_path / "mine"
    kinect = read_file(require_data("ntu", "S001C001P001R001A001.skeleton"))
    import_sequence(root, "take", kinect, action="drink")
    run = make_config(dataset="custom", root=str(root), preset="paper",
                      data={"layout": "ucla20"})  # fmt: skip
    info = describe_input(run)
    assert (info.trained_on, info.trained_device) == ("kinect", "Kinect-layout")
    assert info.summary().startswith("Trained on Kinect-layout skeletons (custom)")
    # a folder gone since: as before, the webcam's takes
    gone = make_config(dataset="custom", root=str(tmp_path / "gone"), preset="paper",
                       data={"layout": "ucla20"})  # fmt: skip
    assert describe_input(gone).trained_device == "MediaPipe"


def test_depth_weight_scales_the_body_frames_depth_at_training_and_inference():
    x = _clip()
    aug = P.AugmentConfig(rotate_degrees=30.0, noise_std=0.01, depth_noise=0.05)
    full = make_config(dataset="nw-ucla", preset="paper",
                       data={"layout": "ucla20", "joints": "shared", "augment": aug}).data  # fmt: skip
    half = dataclasses.replace(full, depth_weight=0.25)
    # inference: the Predictor's chain (prepare_clip -> fit_time)
    a, na = fit_time(prepare_clip(x, "ucla20", "ucla20", 2, full), full)
    b, nb = fit_time(prepare_clip(x, "ucla20", "ucla20", 2, half), half)
    assert na == nb and np.array_equal(a[..., :2], b[..., :2])
    assert np.allclose(b[..., 2], 0.25 * a[..., 2]) and np.abs(a[..., 2]).max() > 0.1
    # training: after augmentation (whose rotations still see the measured depth)
    clips = ClipSet([prepare_clip(x, "ucla20", "ucla20", 2, full)], np.zeros(1, np.int64),
                    ["c"], np.zeros(1, np.int64))  # fmt: skip
    xa, _, _ = clips.batch([0], full, seed=(0, 1))
    xb, _, _ = clips.batch([0], half, seed=(0, 1))
    assert not np.array_equal(xa.numpy(), a[None])  # augmented
    assert np.array_equal(xa[..., :2], xb[..., :2])
    assert np.allclose(xb[..., 2], 0.25 * xa[..., 2])
    # old runs see the depth as measured; out-of-range weights are refused
    doc = json.loads(make_config(dataset="nw-ucla").to_json())
    del doc["data"]["depth_weight"]
    assert TrainConfig.from_dict(doc).data.depth_weight == 1.0
    with pytest.raises(ValueError, match="depth_weight"):
        TrainConfig.from_dict({**doc, "data": {**doc["data"], "depth_weight": 1.5}})


def test_a_run_started_from_another_sees_its_depth_weight(tmp_path):
    """Teach and ``--init-from`` inherit the depth weight the encoder was trained with."""
    from core.runs import CONFIG, shipped_model_dir
    from core.training.strategies import inherit_from_run

    shipped = shipped_model_dir()
    assert shipped is not None
    base = TrainConfig.load(shipped / CONFIG)
    base.replace(data={"depth_weight": 0.5}).save(tmp_path / CONFIG)
    (tmp_path / "labels.json").write_bytes((shipped / "labels.json").read_bytes())
    _, _, data = inherit_from_run(tmp_path, {}, {})
    assert data["depth_weight"] == 0.5 and data["joints"] == base.data.joints
    _, _, asked = inherit_from_run(tmp_path, {}, {"depth_weight": 1.0})
    assert asked["depth_weight"] == 1.0  # an explicit setting wins
