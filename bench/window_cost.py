"""What one live window costs a trained model, torch against ONNX, novelty check included.

For every run given (default: every shipped model) and both backends, the median over
calls of

* ``classifier``: :meth:`Predictor.logits` on one prepared window (the network alone);
* ``window``: :meth:`Predictor.predict_proba` on one raw window, what the live recogniser
  calls: preprocessing (joint rebuild, bone lengths, alignment, timing), the network, and
  the novelty check when the run has one (its features come from the same pass: ONNX's
  when the export has them).

The window is a real one: the first ``window_seconds`` of NTU ``S001C001P001R001A001``
(Kinect), converted to the model's layout. Backends alternate in rounds so that a stall
of the shared machine hits both; one torch thread, one onnxruntime thread.

    OMP_NUM_THREADS=1 .venv/bin/python bench/window_cost.py [RUN ...] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core import runs  # noqa: E402
from core.datasets.ntu import read_skeleton_bytes  # noqa: E402
from core.inference import Predictor  # noqa: E402
from core.skeleton import convert  # noqa: E402

DATA = Path(os.environ.get("MS2L_DATA", ROOT.parent / "shared" / "data"))
CLIP = DATA / "ntu" / "S001C001P001R001A001.skeleton"


def raw_window(p: Predictor) -> np.ndarray:
    """The first ``window_seconds`` of the NTU clip, in the model's layout and bodies."""
    seq = read_skeleton_bytes(CLIP.read_bytes(), str(CLIP))
    frames = max(2, int(round(p.window_seconds * 30)))
    x = convert(seq.joints[:frames], "ntu25", p.layout)
    return x[:, : p.num_bodies]


def median_ms(call, n: int) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(times))


def main() -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="*", help="run folders (default: shipped models)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=100, help="calls per round")
    args = parser.parse_args()
    torch.set_num_threads(1)
    folders = [Path(r) for r in args.runs] or runs.shipped_models()
    print(f"cores: {os.cpu_count()}; load: {os.getloadavg()[0]:.2f}; "
          f"{args.rounds} rounds x {args.calls} calls, medians of the round medians")  # fmt: skip
    print("| model | novelty check | backend | classifier ms | window ms |")
    print("|---|---|---|---:|---:|")
    for folder in folders:
        backends = {
            b: Predictor.from_run(folder, device="cpu", backend=b)
            for b in ("torch", "onnx")
        }
        raw = raw_window(backends["torch"])
        prepared = backends["torch"].prepare(raw)[None]
        rounds: dict[str, dict[str, list[float]]] = {
            b: {"classifier": [], "window": []} for b in backends
        }
        for p in backends.values():  # warm-up
            for _ in range(10):
                p.logits(prepared)
                p.predict_proba([raw])
        for _ in range(args.rounds):
            for b, p in backends.items():
                rounds[b]["classifier"].append(
                    median_ms(lambda p=p, x=prepared: p.logits(x), args.calls)
                )
                rounds[b]["window"].append(
                    median_ms(lambda p=p, w=raw: p.predict_proba([w]), args.calls)
                )
        for b, p in backends.items():
            check = "yes" if p.novelty is not None else "no"
            print(f"| {folder.name} | {check} | {b} | "
                  f"{np.median(rounds[b]['classifier']):.2f} | "
                  f"{np.median(rounds[b]['window']):.2f} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
