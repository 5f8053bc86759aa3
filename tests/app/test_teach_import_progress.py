"""Teach's import bar moves by frames, with the time left, when the videos' headers give
their frame counts (one long video read "importing videos 0 / 1" until it ended: a
trial), and a header that claims more frames than decode still ends the bar at 100 %.

Real videos (the shared NTU one and a cut of the tai chi one) through real MediaPipe.
"""

from __future__ import annotations

import re
import shutil

from core.extract import ExtractFrames
from tests.app.test_teach import _panel
from tests.conftest import require_data
from tests.video_headers import claim_frames, short_clip


def test_the_import_bar_moves_by_frames_and_ends_at_its_maximum(
    qtbot, settings, tmp_path
):
    videos = tmp_path / "videos" / "drink"
    videos.mkdir(parents=True)
    shutil.copy(
        require_data("videos", "S001C001P001R001A001_rgb.avi"), videos / "a.avi"
    )
    claim_frames(short_clip(videos / "b.avi", 40), 80)  # the file says 80, 40 decode
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    try:
        job = panel.import_videos(tmp_path / "videos", workers=1)
        assert job is not None
        bar = panel.progress
        shown: list[tuple[int, int, str]] = []
        job.worker.item_produced.connect(  # after the panel's own slot
            lambda e: (
                shown.append((bar.value(), bar.maximum(), bar.format()))
                if isinstance(e, ExtractFrames)
                else None
            )
        )
        qtbot.waitUntil(lambda: panel.import_job is None, timeout=180_000)
        assert not errors and panel.last_import_event.extracted == 2
        values = [value for value, _, _ in shown]
        assert {maximum for _, maximum, _ in shown} == {103 + 80}
        assert values == sorted(values) and max(values) <= 183
        assert any(0 < v < 183 and v != 103 for v in values)  # frames, not videos
        assert values[-1] == 183  # 100 %, though b.avi gave 40 of its 80
        texts = [text for _, _, text in shown]
        assert any(
            re.fullmatch(r"importing videos [01] / 2 · %p% · \d+:\d\d left", t)
            for t in texts
        ), texts
        assert texts[-1] == "importing videos 2 / 2 · %p%"
        assert bar.format() == "import done" and bar.value() == bar.maximum()
    finally:
        jobs.stop_all()


def test_an_import_can_be_cancelled_and_training_waits_for_it(
    qtbot, settings, tmp_path
):
    """An import could be stopped only by quitting the app, and "Train on my actions"
    trained on the videos imported so far, saying the model was ready while more
    came in (a trial)."""
    videos = tmp_path / "videos" / "drink"
    videos.mkdir(parents=True)
    for name in ("a.avi", "b.avi", "c.avi"):
        shutil.copy(
            require_data("videos", "S001C001P001R001A001_rgb.avi"), videos / name
        )
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    try:
        job = panel.import_videos(tmp_path / "videos", workers=1)
        assert job is not None and panel.cancel_button.isEnabled()
        # a training that ends meanwhile leaves the import its Cancel (a review)
        panel._set_training(False)
        assert panel.cancel_button.isEnabled()
        assert panel.start_training() is None
        assert errors[-1][0] == "Train on my actions"
        assert "videos are being imported" in errors[-1][1]
        qtbot.waitUntil(
            lambda: any(
                isinstance(e, ExtractFrames) for e in [panel.last_import_event]
            ),
            timeout=120_000,
        )
        panel.cancel_button.click()
        qtbot.waitUntil(lambda: panel.import_job is None, timeout=120_000)
        finished = panel.last_import_event
        assert finished.cancelled and finished.extracted < 3
        assert panel.progress.format().startswith("import cancelled")
        assert not panel.cancel_button.isEnabled() and panel.import_button.isEnabled()
    finally:
        jobs.stop_all()


def test_an_import_with_mirrored_ticked_asks_and_starts_where_the_last_came_from(
    qtbot, settings, tmp_path, monkeypatch
):
    """Import videos… ignored the Mirrored box (no way to import selfie videos in the
    GUI) and its dialogs opened in the home folder every time (a trial)."""
    from PyQt6.QtWidgets import QFileDialog, QMessageBox

    from core.datasets.custom import list_recordings

    video = tmp_path / "videos" / "selfie.avi"
    video.parent.mkdir()
    short_clip(video, 4)
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    asked = []
    monkeypatch.setattr(
        QMessageBox, "question",
        lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Yes,
    )  # fmt: skip
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", lambda *a, **k: (str(video), "")
    )
    try:
        panel.source.mirrored.setChecked(True)
        panel._on_import_unlabelled_chosen()
        assert asked and "Mirrored is ticked" in asked[0]
        qtbot.waitUntil(lambda: panel.import_job is None, timeout=120_000)
        (info,) = list_recordings(panel.root)
        assert info.source.mirrored
        assert panel._import_start() == str(video.parent)
    finally:
        jobs.stop_all()
