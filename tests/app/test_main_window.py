"""The main window and the app's entry points."""

from __future__ import annotations

import os
import subprocess
import sys

from app.main_window import MainWindow
from tests.conftest import REPO


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


def test_a_taught_model_is_used_in_live(qtbot, settings, tiny_run):
    window = MainWindow(settings=settings)
    qtbot.addWidget(window)
    try:
        window.tabs.setCurrentWidget(window.teach)
        window.teach.use_model.emit(tiny_run)
        assert window.tabs.currentWidget() is window.live
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
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        HOME=str(tmp_path),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
    )
    proc = subprocess.run(
        [sys.executable, "-m", "app", "--quit-after", "1500"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
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
        window.train.ctx.status("Training finished")
        assert window.statusBar().currentMessage() == "Train: Training finished"
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
    from PyQt6.QtWidgets import QScrollArea

    window = MainWindow(settings=settings)
    qtbot.addWidget(window)
    try:
        smallest = window.minimumSizeHint()
        assert smallest.width() <= 1280 and smallest.height() <= 680, smallest
        window.resize(1280, 680)
        window.show()
        for panel, button in ((window.train, "start_button"),
                              (window.teach, "train_button")):  # fmt: skip
            window.tabs.setCurrentWidget(panel)
            widget = getattr(panel, button)
            area = widget.parentWidget()
            while area is not None and not isinstance(area, QScrollArea):
                area = area.parentWidget()
            assert area is not None, f"{button} is not in a scrolling column"
            area.ensureWidgetVisible(widget)
            qtbot.waitUntil(lambda w=widget: not w.visibleRegion().isEmpty())
    finally:
        window.shutdown()
