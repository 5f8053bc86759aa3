"""The main window: five tabs (Live, Teach, Replay, Train, Evaluate), status bar, errors.

Errors from any panel or worker reach :meth:`MainWindow.show_error`, which writes the
problem to the status bar and opens a non-modal message box, so the app stays usable. The
window owns the :class:`~app.workers.JobManager`; closing it (or ``aboutToQuit``) asks
every worker to stop and waits for each thread.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from functools import partial
from pathlib import Path

from PyQt6.QtCore import QByteArray, QSettings, pyqtSlot
from PyQt6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PyQt6.QtWidgets import QApplication, QMainWindow, QMessageBox, QTabWidget

from app.context import AppContext
from app.panels.evaluate import EvaluatePanel
from app.panels.live import LivePanel
from app.panels.replay import ReplayPanel
from app.panels.teach import TeachPanel
from app.panels.train import TrainPanel
from app.widgets.source_picker import VIDEO_ITEM
from app.workers import JobManager


def default_settings() -> QSettings:
    """The user's settings store (platform default location)."""
    return QSettings("MS2L", "MS2L Studio")


def screen_room() -> tuple[int, int] | None:
    """The room the primary screen's taskbars leave, less a window frame (``None``
    without a screen)."""
    screen = QApplication.primaryScreen()
    if screen is None:
        return None
    room = screen.availableGeometry()
    return room.width() - 16, room.height() - 48


def default_size() -> tuple[int, int]:
    """1400x900, or less on a smaller screen: :func:`screen_room` (on a 1366x768
    laptop the window's bottom, with the answer's bars and the status line, was off
    the screen)."""
    room = screen_room()
    if room is None:
        return 1400, 900
    return min(1400, room[0]), min(900, room[1])


class MainWindow(QMainWindow):
    """MS²L Studio's window.

    Args:
        settings: Settings store; defaults to the user's (tests pass a temporary file).
        model_dir: Run folder for Live and Replay; defaults to the last used model or the
            shipped one.
        video: Video file to preselect in Live.
    """

    def __init__(
        self,
        settings: QSettings | None = None,
        model_dir: Path | None = None,
        video: Path | None = None,
    ):
        super().__init__()
        self.setWindowTitle("MS²L Studio")
        self.jobs = JobManager(self)
        self.confirm_close = True
        """Ask before closing while a take, an import or a run is under way."""
        self.jobs.job_failed.connect(self._on_jobs_job_failed)
        self.jobs.job_created.connect(self._on_jobs_job_created)
        self.ctx = AppContext(
            jobs=self.jobs,
            settings=settings if settings is not None else default_settings(),
            error=self.show_error,
            status=self.show_status,
        )
        self._restore_geometry()
        self._dialog: QMessageBox | None = None
        self._shut_down = False  # closing: errors go to the session record only
        self.tabs = QTabWidget()
        self.live = LivePanel(self._panel_ctx("Live"), model_dir=model_dir, video=video)
        self.teach = TeachPanel(self._panel_ctx("Teach"))
        self.replay = ReplayPanel(self._panel_ctx("Replay"), model_dir=model_dir)
        self.train = TrainPanel(self._panel_ctx("Train"))
        self.evaluate = EvaluatePanel(self._panel_ctx("Evaluate"))
        self.tabs.addTab(self.live, "Live")
        self.tabs.addTab(self.teach, "Teach")
        self.tabs.addTab(self.replay, "Replay")
        self.tabs.addTab(self.train, "Train")
        self.tabs.addTab(self.evaluate, "Evaluate")
        self.tabs.setCurrentIndex(int(self.ctx.recall("window/tab", "0") or 0))
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        for index in range(self.tabs.count()):  # Ctrl+1 Live ... Ctrl+5 Evaluate
            tab = QShortcut(QKeySequence(f"Ctrl+{index + 1}"), self)
            tab.activated.connect(partial(self.tabs.setCurrentIndex, index))
            self.tabs.setTabToolTip(index, f"Ctrl+{index + 1}")
        QShortcut(QKeySequence("Ctrl+Q"), self).activated.connect(self.close)
        self.train.run_finished.connect(self.evaluate.add_run)
        self.teach.model_ready.connect(self.evaluate.add_run)
        self.teach.use_model.connect(self._on_teach_use_model)
        self.setCentralWidget(self.tabs)
        self.statusBar().showMessage("Ready")
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    def _restore_geometry(self) -> None:
        """The size and place the window had when it was last closed (Qt brings a
        window saved on a screen no longer attached back onto one), else the default
        size."""
        saved = self.ctx.settings.value("window/geometry")
        if not isinstance(saved, QByteArray) or not self.restoreGeometry(saved):
            self.resize(*default_size())
            return
        # A size saved on a larger screen (or at a smaller scale) is cut to this one's
        # room: it came back 1500x836 on a 1366x768 screen at 125 % (a UI review).
        room = screen_room()
        if room is not None and (self.width() > room[0] or self.height() > room[1]):
            self.resize(min(self.width(), room[0]), min(self.height(), room[1]))

    def _panel_ctx(self, tab: str) -> AppContext:
        """The shared context, with a status line that knows which tab speaks."""
        return replace(self.ctx, status=lambda message: self.show_status(message, tab))

    def show_status(self, message: str, tab: str | None = None) -> None:
        """Show a message in the status bar.

        Args:
            message: The message.
            tab: The tab it comes from; a message from a tab not in view (a training
                finishing while Live is shown) is prefixed with the tab's name, so it is
                not read as being about the panel on screen.
        """
        shown = self.tabs.tabText(self.tabs.currentIndex())
        first_word = message.split(" ", 1)[0].rstrip(":")
        if tab is not None and tab != shown and first_word != tab:
            message = f"{tab}: {message}"
        self.statusBar().showMessage(message, 10_000)
        # the whole of it on hover: a long one is cut at the window's edge (a trial)
        self.statusBar().setToolTip(message)

    def show_error(self, title: str, message: str) -> None:
        """Report a problem without blocking: status bar plus a non-modal dialog.

        Args:
            title: What failed (e.g. "Training").
            message: The problem, naming the file or setting involved.
        """
        self.ctx.errors.append((title, message))
        if self._shut_down:
            # a job's last word after the window closed (an import's failures) put
            # up a dialog with no window behind it, and the app never quit after its
            # OK, deaf to kill (a trial): the session's record keeps it
            print(f"MS²L Studio: {title}: {message}", file=sys.stderr)
            return
        self.statusBar().showMessage(f"{title}: {message}", 30_000)
        if self._dialog is not None:
            self._dialog.close()
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            f"MS²L Studio — {title}",
            message,
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setModal(False)
        box.show()
        self._dialog = box

    @pyqtSlot(str, str)
    def _on_jobs_job_failed(self, name: str, message: str) -> None:
        # "Replay loading failed", not "Replay loading", which read as progress.
        self.show_error(f"{name.capitalize()} failed", message)

    @pyqtSlot(str)
    def _on_jobs_job_created(self, name: str) -> None:
        # The same work starting again: its last failure's dialog (or its refusal to
        # start: Live's "video file not found") no longer stays up over a run that
        # works (the status bar keeps its line for a while).
        box = self._dialog
        title = f"MS²L Studio — {name.capitalize()}"
        if box is not None and box.windowTitle() in (title, f"{title} failed"):
            box.close()
            self._dialog = None

    @pyqtSlot(object)
    def _on_teach_use_model(self, run_dir: Path) -> None:
        self.live.load_model(run_dir)
        # Live without a video of its own plays the one Teach recorded from (its
        # field was empty: a trial), as it does in place of a file that is not there
        # (a path mistyped in Live stayed, with its error: a trial); a video chosen
        # in Live stays
        teach_video = self.teach.source.video_path.text().strip()
        picker = self.live.picker
        live_video = picker.video_path.text().strip()
        on_video = picker.source.currentText() == VIDEO_ITEM  # a camera stays
        missing = not live_video or not Path(live_video).expanduser().is_file()
        if teach_video and on_video and missing:
            picker.set_video(Path(teach_video))
        self.tabs.setCurrentWidget(self.live)

    @pyqtSlot(int)
    def _on_tabs_current_changed(self, index: int) -> None:
        self.ctx.remember("window/tab", index)
        # A transient message is about the panel that said it, not the one now shown.
        self.statusBar().clearMessage()
        self.statusBar().setToolTip("")

    @pyqtSlot()
    def shutdown(self) -> None:
        """Stop every worker and wait for its thread (idempotent)."""
        self._shut_down = True
        self.jobs.stop_all()
        self.ctx.settings.setValue("window/geometry", self.saveGeometry())
        self.ctx.settings.sync()

    def work_in_progress(self) -> list[str]:
        """What closing now would cut short: a take being recorded, videos being
        imported, a run being trained (previews, playback and evaluation are not
        asked about: nothing of them is kept)."""
        names = {job.name for job in self.jobs.running()}
        said = {
            # What happens, as a trial saw it: the take goes on while this is asked,
            # and the video being imported is kept cut short.
            "recording": "a take is being recorded (it goes on while you answer; "
            "quitting keeps it up to then)",
            "import": "videos are being imported (the ones done are kept, and the one "
            "under way as far as it got: import it again to finish it)",
            "training": "a run is training (it resumes from its last finished epoch)",
            "teach training": "a model of your actions is training (Teach resumes it "
            "from its last finished epoch)",
        }
        return [text for name, text in said.items() if name in names]

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt API)
        """Ask before cutting work short, then stop the workers before the window goes
        away."""
        busy = self.work_in_progress() if self.confirm_close else []
        if busy:
            answer = QMessageBox.question(
                self,
                "Quit MS²L Studio?",
                "Quit now? " + "; ".join(busy) + ".",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        self.shutdown()
        super().closeEvent(event)
