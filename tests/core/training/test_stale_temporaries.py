"""A run folder's temporaries left by a killed process are removed by the next run."""

from __future__ import annotations

import subprocess
import sys

from core.cli import main
from core.training.loop import RUN_LOCK
from tests.core.training.conftest import tiny_config


def test_resume_removes_a_killed_runs_checkpoint_temporary(tiny_data, tmp_path, capsys):
    run_dir = tmp_path / "run"
    tiny_config(tiny_data, run_dir, epochs=1).save(tmp_path / "cfg.json")
    assert main(["train", "--config", str(tmp_path / "cfg.json"), "--quiet"]) == 0
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # a process id that is no longer running
    stale = run_dir / f".last.pt.{child.pid}.tmp"  # as a killed save leaves it
    stale.write_bytes(b"\0" * 4096)
    capsys.readouterr()
    assert main(["train", "--resume", str(run_dir), "--epochs", "2", "--quiet"]) == 0
    err = capsys.readouterr().err
    assert f"{run_dir}: removed 1 temporary file(s) of a killed process" in err
    assert not stale.exists()
    # no temporary is left; the run's lock file stays (see core.filelock)
    assert [p.name for p in run_dir.glob(".*")] == [RUN_LOCK]
