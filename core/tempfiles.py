"""Temporary files that name their owner, and the removal of those a dead process left.

Every file the app writes goes first to a hidden temporary beside its target and is
moved into place when complete. A process killed half-way (SIGKILL, a power cut) cannot
remove its temporary, and on a large dataset one such file can be as large as the whole
cache. So temporaries carry the owner's process id::

    .<target name>.<pid>.<8 hex digits><suffix>        (suffix ``.tmp`` by default,
                                                        ``.tmp.mp4`` for a video)

and :func:`remove_stale` deletes those whose owner is no longer running. A file named
with this process's own id that this process is not writing (a previous process with
the same id, as happens in containers) is stale too: live temporaries are registered by
:func:`temp_path` until :func:`discard` or a rename releases them. Files of the older
naming (``.<name>.<pid>.tmp``, ``.<stem>.<pid>.partial.mp4``) are recognised by the same
rule; the cache's old owner-less temporaries (``.clips-<build>.f32.tmp``) are removed
once untouched for :data:`LEGACY_AGE_SECONDS`.

Only files matching these patterns are ever touched; in a folder the app does not own
(an ``infer --out`` folder) only the temporaries of the named target are considered.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
import time
from collections.abc import Iterable
from pathlib import Path

_PATTERN = re.compile(
    r"\.(?P<name>.+?)\.(?P<pid>\d+)(?:\.(?P<tag>[0-9a-f]{8}))?"
    r"(?P<suffix>\.tmp(?:\.[A-Za-z0-9]{1,5})?|\.partial\.mp4)"
)
# Temporaries of cache builds before they carried a pid (``.clips-<build>.f32.tmp``,
# ``.offsets-<build>.npy.tmp``, ``.index.json.<uuid>.tmp``).
_LEGACY = re.compile(
    r"\.(?:(?:clips|offsets)-[0-9a-f]{12}\.(?:f32|npy)|index\.json\.[0-9a-f]{32})\.tmp"
)
LEGACY_AGE_SECONDS = 3600.0
"""An owner-less legacy temporary untouched this long is treated as abandoned (a live
build writes to its file continuously)."""

_live: set[str] = set()
_lock = threading.Lock()


def temp_path(target: Path, suffix: str = ".tmp") -> Path:
    """A fresh temporary name beside ``target``, registered as in use by this process.

    Args:
        target: The file the temporary will become.
        suffix: Ending of the name (e.g. ``".partial.mp4"`` when a library picks the
            container from it).

    Returns:
        ``<folder>/.<target name>.<pid>.<8 hex><suffix>`` (not created).
    """
    tmp = target.with_name(
        f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}{suffix}"
    )
    with _lock:
        _live.add(str(tmp))
    return tmp


def release(tmp: Path) -> None:
    """Forget a temporary (after it was renamed into place or deleted)."""
    with _lock:
        _live.discard(str(tmp))


def discard(tmp: Path) -> None:
    """Delete a temporary if it exists and forget it."""
    tmp.unlink(missing_ok=True)
    release(tmp)


def pid_alive(pid: int) -> bool:
    """Whether a process with this id is running (on this machine).

    A process of another user counts as running; a zombie counts as running.
    """
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def is_stale(path: Path, now: float | None = None) -> bool:
    """Whether ``path`` is a temporary whose owner is gone.

    Args:
        path: A file name in a folder (it need not exist for the name checks).
        now: Current time for the legacy age rule (``time.time()`` when ``None``).

    Returns:
        ``True`` for a temporary of a dead process, of this process's id that this
        process is not writing, or a legacy owner-less one untouched for
        :data:`LEGACY_AGE_SECONDS`; ``False`` for anything else.
    """
    m = _PATTERN.fullmatch(path.name)
    if m is not None:
        pid = int(m.group("pid"))
        if pid == os.getpid():
            with _lock:
                return str(path) not in _live
        return not pid_alive(pid)
    if _LEGACY.fullmatch(path.name):
        try:
            age = (time.time() if now is None else now) - path.stat().st_mtime
        except OSError:
            return False
        return age >= LEGACY_AGE_SECONDS
    return False


def remove_stale(
    folder: Path, targets: Iterable[str] | None = None
) -> list[tuple[Path, int]]:
    """Delete the temporaries in ``folder`` that dead processes left behind.

    Args:
        folder: Where to look (not recursive). A missing folder is fine.
        targets: Only consider temporaries of these target names (e.g. ``"out.mp4"``,
            and ``"out"`` for the older ``.out.<pid>.partial.mp4``); ``None`` = every
            temporary (for folders the app owns: a clip cache, a run folder).

    Returns:
        ``(file, size in bytes)`` of every file removed.
    """
    wanted = None if targets is None else set(targets)
    removed: list[tuple[Path, int]] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    now = time.time()
    for path in entries:
        if not path.name.startswith("."):
            continue
        if wanted is not None:
            m = _PATTERN.fullmatch(path.name)
            if m is None or m.group("name") not in wanted:
                continue
        if not is_stale(path, now) or not path.is_file():
            continue
        try:
            size = path.stat().st_size
            path.unlink()
        except OSError:
            continue  # not ours to remove (permissions) or already gone
        removed.append((path, size))
    return removed
