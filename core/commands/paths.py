"""Checks of the files a sub-command will write, made before any work starts."""

from __future__ import annotations

import os
from pathlib import Path

from core.errors import UserError


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
