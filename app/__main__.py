"""Launch MS²L Studio: ``python -m app [--model RUN_DIR] [--video FILE]``.

OpenCV's wheel points Qt at its own Qt5 plugins through two environment variables when
``cv2`` is imported; they would make PyQt6 load the wrong platform plugins, so they are
removed before the ``QApplication`` exists.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PyQt6.QtCore import QTimer
    from PyQt6.QtWidgets import QWidget


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the app's command line."""
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    parser.add_argument("--model", type=Path, help="run folder of the model to use")
    parser.add_argument("--video", type=Path, help="video file to preselect in Live")
    parser.add_argument(
        "--quit-after",
        type=int,
        metavar="MS",
        help="quit after MS milliseconds (smoke test)",
    )
    return parser.parse_args(argv)


def display_problem() -> str | None:
    """Why no window can be opened here, or ``None``: on Linux without a display (a
    server, an SSH session) Qt would abort with advice to reinstall it."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return (
        "no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset): "
        "on a server use the ms2l commands (train, eval, infer ...), or set "
        "QT_QPA_PLATFORM=offscreen to run the app without a screen"
    )


def close_on_signals(window: QWidget) -> QTimer:
    """Close ``window`` as its Quit does, without asking, on SIGTERM (a logout, a
    shutdown, ``kill``) and SIGINT (Ctrl+C in the terminal): workers stopped, a run
    kept at its last finished epoch, the session's record marked as ended (a logout
    was reported as a crash at the next start; Ctrl+C raised in whatever slot ran
    next, which aborts a PyQt process).

    Returns:
        The timer that lets Python see a signal while Qt waits (started).
    """
    import signal

    from PyQt6.QtCore import QTimer
    from PyQt6.QtWidgets import QApplication

    def close(_signum: int, _frame: object) -> None:
        if hasattr(window, "confirm_close"):
            window.confirm_close = False
        window.close()
        # and quit, even with the window already closed and a dialog of its left up
        # (a kill went unheard: a trial)
        QApplication.quit()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, close)
    timer = QTimer(window)
    timer.timeout.connect(lambda: None)  # Python runs, and handles the signal
    timer.start(250)
    return timer


def main(argv: Sequence[str] | None = None) -> int:
    """Create the application and the main window, and run the event loop.

    Args:
        argv: Command-line arguments (without the program name).

    Returns:
        The event loop's exit status.
    """
    args = parse_args(argv)
    from app.system_libs import ensure_xcb_libraries

    problem = display_problem() or ensure_xcb_libraries()
    if problem:
        print(f"python -m app: error: {problem}", file=sys.stderr)
        return 2
    import cv2  # noqa: F401  (imported first so that its Qt variables can be undone)

    for var in ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR"):
        os.environ.pop(var, None)
    from PyQt6.QtCore import QTimer
    from PyQt6.QtWidgets import QApplication

    from app.gc_guard import collect_on_gui_thread
    from app.main_window import MainWindow
    from app.session_log import SessionLog

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("MS²L Studio")
    collect_on_gui_thread(app)  # never a worker collecting the GUI's Qt objects
    session = SessionLog()
    earlier = session.start()  # a crash closed the window with no word (a trial)
    # An error in a Qt slot aborts the process (PyQt6): its traceback goes to the
    # record too, not only to a terminal that may not be there.
    default_hook = sys.excepthook

    def record_and_report(kind, value, tb) -> None:  # type: ignore[no-untyped-def]
        import traceback

        session.write_line("".join(traceback.format_exception(kind, value, tb)))
        default_hook(kind, value, tb)

    sys.excepthook = record_and_report
    try:
        window = MainWindow(model_dir=args.model, video=args.video)
        window.show()
        for message in earlier:
            print(f"python -m app: note: {message}", file=sys.stderr)
        if earlier:  # one dialog (each would close the one before)
            window.show_error("Last session", "\n\n".join(earlier))
        if args.quit_after is not None:
            window.confirm_close = False  # a timed run (tests, screenshots) asks nobody
            QTimer.singleShot(args.quit_after, window.close)
        keep_awake = close_on_signals(window)
        status = app.exec()
        keep_awake.stop()
    except BaseException:
        import traceback

        session.write_line(traceback.format_exc())  # not a normal end
        raise
    session.end()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
