"""From a raw clip to model input: the one chain shared by training and inference.

A clip goes through the same steps at training and at inference time, so the two can never
disagree: convert to the model's layout (when it differs from the clip's) -> pad/cut the
body axis to ``M`` -> :func:`core.preprocess.normalise_clip` (centre, view-align, scale) ->
[training only: :func:`core.preprocess.augment`] -> fit to ``T`` frames
(:func:`core.preprocess.resample`, or :func:`core.preprocess.pad_time` keeping the true
length), weight the depth axis and take the input stream (joints, bones or motion). :func:`prepare_clip` and :func:`fit_time` are those steps;
the settings come from the run's :class:`core.config.DataConfig`.
"""

from __future__ import annotations

import numpy as np

from core import preprocess
from core.config import DataConfig
from core.skeleton import LAYOUTS, convert, get_layout


def prepare_clip(
    raw: np.ndarray, src_layout: str, layout: str, num_bodies: int, cfg: DataConfig
) -> np.ndarray:
    """Normalise one raw clip for the model (every step but augmentation and timing).

    Args:
        raw: ``(t, M', V', 3)`` camera-space clip in layout ``src_layout``.
        src_layout: Layout of ``raw``.
        layout: Layout the model sees.
        num_bodies: Bodies ``M`` the model sees.
        cfg: Data settings (``align``, ``scale``, ``joints``, ``root_motion``).

    Returns:
        ``(t, M, V, 3)`` float32 normalised clip.

    Raises:
        ValueError: If the clip is not 4-D, or its joints do not match ``src_layout``.
    """
    x = np.asarray(raw, dtype=np.float32)
    if x.ndim != 4 or x.shape[-1] != 3 or x.shape[0] < 1:
        raise ValueError(
            f"expected a clip (T, M, V, 3) with T >= 1, got shape {x.shape}"
        )
    x = preprocess.sanitize(x)
    if src_layout != layout:
        x = convert(x, src_layout, layout)
    elif x.shape[2] != get_layout(layout).num_joints:
        others = [n for n, lay in LAYOUTS.items() if lay.num_joints == x.shape[2]]
        raise ValueError(
            f"clip has {x.shape[2]} joints, layout {layout!r} has "
            f"{get_layout(layout).num_joints}"
            + (
                f" (is it {others[0]!r}? core.inference.sequences.sequence_joints "
                f"converts it to {layout!r})"
                if others
                else ""
            )
        )
    x = preprocess.pad_bodies(x, num_bodies)
    return preprocess.normalise_clip(
        x,
        layout,
        align=cfg.align,
        scale=cfg.scale,
        joints=cfg.joints,
        root_motion=cfg.root_motion,
    )


def fit_time(x: np.ndarray, cfg: DataConfig) -> tuple[np.ndarray, int]:
    """Fit a normalised (and maybe augmented) clip to ``cfg.frames`` frames.

    The depth axis (z: after view alignment the body frame's front-back axis, for a person
    facing the camera the depth a webcam estimates from one image) is weighted here, last,
    so that the augmentation's rotations still see the measured depth and the model sees
    ``cfg.depth_weight`` times it, at training and at inference alike. Then the clip
    becomes the run's input stream (``cfg.stream``: joints, bones or motion).

    Returns:
        ``((T, M, V, 3) float32, valid frames)``: resampled (valid = T) or zero-padded /
        cut (valid = min(t, T)), by ``cfg.time_mode``.
    """
    if cfg.time_mode == "resample":
        y, n = preprocess.resample(x, cfg.frames), cfg.frames
    else:
        y, n = preprocess.pad_time(x, cfg.frames)
        n = max(n, 1)
    if cfg.depth_weight != 1.0:
        y[..., 2] *= np.float32(cfg.depth_weight)  # y is a new array: resample/pad copy
    if cfg.stream != "joint":
        if not cfg.layout:
            raise ValueError(f"the {cfg.stream} stream needs the clip's layout")
        y = preprocess.to_stream(y, n, cfg.stream, cfg.layout)
    return y, n
