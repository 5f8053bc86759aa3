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


def contrastive_loss(z: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """Mean-feature contrastive loss (Eq. 3).

    Every view ``z[k, v]`` of sample ``k`` is pulled towards the mean feature
    ``z̄_k = mean_v z[k, v]`` of its own sample and pushed from the mean features of the
    other samples, with cosine similarity divided by ``temperature`` (Eq. 3 is the case
    ``temperature = 1``). The sum over the ``N*M`` views is averaged.

    Args:
        z: Projected features ``(N, M, D)``: ``M`` views (original first) of ``N`` samples.
        temperature: Softmax temperature (> 0).

    Returns:
        Scalar loss.

    Raises:
        ValueError: If ``z`` is not 3-D.
    """
    if z.ndim != 3:
        raise ValueError(f"expected z of shape (N, M, D), got {tuple(z.shape)}")
    n, m, _ = z.shape
    z = z.float()
    zbar = z.mean(dim=1)
    zn = F.normalize(z.reshape(n * m, -1), dim=-1)
    cn = F.normalize(zbar, dim=-1)
    logits = zn @ cn.t() / temperature  # (N*M, N)
    target = torch.arange(n, device=z.device).repeat_interleave(m)
    return F.cross_entropy(logits, target)
