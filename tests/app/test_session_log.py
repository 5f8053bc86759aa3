"""A session that ends without closing is said at the next start (app.session_log).

The sessions that die here are real processes: one killed by a segmentation fault
(``faulthandler._sigsegv``, a real SIGSEGV), one killed with SIGKILL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from app.session_log import ENDED, SessionLog
from tests.app.app_process import app_env, run_app

REPO = Path(__file__).resolve().parents[2]

_DIE = """
import faulthandler, sys, time
from pathlib import Path
from app.session_log import SessionLog
log = SessionLog(Path(sys.argv[1]))
log.start()
if sys.argv[2] == "training":
    from app.session_log import note_run
    note_run("/runs/finished-one")
    note_run("/runs/finished-one", ended=True)
    note_run("/runs/cut-short")
print("started", flush=True)
if sys.argv[2] == "segfault":
    faulthandler._sigsegv()
if sys.argv[2] == "error":
    log.write_line("Traceback (most recent call last):\\n  ValueError: boom")
    import os
    os._exit(1)
time.sleep(60)
"""


def _session_that_dies(folder: Path, how: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", _DIE, str(folder), how],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline() == "started\n"
    if how in ("kill", "training"):
        proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=60) != 0


def _said_at_the_next_start(folder: Path) -> list[str]:
    """What a new session says of the earlier ones in ``folder`` (then ends)."""
    session = SessionLog(folder)
    said = session.start()
    session.end()
    return said


def test_a_crashed_session_is_said_with_its_trace(tmp_path):
    folder = tmp_path / "state"
    _session_that_dies(folder, "segfault")
    session = SessionLog(folder)
    said = session.start()
    assert len(said) == 1
    assert "ended without closing: it crashed (Segmentation fault)" in said[0]
    crashes = list(folder.glob("crash-*.log"))
    assert len(crashes) == 1 and str(crashes[0]) in said[0]
    trace = crashes[0].read_text()
    assert "Fatal Python error: Segmentation fault" in trace
    assert 'File "<string>"' in trace  # the Python stack where it died
    session.end()
    assert ENDED in session.path.read_text()
    # Said once: the next start finds nothing new.
    again = SessionLog(folder)
    assert again.start() == []
    assert len(list(folder.glob("crash-*.log"))) == 1
    again.end()


def test_a_killed_session_is_said_without_a_crash(tmp_path):
    folder = tmp_path / "state"
    _session_that_dies(folder, "kill")
    said = _said_at_the_next_start(folder)
    assert len(said) == 1 and "ended from outside" in said[0]
    assert "crashed" not in said[0]


def test_another_open_window_is_left_alone(tmp_path):
    folder = tmp_path / "state"
    proc = subprocess.Popen(
        [sys.executable, "-c", _DIE, str(folder), "sleep"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "started\n"
        session = SessionLog(folder)
        assert session.start() == []
        session.end()
        assert len(list(folder.glob(f"session-{proc.pid}-*.log"))) == 1
    finally:
        proc.kill()
        proc.wait()


def test_the_app_says_at_start_that_the_last_session_crashed(tmp_path):
    state = tmp_path / "state"
    _session_that_dies(state / "ms2l", "segfault")
    env = app_env(tmp_path, state)
    started = time.time()
    proc = run_app(env)
    assert proc.returncode == 0, proc.stderr
    assert (
        "python -m app: note: The last session of MS²L Studio (started " in proc.stderr
    )
    assert "it crashed (Segmentation fault)" in proc.stderr
    # This session ended normally: its record says so.
    records = list((state / "ms2l").glob("session-*.log"))
    assert len(records) == 1 and ENDED in records[0].read_text()
    assert records[0].stat().st_mtime >= started - 1
    # The next start says nothing of it, and drops its record.
    proc = run_app(env)
    assert proc.returncode == 0 and "note:" not in proc.stderr, proc.stderr
    assert not records[0].exists()


def test_an_error_that_ended_a_session_is_said_as_one(tmp_path):
    folder = tmp_path / "state"
    _session_that_dies(folder, "error")
    said = _said_at_the_next_start(folder)
    assert len(said) == 1 and "it stopped on an error" in said[0]
    assert "ValueError: boom" in next(folder.glob("crash-*.log")).read_text()


def test_a_dead_record_with_this_processs_own_id_is_said(tmp_path):
    """In a container the same process id comes back at every start: a record of a
    dead session with this process's id is not taken for this session's own."""
    folder = tmp_path / "state"
    folder.mkdir()
    dead = folder / f"session-{os.getpid()}-deadbeef.log"
    dead.write_text(
        "session started 2026-12-01 10:00:00 pid 1\nFatal Python error: Aborted\n"
    )
    said = _said_at_the_next_start(folder)
    assert len(said) == 1 and "it crashed (Aborted)" in said[0]
    assert not dead.exists() and not dead.with_suffix(".lock").exists()


def test_a_logout_or_ctrl_c_closes_the_app_as_quit_does(tmp_path):
    """SIGTERM (a logout, a shutdown) left the app's record unended, said as a crash at
    the next start; Ctrl+C raised in a Qt slot, which aborts the process."""
    import signal

    for sig in (signal.SIGTERM, signal.SIGINT):
        state = tmp_path / f"state-{sig}"
        proc = subprocess.Popen(
            [sys.executable, "-m", "app"],
            cwd=REPO,
            env=app_env(tmp_path, state),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 90
            while not list((state / "ms2l").glob("session-*.log")):
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
            time.sleep(4)  # the window up and its event loop running
            proc.send_signal(sig)
            _, err = proc.communicate(timeout=60)
        finally:
            proc.kill()
        assert proc.returncode == 0, err
        (record,) = (state / "ms2l").glob("session-*.log")
        assert ENDED in record.read_text()


def test_a_run_cut_short_by_a_dead_session_is_named(tmp_path):
    """Killed while it trained, the app said at its next start only that "a training
    run resumes", not which (a GUI trial)."""
    folder = tmp_path / "state"
    _session_that_dies(folder, "training")
    said = _said_at_the_next_start(folder)
    assert len(said) == 1
    assert "It was training /runs/cut-short: Resume it in the Train panel" in said[0]
    assert "finished-one" not in said[0]


def test_a_line_naming_a_file_whose_name_is_not_utf8_is_kept(tmp_path):
    """A traceback naming such a file (Latin-1 bytes, kept by Python as escapes) was
    lost to a UnicodeEncodeError in the error hook (a review)."""
    import os

    name = os.fsdecode(b"/videos/caf\xe9.mp4")
    session = SessionLog(tmp_path / "state")
    session.start()
    try:
        session.write_line(f"error: {name}: damaged")
    finally:
        session.end()
    (log,) = (tmp_path / "state").glob("session-*.log")
    assert "error: /videos/caf\\udce9.mp4: damaged" in log.read_text()
