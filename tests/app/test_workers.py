"""The worker threads: items arrive as signals, errors as ``failed``, stop is honoured."""

from __future__ import annotations

import threading
import time

from app.workers import JobManager
from core.live.capture import SourceOpenError
from tests.conftest import require_data


def counting(n: int, delay: float = 0.0):
    def make(stop: threading.Event):
        for i in range(n):
            if stop.is_set():
                return
            time.sleep(delay)
            yield i

    return make


def test_items_arrive_in_order_on_the_gui_thread(qtbot):
    jobs = JobManager()
    job = jobs.start("count", counting(20))
    got: list[tuple[int, bool]] = []
    gui = threading.get_ident()
    job.worker.item_produced.connect(
        lambda i: got.append((i, threading.get_ident() == gui))
    )
    with qtbot.waitSignal(job.ended, timeout=5000):
        job.start()
    assert [i for i, _ in got] == list(range(20))
    assert all(on_gui for _, on_gui in got)
    assert not job.is_running()


def test_exception_becomes_failed_signal_naming_the_problem(qtbot):
    """A mistake the user can fix reads as its message; anything else (a bug) keeps
    its exception type."""

    def make(error):
        def iterate(stop):
            yield 1
            raise error

        return iterate

    jobs = JobManager()
    failures: list[tuple[str, str]] = []
    jobs.job_failed.connect(lambda name, msg: failures.append((name, msg)))
    for name, error in (
        ("loading", FileNotFoundError("clips.zip: no such file")),
        ("video", SourceOpenError("x.mp4", "cannot decode this file")),
        ("bug", KeyError("joints")),
    ):
        job = jobs.start(name, make(error))
        with qtbot.waitSignal(job.ended, timeout=5000):
            job.start()
    assert failures == [
        ("loading", "clips.zip: no such file"),
        ("video", "video 'x.mp4': cannot decode this file"),
        ("bug", "KeyError: 'joints'"),
    ]


def test_stop_all_ends_a_long_job_and_waits(qtbot):
    jobs = JobManager()
    job = jobs.start("endless", counting(10_000, delay=0.01))
    job.start()
    qtbot.waitUntil(job.is_running, timeout=2000)
    t0 = time.monotonic()
    assert jobs.stop_all(timeout_ms=5000)
    assert time.monotonic() - t0 < 2.0
    assert not job.is_running()


def test_latest_only_drops_items_the_gui_has_not_taken(qtbot):
    jobs = JobManager()
    job = jobs.start("frames", counting(200), latest_only=True)
    taken: list[int] = []

    def slow_slot(_marker):
        item = job.worker.take_latest()
        if item is not None:
            taken.append(item)
        time.sleep(0.005)  # a GUI slower than the producer

    job.worker.item_produced.connect(slow_slot)
    with qtbot.waitSignal(job.ended, timeout=10_000):
        job.start()
    qtbot.wait(50)
    last = job.worker.take_latest()
    if last is not None:
        taken.append(last)
    assert taken == sorted(taken)  # never out of order
    assert taken[-1] == 199  # the newest item is never lost
    assert job.worker.dropped == 200 - len(taken)


def test_user_errors_print_one_line_and_bugs_a_traceback(qtbot, capfd, tmp_path):
    """On the terminal, a file that will not open or a malformed file is one line
    naming the job and the file; only a bug prints a traceback."""
    from core.datasets import read_file
    from core.live.capture import VideoSource

    junk = tmp_path / "notes.mp4"
    junk.write_text("not a video\n")
    data = require_data("ntu", "S001C001P001R001A011.skeleton").read_text()
    cut = tmp_path / "S001C001P001R001A011.skeleton"
    cut.write_text(data[: len(data) // 2])

    def make(action):
        def iterate(stop):
            yield action()

        return iterate

    jobs = JobManager()
    for name, action in (
        ("live", lambda: VideoSource(junk)),
        ("replay loading", lambda: read_file(cut)),
        ("replay loading", lambda: read_file(junk)),  # a video opened in Replay
    ):
        job = jobs.start(name, make(action))
        with qtbot.waitSignal(job.ended, timeout=10_000):
            job.start()
    err = capfd.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("ms2l gui: ")]
    assert len(lines) == 3, err
    assert lines[0] == (
        f"ms2l gui: live: video '{junk}': cannot decode this file (damaged, cut "
        "short, or not a video OpenCV can read)"
    )
    assert lines[1].startswith(f"ms2l gui: replay loading: {cut}:")
    assert lines[2].startswith(f"ms2l gui: replay loading: {junk}: unsupported file")

    job = jobs.start("bug", make(lambda: {}["joints"]))
    with qtbot.waitSignal(job.ended, timeout=10_000):
        job.start()
    err = capfd.readouterr().err
    assert "Traceback (most recent call last)" in err and "KeyError: 'joints'" in err


def test_ended_comes_after_the_thread_is_gone_so_dropping_the_job_cannot_deadlock(
    qtbot,
):
    """A thread still runs after its ``finished`` signal: it deletes the objects
    handed to ``deleteLater`` there, and deleting a Python-wrapped object needs the
    GIL. A panel drops its job on ``ended``; had the job been collected while its
    thread was still at that step, ``~QThread`` would wait for the thread while
    holding the GIL that the thread waits for (the app froze at the end of a Teach
    run). Here the thread's last deletion is slow: ``ended`` must still come after
    it."""
    from PyQt6.QtCore import QObject, Qt

    deleted: list[str] = []

    def slow_goodbye(*_args) -> None:
        time.sleep(0.5)
        deleted.append("doomed")

    def make(stop: threading.Event):
        doomed = QObject()  # lives in the worker thread
        doomed.destroyed.connect(slow_goodbye, Qt.ConnectionType.DirectConnection)
        doomed.deleteLater()  # deleted after the thread's finished signal
        yield 1

    jobs = JobManager()
    job = jobs.start("slow-end", make)
    seen_at_ended: list[list[str]] = []
    job.ended.connect(lambda: seen_at_ended.append(list(deleted)))
    with qtbot.waitSignal(job.ended, timeout=5000):
        job.start()
    assert seen_at_ended == [["doomed"]]
