"""The contrastive loss under DDP is the loss of the whole batch, not of each share."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from models.losses import contrastive_loss
from models.objective import contrastive_across_processes

SHARES = (3, 2)  # a batch of 5 split unevenly, as np.array_split splits it


def _rank(rank: int, world: int, init: str, z: torch.Tensor, out: str) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=init, rank=rank, world_size=world)
    try:
        start = sum(SHARES[:rank])
        mine = z[start : start + SHARES[rank]].clone().requires_grad_(True)
        loss = contrastive_across_processes(mine, 0.5)
        loss.backward()
        torch.save({"loss": loss.detach(), "grad": mine.grad}, f"{out}.{rank}")
    finally:
        dist.destroy_process_group()


@pytest.mark.slow
def test_two_processes_compute_the_whole_batch_loss_and_its_gradient(tmp_path: Path):
    z = torch.randn(sum(SHARES), 3, 8, generator=torch.Generator().manual_seed(0))
    whole = z.clone().requires_grad_(True)
    expected = contrastive_loss(whole, 0.5)
    expected.backward()

    world = len(SHARES)
    init = f"file://{tmp_path / 'rendezvous'}"
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    mp.spawn(_rank, args=(world, init, z, str(tmp_path / "r")), nprocs=world)
    results = [
        torch.load(f"{tmp_path / 'r'}.{r}", weights_only=True) for r in range(world)
    ]
    for rank, res in enumerate(results):
        # every process reports the loss of the whole batch ...
        torch.testing.assert_close(res["loss"], expected.detach())
        # ... and DDP's mean of their gradients is the whole batch's gradient
        start = sum(SHARES[:rank])
        torch.testing.assert_close(
            res["grad"] / world, whole.grad[start : start + SHARES[rank]]
        )
    # a share alone sees fewer negatives: its loss is another number
    assert abs(float(contrastive_loss(z[:3], 0.5)) - expected.item()) > 0.05


def test_outside_a_process_group_it_is_the_plain_loss():
    z = torch.randn(4, 3, 8, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(
        contrastive_across_processes(z, 0.5), contrastive_loss(z, 0.5)
    )
