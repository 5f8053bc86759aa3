"""The ``ms2l`` command as installed: core's sub-commands plus ``ms2l gui``.

Core must never import the app (the layers are app -> core -> models), so the sub-command
that starts the desktop app is registered here, one layer up, and the ``ms2l`` script
points at :func:`main`. Nothing Qt-related is imported unless ``gui`` is chosen, so the
same command serves headless machines; ``python -m core.cli`` (what ``torchrun`` runs)
has every sub-command but ``gui``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from core import cli
from core.commands.paths import run_folder
from core.errors import UserError


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``gui`` sub-command.

    Args:
        subparsers: The ``ms2l`` sub-parser collection.

    Returns:
        The new parser.
    """
    parser = subparsers.add_parser(
        "gui", help="launch the desktop app (Live, Teach, Replay, Train, Evaluate)"
    )
    parser.add_argument(
        "--model",
        type=lambda text: Path(run_folder(text)),
        help="run folder of the model for Live and Replay, or a shipped model's name",
    )
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
    from app.__main__ import display_problem
    from app.__main__ import main as app_main

    problem = display_problem()
    if problem:
        raise UserError(problem)

    return app_main(forwarded)


def main(argv: Sequence[str] | None = None) -> int:
    """The ``ms2l`` entry point.

    Args:
        argv: Arguments (without the program name).

    Returns:
        The process exit status.
    """
    return cli.main(argv, extra=[sys.modules[__name__]])


if __name__ == "__main__":
    sys.exit(main())
