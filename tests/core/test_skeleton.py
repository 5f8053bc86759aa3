"""Joint layouts and converters: tree structure, mirroring, conversion tables, real data."""

from __future__ import annotations

import numpy as np
import pytest

from core.datasets import get_reader, read_file
from core.skeleton import (
    LAYOUTS,
    MP33,
    NTU25,
    UCLA20,
    bone_vectors,
    conversion_matrix,
    convert,
    get_layout,
)
from tests.conftest import require_data


@pytest.mark.parametrize("layout", [NTU25, UCLA20], ids=lambda lay: lay.name)
def test_kinect_bones_form_a_tree(layout):
    v = layout.num_joints
    children = [c for c, _ in layout.bones]
    assert len(layout.bones) == v - 1
    assert len(set(children)) == v - 1  # every joint but the root has one parent
    (root,) = set(range(v)) - set(children)
    parent = dict(layout.bones)
    for joint in range(v):  # walking up from any joint reaches the root without a cycle
        seen = set()
        while joint != root:
            assert joint not in seen
            seen.add(joint)
            joint = parent[joint]
    assert root == layout.spine[0] == 0


def test_mediapipe_graph_is_well_formed():
    # MP33 bones are a drawing graph (the face has no bones, shoulders and hips close
    # loops), so only index sanity is required of it.
    pairs = {tuple(sorted(b)) for b in MP33.bones}
    assert len(pairs) == len(MP33.bones)
    assert all(0 <= c < 33 and 0 <= p < 33 and c != p for c, p in MP33.bones)


@pytest.mark.parametrize("layout", list(LAYOUTS.values()), ids=lambda lay: lay.name)
def test_left_right_pairs_match_names_and_mirror_is_an_involution(layout):
    for left, right in layout.left_right:
        a, b = layout.joints[left], layout.joints[right]
        assert ("Left" in a and a.replace("Left", "Right") == b) or (
            "left" in a and a.replace("left", "right") == b
        )
    perm = layout.mirror_permutation()
    assert sorted(perm.tolist()) == list(range(layout.num_joints))
    np.testing.assert_array_equal(perm[perm], np.arange(layout.num_joints))
    assert get_layout(layout.name) is layout


@pytest.mark.parametrize(
    ("src", "dst"),
    [("mp33", "ntu25"), ("mp33", "ucla20"), ("ntu25", "ucla20"), ("ucla20", "ntu25")],
)
def test_conversion_rows_sum_to_one(src, dst):
    w = conversion_matrix(src, dst)
    assert w.shape == (get_layout(dst).num_joints, get_layout(src).num_joints)
    np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-6)
    # A translation of the input translates every output joint the same way.
    x = np.random.default_rng(0).normal(size=(4, get_layout(src).num_joints, 3))
    shift = np.array([0.3, -1.0, 2.0])
    np.testing.assert_allclose(
        convert(x + shift, src, dst), convert(x, src, dst) + shift, atol=1e-5
    )


def test_ntu_to_ucla_selects_all_but_the_spine_and_round_trips():
    w = conversion_matrix("ntu25", "ucla20")
    spine = UCLA20.index("Spine")
    others = np.delete(w, spine, axis=0)
    assert set(np.unique(others).tolist()) == {0.0, 1.0}
    assert (others.max(axis=1) == 1).all()
    x = np.random.default_rng(1).normal(size=(7, 2, 20, 3)).astype(np.float32)
    back = convert(convert(x, "ucla20", "ntu25"), "ntu25", "ucla20")
    np.testing.assert_allclose(
        np.delete(back, spine, axis=-2), np.delete(x, spine, axis=-2), atol=1e-6
    )
    with pytest.raises(ValueError):
        convert(x[..., :19, :], "ucla20", "ntu25")
    with pytest.raises(KeyError):
        conversion_matrix("ucla20", "mp33")


def test_round_trip_keeps_the_real_ucla_spine_within_2cm():
    clips = list(get_reader("nw-ucla").scan(require_data("nw-ucla", "all_sqe.zip")))[
        ::50
    ]
    x = np.concatenate([c.joints for c in clips])
    back = convert(convert(x, "ucla20", "ntu25"), "ntu25", "ucla20")
    err = np.linalg.norm(back - x, axis=-1)
    assert np.median(err[..., UCLA20.index("Spine")]) < 0.02
    assert err.max() < 0.2


def _median_bone_lengths(joints: np.ndarray, layout) -> np.ndarray:
    """Median length of every bone over frames and bodies that are present, ``(B,)``."""
    lengths = np.linalg.norm(bone_vectors(joints, layout), axis=-1).reshape(
        -1, len(layout.bones)
    )
    present = np.abs(joints).reshape(lengths.shape[0], -1).sum(axis=1) > 0
    return np.median(lengths[present], axis=0)


def test_ntu_to_ucla_keeps_plausible_bone_lengths_on_real_data():
    ntu = read_file(require_data("ntu", "S001C001P001R001A001.skeleton"))
    converted = convert(ntu.joints, "ntu25", "ucla20")
    assert converted.shape == (103, 1, 20, 3)
    ours = _median_bone_lengths(converted, UCLA20)
    clips = list(get_reader("nw-ucla").scan(require_data("nw-ucla", "all_sqe.zip")))
    ucla = np.median(
        [_median_bone_lengths(c.joints, UCLA20) for c in clips[::10]], axis=0
    )
    assert ((ours > 0.03) & (ours < 0.6)).all(), ours
    ratio = ours / ucla
    assert ((ratio > 0.5) & (ratio < 2.0)).all(), dict(
        zip(UCLA20.bones, ratio.round(2))
    )
    # Left and right limb bones (upper/lower arm and leg) agree within 25 %; the short
    # hip and hand bones of a Kinect are too noisy for that.
    names = [UCLA20.joints[c] for c, _ in UCLA20.bones]
    for i, name in enumerate(names):
        if "Left" in name and not name.startswith(("Hip", "Hand", "Shoulder", "Foot")):
            j = names.index(name.replace("Left", "Right"))
            assert abs(ours[i] - ours[j]) <= 0.25 * max(ours[i], ours[j]), name


def test_ucla_to_ntu_synthesised_joints_on_real_data():
    (clip,) = get_reader("nw-ucla").read_file(
        _extract_one(require_data("nw-ucla", "all_sqe.zip"))
    )
    ntu = convert(clip.joints, "ucla20", "ntu25")
    lengths = _median_bone_lengths(ntu, NTU25)
    assert ((lengths >= 0) & (lengths < 0.6)).all()
    neck, sh, head = (
        ntu[..., NTU25.index(n), :] for n in ("Neck", "SpineShoulder", "Head")
    )
    # The neck lies on the segment from the shoulder centre to the head.
    np.testing.assert_allclose(
        np.linalg.norm(neck - sh, axis=-1) + np.linalg.norm(head - neck, axis=-1),
        np.linalg.norm(head - sh, axis=-1),
        atol=1e-5,
    )


def _extract_one(archive):
    import tempfile
    import zipfile

    folder = tempfile.mkdtemp(prefix="ucla-one-")
    with zipfile.ZipFile(archive) as zf:
        zf.extract("all_sqe/a04_s01_e00_v01.json", folder)
    return f"{folder}/all_sqe/a04_s01_e00_v01.json"


def test_bone_vectors_shape():
    x = np.zeros((5, 2, 25, 3), np.float32)
    x[..., 1, :] = 1.0
    b = bone_vectors(x, NTU25)
    assert b.shape == (5, 2, 24, 3)
    np.testing.assert_array_equal(b[..., NTU25.bones.index((1, 0)), :], 1.0)
