"""Two CPU processes under torchrun (gloo) train like one process on the same batches."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.training.events import BatchDone
from core.training.loop import run
from tests.core.training.conftest import tiny_config

REPO = Path(__file__).resolve().parents[3]


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
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
         "-m", "core.cli", "train", "--config", str(cfg_file), "--quiet"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "2 processes" in proc.stderr
    assert len(list(fresh_cache.rglob("index.json"))) == 1
    assert not list(fresh_cache.rglob("*.tmp"))
    ddp = _batch_losses(tmp_path / "ddp" / "metrics.jsonl")
    assert len(ddp) == len(ref) >= 2
    assert ddp[0] == pytest.approx(ref[0], rel=1e-5)  # same first-step loss
    # later steps agree too: gradients were averaged across the two processes
    assert ddp[-1] == pytest.approx(ref[-1], rel=1e-3)
