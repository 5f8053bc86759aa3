"""Preprocessing: normalisation invariants, resampling, padding and augmentations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import preprocess as P
from core.skeleton import NTU25, UCLA20, get_layout


def _rotation_y(deg: float) -> np.ndarray:
    a = np.deg2rad(deg)
    return np.array(
        [[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]], np.float32
    )


def _clip(t: int = 12, bodies: int = 2, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.normal(scale=0.3, size=(t, bodies, NTU25.num_joints, 3)).astype(np.float32)
    x[..., 2] += 3.0  # in front of the sensor
    # a plausible upright trunk in body 0: hips apart on x, spine along y
    x[:, 0, 12] = [-0.1, 0.0, 3.0]
    x[:, 0, 16] = [0.1, 0.0, 3.0]
    x[:, 0, 0] = [0.0, 0.0, 3.0]
    x[:, 0, 20] = [0.0, 0.5, 3.0]
    x[:, 0, 1] = [0.0, 0.25, 3.0]
    if bodies > 1:
        x[: t // 2, 1] = 0.0  # second body absent for the first half
    return x


def test_normalise_is_invariant_to_camera_rotation_translation_and_scale():
    x = _clip()
    moved = (x @ _rotation_y(70).T) * 1.7 + np.array([0.5, -0.2, 1.0], np.float32)
    moved[~P.body_present(x)] = 0.0
    a, b = P.normalise_clip(x, NTU25), P.normalise_clip(moved, NTU25)
    np.testing.assert_allclose(a, b, atol=1e-4)


def test_normalise_puts_body_frame_on_axes_and_keeps_absent_bodies_zero():
    x = _clip() @ _rotation_y(40).T
    y = P.normalise_clip(x, NTU25)
    first = y[0, 0]
    np.testing.assert_allclose(first[NTU25.center], 0.0, atol=1e-5)
    hips = first[16] - first[12]
    assert hips[0] > 0 and abs(hips[1]) < 1e-5 and abs(hips[2]) < 1e-5
    spine = first[20] - first[0]
    assert spine[1] > 0 and abs(spine[2]) < 1e-5
    assert P.spine_length(y, NTU25) == pytest.approx(1.0, rel=1e-4)
    assert not y[:6, 1].any()


def test_normalise_without_align_only_centres_and_scales():
    x = _clip()
    y = P.normalise_clip(x, NTU25, align=False, scale=False)
    np.testing.assert_allclose(
        y[P.body_present(x)], (x - x[0, 0, NTU25.center])[P.body_present(x)], atol=1e-6
    )


def test_sanitize_replaces_nan_and_inf():
    x = _clip()
    x[3, 0, 5, 1] = np.nan
    x[4, 0, 6, 0] = np.inf
    y = P.normalise_clip(x, NTU25)
    assert np.isfinite(y).all()


def test_single_frame_clip_and_empty_clip():
    x = _clip(t=1, bodies=1)
    assert P.normalise_clip(x, NTU25).shape == (1, 1, 25, 3)
    assert P.resample(x, 200).shape == (200, 1, 25, 3)
    with pytest.raises(ValueError, match="at least one frame"):
        P.normalise_clip(x[:0], NTU25)


def test_resample_hits_endpoints_and_interpolates_linearly():
    t = np.arange(1, 6, dtype=np.float32)  # all frames present (non-zero)
    x = np.ones((5, 1, 20, 3), np.float32) * t[:, None, None, None]
    y = P.resample(x, 9)
    np.testing.assert_allclose(y[:, 0, 0, 0], np.linspace(1, 5, 9), atol=1e-6)


def test_resample_keeps_body_entry_sharp():
    x = _clip(t=10)
    y = P.resample(x, 40)
    present = P.body_present(y)[:, 1]
    # body 1 appears once, and never as a half-blend with zeros
    assert present[-1] and not present[0]
    assert (
        np.abs(y[present, 1]).min() >= 0 and (np.diff(present.astype(int)) >= 0).all()
    )


def test_pad_time_and_bodies_and_mask():
    x = _clip(t=7, bodies=1)
    y, n = P.pad_time(x, 10)
    assert y.shape == (10, 1, 25, 3) and n == 7 and not y[7:].any()
    y, n = P.pad_time(x, 5)
    assert n == 5 and y.shape[0] == 5
    assert P.pad_bodies(x, 2).shape == (7, 2, 25, 3)
    mask = P.length_mask(np.array([2, 4]), 5)
    assert mask.tolist() == [[1, 1, 0, 0, 0], [1, 1, 1, 1, 0]]


def test_augmentations_are_seeded_and_keep_absent_bodies_zero():
    cfg = P.AugmentConfig(
        rotate_degrees=30, scale=0.1, shear=0.1, noise_std=0.01,
        crop_min_ratio=0.7, speed=0.2, drop_prob=0.2,
    )  # fmt: skip
    x = P.normalise_clip(_clip(t=30), NTU25)
    a = P.augment(x, np.random.default_rng(3), cfg)
    b = P.augment(x, np.random.default_rng(3), cfg)
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.float32 and 1 <= a.shape[0] <= 40
    # body 1 starts absent; whatever crop/speed chose, absent frames are exactly zero
    pres = P.body_present(a)[:, 1]
    assert not a[~pres, 1].any()
    assert not np.array_equal(a[: min(len(a), len(x))], x[: min(len(a), len(x))])
    assert not P.AugmentConfig().enabled and cfg.enabled


def test_mirror_raises_the_other_hand_and_undoes_itself():
    # a person raising the right hand, seen by the camera, normalised
    x = _clip(t=6, bodies=1)
    right_hand, left_hand = NTU25.index("HandRight"), NTU25.index("HandLeft")
    x[:, 0, right_hand] = [0.3, 0.9, 3.0]
    x[:, 0, left_hand] = [-0.3, -0.2, 3.0]
    n = P.normalise_clip(x, NTU25)
    m = P.mirror(n, "ntu25")
    # the hand that was high is now the other hand, on the other side
    np.testing.assert_allclose(m[:, 0, left_hand], n[:, 0, right_hand] * [-1, 1, 1])
    np.testing.assert_allclose(m[:, 0, right_hand], n[:, 0, left_hand] * [-1, 1, 1])
    np.testing.assert_array_equal(P.mirror(m, "ntu25"), n)
    # the mirror image of an aligned clip is aligned the same way: hips stay on x
    hips = NTU25.index("HipLeft"), NTU25.index("HipRight")
    assert np.sign(m[0, 0, hips[0], 0]) == np.sign(n[0, 0, hips[0], 0])


@pytest.mark.parametrize("joints", ["sensor", "shared"])
def test_mirroring_commutes_with_normalisation(joints):
    """Mirror then normalise = normalise then mirror (two bodies, both Kinect layouts),
    so a mirrored training clip is the clip a mirrored camera would give."""
    for layout, x in (("ntu25", _clip(t=10, bodies=2)),
                      ("ucla20", _clip(t=10, bodies=1)[:, :, :20])):  # fmt: skip
        if layout == "ucla20":  # a plausible trunk in UCLA-20's own joint order
            x[:, 0, 12], x[:, 0, 16] = [-0.1, 0.0, 3.0], [0.1, 0.0, 3.0]
            x[:, 0, 0], x[:, 0, 2] = [0.0, 0.0, 3.0], [0.0, 0.5, 3.0]
        camera = x.copy()
        camera[..., 0] = -camera[..., 0]  # the scene in a mirror ...
        camera = camera[
            :, :, get_layout(layout).mirror_permutation()
        ]  # ... sides named
        a = P.normalise_clip(camera, layout, joints=joints)
        b = P.mirror(P.normalise_clip(x, layout, joints=joints), layout)
        np.testing.assert_allclose(a, b, atol=1e-5)
    with pytest.raises(ValueError, match="mp33.*midline"):
        P.mirror(np.zeros((2, 1, 33, 3), np.float32), "mp33")
    from core.config import make_config

    with pytest.raises(ValueError, match="mp33 clips cannot be mirrored"):
        make_config(data={"layout": "mp33", "augment": P.AugmentConfig(mirror=0.5)})


def test_mirror_augmentation_is_seeded_and_needs_the_layout():
    x = P.normalise_clip(_clip(t=8, bodies=1), NTU25)
    always = P.AugmentConfig(mirror=1.0)
    np.testing.assert_array_equal(
        P.augment(x, np.random.default_rng(0), always, "ntu25"), P.mirror(x, "ntu25")
    )
    half = P.AugmentConfig(mirror=0.5)
    flips = [
        not np.array_equal(P.augment(x, np.random.default_rng(s), half, "ntu25"), x)
        for s in range(40)
    ]
    assert 10 <= sum(flips) <= 30
    with pytest.raises(ValueError, match="layout"):
        P.augment(x, np.random.default_rng(0), always)


def test_rotate_preserves_bone_lengths():
    x = P.normalise_clip(_clip(t=5, bodies=1), NTU25)
    y = P.rotate(x, np.random.default_rng(0), 45)
    from core.skeleton import bone_vectors

    np.testing.assert_allclose(
        np.linalg.norm(bone_vectors(x, NTU25), axis=-1),
        np.linalg.norm(bone_vectors(y, NTU25), axis=-1),
        atol=1e-5,
    )


def test_drop_frames_repeats_previous_frames():
    x = np.arange(20, dtype=np.float32).reshape(20, 1, 1, 1) * np.ones(
        (1, 1, 20, 3), np.float32
    )
    y = P.drop_frames(x, np.random.default_rng(1), 0.5)
    seq = y[:, 0, 0, 0]
    assert seq[0] == 0 and (np.diff(seq) >= 0).all() and len(np.unique(seq)) < 20


@settings(max_examples=40, deadline=None)
@given(
    t=st.integers(1, 60),
    out=st.integers(1, 250),
    seed=st.integers(0, 2**16),
)
def test_resample_and_normalise_never_produce_nan(t, out, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(t, 1, UCLA20.num_joints, 3)).astype(np.float32)
    if seed % 3 == 0:
        x[:] = 0.0  # degenerate: nobody present
    y = P.resample(P.normalise_clip(x, UCLA20), out)
    assert y.shape == (out, 1, 20, 3) and np.isfinite(y).all()
