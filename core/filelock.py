"""An exclusive lock between processes, held on a file (``fcntl`` on POSIX, ``msvcrt`` on
Windows).

Two runs started side by side (two terminals, ``torchrun`` ranks, the GUI and the CLI) may
want to build the same clip cache at the same moment; :class:`FileLock` lets one build
while the other waits and then reuses the result. The lock is advisory and belongs to the
open file: the operating system releases it when the holder exits, even when killed, so
a crashed builder never leaves the cache locked. The lock file itself is left in place
(removing it would race with a process about to lock it), except in a clip cache's folder
whose build failed before writing anything (:mod:`core.datasets.cache`): at worst two
builds then run side by side, each writing its files atomically.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO


class FileLock:
    """Exclusive, non-reentrant lock on ``path`` (created if missing).

    Args:
        path: The lock file.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._fh: IO[bytes] | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fh is not None

    def try_acquire(self) -> bool:
        """Take the lock if no other holder has it; never waits.

        Returns:
            ``True`` when the lock is now held by this object.

        Raises:
            RuntimeError: If this object already holds it.
            OSError: If the lock file cannot be created.
        """
        if self._fh is not None:
            raise RuntimeError(f"{self.path}: lock already held by this object")
        fh = open(self.path, "a+b")  # noqa: SIM115 (kept open while held)
        try:
            if not _lock(fh):
                fh.close()
                return False
        except BaseException:
            fh.close()
            raise
        self._fh = fh
        return True

    def write_note(self, text: str) -> None:
        """Replace the lock file's text with ``text`` (who holds it, for messages).

        Raises:
            RuntimeError: If this object does not hold the lock.
        """
        if self._fh is None:
            raise RuntimeError(f"{self.path}: lock not held by this object")
        self._fh.seek(0)
        self._fh.truncate()
        self._fh.write(text.encode("utf-8"))
        self._fh.flush()

    def note(self) -> str:
        """The text its holder left in the lock file (``""`` if none or unreadable)."""
        try:
            return self.path.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            return ""

    def release(self) -> None:
        """Give the lock back (nothing happens when it is not held)."""
        fh, self._fh = self._fh, None
        if fh is None:
            return
        try:
            _unlock(fh)
        finally:
            fh.close()


if sys.platform == "win32":  # pragma: no cover - not run on the CI machines
    import msvcrt

    def _lock(fh: IO[bytes]) -> bool:
        fh.seek(0)
        try:
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fh: IO[bytes]) -> None:
        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fh: IO[bytes]) -> bool:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fh: IO[bytes]) -> None:
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
