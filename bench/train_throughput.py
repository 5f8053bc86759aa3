"""Training throughput and peak memory of MS²L, both presets, pretraining and fine-tuning.

Each case (preset x phase x batch size) runs in its own child process so that its peak
memory is its own: the child builds the model and the training objective exactly as the
engine does (``core.training.strategies``), makes the pretext views with
``models.pretext`` (vectorised, on the batch) and times full optimiser steps (forward
over every view in one encoder pass, backward, Adam) on random NW-UCLA-shaped clips
(M=1, V=20, C=3) at T=200 after warm-up steps. Reported: samples per second and the peak
resident memory of the process (CPU) or the peak CUDA allocation.

    .venv/bin/python bench/train_throughput.py                 # all 8 cases
    .venv/bin/python bench/train_throughput.py --json out.json --threads 2
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def measure(
    preset: str,
    phase: str,
    batch: int,
    frames: int,
    seconds: float,
    threads: int,
    device: str,
) -> dict[str, float | int | str]:
    """Time optimiser steps of one case in this process and return its figures."""
    import torch

    from core import runs
    from core.config import TASKS, model_preset
    from core.device import resolve_device
    from models.objective import Objective
    from models.pretext import make_pretext

    torch.set_num_threads(threads)
    torch.set_flush_denormal(True)  # as core.training.loop.run does on CPU
    dev = resolve_device(device)
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cfg = model_preset(preset)
    torch.manual_seed(0)
    model = runs.new_model(cfg, 20, 1, 10).to(dev)
    pretrain = phase == "pretrain"
    objective = Objective(model, TASKS, cfg.temperature, use_cls=not pretrain).to(dev)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    x = torch.randn(batch, frames, 1, 20, 3)
    lengths = torch.full((batch,), frames, dtype=torch.int64)
    labels = torch.randint(0, 10, (batch,))
    gen = torch.Generator().manual_seed(0)
    amp = dev.type == "cuda"
    scaler = torch.amp.GradScaler("cuda", enabled=amp)

    def step() -> None:
        pretext = None
        if pretrain:
            pretext = make_pretext(x, lengths, cfg.mask_ratio, cfg.noise_std, 3, gen)
        with torch.autocast(device_type=dev.type, dtype=torch.float16, enabled=amp):
            losses = objective(
                x.to(dev), lengths.to(dev), labels.to(dev), pretext,
                0.0 if pretrain else 1.0, 1.0 if pretrain else 0.0,
            )  # fmt: skip
        opt.zero_grad(set_to_none=True)
        scaler.scale(losses["total"]).backward()
        scaler.step(opt)
        scaler.update()

    step()  # warm-up (allocations, kernel selection)
    if dev.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    steps, t0 = 0, time.perf_counter()
    while steps < 2 or time.perf_counter() - t0 < seconds:
        step()
        steps += 1
    if dev.type == "cuda":
        torch.cuda.synchronize()
    elapsed = time.perf_counter() - t0
    if dev.type == "cuda":
        peak_mb = torch.cuda.max_memory_allocated() / 2**20
    else:
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "preset": preset,
        "phase": phase,
        "batch": batch,
        "frames": frames,
        "steps": steps,
        "seconds": round(elapsed, 2),
        "samples_per_s": round(steps * batch / elapsed, 1),
        "peak_mb": round(peak_mb, 1),
        "baseline_rss_mb": round(base_rss / 1024, 1),
        "params": sum(p.numel() for p in model.parameters()),
        "device": str(dev),
        "threads": threads,
    }


def main(argv: list[str] | None = None) -> int:
    """Run every case in a child process and print a table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presets", default="paper,official")
    ap.add_argument("--phases", default="pretrain,finetune")
    ap.add_argument("--batches", default="32,256")
    ap.add_argument("--frames", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=10.0, help="timing per case")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--case", help=argparse.SUPPRESS)  # child mode: preset,phase,batch
    args = ap.parse_args(argv)
    if args.case:
        preset, phase, batch = args.case.split(",")
        out = measure(
            preset,
            phase,
            int(batch),
            args.frames,
            args.seconds,
            args.threads,
            args.device,
        )
        print(json.dumps(out))
        return 0
    rows = []
    print(
        f"{'preset':9} {'phase':9} {'batch':>5} {'samples/s':>10} {'peak MB':>8} {'params':>9}"
    )
    for preset in args.presets.split(","):
        for phase in args.phases.split(","):
            for batch in args.batches.split(","):
                cmd = [sys.executable, __file__, "--case", f"{preset},{phase},{batch}",
                       "--frames", str(args.frames), "--seconds", str(args.seconds),
                       "--threads", str(args.threads), "--device", args.device]  # fmt: skip
                proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
                if proc.returncode:
                    print(proc.stderr, file=sys.stderr)
                    return proc.returncode
                row = json.loads(proc.stdout.strip().splitlines()[-1])
                rows.append(row)
                print(
                    f"{preset:9} {phase:9} {row['batch']:>5} {row['samples_per_s']:>10.1f} "
                    f"{row['peak_mb']:>8.0f} {row['params']:>9}",
                    flush=True,
                )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
