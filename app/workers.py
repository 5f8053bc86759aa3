"""All thread code of the app: one worker object per job, each in its own ``QThread``.

A job is a function ``make(stop) -> Iterator[item]`` built from a core generator (training
events, live updates, evaluation, cache building). :class:`IteratorWorker` runs it in a
worker thread and re-emits every item as the ``item_produced`` signal; the GUI connects that
signal to slots of GUI-thread objects, so a worker never touches a widget. Cancelling is
cooperative: :meth:`Job.stop` sets a :class:`threading.Event` that the core loop checks every
batch or frame. Any exception inside the job becomes the ``failed(str)`` signal; on the
terminal, a mistake the user can fix (:data:`USER_ERRORS`: a file that will not open, a
malformed file, a bad setting) is one line, anything else (a bug) a full traceback.

For video-like streams the worker can run in *latest-only* mode: while the GUI has not yet
taken the previous item, a newer item replaces it instead of queueing behind it, so a slow
GUI sees fresh frames and the event queue never grows.

:class:`JobManager` owns the running jobs; the main window connects
``QApplication.aboutToQuit`` to :meth:`JobManager.stop_all`, which asks every job to stop and
waits for its thread.
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import Any

from PyQt6.QtCore import QObject, Qt, QThread, pyqtSignal, pyqtSlot

from core.errors import UserError
from core.live.capture import CaptureError

JobFactory = Callable[[threading.Event], Iterator[Any]]

# Errors a user can fix, as the ``ms2l`` command sees them (``core.cli``): their message
# says what is wrong, and a traceback on the terminal would only hide it.
USER_ERRORS: tuple[type[Exception], ...] = (
    ValueError,
    OSError,
    CaptureError,
    UserError,
)


class IteratorWorker(QObject):
    """Runs one iterator in a worker thread and re-emits its items as signals.

    Signals:
        item_produced(object): An item from the iterator (in latest-only mode: "an item
            is waiting"; fetch it with :meth:`take_latest`).
        failed(str): The iterator raised; the message names the problem.
        finished(): The iterator ended, was cancelled or failed (always emitted last).
    """

    item_produced = pyqtSignal(object)
    failed = pyqtSignal(str)
    finished = pyqtSignal()

    def __init__(
        self,
        make: JobFactory,
        stop: threading.Event,
        latest_only: bool = False,
        name: str = "job",
    ):
        super().__init__()
        self.name = name
        self._make = make
        self._stop = stop
        self._latest_only = latest_only
        self._lock = threading.Lock()
        self._latest: Any = None
        self._pending = False
        self.dropped = 0

    def take_latest(self) -> Any:
        """Return the newest waiting item (latest-only mode) and mark it as taken.

        Returns:
            The item, or ``None`` if nothing is waiting.
        """
        with self._lock:
            item, self._latest, self._pending = self._latest, None, False
        return item

    def _publish(self, item: Any) -> None:
        if not self._latest_only:
            self.item_produced.emit(item)
            return
        with self._lock:
            already_waiting = self._pending
            if already_waiting:
                self.dropped += 1
            self._latest, self._pending = item, True
        if not already_waiting:
            self.item_produced.emit(None)

    @pyqtSlot()
    def run(self) -> None:
        """Consume the iterator until it ends or the stop event is set."""
        try:
            iterator = self._make(self._stop)
            try:
                # No break on stop: the core iterator checks the event itself and still
                # yields its closing events (a cancelled run's RunFinished).
                for item in iterator:
                    self._publish(item)
            finally:
                close = getattr(iterator, "close", None)
                if close is not None:
                    close()
        except Exception as exc:  # every failure must reach the GUI, never kill the app
            if isinstance(exc, InterruptedError) and self._stop.is_set():
                return  # gave up when asked to stop: a cancel, not a failure
            # A mistake the user can fix (a file that will not open, a bad setting)
            # reads as its message; anything else keeps its type, for bug reports.
            known = isinstance(exc, USER_ERRORS)
            message = str(exc) if known and str(exc) else f"{type(exc).__name__}: {exc}"
            if known:
                print(f"ms2l gui: {self.name}: {message}", file=sys.stderr)
            else:
                traceback.print_exc()
            self.failed.emit(message)
        finally:
            self.finished.emit()


class Job(QObject):
    """A running worker, its thread and its stop event.

    Signals:
        ended(): The worker thread has ended, its last clean-up included (after
            ``worker.finished``); the job may be dropped from then on.
    """

    ended = pyqtSignal()

    def __init__(self, name: str, make: JobFactory, latest_only: bool = False):
        super().__init__()
        self.name = name
        self.stop_event = threading.Event()
        self.worker = IteratorWorker(
            make, self.stop_event, latest_only=latest_only, name=name
        )
        self.thread = QThread()
        self.thread.setObjectName(f"ms2l-{name}")
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        # Direct: quit() is thread-safe, and a queued call would never run while the GUI
        # thread is blocked in wait() (shutdown), so the thread would not end in time.
        self.worker.finished.connect(
            self.thread.quit, Qt.ConnectionType.DirectConnection
        )
        self.thread.finished.connect(self._on_thread_finished)

    def start(self) -> None:
        """Start the worker thread."""
        self.thread.start()

    def stop(self) -> None:
        """Ask the worker to stop at its next check (non-blocking)."""
        self.stop_event.set()

    def is_running(self) -> bool:
        """Whether the worker thread is still running."""
        return self.thread.isRunning()

    def wait(self, timeout_ms: int = 10_000) -> bool:
        """Block until the thread has finished.

        Args:
            timeout_ms: Longest wait in milliseconds.

        Returns:
            ``True`` if the thread finished within the timeout.
        """
        return self.thread.wait(timeout_ms)

    @pyqtSlot()
    def _on_thread_finished(self) -> None:
        # The thread goes on after its finished signal: it still deletes the objects
        # given to deleteLater there, which for Python-wrapped ones needs the GIL.
        # Whoever gets ``ended`` may drop the job, and collecting it then would run
        # ~QThread, which waits for the thread while holding the GIL: a deadlock (the
        # app froze at the end of a run). wait() lets the thread end first (it
        # releases the GIL while it blocks, and the thread is all but done).
        self.thread.wait()
        self.ended.emit()


class JobManager(QObject):
    """Starts jobs and keeps track of them until their threads end.

    Signals:
        job_failed(str, str): A job failed (job name, message).
        job_created(str): A job was created (its name), about to start: an error of
            an earlier job of that name is no longer about what happens now.
    """

    job_failed = pyqtSignal(str, str)
    job_created = pyqtSignal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._jobs: list[Job] = []

    def start(self, name: str, make: JobFactory, latest_only: bool = False) -> Job:
        """Create a job for ``make(stop)``; the caller connects its signals, then starts it.

        The job is *not* started here so that the caller can connect ``job.worker``'s
        signals before the first item arrives; call :meth:`Job.start` afterwards.

        Args:
            name: Short name for the thread and for error messages.
            make: Builds the iterator, given the stop event it must honour.
            latest_only: Coalesce items the GUI has not taken yet (video streams).

        Returns:
            The new job.
        """
        job = Job(name, make, latest_only=latest_only)
        job.worker.failed.connect(self._on_worker_failed)
        job.ended.connect(self._on_job_ended)
        self._jobs.append(job)
        self.job_created.emit(name)
        return job

    def running(self) -> list[Job]:
        """Jobs whose thread is still running."""
        return [j for j in self._jobs if j.is_running()]

    @pyqtSlot(str)
    def _on_worker_failed(self, message: str) -> None:
        worker = self.sender()
        name = next((j.name for j in self._jobs if j.worker is worker), "job")
        self.job_failed.emit(name, message)

    @pyqtSlot()
    def _on_job_ended(self) -> None:
        self._jobs = [j for j in self._jobs if j is not self.sender()]

    @pyqtSlot()
    def stop_all(self, timeout_ms: int = 15_000) -> bool:
        """Ask every job to stop and wait for each thread.

        Args:
            timeout_ms: Longest wait per job in milliseconds.

        Returns:
            ``True`` if every thread finished in time.
        """
        jobs = list(self._jobs)
        for job in jobs:
            job.stop()
        ok = True
        for job in jobs:
            ok = job.wait(timeout_ms) and ok
        return ok
