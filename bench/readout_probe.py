"""What a linear classifier can read from a frozen graph encoder, by readout.

For every graph-encoder run given (a pretraining run, or a linear-evaluation run whose
encoder is random), the last block's output ``(D, T', V)`` of every labelled clip of the
run's own split (no augmentation) is pooled five ways:

* ``avg``: over joints and valid frames, ``D`` numbers (what the model's heads read);
* ``joint``: over valid frames, per joint, ``D x V``;
* ``meanmax``: ``avg`` and the maximum over joints and frames, ``2D``;
* ``seg4``: over joints, in four equal parts of the clip, ``4D``;
* ``joint+seg4``: both, ``D x V + 4D``.

A full-batch logistic regression on the standardised features (Adam, 300 steps, rates
3e-3 / 1e-2 / 3e-2, weight decay 0 / 1e-3) is trained on the training split and read on
the test split (on ``xview-val``: view 1 trains, view 2 is read), and on k = 5 and 10
clips per class of the training split (seeds 0-2, rate 1e-2, weight decay 1e-3).

    OMP_NUM_THREADS=1 .venv/bin/python bench/readout_probe.py RUN [RUN ...]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core import runs  # noqa: E402
from core.training.data import drain, load_data, resolve_data_root  # noqa: E402

READOUTS = ("avg", "joint", "meanmax", "seg4", "joint+seg4")
RATES = (3e-3, 1e-2, 3e-2)
DECAYS = (0.0, 1e-3)


def _pool(
    y: torch.Tensor, lengths: torch.Tensor, stride: int
) -> dict[str, torch.Tensor]:
    """The readouts of one batch's last-block output ``y (N, D, T', V)``."""
    steps = y.shape[2]
    valid = torch.clamp(
        torch.div(lengths + stride - 1, stride, rounding_mode="floor"), 1, steps
    )
    time = torch.arange(steps)[None]
    mask = (time < valid[:, None]).to(y.dtype)  # (N, T')
    per_joint = (y * mask[:, None, :, None]).sum(2) / valid[:, None, None]  # (N, D, V)
    avg = per_joint.mean(2)
    peak = (y + (mask[:, None, :, None] - 1) * 1e9).amax(dim=(2, 3))
    parts = []
    for i in range(4):
        start = (valid * i) // 4
        end = torch.maximum((valid * (i + 1)) // 4, start + 1)
        part = ((time >= start[:, None]) & (time < end[:, None])).to(y.dtype)
        parts.append((y.mean(3) * part[:, None]).sum(2) / part.sum(1, keepdim=True))
    seg = torch.cat(parts, 1)
    return {
        "avg": avg,
        "joint": per_joint.flatten(1),
        "meanmax": torch.cat([avg, peak], 1),
        "seg4": seg,
        "joint+seg4": torch.cat([per_joint.flatten(1), seg], 1),
    }


def features(
    run_dir: Path,
) -> tuple[dict[str, tuple[dict[str, np.ndarray], np.ndarray]], int]:
    """Every readout of the run's training and test clips, with their labels."""
    info = runs.read_run(run_dir)
    if info.config.model.encoder != "gcn":
        raise SystemExit(f"{run_dir}: not a graph-encoder run")
    model = runs.load_model(info).eval()
    data_cfg = dataclasses.replace(
        resolve_data_root(info.config.data),
        labels_per_class=0,
        label_fraction=1.0,
        max_clips=0,
    )
    data = drain(load_data(data_cfg, info.config.run.seed))
    encoder = model.encoder
    seen: dict[str, torch.Tensor] = {}
    encoder.blocks[-1].register_forward_hook(
        lambda _m, _i, out: seen.__setitem__("y", out)
    )
    result = {}
    for split, clips in (("train", data.train), ("test", data.test)):
        keep = np.flatnonzero(clips.labels >= 0)
        pooled: dict[str, list[torch.Tensor]] = {name: [] for name in READOUTS}
        for start in range(0, len(keep), 128):
            x, lengths, _ = clips.batch(keep[start : start + 128], data_cfg)
            with torch.no_grad():
                encoder(x, lengths)
            y = seen["y"]
            y = y.reshape(x.shape[0], x.shape[2], *y.shape[1:]).mean(1)  # bodies
            for name, value in _pool(y, lengths, encoder.stride).items():
                pooled[name].append(value)
        result[split] = (
            {name: torch.cat(v).numpy() for name, v in pooled.items()},
            clips.labels[keep],
        )
    return result, len(info.labels)


def probe(
    train: np.ndarray,
    y_train: np.ndarray,
    test: np.ndarray,
    y_test: np.ndarray,
    classes: int,
    lr: float,
    decay: float,
    steps: int = 300,
) -> float:
    """Test accuracy (%) of a logistic regression on standardised features."""
    mean, std = train.mean(0), train.std(0) + 1e-6
    xs = torch.from_numpy((train - mean) / std).float()
    xt = torch.from_numpy((test - mean) / std).float()
    labels = torch.from_numpy(y_train).long()
    torch.manual_seed(0)
    layer = torch.nn.Linear(xs.shape[1], classes)
    opt = torch.optim.Adam(layer.parameters(), lr=lr, weight_decay=decay)
    for _ in range(steps):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(layer(xs), labels).backward()
        opt.step()
    with torch.no_grad():
        return float((layer(xt).argmax(1).numpy() == y_test).mean() * 100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    torch.set_num_threads(1)
    report: dict[str, dict[str, object]] = {}
    for run_dir in args.runs:
        feats, classes = features(run_dir)
        (train, y_train), (test, y_test) = feats["train"], feats["test"]
        print(f"{run_dir}: {len(y_train)} training clips, {len(y_test)} read")
        print(
            "| readout | dims | "
            + " | ".join(f"lr {r:g}, wd {d:g}" for r in RATES for d in DECAYS)
            + " |"
        )
        print("|---|---:|" + "---:|" * (len(RATES) * len(DECAYS)))
        full: dict[str, list[float]] = {}
        for name in READOUTS:
            full[name] = [
                probe(train[name], y_train, test[name], y_test, classes, r, d)
                for r in RATES
                for d in DECAYS
            ]
            cells = " | ".join(f"{a:.2f}" for a in full[name])
            print(f"| {name} | {train[name].shape[1]} | {cells} |", flush=True)
        shots: dict[str, list[float]] = {}
        for k in (5, 10):
            for name in ("avg", "joint", "joint+seg4"):
                accs = []
                for seed in range(3):
                    rng = np.random.default_rng(seed)
                    pick = np.concatenate(
                        [
                            rng.choice(np.flatnonzero(y_train == c), k, replace=False)
                            for c in range(classes)
                        ]
                    )
                    accs.append(
                        probe(
                            train[name][pick],
                            y_train[pick],
                            test[name],
                            y_test,
                            classes,
                            1e-2,
                            1e-3,
                        )
                    )
                shots[f"k={k} {name}"] = accs
                print(
                    f"k = {k}, {name}: "
                    + ", ".join(f"{a:.2f}" for a in accs)
                    + f" (mean {np.mean(accs):.2f})"
                )
        report[str(run_dir)] = {"full": full, "few_shot": shots}
    if args.json:
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
