"""Lines that native libraries (MediaPipe's graph) print straight to the process's
stderr, kept off the terminal where they read as something wrong: file descriptor 2
goes into a temporary file while a block runs, and every other line is written back
after it. (FFmpeg's, inside OpenCV, have a log level of their own: ``core/__init__``.)"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator

_NOTICE_HEADS = (b"INFO: ", b"WARNING: ")  # written apart from the text after them
_STDERR_LOCK = threading.Lock()


@contextlib.contextmanager
def native_lines_dropped(
    unwanted: Callable[[bytes], bool], settle: bool = False
) -> Iterator[None]:
    """Send file descriptor 2 into a temporary file while the block runs, then write
    back every line of it but the ``unwanted`` ones: whatever else was said meanwhile
    (another thread's message, a real error) comes out, only later.

    Args:
        unwanted: Whether a line (bytes, with its newline) is to be dropped.
        settle: Wait, after the block, until nothing more is written for a moment
            (threads of MediaPipe's graph print just after the first frame is back).
    """
    with _STDERR_LOCK:
        try:
            sys.stderr.flush()
            tmp = tempfile.TemporaryFile()  # noqa: SIM115 (closed below)
        except (OSError, AttributeError, ValueError):  # no stderr, no temporary
            yield
            return
        try:
            saved = os.dup(2)
        except OSError:  # no file descriptor 2 (pythonw)
            tmp.close()
            yield
            return
        with tmp:
            os.dup2(tmp.fileno(), 2)
            try:
                yield
            finally:
                with contextlib.suppress(OSError, AttributeError, ValueError):
                    sys.stderr.flush()
                if settle:
                    _until_quiet(tmp.fileno())
                os.dup2(saved, 2)
                os.close(saved)
                tmp.seek(0)
                kept = [
                    line
                    for line in tmp.read().splitlines(keepends=True)
                    if not unwanted(line)
                ]
                if kept and kept[-1] in _NOTICE_HEADS:
                    # a notice's head, its text to follow in another write: "INFO: "
                    # stood alone on the terminal
                    kept.pop()
                if kept:
                    os.write(2, b"".join(kept))


def _until_quiet(fd: int, quiet: float = 0.05, longest: float = 0.5) -> None:
    """Wait until nothing more is written to ``fd`` for ``quiet`` seconds (at most
    ``longest``): the graph's threads print some notices just after the first frame
    is back (a busy machine showed them, cut in two around another line)."""
    size, still, end = -1, time.monotonic(), time.monotonic() + longest
    while (now := time.monotonic()) < end:
        grown = os.fstat(fd).st_size
        if grown != size:
            size, still = grown, now
        elif now - still >= quiet:
            return
        time.sleep(0.01)
