"""'Train on my actions': from pressing the button to a model ready for Live.

A user's dataset of 10 actions x 5 takes is built from real NW-UCLA clips (view 3, five
subjects per action, brought in as ``ucla20`` recordings in the documented format) and
fine-tuned from the shipped model's encoder (or ``--base RUN``'s, e.g. the shipped
graph-encoder model) with the recipe the GUI uses by default
(:func:`core.training.teach.teach_config`). One take per action is held out for validation (``val_fraction``
0.2, split by recording). The time measured is what the button costs once the app is
running (torch already imported): building the clip cache from the dataset folder,
training to the last epoch, and loading the run as a :class:`core.inference.Predictor`
as the Live panel does (``backend="auto"``: on a CPU, exported to ONNX and verified)
with a first prediction. It is repeated with seeds 0..N-1 (fresh cache each time) and
the median reported.

First, one run evaluated after every epoch up to ``--curve-epochs`` shows how many
epochs the held-out takes need; the recipe's epoch count was chosen from that curve.

Caveat: the shipped encoder was trained with NW-UCLA's labels (views 1+2), so these
actions are familiar to it and the held-out accuracy is optimistic for truly new
actions; the same recipe from the label-free encoder of ``bench/few_shot.py`` is run
too when its folder exists (``--ssl``) and has the base's encoder, for comparison. Usage::

    OMP_NUM_THREADS=1 .venv/bin/python bench/teach_time.py --repeats 5 [--base RUN]
"""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from core.config import TrainConfig  # noqa: E402
from core.datasets.custom import import_sequence  # noqa: E402
from core.datasets.ucla import UclaReader  # noqa: E402
from core.labels import load_class_table  # noqa: E402
from core.training.events import EpochDone, RunFinished  # noqa: E402
from core.training.loop import run  # noqa: E402
from core.training.teach import (  # noqa: E402
    TEACH_BATCH,
    TEACH_EPOCHS,
    TEACH_LR,
    default_encoder,
    teach_config,
)

SHIPPED = default_encoder()
RECIPE = {"epochs": TEACH_EPOCHS, "batch_size": TEACH_BATCH, "lr": TEACH_LR}


def build_dataset(zip_path: Path, root: Path, takes: int = 5) -> list[str]:
    """10 actions x ``takes`` takes from NW-UCLA view 3 (one subject each)."""
    names = load_class_table("nw-ucla").names
    chosen: dict[int, dict[int, Any]] = {}
    for seq in UclaReader().scan(zip_path):
        if seq.meta["view"] != 3 or seq.label is None:
            continue
        per = chosen.setdefault(seq.label, {})
        if len(per) < takes and seq.meta["subject"] not in per:
            per[seq.meta["subject"]] = seq
    for label, per in sorted(chosen.items()):
        for subject, seq in sorted(per.items()):
            import_sequence(root, seq.name, seq, action=names[label],
                            subject=f"s{subject}")  # fmt: skip
    return [names[k] for k in sorted(chosen)]


def config(root: Path, run_dir: Path, cache: Path, init: Path, seed: int,
           epochs: int, eval_every: int) -> TrainConfig:  # fmt: skip
    """The GUI's config (``core.training.teach.teach_config``), one torch thread, CPU."""
    cfg = teach_config(root, run_dir, init_from=init, epochs=epochs, seed=seed,
                       device="cpu", threads=1, cache_dir=str(cache))  # fmt: skip
    return cfg.replace(run={"eval_every": eval_every})


def teach(root: Path, work: Path, init: Path, seed: int, epochs: int,
          eval_every: int) -> dict[str, Any]:  # fmt: skip
    """One press of the button: cache, train, load; times and accuracies."""
    from core.inference import Predictor

    run_dir, cache = work / f"run-{init.name}-{seed}-{epochs}", work / f"cache-{seed}"
    shutil.rmtree(run_dir, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    t0 = time.perf_counter()
    accs: dict[int, float] = {}
    first_epoch_at = None
    for event in run(config(root, run_dir, cache, init, seed, epochs, eval_every)):
        if isinstance(event, EpochDone):
            if first_epoch_at is None:
                first_epoch_at = time.perf_counter() - t0
            if event.val_acc is not None:
                accs[event.epoch] = 100 * event.val_acc
        if isinstance(event, RunFinished):
            assert not event.cancelled
    trained = time.perf_counter() - t0
    predictor = Predictor.from_run(run_dir, device="cpu", backend="auto")  # as Live
    clip = np.zeros((40, 1, 20, 3), np.float32)
    clip[:] = np.random.default_rng(0).normal(size=(1, 1, 20, 3))
    predictor.predict_proba([clip])
    total = time.perf_counter() - t0
    return {"seconds": total, "train_seconds": trained, "acc": accs,
            "first_epoch": first_epoch_at}  # fmt: skip


def _encoder(run_dir: Path) -> str:
    from core.runs import read_run

    return read_run(run_dir).config.model.encoder


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--root", default=str(REPO.parent / "shared/data/nw-ucla/all_sqe.zip")
    )
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--curve-epochs", type=int, default=40)
    p.add_argument("--ssl", default="/tmp/ms2l-fewshot/ssl-pretrain")
    p.add_argument(
        "--base",
        type=Path,
        default=SHIPPED,
        help="base run (default: the shipped model)",
    )
    args = p.parse_args(argv)
    if args.base is None:
        p.error("no model is shipped: give --base RUN")
    work = Path(tempfile.mkdtemp(prefix="ms2l-teach-"))
    data = work / "my-actions"
    t0 = time.perf_counter()
    actions = build_dataset(Path(args.root), data)
    print(f"dataset: {len(actions)} actions x 5 takes in {data} "
          f"({time.perf_counter() - t0:.1f} s to import)")  # fmt: skip

    curve = teach(data, work, args.base, 0, args.curve_epochs, 1)
    print(f"held-out takes accuracy by epoch (encoder of {args.base}, seed 0):")
    print("  " + ", ".join(f"{e}: {a:.0f}%" for e, a in sorted(curve["acc"].items())))
    print(
        f"  (first epoch done {curve['first_epoch']:.1f} s after the press, "
        f"{args.curve_epochs} epochs {curve['train_seconds']:.1f} s)"
    )

    runs = []
    for seed in range(args.repeats):
        res = teach(data, work, args.base, seed, RECIPE["epochs"], 1)  # as the GUI
        runs.append(res)
        print(f"  seed {seed}: {res['seconds']:.1f} s (training {res['train_seconds']:.1f}"
              f" s), held-out takes {res['acc'][RECIPE['epochs']]:.0f}%")  # fmt: skip
    times = [r["seconds"] for r in runs]
    accs = [r["acc"][RECIPE["epochs"]] for r in runs]
    print(
        f"press -> model ready: median {statistics.median(times):.1f} s "
        f"(min {min(times):.1f}, max {max(times):.1f}) over {len(times)} seeds; "
        f"held-out takes accuracy median {statistics.median(accs):.0f}% "
        f"(min {min(accs):.0f}, max {max(accs):.0f})"
    )
    ssl = Path(args.ssl)
    if (ssl / "weights.pt").is_file() and _encoder(ssl) != _encoder(args.base):
        print(f"not compared with {ssl}: its encoder is not the base's")
    elif (ssl / "weights.pt").is_file():
        res = [teach(data, work, ssl, s, RECIPE["epochs"], RECIPE["epochs"])
               for s in range(min(3, args.repeats))]  # fmt: skip
        a = [r["acc"][RECIPE["epochs"]] for r in res]
        print(
            f"same recipe from the label-free SSL encoder ({ssl}): held-out takes "
            f"accuracy {', '.join(f'{x:.0f}%' for x in a)}; time median "
            f"{statistics.median(r['seconds'] for r in res):.1f} s"
        )
    print(f"recipe: {RECIPE}")
    print(f"machine: {platform.machine()}, 2 cores shared, one torch thread")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
