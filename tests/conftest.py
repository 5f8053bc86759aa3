"""Shared test set-up: offscreen Qt, the real-data fixture, and the dangling-thread guard.

Real dataset files are read from ``$MS2L_DATA`` (default ``../shared/data`` beside the
repository). When they are absent, tests that need them are skipped with the reason; with
``MS2L_REQUIRE_DATA=1`` (set by CI) the absence is a failure instead.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Keep torch and BLAS to the cores this machine kind has; tests run in one process.
os.environ.setdefault("OMP_NUM_THREADS", "2")

REPO = Path(__file__).resolve().parent.parent


def data_root() -> Path:
    """The folder holding the real datasets (``$MS2L_DATA`` or ``../shared/data``)."""
    return Path(
        os.environ.get("MS2L_DATA", REPO.parent / "shared" / "data")
    ).expanduser()


def require_data(*parts: str) -> Path:
    """Path to a real data file or folder; skip (or fail under CI) when it is absent."""
    path = data_root().joinpath(*parts)
    if not path.exists():
        reason = (
            f"real data not found: {path} (set MS2L_DATA to the shared data folder)"
        )
        if os.environ.get("MS2L_REQUIRE_DATA") == "1":
            pytest.fail(reason + "; MS2L_REQUIRE_DATA=1 makes this a failure")
        pytest.skip(reason)
    return path


def pkummd_copy(folder: Path, labels: str) -> Path:
    """The shared PKU-MMD sequence copied into ``folder`` (``skeleton/``, ``labels/``)
    with the label file's text replaced by ``labels``; its skeleton file's path."""
    import shutil

    src = require_data("pkummd")
    (folder / "skeleton").mkdir(parents=True)
    (folder / "labels").mkdir()
    path = folder / "skeleton" / "0005-L.txt"
    shutil.copy(src / "skeleton" / "0005-L.txt", path)
    (folder / "labels" / "0005-L.txt").write_text(labels)
    return path


@pytest.fixture
def shared_data() -> Path:
    """The real data folder (skips, or fails under CI, when absent)."""
    return require_data()


def leaked_threads(before: set[threading.Thread], grace: float = 5.0) -> list[str]:
    """Names of threads started since ``before`` that are still running after ``grace`` s.

    Daemon threads count too: every thread the project starts (capture, prediction) is a
    daemon, so a guard that skipped them would never fire. Threads not started by
    ``threading`` (a ``QThread`` running Python code shows up as a dummy thread that can
    be neither joined nor seen to end) are left to the QThread guard of ``tests/app``.
    """
    new = [
        t
        for t in threading.enumerate()
        if t not in before
        and t.is_alive()
        and not isinstance(t, threading._DummyThread)
    ]
    deadline = time.monotonic() + grace
    for t in new:
        t.join(timeout=max(0.0, deadline - time.monotonic()))
    return [t.name for t in new if t.is_alive()]


@pytest.fixture(scope="session", autouse=True)
def cache_dir(tmp_path_factory):
    """One clip-cache folder for the session, and runs under a session folder: no
    test writes into the user's home (a test wanting its own folder sets it). Only
    the GUI tests had this, and only per test: every run of the suite left clip stores
    of its datasets in ~/.cache/ms2l (220 of them here), built by tests and by the
    module fixtures that come before any test's own set-up."""
    folder = tmp_path_factory.mktemp("ms2l-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MS2L_CACHE", str(folder))
        patch.setenv("MS2L_RUNS", str(tmp_path_factory.mktemp("ms2l-runs")))
        yield folder


@pytest.fixture(autouse=True)
def _runs_of_their_own(monkeypatch, tmp_path):
    """New runs of each test under its ``tmp_path/runs`` (a runs list starts empty)."""
    monkeypatch.setenv("MS2L_RUNS", str(tmp_path / "runs"))


@pytest.fixture(autouse=True)
def _no_dangling_threads():
    """Fail a test that leaves Python threads (including QThreads' helpers) running."""
    before = set(threading.enumerate())
    yield
    still = leaked_threads(before)
    assert not still, f"test left threads running: {still}"
