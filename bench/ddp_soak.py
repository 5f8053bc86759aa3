"""DDP shutdown soak: the two-process gloo training run, repeated under CPU load.

Each round starts ``torchrun --standalone --nproc_per_node 2 -m core.cli train`` on a
tiny synthetic NW-UCLA set (the one the tests use) with an empty cache folder, so rank 0
builds the cache while rank 1 waits, trains one epoch and writes ``weights.pt`` and
``last.pt``. A round passes when torchrun exits 0, nothing on stderr says
``terminate called`` / ``Signal`` / ``Traceback``, both checkpoint files load and no
temporary file is left (the lock files stay by design). ``--load N`` busy-loop processes run meanwhile, so the ranks
are scheduled unevenly (the shutdown race showed up on a loaded CI machine).

    OMP_NUM_THREADS=1 nohup .venv/bin/python bench/ddp_soak.py --rounds 50 \\
        --log out/ddp_soak.log > out/ddp_soak.txt 2>&1 &

Prints one line per round and a summary (passes, failures, median seconds per round);
the stderr of failed rounds goes to ``--log``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from core.datasets.cache import LOCK_NAME  # noqa: E402
from core.training.loop import RUN_LOCK  # noqa: E402
from tests.core.training.conftest import tiny_config, write_dataset  # noqa: E402

_BAD_SIGNS = ("terminate called", "Signal", "Traceback", "Aborted")


def _burn(stop_at: float) -> None:
    """Keep one core busy until ``stop_at`` (a ``time.time()`` value)."""
    x = 0
    while time.time() < stop_at:
        for _ in range(100_000):
            x += 1


def one_round(base: Path, data: tuple[Path, Path], k: int) -> tuple[bool, str, float]:
    """Run one two-process training; return ``(passed, problem or "", seconds)``."""
    import torch

    run_dir = base / f"run-{k}"
    cache = base / f"cache-{k}"
    cfg = tiny_config((data[0], cache), run_dir, epochs=1)
    cfg_file = base / f"cfg-{k}.json"
    cfg.save(cfg_file)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "torch.distributed.run", "--standalone",
             "--nproc_per_node", "2", "-m", "core.cli", "train", "--config",
             str(cfg_file), "--quiet"],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        return False, f"timed out (hang?)\n{exc.stderr}", time.perf_counter() - t0
    seconds = time.perf_counter() - t0
    problems = []
    if proc.returncode != 0:
        problems.append(f"torchrun exit status {proc.returncode}")
    problems += [f"stderr mentions {s!r}" for s in _BAD_SIGNS if s in proc.stderr]
    for name in ("weights.pt", "last.pt"):
        try:
            torch.load(run_dir / name, map_location="cpu", weights_only=True)
        except Exception as exc:  # noqa: BLE001 - any failure is a finding
            problems.append(f"{name}: {exc}")
    # The lock files stay by design (removing one races with a process taking it);
    # anything else hidden is a temporary file a rank left behind.
    leftovers = [
        p.name
        for p in (*run_dir.glob(".*"), *cache.rglob(".*"))
        if p.name not in (RUN_LOCK, LOCK_NAME)
    ]
    if leftovers:
        problems.append(f"temporaries left: {leftovers}")
    if problems:
        return False, "; ".join(problems) + "\n" + proc.stderr, seconds
    return True, "", seconds


def main() -> int:
    """Run the rounds and print the summary; exit status 1 if any round failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--load", type=int, default=1, help="busy-loop processes")
    parser.add_argument("--log", type=Path, default=Path("out/ddp_soak.log"))
    args = parser.parse_args()
    args.log.parent.mkdir(parents=True, exist_ok=True)
    passed = 0
    times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="ms2l-ddp-soak-") as tmp:
        base = Path(tmp)
        data = (write_dataset(base / "all_sqe", subjects=3), base / "unused-cache")
        with open(args.log, "w", encoding="utf-8") as log:
            for k in range(1, args.rounds + 1):
                stop_at = time.time() + 3600
                burners = [
                    multiprocessing.Process(target=_burn, args=(stop_at,), daemon=True)
                    for _ in range(args.load)
                ]
                for b in burners:
                    b.start()
                try:
                    ok, problem, seconds = one_round(base, data, k)
                finally:
                    for b in burners:
                        b.terminate()
                        b.join()
                times.append(seconds)
                passed += ok
                first = problem.splitlines()[0] if problem else ""
                print(
                    f"round {k}: {'pass' if ok else 'FAIL'} {seconds:.1f}s {first}",
                    flush=True,
                )
                if not ok:
                    log.write(f"=== round {k}\n{problem}\n")
                    log.flush()
    print(
        f"{passed}/{args.rounds} rounds passed, median {statistics.median(times):.1f} s "
        f"per round, {args.load} busy-loop process(es)"
    )
    return 0 if passed == args.rounds else 1


if __name__ == "__main__":
    sys.exit(main())
