"""GUI test set-up: a guard against running QThreads, isolated settings, runs and cache.

Every ``QThread.start`` during a test is recorded; a test that leaves one of them running
fails (pytest-qt's ``qtbot.waitUntil`` is the way to wait for a worker). Settings go to a
temporary INI file, new runs to a temporary folder, and the clip cache to one folder per
test session so that a dataset is parsed once for all GUI tests.
"""

from __future__ import annotations

import pytest
from PyQt6.QtCore import QSettings, QThread


@pytest.fixture(autouse=True)
def _garbage_collected_on_the_gui_thread(qapp):
    """As the app does (app.gc_guard): a worker thread collecting a cycle of Qt
    objects killed the test process with a segmentation fault (1 in ~15 runs). After
    each GUI test (its threads have ended) Python collects as usual again: the core
    tests that follow run no event loop for the timer. First here, so that it ends
    last: after the test's threads have ended and its widgets have been closed."""
    import gc

    from app.gc_guard import collect_on_gui_thread

    collect_on_gui_thread(qapp)
    yield
    gc.enable()


@pytest.fixture(autouse=True)
def _no_running_qthreads(monkeypatch):
    """Fail a test that leaves a QThread running."""
    started: list[QThread] = []
    original = QThread.start

    def recording_start(self, *args):
        started.append(self)
        return original(self, *args)

    monkeypatch.setattr(QThread, "start", recording_start)
    yield started
    running = [t for t in started if not t.wait(5000)]
    assert not running, (
        f"test left QThreads running: {[t.objectName() for t in running]}"
    )


@pytest.fixture(autouse=True)
def _widgets_outlive_the_test_body(qtbot, monkeypatch):
    """Keep every widget given to ``qtbot.addWidget`` referenced until pytest-qt has
    closed and deleted it after the test.

    pytest-qt keeps only a weak reference. A window whose last reference went with the
    test body's locals (signal connections make it a reference cycle) was collected by
    Python's cyclic garbage collector piece by piece while still shown; pyqtgraph then
    painted a plot whose axis was already gone ('wrapped C/C++ object of type AxisItem
    has been deleted') and the process died of a segmentation fault.
    """
    kept: list[object] = []
    add = qtbot.addWidget

    def add_and_keep(widget, *args, **kwargs):
        kept.append(widget)
        return add(widget, *args, **kwargs)

    monkeypatch.setattr(qtbot, "addWidget", add_and_keep)
    yield
    kept.clear()  # pytest-qt closed them (close, deleteLater) before fixtures end


@pytest.fixture
def settings(tmp_path):
    """A settings store in a temporary INI file."""
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory, cache_dir):
    """A tiny model trained for two epochs on real NW-UCLA clips (a real run folder)."""
    from core.config import make_config
    from core.training.loop import run
    from tests.conftest import require_data

    zip_path = require_data("nw-ucla", "all_sqe.zip")
    run_dir = tmp_path_factory.mktemp("runs") / "tiny"
    cfg = make_config(
        dataset="nw-ucla",
        root=str(zip_path),
        strategy="scratch",
        data={"frames": 16, "max_clips": 96, "cache_dir": str(cache_dir)},
        model={"hidden": 8, "classifier_hidden": 16},
        optim={"epochs": 2, "batch_size": 16},
        run={"run_dir": str(run_dir), "device": "cpu"},
    )
    for _ in run(cfg):
        pass
    return run_dir


def make_context(settings: QSettings):
    """An :class:`AppContext` whose error dialogs are recorded instead of shown.

    Returns:
        ``(ctx, jobs, errors)``; ``errors`` collects ``(title, message)`` pairs.
    """
    from app.context import AppContext
    from app.workers import JobManager

    jobs = JobManager()
    errors: list[tuple[str, str]] = []
    ctx = AppContext(
        jobs=jobs,
        settings=settings,
        error=lambda t, m: errors.append((t, m)),
        status=lambda m: None,
    )
    return ctx, jobs, errors
