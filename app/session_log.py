"""A record of each run of the app, so that one that ended without closing is said.

A crash of native code (Qt, OpenCV, MediaPipe, torch) ends the process at once, with no
Python exception and no word in the window; a process killed from outside (out of
memory, a logout) likewise. Each session writes ``session-<pid>-<hex>.log`` in the app's
state folder, locked while it runs, with :mod:`faulthandler` pointed at it (the Python
stack of every thread, should the process die of a signal) and the traceback of an
error that ends it, and marks it at a normal end. The next start finds a record whose
lock is free without that mark, keeps it as ``crash-<time>-<id>.log``, and the window
says what happened and where the trace is.
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import secrets
import time
from pathlib import Path
from typing import TextIO

from core.filelock import FileLock

ENDED = "session ended normally"
_STARTED = "session started"
_RUN_STARTED = "run started: "
_RUN_ENDED = "run ended: "
_current: SessionLog | None = None  # this process's session, once started


def note_run(run_dir: str | os.PathLike[str], ended: bool = False) -> None:
    """Write in this session's record that a training run started (or ended), so that
    a session that dies names the run to resume (it did not: a GUI trial killed one
    while it trained)."""
    if _current is not None:
        _current.write_line(f"{_RUN_ENDED if ended else _RUN_STARTED}{run_dir}")


def runs_cut_short(text: str) -> list[str]:
    """The runs a session's record says started and never ended, in order."""
    open_runs: list[str] = []
    for line in text.splitlines():
        if line.startswith(_RUN_STARTED):
            run = line.removeprefix(_RUN_STARTED)
            if run not in open_runs:
                open_runs.append(run)
        elif line.startswith(_RUN_ENDED):
            run = line.removeprefix(_RUN_ENDED)
            if run in open_runs:
                open_runs.remove(run)
    return open_runs


_YOUNG_SECONDS = 60.0  # a record with no header yet may be a window starting now


def state_folder() -> Path:
    """``$XDG_STATE_HOME/ms2l`` (``~/.local/state/ms2l`` by default)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "ms2l"


def describe(text: str, kept: Path) -> str:
    """What the record of a session that did not end normally says, for the user."""
    started = next((ln for ln in text.splitlines() if ln.startswith(_STARTED)), "")
    when = started.removeprefix(_STARTED).strip().split(" pid", 1)[0]
    fatal = next(
        (ln.strip() for ln in text.splitlines() if ln.startswith("Fatal Python error")),
        "",
    )
    raised = "Traceback (most recent call last)" in text
    if fatal:
        how = f"it crashed ({fatal.removeprefix('Fatal Python error: ')})"
    elif raised:
        how = "it stopped on an error"
    else:
        how = "it was ended from outside or the machine stopped (no crash was recorded)"
    cut = runs_cut_short(text)
    training = (
        f" It was training {', '.join(cut)}: Resume it in the Train panel (Teach offers "
        "its own runs on its folder)."
        if cut
        else ""
    )
    return (
        f"The last session of MS²L Studio{f' (started {when})' if when else ''} ended "
        f"without closing: {how}. What was saved stays saved: takes and labels are "
        "written as they are made, and a training run resumes from its last finished "
        f"epoch.{training} Its record is in {kept}"
        + (" (attach it to a bug report)." if fatal or raised else ".")
    )


class SessionLog:
    """This session's record, and what the last ones that did not end normally left.

    A session holds an exclusive lock on its record (:class:`core.filelock.FileLock`)
    while it runs, which the system releases when the process dies however it dies: a
    record whose lock can be taken belongs to a session that is over (no process id
    is trusted: in a container the same id comes back at every start).

    Args:
        folder: Where the records are kept (:func:`state_folder` by default).
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = state_folder() if folder is None else folder
        self.path = self.folder / f"session-{os.getpid()}-{secrets.token_hex(4)}.log"
        # (a lock file of its own: on Windows a locked byte cannot be written)
        self._lock = FileLock(self.path.with_suffix(".lock"))
        self._file: TextIO | None = None

    def start(self) -> list[str]:
        """Open this session's record and collect the ones of sessions that died.

        Returns:
            One message per earlier session that ended without closing (empty when
            none did, or when the folder cannot be written: the app runs without a
            record then).
        """
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if self._lock.try_acquire():
                # a traceback naming a file whose name is not UTF-8 is written with
                # its escapes, not lost to a UnicodeEncodeError (a review)
                self._file = open(  # noqa: SIM115
                    self.path, "a", encoding="utf-8", errors="backslashreplace"
                )
                self._file.write(
                    f"{_STARTED} {time.strftime('%Y-%m-%d %H:%M:%S')} "
                    f"pid {os.getpid()}\n"
                )
                self._file.flush()
                faulthandler.enable(self._file, all_threads=True)
                global _current
                _current = self
        except OSError:
            self._close()
        said: list[str] = []
        try:
            old_records = sorted(self.folder.glob("session-*.log"))
        except OSError:
            old_records = []
        for old in old_records:
            if old != self.path:
                message = self._collect(old)
                if message:
                    said.append(message)
        return said

    def _collect(self, old: Path) -> str | None:
        """Look at another session's record: left alone while its session runs,
        removed when it ended normally, kept as ``crash-*.log`` and described
        when it did not. Errors (another window collecting it at the same moment)
        leave it alone."""
        lock = FileLock(old.with_suffix(".lock"))
        try:
            if not lock.try_acquire():
                return None  # another window of the app, still open
            text = old.read_text(encoding="utf-8", errors="replace")
            if ENDED in text:
                old.unlink()
                return None
            if _STARTED not in text:  # no header: starting now, or never began
                if time.time() - old.stat().st_mtime > _YOUNG_SECONDS:
                    old.unlink()
                return None
            stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(old.stat().st_mtime))
            kept = (
                self.folder / f"crash-{stamp}-{old.stem.removeprefix('session-')}.log"
            )
            os.replace(old, kept)
            return describe(text, kept)
        except OSError:
            return None
        finally:
            lock.release()
            if not old.exists():  # collected: its lock file goes with it
                lock.path.unlink(missing_ok=True)

    def write_line(self, text: str) -> None:
        """Add a line to the record: a run started or ended, or the Python traceback
        of an error (an error in a Qt slot aborts the process, and its traceback
        went to the terminal only)."""
        if self._file is None:
            return
        with contextlib.suppress(OSError):
            self._file.write(text if text.endswith("\n") else text + "\n")
            self._file.flush()

    def end(self) -> None:
        """Mark this session as ended normally (its record is removed at the next
        start)."""
        if self._file is None:
            return
        with contextlib.suppress(OSError):
            self._file.write(ENDED + "\n")
            self._file.flush()
        self._close()

    def _close(self) -> None:
        global _current
        if _current is self:
            _current = None
        if self._file is not None:
            faulthandler.disable()
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None
        self._lock.release()
