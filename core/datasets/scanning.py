"""Scanning a dataset as a stream of small events, shared by every reader.

A reader walks its source files and yields one event per file: :class:`FileRead` with the
clips the file produced, :class:`FileFailed` with the :class:`DataFormatError` that made
it unreadable, or :class:`FileSkipped` for a valid file without clips. The CLI turns these
events into a progress bar, the cache builder into a store, and :func:`sequences` into a
plain iterator of clips that reports bad files through a callback (or raises) and goes on
with the rest.
"""

from __future__ import annotations

import abc
import fnmatch
import os
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from core.datasets.base import DataFormatError, SkeletonSequence
from core.labels import class_names
from core.text import count


@dataclass(frozen=True)
class FileRead:
    """One source file was read.

    Attributes:
        index: How many files have been handled so far, this one included (1-based).
        total: Number of files the scan will handle.
        source: The file (or ``archive:member``).
        sequences: The clips it produced.
        notes: Recoverable quirks met on the way (e.g. a label row skipped), one line each
            naming the file and line.
    """

    index: int
    total: int
    source: str
    sequences: tuple[SkeletonSequence, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileFailed:
    """One source file could not be read; the scan goes on.

    Attributes:
        index: How many files have been handled so far, this one included (1-based).
        total: Number of files the scan will handle.
        error: What is wrong with it (names the file and the line).
    """

    index: int
    total: int
    error: DataFormatError


@dataclass(frozen=True)
class FileSkipped:
    """A well-formed source file that holds no clip (e.g. an NTU sample with no body).

    Attributes:
        index: How many files have been handled so far, this one included (1-based).
        total: Number of files the scan will handle.
        source: The file.
        reason: Why it yields nothing.
    """

    index: int
    total: int
    source: str
    reason: str


ScanEvent = FileRead | FileFailed | FileSkipped


def sequences(
    events: Iterator[ScanEvent],
    on_error: Callable[[DataFormatError], None] | None = None,
) -> Iterator[SkeletonSequence]:
    """Flatten scan events into clips.

    Args:
        events: Events from a reader's ``scan_events``.
        on_error: Called with each bad file's error; when ``None`` the first error is raised.

    Returns:
        An iterator over the clips of the readable files, in scan order.

    Raises:
        DataFormatError: For the first bad file, when ``on_error`` is ``None``.
    """
    for event in events:
        if isinstance(event, FileFailed):
            if on_error is None:
                raise event.error
            on_error(event.error)
        elif isinstance(event, FileRead):
            yield from event.sequences


class FileDatasetReader(abc.ABC):
    """Base of the built-in readers: scanning through events, class names from tables.

    Attributes:
        name: Dataset name used in the registry, configs and caches.
        layout: Joint layout name of the clips.
        num_bodies: Body slots ``M`` every clip is padded to in a cache.
        fps: Frame rate of the recordings.
    """

    name: str = ""
    layout: str = ""
    num_bodies: int = 1
    fps: float = 30.0
    # Recursive glob of the files that make up a dataset folder (see source_files).
    source_pattern: str = "*"

    @abc.abstractmethod
    def scan_events(self, root: str | os.PathLike[str]) -> Iterator[ScanEvent]:
        """Yield one event per source file under ``root``.

        Raises:
            FileNotFoundError: If ``root`` does not exist.
            DataFormatError: If ``root`` itself is unusable (e.g. a zip with no clips).
        """

    @abc.abstractmethod
    def read_file(self, path: str | os.PathLike[str]) -> list[SkeletonSequence]:
        """Read every clip of one source file.

        Raises:
            DataFormatError: If the file is malformed.
        """

    def scan(
        self,
        root: str | os.PathLike[str],
        on_error: Callable[[DataFormatError], None] | None = None,
    ) -> Iterator[SkeletonSequence]:
        """Yield every clip under ``root``.

        Args:
            root: Dataset location (folder or archive, depending on the reader).
            on_error: Receives each bad file's error; ``None`` raises the first one.

        Returns:
            An iterator over clips.

        Raises:
            DataFormatError: For a bad file when ``on_error`` is ``None``.
        """
        return sequences(self.scan_events(root), on_error)

    def class_names(self) -> list[str]:
        """Class names in label order (from ``resources/labels``)."""
        return class_names(self.name)

    def is_source_file(self, path: Path) -> bool:
        """Whether a file matching ``source_pattern`` belongs to this dataset.

        Args:
            path: A file found under the dataset folder.

        Returns:
            ``True`` here; readers sharing a folder with other datasets narrow it.
        """
        return True

    def source_files(self, root: str | os.PathLike[str]) -> list[Path]:
        """Files whose size and time stamp decide whether a cache of ``root`` is stale.

        Args:
            root: The dataset folder, or one file (a zip archive or a single sample).

        Returns:
            ``[root]`` for a file; else the files under ``root`` matching
            ``source_pattern`` and :meth:`is_source_file`, sorted.

        Raises:
            FileNotFoundError: If ``root`` does not exist.
        """
        root = Path(root).expanduser()
        if not root.exists():
            raise FileNotFoundError(f"{self.name}: no such file or folder: {root}")
        if root.is_file():
            return [root]
        return [
            p
            for p in dataset_files(root, self.source_pattern)
            if self.is_source_file(p)
        ]


def is_hidden(relative: str | os.PathLike[str]) -> bool:
    """Whether a path inside a dataset (folder or zip) is hidden or macOS metadata.

    ``.DS_Store``, macOS's AppleDouble ``._<name>`` twins and the ``__MACOSX/`` folder
    of a zip made on a Mac hold no skeletons; listing them as bad files buried the real
    problems (one per sample of a whole dataset).
    """
    parts = PurePosixPath(str(relative).replace("\\", "/")).parts
    return any(part.startswith(".") or part == "__MACOSX" for part in parts)


def dataset_files(root: Path, pattern: str) -> list[Path]:
    """Files under the folder ``root`` whose name matches ``pattern`` in any letter case
    (``S001...A001.SKELETON`` from a case-blind file system), hidden ones left out,
    broken symbolic links kept (silently skipped, a sample went missing unsaid).

    Args:
        root: The dataset folder.
        pattern: A file-name pattern such as ``"*.skeleton"``.

    Returns:
        The files, sorted.
    """
    pattern = pattern.lower()
    return sorted(
        p
        for p in root.rglob("*")
        if fnmatch.fnmatchcase(p.name.lower(), pattern)
        and not is_hidden(p.relative_to(root))
        # A broken link is listed too: reading it then names it as a bad file.
        and (p.is_file() or (p.is_symlink() and not p.exists()))
    )


def zip_members(
    archive: zipfile.ZipFile, suffix: str
) -> list[tuple[str, PurePosixPath]]:
    """The members of a dataset zip ending in ``suffix`` (any case), hidden ones left out.

    Args:
        archive: The open archive.
        suffix: File suffix with its dot (``".skeleton"``).

    Returns:
        ``(member name as stored, its path with "/" separators)`` pairs, sorted: a zip
        made by Windows PowerShell 5 stores ``folder\\file`` names.
    """
    found = []
    for info in archive.infolist():
        path = PurePosixPath(info.filename.replace("\\", "/"))
        if info.is_dir() or path.suffix.lower() != suffix or is_hidden(path):
            continue
        found.append((info.filename, path))
    return sorted(found, key=lambda item: item[1])


ZIP_READ_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,  # CRC mismatch, bad local header
    zlib.error,  # corrupt deflate data
    EOFError,  # member cut short
    OSError,
    NotImplementedError,  # a compression method zipfile does not support
    RuntimeError,  # an encrypted member
)
"""What reading one member of a zip archive can raise when that member is damaged; a
reader turns them into a bad-file report for the member and goes on with the others."""


def read_member(archive: zipfile.ZipFile, member: str, source: str) -> bytes:
    """Read one member of an open archive.

    Args:
        archive: The open zip file.
        member: The member's name.
        source: ``archive:member``, for the message.

    Raises:
        DataFormatError: Naming ``source``, when the member cannot be read.
    """
    try:
        return without_bom(archive.read(member))
    except ZIP_READ_ERRORS as exc:
        raise DataFormatError(source, f"cannot read member ({exc})") from exc


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """Read a whole source file.

    Raises:
        DataFormatError: Naming the file, when it cannot be read.
    """
    path = Path(path)
    if path.is_dir():
        raise DataFormatError(path, "is a folder, not a file")
    try:
        return without_bom(path.read_bytes())
    except OSError as exc:
        raise DataFormatError(path, f"cannot read ({exc.strerror or exc})") from exc


UTF8_BOM = b"\xef\xbb\xbf"


def without_bom(data: bytes) -> bytes:
    """``data`` without a leading UTF-8 byte order mark.

    Windows tools (Notepad, PowerShell's ``Out-File -Encoding utf8``) start a text
    file with one; every reader here would otherwise stop at its first number.
    """
    return data[len(UTF8_BOM) :] if data.startswith(UTF8_BOM) else data


# What a dataset zip of another kind holds, by its members' suffix (a zip opened as the
# wrong dataset said only that it held none of this one's files).
_ZIP_KINDS = (
    (".skeleton", "ntu60 or ntu120"),
    (".json", "nw-ucla"),
    (".txt", "pkummd1 or pkummd2"),
)


OPEN_AS = ": open it as "
"""Where a hint of another dataset's files says which to open them as (callers that
cannot choose the dataset, as an evaluation, cut the hint there)."""


def _open_as(holds: str, dataset: str) -> str:
    """The hint's words: ``"; it holds 3 .skeleton files: open it as ntu60"``."""
    return f"; it holds {holds}{OPEN_AS}{dataset}"


def other_dataset_folder_hint(folder: Path, this: str) -> str:
    """The same hint for a folder: ``"; it holds 3 .skeleton files: open it as ntu60
    or ntu120"`` when its files (or those one level down) are another dataset's."""
    for suffix, dataset in _ZIP_KINDS:
        if this in dataset.split(" or "):
            continue
        if suffix == ".txt" and not (folder / "skeleton").is_dir():
            continue  # notes.txt is no PKU-MMD: its skeleton folder is
        found = sum(
            1
            for p in [*folder.glob(f"*{suffix}"), *folder.glob(f"*/*{suffix}")]
            if p.is_file()
        )
        if found:
            return _open_as(count(found, suffix + " file"), dataset)
    if this != "custom":  # one's own recordings (Replay kept the last file's dataset)
        takes = sum(1 for p in folder.iterdir() if p.suffix.lower() == ".jsonl")
        if takes:
            return _open_as(f"{count(takes, 'recording')} (.jsonl)", "custom")
    return ""


def other_dataset_hint(archive: zipfile.ZipFile, this: str) -> str:
    """``"; it holds .json files: open it as nw-ucla"`` when the zip holds another
    dataset's files (``""`` when none, or only this one's)."""
    for suffix, dataset in _ZIP_KINDS:
        if this in dataset.split(" or "):
            continue
        found = len(zip_members(archive, suffix))
        if found:
            return _open_as(count(found, suffix + " file"), dataset)
    return ""
