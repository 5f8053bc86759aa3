"""``ms2l teach DATASET``: the Teach panel's "Train on my actions", from the command line.

The sensible default for a user's own recordings in one command: fine-tune from the
shipped self-supervised encoder (or ``--init-from RUN``) with the base model's whole
preprocessing and augmentation, the short schedule of :mod:`core.training.teach`, and
the same validation rule as the panel (one take in five held out when every action has
three or more). ``ms2l train --dataset custom`` remains for every other strategy and
setting.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from core.commands.paths import run_folder


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``ms2l teach``."""
    from core.training.teach import TEACH_EPOCHS

    p = subparsers.add_parser(
        "teach",
        help="train a model of your own actions (a custom dataset) from the shipped "
        "encoder, as the Teach panel does",
        description="Fine-tune from the shipped self-supervised encoder (or --init-from) "
        "on a custom dataset (recordings + labels.csv), with the Teach panel's recipe.",
    )
    p.add_argument("root", metavar="DATASET", help="your dataset folder")
    p.add_argument(
        "--init-from",
        metavar="RUN",
        type=run_folder,
        help="run whose encoder, architecture and preprocessing to start from "
        "(default: the shipped model)",
    )
    p.add_argument(
        "--epochs", type=int, default=TEACH_EPOCHS, help=f"default {TEACH_EPOCHS}"
    )
    p.add_argument(
        "--val-fraction",
        type=float,
        help="share of each action's recordings held out for validation (default: "
        "0.2 when every action has 3 or more, else 0 = train on all)",
    )
    p.add_argument(
        "--run-dir",
        help="run folder to create (default: teach-<dataset>-<time> in the runs folder)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--cache-dir",
        default="",
        help="parent folder of clip caches (default $MS2L_CACHE or ~/.cache/ms2l)",
    )
    p.add_argument("--device", default="auto", help="auto, cpu or cuda[:i]")
    p.add_argument(
        "--threads", type=int, default=1, help="torch CPU threads (default 1)"
    )
    p.add_argument(
        "--quiet", action="store_true", help="no progress bar, only epoch lines"
    )
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Build the Teach config, train with a progress bar, say how to use the model."""
    from core.commands.train import train_with_progress
    from core.datasets.custom import dataset_folder
    from core.training.teach import (
        few_takes,
        teach_config,
        teach_run_dir,
        teach_val_fraction,
    )

    root = dataset_folder(args.root)
    auto = teach_val_fraction(root)  # also refuses fewer than two actions
    val_fraction = auto if args.val_fraction is None else args.val_fraction
    if args.val_fraction is None and auto == 0:
        print(
            "ms2l teach: note: fewer than three takes of "
            + ", ".join(few_takes(root))
            + ", so none is held out for validation: the run trains on every take "
            "and reports no validation accuracy (record more takes, or give "
            "--val-fraction; a continuous recording is one take however many labels "
            "it has)",
            file=sys.stderr,
        )
    run_dir = args.run_dir or teach_run_dir(root)
    cfg = teach_config(
        root,
        run_dir,
        init_from=args.init_from,
        epochs=args.epochs,
        val_fraction=val_fraction,
        seed=args.seed,
        device=args.device,
        threads=args.threads,
        cache_dir=str(Path(args.cache_dir).expanduser()) if args.cache_dir else "",
    )
    finished = train_with_progress(cfg, quiet=args.quiet)
    if finished is None or finished.cancelled:  # (the loop always ends with one)
        return 130
    print(
        f"use it: ms2l infer --camera 0 --run {shlex.quote(str(finished.run_dir))} "
        "(or a video), or "
        "load it in the app's Live panel",
        file=sys.stderr,
    )
    return 0
