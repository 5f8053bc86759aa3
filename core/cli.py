"""The ``ms2l`` command: one entry point, sub-commands registered from small modules.

Each sub-command lives in its own module under ``core.commands`` and exposes
``add_parser(subparsers)`` (which sets ``func`` on its parser); the sub-commands never
import this module back (their shared helpers are in :mod:`core.commands.paths` and
:mod:`core.errors`). Errors that a user can fix are printed as one line on
stderr with exit status 2; nothing is printed as a traceback unless ``--debug`` is given.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import warnings
from collections.abc import Sequence
from typing import NoReturn, Protocol, TextIO

from core.commands import data, export, infer, novelty, teach, train
from core.commands import eval as eval_
from core.errors import UserError


class CommandModule(Protocol):
    """A sub-command: registers its parser (which sets ``func``) on the sub-parsers."""

    def add_parser(self, subparsers: argparse._SubParsersAction) -> object:
        """Register the sub-command."""
        ...


# Sub-commands, in the order they appear in ``ms2l --help``.
COMMANDS: tuple[CommandModule, ...] = (
    data,
    teach,
    train,
    eval_,
    novelty,
    infer,
    export,
)


def build_parser(extra: Sequence[CommandModule] = ()) -> argparse.ArgumentParser:
    """Build the ``ms2l`` argument parser with every available sub-command.

    Args:
        extra: Sub-commands of the layers above core (the app adds ``gui``), listed
            first.

    Returns:
        The parser.
    """
    parser = argparse.ArgumentParser(
        prog="ms2l",
        description="MS²L Studio: skeleton-based action recognition (live, replay, train).",
    )
    parser.add_argument("--debug", action="store_true", help="show full tracebacks")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in extra:
        command.add_parser(sub)
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


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


def main(argv: Sequence[str] | None = None, extra: Sequence[CommandModule] = ()) -> int:
    """Run the CLI and return the process exit status.

    Args:
        argv: Arguments (without the program name); ``sys.argv[1:]`` when ``None``.
        extra: Sub-commands added by the layers above core (see :func:`build_parser`).

    Returns:
        0 on success, 2 for a user error, 130 when interrupted.
    """
    _print_any_name()
    parser = build_parser(extra)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    with warnings.catch_warnings():
        if not args.debug:
            warnings.showwarning = functools.partial(_print_warning, args.command)
        return _dispatch(args)


def _print_any_name() -> None:
    """Standard output prints a file name that is not UTF-8 (Latin-1 bytes, kept by
    Python as escapes) as its escapes, as standard error does, where a UTF-8 locale
    made it raise after the work was done ("wrote …": exit 2 with the outputs
    written: a review)."""
    stream = sys.stdout
    if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
        stream.reconfigure(errors="backslashreplace")


def exit_process(status: int) -> NoReturn:
    """End the process with ``status``, as ``python -m core.cli`` (what torchrun runs)
    does after :func:`main`.

    A torchrun rank that joined a process group ends without the interpreter's
    teardown (:func:`core.training.distributed.end_process`), where gloo's threads can
    abort a rank that finished cleanly. The module is looked up, not imported, so that
    other commands never load torch for it.
    """
    training = sys.modules.get("core.training.distributed")
    if training is not None:
        training.end_process(status)
    sys.exit(status)


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
        status = int(args.func(args) or 0)
        sys.stdout.flush()  # a piped stdout is block-buffered: write it while we listen
        return status
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (``ms2l eval RUN | head``): not an error of ours. Point
        # stdout at /dev/null so that the interpreter's final flush stays quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except (UserError, OSError, KeyError, ValueError, FloatingPointError) as exc:
        # OSError covers FileNotFoundError and the errors of writing outputs (a
        # folder given as a file, a read-only folder, a full disk); FloatingPointError
        # is a diverging run (the message says what to change).
        if args.debug:
            raise
        action = getattr(args, "data_command", None)  # ms2l data extract / info ...
        command = f"{args.command} {action}" if action else args.command
        print(f"ms2l {command}: error: {_as_flags(error_message(exc), args)}",
              file=sys.stderr)  # fmt: skip
        return 2


def _as_flags(message: str, args: argparse.Namespace) -> str:
    """A settings check's message in the words of the command line: "max_clips must
    be >= 0" of the config is "--max-clips must be >= 0" of the flag that set it."""
    name, _, rest = message.partition(" ")
    if rest.startswith("must ") and name in vars(args):
        return f"--{name.replace('_', '-')} {rest}"
    return message


if __name__ == "__main__":
    # Under ``python -m core.cli`` this file runs as ``__main__``, a second copy of the
    # module; run the imported ``core.cli`` so that one set of classes is in play.
    from core.cli import exit_process
    from core.cli import main as _imported_main

    exit_process(_imported_main())
