"""Checks every writing command makes before any work: an output never replaces an input.

An output path that names an input (the same path once resolved, or another name of
the same file: a hard link, a symbolic link) would silently destroy that input when the
output is moved into place. :func:`refuse_overwriting_inputs` turns that into one error
naming both, before anything is read or written.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from core.errors import UserError


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether two paths name the same file.

    Args:
        a: A path (it need not exist).
        b: Another path.

    Returns:
        ``True`` when both resolve to the same path, or both exist and share device
        and inode (hard links).
    """
    pa, pb = Path(a).expanduser(), Path(b).expanduser()
    if pa.resolve() == pb.resolve():
        return True
    try:
        return os.path.samefile(pa, pb)
    except OSError:  # one of them does not exist
        return False


def refuse_overwriting_inputs(
    outputs: Mapping[str, Path | None], inputs: Iterable[Path | None]
) -> None:
    """Fail if an output names an input or another output.

    Args:
        outputs: Option (e.g. ``"--out"``) -> the file it writes (``None``: not given).
        inputs: Files the command reads (``None`` entries are ignored).

    Raises:
        UserError: ``"--out X: is the input X; choose another file"`` or
            ``"--json X: is also --out; give them different files"``.
    """
    given = [(opt, path) for opt, path in outputs.items() if path is not None]
    sources = [p for p in inputs if p is not None]
    for option, path in given:
        for source in sources:
            if same_file(path, source):
                raise UserError(
                    f"{option} {path}: is the input {source}; writing it would "
                    "destroy the input, choose another file"
                )
    for i, (option, path) in enumerate(given):
        for other, other_path in given[:i]:
            if same_file(path, other_path):
                raise UserError(
                    f"{option} {path}: is also {other}; give them different files"
                )
