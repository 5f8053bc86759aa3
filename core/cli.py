"""The ``ms2l`` command: one entry point, sub-commands registered from small modules.

Each sub-command lives in its own module under ``core.commands`` and exposes
``add_parser(subparsers)`` (which sets ``func`` on its parser) so that modules can be
written and tested independently. Errors that a user can fix are printed as one line on
stderr with exit status 2; nothing is printed as a traceback unless ``--debug`` is given.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Sub-command modules, in the order they appear in ``ms2l --help``.
COMMAND_MODULES: tuple[str, ...] = (
    "core.commands.gui",
    "core.commands.data",
    "core.commands.train",
    "core.commands.eval",
    "core.commands.infer",
    "core.commands.export",
)


class UserError(Exception):
    """An error caused by the user's input; printed without a traceback."""


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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (UserError, FileNotFoundError, KeyError, ValueError) as exc:
        if args.debug:
            raise
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"ms2l {args.command}: error: {msg}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
