"""The worker threads: items arrive as signals, errors as ``failed``, stop is honoured."""

from __future__ import annotations

import threading
import time

from app.workers import JobManager
from core.live.capture import SourceOpenError


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
