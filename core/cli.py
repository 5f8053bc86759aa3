"""The ``ms2l`` command: one entry point, sub-commands registered from small modules.

Each sub-command lives in its own module under ``core.commands`` and exposes
``add_parser(subparsers)`` (which sets ``func`` on its parser) so that modules can be
written and tested independently. Errors that a user can fix are printed as one line on
stderr with exit status 2; nothing is printed as a traceback unless ``--debug`` is given.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from core.errors import UserError

# Sub-command modules, in the order they appear in ``ms2l --help``.
COMMAND_MODULES: tuple[str, ...] = (
    "core.commands.gui",
    "core.commands.data",
    "core.commands.train",
    "core.commands.eval",
    "core.commands.infer",
    "core.commands.export",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the ``ms2l`` argument parser with every available sub-command."""
    parser = argparse.ArgumentParser(
        prog="ms2l",
        description="MS²L Studio: skeleton-based action recognition (live, replay, train).",
    )
    parser.add_argument("--debug", action="store_true", help="show full tracebacks")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # this sub-command is not part of the install
                continue
            raise
        module.add_parser(sub)
    return parser


def check_output_path(path: Path, option: str) -> None:
    """Fail before any work if an output file could not be written at ``path``.

    Args:
        path: The file named by ``option``.
        option: The command-line option, for the message (e.g. ``"--out"``).

    Raises:
        UserError: If ``path`` is a folder, its parent folder does not exist or is
            not a folder, or the parent is not writable.
    """
    if path.is_dir():
        raise UserError(f"{option} {path}: is a directory (give a file name)")
    parent = path.parent
    if not parent.exists():
        raise UserError(f"{option} {path}: no such folder: {parent}")
    if not parent.is_dir():
        raise UserError(f"{option} {path}: {parent} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UserError(f"{option} {path}: folder {parent} is not writable")


def error_message(exc: BaseException) -> str:
    """The one-line text shown for a user-fixable error.

    Args:
        exc: The exception caught by :func:`main`.

    Returns:
        ``"<file>: <reason>"`` for an ``OSError`` raised by the system (which carries
        a file name and ``strerror``), the key for a ``KeyError``, else ``str(exc)``.
    """
    if isinstance(exc, OSError) and exc.strerror:
        if exc.filename is None:
            return exc.strerror
        return f"{exc.filename}: {exc.strerror}"
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    return str(exc)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    with warnings.catch_warnings():
        if not args.debug:
            warnings.showwarning = functools.partial(_print_warning, args.command)
        return _dispatch(args)


def _print_warning(
    command: str,
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """Show a warning as one ``ms2l CMD: warning: ...`` line (no source location)."""
    print(f"ms2l {command}: warning: {message}", file=file or sys.stderr)


def _dispatch(args: argparse.Namespace) -> int:
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (UserError, OSError, KeyError, ValueError, FloatingPointError) as exc:
        # OSError covers FileNotFoundError and the errors of writing outputs (a
        # folder given as a file, a read-only folder, a full disk); FloatingPointError
        # is a diverging run (the message says what to change).
        if args.debug:
            raise
        print(f"ms2l {args.command}: error: {error_message(exc)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    # Under ``python -m core.cli`` this file runs as ``__main__``, a second copy of the
    # module; run the imported ``core.cli`` so that one set of classes is in play.
    from core.cli import main as _imported_main

    sys.exit(_imported_main())
