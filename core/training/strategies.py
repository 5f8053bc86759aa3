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

``L_self = L_m + L_j + L_c`` over the chosen tasks. :class:`Objective` computes every loss
of a batch in one module call, with every view (original, masked/noisy past, jigsaw) going
through the encoder in ONE batched pass; it is the module wrapped by DDP.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from core.skeleton import conversion_matrix
from core.training import checkpoint
from core.training.config import USES_CLS, USES_SSL, ModelConfig, TrainConfig
from core.training.tasks import PretextBatch
from models import MODELS
from models.losses import contrastive_loss, jigsaw_loss, motion_loss
from models.ms2l import masked_mean

# Architecture fields passed to the model class (the rest are task settings).
_ARCH_FIELDS = (
    "hidden",
    "layers",
    "head_dim",
    "head_layers",
    "proj_dim",
    "decoder_hidden",
    "classifier",
    "classifier_hidden",
    "jigsaw_segments",
    "dropout",
)


def build_model(
    cfg: ModelConfig,
    num_joints: int,
    num_bodies: int,
    num_classes: int,
    channels: int = 3,
) -> nn.Module:
    """Instantiate ``MODELS[cfg.name]`` from a model config.

    Raises:
        KeyError: If the model name is unknown.
    """
    try:
        cls = MODELS[cfg.name]
    except KeyError:
        raise KeyError(f"unknown model {cfg.name!r}; known: {sorted(MODELS)}") from None
    arch = {k: getattr(cfg, k) for k in _ARCH_FIELDS}
    return cls(
        num_joints=num_joints,
        num_bodies=num_bodies,
        num_classes=num_classes,
        channels=channels,
        **arch,
    )


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


class Objective(nn.Module):
    """All losses of one batch, computed with a single encoder pass over every view.

    Args:
        model: An :class:`models.ms2l.MS2L`.
        tasks: Self-supervised tasks in use.
        temperature: Contrastive temperature.
        use_cls: Whether the classifier loss is computed.
        freeze_encoder: Run the encoder without gradients (linear evaluation).
        jigsaw_feature: ``"last"`` or ``"mean"`` (see ``ModelConfig.jigsaw_feature``).
        contrastive_positive: ``"others"`` or ``"all"`` (see
            :func:`models.losses.contrastive_loss`).
    """

    def __init__(
        self,
        model: nn.Module,
        tasks: tuple[str, ...],
        temperature: float,
        use_cls: bool,
        freeze_encoder: bool = False,
        jigsaw_feature: str = "last",
        contrastive_positive: str = "others",
    ) -> None:
        super().__init__()
        self.model = model
        self.jigsaw_feature = jigsaw_feature
        self.contrastive_positive = contrastive_positive
        self.tasks = tuple(tasks)
        self.temperature = temperature
        self.use_cls = use_cls
        self.freeze_encoder = freeze_encoder

    def forward(
        self,
        x: torch.Tensor,
        lengths: torch.Tensor,
        labels: torch.Tensor,
        pretext: PretextBatch | None,
        w_cls: float,
        w_self: float,
    ) -> dict[str, torch.Tensor]:
        """Compute the weighted total and every component.

        Args:
            x: ``(N, T, M, V, C)`` clips.
            lengths: ``(N,)`` valid frames.
            labels: ``(N,)`` labels, -1 where unlabelled (ignored by the classifier loss).
            pretext: Pretext views, or ``None`` when ``w_self`` is 0.
            w_cls: Weight of the classifier loss.
            w_self: Weight of the self-supervised loss.

        Returns:
            ``{"total", "cls"?, "motion"?, "jigsaw"?, "contrastive"?}`` scalar tensors.
        """
        n = x.shape[0]
        ssl = pretext is not None and w_self > 0
        tasks = self.tasks if ssl else ()
        want_orig = self.use_cls or "contrastive" in tasks
        want_past = "motion" in tasks or "contrastive" in tasks
        want_jig = "jigsaw" in tasks or "contrastive" in tasks
        views, lens, names = [], [], []
        if want_orig:
            views.append(x), lens.append(lengths), names.append("orig")
        if want_past:
            views.append(pretext.masked.past), lens.append(pretext.masked.past_len)
            names.append("past")
        if want_jig:
            views.append(pretext.shuffled), lens.append(lengths), names.append("jig")
        stacked, stacked_len = torch.cat(views), torch.cat(lens)
        if self.freeze_encoder:
            with torch.no_grad():
                h, last = self.model.encoder(stacked, stacked_len)
        else:
            h, last = self.model.encoder(stacked, stacked_len)
        part = {name: slice(i * n, (i + 1) * n) for i, name in enumerate(names)}

        out: dict[str, torch.Tensor] = {}
        total = x.new_zeros(())
        if self.use_cls:
            logits = self.model.classifier(h[part["orig"]], lengths)
            known = labels >= 0
            if bool(known.any()):
                out["cls"] = F.cross_entropy(logits[known].float(), labels[known])
            else:  # keeps every classifier parameter in the graph (DDP)
                out["cls"] = logits.sum() * 0.0
            total = total + w_cls * out["cls"]
        if ssl:
            self_loss = x.new_zeros(())
            if "motion" in tasks:
                m = pretext.masked
                pred = self.model.motion_head(
                    last[part["past"]], m.last_frame, m.target.shape[1]
                )
                out["motion"] = motion_loss(pred.float(), m.target, m.target_mask)
                self_loss = self_loss + out["motion"]
            if "jigsaw" in tasks:
                if self.jigsaw_feature == "mean":
                    feat = masked_mean(h[part["jig"]], lengths)
                else:  # order-sensitive: where each segment sits survives
                    feat = last[part["jig"]]
                out["jigsaw"] = jigsaw_loss(
                    self.model.jigsaw_head(feat), pretext.jigsaw_labels
                )
                self_loss = self_loss + out["jigsaw"]
            if "contrastive" in tasks:
                feats = [
                    masked_mean(h[part[v]], lens[names.index(v)])
                    for v in ("orig", "past", "jig")
                ]
                z = self.model.contrastive_head(torch.stack(feats, dim=1))
                out["contrastive"] = contrastive_loss(
                    z, self.temperature, self.contrastive_positive
                )
                self_loss = self_loss + out["contrastive"]
            total = total + w_self * self_loss
        out["total"] = total
        return out


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


def init_from_run(
    model: nn.Module, run_dir: str | Path, layout: str, num_bodies: int
) -> list[str]:
    """Initialise a model from another run's weights (encoder and matching heads).

    When the other run used another layout or body count, the encoder's input weights are
    converted with :func:`input_conversion`; the motion decoder's output layer (which
    predicts frames in the old layout) and a classifier of another kind or class count
    are left at their fresh initialisation.

    Args:
        model: The new model.
        run_dir: The run folder to initialise from.
        layout: Layout of the new model's input.
        num_bodies: Bodies of the new model's input.

    Returns:
        Messages describing what was converted or skipped.

    Raises:
        FileNotFoundError: If the run folder or one of its files is missing.
        ValueError: If the weights are corrupt or the architectures differ.
        KeyError: If the layouts cannot be converted.
    """
    info = checkpoint.read_run(run_dir)
    state = checkpoint.safe_load(info.run_dir / checkpoint.WEIGHTS)
    if not isinstance(state, dict):
        raise ValueError(f"{info.run_dir / checkpoint.WEIGHTS}: not a state dict")
    notes: list[str] = []
    channels = getattr(model, "channels", 3)
    if (info.layout, info.num_bodies) != (layout, num_bodies):
        a = torch.from_numpy(
            input_conversion(info.layout, info.num_bodies, layout, num_bodies, channels)
        )
        for key in ("encoder.fwd.0.weight_ih_l0", "encoder.bwd.0.weight_ih_l0"):
            state[key] = state[key] @ a
        notes.append(
            f"encoder input converted from {info.layout} x{info.num_bodies} "
            f"to {layout} x{num_bodies}"
        )
    own = model.state_dict()
    load: dict[str, torch.Tensor] = {}
    skipped: list[str] = []
    for key, value in state.items():
        if key not in own and key.startswith("classifier."):
            skipped.append(key)  # another classifier kind: this run trains its own
            continue
        if key not in own:
            raise ValueError(
                f"{info.run_dir / checkpoint.WEIGHTS}: unexpected weight {key!r} "
                "(another model type?)"
            )
        if own[key].shape == value.shape:
            load[key] = value
        elif key.startswith(("encoder.", "jigsaw_head.", "contrastive_head.")):
            raise ValueError(
                f"{info.run_dir / checkpoint.WEIGHTS}: {key} has shape {tuple(value.shape)}, "
                f"this model needs {tuple(own[key].shape)}: the architecture differs "
                f"(that run used preset {info.config.model.preset!r}, hidden "
                f"{info.config.model.hidden}, layers {info.config.model.layers})"
            )
        else:
            skipped.append(key)
    model.load_state_dict(load, strict=False)
    if skipped:
        heads = sorted({k.split(".")[0] for k in skipped})
        notes.append(
            f"kept fresh (not in that run or shape differs): {', '.join(heads)}"
        )
    return notes


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
    return " ".join(parts)


def with_resolved_data(cfg: TrainConfig, **data: object) -> TrainConfig:
    """Copy of ``cfg`` with data fields filled in at training time (layout, bodies, ...)."""
    return dataclasses.replace(cfg, data=dataclasses.replace(cfg.data, **data))


__all__ = [
    "Objective",
    "build_model",
    "describe",
    "freezes_encoder",
    "init_from_run",
    "input_conversion",
    "loss_weights",
    "uses_cls",
    "uses_ssl",
    "with_resolved_data",
]
