"""The autouse thread guard of ``tests/conftest.py`` fires on a leaked daemon thread."""

from __future__ import annotations

import threading

from tests.conftest import leaked_threads


def test_guard_reports_a_daemon_thread_left_running():
    before = set(threading.enumerate())
    release = threading.Event()
    t = threading.Thread(target=release.wait, name="leaky-daemon", daemon=True)
    t.start()
    try:
        assert leaked_threads(before, grace=0.2) == ["leaky-daemon"]
    finally:
        release.set()
        t.join()
    assert leaked_threads(before, grace=0.2) == []


def test_guard_waits_for_a_thread_that_is_finishing():
    before = set(threading.enumerate())
    t = threading.Thread(target=lambda: threading.Event().wait(0.1), daemon=True)
    t.start()
    assert leaked_threads(before, grace=5.0) == []
