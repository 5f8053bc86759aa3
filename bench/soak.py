"""Soak test: a video looped through the live pipeline at full speed; does memory grow?

Runs :func:`core.realtime.run_live` on a looping :class:`core.capture.VideoSource` for
``--minutes``, samples the process RSS every ``--every`` seconds, and reports RSS after
warm-up, at the end, the maximum, and the least-squares growth rate (MB per 10 minutes)
over the samples after warm-up. Samples go to a CSV as they are taken, so a run killed
early still leaves its data.

    nohup .venv/bin/python bench/soak.py --minutes 30 --csv out/soak.csv > out/soak.log &
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.capture import VideoSource  # noqa: E402
from core.inference import Predictor  # noqa: E402
from core.realtime import LiveSettings, run_live  # noqa: E402
from core.runs import shipped_model_dir  # noqa: E402


def rss_mb() -> float:
    """Resident set size of this process in MB (from /proc)."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    """Run the soak and print a summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = Path(
        os.environ.get("MS2L_DATA", Path(__file__).resolve().parents[2] / "shared/data")
    )
    parser.add_argument("--video", type=Path, default=root / "videos" / "ta_chi.mp4")
    parser.add_argument("--run", type=Path, default=None)
    parser.add_argument("--backend", default="onnx", choices=("torch", "onnx"))
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--every", type=float, default=5.0, help="sampling period (s)")
    parser.add_argument("--warmup", type=float, default=60.0, help="seconds ignored")
    parser.add_argument("--csv", type=Path, default=Path("out/soak.csv"))
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    tmp = None
    run_dir = args.run or shipped_model_dir()
    if run_dir is None:
        from bench.realtime import untrained_run

        tmp = tempfile.TemporaryDirectory()
        run_dir = untrained_run(Path(tmp.name) / "untrained")
    predictor = Predictor.from_run(run_dir, device="cpu", backend=args.backend)
    args.csv.parent.mkdir(parents=True, exist_ok=True)
    print(f"soak: {args.video.name} looped for {args.minutes} min, model {run_dir}")
    stop = threading.Event()
    samples: list[tuple[float, int, float]] = []
    start = time.monotonic()
    next_sample = start
    frames = people = predictions = 0
    with open(args.csv, "w", encoding="ascii") as csv:
        csv.write("seconds,frames,rss_mb,fps\n")
        src = VideoSource(args.video, loop=True)
        settings = LiveSettings(asynchronous=True, predict_every=5)
        for update in run_live(src, predictor, settings, stop):
            frames += 1
            people += update.skeleton is not None
            predictions += update.prediction.fresh
            now = time.monotonic()
            if now >= next_sample:
                rss = rss_mb()
                samples.append((now - start, frames, rss))
                csv.write(f"{now - start:.1f},{frames},{rss:.1f},{update.fps:.1f}\n")
                csv.flush()
                next_sample += args.every
            if now - start >= args.minutes * 60:
                stop.set()
    elapsed = time.monotonic() - start
    t = np.array([s[0] for s in samples])
    rss = np.array([s[2] for s in samples])
    after = t >= min(args.warmup, t[-1] / 2)
    slope = np.polyfit(t[after], rss[after], 1)[0] * 600 if after.sum() > 2 else np.nan
    print(
        f"frames {frames} in {elapsed / 60:.1f} min ({frames / elapsed:.1f} FPS), "
        f"person in {people / max(frames, 1):.0%}, {predictions} predictions"
    )
    print(
        f"RSS MB: start {rss[0]:.1f}, after warm-up {rss[after][0]:.1f}, "
        f"end {rss[-1]:.1f}, max {rss.max():.1f}; growth after warm-up "
        f"{slope:+.2f} MB per 10 min; samples in {args.csv}"
    )
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
