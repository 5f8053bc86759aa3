"""Live cost of one window for the graph encoder beside the BiGRU: torch and ONNX.

For each model (encoder x preset) and input (NW-UCLA ``ucla20`` x1 body; ``ntu25`` x2
bodies with two people, and with one person as a webcam gives, where the graph encoder
is fed the present body only, as the Predictor does), an untrained model (the cost does not depend on the weights) is run
on one clip of ``--frames`` frames, as the live recogniser does each window: torch
(``no_grad``, eval mode) and onnxruntime (the model exported as ``ms2l export`` does),
both on one thread. Reports the median and p90 of ``--repeat`` calls in milliseconds,
after a warm-up, and the parameter count.

    OMP_NUM_THREADS=1 .venv/bin/python bench/gcn_cost.py [--frames 64] [--repeat 200]

``--einsum`` also times, side by side and interleaved (5 rounds, median), the graph
encoder exported with the graph convolution written as ``einsum`` (its first form) against
the matrix product it uses now, and reports the ratio.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core import runs  # noqa: E402
from core.config import model_preset  # noqa: E402
from core.inference.onnx import OnnxBackend, export_module  # noqa: E402
from core.skeleton import get_layout  # noqa: E402

MODELS = (
    ("bigru", "paper"),
    ("bigru", "official"),
    ("gcn", "paper"),
    ("gcn", "official"),
)
# (layout, bodies M of the model, classes, people in the clip). With fewer people than
# bodies (a webcam feeding a two-body NTU model), the absent body is zero and a model
# that takes fewer bodies (the graph encoder) is fed only the present one, as the
# Predictor does (Predictor._drop_absent_bodies).
INPUTS = (("ucla20", 1, 10, 1), ("ntu25", 2, 60, 2), ("ntu25", 2, 60, 1))


def timed(fn, repeat: int) -> tuple[float, float]:
    """Median and p90 of ``repeat`` calls of ``fn`` in ms (after 10 warm-up calls)."""
    for _ in range(10):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return float(np.median(times)), float(np.percentile(times, 90))


def _einsum_forward(self, x: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    """The graph convolution's first form (``models.gcn.GraphConv`` before the change)."""
    n, _, t, v = x.shape
    y = self.conv(x).view(n, self.num_partitions, self.out_channels, t, v)
    return torch.einsum("nkctv,kwv->nctw", y, a)


def compare_einsum(frames: int, repeat: int, tmp: Path) -> list[dict]:
    """ONNX ms per window of the gcn with the einsum vs the matrix-product graph
    convolution, measured in alternation; the two must give the same logits."""
    from models import gcn

    rows = []
    for layout, bodies, classes, people in INPUTS:
        if people < bodies:
            continue
        v = get_layout(layout).num_joints
        x = np.random.default_rng(0).normal(size=(1, frames, bodies, v, 3))
        x = x.astype(np.float32)
        torch.manual_seed(0)
        cfg = model_preset("paper", encoder="gcn")
        model = runs.new_model(cfg, v, bodies, classes, layout=layout).eval()
        backends = {}
        for name in ("einsum", "matmul"):
            original = gcn.GraphConv.forward
            if name == "einsum":
                gcn.GraphConv.forward = _einsum_forward  # type: ignore[method-assign]
            try:
                path = tmp / f"gcn-{name}-{layout}.onnx"
                export_module(model.export_module(), path, x)
            finally:
                gcn.GraphConv.forward = original  # type: ignore[method-assign]
            backends[name] = OnnxBackend(path, threads=1)
        diff = float(
            np.abs(backends["einsum"].logits(x) - backends["matmul"].logits(x)).max()
        )
        times: dict[str, list[float]] = {"einsum": [], "matmul": []}
        for _ in range(5):
            for name, b in backends.items():
                times[name].append(timed(lambda b=b, x=x: b.logits(x), repeat)[0])
        e, m = float(np.median(times["einsum"])), float(np.median(times["matmul"]))
        rows.append({"layout": layout, "bodies": bodies, "einsum_ms": e,
                     "matmul_ms": m, "ratio": e / m, "max_diff": diff})  # fmt: skip
        print(f"| {layout} x{bodies} | {e:.2f} | {m:.2f} | {e / m:.2f} | {diff:.1e} |")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=64)
    ap.add_argument("--repeat", type=int, default=200)
    ap.add_argument("--json", help="also write the rows here")
    ap.add_argument(
        "--einsum", action="store_true", help="also compare with the einsum graph conv"
    )
    args = ap.parse_args()
    torch.set_num_threads(1)
    rows = []
    print(f"one clip, T={args.frames}, 1 thread, median / p90 of {args.repeat} calls")
    print("| encoder | preset | input | params | torch ms | onnx ms |")
    print("|---|---|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for layout, bodies, classes, people in INPUTS:
            v = get_layout(layout).num_joints
            full = np.random.default_rng(0).normal(size=(1, args.frames, bodies, v, 3))
            full[:, :, people:] = 0
            full = full.astype(np.float32)
            for encoder, preset in MODELS:
                torch.manual_seed(0)
                cfg = model_preset(preset, encoder=encoder)
                model = runs.new_model(cfg, v, bodies, classes, layout=layout).eval()
                params = sum(p.numel() for p in model.parameters())
                fewer = model.encoder.takes_fewer_bodies
                x = full[:, :, :people] if fewer else full
                xt = torch.from_numpy(x)

                def run_torch(model=model, xt=xt) -> None:
                    with torch.no_grad():
                        model(xt)

                t_med, t_p90 = timed(run_torch, args.repeat)
                path = Path(tmp) / f"{encoder}-{preset}-{layout}.onnx"
                export_module(model.export_module(), path, x)
                backend = OnnxBackend(path, threads=1)
                with torch.no_grad():  # against torch on the full input
                    want = model(torch.from_numpy(full)).numpy()
                diff = float(np.abs(backend.logits(x) - want).max())
                o_med, o_p90 = timed(lambda b=backend, x=x: b.logits(x), args.repeat)
                row = {
                    "encoder": encoder, "preset": preset, "layout": layout,
                    "bodies": bodies, "people": people, "fed_bodies": x.shape[2],
                    "frames": args.frames, "params": params,
                    "torch_ms": t_med, "torch_p90_ms": t_p90,
                    "onnx_ms": o_med, "onnx_p90_ms": o_p90, "onnx_max_diff": diff,
                }  # fmt: skip
                rows.append(row)
                print(
                    f"| {encoder} | {preset} | {layout} x{bodies}, {people} "
                    f"present (fed {x.shape[2]}) | {params:,} | "
                    f"{t_med:.2f} (p90 {t_p90:.2f}) | {o_med:.2f} (p90 {o_p90:.2f}) |",
                    flush=True,
                )
        if args.einsum:
            print("\ngcn graph convolution, ONNX ms per window (median of 5 alternating "
                  "rounds)")  # fmt: skip
            print("| input | einsum | matmul | ratio | max logit diff |")
            print("|---|---:|---:|---:|---:|")
            rows += compare_einsum(args.frames, args.repeat, Path(tmp))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
