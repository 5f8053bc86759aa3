"""Checks of the files a sub-command will write, made before any work starts.

An output must be writable (:func:`check_output_path`) and must never replace an input:
an output path that names an input (the same path once resolved, or another name of the
same file: a hard link, a symbolic link) would silently destroy that input when the
output is moved into place (:func:`refuse_overwriting_inputs`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from core.errors import UserError
from core.fileio import unwritable_folder
from core.paths import CHECKPOINTS_DIR
from core.runs import named_run


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


def refuse_replacing_another_kind(
    path: Path,
    option: str,
    suffixes: Iterable[str],
    kind: str,
    looks_like: Callable[[Path], bool] | None = None,
) -> None:
    """Fail if ``path`` exists and is not a file of the kind the option writes (by its
    extension): an ONNX export given the name of a run's ``weights.pt``, or of a
    recording, would destroy it. A file of the same kind (an earlier export, an
    earlier video) is replaced as asked.

    Args:
        path: The file named by ``option``.
        option: The command-line option, for the message.
        suffixes: Extensions of the kind written (lower case, with the dot).
        kind: What the option writes, for the message (e.g. ``"an ONNX model"``).
        looks_like: Whether a file's content is of that kind: a file with the right
            extension but other content (notes saved as ``notes.onnx``) is refused
            too; an empty file may be replaced.

    Raises:
        UserError: If ``path`` exists with another extension, or with content of
            another kind.
    """
    allowed = tuple(suffixes)
    if path.exists() and path.suffix.lower() not in allowed:
        raise UserError(
            f"{option} {path}: exists and is not {kind} ({', '.join(allowed)}); "
            "writing it would destroy it, choose another file"
        )
    if (
        looks_like is not None
        and path.is_file()
        and path.stat().st_size > 0
        and not looks_like(path)
    ):
        raise UserError(
            f"{option} {path}: exists and does not hold {kind} (by its content); "
            "writing it would destroy it, choose another file"
        )


def check_output_folder(path: Path, option: str) -> None:
    """Fail before any work if files could not be written into the folder ``path``
    (made when missing).

    Raises:
        UserError: If ``path`` or its nearest existing parent is not a folder, or that
            folder is not writable.
    """
    problem = unwritable_folder(path)
    if problem:
        raise UserError(f"{option} {path}: {problem}")


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


def run_folder(text: str) -> str:
    """A run-folder argument, where a shipped model may be named from anywhere
    (:func:`core.runs.named_run`); any other text is returned as it is, for the
    command to check."""
    found = named_run(text)
    return str(found) if found.is_relative_to(CHECKPOINTS_DIR) else text


def holds_onnx(path: Path) -> bool:
    """Whether a file starts as an ONNX model does: a protobuf ``ModelProto``, whose
    first field is ``ir_version`` (field 1, a varint: the byte 0x08)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(1) == b"\x08"
    except OSError:
        return False
