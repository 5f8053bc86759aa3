"""How well a model solves its self-supervised tasks on held-out clips.

A pretext loss that falls on the training clips says little (the contrastive loss of the
printed Eq. 3 falls to ~0 without learning anything); these scores say whether the tasks
carry signal on clips the encoder never saw:

* jigsaw accuracy: share of shuffled clips whose permutation the jigsaw head names
  (chance ``1 / P!``);
* contrastive top-1: share of views (original, masked/noisy past, jigsaw) whose most
  similar candidate among the mean features of ALL held-out clips is their own clip's
  (chance ``1 / N``), with the run's own positive (see
  :func:`models.losses.contrastive_logits`);
* motion MSE: the motion-prediction loss on the hidden future frames.

Every transform is drawn from a fixed seed, so a model gets the same scores every time.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from core.config import TrainConfig
from core.training.data import ClipSet
from models.losses import contrastive_logits, motion_loss
from models.ms2l import MS2L, masked_mean
from models.pretext import make_pretext


@torch.no_grad()
def pretext_scores(
    model: nn.Module,
    clips: ClipSet,
    cfg: TrainConfig,
    seed: int = 0,
    batch: int = 256,
) -> dict[str, float]:
    """Jigsaw accuracy, contrastive top-1 and motion MSE of a model on some clips.

    Args:
        model: An :class:`models.ms2l.MS2L`.
        clips: Held-out clips (no augmentation is applied).
        cfg: The run's config (preprocessing and pretext settings).
        seed: Seed of the pretext transforms.
        batch: Clips per encoder pass.

    Returns:
        ``{"jigsaw_acc", "contrastive_top1", "motion_mse", "clips"}`` (accuracies in
        [0, 1]).

    Raises:
        TypeError: If ``model`` is not an MS2L (it has no pretext heads).
    """
    if not isinstance(model, MS2L):
        raise TypeError(f"{type(model).__name__} has no pretext heads to score")
    was_training = model.training
    model.eval()
    m = cfg.model
    correct = 0
    mse_sum = 0.0
    views: list[torch.Tensor] = []
    gen = torch.Generator().manual_seed(seed)
    device = next(model.parameters()).device
    for start in range(0, len(clips), batch):
        pos = np.arange(start, min(start + batch, len(clips)))
        x, lengths, _ = clips.batch(pos, cfg.data)
        p = make_pretext(
            x,
            lengths,
            m.mask_ratio,
            m.noise_std,
            m.jigsaw_segments,
            gen,
            m.pretext_rotate,
            m.pretext_shear,
        )
        x, lengths = x.to(device), lengths.to(device)
        past, past_len = p.masked.past.to(device), p.masked.past_len.to(device)
        shuffled = p.shuffled.to(device)
        encoded = [
            (*model.encoder(view, lens), lens)
            for view, lens in ((x, lengths), (past, past_len), (shuffled, lengths))
        ]
        feats = [masked_mean(h, lens) for h, _, lens in encoded]
        views.append(model.contrastive_head(torch.stack(feats, dim=1)).cpu())
        jig_feat = feats[2] if m.jigsaw_feature == "mean" else encoded[2][1]
        pred = model.jigsaw_head(jig_feat).argmax(1).cpu()
        correct += int((pred == p.jigsaw_labels).sum())
        future = model.motion_head(
            encoded[1][1], p.masked.last_frame.to(device), p.masked.target.shape[1]
        ).cpu()
        mse_sum += float(
            motion_loss(future.float(), p.masked.target, p.masked.target_mask)
        ) * len(pos)
    model.train(was_training)
    n = len(clips)
    if n == 0:
        return {
            "jigsaw_acc": 0.0,
            "contrastive_top1": 0.0,
            "motion_mse": 0.0,
            "clips": 0,
        }
    z = torch.cat(views)  # (N, 3, D)
    logits = contrastive_logits(z, 1.0, m.contrastive_positive)  # (N*3, N)
    target = torch.arange(n).repeat_interleave(z.shape[1])
    top1 = float((logits.argmax(1) == target).float().mean())
    return {
        "jigsaw_acc": correct / n,
        "contrastive_top1": top1,
        "motion_mse": mse_sum / n,
        "clips": n,
    }


__all__ = ["pretext_scores"]
