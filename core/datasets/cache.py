"""Parse a dataset once into a memory-mapped store of variable-length clips.

A store is a folder holding three files of one build:

- ``clips-<build>.f32``: every clip's frames concatenated, raw float32 of shape
  ``(total_frames, M, V, 3)``; clips are padded to the dataset's ``M`` bodies (absent
  bodies are zeros) but never in time;
- ``offsets-<build>.npy``: int64 ``(N + 1,)``; clip ``i`` is rows
  ``offsets[i]:offsets[i + 1]``;
- ``index.json``: dataset, layout, shapes, class names, each clip's name, label, metadata
  and source, the files skipped or rejected, and the signature (count, bytes, newest
  modification time, and a digest of every path, size and time stamp) of the sources.

Opening maps the frames file read-only, so a dataset larger than RAM (NTU-120) trains
without being loaded. Building streams clips to disk one by one. The index is written last
with ``os.replace``, so a reader sees either the previous complete build or the new one;
the old build's files are removed afterwards. A store whose signature no longer matches
its sources is rebuilt by :func:`prepare` / :func:`open_store`, and so is a damaged one
(an unreadable index, an offsets file cut short): :func:`prepare` says why in a
:class:`CacheNote` and builds it again. Temporaries carry the builder's process id
(:mod:`core.tempfiles`); those of a killed build are removed by the next
:func:`prepare` of the same store. Builds of one store are serialised between processes
by a lock file (:class:`core.filelock.FileLock`): two runs started side by side build it
once, and a reader whose build is replaced while it opens it reads the new one.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import time
import uuid
import zipfile
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.datasets.base import DataFormatError, SkeletonSequence, has_a_skeleton
from core.datasets.recording import sensor_units_problem
from core.datasets.registry import get_reader
from core.datasets.scanning import FileDatasetReader, FileFailed, FileSkipped
from core.fileio import atomic_path, atomic_write_text
from core.filelock import FileLock
from core.skeleton import get_layout
from core.tempfiles import remove_stale

# 2: NTU files whose name does not follow SsssCcccPpppRrrrAaaa are rejected (version 1
# stored them as unlabelled clips, which no protocol can place).
# 3: a custom dataset's labelled interval longer than 8 s is cut into pieces of at most
# 4 s (version 2 stored it as one clip, which set a long live window).
# 4: a clip whose every coordinate is zero (a Kinect body of all-zero joints) is
# skipped, not stored, and so is a second file of the same NW-UCLA or NTU sample; a
# Kinect clip not in metres (or upside down) is a bad file;
# sources are named by absolute path.
CACHE_VERSION = 5
INDEX_NAME = "index.json"


def default_cache_dir() -> Path:
    """Folder holding caches: ``$MS2L_CACHE`` or ``~/.cache/ms2l``."""
    env = os.environ.get("MS2L_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "ms2l"


def store_path(
    dataset: str, root: str | os.PathLike[str], cache_dir: Path | None = None
) -> Path:
    """Folder of the store for one dataset at one location.

    Args:
        dataset: Dataset name.
        root: Dataset location (its absolute path selects the store).
        cache_dir: Parent folder; :func:`default_cache_dir` when ``None``.

    Returns:
        ``<cache_dir>/<dataset>-<10 hex digits of the root's path hash>``.
    """
    resolved = str(Path(root).expanduser().resolve())
    digest = hashlib.sha1(os.fsencode(resolved)).hexdigest()[:10]  # any name
    return (cache_dir or default_cache_dir()) / f"{dataset}-{digest}"


def source_signature(
    reader: FileDatasetReader, root: str | os.PathLike[str]
) -> dict[str, Any]:
    """What identifies the current state of a dataset's sources.

    Args:
        reader: The dataset's reader (it lists its source files).
        root: Dataset location.

    Returns:
        JSON-able ``{"root", "files", "bytes", "mtime_ns", "digest"}``.

    Raises:
        FileNotFoundError: If ``root`` does not exist.
    """
    root_path = Path(root).expanduser().resolve()
    h = hashlib.sha1()
    count = size = newest = 0
    for path in reader.source_files(root_path):
        # A link's target decides; a broken link (reported as a bad file) is itself.
        st = path.stat() if path.exists() else path.lstat()
        count += 1
        size += st.st_size
        newest = max(newest, st.st_mtime_ns)
        h.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return {
        "root": str(root_path),
        "files": count,
        "bytes": size,
        "mtime_ns": newest,
        "digest": h.hexdigest(),
    }


@dataclass(frozen=True)
class CacheProgress:
    """One source file of a build was handled.

    Attributes:
        done: Files handled so far.
        total: Files to handle.
        source: The file just handled.
    """

    done: int
    total: int
    source: str


@dataclass(frozen=True)
class CacheBadFile:
    """A source file was rejected; the build goes on without it.

    Attributes:
        error: Why (names the file and the line).
    """

    error: DataFormatError


@dataclass(frozen=True)
class CacheReady:
    """The store is ready.

    Attributes:
        path: Store folder.
        num_clips: Clips in the store.
        num_frames: Frames over all clips.
        rebuilt: ``False`` when an up-to-date store was found and reused.
        seconds: Time the build (or the freshness check) took.
        bad_files: Rejected files, ``"file:line: problem"`` each.
        skipped: Valid files without clips and skipped parts of files (e.g. label rows),
            ``"file: reason"`` each.
    """

    path: Path
    num_clips: int
    num_frames: int
    rebuilt: bool
    seconds: float
    bad_files: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()


@dataclass(frozen=True)
class CacheNote:
    """Something worth one line that is not about a source file.

    Attributes:
        message: E.g. why an existing store is rebuilt, or how many stale temporaries
            of killed builds were removed.
    """

    message: str


@dataclass(frozen=True)
class CacheWaiting:
    """Another process is building the same store; this one waits for it, then reuses
    its build. Sent about every :data:`WAIT_POLL_SECONDS` while waiting, so that a
    consumer can honour its cancel flag.

    Attributes:
        path: Store folder.
        seconds: Time waited so far.
    """

    path: Path
    seconds: float


CacheEvent = CacheProgress | CacheBadFile | CacheNote | CacheWaiting | CacheReady
WAIT_POLL_SECONDS = 0.25
LOCK_NAME = ".build.lock"


class DamagedStoreError(ValueError):
    """A store's files are unreadable or disagree with each other; rebuild it.

    Attributes:
        problem: What is wrong, naming the file.
    """

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(f"{problem}; rebuild the cache")


class ClipStore:
    """A built store, its frames memory-mapped read-only.

    Clips are read with ``store[i]`` (a ``(T_i, M, V, 3)`` float32 view into the map) or
    :meth:`sequence` (a :class:`SkeletonSequence` with name, label and metadata).

    Attributes:
        path: Store folder.
        dataset: Dataset name.
        layout: Layout name.
        num_bodies: Body slots ``M``.
        num_joints: Joints ``V``.
        fps: Frame rate.
        class_names: Class names in label order.
        names: Clip names, ``(N,)`` list.
        labels: int64 ``(N,)``; ``-1`` for unlabelled clips.
        offsets: int64 ``(N + 1,)`` frame offsets.
        metas: Each clip's metadata.
        sources: Each clip's source file.
        signature: Source signature the store was built from.
        bad_files: Files rejected when it was built.
        skipped: Files without clips when it was built.
    """

    def __init__(
        self, path: Path, index: dict[str, Any], frames: np.ndarray, offsets: np.ndarray
    ):
        self.path = path
        self.dataset: str = index["dataset"]
        self.layout: str = index["layout"]
        self.num_bodies: int = int(index["num_bodies"])
        self.num_joints: int = int(index["num_joints"])
        self.fps: float = float(index["fps"])
        self.class_names: list[str] = list(index["class_names"])
        clips = index["clips"]
        self.names: list[str] = [c["name"] for c in clips]
        self.labels = np.array(
            [-1 if c["label"] is None else c["label"] for c in clips], dtype=np.int64
        )
        self.metas: list[dict[str, Any]] = [c["meta"] for c in clips]
        self.sources: list[str] = [c["source"] for c in clips]
        self.signature: dict[str, Any] = index["signature"]
        self.bad_files: list[str] = list(index.get("bad_files", []))
        self.skipped: list[str] = list(index.get("skipped", []))
        self.offsets = offsets
        self._frames = frames

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> ClipStore:
        """Open a built store.

        Args:
            path: Store folder.

        Returns:
            The store, its frames memory-mapped.

        Raises:
            FileNotFoundError: If the folder has no complete store.
            DamagedStoreError: If a file of the store is unreadable or disagrees with
                the index (a ``ValueError``).
            ValueError: If the store was written by another cache version.
        """
        path = Path(path)
        for attempt in range(_OPEN_ATTEMPTS):
            try:
                return cls._open_build(path)
            except _Superseded:
                if attempt == _OPEN_ATTEMPTS - 1:
                    raise DamagedStoreError(
                        f"{path}: rebuilt by another process {_OPEN_ATTEMPTS} times "
                        "while being opened"
                    ) from None
        raise AssertionError("unreachable")

    @classmethod
    def _open_build(cls, path: Path) -> ClipStore:
        """:meth:`open` of the build the index names now; raises :class:`_Superseded`
        when a file is missing because another process replaced the build meanwhile."""
        index_file = path / INDEX_NAME
        if not index_file.is_file():
            raise FileNotFoundError(f"no clip store in {path} (missing {INDEX_NAME})")
        try:
            index = json.loads(index_file.read_text(encoding="utf-8"))
        except (ValueError, RecursionError) as exc:  # bad JSON, bad UTF-8
            raise DamagedStoreError(f"{index_file}: unreadable ({exc})") from None
        if not isinstance(index, dict):
            raise DamagedStoreError(f"{index_file}: not a store index (not an object)")
        if index.get("version") != CACHE_VERSION:
            raise ValueError(
                f"{path}: store version {index.get('version')}, need {CACHE_VERSION}"
            )
        try:
            build = str(index["build"])
            shape = (
                int(index["total_frames"]),
                int(index["num_bodies"]),
                int(index["num_joints"]),
                3,
            )
            num_clips = len(index["clips"])
        except (KeyError, TypeError, ValueError) as exc:
            raise DamagedStoreError(f"{index_file}: incomplete index ({exc})") from None
        offsets_file = path / f"offsets-{build}.npy"
        try:
            offsets = np.load(offsets_file, allow_pickle=False)
        except FileNotFoundError:
            _raise_if_superseded(index_file, build)
            raise DamagedStoreError(f"{offsets_file}: missing") from None
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise DamagedStoreError(f"{offsets_file}: unreadable ({exc})") from None
        frames_file = path / f"clips-{build}.f32"
        expected = int(np.prod(shape)) * 4
        try:
            size = frames_file.stat().st_size
        except FileNotFoundError:
            _raise_if_superseded(index_file, build)
            size = -1
        if size != expected:
            raise DamagedStoreError(f"{frames_file}: missing or not {expected} bytes")
        if (
            not isinstance(offsets, np.ndarray)
            or offsets.dtype.kind not in "iu"
            or offsets.shape != (num_clips + 1,)
            or int(offsets[0]) != 0
            or int(offsets[-1]) != shape[0]
            or np.any(np.diff(offsets) < 0)
        ):
            raise DamagedStoreError(f"{offsets_file}: disagrees with the index")
        frames: np.ndarray
        if shape[0]:
            try:
                frames = np.memmap(frames_file, dtype=np.float32, mode="r", shape=shape)
            except FileNotFoundError:  # removed since it was checked
                _raise_if_superseded(index_file, build)
                raise DamagedStoreError(f"{frames_file}: missing") from None
        else:  # numpy cannot map an empty file
            frames = np.zeros(shape, dtype=np.float32)
        try:
            return cls(path, index, frames, offsets.astype(np.int64))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DamagedStoreError(
                f"{index_file}: malformed clip list ({exc})"
            ) from None

    def __len__(self) -> int:
        return len(self.names)

    def __getitem__(self, i: int) -> np.ndarray:
        """Frames of clip ``i``: read-only float32 view ``(T_i, M, V, 3)``."""
        if not -len(self) <= i < len(self):
            raise IndexError(f"clip {i} out of range (store has {len(self)})")
        i %= len(self)
        return self._frames[self.offsets[i] : self.offsets[i + 1]]

    @property
    def lengths(self) -> np.ndarray:
        """Frames per clip, int64 ``(N,)``."""
        return np.diff(self.offsets)

    @property
    def num_frames(self) -> int:
        """Frames over all clips."""
        return int(self.offsets[-1])

    def sequence(self, i: int) -> SkeletonSequence:
        """Clip ``i`` as a record (its frames copied out of the map)."""
        label = int(self.labels[i])
        return SkeletonSequence(
            name=self.names[i],
            joints=np.array(self[i]),
            layout=self.layout,
            label=None if label < 0 else label,
            meta=dict(self.metas[i]),
            fps=self.fps,
            source=self.sources[i],
        )

    def is_fresh(self, root: str | os.PathLike[str]) -> bool:
        """Whether the store still matches the sources at ``root``.

        Raises:
            FileNotFoundError: If ``root`` does not exist.
        """
        reader = get_reader(self.dataset)
        return source_signature(reader, root) == self.signature  # type: ignore[arg-type]


_OPEN_ATTEMPTS = 5


class _Superseded(Exception):
    """The build being opened was replaced by a newer one meanwhile."""


def _raise_if_superseded(index_file: Path, build: str) -> None:
    """Raise :class:`_Superseded` when ``index_file`` now names a build other than
    ``build`` (another process rebuilt the store and removed the old build's files)."""
    try:
        now = json.loads(index_file.read_text(encoding="utf-8")).get("build")
    except (OSError, ValueError, AttributeError):
        return
    if now != build:
        raise _Superseded


def _pad_bodies(joints: np.ndarray, m: int, name: str) -> np.ndarray:
    """``(T, M', V, 3)`` -> ``(T, m, V, 3)`` float32 with zero bodies appended."""
    if joints.shape[1] > m:
        raise ValueError(f"{name}: {joints.shape[1]} bodies, the store holds {m}")
    if joints.shape[1] == m:
        return np.ascontiguousarray(joints, dtype=np.float32)
    out = np.zeros((joints.shape[0], m, *joints.shape[2:]), dtype=np.float32)
    out[:, : joints.shape[1]] = joints
    return out


ONE_SAMPLE_A_FILE = ("nw-ucla", "ntu60", "ntu120")
"""Datasets whose file is one sample, named by its file: a name read twice is a
copy."""


def _left_out(
    dataset: str, seq: SkeletonSequence, several: bool, stored: dict[str, str]
) -> DataFormatError | str:
    """Why a clip read from a file is not stored: a bad file's error (Kinect
    coordinates not in metres, or upside down), a skipped item's line (no skeleton
    at all; a copy of a sample already stored), or ``""`` to store it.

    Args:
        dataset: The reader's dataset name.
        seq: The clip.
        several: Its file gave several clips (named with the file then).
        stored: The first source of each sample name stored so far.
    """
    which = f" ({seq.name})" if several else ""
    if not has_a_skeleton(seq.joints):
        # trained and scored as a clip, refused by Replay and infer as one with
        # nothing to recognise (a trial)
        return (
            f"{seq.source}{which}: no skeleton in any of its {len(seq.joints)} "
            "frames (every coordinate is zero)"
        )
    # (a custom dataset's recordings are checked as they are read)
    problem = (
        sensor_units_problem(seq.joints, seq.layout) if dataset != "custom" else None
    )
    if problem:
        # millimetres were read, trained on and answered "no action" live, unsaid
        # (a trial)
        return DataFormatError(seq.source, f"{problem}{which}")
    first = stored.get(seq.name)
    if first is not None and dataset in ONE_SAMPLE_A_FILE:
        # the same sample twice could train and test on itself (a trial); a copy,
        # not a bad file (NTU-60 beside NTU-120's first part is 56 880 of them)
        return f"{seq.source}: a copy of sample {seq.name}, already read from {first}"
    return ""


def _write_json_atomic(path: Path, doc: dict[str, Any]) -> None:
    atomic_write_text(path, json.dumps(doc, separators=(",", ":")))


def _build(
    reader: FileDatasetReader, root: Path, path: Path, signature: dict[str, Any]
) -> Iterator[CacheEvent]:
    start = time.perf_counter()
    info: dict[str, Any] = {
        "layout": reader.layout,
        "num_bodies": reader.num_bodies,
        "class_names": reader.class_names(),
    }
    if hasattr(reader, "store_info"):  # readers whose layout/classes depend on the root
        info.update(reader.store_info(root))
    path.mkdir(parents=True, exist_ok=True)
    build = uuid.uuid4().hex[:12]
    frames_file = path / f"clips-{build}.f32"
    clips: list[dict[str, Any]] = []
    offsets = [0]
    bad: list[str] = []
    skipped: list[str] = []
    num_joints = None
    seen: dict[str, str] = {}  # the source of each sample name stored
    # The frames file is filled as the files are read; closing this generator early
    # (Cancel) leaves the block with an exception, which removes the temporary.
    with atomic_path(frames_file) as frames_tmp, open(frames_tmp, "wb") as out:
        for event in reader.scan_events(root):
            if isinstance(event, FileFailed):
                bad.append(str(event.error))
                yield CacheBadFile(event.error)
                source = event.error.path
            elif isinstance(event, FileSkipped):
                skipped.append(f"{event.source}: {event.reason}")
                source = event.source
            else:
                skipped.extend(event.notes)
                for seq in event.sequences:
                    why = _left_out(reader.name, seq, len(event.sequences) > 1, seen)
                    if isinstance(why, DataFormatError):
                        bad.append(str(why))
                        yield CacheBadFile(why)
                        continue
                    if why:
                        skipped.append(why)
                        continue
                    seen[seq.name] = seq.source
                    joints = _pad_bodies(seq.joints, info["num_bodies"], seq.name)
                    if num_joints is None:
                        num_joints = joints.shape[2]
                    out.write(joints.tobytes())
                    offsets.append(offsets[-1] + joints.shape[0])
                    clips.append(
                        {"name": seq.name, "label": seq.label, "meta": seq.meta,
                         "source": seq.source}
                    )  # fmt: skip
                source = event.source
            yield CacheProgress(event.index, event.total, source)
    with atomic_path(path / f"offsets-{build}.npy") as tmp, open(tmp, "wb") as fh:
        np.save(fh, np.asarray(offsets, dtype=np.int64))
    index = {
        "version": CACHE_VERSION,
        "build": build,
        "dataset": reader.name,
        "layout": info["layout"],
        "num_bodies": info["num_bodies"],
        "num_joints": num_joints or get_layout(info["layout"]).num_joints,
        "fps": reader.fps,
        "class_names": info["class_names"],
        "total_frames": offsets[-1],
        "signature": signature,
        "bad_files": bad,
        "skipped": skipped,
        "clips": clips,
    }
    _write_json_atomic(path / INDEX_NAME, index)
    for old in path.iterdir():
        if old.name.startswith(("clips-", "offsets-")) and build not in old.name:
            old.unlink(missing_ok=True)
    yield CacheReady(
        path=path,
        num_clips=len(clips),
        num_frames=offsets[-1],
        rebuilt=True,
        seconds=time.perf_counter() - start,
        bad_files=tuple(bad),
        skipped=tuple(skipped),
    )


def empty_store_problem(dataset: str, ready: CacheReady, shown: int = 5) -> str:
    """Why a dataset gave no clip, for an error naming its root: its bad files and
    skipped items (the first ``shown`` of them)."""
    reasons = [*ready.bad_files, *ready.skipped]
    if not reasons:
        return f"no {dataset} clip in it"
    more = len(reasons) - shown
    listed = "; ".join(reasons[:shown]) + (f"; … and {more} more" if more > 0 else "")
    return f"no {dataset} clip in it: {listed}"


def prepare(
    dataset: str,
    root: str | os.PathLike[str],
    cache_dir: Path | None = None,
    force: bool = False,
) -> Generator[CacheEvent, None, None]:
    """Build the store of a dataset unless an up-to-date one exists.

    Args:
        dataset: Dataset name (a registered reader).
        root: Dataset location.
        cache_dir: Parent folder of stores; :func:`default_cache_dir` when ``None``.
        force: Rebuild even if the store is up to date.

    Returns:
        An iterator of :class:`CacheNote` (stale temporaries removed, a damaged store
        rebuilt, waiting for another process), :class:`CacheWaiting` (while another
        process builds the same store: one build at a time, the waiter then reuses it),
        :class:`CacheProgress` and :class:`CacheBadFile` events, ending with one
        :class:`CacheReady`.

    Raises:
        KeyError: If the dataset is unknown.
        FileNotFoundError: If ``root`` does not exist.
        DataFormatError: If ``root`` itself is unusable (e.g. a zip with no clips).
        ValueError: If the store would be inside the dataset folder.
    """
    reader = get_reader(dataset)
    if not isinstance(reader, FileDatasetReader):
        raise KeyError(f"dataset {dataset!r} cannot be cached (no file reader)")
    start = time.perf_counter()
    # absolute: the store's bad files and sources name files from any working
    # folder (a store built from "../data" listed "../data/x.skeleton" to a user in /)
    root_path = Path(root).expanduser().absolute()
    signature = source_signature(reader, root_path)
    path = store_path(dataset, root_path, cache_dir)
    if root_path.is_dir() and root_path.resolve() in path.resolve().parents:
        raise ValueError(
            f"{path}: the cache would be inside the dataset folder {root_path} and be "
            "read as data; choose another cache folder (--cache-dir, $MS2L_CACHE)"
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a read-only home, a full disk
        where = (
            "choose a writable cache folder"
            if cache_dir is not None
            else "set $MS2L_CACHE to a writable folder"
        )
        raise OSError(
            f"cannot make the clip cache {path} ({exc.strerror or exc}): {where}"
        ) from None
    lock = FileLock(path / LOCK_NAME)
    try:
        free = lock.try_acquire()
    except OSError as exc:
        if exc.errno not in (errno.EROFS, errno.EACCES, errno.EPERM):
            raise
        free = True  # a read-only store (shared, prebuilt): nobody can build it here
    if not free:
        yield CacheNote(
            f"{path}: another process is building this clip cache; waiting to reuse it"
        )
        waited = time.perf_counter()
        while not lock.try_acquire():
            time.sleep(WAIT_POLL_SECONDS)
            yield CacheWaiting(path, time.perf_counter() - waited)
    try:
        yield from _prepare_locked(reader, root_path, path, signature, force, start)
    finally:
        _forget_if_empty(path, lock)
        lock.release()


def _forget_if_empty(path: Path, lock: FileLock) -> None:
    """Remove a store folder that holds nothing but its lock: a build that failed
    before its first file (a folder without the dataset's files) left such folders
    behind, one per attempt."""
    try:
        if lock.held and [p.name for p in path.iterdir()] == [LOCK_NAME]:
            lock.path.unlink()  # while held: a waiter then builds anew
            path.rmdir()
    except OSError:
        pass  # left as it is: an open lock file on Windows, a file just added


def _prepare_locked(
    reader: FileDatasetReader,
    root_path: Path,
    path: Path,
    signature: dict[str, Any],
    force: bool,
    start: float,
) -> Iterator[CacheEvent]:
    """:func:`prepare` once this process holds the store's build lock."""
    removed = remove_stale(path)
    if removed:
        size = sum(n for _, n in removed)
        yield CacheNote(
            f"{path}: removed {len(removed)} temporary file(s) of killed builds "
            f"({size / 1e6:.1f} MB)"
        )
    if not force:
        try:
            store = ClipStore.open(path)
        except FileNotFoundError:
            store = None
        except DamagedStoreError as exc:
            yield CacheNote(f"rebuilding a damaged clip cache: {exc.problem}")
            store = None
        except ValueError:  # another cache version: rebuilt without a word
            store = None
        if store is not None and store.signature == signature:
            yield CacheReady(
                path=path,
                num_clips=len(store),
                num_frames=store.num_frames,
                rebuilt=False,
                seconds=time.perf_counter() - start,
                bad_files=tuple(store.bad_files),
                skipped=tuple(store.skipped),
            )
            return
    yield from _build(reader, root_path, path, signature)


def open_store(
    dataset: str,
    root: str | os.PathLike[str],
    cache_dir: Path | None = None,
    on_event: Callable[[CacheEvent], None] | None = None,
) -> ClipStore:
    """Open the store of a dataset, building or rebuilding it first if needed.

    Args:
        dataset: Dataset name.
        root: Dataset location.
        cache_dir: Parent folder of stores; :func:`default_cache_dir` when ``None``.
        on_event: Receives the build events (progress, bad files), if given.

    Returns:
        The opened store.

    Raises:
        KeyError: If the dataset is unknown.
        FileNotFoundError: If ``root`` does not exist.
        DataFormatError: If ``root`` itself is unusable.
    """
    ready: CacheReady | None = None
    for event in prepare(dataset, root, cache_dir):
        if on_event is not None:
            on_event(event)
        if isinstance(event, CacheReady):
            ready = event
    assert ready is not None  # prepare always ends with CacheReady
    return ClipStore.open(ready.path)


def length_stats(lengths: Sequence[int] | np.ndarray) -> dict[str, float]:
    """Summary of clip lengths.

    Args:
        lengths: Frames per clip.

    Returns:
        ``{"min", "median", "mean", "p95", "max"}`` (zeros when empty).
    """
    arr = np.asarray(lengths, dtype=np.float64)
    if arr.size == 0:
        return {"min": 0.0, "median": 0.0, "mean": 0.0, "p95": 0.0, "max": 0.0}
    return {
        "min": float(arr.min()),
        "median": float(np.median(arr)),
        "mean": float(arr.mean()),
        "p95": float(np.percentile(arr, 95)),
        "max": float(arr.max()),
    }
