"""Losses of the three self-supervised tasks of MS²L (paper Eqs. 1-3).

Each function takes plain tensors so that it can be tested alone; the training engine
decides which views feed which loss.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def motion_loss(
    pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor
) -> torch.Tensor:
    """Motion-prediction MSE over the masked (predicted) valid frames only (Eq. 1).

    Eq. 1 sums the squared error over predicted frames; we average it over predicted frames
    and coordinates so that its scale does not depend on ``T`` or the joint count, which
    keeps the sum of losses in Eqs. 4-5 balanced.

    Args:
        pred: Predicted future frames ``(N, F, D)``.
        target: True future frames ``(N, F, D)``.
        mask: ``(N, F)`` bool, True where the frame was masked and is a real frame.

    Returns:
        Scalar loss (0 if no frame is masked).
    """
    m = mask.to(pred.dtype).unsqueeze(-1)
    denom = m.sum() * pred.shape[-1]
    return ((pred - target) ** 2 * m).sum() / denom.clamp_min(1.0)


def jigsaw_loss(logits: torch.Tensor, perm_labels: torch.Tensor) -> torch.Tensor:
    """Cross entropy of the permutation classifier (Eq. 2, averaged over the batch).

    Args:
        logits: ``(N, P!)`` scores of each permutation.
        perm_labels: ``(N,)`` int64 index of the permutation applied.

    Returns:
        Scalar loss.
    """
    return F.cross_entropy(logits.float(), perm_labels)


def contrastive_loss(
    z: torch.Tensor, temperature: float = 1.0, positive: str = "others"
) -> torch.Tensor:
    """Mean-feature contrastive loss (Eq. 3), InfoNCE over the samples of the batch.

    Every view ``z[k, v]`` of sample ``k`` is pulled towards a mean feature of its own
    sample and pushed from the same kind of mean feature of every other sample ``j != k``
    (the negatives), with cosine similarity divided by ``temperature``. The loss is the
    cross entropy of picking the own sample among the ``N``, averaged over the ``N*M``
    views.

    ``positive`` chooses the mean:

    * ``"others"`` (default): the mean of the OTHER views of the sample,
      ``mean_{u != v} z[k, u]`` (and likewise for the negatives). An encoder gains only
      by making the views of one clip agree with each other and differ from other clips'.
    * ``"all"``: Eq. 3 as printed, the mean of all ``M`` views, which contains the anchor
      itself; an encoder that maps every view to its own unrelated direction already
      scores ``cos(z_kv, z̄_k) = 1/sqrt(M)`` against ~0 for the others, so the loss
      falls without any invariance being learnt (what the authors' code does).

    Args:
        z: Projected features ``(N, M, D)``: ``M`` views (original first) of ``N`` samples.
        temperature: Softmax temperature (> 0).
        positive: ``"others"`` or ``"all"``.

    Returns:
        Scalar loss; ``ln N`` for a constant encoder.

    Raises:
        ValueError: If ``z`` is not 3-D, has fewer than 2 views with ``"others"``, or
            ``positive`` is unknown.
    """
    logits = contrastive_logits(z, temperature, positive)
    n, m = z.shape[:2]
    target = torch.arange(n, device=z.device).repeat_interleave(m)
    return F.cross_entropy(logits, target)


def contrastive_logits(
    z: torch.Tensor, temperature: float = 1.0, positive: str = "others"
) -> torch.Tensor:
    """Scores of :func:`contrastive_loss`: ``(N*M, N)``, row ``k*M + v`` for view ``v``
    of sample ``k``, column ``j`` for sample ``j``'s mean feature (the right answer is
    ``j = k``).

    Raises:
        ValueError: As :func:`contrastive_loss`.
    """
    if z.ndim != 3:
        raise ValueError(f"expected z of shape (N, M, D), got {tuple(z.shape)}")
    if positive not in ("others", "all"):
        raise ValueError(f"positive must be 'others' or 'all', got {positive!r}")
    n, m, _ = z.shape
    z = z.float()
    zn = F.normalize(z, dim=-1)
    if positive == "all":
        cn = F.normalize(z.mean(dim=1), dim=-1)  # (N, D)
        return zn.reshape(n * m, -1) @ cn.t() / temperature
    if m < 2:
        raise ValueError("the leave-one-out positive needs at least 2 views per sample")
    # means[v, j] = mean over u != v of z[j, u]: the candidates view v is compared with.
    means = (z.sum(dim=1, keepdim=True) - z) / (m - 1)  # (N, M, D), index [j, v]
    means = F.normalize(means, dim=-1).transpose(0, 1)  # (M, N, D)
    logits = torch.einsum("kvd,vjd->kvj", zn, means) / temperature  # (N, M, N)
    return logits.reshape(n * m, n)
