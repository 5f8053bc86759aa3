"""All losses of MS²L for one batch: the module the training loop optimises.

:class:`Objective` wraps a model (:class:`models.ms2l.MS2L`) and computes the classifier
loss and the self-supervised losses of paper section 3 -- motion prediction (Eq. 1),
temporal jigsaw (Eq. 2), contrastive (Eq. 3) -- with every view (original, masked/noisy
past, jigsaw) going through the encoder in ONE batched pass. It is the module wrapped by
DDP. The pretext views come from :func:`models.pretext.make_pretext`.
"""

from __future__ import annotations

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

from models.encoders import masked_mean
from models.losses import contrastive_loss, jigsaw_loss, motion_loss
from models.ms2l import MS2L
from models.pretext import PretextBatch


def gather_rows(x: torch.Tensor) -> tuple[torch.Tensor, int]:
    """Every process's ``x`` concatenated along the first axis, in rank order, and the
    number of processes (``x`` itself and 1 outside a process group).

    The other processes' rows come without gradient; this process's own rows are ``x``
    itself, so its gradient flows. Shares may differ in size by a few rows (a global
    batch that does not divide evenly).
    """
    if not (dist.is_available() and dist.is_initialized()):
        return x, 1
    world = dist.get_world_size()
    if world == 1:
        return x, 1
    count = torch.tensor([x.shape[0]], dtype=torch.long, device=x.device)
    counts = [torch.zeros_like(count) for _ in range(world)]
    dist.all_gather(counts, count)
    sizes = [int(c) for c in counts]
    padded = x.detach().new_zeros((max(sizes), *x.shape[1:]))
    padded[: x.shape[0]] = x.detach()
    parts = [torch.empty_like(padded) for _ in range(world)]
    dist.all_gather(parts, padded)
    rows = [part[:n] for part, n in zip(parts, sizes)]
    rows[dist.get_rank()] = x
    return torch.cat(rows), world


def contrastive_across_processes(
    z: torch.Tensor, temperature: float, positive: str = "others"
) -> torch.Tensor:
    """:func:`models.losses.contrastive_loss` over the whole batch of every process.

    Under DDP each process holds a share of the batch; the contrastive loss compares
    every sample with every other one, so a share alone would see fewer negatives
    (ln 8 instead of ln 16 at the start for a batch of 16 on two processes) and learn
    another task than one process on the whole batch. Every process computes the loss
    of the whole batch (the same value), its gradient reaching only its own rows; that
    gradient is scaled by the number of processes (the value is not), so that DDP's
    average of the processes' gradients is the gradient of the whole batch's loss.
    """
    rows, world = gather_rows(z)
    loss = contrastive_loss(rows, temperature, positive)
    if world > 1:
        loss = loss + (world - 1) * (loss - loss.detach())
    return loss


class Objective(nn.Module):
    """All losses of one batch, computed with a single encoder pass over every view.

    Args:
        model: An :class:`models.ms2l.MS2L`.
        tasks: Self-supervised tasks in use.
        temperature: Contrastive temperature.
        use_cls: Whether the classifier loss is computed.
        freeze_encoder: Run the encoder without gradients (linear evaluation).
        jigsaw_feature: ``"last"`` (the encoder's final states, order-sensitive) or
            ``"mean"`` (time-averaged features) as the jigsaw head's input.
        contrastive_positive: ``"others"`` or ``"all"`` (see
            :func:`models.losses.contrastive_loss`).
        class_weights: ``(K,)`` weights of the classes in the classifier loss
            (``None``: all alike).
    """

    def __init__(
        self,
        model: MS2L,
        tasks: tuple[str, ...],
        temperature: float,
        use_cls: bool,
        freeze_encoder: bool = False,
        jigsaw_feature: str = "last",
        contrastive_positive: str = "others",
        class_weights: torch.Tensor | None = None,
    ) -> None:
        super().__init__()
        self.class_weights: torch.Tensor | None
        self.register_buffer("class_weights", class_weights)
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
        views: list[torch.Tensor] = []
        lens: list[torch.Tensor] = []
        names: list[str] = []

        def add(name: str, view: torch.Tensor, length: torch.Tensor) -> None:
            views.append(view)
            lens.append(length)
            names.append(name)

        if want_orig:
            add("orig", x, lengths)
        if want_past or want_jig:
            assert pretext is not None  # ssl is only true with pretext views
            if want_past:
                add("past", pretext.masked.past, pretext.masked.past_len)
            if want_jig:
                add("jig", pretext.shuffled, lengths)
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
                out["cls"] = F.cross_entropy(
                    logits[known].float(), labels[known], weight=self.class_weights
                )
            else:  # keeps every classifier parameter in the graph (DDP)
                out["cls"] = logits.sum() * 0.0
            total = total + w_cls * out["cls"]
        if ssl:
            assert pretext is not None
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
                out["contrastive"] = contrastive_across_processes(
                    z, self.temperature, self.contrastive_positive
                )
                self_loss = self_loss + out["contrastive"]
            total = total + w_self * self_loss
        out["total"] = total
        return out
