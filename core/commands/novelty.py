"""``ms2l novelty RUN``: fit a run's novelty check on its training clips (``novelty.npz``).

Training writes the check at the end of every classifying run; this command makes it for
a run trained before that, or again with another ``--percentile``. See
:mod:`core.inference.novelty`.
"""

from __future__ import annotations

import argparse

from core.commands.paths import run_folder
from core.errors import UserError


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``ms2l novelty``."""
    p = subparsers.add_parser(
        "novelty",
        help="fit a run's novelty check (unfamiliar motion -> 'no action')",
        description="Fit the novelty check of a run on its labelled training clips and "
        "write novelty.npz into the run folder: a window farther from every class than "
        "PERCENTILE % of the training clips gets uniform probabilities.",
    )
    p.add_argument(
        "run_dir",
        metavar="RUN",
        type=run_folder,
        help="run folder (a shipped model's folder stays as it came: copy it first)",
    )
    p.add_argument(
        "--percentile",
        type=float,
        default=99.0,
        help="share of training clips (%%) that count as familiar (default 99)",
    )
    p.add_argument(
        "--root",
        help="dataset location (default: the one in the run's config, else "
        "$MS2L_DATA/<dataset's usual folder>)",
    )
    p.add_argument("--device", default="auto")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Fit, write and report."""
    from core.evaluation import fit_run_novelty
    from core.runs import in_shipped_folder

    if in_shipped_folder(args.run_dir):
        # It wrote novelty.npz there: the app's own model changed under the user.
        raise UserError(
            f"{args.run_dir}: a model shipped with the app, whose folder stays as it "
            "came (its check is the novelty.npz there); to fit it again, copy the "
            f"folder first: cp -r {args.run_dir} my-model && ms2l novelty my-model"
        )

    check, path = fit_run_novelty(
        args.run_dir, args.root, percentile=args.percentile, device=args.device
    )
    print(
        f"{path}: {check.num_clips} training clips, {len(check.classes)} classes, "
        f"{check.num_features} features; distance threshold {check.threshold:.2f} "
        f"({check.percentile:g}th percentile)"
    )
    return 0
