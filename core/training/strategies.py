"""Training strategies of MS²L: which losses, with which weights, from which start.

=============  ==============================  ========================================
strategy       loss                            encoder
=============  ==============================  ========================================
``pretrain``   L_self (chosen tasks)           random init, trained
``linear``     L_cls                           frozen (random = Rand-U, or init_from)
``finetune``   L_cls                           init_from a pretrain run, trained
``moving``     θ L_cls + (1-θ) L_self (Eq. 4)  init_from; θ rises 0->1 linearly, then 1
``joint``      L_cls + ω L_self (Eq. 5)        random init, trained
``scratch``    L_cls                           random init (Rand-S; Rand-SS with fewer labels)
``semi``       L_cls on the labelled subset    init_from a pretrain run on all train clips
``transfer``   L_cls                           init_from a run on another dataset/layout
=============  ==============================  ========================================

``L_self = L_m + L_j + L_c`` over the chosen tasks; :class:`models.objective.Objective`
computes them (the model owns its losses), this module only says which, with which
weights and from which start.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from core import runs
from core.config import USES_CLS, USES_SSL, TrainConfig
from core.skeleton import conversion_matrix
from models.encoders import ENCODERS, SequenceEncoder


def uses_ssl(name: str) -> bool:
    """True if the strategy's loss includes the self-supervised tasks."""
    return name in USES_SSL


def uses_cls(name: str) -> bool:
    """True if the strategy trains the classifier."""
    return name in USES_CLS


def freezes_encoder(name: str) -> bool:
    """True if the strategy keeps the encoder fixed (linear evaluation)."""
    return name == "linear"


def loss_weights(
    cfg: TrainConfig, global_step: int, steps_per_epoch: int
) -> tuple[float, float]:
    """Weights ``(w_cls, w_self)`` of the classification and self-supervised losses.

    Args:
        cfg: The run's config.
        global_step: Optimiser steps taken before this one (0-based).
        steps_per_epoch: Steps per epoch (θ of ``moving`` rises over
            ``moving_epochs * steps_per_epoch`` steps).

    Returns:
        The two weights.
    """
    name = cfg.strategy.name
    if name == "pretrain":
        return 0.0, 1.0
    if name == "joint":
        return 1.0, cfg.strategy.omega
    if name == "moving":
        ramp = max(1, cfg.strategy.moving_epochs * steps_per_epoch)
        theta = min(1.0, global_step / ramp)
        return theta, 1.0 - theta
    return 1.0, 0.0


def input_conversion(
    src_layout: str,
    src_bodies: int,
    dst_layout: str,
    dst_bodies: int,
    channels: int = 3,
) -> np.ndarray:
    """Matrix ``A`` with ``frame_src = A @ frame_dst`` for flattened ``(M, V, C)`` frames.

    An encoder trained on layout ``src`` is reused on ``dst`` data by replacing its input
    weights ``W`` with ``W @ A``: the result is exactly the old encoder applied to the
    clip converted to ``src`` by :func:`core.skeleton.convert` (bodies beyond the smaller
    count are dropped / zero).

    Raises:
        KeyError: If no converter exists from ``dst_layout`` to ``src_layout``.
    """
    joints = conversion_matrix(dst_layout, src_layout)  # (V_src, V_dst)
    bodies = np.eye(src_bodies, dst_bodies, dtype=np.float32)
    return np.kron(bodies, np.kron(joints, np.eye(channels, dtype=np.float32)))


# The classifier's output layer (one row per class) for each classifier kind.
_CLASS_OUTPUT = ("classifier.mlp.2.", "classifier.fc.")


def init_from_run(
    model: nn.Module,
    run_dir: str | Path,
    layout: str,
    num_bodies: int,
    class_names: list[str] | None = None,
    stream: str | None = None,
) -> list[str]:
    """Initialise a model from another run's weights (encoder and matching heads).

    When the other run used another layout or body count, the encoder's input weights are
    converted with :func:`input_conversion`; the motion decoder's output layer (which
    predicts frames in the old layout) and a classifier of another kind or class count
    are left at their fresh initialisation. When ``class_names`` differ from the other
    run's classes (the user's own actions on top of the NW-UCLA model), the classifier's
    output layer is fresh too, even if the class count happens to match: its rows
    belong to the other run's classes.

    Args:
        model: The new model.
        run_dir: The run folder to initialise from.
        layout: Layout of the new model's input.
        num_bodies: Bodies of the new model's input.
        class_names: The new model's classes (``None``: keep a fitting output layer).
        stream: The new model's input stream (``None``: not checked); an encoder
            trained on joints reads bones or motion as nonsense, so it must match.

    Returns:
        Messages describing what was converted or skipped.

    Raises:
        FileNotFoundError: If the run folder or one of its files is missing.
        ValueError: If the weights are corrupt or the architectures differ, or the
            encoder is tied to its layout (the graph encoder) and the layouts differ,
            or the input streams differ.
        KeyError: If the layouts cannot be converted.
    """
    info = runs.read_run(run_dir)
    # said as ms2l infer says it ("weights.pt: checkpoint file not found": a trial)
    state = runs.safe_load(runs.require_weights(info.run_dir))
    if not isinstance(state, dict):
        raise ValueError(f"{info.run_dir / runs.WEIGHTS}: not a state dict")
    if stream is not None and info.config.data.stream != stream:
        raise ValueError(
            f"{info.run_dir}: that run's model reads the {info.config.data.stream} "
            f"stream, this run the {stream} stream; start from a run on the same "
            f"stream (--stream {info.config.data.stream}, or another --init-from)"
        )
    ours = {k for k in model.state_dict() if k.startswith("encoder.")}
    theirs = {k for k in state if k.startswith("encoder.")}
    if ours != theirs:
        extra, missing = sorted(theirs - ours), sorted(ours - theirs)
        which = (
            f"it has {extra[0]!r}, which this model lacks"
            if extra
            else f"it lacks {missing[0]!r}"
        )
        if family := runs.other_encoder(state, ours):
            raise ValueError(
                f"{info.run_dir}: {family}: start from a run of the same encoder, or "
                "leave the model settings to the run started from"
            )
        layers = info.config.model.layers
        raise ValueError(
            f"{info.run_dir}: its encoder ({info.config.model.encoder}, preset "
            f"{info.config.model.preset}, {layers} layer{'s' * (layers != 1)}) is "
            f"another architecture than this run's {type(model.encoder).__name__} "
            f"({which}): "
            "start from a run of the same architecture, or leave the model settings to "
            "the run started from (with --init-from and no --config or --preset, its "
            "architecture is taken over)"
        )
    notes: list[str] = []
    channels = getattr(model, "channels", 3)
    if info.layout != layout and info.config.data.stream == "bone":
        raise ValueError(
            f"{info.run_dir}: its encoder reads the bones of {info.layout}, whose "
            f"bone tree differs from {layout}'s (other parents, another root), so its "
            f"input weights cannot be converted; train on {info.layout} or start "
            "from a joint- or motion-stream run"
        )
    if (info.layout, info.num_bodies) != (layout, num_bodies):
        a = torch.from_numpy(
            input_conversion(info.layout, info.num_bodies, layout, num_bodies, channels)
        )
        encoder = model.encoder
        if not isinstance(encoder, SequenceEncoder):
            raise TypeError(
                f"{type(model).__name__} has no sequence encoder to convert"
            )
        if encoder.layout_bound:
            raise ValueError(
                f"{info.run_dir}: its {type(encoder).__name__} was trained on "
                f"{info.layout} x{info.num_bodies}; a graph encoder's weights are tied "
                f"to the joints and bones of its layout, so it cannot start a run on "
                f"{layout} x{num_bodies} (train on the same layout and body count)"
            )
        for name in encoder.input_weights:
            key = f"encoder.{name}"
            state[key] = state[key] @ a
        notes.append(
            f"encoder input converted from {info.layout} x{info.num_bodies} "
            f"to {layout} x{num_bodies}"
        )
    own = model.state_dict()
    load: dict[str, torch.Tensor] = {}
    skipped: list[str] = []
    other_classes = class_names is not None and list(class_names) != list(info.labels)
    # A pretraining run's classifier was never trained: this run's seed draws its own
    # (loaded, every seed started from the same random head).
    untrained = not uses_cls(info.config.strategy.name)
    for key, value in state.items():
        if (other_classes and key.startswith(_CLASS_OUTPUT)) or (
            untrained and key.startswith("classifier.")
        ):
            skipped.append(key)  # rows of the other run's classes, or never trained
            continue
        if key not in own and key.startswith("classifier."):
            skipped.append(key)  # another classifier kind: this run trains its own
            continue
        if key not in own:
            raise ValueError(
                f"{info.run_dir / runs.WEIGHTS}: unexpected weight {key!r} "
                "(another model type?)"
            )
        if own[key].shape == value.shape:
            load[key] = value
        elif key.startswith(("encoder.", "jigsaw_head.", "contrastive_head.")):
            raise ValueError(
                f"{info.run_dir / runs.WEIGHTS}: {key} has shape {tuple(value.shape)}, "
                f"this model needs {tuple(own[key].shape)}: the architecture differs "
                f"(that run used preset {info.config.model.preset!r}, hidden "
                f"{info.config.model.hidden}, layers {info.config.model.layers})"
            )
        else:
            skipped.append(key)
    model.load_state_dict(load, strict=False)
    if untrained:
        notes.append(
            "classifier: a new one, drawn with this run's seed (that run pretrained "
            "without labels: its classifier was never trained)"
        )
        skipped = [k for k in skipped if not k.startswith("classifier.")]
    if skipped:
        heads = sorted({k.split(".")[0] for k in skipped})
        notes.append(
            f"kept fresh (not in that run or shape differs): {', '.join(heads)}"
        )
    return notes


# The input an encoder was trained on: a run started from it must see the same.
SAME_INPUT = (
    "layout",
    "frames",
    "time_mode",
    "align",
    "scale",
    "joints",
    "root_motion",
    "depth_weight",
    "stream",
)


def inherit_from_run(
    run_dir: str | Path, model: dict[str, Any], data: dict[str, Any]
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The preset, model and data settings of a run that starts from ``run_dir``.

    The other run's architecture (the shipped model is a ``paper`` model, not the default
    preset) and the input its encoder was trained on (layout, frames, joint definition,
    normalisation; for a graph encoder the body count too), with the given settings on
    top.

    Args:
        run_dir: The run to start from.
        model: Model settings asked for explicitly (they win).
        data: Data settings asked for explicitly (they win).

    Returns:
        ``(preset, model, data)`` for :func:`core.config.make_config`.

    Raises:
        FileNotFoundError: If the run folder or its files are missing.
        ValueError: If its config is unreadable.
    """
    init_cfg = runs.read_run(run_dir).config
    inherited = {
        k: v for k, v in dataclasses.asdict(init_cfg.model).items() if k != "preset"
    }
    init_data = dataclasses.asdict(init_cfg.data)
    same = {k: init_data[k] for k in SAME_INPUT if k in init_data}
    if ENCODERS[init_cfg.model.encoder].layout_bound and init_data.get("num_bodies"):
        # A graph encoder's weights are tied to its body count too (its input
        # normalisation is per body and joint): read the data as it did. A BiGRU's
        # input weights convert, so it keeps every body of the new data.
        same["num_bodies"] = init_data["num_bodies"]
    return init_cfg.model.preset, {**inherited, **model}, {**same, **data}


def describe(cfg: TrainConfig) -> str:
    """One-line summary of a config's strategy for logs."""
    s = cfg.strategy
    parts = [s.name, f"preset={cfg.model.preset}"]
    if uses_ssl(s.name):
        parts.append("tasks=" + "+".join(s.tasks))
    if s.init_from:
        parts.append(f"init_from={s.init_from}")
    if cfg.data.label_fraction < 1:
        parts.append(f"labels={cfg.data.label_fraction:g}")
    if cfg.data.labels_per_class:
        parts.append(f"labels={cfg.data.labels_per_class}/class")
    if cfg.data.pseudo_labels_from:
        parts.append(
            f"pseudo-labels={cfg.data.pseudo_per_class}/class from "
            f"{cfg.data.pseudo_labels_from}"
        )
    if cfg.data.stream != "joint":
        parts.append(f"stream={cfg.data.stream}")
    return " ".join(parts)


__all__ = [
    "describe",
    "freezes_encoder",
    "init_from_run",
    "input_conversion",
    "loss_weights",
    "uses_cls",
    "uses_ssl",
]
