"""A record of each run of the app, so that one that ended without closing is said.

A crash of native code (Qt, OpenCV, MediaPipe, torch) ends the process at once, with no
Python exception and no word in the window; a process killed from outside (out of
memory, a logout) likewise. Each session writes ``session-<pid>.log`` in the app's state
folder with :mod:`faulthandler` pointed at it (the Python stack of every thread, should
the process die of a signal), and marks it at a normal end. The next start finds a
file whose process is gone without that mark, keeps it as ``crash-<time>.log``, and the
window says what happened and where the trace is.
"""

from __future__ import annotations

import faulthandler
import os
import time
from pathlib import Path
from typing import TextIO

ENDED = "session ended normally"
_STARTED = "session started"


def state_folder() -> Path:
    """``$XDG_STATE_HOME/ms2l`` (``~/.local/state/ms2l`` by default)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "ms2l"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process of that number
        return True
    return True


def describe(text: str, kept: Path) -> str:
    """What the record of a session that did not end normally says, for the user."""
    started = next((ln for ln in text.splitlines() if ln.startswith(_STARTED)), "")
    when = started.removeprefix(_STARTED).strip().split(" pid", 1)[0]
    fatal = next(
        (ln.strip() for ln in text.splitlines() if ln.startswith("Fatal Python error")),
        "",
    )
    how = (
        f"it crashed ({fatal.removeprefix('Fatal Python error: ')})"
        if fatal
        else "it was ended from outside or the machine stopped (no crash was recorded)"
    )
    return (
        f"The last session of MS²L Studio{f' (started {when})' if when else ''} ended "
        f"without closing: {how}. What was saved stays saved: takes and labels are "
        "written as they are made, and a training run resumes from its last finished "
        f"epoch. Its record is in {kept}"
        + (" (attach it to a bug report)." if fatal else ".")
    )


class SessionLog:
    """This session's record, and what the last ones that did not end normally left.

    Args:
        folder: Where the records are kept (:func:`state_folder` by default).
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = state_folder() if folder is None else folder
        self.path = self.folder / f"session-{os.getpid()}.log"
        self._file: TextIO | None = None

    def start(self) -> list[str]:
        """Open this session's record and collect the ones of sessions that died.

        Returns:
            One message per earlier session that ended without closing (empty when
            none did, or when the folder cannot be written: the app runs without a
            record then).
        """
        said: list[str] = []
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            for old in sorted(self.folder.glob("session-*.log")):
                pid = old.stem.removeprefix("session-")
                if not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
                    continue  # another window of the app, still open
                text = old.read_text(encoding="utf-8", errors="replace")
                if ENDED in text:
                    old.unlink()
                    continue
                stamp = time.strftime(
                    "%Y%m%d-%H%M%S", time.localtime(old.stat().st_mtime)
                )
                kept = self.folder / f"crash-{stamp}-{pid}.log"
                os.replace(old, kept)
                said.append(describe(text, kept))
            self._file = open(self.path, "w", encoding="utf-8")  # noqa: SIM115
            self._file.write(
                f"{_STARTED} {time.strftime('%Y-%m-%d %H:%M:%S')} pid {os.getpid()}\n"
            )
            self._file.flush()
            faulthandler.enable(self._file, all_threads=True)
        except OSError:
            self._file = None
        return said

    def end(self) -> None:
        """Mark this session as ended normally (its record is removed at the next
        start)."""
        if self._file is None:
            return
        faulthandler.disable()
        try:
            self._file.write(ENDED + "\n")
            self._file.close()
        except OSError:
            pass
        self._file = None
