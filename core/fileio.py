"""Atomic file writing: the one helper every writer of the project goes through.

A file is written under a hidden temporary name in the destination folder, flushed to disk
and moved into place with :func:`os.replace`, so a reader sees either the old complete file
or the new complete one, never half of one; a failed or interrupted write leaves no stray
file behind. The temporary names come from :mod:`core.tempfiles` and carry the writer's
process id, so that the leftovers of a killed process can be told from the files a live
writer is still filling (:func:`core.tempfiles.remove_stale`).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from core.tempfiles import discard, temp_path


def temporary_path(path: str | os.PathLike[str], suffix: str = ".tmp") -> Path:
    """A fresh hidden temporary name beside ``path``, tagged with this process's id.

    Args:
        path: The destination file.
        suffix: Ending of the name (``".tmp.mp4"`` where a library picks the format
            from it).

    Returns:
        ``<folder>/.<name>.<pid>.<random><suffix>`` (not created; registered as in use
        by this process until :func:`core.tempfiles.discard` or a rename releases it).
    """
    return temp_path(Path(path), suffix)


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
    except OSError as exc:
        if exc.filename != str(tmp) or exc.errno is None:
            raise
        # The user asked for ``path``: a read-only folder or a full disk is reported
        # for it, not for the hidden temporary nobody has heard of.
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
    finally:  # a failed write (disk full, an exception in the block) leaves nothing
        discard(tmp)


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


# The first bytes of the video containers people send, by their name.
_VIDEO_MAGIC = (
    (4, b"ftyp", "MP4/MOV"),
    # QuickTime files older than the ftyp atom start with another top-level atom
    *((4, atom, "MP4/MOV") for atom in (b"moov", b"mdat", b"wide", b"free", b"skip")),
    (0, b"\x1aE\xdf\xa3", "Matroska/WebM"),
    (0, b"\x00\x00\x01\xba", "MPEG"),
    (0, b"0&\xb2u\x8ef\xcf\x11", "WMV/ASF"),
)


FileKey = tuple[str, int, int, int, int]
"""A file's path, inode, change time, modification time and size (:func:`file_key`)."""


def file_key(path: str | os.PathLike[str]) -> FileKey | None:
    """What tells a file's versions apart, for what is kept of a file read before:
    a file written again has another modification time or size, one replaced another
    inode, one renamed onto it a new change time. ``None`` if it cannot be looked at
    (reading it then says why)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return str(path), st.st_ino, st.st_ctime_ns, st.st_mtime_ns, st.st_size


#: Files of recorded skeletons: NTU, NW-UCLA and PKU-MMD files, and a recording of the
#: user's own dataset (Replay's and ``ms2l infer``'s, which no video player decodes).
SKELETON_SUFFIXES = (".skeleton", ".json", ".txt", ".jsonl")

#: Sound files, which have no picture to find a person in (said as such: "cannot decode
#: this file" sent a user looking for damage).
AUDIO_SUFFIXES = (
    ".mp3", ".wav", ".m4a", ".aac", ".flac", ".ogg", ".oga", ".opus", ".wma",
)  # fmt: skip

#: The file extensions read as videos (data extract, the app's Browse… dialogs).
VIDEO_SUFFIXES = (
    ".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv",
)  # fmt: skip


def video_container(path: str | os.PathLike[str]) -> str:
    """The video container a file holds by its first bytes (``"MP4/MOV"``, ``"AVI"``,
    ...), whatever its name says, or ``""`` (not a video, or unreadable).

    A video saved as ``clip.txt`` or ``clip.skeleton`` (a mail attachment, a wrong
    rename) would otherwise be read as skeleton text and fail on its first bytes.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError:
        return ""
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "AVI"
    for offset, magic, name in _VIDEO_MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return name
    return ""


def unwritable_folder(path: str | os.PathLike[str]) -> str:
    """Why files cannot be written into the folder ``path`` (made when missing), or
    ``""``: its nearest existing folder is read-only (a read-only mount, another
    user's folder) or is not a folder. Checked before work whose result would be lost
    (a take recorded, videos extracted: each failed at its end with "[Errno 30]
    Read-only file system" on a temporary file, a trial).
    """
    existing = Path(path).expanduser()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is not a folder"
    # as the user the process acts as, where the system can tell
    effective = (
        {"effective_ids": True} if os.access in os.supports_effective_ids else {}
    )
    if not os.access(existing, os.W_OK | os.X_OK, **effective):
        return f"the folder {existing} cannot be written to (read-only)"
    return ""
