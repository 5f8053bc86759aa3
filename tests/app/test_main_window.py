"""The main window and the app's entry points."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app.main_window import MainWindow, default_size
from app.widgets.source_picker import VIDEO_ITEM
from tests.app.app_process import app_env, run_app
from tests.conftest import REPO, require_data


def test_window_has_five_panels_reports_errors_and_remembers_the_tab(qtbot, settings):
    window = MainWindow(settings=settings)
    qtbot.addWidget(window)
    try:
        names = [window.tabs.tabText(i) for i in range(window.tabs.count())]
        assert names == ["Live", "Teach", "Replay", "Train", "Evaluate"]
        window.tabs.setCurrentIndex(2)
        window.show_error("Training", "dataset root not found: /nope")
        assert window.ctx.errors == [("Training", "dataset root not found: /nope")]
        assert "dataset root not found" in window.statusBar().currentMessage()
        assert window._dialog is not None and not window._dialog.isModal()
    finally:
        window.shutdown()
    assert settings.value("window/tab") in (2, "2")
    # a job's error once the window is closing (an import's failures as Quit stopped
    # it): no dialog with no window behind it, which kept the app from quitting (a
    # trial); the session's record has it
    shown = window._dialog
    window.show_error("Import", "2 videos could not be imported")
    assert window._dialog is shown
    assert window.ctx.errors[-1] == ("Import", "2 videos could not be imported")


def test_a_jobs_error_dialog_closes_when_that_work_starts_again(qtbot, settings):
    """A failed video's dialog stayed up over the next run, which worked; its title
    read "Replay loading", like progress."""
    window = MainWindow(settings=settings)
    qtbot.addWidget(window)

    def failing(stop):
        raise ValueError("video 'x.mp4': cannot decode this file")
        yield  # a generator

    try:
        job = window.jobs.start("live", failing)
        job.start()
        qtbot.waitUntil(lambda: window._dialog is not None, timeout=10_000)
        qtbot.waitUntil(lambda: not job.is_running(), timeout=10_000)
        dialog = window._dialog
        assert dialog.windowTitle() == "MS²L Studio — Live failed"
        assert dialog.isVisible()
        window.jobs.start("replay loading", lambda stop: iter(()))  # other work
        assert dialog.isVisible()
        window.jobs.start("live", lambda stop: iter(()))  # Live starts again
        assert not dialog.isVisible() and window._dialog is None
        assert window.ctx.errors[-1] == (
            "Live failed",
            "video 'x.mp4': cannot decode this file",
        )
        # Teach's training and the Train panel's are different work.
        job = window.jobs.start("teach training", failing)
        job.start()
        qtbot.waitUntil(lambda: window._dialog is not None, timeout=10_000)
        dialog = window._dialog
        assert dialog.windowTitle() == "MS²L Studio — Teach training failed"
        window.jobs.start("training", lambda stop: iter(()))  # the Train panel's
        assert dialog.isVisible()
        # Live's refusal to start (a file gone) goes too once Live starts (it
        # stayed over the next video's run: a trial).
        qtbot.waitUntil(lambda: window.live.predictor is not None, timeout=60_000)
        qtbot.waitUntil(lambda: window.live.picker.cameras is not None, timeout=30_000)
        window.live.picker.source.setCurrentText(VIDEO_ITEM)
        window.live.picker.video_path.setText("/nowhere/gone.mp4")
        window.live.start()
        dialog = window._dialog
        assert dialog.windowTitle() == "MS²L Studio — Live" and dialog.isVisible()
        window.jobs.start("live", lambda stop: iter(()))
        assert not dialog.isVisible() and window._dialog is None
    finally:
        window.shutdown()


def test_a_taught_model_is_used_in_live(qtbot, settings, tiny_run):
    window = MainWindow(settings=settings)
    qtbot.addWidget(window)
    try:
        window.tabs.setCurrentWidget(window.teach)
        video = require_data("videos", "ta_chi.mp4")
        window.teach.source.set_video(video)
        window.live.picker.video_path.setText("")
        window.teach.use_model.emit(tiny_run)
        assert window.tabs.currentWidget() is window.live
        # Live plays the video Teach recorded from (its field was empty: a trial)
        assert window.live.picker.video_path.text() == str(video)
        qtbot.waitUntil(
            lambda: (
                window.live.predictor is not None
                and window.live.predictor.run_dir == tiny_run
            ),
            timeout=60_000,
        )
        assert window.live.model_path.text() == str(tiny_run)
    finally:
        window.shutdown()


def test_use_in_live_replaces_a_video_that_is_not_there(
    qtbot, settings, tiny_run, tmp_path, monkeypatch
):
    """Live kept a mistyped path, and its "Not started: video file not found" over
    the new model (a trial): the video Teach recorded from goes in its place, and
    the refusal's message goes."""
    window = MainWindow(settings=settings)
    qtbot.addWidget(window)
    try:
        video = require_data("videos", "ta_chi.mp4")
        window.teach.source.set_video(video)
        missing = tmp_path / "does_not_exist.mp4"
        window.live.picker.set_video(missing)
        qtbot.waitUntil(lambda: window.live.predictor is not None, timeout=60_000)
        window.live.start_button.click()
        shown = window.live.video.message.textItem.toPlainText()
        assert shown.startswith("Not started") and "not found" in shown
        window.teach.use_model.emit(tiny_run)
        assert window.live.picker.video_path.text() == str(video)
        shown = window.live.video.message.textItem.toPlainText()
        assert not shown.startswith("Not started"), shown
        # A video that is there stays, though Teach recorded from another, also
        # when written with ~ (the picker expands it).
        other = tmp_path / "mine.mp4"
        other.write_bytes(video.read_bytes())
        window.live.picker.set_video(other)
        window.teach.use_model.emit(tiny_run)
        assert window.live.picker.video_path.text() == str(other)
        monkeypatch.setenv("HOME", str(tmp_path))
        window.live.picker.set_video(Path("~/mine.mp4"))
        window.teach.use_model.emit(tiny_run)
        assert window.live.picker.video_path.text() == "~/mine.mp4"
    finally:
        window.shutdown()


def test_start_with_a_missing_dataset_root_is_reported_not_raised(
    qtbot, settings, tmp_path
):
    window = MainWindow(settings=settings)
    qtbot.addWidget(window)
    try:
        window.train.root.setText(str(tmp_path / "missing"))
        window.train.start_button.click()
        assert window.ctx.errors[-1][0] == "Training settings"
        assert "missing" in window.ctx.errors[-1][1]
        assert not window.train.is_running()
    finally:
        window.shutdown()


def test_python_m_app_starts_and_quits_offscreen(tmp_path):
    proc = run_app(app_env(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr


def test_ms2l_command_offers_gui_without_importing_qt():
    code = (
        "import sys, app.cli, core.cli\n"
        "p = core.cli.build_parser([app.cli])\n"
        "a = p.parse_args(['gui', '--model', 'x'])\n"
        "assert a.func is app.cli.run, a\n"
        "assert 'PyQt6' not in sys.modules, sorted(sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=120)


def test_ms2l_gui_rejects_a_missing_model_folder(tmp_path, capsys):
    from app.cli import main

    assert main(["gui", "--model", str(tmp_path / "nope")]) == 2
    assert "model folder not found" in capsys.readouterr().err


def test_ms2l_gui_takes_a_shipped_models_name():
    """``ms2l gui --model nw-ucla-ms2l-gcn`` said "model folder not found", though
    eval, infer --run and --init-from take the name (a trial)."""
    import app.cli
    from core.cli import build_parser
    from core.paths import CHECKPOINTS_DIR

    parser = build_parser([app.cli])
    args = parser.parse_args(["gui", "--model", "nw-ucla-ms2l-gcn"])
    assert args.model == CHECKPOINTS_DIR / "nw-ucla-ms2l-gcn"


def test_without_a_display_the_app_says_so_in_one_line(tmp_path, monkeypatch, capsys):
    """On a server Qt aborted (status 134) advising to reinstall the application."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}  # fmt: skip
    proc = subprocess.run(
        [sys.executable, "-m", "app", "--quit-after", "1500"],
        cwd=REPO,
        env=dict(env, HOME=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("python -m app: error: no display to open the window")
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
    from app.cli import main

    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    assert main(["gui"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("ms2l gui: error: no display"), err


def test_a_status_message_is_about_the_tab_that_said_it(qtbot, settings):
    """The status bar is shared: a message from a tab not in view names its tab, and
    switching tabs clears the last one (it spoke of the panel left behind)."""
    window = MainWindow(settings=settings)
    qtbot.addWidget(window)
    try:
        window.tabs.setCurrentWidget(window.replay)
        window.replay.ctx.status("Skipped a bad file: a.skeleton")
        assert window.statusBar().currentMessage() == "Skipped a bad file: a.skeleton"
        window.tabs.setCurrentWidget(window.live)
        assert window.statusBar().currentMessage() == ""
        assert window.statusBar().toolTip() == ""
        window.train.ctx.status("Training finished")
        assert window.statusBar().currentMessage() == "Train: Training finished"
        # the whole message on hover too: a long one is cut at the window's edge
        assert window.statusBar().toolTip() == "Train: Training finished"
        window.tabs.setCurrentWidget(window.teach)
        window.live.ctx.status("Live stopped")  # already says where it comes from
        assert window.statusBar().currentMessage() == "Live stopped"
        # Errors are still one list for the whole window.
        window.evaluate.ctx.error("Evaluation", "no test clips")
        assert window.ctx.errors[-1] == ("Evaluation", "no test clips")
    finally:
        window.shutdown()


def test_the_window_fits_a_1280x720_screen(qtbot, settings):
    """A 1080p laptop at 150 % scaling is 1280x720: the window's minimum size (its
    tallest panel) must fit with room for a taskbar; tall columns scroll instead."""
    from PyQt6.QtWidgets import QApplication

    window = MainWindow(settings=settings)
    qtbot.addWidget(window)
    try:
        smallest = window.minimumSizeHint()
        assert smallest.width() <= 1280 and smallest.height() <= 680, smallest
        # It opens no larger than the screen's room (offscreen: 800x800), down to its
        # minimum (it opened at 1400x900 on a 1366x768 laptop, its bottom off screen).
        room = QApplication.primaryScreen().availableGeometry()
        assert window.height() <= room.height()
        assert window.width() <= max(room.width(), smallest.width())
        # Pinned, they keep the column's rule: a click does not focus them (Stop,
        # clicked, then handed its focus to Live's Model field, and Space typed a
        # space into it instead of starting Live again: a review).
        from PyQt6.QtCore import Qt

        for button in (
            window.live.start_button,
            window.live.stop_button,
            window.train.start_button,
            window.train.cancel_button,
            window.teach.record_button,
            window.teach.stop_button,
            window.teach.train_button,
        ):
            assert button.focusPolicy() == Qt.FocusPolicy.TabFocus, button.text()
        window.show()
        # The buttons that start each panel's work are pinned below its scrolling
        # column: in view without scrolling, down to a 1024x600 netbook's window (at
        # the column's end, Live's and Train's Start were below the fold there).
        for width, height in ((1280, 680), (1024, 560)):
            window.resize(max(width, smallest.width()), max(height, smallest.height()))
            for panel, button in (
                (window.live, window.live.start_button),
                (window.train, window.train.start_button),
                (window.train, window.train.progress),
                (window.teach, window.teach.train_button),
            ):
                window.tabs.setCurrentWidget(panel)
                qtbot.waitUntil(
                    lambda b=button: b.visibleRegion().boundingRect() == b.rect()
                )
    finally:
        window.shutdown()


def test_keys_press_the_shown_panels_buttons(qtbot, settings, tmp_path):
    """Ctrl+1..5 pick a tab; Space is the shown panel's own main button (Replay's Play,
    Teach's Record); Left / Right step; a text field keeps the space it is typed."""
    from PyQt6.QtCore import Qt
    from PyQt6.QtWidgets import QApplication

    from tests.conftest import require_data

    window = MainWindow(settings=settings)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()  # shortcuts answer in the active window only
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    replay = window.replay
    try:
        qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
        assert window.tabs.currentWidget() is replay
        replay.model_dir = None
        replay.open_file(require_data("ntu", "S001C001P001R001A001.skeleton"))
        qtbot.waitUntil(lambda: replay.current is not None, timeout=30_000)
        replay.clip_list.setFocus()
        qtbot.keyClick(replay.clip_list, Qt.Key.Key_Right)
        qtbot.keyClick(replay.clip_list, Qt.Key.Key_Right)
        assert replay.frame == 2
        qtbot.keyClick(replay.clip_list, Qt.Key.Key_Left)
        assert replay.frame == 1
        qtbot.keyClick(replay.clip_list, Qt.Key.Key_Space)
        assert replay.timer.isActive()
        qtbot.keyClick(replay.clip_list, Qt.Key.Key_Space)
        assert not replay.timer.isActive()

        # Replay's keys are Replay's alone, and a text field keeps its space.
        qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
        teach = window.teach
        assert window.tabs.currentWidget() is teach
        teach.action.setFocus()
        teach.action.lineEdit().clear()
        qtbot.keyClicks(teach.action.lineEdit(), "tai chi")  # the space is typed
        assert teach.action.currentText() == "tai chi" and replay.frame == 1
        # Enter after the name goes on to Record (it did nothing: a trial).
        qtbot.keyClick(teach.action.lineEdit(), Qt.Key.Key_Return)
        assert teach.record_button.hasFocus() and teach.record_job is None
        assert teach.action.currentText() == "tai chi"
        assert not replay.timer.isActive()
        # Teach: Space records (until stopped), Esc stops; the take is kept.
        teach.set_dataset(tmp_path / "mine")
        qtbot.waitUntil(lambda: teach.source.cameras is not None, timeout=30_000)
        teach.source.set_video(require_data("videos", "ta_chi.mp4"))
        teach.countdown.setValue(0)
        teach.max_seconds.setValue(0)  # until Stop
        # A focused spin box keeps its arrows, not Space (its field took it, the
        # Length became " s" and no take started: a trial).
        teach.max_seconds.setFocus()
        qtbot.keyClick(teach.max_seconds, Qt.Key.Key_Space)
        assert teach.record_job is not None
        assert teach.max_seconds.text() == teach.max_seconds.specialValueText()
        qtbot.waitUntil(
            lambda: getattr(teach.last_record_event, "detected", 0) >= 10,
            timeout=60_000,
        )
        qtbot.keyClick(teach.takes, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: teach.record_job is None, timeout=60_000)
        assert teach.actions() == {"tai chi": 1}
        # Space on a take (meant to play it) recorded a new one: a list keeps Space.
        teach.takes.setFocus()
        qtbot.keyClick(teach.takes, Qt.Key.Key_Space)
        assert teach.record_job is None and teach.actions() == {"tai chi": 1}

        # Live: Space starts, and Space stops; a focused check box keeps its Space.
        qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
        live = window.live
        live.picker.video_path.setText(str(require_data("videos", "ta_chi.mp4")))
        live.mirror.setFocus()
        ticked = live.mirror.isChecked()
        qtbot.keyClick(live.mirror, Qt.Key.Key_Space)
        assert live.mirror.isChecked() != ticked and live.job is None
        live.start_button.setFocus()
        qtbot.keyClick(live.start_button, Qt.Key.Key_Space)
        assert live.job is not None and live.stop_button.isEnabled()
        qtbot.keyClick(live.start_button, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: live.job is None, timeout=30_000)
    finally:
        window.shutdown()


def test_open_folder_without_a_file_manager_copies_the_path_and_says_so(
    qtbot, settings, tmp_path
):
    """The offscreen platform opens no file manager (neither does a server without
    ``xdg-open``): the Open buttons then put the folder's path on the clipboard and
    say so, instead of doing nothing."""
    from PyQt6.QtGui import QGuiApplication

    window = MainWindow(settings=settings)
    qtbot.addWidget(window)
    try:
        folder = tmp_path / "my actions"
        window.tabs.setCurrentWidget(window.teach)
        window.teach.set_dataset(folder)
        window.teach.open_folder_button.click()
        assert folder.is_dir()  # made, so that there is something to show
        assert QGuiApplication.clipboard().text() == str(folder)
        assert window.statusBar().currentMessage() == (
            f"No file manager could open the folder; path copied: {folder}"
        )
        # Another folder: the message about the one left goes.
        window.teach.set_dataset(tmp_path / "other")
        assert window.statusBar().currentMessage() == (
            f"Dataset folder: {tmp_path / 'other'}"
        )
    finally:
        window.shutdown()


def test_closing_during_a_run_asks_first(qtbot, settings):
    """Closing the window while a run trains (or a take records) asks; No keeps the
    window and the work, Yes stops the work and closes."""
    import threading

    from PyQt6.QtCore import QTimer
    from PyQt6.QtWidgets import QApplication, QMessageBox

    def until_stopped(stop: threading.Event):
        while not stop.wait(0.01):
            yield None

    window = MainWindow(settings=settings)
    qtbot.addWidget(window)
    window.show()
    asked: list[str] = []

    def answer(button: QMessageBox.StandardButton) -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        asked.append(box.text())
        box.button(button).click()

    try:
        assert window.work_in_progress() == []
        job = window.jobs.start("training", until_stopped)
        job.start()
        assert window.work_in_progress() == [
            "a run is training (it resumes from its last finished epoch)"
        ]
        QTimer.singleShot(200, lambda: answer(QMessageBox.StandardButton.No))
        window.close()
        assert window.isVisible() and job.is_running()
        QTimer.singleShot(200, lambda: answer(QMessageBox.StandardButton.Yes))
        window.close()
        assert not window.isVisible() and not job.is_running()
        assert len(asked) == 2 and "a run is training" in asked[0]
    finally:
        window.shutdown()


def test_the_window_opens_at_the_size_it_was_closed_at(qtbot, settings, monkeypatch):
    """The window came back at its default size after every restart (a trial)."""
    # (a screen with room for it: the offscreen one, 800x600, has less than the
    # window's least size, which the next test is about)
    monkeypatch.setattr("app.main_window.screen_room", lambda: (3000, 2000))
    window = MainWindow(settings=settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    least = window.minimumSizeHint()
    size = (least.width() + 37, least.height() + 23)  # neither default nor minimum
    window.resize(*size)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == size)
    window.confirm_close = False
    window.close()
    again = MainWindow(settings=settings)
    qtbot.addWidget(again)
    try:
        # The offscreen screen is 800 px wide, narrower than the window's least
        # width: Qt brings a restored window back within the screen, so the height
        # (neither the default nor the least) is what shows the size was kept.
        assert again.height() == size[1] != default_size()[1]
    finally:
        again.shutdown()


def test_live_and_replay_each_reopen_with_their_own_model(qtbot, settings, tiny_run):
    """Both kept one "last model": a file opened in Replay after a model was chosen in
    Live brought Live back with Replay's model after a restart (a trial)."""
    from core.runs import shipped_model_dir

    shipped = shipped_model_dir()
    window = MainWindow(settings=settings)
    qtbot.addWidget(window)
    try:
        window.live.load_model(tiny_run)
        qtbot.waitUntil(lambda: window.live.predictor is not None, timeout=60_000)
        window.replay.set_model(shipped)
        window.replay.open_file(require_data("ntu", "S001C001P001R001A001.skeleton"))
        qtbot.waitUntil(lambda: window.replay.predictor is not None, timeout=60_000)
    finally:
        window.shutdown()
    again = MainWindow(settings=settings)
    qtbot.addWidget(again)
    try:
        assert again.live.model_path.text() == str(tiny_run)
        assert again.replay.model_dir == shipped
    finally:
        again.shutdown()


def test_a_size_saved_on_a_larger_screen_is_cut_to_this_ones(
    qtbot, settings, monkeypatch
):
    """It came back 1500x836 on a 1366x768 screen at 125 % (a UI review)."""
    monkeypatch.setattr("app.main_window.screen_room", lambda: (3000, 2000))
    window = MainWindow(settings=settings)
    qtbot.addWidget(window)
    window.resize(1500, 900)
    window.confirm_close = False
    window.close()
    monkeypatch.setattr("app.main_window.screen_room", lambda: (1077, 566))
    again = MainWindow(settings=settings)
    qtbot.addWidget(again)
    try:
        # (Qt itself keeps the width within the offscreen screen's 800 px)
        assert again.height() == 566 and again.width() <= 1077
        # and the panels fit that room: 1366x768 at a 1.25 scale, less a frame
        least = again.minimumSizeHint()
        assert least.width() <= 1077 and least.height() <= 566, least
    finally:
        again.shutdown()


def test_tab_stops_are_things_that_take_keys(qtbot, settings):
    """Tab stopped on plots, videos, skeleton views and scroll areas, with no visible
    focus and nothing for the keys to do there (a keyboard trial: three such stops in
    a row in Teach). Every panel's Tab stops are fields, buttons, lists and tables."""
    from PyQt6.QtCore import Qt
    from PyQt6.QtWidgets import QGraphicsView, QScrollArea, QWidget

    window = MainWindow(settings=settings)
    qtbot.addWidget(window)
    try:
        views = 0
        for index in range(window.tabs.count()):
            panel = window.tabs.widget(index)
            for widget in panel.findChildren(QWidget):
                if isinstance(widget, (QGraphicsView, QScrollArea)):
                    views += 1
                    takes_tab = widget.focusPolicy() & Qt.FocusPolicy.TabFocus
                    assert not takes_tab, (window.tabs.tabText(index), widget)
        assert views >= 12  # the panels' plots, views and columns were all looked at
    finally:
        window.shutdown()
