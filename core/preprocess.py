"""Pure preprocessing and augmentation functions on skeleton clips.

Every function takes a clip ``x`` of shape ``(T, M, V, C)`` — frames, bodies, joints, xyz —
float32 in metres, Kinect camera space, and returns a new array (inputs are never modified).
Absent bodies are all-zero and stay all-zero through every function, so a body's presence can
always be read back with :func:`body_present`. Batches at the core -> models boundary are
``(N, T, M, V, C)``; building them is the job of the training data pipeline and the Predictor,
which both call :func:`normalise_clip` then :func:`resample` with the same settings.

Normalisation (what the model sees): optionally one joint definition for Kinect and
MediaPipe (:func:`rebuild_torso`, :func:`retarget_bones`) and no travel
(:func:`remove_root_motion`); then centre on the first frame's centre joint of the main
body, rotate so that in that frame the hip line is the x axis and the spine the y axis (view
alignment; the difference between a weak and a strong cross-view model on NW-UCLA), and divide
by the main body's mean spine length. Augmentations draw their parameters from a
``numpy.random.Generator`` passed in, so they are repeatable under a seed.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from core.skeleton import (
    REFERENCE_BONE_LENGTHS,
    SkeletonLayout,
    get_layout,
    torso_matrix,
)

_EPS = 1e-6


def _layout(layout: SkeletonLayout | str) -> SkeletonLayout:
    return get_layout(layout) if isinstance(layout, str) else layout


def _check(x: np.ndarray) -> None:
    if x.ndim != 4:
        raise ValueError(f"expected a clip of shape (T, M, V, C), got {x.shape}")
    if x.shape[0] < 1:
        raise ValueError("a clip needs at least one frame")


def sanitize(x: np.ndarray) -> np.ndarray:
    """Return a float32 copy with NaN and infinite coordinates replaced by 0 (absent).

    Args:
        x: Clip ``(T, M, V, C)``.

    Returns:
        float32 clip of the same shape.
    """
    y = np.array(x, dtype=np.float32, copy=True)
    y[~np.isfinite(y)] = 0.0
    return y


def body_present(x: np.ndarray) -> np.ndarray:
    """Which bodies are present in which frames.

    Args:
        x: Clip ``(T, M, V, C)``.

    Returns:
        bool array ``(T, M)``: True where any joint of that body is non-zero.
    """
    return np.any(x != 0, axis=(2, 3))


def _first_frame(present: np.ndarray) -> int:
    """Index of the first frame in which body 0 is present (0 if never)."""
    idx = np.flatnonzero(present[:, 0])
    return int(idx[0]) if idx.size else 0


def _mask_absent(y: np.ndarray, present: np.ndarray) -> np.ndarray:
    y[~present] = 0.0
    return y


def center(x: np.ndarray, layout: SkeletonLayout | str) -> np.ndarray:
    """Translate so the main body's centre joint in its first present frame is the origin.

    Args:
        x: Clip ``(T, M, V, C)``.
        layout: Layout (or its name) giving the centre joint.

    Returns:
        Centred clip; absent bodies stay zero.
    """
    _check(x)
    lay = _layout(layout)
    present = body_present(x)
    origin = x[_first_frame(present), 0, lay.center]
    return _mask_absent(x - origin, present).astype(np.float32)


def view_rotation(x: np.ndarray, layout: SkeletonLayout | str) -> np.ndarray:
    """Rotation that puts the main body's hips on x and spine on y in its first frame.

    Args:
        x: Clip ``(T, M, V, 3)``.
        layout: Layout giving the hip and spine joints.

    Returns:
        ``(3, 3)`` rotation matrix ``R`` (apply as ``x @ R.T``); identity when the frame
        is degenerate (coincident hips, or a spine parallel to the hip line).
    """
    lay = _layout(layout)
    frame = x[_first_frame(body_present(x)), 0]
    # In Kinect camera space a person facing the sensor has the right hip at larger x
    # than the left one, so left -> right hip is +x and a frontal pose stays unrotated.
    ex = frame[lay.hips[1]] - frame[lay.hips[0]]
    up = frame[lay.spine[1]] - frame[lay.spine[0]]
    nx = np.linalg.norm(ex)
    if nx < _EPS:
        return np.eye(3, dtype=np.float32)
    ex = ex / nx
    ey = up - np.dot(up, ex) * ex
    ny = np.linalg.norm(ey)
    if ny < _EPS:
        return np.eye(3, dtype=np.float32)
    ey = ey / ny
    ez = np.cross(ex, ey)
    return np.stack([ex, ey, ez]).astype(np.float32)


def align_view(x: np.ndarray, layout: SkeletonLayout | str) -> np.ndarray:
    """Rotate a (centred) clip by :func:`view_rotation`.

    Args:
        x: Clip ``(T, M, V, 3)``, ideally centred first.
        layout: Layout giving hips and spine.

    Returns:
        Rotated clip; absent bodies stay zero.
    """
    _check(x)
    rot = view_rotation(x, layout)
    return _mask_absent(x @ rot.T, body_present(x)).astype(np.float32)


def spine_length(x: np.ndarray, layout: SkeletonLayout | str) -> float:
    """Mean length of the main body's spine over the frames it is present in."""
    lay = _layout(layout)
    present = body_present(x)[:, 0]
    if not present.any():
        return 0.0
    seg = x[present, 0, lay.spine[1]] - x[present, 0, lay.spine[0]]
    return float(np.linalg.norm(seg, axis=-1).mean())


def scale_normalise(x: np.ndarray, layout: SkeletonLayout | str) -> np.ndarray:
    """Divide by the main body's mean spine length (unchanged if that length is ~0)."""
    _check(x)
    length = spine_length(x, layout)
    if length < 1e-3:
        return x.astype(np.float32, copy=True)
    return (x / length).astype(np.float32)


def rebuild_torso(x: np.ndarray, layout: SkeletonLayout | str) -> np.ndarray:
    """Replace the torso joints by the rules MediaPipe's are synthesised with.

    Hip centre = hip midpoint, shoulder centre = shoulder midpoint, spine on the line
    between them, NTU's neck between shoulder centre and head
    (:func:`core.skeleton.torso_matrix`). A clip converted from MediaPipe is unchanged;
    a Kinect clip gets the same joint definition.

    Args:
        x: Clip ``(T, M, V, 3)`` in ``layout``.
        layout: ``ntu25`` or ``ucla20``.

    Returns:
        float32 clip of the same shape; absent bodies stay zero.
    """
    _check(x)
    w = torso_matrix(layout)
    y = np.einsum("ov,tmvc->tmoc", w, x.astype(np.float32), optimize=True)
    return _mask_absent(y, body_present(x)).astype(np.float32)


def _bone_order(lay: SkeletonLayout) -> list[tuple[int, int, int]]:
    """``(bone index, child, parent)`` with every parent placed before its children."""
    done, order, todo = {lay.bones[0][1]}, [], list(enumerate(lay.bones))
    while todo:
        rest = []
        for i, (c, p) in todo:
            if p in done:
                order.append((i, c, p))
                done.add(c)
            else:
                rest.append((i, (c, p)))
        if len(rest) == len(todo):
            raise ValueError(f"layout {lay.name!r}: bones do not form a tree")
        todo = rest
    return order


def retarget_bones(
    x: np.ndarray,
    layout: SkeletonLayout | str,
    lengths: tuple[float, ...] | np.ndarray | None = None,
) -> np.ndarray:
    """Give every bone a fixed length, keeping its direction in every frame.

    Walking the bone tree from the root (joint 0, which keeps its position), each child
    is placed at its parent plus the reference length along the measured bone direction.
    Two sensors (or two people) doing the same motion then give the same joints up to
    the bone directions: MediaPipe's hips, for one, sit twice as far apart as Kinect's.

    Args:
        x: Clip ``(T, M, V, 3)``.
        layout: Its layout (``ntu25`` or ``ucla20``, or any with a tree of bones).
        lengths: One length per bone of ``layout.bones``; ``None`` =
            :data:`core.skeleton.REFERENCE_BONE_LENGTHS` of the layout.

    Returns:
        float32 clip; a zero-length bone keeps its child on the parent; absent bodies
        stay zero.

    Raises:
        KeyError: If no reference lengths exist for the layout.
    """
    _check(x)
    lay = _layout(layout)
    if lengths is None:
        lengths = REFERENCE_BONE_LENGTHS.get(lay.name, ())
        if not lengths:
            raise KeyError(f"no reference bone lengths for layout {lay.name!r}")
    ref = np.asarray(lengths, dtype=np.float32)
    if ref.shape != (len(lay.bones),):
        raise ValueError(f"expected {len(lay.bones)} bone lengths, got {ref.shape}")
    src = x.astype(np.float32)
    y = src.copy()
    for i, c, p in _bone_order(lay):
        d = src[..., c, :] - src[..., p, :]
        n = np.linalg.norm(d, axis=-1, keepdims=True)
        unit = np.where(n > _EPS, d / np.maximum(n, _EPS), 0.0)
        y[..., c, :] = y[..., p, :] + ref[i] * unit
    return _mask_absent(y, body_present(x)).astype(np.float32)


def remove_root_motion(
    x: np.ndarray, layout: SkeletonLayout | str, keep_height: bool = False
) -> np.ndarray:
    """Put the main body's hip midpoint at the origin in every frame.

    MediaPipe's world landmarks are hip-centred in every frame, so a webcam skeleton
    never travels; this gives a Kinect clip the same property. Other bodies move with
    the main one (their position relative to it is kept).

    Args:
        x: Clip ``(T, M, V, 3)``.
        layout: Layout giving the hip joints (and the ankles, for ``keep_height``).
        keep_height: Remove only the horizontal travel (x, z) and put the lower ankle
            at y = 0 instead of the hips, so the hips still rise and fall (sitting down,
            bending) — a height both sensors measure.

    Returns:
        float32 clip; absent bodies stay zero. Frames without the main body keep the
        offset of the nearest earlier frame that has it.
    """
    _check(x)
    lay = _layout(layout)
    present = body_present(x)
    root = 0.5 * (x[:, 0, lay.hips[0]] + x[:, 0, lay.hips[1]])  # (T, C)
    if keep_height:
        ankles = [lay.index("AnkleLeft"), lay.index("AnkleRight")]
        root[:, 1] = x[:, 0, ankles, 1].min(axis=1)
    have = present[:, 0]
    if not have.any():
        return x.astype(np.float32, copy=True)
    idx = np.where(have, np.arange(len(x)), -1)
    idx = np.maximum.accumulate(idx)
    idx[idx < 0] = int(np.flatnonzero(have)[0])
    y = x - root[idx][:, None, None, :]
    return _mask_absent(y, present).astype(np.float32)


def normalise_clip(
    x: np.ndarray,
    layout: SkeletonLayout | str,
    *,
    align: bool = True,
    scale: bool = True,
    joints: str = "sensor",
    root_motion: str = "keep",
) -> np.ndarray:
    """The normalisation the model sees: sanitize, [joints], [root], centre, align, scale.

    Args:
        x: Raw clip ``(T, M, V, 3)`` in camera space.
        layout: The clip's layout (or its name).
        align: Rotate to the body frame of the first frame.
        scale: Divide by the mean spine length.
        joints: ``"sensor"``: the joints as the sensor (or converter) gives them;
            ``"shared"``: one joint definition for Kinect and MediaPipe — torso joints
            rebuilt by the MediaPipe rules (:func:`rebuild_torso`) and every bone set to
            the reference length (:func:`retarget_bones`).
        root_motion: ``"keep"`` the body's travel; ``"remove"`` centres every frame on
            the hip midpoint (:func:`remove_root_motion`), as MediaPipe world landmarks
            are; ``"height"`` does so horizontally but keeps the hips' height above the
            lower ankle.

    Returns:
        Normalised float32 clip of the same shape.

    Raises:
        ValueError: If ``x`` is not a 4-D clip with at least one frame.
    """
    _check(x)
    y = sanitize(x)
    if joints == "shared" and y.shape[-1] == 3:
        y = retarget_bones(rebuild_torso(y, layout), layout)
    elif joints != "sensor":
        raise ValueError(f"joints must be 'sensor' or 'shared', got {joints!r}")
    if root_motion in ("remove", "height"):
        y = remove_root_motion(y, layout, keep_height=root_motion == "height")
    elif root_motion != "keep":
        raise ValueError(
            f"root_motion must be 'keep', 'remove' or 'height', got {root_motion!r}"
        )
    y = center(y, layout)
    if align and y.shape[-1] == 3:
        y = align_view(y, layout)
    if scale:
        y = scale_normalise(y, layout)
    return y


STREAMS = ("joint", "bone", "motion")


def bone_parents(layout: SkeletonLayout | str) -> np.ndarray:
    """``(V,)`` int64: every joint's parent in the layout's bone tree, ``-1`` for the root.

    Raises:
        ValueError: If the layout's bones are not a tree (MediaPipe's ``mp33`` draws
            its bones as a graph; convert to a Kinect layout first).
    """
    return _parents(_layout(layout))


@functools.cache
def _parents(lay: SkeletonLayout) -> np.ndarray:
    # once per layout: the bone stream is taken for every clip and every live window
    parents = np.full(lay.num_joints, -1, dtype=np.int64)
    try:
        order = _bone_order(lay)
    except ValueError:
        order = []
    children = [c for c, _ in lay.bones]
    if (
        not order
        or len(set(children)) != len(children)
        or len(order) != lay.num_joints - 1
    ):
        raise ValueError(
            f"layout {lay.name!r}: its bones are not a tree over every joint, so it has "
            "no bone stream (use a Kinect layout: ntu25 or ucla20)"
        )
    for _, c, p in order:
        parents[c] = p
    parents.flags.writeable = False
    return parents


def has_bone_tree(layout: str) -> bool:
    """Whether :func:`bone_parents` (and so the bone stream) takes ``layout``."""
    try:
        bone_parents(layout)
    except ValueError:
        return False
    return True


def to_stream(
    x: np.ndarray, n: int, stream: str, layout: SkeletonLayout | str
) -> np.ndarray:
    """The input stream the model reads, from a normalised clip fitted to ``T`` frames.

    * ``"joint"``: the joints as they are (a copy).
    * ``"bone"``: every joint's vector from its parent in the layout's bone tree; the
      root keeps its own coordinates (its offset from the clip's centre, so the body's
      travel stays in the input). Linear in the joints, so the rotations and shears of
      augmentation and of the pretext tasks act on it as on joints.
    * ``"motion"``: each joint's displacement to the next frame, over the ``n`` valid
      frames; zero on the last valid frame, on padding and wherever the body is absent
      in either frame.

    Absent bodies stay all-zero in every stream.

    Args:
        x: ``(T, M, V, C)`` clip (normalised, timed).
        n: Valid frames (``T`` for resampled clips).
        stream: One of :data:`STREAMS`.
        layout: The clip's layout (for the bone tree).

    Raises:
        ValueError: Unknown stream, or a bone stream for a layout without a bone tree.
    """
    _check(x)
    if stream == "joint":
        return np.array(x, dtype=np.float32)
    if stream == "bone":
        parents = bone_parents(layout)
        y = np.array(x, dtype=np.float32)
        child = np.flatnonzero(parents >= 0)
        y[:, :, child] = x[:, :, child] - x[:, :, parents[child]]
        return y  # an absent body's joints are all zero, so are its bones
    if stream == "motion":
        y = np.zeros_like(x, dtype=np.float32)
        n = int(min(max(n, 0), x.shape[0]))
        if n >= 2:
            present = body_present(x)[:n]
            both = (present[:-1] & present[1:])[:, :, None, None]
            y[: n - 1] = np.where(both, x[1:n] - x[: n - 1], 0.0)
        return y
    raise ValueError(f"unknown stream {stream!r}; known: {', '.join(STREAMS)}")


def resample(x: np.ndarray, length: int) -> np.ndarray:
    """Linearly resample a clip along time to exactly ``length`` frames.

    Bodies absent in either neighbouring frame are not blended with zeros: the nearest
    frame's value is used instead, so a body's entry and exit stay sharp.

    Args:
        x: Clip ``(T, ...)`` with ``T >= 1``.
        length: Number of output frames (>= 1).

    Returns:
        float32 array ``(length, ...)``.
    """
    if length < 1:
        raise ValueError(f"length must be >= 1, got {length}")
    n = x.shape[0]
    if n < 1:
        raise ValueError("cannot resample an empty clip")
    if n == 1:
        return np.repeat(x.astype(np.float32), length, axis=0)
    pos = np.linspace(0.0, n - 1, length)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, n - 1)
    w = (pos - lo).astype(np.float32)
    a, b = x[lo].astype(np.float32), x[hi].astype(np.float32)
    wb = w.reshape((-1,) + (1,) * (x.ndim - 1))
    y = a * (1 - wb) + b * wb
    if x.ndim == 4:  # keep absent bodies crisp
        pa, pb = body_present(a), body_present(b)
        nearest = np.where((w < 0.5)[:, None], pa, pb)
        near = np.where(w[:, None, None, None] < 0.5, a, b)
        y = np.where((pa & pb)[..., None, None], y, near)
        y[~nearest] = 0.0
    return y.astype(np.float32)


def pad_time(x: np.ndarray, length: int) -> tuple[np.ndarray, int]:
    """Zero-pad (or truncate) a clip to ``length`` frames.

    Returns:
        ``(y, valid)``: the ``(length, ...)`` array and the number of real frames in it.
    """
    n = min(x.shape[0], length)
    y = np.zeros((length,) + x.shape[1:], dtype=np.float32)
    y[:n] = x[:n]
    return y, n


def pad_bodies(x: np.ndarray, bodies: int) -> np.ndarray:
    """Zero-pad (or truncate) the body axis of a clip ``(T, M, V, C)`` to ``bodies``."""
    _check(x)
    m = min(x.shape[1], bodies)
    y = np.zeros((x.shape[0], bodies) + x.shape[2:], dtype=np.float32)
    y[:, :m] = x[:, :m]
    return y


def length_mask(lengths: np.ndarray, length: int) -> np.ndarray:
    """Boolean ``(N, length)`` mask that is True on the first ``lengths[i]`` frames."""
    return np.arange(length)[None, :] < np.asarray(lengths)[:, None]


# ----------------------------------------------------------------------------- augment


def _rotation(ax: float, ay: float, az: float) -> np.ndarray:
    cx, sx = np.cos(ax), np.sin(ax)
    cy, sy = np.cos(ay), np.sin(ay)
    cz, sz = np.cos(az), np.sin(az)
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return (rz @ ry @ rx).astype(np.float32)


def _linear(x: np.ndarray, m: np.ndarray) -> np.ndarray:
    return _mask_absent(x @ m.T, body_present(x)).astype(np.float32)


def rotate(x: np.ndarray, rng: np.random.Generator, max_degrees: float) -> np.ndarray:
    """Rotate by random angles in ``[-max_degrees, max_degrees]`` about each axis.

    The vertical axis gets the full range (viewpoint changes); x and z get a third of it
    (camera tilt).
    """
    a = (
        np.deg2rad(max_degrees)
        * rng.uniform(-1, 1, size=3)
        * np.array([1 / 3, 1.0, 1 / 3])
    )
    return _linear(x, _rotation(*a))


def scale(x: np.ndarray, rng: np.random.Generator, amount: float) -> np.ndarray:
    """Scale each axis by a random factor in ``[1 - amount, 1 + amount]``."""
    return _linear(x, np.diag(rng.uniform(1 - amount, 1 + amount, size=3)))


def shear(x: np.ndarray, rng: np.random.Generator, amount: float) -> np.ndarray:
    """Apply a random shear with off-diagonal terms in ``[-amount, amount]``."""
    m = np.eye(3) + rng.uniform(-amount, amount, size=(3, 3)) * (1 - np.eye(3))
    return _linear(x, m)


def gaussian_noise(x: np.ndarray, rng: np.random.Generator, std: float) -> np.ndarray:
    """Add i.i.d. Gaussian noise of standard deviation ``std`` to present joints."""
    y = x + rng.normal(0.0, std, size=x.shape).astype(np.float32)
    return _mask_absent(y, body_present(x)).astype(np.float32)


def temporal_crop(
    x: np.ndarray, rng: np.random.Generator, min_ratio: float
) -> np.ndarray:
    """Keep a random contiguous part covering at least ``min_ratio`` of the frames."""
    n = x.shape[0]
    keep = max(1, int(round(n * rng.uniform(min_ratio, 1.0))))
    start = int(rng.integers(0, n - keep + 1))
    return x[start : start + keep].astype(np.float32, copy=True)


def speed(x: np.ndarray, rng: np.random.Generator, amount: float) -> np.ndarray:
    """Play faster or slower by a random factor in ``[1 - amount, 1 + amount]``."""
    factor = rng.uniform(1 - amount, 1 + amount)
    return resample(x, max(1, int(round(x.shape[0] / factor))))


def drop_frames(x: np.ndarray, rng: np.random.Generator, prob: float) -> np.ndarray:
    """Replace a random share ``prob`` of frames by the previous kept frame.

    This imitates what a live pose estimator produces when it misses a person for a frame
    and the sliding window holds the last detection.
    """
    n = x.shape[0]
    keep = rng.random(n) >= prob
    keep[0] = True
    src = np.maximum.accumulate(np.where(keep, np.arange(n), 0))
    return x[src].astype(np.float32, copy=True)


def _smooth_noise(
    shape: tuple[int, ...], rng: np.random.Generator, std: float, width: int
) -> np.ndarray:
    """Gaussian noise ``shape`` (time first) low-passed over ``width`` frames, std ``std``."""
    white = rng.normal(0.0, 1.0, size=(shape[0] + width - 1,) + shape[1:])
    csum = np.cumsum(white, axis=0)
    csum = np.concatenate([np.zeros((1,) + shape[1:]), csum], axis=0)
    box = (csum[width:] - csum[:-width]) / np.sqrt(width)  # unit variance again
    return (std * box).astype(np.float32)


def depth_noise(x: np.ndarray, rng: np.random.Generator, std: float) -> np.ndarray:
    """Perturb depth (z) the way a single-image estimate errs.

    MediaPipe guesses each landmark's depth from one RGB frame: the error is mostly a
    per-joint offset that persists over many frames, with a slow drift. Each joint of
    each body gets a constant z offset of standard deviation ``std`` plus a drift of
    ``std / 2`` low-passed over 15 frames; x and y are untouched.

    Args:
        x: Clip ``(T, M, V, 3)``.
        rng: Source of randomness.
        std: Offset standard deviation (in the clip's units).

    Returns:
        float32 clip; absent bodies stay zero.
    """
    _check(x)
    t, m, v = x.shape[:3]
    offset = rng.normal(0.0, std, size=(1, m, v)).astype(np.float32)
    drift = _smooth_noise((t, m, v), rng, std / 2, 15)
    y = x.astype(np.float32, copy=True)
    y[..., 2] += offset + drift
    return _mask_absent(y, body_present(x)).astype(np.float32)


def jitter(x: np.ndarray, rng: np.random.Generator, std: float) -> np.ndarray:
    """Add temporally correlated joint noise, as a frame-by-frame pose estimator shows.

    Unlike :func:`gaussian_noise` (independent in every frame), the noise is low-passed
    over 3 frames, so joints wobble rather than flicker.

    Args:
        x: Clip ``(T, M, V, 3)``.
        rng: Source of randomness.
        std: Standard deviation per coordinate.

    Returns:
        float32 clip; absent bodies stay zero.
    """
    _check(x)
    y = x + _smooth_noise(x.shape, rng, std, 3)
    return _mask_absent(y, body_present(x)).astype(np.float32)


@dataclass(frozen=True)
class AugmentConfig:
    """Training-time augmentation; 0 turns an augmentation off.

    Attributes:
        rotate_degrees: Max rotation about the vertical axis (a third of it about x and z).
        scale: Max relative per-axis scaling.
        shear: Max shear coefficient.
        noise_std: Gaussian noise (in normalised units when applied after normalisation).
        crop_min_ratio: Minimum share of frames kept by a random temporal crop (1 = off).
        speed: Max relative speed change.
        drop_prob: Share of frames replaced by the previous one.
        depth_noise: Per-joint depth offset std (:func:`depth_noise`).
        jitter_std: Temporally correlated joint noise std (:func:`jitter`).
        mirror: Probability of mirroring the clip left-to-right (:func:`mirror`): the
            same action done with the other hand, or seen in a mirrored camera image.
    """

    rotate_degrees: float = 0.0
    scale: float = 0.0
    shear: float = 0.0
    noise_std: float = 0.0
    crop_min_ratio: float = 1.0
    speed: float = 0.0
    drop_prob: float = 0.0
    depth_noise: float = 0.0
    jitter_std: float = 0.0
    mirror: float = 0.0

    @property
    def enabled(self) -> bool:
        """True if any augmentation is on."""
        return self != AugmentConfig()

    def flag_text(self) -> str:
        """The augmentations on, as ``--augment`` takes them (``rotate=30,scale=0.15``;
        ``""`` when none is)."""
        off = AugmentConfig()
        return ",".join(
            f"{flag}={getattr(self, field):g}"
            for flag, field in AUGMENT_FLAGS.items()
            if getattr(self, field) != getattr(off, field)
        )


AUGMENT_FLAGS = {
    "rotate": "rotate_degrees",
    "scale": "scale",
    "shear": "shear",
    "noise": "noise_std",
    "crop": "crop_min_ratio",
    "speed": "speed",
    "drop": "drop_prob",
    "depth": "depth_noise",
    "jitter": "jitter_std",
    "mirror": "mirror",
}
"""``--augment``'s names of the :class:`AugmentConfig` fields."""


def augment(
    x: np.ndarray, rng: np.random.Generator, cfg: AugmentConfig, layout: str = ""
) -> np.ndarray:
    """Apply the augmentations enabled in ``cfg``: temporal ones first, then spatial.

    Args:
        x: Clip ``(T, M, V, 3)``, normalised or raw.
        rng: Source of randomness.
        cfg: Which augmentations, and how strong.
        layout: The clip's layout (mirroring swaps its left and right joints).

    Returns:
        Augmented float32 clip (its frame count may differ when crop or speed are on).

    Raises:
        ValueError: If mirroring is on and no layout is given.
    """
    _check(x)
    y = x
    if cfg.crop_min_ratio < 1.0:
        y = temporal_crop(y, rng, cfg.crop_min_ratio)
    if cfg.speed > 0:
        y = speed(y, rng, cfg.speed)
    if cfg.drop_prob > 0:
        y = drop_frames(y, rng, cfg.drop_prob)
    if cfg.rotate_degrees > 0:
        y = rotate(y, rng, cfg.rotate_degrees)
    if cfg.scale > 0:
        y = scale(y, rng, cfg.scale)
    if cfg.shear > 0:
        y = shear(y, rng, cfg.shear)
    if cfg.noise_std > 0:
        y = gaussian_noise(y, rng, cfg.noise_std)
    if cfg.depth_noise > 0:
        y = depth_noise(y, rng, cfg.depth_noise)
    if cfg.jitter_std > 0:
        y = jitter(y, rng, cfg.jitter_std)
    # last, and drawn only when on: the other augmentations of a seed stay as they were
    if cfg.mirror > 0 and rng.random() < cfg.mirror:
        if not layout:
            raise ValueError(
                "mirroring needs the clip's layout (its left/right joints)"
            )
        y = mirror(y, layout)
    return np.asarray(y, dtype=np.float32)


def can_mirror(layout: str) -> bool:
    """Whether :func:`mirror` takes clips of ``layout``: its centre and spine joints
    lie on the body's midline (Kinect layouts; not MediaPipe's ``mp33``)."""
    lay = get_layout(layout)
    sided = {j for pair in lay.left_right for j in pair}
    return not {lay.center, *lay.spine} & sided


def mirror(x: np.ndarray, layout: str) -> np.ndarray:
    """The clip's mirror image: x negated, left and right joints swapped.

    In the view-aligned body frame the hips lie on x (left hip to right hip is +x), so
    this is the same motion done by the other side of the body; in camera space it is
    the scene in a mirror. Mirroring a raw clip and then normalising it gives the same
    as normalising then mirroring, because the joints normalisation centres on and
    measures the spine with lie on the body's midline; a layout whose centre or spine
    joints are left or right ones (MediaPipe's ``mp33``, centred on a hip) is refused.

    Args:
        x: Clip ``(T, M, V, 3)`` in ``layout``.
        layout: Its layout name.

    Raises:
        ValueError: For a layout without midline centre and spine joints.
    """
    lay = get_layout(layout)
    if not can_mirror(layout):
        raise ValueError(
            f"cannot mirror {layout} clips: its centre or spine joints are left or "
            "right ones, not on the body's midline (convert to a Kinect layout first)"
        )
    y = np.asarray(x)[:, :, lay.mirror_permutation()].copy()
    y[..., 0] = -y[..., 0]
    return y
