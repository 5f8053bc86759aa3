"""Skeleton layouts as data, and linear converters between them.

A :class:`SkeletonLayout` names the joints of one sensor's skeleton (0-based), its bones as
``(child, parent)`` pairs, the centre joint used for normalisation and the left/right joint
pairs used for mirroring. Converters between layouts are explicit ``(V_out, V_in)`` weight
matrices: every output joint is a fixed weighted sum of input joints, so converting a clip
is one ``einsum`` over any leading shape and the tables can be read, printed and tested.

Joints that the target layout has but the source lacks are *synthesised*; each table's
docstring says how. Coordinates are Kinect camera space in metres: x to the image right
of the (mirrored) Kinect colour frame, y up, z away from the sensor.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class SkeletonLayout:
    """One joint layout.

    Attributes:
        name: Short identifier used in configs and run folders (``"ntu25"``).
        joints: Joint names in index order.
        bones: ``(child, parent)`` 0-based index pairs to draw; for the Kinect layouts a tree
            rooted at joint 0 (for MediaPipe a drawing graph with loops).
        center: Index of the joint clips are centred on.
        left_right: ``(left, right)`` index pairs swapped when a skeleton is mirrored.
        spine: ``(lower, upper)`` joints whose direction defines "up" for view alignment.
        hips: ``(left, right)`` hip joints whose direction defines the body's x axis.
    """

    name: str
    joints: tuple[str, ...]
    bones: tuple[tuple[int, int], ...]
    center: int
    left_right: tuple[tuple[int, int], ...] = field(default=())
    spine: tuple[int, int] = (0, 1)
    hips: tuple[int, int] = (0, 0)

    @property
    def num_joints(self) -> int:
        """Number of joints ``V``."""
        return len(self.joints)

    def index(self, joint: str) -> int:
        """Return the index of a joint by name.

        Raises:
            KeyError: If the layout has no joint of that name.
        """
        try:
            return self.joints.index(joint)
        except ValueError:
            raise KeyError(f"layout {self.name!r} has no joint {joint!r}") from None

    def mirror_permutation(self) -> np.ndarray:
        """Joint permutation that swaps left and right joints, shape ``(V,)``."""
        perm = np.arange(self.num_joints)
        for left, right in self.left_right:
            perm[left], perm[right] = right, left
        return perm


_LIMBS = (
    "ShoulderLeft", "ElbowLeft", "WristLeft", "HandLeft",
    "ShoulderRight", "ElbowRight", "WristRight", "HandRight",
    "HipLeft", "KneeLeft", "AnkleLeft", "FootLeft",
    "HipRight", "KneeRight", "AnkleRight", "FootRight",
)  # fmt: skip
# Limb bones shared by both Kinect layouts (joints 4..19 are the same in both).
_LIMB_BONES = (
    (5, 4), (6, 5), (7, 6), (9, 8), (10, 9), (11, 10),
    (13, 12), (14, 13), (15, 14), (17, 16), (18, 17), (19, 18),
)  # fmt: skip
_LIMB_PAIRS = tuple((j, j + 4) for j in (4, 5, 6, 7)) + tuple(
    (j, j + 4) for j in (12, 13, 14, 15)
)

NTU25 = SkeletonLayout(
    name="ntu25",
    joints=("SpineBase", "SpineMid", "Neck", "Head", *_LIMBS,
            "SpineShoulder", "HandTipLeft", "ThumbLeft", "HandTipRight", "ThumbRight"),
    bones=((1, 0), (20, 1), (2, 20), (3, 2), (4, 20), (8, 20), (12, 0), (16, 0),
           *_LIMB_BONES, (21, 7), (22, 7), (23, 11), (24, 11)),
    center=1,
    left_right=(*_LIMB_PAIRS, (21, 23), (22, 24)),
    spine=(0, 20),
    hips=(12, 16),
)  # fmt: skip
"""Kinect v2 (NTU RGB+D, PKU-MMD), 25 joints."""

UCLA20 = SkeletonLayout(
    name="ucla20",
    joints=("HipCenter", "Spine", "ShoulderCenter", "Head", *_LIMBS),
    bones=((1, 0), (2, 1), (3, 2), (4, 2), (8, 2), (12, 0), (16, 0), *_LIMB_BONES),
    center=1,
    left_right=_LIMB_PAIRS,
    spine=(0, 2),
    hips=(12, 16),
)  # fmt: skip
"""Kinect v1 (NW-UCLA), 20 joints."""

MP33 = SkeletonLayout(
    name="mp33",
    joints=(
        "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner",
        "right_eye", "right_eye_outer", "left_ear", "right_ear", "mouth_left",
        "mouth_right", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
        "left_wrist", "right_wrist", "left_pinky", "right_pinky", "left_index",
        "right_index", "left_thumb", "right_thumb", "left_hip", "right_hip",
        "left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel",
        "right_heel", "left_foot_index", "right_foot_index",
    ),
    bones=((11, 23), (12, 24), (13, 11), (15, 13), (14, 12), (16, 14), (17, 15),
           (19, 15), (21, 15), (18, 16), (20, 16), (22, 16), (25, 23), (27, 25),
           (29, 27), (31, 27), (26, 24), (28, 26), (30, 28), (32, 28), (24, 23),
           (12, 11), (0, 11), (0, 12), (7, 0), (8, 0), (2, 0), (5, 0)),
    center=23,
    left_right=((1, 4), (2, 5), (3, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16),
                (17, 18), (19, 20), (21, 22), (23, 24), (25, 26), (27, 28), (29, 30),
                (31, 32)),
    spine=(23, 11),
    hips=(23, 24),
)  # fmt: skip
"""MediaPipe Pose, 33 landmarks (image or world coordinates)."""

LAYOUTS: dict[str, SkeletonLayout] = {lay.name: lay for lay in (NTU25, UCLA20, MP33)}


def get_layout(name: str) -> SkeletonLayout:
    """Look a layout up by name.

    Raises:
        KeyError: With the known names, if ``name`` is not one of them.
    """
    try:
        return LAYOUTS[name]
    except KeyError:
        raise KeyError(f"unknown layout {name!r}; known: {sorted(LAYOUTS)}") from None


# Where the Kinect neck sits between the shoulder centre (0) and the head centre (1).
NECK_FRACTION = 0.4
# Where the spine joint sits between the hip centre (0) and the shoulder centre (1),
# measured on the real data (medians): Kinect v1 "Spine" (NW-UCLA, all 58k frames) just
# above the hips, Kinect v2 "SpineMid" (NTU) a little above the middle of the torso.
UCLA_SPINE_FRACTION = 0.17
NTU_SPINE_MID_FRACTION = 0.57


def _table(
    out: SkeletonLayout, src: SkeletonLayout, rows: dict[str, dict[str, float]]
) -> np.ndarray:
    """Build a ``(V_out, V_in)`` weight matrix from named rows; every row must sum to 1."""
    w = np.zeros((out.num_joints, src.num_joints), dtype=np.float32)
    for joint, parts in rows.items():
        for name, weight in parts.items():
            w[out.index(joint), src.index(name)] += weight
    sums = w.sum(axis=1)
    missing = [out.joints[i] for i in np.flatnonzero(np.abs(sums - 1.0) > 1e-6)]
    if missing:
        raise ValueError(f"{src.name}->{out.name}: rows not summing to 1: {missing}")
    return w


def _mp_to_kinect_rows(v1: bool) -> dict[str, dict[str, float]]:
    """MediaPipe -> Kinect rows shared by NTU25 and UCLA20.

    Copied: shoulders, elbows, wrists, hips, knees, ankles. Synthesised: hip centre = hip
    midpoint; shoulder centre = shoulder midpoint; spine (mid) = on the line between those
    two at ``UCLA_SPINE_FRACTION`` (v1) or ``NTU_SPINE_MID_FRACTION`` (v2);
    head = mean of the ears; hand = mean of wrist, index and pinky (palm centre);
    foot = mean of heel and toe (foot index).
    """
    hips = {"left_hip": 0.5, "right_hip": 0.5}
    shoulders = {"left_shoulder": 0.5, "right_shoulder": 0.5}
    f = UCLA_SPINE_FRACTION if v1 else NTU_SPINE_MID_FRACTION
    mid = {k: (1 - f) * v for k, v in hips.items()}
    mid |= {k: f * v for k, v in shoulders.items()}
    rows = {
        ("HipCenter" if v1 else "SpineBase"): hips,
        ("Spine" if v1 else "SpineMid"): mid,
        ("ShoulderCenter" if v1 else "SpineShoulder"): shoulders,
        "Head": {"left_ear": 0.5, "right_ear": 0.5},
    }
    for side, s in (("Left", "left"), ("Right", "right")):
        rows |= {
            f"Shoulder{side}": {f"{s}_shoulder": 1.0},
            f"Elbow{side}": {f"{s}_elbow": 1.0},
            f"Wrist{side}": {f"{s}_wrist": 1.0},
            f"Hand{side}": {
                f"{s}_wrist": 1 / 3,
                f"{s}_index": 1 / 3,
                f"{s}_pinky": 1 / 3,
            },
            f"Hip{side}": {f"{s}_hip": 1.0},
            f"Knee{side}": {f"{s}_knee": 1.0},
            f"Ankle{side}": {f"{s}_ankle": 1.0},
            f"Foot{side}": {f"{s}_heel": 0.5, f"{s}_foot_index": 0.5},
        }
        if not v1:
            rows[f"HandTip{side}"] = {f"{s}_index": 1.0}
            rows[f"Thumb{side}"] = {f"{s}_thumb": 1.0}
    if not v1:
        f = NECK_FRACTION
        rows["Neck"] = {k: (1 - f) * v for k, v in shoulders.items()}
        for k in ("left_ear", "right_ear"):
            rows["Neck"][k] = f * 0.5
    return rows


MP33_TO_NTU25 = _table(NTU25, MP33, _mp_to_kinect_rows(v1=False))
"""MediaPipe 33 -> NTU 25. Neck = shoulder centre moved ``NECK_FRACTION`` towards the head;
hand tip = index finger tip; thumb = thumb tip; see ``_mp_to_kinect_rows`` for the rest."""

MP33_TO_UCLA20 = _table(UCLA20, MP33, _mp_to_kinect_rows(v1=True))
"""MediaPipe 33 -> NW-UCLA 20 (same rules as NTU, without neck, hand tips and thumbs)."""

NTU25_TO_UCLA20 = _table(
    UCLA20,
    NTU25,
    {
        "HipCenter": {"SpineBase": 1.0},
        "Spine": {
            "SpineBase": 1 - UCLA_SPINE_FRACTION,
            "SpineShoulder": UCLA_SPINE_FRACTION,
        },
        "ShoulderCenter": {"SpineShoulder": 1.0},
        "Head": {"Head": 1.0},
        **{j: {j: 1.0} for j in _LIMBS},
    },
)
"""NTU 25 -> NW-UCLA 20: a selection (neck, hand tips and thumbs are dropped), except the
Kinect v1 spine joint, which sits much lower than Kinect v2's SpineMid: it is placed on the
SpineBase->SpineShoulder line at ``UCLA_SPINE_FRACTION``."""

UCLA20_TO_NTU25 = _table(
    NTU25,
    UCLA20,
    {
        "SpineBase": {"HipCenter": 1.0},
        "SpineMid": {
            "HipCenter": 1 - NTU_SPINE_MID_FRACTION,
            "ShoulderCenter": NTU_SPINE_MID_FRACTION,
        },
        "SpineShoulder": {"ShoulderCenter": 1.0},
        "Neck": {"ShoulderCenter": 1 - NECK_FRACTION, "Head": NECK_FRACTION},
        "Head": {"Head": 1.0},
        **{j: {j: 1.0} for j in _LIMBS},
        # The hand tip continues the wrist->hand direction by the same length again.
        "HandTipLeft": {"HandLeft": 2.0, "WristLeft": -1.0},
        "HandTipRight": {"HandRight": 2.0, "WristRight": -1.0},
        # Kinect v1 has no thumb: it is placed at the hand centre.
        "ThumbLeft": {"HandLeft": 1.0},
        "ThumbRight": {"HandRight": 1.0},
    },
)
"""NW-UCLA 20 -> NTU 25: SpineMid on the HipCenter->ShoulderCenter line at
``NTU_SPINE_MID_FRACTION``, neck between shoulder centre and head, hand tips extrapolated
along wrist->hand, thumbs placed at the hand centre."""


def _torso_rows(layout: SkeletonLayout) -> dict[str, dict[str, float]]:
    """The joints MediaPipe cannot measure, written as rules on joints both sensors have."""
    hips = {"HipLeft": 0.5, "HipRight": 0.5}
    shoulders = {"ShoulderLeft": 0.5, "ShoulderRight": 0.5}
    if layout.name == "ucla20":
        f = UCLA_SPINE_FRACTION
        return {
            "HipCenter": hips,
            "ShoulderCenter": shoulders,
            "Spine": {k: (1 - f) * v for k, v in hips.items()}
            | {k: f * v for k, v in shoulders.items()},
        }
    if layout.name == "ntu25":
        f, n = NTU_SPINE_MID_FRACTION, NECK_FRACTION
        return {
            "SpineBase": hips,
            "SpineShoulder": shoulders,
            "SpineMid": {k: (1 - f) * v for k, v in hips.items()}
            | {k: f * v for k, v in shoulders.items()},
            "Neck": {k: (1 - n) * v for k, v in shoulders.items()} | {"Head": n},
        }
    raise KeyError(f"no torso rules for layout {layout.name!r} (ntu25 or ucla20 only)")


def torso_matrix(layout: SkeletonLayout | str) -> np.ndarray:
    """``(V, V)`` matrix rebuilding a Kinect layout's torso joints by the MediaPipe rules.

    MediaPipe has no hip centre, spine, shoulder centre or neck; the converters
    synthesise them from the hips, shoulders and head (see ``_mp_to_kinect_rows``).
    Applying this matrix to a Kinect clip replaces its measured torso joints by the same
    synthesis, so that both sensors give the model one joint definition; every other
    joint is kept. On a clip converted from MediaPipe it changes nothing.

    Raises:
        KeyError: For a layout other than ``ntu25`` and ``ucla20``.
    """
    lay = get_layout(layout) if isinstance(layout, str) else layout
    rows: dict[str, dict[str, float]] = {j: {j: 1.0} for j in lay.joints}
    rows |= _torso_rows(lay)
    return _table(lay, lay, rows)


REFERENCE_BONE_LENGTHS: dict[str, tuple[float, ...]] = {
    # Median length (metres) of every bone of ``UCLA20.bones``, in that order, over the
    # 1020 NW-UCLA training clips (views 1 and 2) after the torso rebuild, left and
    # right averaged.
    "ucla20": (
        0.065, 0.316, 0.279, 0.16, 0.16, 0.069, 0.069,
        0.25, 0.235, 0.077, 0.25, 0.235, 0.077,
        0.483, 0.376, 0.0885, 0.483, 0.376, 0.0885,
    ),
    # The same for ``NTU25.bones``, over the shared NTU and PKU-MMD recordings.
    "ntu25": (
        0.281, 0.212, 0.109, 0.163, 0.163, 0.163, 0.072, 0.072,
        0.26, 0.234, 0.065, 0.26, 0.234, 0.065,
        0.392, 0.342, 0.108, 0.392, 0.342, 0.108,
        0.06, 0.044, 0.06, 0.044,
    ),
}  # fmt: skip
"""Bone lengths of the reference skeleton clips are retargeted to (one body shape for
every sensor and person), in the order of the layout's ``bones``."""


_CONVERTERS: dict[tuple[str, str], np.ndarray] = {
    ("mp33", "ntu25"): MP33_TO_NTU25,
    ("mp33", "ucla20"): MP33_TO_UCLA20,
    ("ntu25", "ucla20"): NTU25_TO_UCLA20,
    ("ucla20", "ntu25"): UCLA20_TO_NTU25,
}


def conversion_matrix(src: str, dst: str) -> np.ndarray:
    """Weight matrix ``(V_dst, V_src)`` converting layout ``src`` to ``dst``.

    Raises:
        KeyError: If no converter exists between the two layouts.
    """
    if src == dst:
        return np.eye(get_layout(src).num_joints, dtype=np.float32)
    try:
        return _CONVERTERS[(src, dst)]
    except KeyError:
        raise KeyError(f"no converter from {src!r} to {dst!r}") from None


def convert(joints: np.ndarray, src: str, dst: str) -> np.ndarray:
    """Convert joints from one layout to another.

    Args:
        joints: Array ``(..., V_src, C)``.
        src: Source layout name.
        dst: Target layout name.

    Returns:
        float32 array ``(..., V_dst, C)``.
    """
    w = conversion_matrix(src, dst)
    if joints.shape[-2] != w.shape[1]:
        raise ValueError(
            f"expected {w.shape[1]} joints for layout {src!r}, got shape {joints.shape}"
        )
    return np.einsum("ov,...vc->...oc", w, joints, optimize=True).astype(np.float32)


def bone_vectors(joints: np.ndarray, layout: SkeletonLayout) -> np.ndarray:
    """Child-minus-parent vectors for every bone, shape ``(..., B, C)``."""
    child = np.array([c for c, _ in layout.bones])
    parent = np.array([p for _, p in layout.bones])
    return joints[..., child, :] - joints[..., parent, :]
