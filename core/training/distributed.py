"""Multi-process data-parallel training (``torchrun``), also usable with CPU processes.

``torchrun --nproc_per_node N -m core.cli train ...`` starts N copies of the training
command; each reads ``RANK``/``WORLD_SIZE``/``LOCAL_RANK`` from the environment. The loop
then joins the process group (NCCL on CUDA, gloo on CPU), wraps its objective in
``DistributedDataParallel`` (gradients are averaged across processes) and takes its own
contiguous share of every global batch, so one step of N processes computes the same
gradient as one process on the whole batch. Only rank 0 writes the run folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import torch
import torch.distributed as dist
from torch import nn


@dataclass(frozen=True)
class DistInfo:
    """This process's place in the job.

    Attributes:
        rank: Global rank (0 writes files).
        world: Number of processes.
        local_rank: Rank on this machine (selects the GPU).
    """

    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        """True when more than one process trains."""
        return self.world > 1

    @property
    def is_main(self) -> bool:
        """True on rank 0."""
        return self.rank == 0


def launched() -> DistInfo:
    """Read the torchrun environment (a single process when it is absent)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistInfo()
    return DistInfo(
        rank=int(os.environ.get("RANK", "0")),
        world=world,
        local_rank=int(os.environ.get("LOCAL_RANK", "0")),
    )


def setup(info: DistInfo, device: torch.device) -> None:
    """Join the process group (once); NCCL for CUDA devices, gloo otherwise."""
    if info.enabled and not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        dist.init_process_group(backend=backend, rank=info.rank, world_size=info.world)


def barrier(info: DistInfo) -> None:
    """Wait until every process reaches this point (no-op for one process)."""
    if info.enabled and dist.is_initialized():
        dist.barrier()


def teardown(info: DistInfo) -> None:
    """Leave the process group if this module joined one."""
    if info.enabled and dist.is_initialized():
        dist.destroy_process_group()


def wrap(module: nn.Module, info: DistInfo, device: torch.device) -> nn.Module:
    """Wrap in DDP when distributed (unused parameters allowed: heads idle per strategy)."""
    if not info.enabled:
        return module
    ids = [device.index] if device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(
        module, device_ids=ids, find_unused_parameters=True
    )


def shard(batch: np.ndarray, info: DistInfo) -> np.ndarray:
    """This process's contiguous share of a global batch of positions."""
    if not info.enabled:
        return batch
    return np.array_split(batch, info.world)[info.rank]


def any_across(flag: bool, info: DistInfo) -> bool:
    """True when ``flag`` is true in any process (``flag`` itself for one process).

    Used for the stop flag: Ctrl-C reaches every process at a slightly different moment,
    and a process that stopped alone would leave the others waiting in the next
    gradient all-reduce.
    """
    if not info.enabled:
        return flag
    t = torch.tensor([1.0 if flag else 0.0])
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return bool(t.item() > 0)


def mean_across(values: dict[str, float], info: DistInfo) -> dict[str, float]:
    """Average scalar values over processes (identity for one process)."""
    if not info.enabled or not values:
        return values
    keys = sorted(values)
    t = torch.tensor([values[k] for k in keys], dtype=torch.float64)
    dist.all_reduce(t)
    t /= info.world
    return dict(zip(keys, t.tolist()))
