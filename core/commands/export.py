"""``ms2l export RUN --onnx``: write a run's classifier as an ONNX file for onnxruntime.

The export is checked before it is kept: the ONNX model must give the same logits as the
torch model (to 1e-4) on a batch of a different size and length than the traced one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.commands.paths import (
    check_output_path,
    holds_onnx,
    refuse_overwriting_inputs,
    refuse_replacing_another_kind,
    run_folder,
)
from core.errors import UserError


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``ms2l export``."""
    p = subparsers.add_parser(
        "export",
        help="export a trained run (ONNX)",
        description=__doc__.splitlines()[0].replace("``", ""),
    )
    p.add_argument(
        "run",
        type=lambda text: Path(run_folder(text)),
        help="run folder (config.json, weights.pt), or a shipped model's name",
    )
    p.add_argument(
        "--onnx", action="store_true", help="write an ONNX model (the only format)"
    )
    p.add_argument("--out", type=Path, default=None, help="default: RUN/model.onnx")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Export the run; print the written path."""
    if not args.onnx:
        raise UserError("choose a format: --onnx")
    from core.runs import is_run_dir

    if not is_run_dir(args.run):
        raise UserError(f"{args.run}: not a run folder (no config.json)")
    if args.out is not None:
        check_output_path(args.out, "--out")
        # the run's own files (weights, config, labels) are the export's inputs
        inputs = [p for p in args.run.iterdir() if p.is_file() and p.suffix != ".onnx"]
        refuse_overwriting_inputs({"--out": args.out}, inputs)
        refuse_replacing_another_kind(
            args.out, "--out", (".onnx",), "an ONNX model", holds_onnx
        )
    from core.inference import export_onnx
    from core.inference.onnx import FEATURES_NAME, INPUT_NAME, OUTPUT_NAME
    from core.inference.predictor import onnx_reproduces
    from core.runs import in_shipped_folder

    target = args.out if args.out is not None else args.run / "model.onnx"
    if in_shipped_folder(target):
        # The shipped models' folder stays as the app came (a new export there
        # changed the app's own model under the user); a shipped model comes with
        # its export.
        if target.is_file() and onnx_reproduces(args.run, target):
            print(
                f"{target}: comes with the model and onnxruntime matches torch to "
                "1e-4 (nothing written; --out FILE writes a copy elsewhere)"
            )
            return 0
        raise UserError(
            f"{target}: inside the shipped models' folder, which stays as the app "
            "came; choose another file with --out"
        )
    path = export_onnx(args.run, args.out, force=True)
    size = path.stat().st_size / 1e6
    print(f"wrote {path} ({size:.1f} MB); onnxruntime matches torch to 1e-4")
    if args.out is not None:
        # A copy elsewhere was taken for a model Live opens (a trial): it is for
        # one's own onnxruntime code.
        print(
            f"the file holds the network only (input {INPUT_NAME} (N, T, M, V, 3) "
            f"preprocessed as the run's config says; outputs {OUTPUT_NAME}, "
            f"{FEATURES_NAME}); Live and ms2l infer open the run folder, "
            f"{args.run.resolve()}, and use its ONNX export themselves"
        )
    if path != target:  # the run folder could not be written: said, not only shown
        print(
            f"ms2l export: note: {target} could not be written (the run folder is "
            "read-only): the model is in the cache above, where Live and ms2l infer "
            "find it; --out FILE writes it where you choose",
            file=sys.stderr,
        )
    return 0
