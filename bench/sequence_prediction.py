"""Time of predicting one recorded sequence frame by frame: core, Replay panel, ms2l infer.

Three measurements on the same file with the same model (the shipped one by default):

* ``core``: :func:`core.inference.sequences.predict_clip` in this process (model loaded
  once), median of ``--repeat`` runs, and for reference the frame-by-frame
  :class:`core.live.recogniser.RealtimeRecognizer` loop it replaces (one classifier call per
  prediction);
* ``replay``: the real Replay panel (Qt offscreen) from ``open_file`` to the prediction
  shown, model loading included;
* ``infer``: ``ms2l infer FILE`` as a subprocess, wall time (interpreter start, imports and
  model loading included).

Usage::

    OMP_NUM_THREADS=1 .venv/bin/python bench/sequence_prediction.py \\
        [--file ../shared/data/pkummd/skeleton/0005-L.txt] [--run RUN] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def _core(args: argparse.Namespace, run: Path) -> None:
    import numpy as np
    import torch

    from core.datasets import read_file
    from core.inference import Predictor
    from core.inference.sequences import predict_clip, sequence_joints
    from core.live.recogniser import LiveSettings, RealtimeRecognizer

    torch.set_num_threads(1)
    predictor = Predictor.from_run(run, device="cpu")
    seq = read_file(args.file)
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        result = predict_clip(predictor, seq, continuous=True)
        times.append(time.perf_counter() - t0)
    assert result.sequence is not None
    print(
        f"core predict_clip: {seq.num_frames} frames, {int(result.sequence.fresh.sum())} "
        f"windows, median {statistics.median(times):.3f} s "
        f"(runs: {', '.join(f'{t:.3f}' for t in times)})"
    )
    x = sequence_joints(seq, predictor.layout)
    present = np.abs(x).reshape(len(x), -1).sum(-1) > 0
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        with RealtimeRecognizer(predictor, LiveSettings(asynchronous=False)) as rec:
            for t in range(len(x)):
                rec.push(t / seq.fps, x[t] if present[t] else None)
        times.append(time.perf_counter() - t0)
    print(f"frame-by-frame recogniser loop: median {statistics.median(times):.3f} s")


def _replay(args: argparse.Namespace, run: Path) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import cv2  # noqa: F401  (its Qt variables must be removed before Qt starts)

    for var in ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR"):
        os.environ.pop(var, None)
    from PyQt6.QtCore import QSettings
    from PyQt6.QtWidgets import QApplication

    from app.context import AppContext
    from app.panels.replay import ReplayPanel
    from app.workers import JobManager

    app = QApplication.instance() or QApplication([])
    folder = tempfile.mkdtemp()
    settings = QSettings(str(Path(folder) / "s.ini"), QSettings.Format.IniFormat)
    times = []
    for _ in range(args.repeat):
        jobs = JobManager()
        ctx = AppContext(
            jobs=jobs, settings=settings, error=lambda t, m: None, status=lambda m: None
        )
        panel = ReplayPanel(ctx, model_dir=run)
        t0 = time.perf_counter()
        panel.open_file(args.file)
        while panel.prediction is None or panel.prediction.sequence is None:
            app.processEvents()
            time.sleep(0.002)
            if time.perf_counter() - t0 > 120:
                raise TimeoutError("no Replay prediction after 120 s")
        times.append(time.perf_counter() - t0)
        jobs.stop_all()
        panel.deleteLater()
    print(
        f"Replay panel, open_file -> prediction shown (model load included): median "
        f"{statistics.median(times):.3f} s (runs: {', '.join(f'{t:.3f}' for t in times)})"
    )


def _infer(args: argparse.Namespace, run: Path) -> None:
    exe = [sys.executable, "-m", "core.cli", "infer", str(args.file), "--run", str(run)]
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        subprocess.run(exe, cwd=REPO, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    print(
        f"ms2l infer (subprocess, wall): median {statistics.median(times):.3f} s "
        f"(runs: {', '.join(f'{t:.3f}' for t in times)})"
    )


def main() -> int:
    """Run the three measurements and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--file",
        type=Path,
        default=REPO.parent / "shared" / "data" / "pkummd" / "skeleton" / "0005-L.txt",
    )
    parser.add_argument("--run", type=Path, default=None, help="default: shipped")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from core.runs import shipped_model_dir

    run = args.run or shipped_model_dir()
    if run is None:
        print("no model: pass --run RUN", file=sys.stderr)
        return 2
    _core(args, run)
    _replay(args, run)
    _infer(args, run)
    return 0


if __name__ == "__main__":
    sys.exit(main())
