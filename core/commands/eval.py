"""``ms2l eval RUN``: accuracy, per-class accuracy and confusion matrix of a trained run.

Prints the figures and writes ``eval.json``, ``confusion.csv`` and ``confusion.png`` into the
run folder (``eval-train.json``, ``confusion-train.*`` for ``--split train``). When the
run's saved dataset root does not exist, ``$MS2L_DATA`` is tried (see
:func:`core.training.data.resolve_data_root`).

``ms2l eval RUN RUN ...`` evaluates each run (writing its files as above) and then their
fusion, the mean of their class probabilities (for example a joint-stream and a
bone-stream run of the same recipe); the fusion is printed, not written.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.evaluation import EvalResult


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``ms2l eval``."""
    p = subparsers.add_parser(
        "eval",
        help="evaluate a run on its dataset's test split",
        description="Evaluate a trained run; writes eval.json and confusion.{csv,png} "
        "(eval-train.json, confusion-train.{csv,png} for --split train).",
    )
    p.add_argument(
        "run_dir",
        metavar="RUN",
        nargs="+",
        help="run folder; several runs on the same classes and clips are also fused "
        "(mean of their class probabilities)",
    )
    p.add_argument("--split", default="test", choices=("test", "train"))
    p.add_argument(
        "--root",
        help="dataset location (default: the one in the run's config, else "
        "$MS2L_DATA/<dataset's usual folder>)",
    )
    p.add_argument("--device", default="auto")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Evaluate and report."""
    from core.evaluation import evaluate_fused, evaluate_run, save_eval

    if len(args.run_dir) > 1:
        fused = evaluate_fused(
            args.run_dir, split=args.split, data_root=args.root, device=args.device
        )
        for member in fused.members:
            save_eval(member)
        if args.json:
            json.dump(fused.to_dict(), sys.stdout, indent=2)
            print()
            return 0
        for member, stream in zip(fused.members, fused.streams):
            print(f"{member.run_dir} ({stream}): {100 * member.accuracy:.2f}%")
        _report(fused.fused, f"fusion of {len(fused.members)} runs")
        return 0
    result = evaluate_run(
        args.run_dir[0], split=args.split, data_root=args.root, device=args.device
    )
    paths = save_eval(result)
    if args.json:
        json.dump(result.to_dict(), sys.stdout, indent=2)
        print()
        return 0
    _report(result, str(result.run_dir))
    print(f"wrote {paths['json']}, {paths['csv'].name}, {paths['png'].name}")
    return 0


def _report(result: EvalResult, title: str) -> None:
    print(f"{title} on {result.split} ({result.num_clips} clips)")
    print(f"accuracy: {100 * result.accuracy:.2f}%")
    width = max(len(n) for n in result.labels)
    for name, acc in zip(result.labels, result.per_class_accuracy):
        shown = "   n/a" if math.isnan(acc) else f"{100 * acc:6.2f}%"
        print(f"  {name:<{width}}  {shown}")
