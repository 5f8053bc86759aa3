"""Atomic file writing: the one helper every writer of the project goes through.

A file is written under a hidden temporary name in the destination folder, flushed to disk
and moved into place with :func:`os.replace`, so a reader sees either the old complete file
or the new complete one, never half of one; a failed or interrupted write leaves no stray
file behind. Temporary names carry the writer's process id
(``.<name>.<pid>.<random>.tmp``), so that a later run can tell the leftovers of a killed
process (whose pid is gone) from the files a live writer is still filling:
:func:`remove_stale_temporaries` deletes the former and never touches the latter.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

# ``.<name>.<pid>.<token>.tmp``: the pattern every temporary of :func:`temporary_path` has.
_TEMP_RE = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.(?P<token>[0-9a-f]{8})\.tmp$")


def temporary_path(path: str | os.PathLike[str]) -> Path:
    """A fresh hidden temporary name beside ``path``, tagged with this process's id.

    Args:
        path: The destination file.

    Returns:
        ``<folder>/.<name>.<pid>.<random>.tmp`` (not created).
    """
    path = Path(path)
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def _fsync(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], fsync: bool = True) -> Iterator[Path]:
    """Give a temporary path to write to; move it onto ``path`` if the block succeeds.

    For writers that want a file name rather than an open file (``torch.save``,
    ``np.save``, ``cv2.VideoWriter``, the ONNX exporter). The parent folder is created.

    Args:
        path: The destination file.
        fsync: Flush the written file to disk before the rename.

    Yields:
        The temporary path (the block creates the file there).

    Raises:
        FileNotFoundError: If the block did not create the temporary file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_path(path)
    try:
        yield tmp
        if not tmp.exists():
            raise FileNotFoundError(f"{path}: nothing was written")
        if fsync:
            _fsync(tmp)
        os.replace(tmp, path)
    finally:  # a failed write (disk full, an exception in the block) leaves nothing
        tmp.unlink(missing_ok=True)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically.

    Args:
        path: The destination file.
        data: Its content.

    Returns:
        The path written.
    """
    path = Path(path)
    with atomic_path(path) as tmp:
        # 0644 less the umask (mkstemp would give 0600): readable like any new file.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    return path


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically.

    Args:
        path: The destination file.
        text: Its content.

    Returns:
        The path written.
    """
    return atomic_write_bytes(path, text.encode("utf-8"))


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists on this machine.

    Args:
        pid: A process id.

    Returns:
        ``True`` if it exists (even if owned by another user).
    """
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(folder: str | os.PathLike[str]) -> list[Path]:
    """Delete the temporaries of dead processes in ``folder`` (not recursive).

    Only names made by :func:`temporary_path` are considered, and only those whose process
    no longer exists; a live writer's temporary is left alone.

    Args:
        folder: The folder to clean; a missing folder is fine.

    Returns:
        The files removed.
    """
    folder = Path(folder)
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for entry in folder.iterdir():
        m = _TEMP_RE.match(entry.name)
        if m is None or not entry.is_file() or pid_alive(int(m["pid"])):
            continue
        with contextlib.suppress(OSError):  # raced with another cleaner
            entry.unlink()
            removed.append(entry)
    return removed
