"""``ms2l gui``: launch the desktop app.

Core must never import the Qt app (the import-linter layers forbid it), so the app is run
by module *name* through :mod:`runpy`, exactly as ``python -m app`` would run it; nothing
Qt-related is imported until this command is chosen.
"""

from __future__ import annotations

import argparse
import runpy
import sys
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``gui`` sub-command.

    Args:
        subparsers: The ``ms2l`` sub-parser collection.

    Returns:
        The new parser.
    """
    parser = subparsers.add_parser(
        "gui", help="launch the desktop app (Live, Replay, Train)"
    )
    parser.add_argument("--model", type=Path, help="run folder of the model to use")
    parser.add_argument("--video", type=Path, help="video file to preselect in Live")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run the app's event loop in this process.

    Args:
        args: Parsed arguments (``model``, ``video``).

    Returns:
        The app's exit status.

    Raises:
        FileNotFoundError: If a given model folder or video file does not exist.
    """
    forwarded: list[str] = []
    if args.model is not None:
        if not args.model.is_dir():
            raise FileNotFoundError(f"model folder not found: {args.model}")
        forwarded += ["--model", str(args.model)]
    if args.video is not None:
        if not args.video.is_file():
            raise FileNotFoundError(f"video file not found: {args.video}")
        forwarded += ["--video", str(args.video)]
    saved = sys.argv
    sys.argv = ["ms2l gui", *forwarded]
    try:
        runpy.run_module("app", run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    finally:
        sys.argv = saved
    return 0
