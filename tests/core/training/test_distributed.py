"""Two CPU processes under torchrun (gloo) train like one process on the same batches."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from core.training.events import BatchDone
from core.training.loop import run
from tests.core.training.conftest import tiny_config, write_dataset

REPO = Path(__file__).resolve().parents[3]


def torchrun_train(
    args: list[str], timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    """``torchrun --nproc_per_node 2 -m core.cli train ARGS`` on CPU (gloo), one thread."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
         "-m", "core.cli", "train", *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def _batch_losses(metrics: Path) -> list[float]:
    lines = [json.loads(x) for x in metrics.read_text().splitlines()]
    return [x["losses"]["total"] for x in lines if x["event"] == "BatchDone"]


@pytest.mark.slow
def test_two_process_gloo_ddp_matches_single_process(tiny_data, tmp_path):
    single = tiny_config(tiny_data, tmp_path / "single", epochs=1)
    ref = [e.losses["total"] for e in run(single) if isinstance(e, BatchDone)]

    cfg_file = tmp_path / "ddp.json"
    # An empty cache folder: rank 0 must build it alone while rank 1 waits, then open it.
    fresh_cache = tmp_path / "fresh-cache"
    single.replace(
        run={"run_dir": str(tmp_path / "ddp")}, data={"cache_dir": str(fresh_cache)}
    ).save(cfg_file)
    proc = torchrun_train(["--config", str(cfg_file), "--quiet"])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "2 processes" in proc.stderr
    assert len(list(fresh_cache.rglob("index.json"))) == 1
    assert not list(fresh_cache.rglob("*.tmp"))
    ddp = _batch_losses(tmp_path / "ddp" / "metrics.jsonl")
    assert len(ddp) == len(ref) >= 2
    assert ddp[0] == pytest.approx(ref[0], rel=1e-5)  # same first-step loss
    # later steps agree too: gradients were averaged across the two processes
    assert ddp[-1] == pytest.approx(ref[-1], rel=1e-3)


# Runs ``ms2l train`` like ``python -m core.cli`` does, then reports on stdout whether
# the process group is still joined and how many DDP wrappers are still alive.
_RANK_DRIVER = """
import gc, sys, warnings
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from core.cli import exit_process, main
status = main(["train", *sys.argv[1:]])
warnings.simplefilter("ignore")  # isinstance over every object touches deprecated names
gc.collect()
ddp = sum(isinstance(o, DistributedDataParallel) for o in gc.get_objects())
print(f"initialized={dist.is_initialized()} ddp={ddp}")
exit_process(status)
"""


def start_ranks(args: list[str]) -> list[subprocess.Popen[str]]:
    """Start ``ms2l train ARGS`` as ranks 0 and 1 of a gloo job on the CPU (torchrun's
    environment variables, without torchrun), output piped."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    procs = []
    for rank in (0, 1):
        env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO),
               "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "RANK": str(rank),
               "LOCAL_RANK": str(rank), "WORLD_SIZE": "2"}  # fmt: skip
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", _RANK_DRIVER, *args],
                cwd=REPO,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )  # fmt: skip
        )
    return procs


def two_ranks_train(
    args: list[str], timeout: float = 240
) -> list[tuple[int, str, str]]:
    """Run ``ms2l train ARGS`` as ranks 0 and 1 of a gloo job on the CPU.

    The ranks are started directly with torchrun's environment variables, not through
    torchrun, so that each one's exit status and output can be checked (torchrun stops
    the other ranks as soon as one exits with an error).

    Returns:
        ``(exit status, stdout, stderr)`` of rank 0 and rank 1; stdout ends with the
        driver's ``initialized=... ddp=...`` line.
    """
    procs = start_ranks(args)
    out = []
    try:
        for proc in procs:
            stdout, err = proc.communicate(timeout=timeout)
            out.append((proc.returncode, stdout, err))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return out


@pytest.mark.slow
def test_error_after_setup_exits_cleanly_on_both_ranks(tmp_path):
    # Views 1 and 2 only: the cross-view test split (view 3) is empty, which the loop
    # finds after joining the process group, on both ranks.
    root = write_dataset(tmp_path / "all_sqe", subjects=2)
    for f in root.glob("*_v03.json"):
        f.unlink()
    cfg = tiny_config((root, tmp_path / "cache"), tmp_path / "run", epochs=1)
    cfg.save(tmp_path / "cfg.json")
    ranks = two_ranks_train(["--config", str(tmp_path / "cfg.json"), "--quiet"])
    for rank, (status, out, err) in enumerate(ranks):
        # one line naming the problem, exit status 2, nothing from torch or gloo
        assert status == 2, (rank, err)
        lines = err.splitlines()
        assert lines[-1].startswith(
            "ms2l train: error: nw-ucla xview: the test split is empty (the "
        ), (rank, err)
        assert lines[-1].endswith("are all on the training side of xview: another "
                                  "protocol, or more data)"), (rank, err)  # fmt: skip
        # before it, at most rank 0's data-loading log line
        assert all(line.startswith("clip cache ") for line in lines[:-1]), (rank, err)
        # and the process left the group before returning
        assert out.splitlines()[-1] == "initialized=False ddp=0", (rank, out)


@pytest.mark.slow
def test_two_process_ddp_trains_the_graph_encoder(tiny_data, tmp_path):
    """The graph encoder under DDP (gloo, CPU): it trains and saves a loadable run.

    Its BatchNorm layers normalise each process's half batch (plain BatchNorm, as DDP
    does without SyncBatchNorm, which needs a GPU), so the losses are not expected to
    equal the single-process ones.
    """
    from core.inference import Predictor

    cfg = tiny_config(
        tiny_data, tmp_path / "ddp-gcn", epochs=3,
        model={"encoder": "gcn", "hidden": 8, "layers": 3},
    )  # fmt: skip
    cfg_file = tmp_path / "ddp-gcn.json"
    cfg.save(cfg_file)
    proc = torchrun_train(["--config", str(cfg_file), "--quiet"])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "2 processes" in proc.stderr
    losses = _batch_losses(tmp_path / "ddp-gcn" / "metrics.jsonl")
    assert len(losses) >= 3 and losses[-1] < losses[0]
    p = Predictor.from_run(tmp_path / "ddp-gcn", device="cpu")
    assert p.model.encoder.__class__.__name__ == "GraphEncoder"


@pytest.mark.slow
def test_losses_are_logged_in_one_order_with_one_process_or_two(tiny_data, tmp_path):
    """Under torchrun the losses were logged alphabetically ("contrastive jigsaw
    motion total"), one process's in the tasks' order: logs of one run read apart
    (a trial)."""
    single = tiny_config(tiny_data, tmp_path / "single", strategy="joint", epochs=1)
    order = next(list(e.losses) for e in run(single) if isinstance(e, BatchDone))
    assert order.index("motion") < order.index("contrastive") and order[-1] == "total"
    cfg_file = tmp_path / "ddp.json"
    single.replace(run={"run_dir": str(tmp_path / "ddp")}).save(cfg_file)
    proc = torchrun_train(["--config", str(cfg_file), "--quiet"])
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = (tmp_path / "ddp" / "metrics.jsonl").read_text().splitlines()
    batches = [json.loads(x) for x in lines if '"BatchDone"' in x]
    assert batches and all(list(b["losses"]) == order for b in batches)


@pytest.mark.slow
def test_a_rank_killed_mid_run_leaves_the_other_a_resume_hint(tiny_data, tmp_path):
    """kill -9 of one process: the other said it in a gloo traceback, with no word of
    how to go on; now one line naming the run to resume."""
    import signal
    import time

    run_dir = tmp_path / "run"
    cfg = tiny_config(tiny_data, run_dir, epochs=200, optim={"batch_size": 2})
    cfg.save(tmp_path / "cfg.json")
    procs = start_ranks(["--config", str(tmp_path / "cfg.json"), "--quiet"])
    try:
        deadline = time.monotonic() + 120
        metrics = run_dir / "metrics.jsonl"
        while not (metrics.is_file() and '"EpochDone"' in metrics.read_text()):
            assert time.monotonic() < deadline, "training never got under way"
            assert procs[0].poll() is None, procs[0].communicate()[1][-2000:]
            time.sleep(0.2)
        procs[1].send_signal(signal.SIGKILL)
        _, err = procs[0].communicate(timeout=120)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.communicate()
    assert procs[0].returncode == 2, err[-3000:]
    last = err.strip().splitlines()[-1]
    assert last.startswith(
        "ms2l train: error: another process of this 2-process job stopped ("
    ), err[-3000:]
    assert last.endswith(
        f"the run keeps its last completed epoch: resume with: torchrun "
        f"--nproc-per-node 2 -m core.cli train --resume {run_dir}"
    )
    assert "Traceback" not in err


@pytest.mark.slow
def test_a_run_folder_held_by_another_process_stops_every_rank(tiny_data, tmp_path):
    """Only rank 0 takes the run folder's lock; refused, it used to exit alone while
    rank 1 waited for it forever (without torchrun to stop it)."""
    from core.filelock import FileLock
    from core.training.loop import RUN_LOCK

    run_dir = tmp_path / "run"
    list(run(tiny_config(tiny_data, run_dir, epochs=1)))
    holder = FileLock(run_dir / RUN_LOCK)
    assert holder.try_acquire()
    holder.write_note("process 4242 on elsewhere")
    try:
        ranks = two_ranks_train(
            ["--resume", str(run_dir), "--epochs", "2"], timeout=120
        )
    finally:
        holder.release()
    for rank, (status, out, err) in enumerate(ranks):
        assert status == 2, (rank, err)
        assert err.splitlines()[-1] == (
            f"ms2l train: error: {run_dir}: another process is training this run "
            "(process 4242 on elsewhere); wait for it to finish or stop it"
        ), (rank, err)
        assert out.splitlines()[-1] == "initialized=False ddp=0", (rank, out)


@pytest.mark.slow
def test_a_batch_smaller_than_the_processes_is_refused_not_hung(tmp_path):
    """A batch of 1 on two processes left one rank with no clip, and both waited for
    each other forever (a server user's trial)."""
    root = write_dataset(tmp_path / "all_sqe", subjects=2)
    cfg = tiny_config((root, tmp_path / "cache"), tmp_path / "run", epochs=1)
    cfg = cfg.replace(optim={"batch_size": 1})
    cfg.save(tmp_path / "cfg.json")
    ranks = two_ranks_train(["--config", str(tmp_path / "cfg.json"), "--quiet"])
    for rank, (status, _out, err) in enumerate(ranks):
        assert status == 2, (rank, err)
        assert err.splitlines()[-1].startswith(
            "ms2l train: error: a batch of 1 clip cannot be shared by 2 processes "
            "(--batch-size 1, "
        ), (rank, err)
    assert not (tmp_path / "run" / "weights.pt").exists()


def test_the_resume_command_names_the_processes_to_start(monkeypatch):
    """'resume with: torchrun ... -m core.cli train' could not be pasted (a trial)."""
    from core.training.distributed import DistInfo, relaunch

    assert relaunch(DistInfo()) == "ms2l train"
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "2")
    assert (
        relaunch(DistInfo(world=2)) == "torchrun --nproc-per-node 2 -m core.cli train"
    )
    assert relaunch(DistInfo(world=4)) == (
        "torchrun --nnodes 2 (and your rendezvous options) --nproc-per-node 2 -m "
        "core.cli train"
    )


def test_end_process_returns_in_a_process_that_never_joined_a_group():
    """Only a torchrun rank skips the interpreter's teardown: in any other process
    (this one, the GUI's, a single-process ``ms2l train``) end_process returns."""
    from core.training import distributed

    assert not distributed._joined
    distributed.end_process(3)  # still here: the process goes on
