"""Multi-process data-parallel training (``torchrun``), also usable with CPU processes.

``torchrun --nproc_per_node N -m core.cli train ...`` starts N copies of the training
command; each reads ``RANK``/``WORLD_SIZE``/``LOCAL_RANK`` from the environment. The loop
then joins the process group (NCCL on CUDA, gloo on CPU), wraps its objective in
``DistributedDataParallel`` (gradients are averaged across processes) and takes its own
contiguous share of every global batch, so one step of N processes computes the same
gradient as one process on the whole batch. The contrastive task compares every clip
with every other one, so its loss gathers the features of all the shares first
(:func:`models.objective.contrastive_across_processes`). Two differences remain: the
random pretext views are drawn per process, and BatchNorm (the graph encoder's)
normalises each process's share with its own statistics, as DDP does without
``SyncBatchNorm``. Only rank 0 writes the run folder.

Shutdown is deterministic on every path (:func:`shutdown`): the processes meet at a
barrier (so no rank exits while rank 0 still writes ``weights.pt`` / ``last.pt``), the
DDP wrapper is dropped (it holds the process group; alive, it would keep gloo's threads
running until interpreter exit, where their teardown can abort the process), and only
then is the group destroyed. The loop runs everything after :func:`setup` under a
``finally`` that calls it, so an error after setup (an empty split, a checkpoint that
does not fit) also leaves every rank cleanly. Even so, gloo's native threads could
still abort a rank as the interpreter tore down after a finished, saved run (SIGABRT,
"terminate called without an active exception"; rare, seen once in a loaded test run),
so a process that joined a group ends without that teardown (:func:`end_process`, called
by the CLI once the command has returned and printed everything).
"""

from __future__ import annotations

import contextlib
import datetime
import gc
import os
import sys
import weakref
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


def relaunch(info: DistInfo) -> str:
    """The command that starts this job's training again ("torchrun ... -m core.cli
    train" could not be pasted: a trial), before its own arguments."""
    if not info.enabled:
        return "ms2l train"
    local = int(os.environ.get("LOCAL_WORLD_SIZE", info.world) or info.world)
    nodes = max(1, info.world // max(local, 1))
    where = f"--nnodes {nodes} (and your rendezvous options) " if nodes > 1 else ""
    return f"torchrun {where}--nproc-per-node {local} -m core.cli train"


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


# Set by :func:`setup`: this process joined a process group (read by end_process).
_joined = False


def setup(info: DistInfo, device: torch.device) -> None:
    """Join the process group (once); NCCL for CUDA devices, gloo otherwise."""
    global _joined
    if info.enabled and not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        dist.init_process_group(backend=backend, rank=info.rank, world_size=info.world)
        _joined = True


def end_process(status: int) -> None:
    """End this process now with ``status`` if it ever joined a process group.

    Skips the interpreter's teardown (``os._exit``), where the native threads of the
    process group can abort a rank that finished cleanly. Everything the run writes is
    written atomically and closed before the command returns; stdout and stderr are
    flushed here. A process that never joined a group returns and exits as usual.
    """
    if not _joined:
        return
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed or broken pipe
            stream.flush()
    os._exit(status)


def barrier(info: DistInfo) -> None:
    """Wait until every process reaches this point (no-op for one process)."""
    if info.enabled and dist.is_initialized():
        dist.barrier()


# How long a failing rank waits at the shutdown barrier for the others (gloo only; the
# others normally fail the same way at the same point, within seconds).
ERROR_BARRIER_SECONDS = 60.0


class WrappedSlot:
    """Holds the DDP-wrapped module of a run in one place, so that :func:`shutdown` can
    drop the last reference before the process group is destroyed.

    The training step calls ``slot.module(...)`` rather than keeping the wrapper in a
    local variable: an exception's traceback keeps the locals of the frames it passed
    through alive, and with them the wrapper.

    Attributes:
        module: The wrapped module (``None`` before wrapping and after shutdown).
    """

    def __init__(self) -> None:
        self.module: nn.Module | None = None


def shutdown(
    info: DistInfo, slot: WrappedSlot | None = None, clean: bool = True
) -> None:
    """Leave the process group: barrier, drop the DDP wrapper, destroy the group.

    Never raises: a barrier that fails because another rank is gone (it failed
    differently) is passed over, and the group is destroyed all the same.

    Args:
        info: This process's place in the job.
        slot: Holds the DDP wrapper to release (if any).
        clean: ``True`` after a completed run: a plain barrier. ``False`` on the error
            path: on gloo a barrier that gives up after :data:`ERROR_BARRIER_SECONDS`
            (a rank that failed alone must not wait forever); on NCCL no barrier.
    """
    wrapper = weakref.ref(slot.module) if slot and slot.module is not None else None
    if slot is not None:
        slot.module = None
    if not (info.enabled and dist.is_initialized()):
        return
    try:
        if clean:
            dist.barrier()
        elif dist.get_backend() == "gloo":
            dist.monitored_barrier(
                timeout=datetime.timedelta(seconds=ERROR_BARRIER_SECONDS)
            )
    except Exception:  # noqa: BLE001 - another rank is gone; leave all the same
        pass
    if wrapper is not None and wrapper() is not None:
        gc.collect()  # a reference cycle may still hold the wrapper
    with contextlib.suppress(Exception):  # already torn down by a failed peer
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


def from_main(value: object, info: DistInfo, device: torch.device) -> object:
    """Rank 0's ``value`` (any picklable object) in every process; ``value`` itself
    for one process. Every process must call it at the same point."""
    if not info.enabled:
        return value
    box = [value]
    dist.broadcast_object_list(
        box, src=0, device=device if device.type == "cuda" else None
    )
    return box[0]


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
    keys = sorted(values)  # every process sums the same keys in the same order
    t = torch.tensor([values[k] for k in keys], dtype=torch.float64)
    dist.all_reduce(t)
    t /= info.world
    means = dict(zip(keys, t.tolist()))
    # in the order given: the losses were logged alphabetically under torchrun,
    # unlike one process's "motion jigsaw contrastive total" (a trial)
    return {k: means[k] for k in values}
