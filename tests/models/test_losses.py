"""Losses of the pretext tasks follow Eqs. 1-3."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from models.losses import contrastive_loss, jigsaw_loss, motion_loss


def test_motion_loss_counts_only_masked_frames():
    target = torch.zeros(2, 3, 4)
    pred = torch.zeros(2, 3, 4)
    pred[0, 0] = 2.0  # masked: error 4 per coordinate
    pred[1, 2] = 100.0  # not masked: ignored
    mask = torch.tensor([[True, True, False], [True, False, False]])
    assert motion_loss(pred, target, mask).item() == pytest.approx(4.0 * 4 / (3 * 4))


def test_jigsaw_loss_is_cross_entropy():
    logits = torch.tensor([[0.0, 0.0, 10.0], [0.0, 0.0, 0.0]])
    assert jigsaw_loss(logits, torch.tensor([2, 1])).item() == pytest.approx(
        (F.cross_entropy(logits[:1], torch.tensor([2])).item() + math.log(3)) / 2,
        rel=1e-5,
    )


def test_contrastive_loss_equals_eq3_written_as_loops():
    torch.manual_seed(0)
    n, m, tau = 4, 3, 0.7
    z = torch.randn(n, m, 5)
    zbar = z.mean(dim=1)
    total = 0.0
    for k in range(n):
        for v in range(m):
            sims = torch.stack(
                [F.cosine_similarity(z[k, v], zbar[j], dim=0) for j in range(n)]
            )
            total += -torch.log_softmax(sims / tau, dim=0)[k]
    expected = total / (n * m)
    loss = contrastive_loss(z, tau, positive="all")
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)


def test_leave_one_out_contrastive_loss_written_as_loops():
    torch.manual_seed(0)
    n, m, tau = 4, 3, 0.5
    z = torch.randn(n, m, 5)
    total = 0.0
    for k in range(n):
        for v in range(m):
            others = [u for u in range(m) if u != v]
            sims = torch.stack(
                [
                    F.cosine_similarity(z[k, v], z[j, others].mean(0), dim=0)
                    for j in range(n)
                ]
            )
            total += -torch.log_softmax(sims / tau, dim=0)[k]
    expected = total / (n * m)
    assert contrastive_loss(z, tau).item() == pytest.approx(expected.item(), rel=1e-5)


def test_contrastive_loss_is_not_minimised_without_invariance():
    """Constant features score chance (ln N); so do features that differ per view of a
    clip. The printed Eq. 3 (anchor inside its own positive) rewards the latter: that
    was the trivial task."""
    torch.manual_seed(0)
    n, m, tau = 32, 3, 0.1
    constant = torch.ones(n, m, 60)
    assert contrastive_loss(constant, tau).item() == pytest.approx(math.log(n))
    assert contrastive_loss(constant, tau, "all").item() == pytest.approx(math.log(n))
    hashing = torch.randn(n, m, 60)  # every view its own direction, no shared content
    assert contrastive_loss(hashing, tau).item() > 0.8 * math.log(n)
    assert contrastive_loss(hashing, tau, "all").item() < 0.5 * math.log(n)
    invariant = torch.randn(n, 1, 60).repeat(1, m, 1) + 0.05 * torch.randn(n, m, 60)
    assert contrastive_loss(invariant, tau).item() < 0.01


def test_contrastive_loss_rewards_agreeing_views():
    torch.manual_seed(1)
    base = torch.randn(8, 1, 16)
    agreeing = base.repeat(1, 3, 1) + 0.01 * torch.randn(8, 3, 16)
    unrelated = torch.randn(8, 3, 16)
    assert contrastive_loss(agreeing) < contrastive_loss(unrelated)
    with pytest.raises(ValueError):
        contrastive_loss(torch.randn(8, 16))
