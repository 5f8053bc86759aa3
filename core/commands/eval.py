"""``ms2l eval RUN``: accuracy, per-class accuracy and confusion matrix of a trained run.

Prints the figures and writes ``eval.json``, ``confusion.csv`` and ``confusion.png`` into the
run folder (``eval-train.json``, ``confusion-train.*`` for ``--split train``). When the
run's saved dataset root does not exist, ``$MS2L_DATA`` is tried (see
:func:`core.training.data.resolve_data_root`).

``ms2l eval RUN RUN ...`` evaluates each run (writing its files as above) and then their
fusion, the mean of their class probabilities (for example a joint-stream and a
bone-stream run of the same recipe), written as ``eval-fused.json`` and
``confusion-fused.*`` beside the first run's files.

``--out DIR`` writes the files into ``DIR`` instead (each run's into ``DIR/<run name>``
when there are several; checked before any work). The models shipped with the app are
never written to: their files go to ``<runs folder>/eval-<name>`` unless ``--out`` says
where; nor is a run folder this user cannot write to (a colleague's run, a read-only
share): ``<runs folder>/eval-<name>-<hash of its path>``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from core.commands.paths import run_folder
from core.errors import UserError

if TYPE_CHECKING:
    from core.evaluation import EvalResult, FusedResult


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
        type=run_folder,
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
    p.add_argument(
        "--out",
        metavar="DIR",
        help="folder for the files (default: the run folder; for a shipped model, "
        "<runs folder>/eval-<name>)",
    )
    p.set_defaults(func=run)
    return p


def _out_dir(run_dir: Path, out: str | None, sub: str = "") -> Path:
    """Where a run's evaluation files go (see the module docstring); ``sub`` is the
    run's own folder under ``--out`` when several runs are evaluated."""
    from core.evaluation import default_report_folder

    if out:
        return Path(out).expanduser() / sub
    return default_report_folder(run_dir)


def _member_names(run_dirs: list[Path]) -> list[str]:
    """The sub-folder of each fused run under ``--out``: its name (numbered when two
    share one: runs/a/seed0 and runs/b/seed0)."""
    names = [Path(r).name for r in run_dirs]
    if len(set(names)) < len(names):
        names = [f"{i}-{name}" for i, name in enumerate(names, 1)]
    return names


def _save(result: EvalResult | FusedResult, folder: Path) -> str:
    from core.evaluation import save_eval

    folder.mkdir(parents=True, exist_ok=True)
    paths = save_eval(result, folder)
    return f"wrote {paths['json']}, {paths['csv'].name}, {paths['png'].name}"


def run(args: argparse.Namespace) -> int:
    """Evaluate and report."""
    from core.commands.paths import check_output_folder
    from core.evaluation import (
        evaluate_fused,
        evaluate_run,
        report_folder_problem,
        training_note,
    )

    names = _member_names(args.run_dir)
    if args.out:
        out = Path(args.out).expanduser()
        check_output_folder(out, "--out")
        # Several runs' files go to --out/<run's name>: each of those too.
        targets = [(out, args.run_dir)]
        if len(args.run_dir) > 1:
            targets += [(out / n, [r]) for n, r in zip(names, args.run_dir)]
        for folder, evaluated in targets:
            problem = report_folder_problem(folder, evaluated)
            if problem:
                raise UserError(
                    f"--out {args.out}: {folder} {problem}"
                    if folder != out
                    else f"--out {args.out}: {problem}"
                )
    from core import runs
    from core.inference.predictor import refuse_pretraining_run

    for run_dir in args.run_dir:
        try:
            cfg = runs.read_run(run_dir).config
        except (FileNotFoundError, ValueError):
            cfg = None  # the evaluation says why
        if cfg is not None:
            # refused before any note about its weights (the note came first, then
            # the refusal: a trial)
            refuse_pretraining_run(Path(run_dir), cfg)
        note = training_note(run_dir)
        if note:
            print(f"ms2l eval: {note}", file=sys.stderr)
    if len(args.run_dir) > 1:
        fused = evaluate_fused(
            args.run_dir, split=args.split, data_root=args.root, device=args.device
        )
        wrote = [
            _save(m, _out_dir(Path(m.run_dir), args.out, name))
            for m, name in zip(fused.members, names)
        ]
        wrote.append(_save(fused, _out_dir(Path(fused.members[0].run_dir), args.out)))
        if args.json:
            json.dump(fused.to_dict(), sys.stdout, indent=2)
            print()
            return 0
        for member, stream in zip(fused.members, fused.streams):
            print(
                f"{member.run_dir} (input stream: {stream}): "
                f"{100 * member.accuracy:.2f}%"
            )
        _report(fused.fused, f"fusion of {len(fused.members)} runs")
        print("\n".join(wrote))
        return 0
    result = evaluate_run(
        args.run_dir[0], split=args.split, data_root=args.root, device=args.device
    )
    # The figures first: a folder that cannot be written must not take them with it
    # (a read-only run folder and runs folder printed only "Read-only file system").
    if args.json:
        json.dump(result.to_dict(), sys.stdout, indent=2)
        print()
    else:
        _report(result, str(result.run_dir))
    folder = _out_dir(Path(result.run_dir), args.out)
    try:
        wrote_one = _save(result, folder)
    except OSError as exc:
        raise UserError(
            f"{folder}: cannot write the evaluation files "
            f"({exc.strerror or exc}): the figures above stand; give --out DIR for "
            "a writable folder"
        ) from None
    if not args.json:
        print(wrote_one)
    return 0


def _report(result: EvalResult, title: str) -> None:
    where = f"{result.dataset} {result.protocol}, " if result.protocol else ""
    print(f"{title} on {result.split_name} ({where}{result.num_clips} clips)")
    print(f"accuracy: {100 * result.accuracy:.2f}%")
    for note in result.notes:
        print(f"ms2l eval: note: {note}", file=sys.stderr)
    width = max(len(n) for n in result.labels)
    for name, acc in zip(result.labels, result.per_class_accuracy):
        shown = "   n/a" if math.isnan(acc) else f"{100 * acc:6.2f}%"
        print(f"  {name:<{width}}  {shown}")
