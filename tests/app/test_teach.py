"""Teach panel: record takes from real videos through real MediaPipe, label them, train
from the shipped encoder, and recognise the user's own classes in Live."""

from __future__ import annotations

import dataclasses
import json
import re

import numpy as np
import pytest
from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtTest import QTest
from PyQt6.QtWidgets import QApplication, QInputDialog, QMessageBox

from app.panels.live import LivePanel
from app.panels.teach import ROLE, SPAN_ROLE, TeachPanel, plain_log
from app.widgets.source_picker import VIDEO_ITEM
from core import runs
from core.datasets import custom
from tests.app.conftest import make_context
from tests.conftest import require_data


def _record(qtbot, panel, video, action, seconds, whole=True):
    panel.source.set_video(video)
    panel.action.setEditText(action)
    panel.whole_take.setChecked(whole)
    panel.countdown.setValue(0)
    panel.max_seconds.setValue(seconds)
    panel.record_button.click()
    assert panel.record_job is not None and not panel.record_button.isEnabled()
    qtbot.waitUntil(lambda: panel.record_job is None, timeout=120_000)
    return panel.last_record_event


def _panel_saying(qtbot, settings, tmp_path):
    """A panel on a folder of two actions (two takes each), whose status lines are
    kept in a list."""
    _two_actions(tmp_path / "my-actions")
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    said: list[str] = []
    panel.ctx.status = said.append
    return panel, jobs, errors, said


def _bar_texts(panel, job, kind: type) -> list[str]:
    """The progress bar's text after each event of ``kind`` of ``job`` (connected
    after the panel's own slot, so each is the text the panel set for it)."""
    texts: list[str] = []
    job.worker.item_produced.connect(
        lambda e: texts.append(panel.progress.format()) if isinstance(e, kind) else None
    )
    return texts


def _take_items(panel, action: str = "") -> list:
    """The takes list's rows of takes (and labels), those under the action rows whose
    text starts with ``action``."""
    return [
        top.child(j)
        for i in range(panel.takes.topLevelItemCount())
        if (top := panel.takes.topLevelItem(i)) is not None
        and top.text(0).startswith(action)
        for j in range(top.childCount())
    ]


def _panel(qtbot, settings, tmp_path):
    ctx, jobs, errors = make_context(settings)
    panel = TeachPanel(ctx, dataset=tmp_path / "my-actions")
    qtbot.addWidget(panel)
    qtbot.waitUntil(lambda: panel.source.cameras is not None, timeout=30_000)
    assert panel.source.source.currentText() == VIDEO_ITEM  # no camera here
    return panel, jobs, errors


@pytest.mark.slow
def test_record_takes_train_and_recognise_them_live(qtbot, settings, tmp_path):
    tai_chi = require_data("videos", "ta_chi.mp4")
    drink = require_data("videos", "S001C001P001R001A001_rgb.avi")
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    live = None
    try:
        for video, action in ((tai_chi, "tai chi"), (drink, "drink")):
            for _ in range(2):
                event = _record(qtbot, panel, video, action, 1.0)
                assert event.label is not None and event.label.action == action
                assert event.detected > 0
        assert panel.actions() == {"drink": 2, "tai chi": 2}
        assert panel.takes.topLevelItemCount() == 2
        assert "2 actions, 4 recordings" in panel.summary.text()

        panel.epochs.setValue(3)
        panel.train_button.click()
        assert panel.train_job is not None and panel.cancel_button.isEnabled()
        qtbot.waitUntil(lambda: panel.train_job is None, timeout=300_000)
        assert errors == [], errors
        assert panel.trained_run is not None and panel.use_button.isEnabled()
        assert runs.load_labels(panel.trained_run) == ["drink", "tai chi"]
        assert panel.curves.points("cls") > 0
        assert "total" not in panel.curves.curves  # the same curve, drawn over "cls"

        ctx, _, live_errors = make_context(settings)
        live = LivePanel(ctx, video=tai_chi)
        qtbot.addWidget(live)
        panel.use_model.connect(live.load_model)
        panel.use_button.click()
        qtbot.waitUntil(
            lambda: (
                live.predictor is not None
                and live.predictor.labels == ["drink", "tai chi"]
            ),
            timeout=60_000,
        )
        # Two actions, two rows of bars (five, three at "–", before: a trial)
        rows = [bar.isVisibleTo(live) for bar in live.bars.bars]
        assert rows == [True, True, False, False, False]
        qtbot.waitUntil(lambda: live.picker.cameras is not None, timeout=30_000)
        live.start()
        qtbot.waitUntil(
            lambda: (
                live.last_update is not None and bool(live.last_update.prediction.top_k)
            ),
            timeout=120_000,
        )
        top = live.last_update.prediction.top_k[0][0]
        assert top in ("drink", "tai chi")
        live.stop()
        qtbot.waitUntil(lambda: live.job is None, timeout=30_000)
        assert live_errors == []
    finally:
        jobs.stop_all()
        if live is not None:
            live.ctx.jobs.stop_all()


def test_a_failed_take_clears_the_view_and_a_saved_one_the_status_line(
    qtbot, settings, tmp_path
):
    """A take whose video will not decode leaves neither the previous take's frame
    under a cut-off message nor its error in the status line once a take is saved."""
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    statuses: list[str] = []
    panel.ctx.status = statuses.append
    tai_chi = require_data("videos", "ta_chi.mp4")
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video" * 100)
    try:
        assert _record(qtbot, panel, tai_chi, "tai chi", 0.3).frames > 0
        assert panel.video.image.image is not None  # its last frame is shown
        _record(qtbot, panel, junk, "tai chi", 0.3)
        assert panel.record_status.text().startswith("Recording failed: ")
        assert "junk.mp4" in panel.record_status.text()
        assert panel.video.image.image is None
        assert panel.video.message.toPlainText() == "Recording failed"
        event = _record(qtbot, panel, tai_chi, "tai chi", 0.3)
        assert statuses[-1].startswith(f"Saved {event.name}: ")
    finally:
        jobs.stop_all()


@pytest.mark.slow
def test_continuous_recording_is_labelled_on_the_timeline(qtbot, settings, tmp_path):
    video = require_data("videos", "ta_chi.mp4")
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    try:
        event = _record(qtbot, panel, video, "", 2.0, whole=False)
        assert event.label is None and event.frames >= 30
        name = event.name
        assert panel.selected_take() == name and panel.recording is not None
        assert panel.actions() == {}
        # Playing a take shows its skeleton; the camera's last frame goes (a trial)
        assert panel.video.image.image is not None
        panel.play_button.click()
        assert panel.video.image.image is None
        assert "Playing " + name in panel.video.message.toPlainText()
        panel.play_button.click()  # pause
        # Enter on the take plays it too (Space would record a new one).
        panel.takes.setFocus()
        qtbot.keyClick(panel.takes, Qt.Key.Key_Return)
        assert panel.playback.isActive()
        panel.play_button.click()  # pause

        rec = panel.recording
        panel.timeline.enable_selection(0, 19)
        assert panel.label_span("wave")
        assert panel.no_action_tip.text().startswith('Tip: record "no action" takes')
        panel.timeline.enable_selection(30, rec.num_frames - 1)
        # Return after the span's action labels it, as the button does (it did
        # nothing: a keyboard trial).
        panel.label_action.setEditText("no action")
        known = panel.label_action.count()
        qtbot.keyClick(panel.label_action, Qt.Key.Key_Return)  # where the focus is
        # ... without adding the typed text to the list first (then a typed "PICK
        # UP" was found there as a known action: a review)
        assert panel.label_action.count() == known
        # The tip, once followed, says so (it stayed up beside such takes: a trial).
        assert panel.no_action_tip.text() == '"no action": 1 take (hover for why)'
        rows = custom.read_labels(panel.root)
        assert [(r.recording, r.action) for r in rows] == [
            (name, "wave"),
            (name, "no action"),
        ]
        assert rows[0].start == pytest.approx(0.0)
        assert rows[0].end == pytest.approx(rec.timestamps[20], abs=1e-3)
        assert rows[1].start == pytest.approx(rec.timestamps[30], abs=1e-3)
        assert rows[1].end == pytest.approx(rec.duration, abs=1e-3)

        # An overlapping span with another action is refused, the labels named.
        panel.timeline.enable_selection(10, 35)
        assert not panel.label_span("jump")
        assert errors and errors[-1][1].startswith("the new label ")  # not the path
        assert len(custom.read_labels(panel.root)) == 2
        # ... but one dragged from the frame where "wave" ends (frame 19, its last)
        # gives that one frame to it and abuts it (it was refused as overlapping).
        said: list[str] = []
        panel.ctx.status = said.append
        panel.timeline.enable_selection(19, 25)
        assert panel.label_span("jump")
        jump = next(r for r in custom.read_labels(panel.root) if r.action == "jump")
        assert jump.start == pytest.approx(rows[0].end) and jump.end == pytest.approx(
            rec.timestamps[26], abs=1e-3
        )
        assert said[-1].endswith(
            "(the frames it shared with 'wave' stay with that label)"
        )
        labels = custom.read_labels(panel.root)
        custom.remove_label(panel.root, labels.index(jump))  # (not the subject here)
        # A few frames, as a pixel of a long recording's timeline is (five tries
        # failed: a re-trial), are given up too; never half the new span.
        panel.timeline.enable_selection(14, 27)  # 6 of its 14 frames are wave's
        assert panel.label_span("jump")
        jump = next(r for r in custom.read_labels(panel.root) if r.action == "jump")
        assert jump.start == pytest.approx(rows[0].end)
        labels = custom.read_labels(panel.root)
        custom.remove_label(panel.root, labels.index(jump))
        panel.timeline.enable_selection(15, 22)  # 5 of its 8 frames are wave's
        assert not panel.label_span("jump")
        assert "overlaps" in errors[-1][1]
        errors.clear()

        assert panel.rename_take(name, "morning")
        assert {r.recording for r in custom.read_labels(panel.root)} == {"morning"}
        # The Delete key deletes the selected take, once it is confirmed.
        assert panel.selected_take() == "morning"

        def answer_yes() -> None:
            box = QApplication.activeModalWidget()
            assert isinstance(box, QMessageBox) and "'morning'" in box.text()
            box.button(QMessageBox.StandardButton.Yes).click()

        panel.show()  # a shortcut answers in the active window
        panel.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is panel)
        panel.takes.setFocus()

        defaults = []

        def press_return() -> None:  # asserts after: a failure here left it open
            box = QApplication.activeModalWidget()
            if isinstance(box, QMessageBox):
                defaults.append(box.standardButton(box.defaultButton()))
                QTest.keyClick(box, Qt.Key.Key_Return)

        # Return in the question keeps the take: No is its default (Yes deleted
        # it: a keyboard trial).
        QTimer.singleShot(200, press_return)
        qtbot.keyClick(panel.takes, Qt.Key.Key_Delete)
        assert defaults == [QMessageBox.StandardButton.No]
        assert [r.name for r in custom.list_recordings(panel.root)] == ["morning"]
        panel.activateWindow()  # back from the question
        qtbot.waitUntil(lambda: QApplication.activeWindow() is panel)
        panel.takes.setFocus()
        QTimer.singleShot(200, answer_yes)
        qtbot.keyClick(panel.takes, Qt.Key.Key_Delete)
        assert custom.list_recordings(panel.root) == []
        assert custom.read_labels(panel.root) == []
    finally:
        jobs.stop_all()


def test_training_needs_two_actions(qtbot, settings, tmp_path):
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    try:
        # A folder that does not exist yet is said to be new, not "0 actions".
        assert panel.summary.text() == (
            f"0 actions, 0 recordings in {panel.root} (a new folder: the first take "
            "makes it)"
        )
        assert panel.start_training() is None
        assert errors[-1][1] == (
            f"{panel.root}: no such dataset folder (record takes into it first, or "
            "choose the folder that holds them)"
        )
        panel.root.mkdir()
        panel.refresh()
        assert panel.summary.text() == f"0 actions, 0 recordings in {panel.root}"
        assert panel.start_training() is None
        assert errors and "at least two actions" in errors[-1][1]
        assert panel.train_job is None and panel.train_button.isEnabled()
        # a folder under a file cannot be made: said now, not only at Record (a
        # trial)
        a_file = tmp_path / "notes.txt"
        a_file.write_text("x")
        panel.set_dataset(a_file / "acts")
        assert panel.summary.text() == (
            f"0 actions, 0 recordings in {a_file / 'acts'} (⚠ cannot be made: "
            f"{a_file} is not a folder; choose another folder)"
        )
    finally:
        jobs.stop_all()


@pytest.mark.slow
def test_import_labelled_videos_from_the_panel(qtbot, settings, tmp_path):
    drink = require_data("videos", "S001C001P001R001A001_rgb.avi")
    videos = tmp_path / "videos"
    (videos / "drink").mkdir(parents=True)
    (videos / "drink" / "take1.avi").symlink_to(drink)
    (videos / "broken").mkdir()
    (videos / "broken" / "not-a-video.mp4").write_bytes(b"this is not a video")
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    try:
        job = panel.import_videos(videos, workers=1)
        assert job is not None
        from core.extract import ExtractFrames

        shown = _bar_texts(panel, job, ExtractFrames)
        qtbot.waitUntil(lambda: panel.import_job is None, timeout=180_000)
        # by frames as they go (a long video read "0 / 1" for a minute: a trial)
        assert any(
            re.fullmatch(r"importing videos [01] / 2 · %p%( · \d+:\d\d left)?", t)
            for t in shown
        )
        finished = panel.last_import_event
        assert (finished.extracted, finished.failed) == (1, 1)
        assert panel.actions() == {"drink": 1}
        assert "skipped" in panel.log.toPlainText()
        assert "1 imported, 0 already there, 1 failed" in panel.log.toPlainText()
        # a failure is not a full bar saying "import done" (a trial)
        assert panel.progress.format() == "import done: 1 failed"
        assert len(errors) == 1 and errors[0][0] == "Import videos"
        assert errors[0][1].startswith(
            "1 video could not be imported (1 imported, 0 already there):\n"
        )
        assert "not-a-video.mp4" in errors[0][1]
        # a second import skips what is done
        panel.import_videos(videos, workers=1)
        qtbot.waitUntil(lambda: panel.import_job is None, timeout=60_000)
        assert panel.last_import_event.skipped == 1
        # a video to label afterwards (a long session was recorded in real time: a
        # coach's trial) is listed unlabelled, and said so
        session = tmp_path / "session.mp4"
        session.symlink_to(require_data("videos", "ta_chi.mp4"))
        panel.import_videos(session, workers=1)
        qtbot.waitUntil(lambda: panel.import_job is None, timeout=120_000)
        assert panel.last_import_event.extracted == 1 and panel.select_take("session")
        assert panel.takes.selectedItems()[0].parent().text(0) == "unlabelled (1)"
        assert "unlabelled: label it on Teach's timeline" in panel.log.toPlainText()
        # the drink video again under another name: imported, and said to be a copy
        again = tmp_path / "drink-again.avi"
        again.symlink_to(drink)
        panel.import_videos(again, workers=1)
        qtbot.waitUntil(lambda: panel.import_job is None, timeout=120_000)
        assert (
            "⚠ drink-again.avi (recording 'drink-again') is the same video as "
            in panel.log.toPlainText()
        )
        assert "(recording 'drink-take1' (already in the dataset))" in (
            panel.log.toPlainText()
        )
    finally:
        jobs.stop_all()


@pytest.mark.slow
def test_a_take_from_a_mirror_image_source_is_flipped_back(qtbot, settings, tmp_path):
    """The NTU colour video is a mirror image: ticked, its take says so and its
    landmarks are those of the flipped-back frames (the person's left is left)."""
    from core.datasets.recording import read_recording

    drink = require_data("videos", "S001C001P001R001A001_rgb.avi")
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    try:
        takes = {}
        for mirrored in (False, True):
            panel.source.mirrored.setChecked(mirrored)
            event = _record(qtbot, panel, drink, f"drink {mirrored}", 0.5)
            assert event.detected > 0
            takes[mirrored] = read_recording(event.path)
        assert not takes[False].source.mirrored and takes[True].source.mirrored
        assert errors == []
    finally:
        jobs.stop_all()

    # MediaPipe names sides by the body it sees, so on the mirror image the person's
    # right shoulder is called "left". Flipped back, landmark 11 ("left shoulder") lies
    # where the plain take's landmark 12 lies, mirrored (normalised image x: 1 - x).
    def x(rec, landmark):
        v = rec.image_xy[:, landmark, 0]
        return float(np.median(v[np.isfinite(v) & (v > 0)]))

    for a, b in ((11, 12), (12, 11), (15, 16), (16, 15)):  # shoulders, wrists
        swapped = abs(x(takes[True], a) - (1 - x(takes[False], b)))
        same = abs(x(takes[True], a) - (1 - x(takes[False], a)))
        assert swapped < same


def _bar_colours(timeline) -> list[tuple[int, ...]]:
    import pyqtgraph as pg

    bars = [i for i in timeline._items if isinstance(i, pg.BarGraphItem)]
    return [bar.opts["brush"].color().getRgb() for bar in bars]


def test_a_broken_labels_file_is_shown_not_raised(qtbot, settings, tmp_path):
    """A hand-edited labels.csv with a typo in its header: selecting a take shows the
    problem and the take without labels (it raised in the Qt slot and kept the previous
    folder's labels on the timeline); another folder forgets the shown take."""
    from core.datasets import read_file

    drink = read_file(require_data("ntu", "S001C001P001R001A001.skeleton"))
    read = read_file(require_data("ntu", "S001C001P001R001A011.skeleton"))
    good, bad = tmp_path / "good", tmp_path / "bad"
    custom.import_sequence(good, "drink-001", drink, action="drink")
    custom.import_sequence(bad, "read-001", read, action="read")
    labels = bad / "labels.csv"
    labels.write_text(labels.read_text().replace("start", "strat", 1))

    panel, _jobs, errors = _panel(qtbot, settings, tmp_path)
    panel.set_dataset(good)
    assert panel.select_take("drink-001")
    assert [iv[0] for iv in panel.timeline.labelled] == [1]  # "drink" after "no action"
    drink_colour = _bar_colours(panel.timeline)
    custom.import_sequence(good, "apple-001", read, action="apple")  # sorts first
    panel.refresh()
    assert panel.select_take("drink-001")
    assert _bar_colours(panel.timeline) == drink_colour  # the same as before
    assert panel.recording is not None and panel.recording.name == "drink-001"
    assert panel.label_action.currentText() == "drink"

    panel.set_dataset(bad)
    assert panel.recording is None and panel.timeline.labelled == []
    assert panel.label_action.currentText() == ""  # "drink" is the other folder's
    assert panel.skeleton.frame_points() is None  # the other folder's take is gone
    assert "header must be" in panel.summary.text()
    assert panel.select_take("read-001")  # listed as an unlabelled recording
    assert panel.recording is not None and panel.recording.name == "read-001"
    assert panel.timeline.labelled == []
    assert "labels not shown" in panel.record_status.text()
    assert "labels.csv:1" in panel.record_status.text()
    panel.remove_label_button.click()  # reads the labels too: no exception either
    assert errors == [], errors
    # Deleting a take needs the labels: refused, and said to be kept (a trial).
    assert not panel.delete_take("read-001")
    assert errors[-1][0] == "Delete"
    assert "labels.csv:1" in errors[-1][1]
    assert errors[-1][1].endswith(": 'read-001' was not deleted")
    assert (bad / "read-001.jsonl").is_file()
    errors.clear()
    # Labelling beside a bad row names that row (it said the problem of no row: a
    # trial), and leaves labels.csv as it was.
    labels.write_text(labels.read_text().replace("strat", "start", 1))  # mended
    with labels.open("a") as out:
        out.write("read-001,abc,1,read\n")
    before = labels.read_text()
    panel.refresh()
    assert panel.select_take("read-001")
    panel.timeline.enable_selection(0, 5)
    assert not panel.label_span("read")
    assert errors[-1] == (
        "Label",
        "labels.csv row 3: start 'abc' is not a number of seconds",
    )
    assert labels.read_text() == before
    errors.clear()
    labels.write_text(before.replace("read-001,abc,1,read\n", ""))
    panel.refresh()
    assert panel.select_take("read-001")
    assert [iv[0] for iv in panel.timeline.labelled] == [1]  # "read" after "no action"
    assert panel.record_status.text() == ""


def test_takes_added_outside_the_app_are_listed_when_the_panel_is_shown_again(
    qtbot, settings, tmp_path
):
    """A take brought in by ``ms2l data extract`` or a converter while the app runs
    was missing from the list (training used it) until the folder was chosen again."""
    from core.datasets.ucla import UclaReader

    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    try:
        panel.show()
        assert panel.takes.topLevelItemCount() == 0
        seq = next(iter(UclaReader().scan(require_data("nw-ucla", "all_sqe.zip"))))
        custom.import_sequence(panel.root, "outside-1", seq, action="wave")
        panel.hide()  # the user looks at another panel ...
        panel.show()  # ... and comes back
        assert panel.takes.topLevelItemCount() == 1  # the "wave" action's row
        assert panel.summary.text() == f"1 action, 1 recording in {panel.root}"
        # The skeleton view says what shows there (it stayed blank: a trial).
        assert panel.skeleton.message_text() == (
            "Select a take in the list to see its skeleton here"
        )
        # The takes per action in its tooltip: the line grew with every action and
        # moved the Record box under the mouse (a trial).
        assert panel.summary.toolTip() == "Takes per action: wave 1"
        assert errors == []
    finally:
        jobs.stop_all()


def _two_actions(root, takes: int = 2) -> None:
    """A dataset of real NW-UCLA clips: ``takes`` of 'pick up' and of 'drop trash'."""
    from core.datasets.ucla import UclaReader

    wanted = {"a01": "pick up", "a03": "drop trash"}
    count = dict.fromkeys(wanted.values(), 0)
    for seq in UclaReader().scan(require_data("nw-ucla", "all_sqe.zip")):
        action = wanted.get(seq.name[:3])
        if action is None or count[action] >= takes or seq.num_frames < 20:
            continue
        count[action] += 1
        custom.import_sequence(root, seq.name, seq, action=action)
        if min(count.values()) >= takes:
            return


@pytest.mark.slow
def test_the_folders_own_runs_come_back_with_it(qtbot, settings, tmp_path):
    """Closing the app during a run, or opening another dataset folder, left the
    Teach panel with nothing to resume (or with the other folder's curves and
    model); each folder now shows its newest model and a newer unfinished run."""
    from core.training.events import EpochDone

    mine = tmp_path / "my-actions"
    _two_actions(mine)  # two takes an action: every take trains, no validation
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    try:
        assert not panel.resume_button.isEnabled() and not panel.use_button.isEnabled()
        panel.epochs.setValue(300)
        job = panel.start_training()
        assert (
            "every take trains: 'drop trash' (2), 'pick up' (2) have fewer than 3 takes"
            in panel.log.toPlainText()
        )
        job.worker.item_produced.connect(
            lambda e: panel.train_job.stop() if isinstance(e, EpochDone) else None
        )
        # Another folder is opened while it trains: once the run has stopped, the
        # panel shows that folder's runs (none), not the run of the one left, and
        # not its log either.
        panel.set_dataset(tmp_path / "someone-else")
        qtbot.waitUntil(lambda: panel.train_job is None, timeout=120_000)
        assert errors == [], errors
        assert panel.run_dir is None and not panel.resume_button.isEnabled()
        assert "every take trains" not in panel.log.toPlainText()
        # A folder typed into the field (no Enter, the click on a button keeps the
        # focus there) is the one the button acts on, and the one shown.
        panel.dataset_path.setText(str(mine))
        job = panel.start_training(resume=True)  # its cancelled run, found and resumed
        assert job is not None and str(mine) in panel.summary.text()
        assert panel.progress.text() == "starting…"  # not "stopped at epoch ..."
        assert f"training on {mine}" in panel.log.toPlainText()
        job.worker.item_produced.connect(
            lambda e: panel.train_job.stop() if isinstance(e, EpochDone) else None
        )
        qtbot.waitUntil(lambda: panel.train_job is None, timeout=120_000)
        assert errors == [], errors
        cancelled = panel.run_dir
        assert cancelled is not None and panel.resume_button.isEnabled()
    finally:
        jobs.stop_all()

    # The app is opened again: the cancelled run is offered, with its curves.
    again, jobs, errors = _panel(qtbot, settings, tmp_path)
    try:
        assert again.run_dir == cancelled and again.resume_button.isEnabled()
        assert not again.use_button.isEnabled()
        assert again.progress.text().startswith("stopped at epoch ")
        assert again.progress.text().endswith(" of 300: Resume")
        assert len(again.curves.values("cls")[0]) > 0
        # Another folder shows its own (nothing), and this one comes back with it.
        again.set_dataset(tmp_path / "someone-else")
        assert again.run_dir is None and not again.resume_button.isEnabled()
        assert again.curves.values("cls") == ([], [])
        assert again.progress.text() == "idle"
        again.set_dataset(mine)
        assert again.run_dir == cancelled and again.resume_button.isEnabled()
        # A finished model is offered for Live on its own; the older cancelled
        # run is not offered any more.
        again.epochs.setValue(2)
        again.start_training()
        qtbot.waitUntil(lambda: again.train_job is None, timeout=120_000)
        assert errors == [], errors
        finished = again.trained_run
        assert finished is not None and finished != cancelled
        assert again.progress.text().endswith(", no validation (too few takes)")
    finally:
        jobs.stop_all()

    third, jobs, errors = _panel(qtbot, settings, tmp_path)
    try:
        assert third.trained_run == finished and third.use_button.isEnabled()
        assert third.run_dir is None and not third.resume_button.isEnabled()
        assert third.progress.text() == "your last model"
        # A new run cancelled at once: the model from before is offered again.
        third.epochs.setValue(300)
        job = third.start_training()
        assert not third.use_button.isEnabled()
        job.worker.item_produced.connect(
            lambda e: third.train_job.stop() if isinstance(e, EpochDone) else None
        )
        qtbot.waitUntil(lambda: third.train_job is None, timeout=120_000)
        assert third.trained_run == finished and third.use_button.isEnabled()
        # "Use in Live" says which model goes, and that the newer run is unfinished
        # (Live got the one before, unsaid: a trial).
        said: list[str] = []
        third.ctx.status = said.append
        used: list[object] = []
        third.use_model.connect(used.append)
        third.use_button.click()
        assert used == [finished]
        assert said == [
            f"Live uses {finished.name}; the newer run was stopped before its end: "
            "Resume it to use it"
        ]
        assert errors == []
    finally:
        jobs.stop_all()


def test_resume_after_a_new_action_was_recorded_says_what_changed(
    qtbot, settings, tmp_path
):
    """Resume after a new action was recorded failed with "class count mismatch in
    classifier.mlp.2.weight", under a full blue bar reading "failed" (a user
    trial)."""
    from core.datasets.custom import read_labels, write_labels
    from core.training.events import EpochDone

    mine = tmp_path / "my-actions"
    _two_actions(mine)
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    try:
        panel.epochs.setValue(300)
        job = panel.start_training()
        job.worker.item_produced.connect(
            lambda e: panel.train_job.stop() if isinstance(e, EpochDone) else None
        )
        qtbot.waitUntil(lambda: panel.train_job is None, timeout=120_000)
        assert panel.resume_button.isEnabled() and errors == []
        rows = read_labels(mine)
        write_labels(
            mine, [*rows[:-1], dataclasses.replace(rows[-1], action="Aardvark")]
        )
        panel.start_training(resume=True)
        qtbot.waitUntil(lambda: panel.train_job is None, timeout=120_000)
        message = panel.log.toPlainText().splitlines()[-1]
        assert "error: " in message and "mismatch" not in message
        assert "the dataset's actions changed since this run trained (added " in message
        assert "'Aardvark'" in message
        assert panel.progress.text() == "failed"
        assert panel.progress.value() == panel.progress.minimum()
    finally:
        jobs.stop_all()


def test_the_list_marks_bad_labelled_takes_and_remove_takes_the_row_selected(
    qtbot, settings, tmp_path
):
    """From a user trial: a labelled take that will be refused, or whose writing was
    cut short, had no mark in the list; Remove label removed the label under the
    span's start (none, for a span over the whole take: nothing happened, no word)
    instead of the row selected; typing a new action "pick" became the existing
    "pick up" (inline completion) and "PICK UP" a class of its own."""

    mine = tmp_path / "my-actions"
    _two_actions(mine, takes=3)
    takes = sorted(r.name for r in custom.list_recordings(mine))
    # one take cut short (its end line gone), one that will be refused
    cut = custom.recording_path(mine, takes[0])
    cut.write_text("".join(cut.read_text().splitlines(keepends=True)[:-1]))
    custom.recording_path(mine, takes[1]).write_text("not a recording\n")
    # and one with the person in a quarter of its frames (its warning box is gone)
    sparse = custom.recording_path(mine, takes[3])
    lines = [json.loads(line) for line in sparse.read_text().splitlines()]
    frames = [doc for doc in lines if "t" in doc]
    for doc in frames[len(frames) // 4 :]:
        del doc["j"]
    sparse.write_text("".join(json.dumps(doc) + "\n" for doc in lines))
    rows = custom.read_labels(mine)
    long_take = takes[2]
    first = next(r for r in rows if r.recording == long_take)
    half = first.start + (first.end - first.start) / 2
    others = [r for r in rows if r.recording != long_take]
    custom.write_labels(
        mine,
        [
            *others,
            dataclasses.replace(first, end=half, action="wave", row=0),
            dataclasses.replace(first, start=half, action="jump", row=0),
        ],
    )
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    try:
        shown = {item.data(0, ROLE): item.text(0) for item in _take_items(panel)}
        assert "(cut short" in shown[takes[0]]
        assert "⚠" in shown[takes[1]]
        assert "⚠" not in shown[long_take] and "cut short" not in shown[long_take]
        assert shown[takes[3]].endswith(
            f"⚠ a person in only {len(frames) // 4} of {len(frames)} frames"
        )
        # whole in its tooltip, when the list is too narrow for it (a re-trial)
        assert all(item.toolTip(0) == item.text(0) for item in _take_items(panel))

        # Remove label: the "jump" row selected, the span over the whole take.
        jump = _take_items(panel, "jump")[0]
        panel.takes.setCurrentItem(jump)
        assert panel.recording is not None and panel.recording.name == long_take
        assert panel.label_action.currentText() == "jump"  # the span's action
        span = panel.timeline.selection()
        panel.remove_label_button.click()
        left = {r.action for r in custom.read_labels(mine) if r.recording == long_take}
        assert left == {"wave"}
        # The take stays shown with the removed span; no row is selected (the
        # take's "wave" row was, its span and action put in place: a second press
        # removed it too, a trial).
        assert panel.recording.name == long_take and panel.takes.selectedItems() == []
        assert panel.timeline.selection() == span
        assert panel.label_action.currentText() == "jump"
        panel.remove_label_button.click()  # nothing there now: "wave" stays
        assert {
            r.action for r in custom.read_labels(mine) if r.recording == long_take
        } == {"wave"}
        # Right after labelling, a span dragged inside another label is the one meant
        # (the list's first row, selected by the labelling, won over it: a review).
        rec = panel.recording
        last = rec.num_frames - 1
        panel.timeline.enable_selection(last - 3, last)
        assert panel.label_span("hop")
        assert panel.takes.currentItem().data(0, SPAN_ROLE)[2] == "hop"  # its row
        panel.timeline.enable_selection(0, 2)  # inside "wave"
        panel.remove_label_button.click()
        left = {r.action for r in custom.read_labels(mine) if r.recording == long_take}
        assert left == {"hop"}

        # Typing keeps what is typed; another letter case is the same action.
        panel.action.setEditText("")
        QTest.keyClicks(panel.action.lineEdit(), "pick")
        assert panel.action.currentText() == "pick"
        panel.action.setEditText("PICK UP")
        assert panel._known_spelling(panel.action) == "pick up"
        assert errors == []
    finally:
        jobs.stop_all()


def test_remove_label_takes_the_selected_row_of_two_overlapping_labels(
    qtbot, settings, tmp_path
):
    """From a trial: a take labelled whole as 'pick up' and, inside it, a row of
    another action (marked ⚠ in the list); selecting that row and pressing Remove
    label removed the take's 'pick up' label, the first one under the span's start."""
    mine = tmp_path / "my-actions"
    _two_actions(mine)
    rows = custom.read_labels(mine)
    take = rows[0]
    inside = dataclasses.replace(
        take, start=take.start + 0.2, end=take.end - 0.2, action="drop trash", row=0
    )
    custom.write_labels(mine, [*rows, inside])
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    try:
        row = next(
            item
            for item in _take_items(panel, "drop trash")
            if item.data(0, ROLE) == take.recording
        )
        assert "⚠" in row.text(0)
        panel.takes.setCurrentItem(row)
        assert panel.label_action.currentText() == "drop trash"
        panel.remove_label_button.click()
        left = [(r.recording, r.action) for r in custom.read_labels(mine)]
        assert (take.recording, take.action) in left
        assert (take.recording, "drop trash") not in left
        assert len(left) == len(rows)
        assert errors == []
    finally:
        jobs.stop_all()


def test_remove_label_keeps_the_lists_scroll_and_the_timelines_zoom(
    qtbot, settings, tmp_path
):
    """From a trial: on a session of hundreds of labels each Remove label sent the
    list back to its top and the timeline to the whole take."""
    from core.datasets.base import SkeletonSequence
    from core.datasets.ucla import UclaReader

    clips = [
        s.joints
        for s, _ in zip(
            UclaReader().scan(require_data("nw-ucla", "all_sqe.zip")), range(30)
        )
    ]
    long = SkeletonSequence("session", np.concatenate(clips), "ucla20")
    mine = tmp_path / "my-actions"
    custom.import_sequence(mine, "session", long)
    seconds = long.num_frames / 30
    custom.write_labels(
        mine,
        [
            custom.LabelInterval("session", k * 0.5, k * 0.5 + 0.4, f"a{k % 3}")
            for k in range(int(seconds / 0.5) - 1)
        ],
    )
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    try:
        panel.resize(1366, 720)
        panel.show()
        QApplication.processEvents()
        rows = _take_items(panel)
        panel.takes.setCurrentItem(rows[-5])
        QApplication.processEvents()
        scrolled = panel.takes.verticalScrollBar().value()
        assert scrolled > 0
        panel.timeline.setXRange(100, 300, padding=0)
        shown = panel.timeline.getViewBox().viewRange()[0]
        panel.remove_label_button.click()
        QApplication.processEvents()
        assert len(custom.read_labels(mine)) == len(rows) - 1
        assert panel.takes.verticalScrollBar().value() == scrolled
        assert panel.timeline.getViewBox().viewRange()[0] == pytest.approx(shown)
        assert errors == []
    finally:
        jobs.stop_all()


def test_a_take_with_a_bad_line_inside_is_marked_in_the_list(qtbot, settings, tmp_path):
    """From a trial: a take with a malformed line between its frames had no mark in
    the list (only its header and last line were read), though training leaves it
    out."""
    mine = tmp_path / "my-actions"
    _two_actions(mine, takes=3)
    name = sorted(r.name for r in custom.list_recordings(mine))[1]
    path = custom.recording_path(mine, name)
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join([*lines[:3], '{"t": 0.1, "j": [1, 2\n', *lines[3:]]))
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    try:
        shown = {item.data(0, ROLE): item.text(0) for item in _take_items(panel)}
        assert "⚠" in shown[name]
        assert [n for n, text in shown.items() if "⚠" in text] == [name]
        assert errors == []
    finally:
        jobs.stop_all()


def test_recording_and_training_settings_are_kept_for_the_next_session(
    qtbot, settings, tmp_path
):
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    panel.countdown.setValue(0)
    panel.max_seconds.setValue(4.5)
    panel.epochs.setValue(7)
    jobs.stop_all()
    again, jobs, errors = _panel(qtbot, settings, tmp_path)
    try:
        assert (again.countdown.value(), again.max_seconds.value()) == (0, 4.5)
        assert again.epochs.value() == 7
    finally:
        jobs.stop_all()


def test_the_previews_keep_their_height_beside_a_runs_curves(qtbot, settings, tmp_path):
    """With a run's curves on show (the app opened again on a folder with a run), the
    curves took the column: the video and skeleton previews ~90 px, the log gone
    (a user trial)."""
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    try:
        for step in range(1, 50):
            panel.curves.add_losses(step / 10, {"cls": 1.0 / step})
        panel.resize(1366, 740)
        panel.show()
        qtbot.waitExposed(panel)
        qtbot.waitUntil(lambda: panel.curves.legend.isVisible(), timeout=2000)
        assert panel.video.height() >= 160
        assert panel.log.height() >= 60
        assert panel.curves.height() >= panel.curves.minimumSizeHint().height()
    finally:
        jobs.stop_all()


def test_train_on_my_actions_is_in_view_without_scrolling(qtbot, settings, tmp_path):
    """At 1400x900 and on a 1366x768 laptop the Train box was below the fold of the
    scrolling column: the flow's last step had to be found by scrolling (a trial)."""
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    try:
        panel.show()
        qtbot.waitExposed(panel)
        # ... nor Record, Stop and the take's status, down to a 1366x768 screen at
        # 125 % (a panel of ~1076x500): Return in Action gave the focus to a Record
        # half below the fold there (a trial)
        for width, height in ((1400, 860), (1366, 700), (1076, 500)):
            panel.resize(width, height)
            qtbot.wait(50)
            for button in (
                panel.train_button,
                panel.use_button,
                panel.record_button,
                panel.stop_button,
                panel.record_status,
            ):
                shown = button.visibleRegion().boundingRect()
                assert shown.size() == button.size(), (width, height, button)
        # Tab from Length goes on to Record, as inside the Record box it did (it went
        # through the takes and settings first: a review)
        panel.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is panel)
        panel.max_seconds.setFocus()
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is panel.record_button
    finally:
        jobs.stop_all()


def test_the_takes_list_shows_eight_rows_on_a_small_screen(qtbot, settings, tmp_path):
    """At 1280x720 the takes list had three rows, the rest scrolling inside a list
    inside the scrolling column (a UI review): it keeps eight, the column scrolls."""
    from app.panels.teach import TAKES_MIN_ROWS

    _two_actions(tmp_path / "my-actions", takes=6)
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    try:
        panel.show()
        qtbot.waitExposed(panel)
        panel.resize(1280, 660)  # a 1280x720 window's panel
        qtbot.wait(50)
        rows = panel.takes.topLevelItem(0).child(0)
        row = panel.takes.visualItemRect(rows).height()
        assert row > 0 and panel.takes.topLevelItemCount() == 2
        assert panel.takes.viewport().height() >= TAKES_MIN_ROWS * row
    finally:
        jobs.stop_all()


def test_training_waits_for_the_take_being_recorded(qtbot, settings, tmp_path):
    """Train on my actions pressed during a take trained without it, unsaid (a
    trial: 'spin (5 takes)' beside a model trained on 4)."""
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    try:
        panel.source.set_video(require_data("videos", "ta_chi.mp4"))
        panel.action.setEditText("tai chi")
        panel.countdown.setValue(0)
        panel.max_seconds.setValue(1.0)
        panel.record_button.click()
        assert panel.record_job is not None
        panel.train_button.click()
        assert panel.train_job is None
        assert errors[-1] == (
            "Train on my actions",
            "a take is being recorded: stop it first (Stop, or Esc) and it is "
            "trained on too",
        )
        qtbot.waitUntil(lambda: panel.record_job is None, timeout=120_000)
    finally:
        jobs.stop_all()


def test_stop_during_the_countdown_cancels_the_take(qtbot, settings, tmp_path):
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    try:
        panel.source.set_video(require_data("videos", "ta_chi.mp4"))
        panel.action.setEditText("wave")
        panel.countdown.setValue(3)
        panel.record_button.click()
        qtbot.waitUntil(
            lambda: "Get ready" in panel.record_status.text(), timeout=30_000
        )
        panel.stop_button.click()
        qtbot.waitUntil(lambda: panel.record_job is None, timeout=30_000)
        assert panel.record_status.text() == (
            "Take cancelled during the countdown: nothing was saved"
        )
        assert custom.list_recordings(panel.root) == [] and errors == []
    finally:
        jobs.stop_all()


def test_an_empty_take_shows_nothing_of_the_take_before(qtbot, settings, tmp_path):
    """Selecting a take of no frame left the last take's skeleton, timeline and
    'Playing …' on screen, and its note stayed in the Record box (a trial)."""
    from core.datasets import read_file

    root = tmp_path / "my-actions"
    drink = read_file(require_data("ntu", "S001C001P001R001A001.skeleton"))
    custom.import_sequence(root, "drink-001", drink, action="drink")
    custom.import_sequence(root, "empty-001", drink)
    path = custom.recording_path(root, "empty-001")
    header = path.read_text().splitlines()[0]
    path.write_text(header + '\n{"end": true, "frames": 0}\n')
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    try:
        assert panel.select_take("drink-001")
        assert panel.skeleton.frame_points() is not None and panel.timeline.labelled
        assert panel.select_take("empty-001")
        assert panel.skeleton.frame_points() is None and not panel.timeline.labelled
        assert panel.video.message.toPlainText() == (
            "empty-001 has no frames: nothing was recorded"
        )
        assert "no frames" not in panel.record_status.text() and errors == []
        said: list[str] = []
        panel.ctx.status = said.append
        panel.play_button.click()  # it did nothing, unsaid
        assert said == ["empty-001 has no frames to play"]
    finally:
        jobs.stop_all()


def test_an_actions_row_renames_the_action(qtbot, settings, tmp_path):
    """Rename… and Delete on an action's row did nothing, unsaid, and two spellings
    of one action could not be merged (a trial)."""
    root = tmp_path / "my-actions"
    panel, jobs, errors, said = _panel_saying(qtbot, settings, tmp_path)
    try:
        top = panel.takes.topLevelItem(0)
        panel.takes.setCurrentItem(top)
        assert panel.selected_action() == "drop trash" and panel.selected_take() is None
        panel._on_delete_clicked()
        assert said[-1].startswith("Select a take to delete it")
        assert panel.rename_action("drop trash", "pick up")  # merged
        assert {r.action for r in custom.read_labels(root)} == {"pick up"}
        assert panel.takes.topLevelItem(0).text(0) == "pick up (4 takes)"
        assert panel.selected_action() == "pick up"  # the merged row, selected
        assert said[-1] == "Renamed action 'drop trash' to 'pick up' (2 labels)"
        assert errors == []
    finally:
        jobs.stop_all()


def test_training_and_renaming_speak_to_the_person_teaching(qtbot, settings, tmp_path):
    """From a trial: the bar gave no idea of the time left; the log spoke the command
    line's words ("kept fresh … classifier"); a renamed action was still answered
    under its old name by "Use in Live", unsaid; a take's new name with spaces was
    refused and had to be typed again."""
    from core.training.events import BatchDone

    root = tmp_path / "my-actions"
    panel, jobs, errors, said = _panel_saying(qtbot, settings, tmp_path)
    try:
        panel.epochs.setValue(5)
        job = panel.start_training()
        steps = _bar_texts(panel, job, BatchDone)  # one step an epoch
        qtbot.waitUntil(lambda: panel.use_button.isEnabled(), timeout=120_000)
        # The time left, from the fourth step on (a trial had no idea how long).
        assert steps[:3] == ["epoch 1 · %p%", "epoch 2 · %p%", "epoch 3 · %p%"]
        assert all(
            re.fullmatch(r"epoch [45] · %p% · \d+:\d\d left", f) for f in steps[3:]
        )
        assert len(steps) == 5
        # The log in words for a person, not the command line's (a trial).
        log = panel.log.toPlainText()
        assert (
            "starting from the self-supervised encoder of nw-ucla-ms2l: 4 labelled "
            "clips train, 0 are held out to measure accuracy; Live will read" in log
        )
        assert "a new classifier learns your actions on top of that encoder" in log
        # clips, not spans: a span longer than 8 s trains as several (a trial)
        assert "no check for unfamiliar motion: 4 labelled clips are too few" in log
        # ... foreseen at the start, in the same words for a person
        assert (
            "with 4 labelled clips, this model will have no check for unfamiliar motion"
            in log
        )
        assert "encoder's" not in log
        assert "kept fresh" not in log and "init_from" not in log
        assert "each take is varied a little" in log and "--augment" not in log
        assert "passes over your clips" in log and "optimiser" not in log
        assert "every action counts alike, however many takes it has" in log
        # (these takes are NW-UCLA's layout already; MediaPipe takes are not)
        assert plain_log(
            "note: the data's ntu25 skeletons are read in the model's ucla20 layout: "
            "Neck, ThumbLeft not used (its torso joints are rebuilt …)"
        ) == (
            "your takes are converted to the model's skeleton (ucla20), which does "
            "not use these joints: Neck, ThumbLeft"
        )
        assert plain_log(
            "note: the data's ucla20 skeletons are read in the model's ntu25 layout: "
            "Spine not used; SpineMid, ThumbLeft made up from neighbouring joints"
        ) == (
            "your takes are converted to the model's skeleton (ntu25), which does "
            "not use these joints: Spine; and makes these, which your takes do not "
            "have, from the joints beside them: SpineMid, ThumbLeft"
        )
        # The empty accuracy plot says why (it said nothing: a trial), within the
        # plot on a 1366-pixel screen (cut at its right edge: a trial).
        assert panel.curves.acc_note.isVisible()
        assert panel.curves.acc_note.toPlainText().startswith(
            "no accuracy: too few takes to hold any out"
        )
        panel.resize(1366, 720)
        panel.show()
        QApplication.processEvents()
        view = panel.curves.acc_plot.getViewBox().sceneBoundingRect()
        note = panel.curves.acc_note.sceneBoundingRect()
        assert view.left() <= note.left() and note.right() <= view.right()
        # ... the last folder's once another is chosen (it stayed: a trial)
        qtbot.waitUntil(lambda: panel.train_job is None, timeout=30_000)  # (ended)
        panel.set_dataset(tmp_path / "another")
        assert not panel.curves.acc_note.isVisible()
        panel.set_dataset(root)
        # ... and back with the folder's model, as after a restart (unsaid: a trial)
        assert panel.curves.acc_note.isVisible()
        assert panel.curves.acc_note.toPlainText().startswith(
            "no accuracy: too few takes to hold any out"
        )
        drop = next(
            r.recording for r in custom.read_labels(root) if r.action == "drop trash"
        )
        assert panel.select_take(drop)
        assert panel.label_action.currentText() == "drop trash"
        # renamed from its action's row (the take stays shown beside it)
        row = next(
            top
            for i in range(panel.takes.topLevelItemCount())
            if (top := panel.takes.topLevelItem(i)).text(0).startswith("drop trash")
        )
        panel.takes.setCurrentItem(row)
        assert panel.selected_action() == "drop trash" and panel.recording is not None
        panel.action.setEditText("Drop trash")  # about to record another take of it
        assert panel.rename_action("drop trash", "throw away")
        # The shown take's span says the new name (it kept the old one: a trial) ...
        assert panel.label_action.currentText() == "throw away"
        # ... and so does the record box (Record brought the old name back: a trial)
        assert panel.action.currentText() == "throw away"
        captions = {
            item.textItem.toPlainText()
            for item in panel.timeline._items
            if hasattr(item, "textItem")
        }
        assert "throw away" in captions and "drop trash" not in captions
        assert said[-1] == (
            "Renamed action 'drop trash' to 'throw away' (2 labels); the model "
            "trained before keeps the old name: train again for the new one"
        )
        take = sorted(r.name for r in custom.list_recordings(root))[0]
        assert panel.select_take(take)

        def type_a_name() -> None:
            box = QApplication.activeModalWidget()
            assert isinstance(box, QInputDialog)
            box.setTextValue("  drink slow  Maria ")
            box.accept()

        QTimer.singleShot(200, type_a_name)
        panel._on_rename_clicked()
        assert "drink_slow_Maria" in {r.name for r in custom.list_recordings(root)}
        assert said[-1] == f"Renamed {take!r} to 'drink_slow_Maria'"
        assert errors == []
        # a refused name is asked for again with what was typed (it was lost: a
        # trial)
        shown_again: list[str] = []

        def type_a_bad_name() -> None:
            box = QApplication.activeModalWidget()
            assert isinstance(box, QInputDialog)
            box.setTextValue("morning/take")
            QTimer.singleShot(200, give_up)
            box.accept()

        def give_up() -> None:
            box = QApplication.activeModalWidget()
            assert isinstance(box, QInputDialog)
            shown_again.append(box.textValue())
            box.reject()

        QTimer.singleShot(200, type_a_bad_name)
        panel._on_rename_clicked()
        assert shown_again == ["morning/take"]
        assert len(errors) == 1 and "'drink_slow_Maria' was not renamed" in errors[0][1]
    finally:
        jobs.stop_all()


def test_labelling_a_second_span_selects_its_row(qtbot, settings, tmp_path):
    """The new label's row was found by its exact start time, which labels.csv keeps
    to three decimals: at 30 fps it missed, and the take's other label was selected
    (its span and action then relabelled by the next click: a trial)."""
    from core.datasets import read_file

    root = tmp_path / "my-actions"
    drink = read_file(require_data("ntu", "S001C001P001R001A001.skeleton"))
    custom.import_sequence(root, "session", drink)
    custom.add_label(root, "session", 0.0, 1.0, "kick")
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    try:
        assert (
            panel.select_take("session") and panel.label_action.currentText() == "kick"
        )
        panel.timeline.enable_selection(61, 80)  # frame 61 starts at 2.0333 s
        assert panel.label_span("tai chi")
        row = panel.takes.selectedItems()[0]
        span = row.data(0, SPAN_ROLE)
        assert span[2] == "tai chi" and abs(span[0] - 61 / 30) < 0.01
        # Its frames, not the take's 103 beside the label's seconds (a trial)
        assert (row.text(1), row.text(2)) == ("0.7", "20")
        assert panel.label_action.currentText() == "tai chi"
        assert panel.timeline.selection() == (61, 80) and errors == []
    finally:
        jobs.stop_all()


def test_labelling_does_not_read_the_take_again_until_its_file_changes(
    qtbot, settings, tmp_path, monkeypatch
):
    """Each label re-selected the take and read its file again: a 65-minute recording
    froze Teach ~3 s a label (a trial). The take is read once while its file stays as
    it was, and again once it changes (written again by an import)."""
    import app.panels.teach as teach
    from core.datasets import read_file

    root = tmp_path / "my-actions"
    drink = read_file(require_data("ntu", "S001C001P001R001A001.skeleton"))
    custom.import_sequence(root, "session", drink)
    reads: list[str] = []
    real_read = teach.read_recording

    def counted(path):
        reads.append(path.name)
        return real_read(path)

    monkeypatch.setattr(teach, "read_recording", counted)
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    try:
        assert panel.select_take("session") and reads == ["session.jsonl"]
        for first, action in ((0, "drink"), (40, "wave"), (80, "kick")):
            panel.timeline.enable_selection(first, first + 15)
            assert panel.label_span(action)
        assert len(custom.read_labels(root)) == 3 and errors == []
        assert reads == ["session.jsonl"]  # shown again after each label, not read
        assert panel.recording is not None and panel.recording.num_frames == 103
        # the same name written again with other frames: read, not the old copy shown
        custom.import_sequence(
            root,
            "session",
            dataclasses.replace(drink, joints=drink.joints[:50]),
            overwrite=True,
        )
        panel.refresh()
        assert panel.select_take("session") and reads[-1] == "session.jsonl"
        assert len(reads) == 2 and panel.recording.num_frames == 50
    finally:
        jobs.stop_all()


def test_a_model_finished_for_a_folder_left_meanwhile_is_said(
    qtbot, settings, tmp_path
):
    """Another folder opened during training: the run finished and was saved, but the
    panel went quietly back to 'idle' (a trial)."""
    mine = tmp_path / "my-actions"
    panel, jobs, errors, said = _panel_saying(qtbot, settings, tmp_path)
    try:
        panel.epochs.setValue(2)
        panel.start_training()
        panel.set_dataset(tmp_path / "someone-else")
        qtbot.waitUntil(lambda: panel.train_job is None, timeout=120_000)
        assert said[-1] == (
            f"The model of {mine} is ready: open that folder to use it in Live"
        )
        assert not panel.use_button.isEnabled() and errors == []
    finally:
        jobs.stop_all()


def test_another_takes_skeleton_is_not_shown_beside_the_cameras_last_frame(
    qtbot, settings, tmp_path
):
    """After a take, selecting another kept the camera's last frame (of the take
    just recorded) in the view beside the other take's skeleton (a trial)."""
    panel, jobs, errors, _ = _panel_saying(qtbot, settings, tmp_path)
    try:
        others = [r.name for r in custom.list_recordings(panel.root)]
        finished = _record(
            qtbot, panel, require_data("videos", "ta_chi.mp4"), "wave", 1
        )
        assert panel.selected_take() == finished.name
        assert panel.video.image.image is not None  # its own last frame stays
        assert panel.select_take(others[0])
        assert panel.video.image.image is None
        assert panel.video.message.toPlainText().startswith(
            f"{others[0]}: its skeleton, on the right"
        )
        assert panel.skeleton.frame_points() is not None and errors == []
    finally:
        jobs.stop_all()


def test_an_unlabelled_recording_too_short_to_use_is_marked(qtbot, settings, tmp_path):
    """data info listed a 0.3 s unlabelled recording as skipped; the list of takes
    showed it like any other (a re-trial). Another folder drops the last 'Saved' line."""
    import dataclasses as dc

    from core.datasets.ucla import UclaReader

    mine = tmp_path / "my-actions"
    _two_actions(mine)
    seq = next(iter(UclaReader().scan(require_data("nw-ucla", "all_sqe.zip"))))
    custom.import_sequence(mine, "short", dc.replace(seq, joints=seq.joints[:10]))
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    try:
        rows = [item.text(0) for item in _take_items(panel)]
        (short,) = [r for r in rows if r.startswith("short")]
        assert re.fullmatch(r"short  \(too short to be used: under \d\.\d s\)", short)
        assert not any("too short" in r for r in rows if not r.startswith("short"))
        panel.record_status.setText("Saved wave-002: 3.4 s, 102 frames")
        panel.set_dataset(tmp_path / "another")
        assert panel.record_status.text() == ""
    finally:
        jobs.stop_all()


def test_a_take_into_a_folder_that_cannot_be_written_is_refused_before_it_starts(
    qtbot, settings, tmp_path
):
    """Into a read-only folder a take failed at its end, "[Errno 30] Read-only file
    system: '….tmp'" (a trial). As root no folder is read-only by its permissions:
    a file where the folder would be stands for it."""
    afile = tmp_path / "a-file"
    afile.write_text("")
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    try:
        panel.set_dataset(afile / "mine")
        panel.source.set_video(require_data("videos", "ta_chi.mp4"))
        panel.action.setEditText("wave")
        assert panel.start_recording() is None and panel.record_job is None
        assert errors[-1] == (
            "Record",
            f"{afile / 'mine'}: {afile} is not a folder: choose another dataset folder",
        )
        assert panel.import_videos(require_data("videos")) is None
        assert errors[-1][0] == "Import videos" and "is not a folder" in errors[-1][1]
    finally:
        jobs.stop_all()


def test_a_labelled_rows_play_shows_its_label_from_its_start(qtbot, settings, tmp_path):
    """Play on a label's row played the whole take from frame 0, the label's motion
    somewhere in it (a trial): it starts at the label and loops over its frames; a
    click outside the label plays the whole take again."""
    from core.datasets import read_file

    root = tmp_path / "my-actions"
    drink = read_file(require_data("ntu", "S001C001P001R001A001.skeleton"))
    custom.import_sequence(root, "session", drink)
    custom.add_label(root, "session", 0.0, 1.0, "kick")
    custom.add_label(root, "session", 2.0, 2.5, "wave")  # frames 60-74
    custom.import_sequence(root, "clap-001", drink, action="clap")
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    try:
        assert panel.select_take("session", 2.0)
        assert panel.timeline.selection() == (60, 74) and panel._frame == 60
        np.testing.assert_array_equal(panel.skeleton._frame, panel._playback_joints[60])
        seen = set()
        for _ in range(40):
            panel._on_playback_timeout()
            seen.add(panel._frame)
        assert seen == set(range(60, 75))  # the label's frames, looped
        panel._on_timeline_frame_clicked(90)
        for _ in range(20):
            panel._on_playback_timeout()
        assert panel._frame == 7  # 90 -> 102, then 0 -> 7: the whole take again
        # Another action's row shows no take (the last one's skeleton stayed
        # beside it); the action's own row keeps it
        kick = next(
            item
            for i in range(panel.takes.topLevelItemCount())
            if (item := panel.takes.topLevelItem(i)).text(0).startswith("kick")
        )
        panel.takes.setCurrentItem(kick)
        assert panel.recording is not None and panel.recording.name == "session"
        panel.select_take("session", 2.0)
        clap = next(
            item
            for i in range(panel.takes.topLevelItemCount())
            if (item := panel.takes.topLevelItem(i)).text(0).startswith("clap")
        )
        panel.takes.setCurrentItem(clap)
        assert panel.selected_action() == "clap" and panel.recording is None
        assert panel.skeleton.message_text() == (
            "Select a take in the list to see its skeleton here"
        )
        assert errors == []
    finally:
        jobs.stop_all()


def test_the_takes_list_marks_labels_that_training_would_refuse(
    qtbot, settings, tmp_path
):
    """Labels written in frame numbers read "423–510 s" on a 3.4 s take with no mark,
    and only Train said why (a trial): such a row is marked ⚠ with the reason, and so
    is the later of two overlapping rows of different actions."""
    from core.datasets import read_file

    root = tmp_path / "my-actions"
    drink = read_file(require_data("ntu", "S001C001P001R001A001.skeleton"))
    custom.import_sequence(root, "session", drink)
    custom.write_labels(
        root,
        [
            custom.LabelInterval("session", 0.0, 1.0, "kick"),
            custom.LabelInterval("session", 30.0, 60.0, "wave"),  # frames, not seconds
            custom.LabelInterval("session", 2.0, 3.0, "wave"),
            custom.LabelInterval("session", 0.5, 2.0, "wave"),  # overlaps "kick"
        ],
    )
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    try:
        rows = {
            item.data(0, SPAN_ROLE)[:2]: item.text(0) for item in _take_items(panel)
        }
        assert "⚠" not in rows[(2.0, 3.0)]
        # the earlier of the two overlapping rows says so too (unmarked, it read as
        # fine: a trial)
        assert rows[(0.0, 1.0)].endswith(
            "⚠ overlapped by the label 0.5-2 s ('wave'): training refuses the folder "
            "until one of the two is mended"
        )
        # the action's counts are what training uses (a refused label counted)
        heads = [
            (top.text(0), top.text(1))
            for i in range(panel.takes.topLevelItemCount())
            if (top := panel.takes.topLevelItem(i)) is not None
        ]
        # ... and that these stop it, not that it goes on without them (a trial)
        assert ("wave (1 take, ⚠ 2 labels to mend before training)", "1.0") in heads
        assert ("kick (0 takes, ⚠ 1 label to mend before training)", "0.0") in heads
        # in time order within an action, not in the order they were made
        assert [span for span in rows if span != (0.0, 1.0)] == [
            (0.5, 2.0), (2.0, 3.0), (30.0, 60.0),
        ]  # fmt: skip
        assert rows[(30.0, 60.0)].endswith(
            "⚠ end 60 s is past the end of recording 'session' (3.43 s) — times are "
            "seconds from the recording's first frame (frame numbers or milliseconds?)"
        )
        assert (
            "⚠ interval 0.5-2 s ('wave') overlaps row 2 0-1 s ('kick')"
            in (rows[(0.5, 2.0)])
        )
        assert errors == []
    finally:
        jobs.stop_all()


def test_spans_that_only_touch_are_not_said_to_share_frames(qtbot, settings, tmp_path):
    """labels.csv keeps three decimals: a span typed from where another label ends
    overlapped it by a thousandth of a second and was said to give up "the frames it
    shared" (a trial); a refused overlap names the labels, not labels.csv's path."""
    from core.datasets import read_file

    root = tmp_path / "my-actions"
    drink = read_file(require_data("ntu", "S001C001P001R001A001.skeleton"))
    custom.import_sequence(root, "session", drink)
    custom.add_label(root, "session", 0.0, 1.001, "kick")  # frame 30 starts at 1.0
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    said: list[str] = []
    panel.ctx.status = said.append
    try:
        assert panel.select_take("session")
        panel.timeline.enable_selection(30, 59)
        assert panel.label_span("wave")
        assert said[-1] == "Labelled 1.00-2.00 s of 'session' as 'wave'", said
        wave = next(r for r in custom.read_labels(root) if r.action == "wave")
        assert (wave.start, wave.end) == (1.001, 2.0)  # after kick's end, touching
        panel.timeline.enable_selection(0, 80)  # over both: refused
        assert not panel.label_span("clap")
        assert errors[-1][1].startswith("the new label 0.00-2.70 s ('clap')"), errors
    finally:
        jobs.stop_all()


def test_label_the_whole_take_is_remembered(qtbot, settings, tmp_path):
    """It was ticked again at every start: a continuous session's next take was
    labelled whole (a trial)."""
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    try:
        assert panel.whole_take.isChecked()  # the default: takes
        panel.whole_take.setChecked(False)
    finally:
        jobs.stop_all()
    again, jobs, errors = _panel(qtbot, settings, tmp_path)
    try:
        assert not again.whole_take.isChecked()
    finally:
        jobs.stop_all()


def test_epochs_typed_past_a_thousand_are_taken(qtbot, settings, tmp_path):
    """2000 typed in Epochs became 200, unsaid (a GUI trial): the box's maximum cut
    the last digit."""
    from PyQt6.QtCore import Qt

    panel, jobs, _ = _panel(qtbot, settings, tmp_path)
    try:
        edit = panel.epochs.lineEdit()
        assert edit is not None
        edit.selectAll()
        qtbot.keyClicks(edit, "2000")
        qtbot.keyClick(edit, Qt.Key.Key_Return)
        assert panel.epochs.value() == 2000
    finally:
        jobs.stop_all()


def test_an_unlabelled_take_does_not_keep_the_action_a_label_row_showed(
    qtbot, settings, tmp_path
):
    """After a labelled row, selecting an unlabelled take kept that row's action in
    "Action of the span": Label selected span would give it to the take unasked (a
    trial). What the user types stays."""
    from core.datasets.ucla import UclaReader

    root = tmp_path / "my-actions"
    _two_actions(root, takes=1)
    seq = next(iter(UclaReader().scan(require_data("nw-ucla", "all_sqe.zip"))))
    custom.import_sequence(root, "free", seq)  # no label
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    try:
        labelled = _take_items(panel, "pick up")[0]
        (free,) = [i for i in _take_items(panel) if i.data(0, ROLE) == "free"]
        panel.takes.setCurrentItem(labelled)
        assert panel.label_action.currentText() == "pick up"
        panel.takes.setCurrentItem(free)
        assert panel.label_action.currentText() == ""
        panel.label_action.setEditText("wave")  # typed: kept
        panel.takes.setCurrentItem(labelled)
        panel.takes.setCurrentItem(free)
        assert panel.label_action.currentText() == ""  # the row's "pick up" again
        panel.label_action.setEditText("wave")
        panel.takes.setCurrentItem(None)
        panel.takes.setCurrentItem(free)
        assert panel.label_action.currentText() == "wave"
    finally:
        jobs.stop_all()


def test_a_take_cut_short_from_a_video_says_an_import_finishes_it(tmp_path):
    """A stopped import's stubs read "cut short … 0.0 s" with no way on (a trial)."""
    from app.panels.teach import take_note
    from core.datasets.recording import RecordingInfo, SourceInfo

    def note(kind: str) -> str:
        return take_note(
            RecordingInfo(
                "x", tmp_path / "x.jsonl", complete=False, source=SourceInfo(kind=kind)
            )  # fmt: skip
        )

    assert "an imported video is finished by importing it again" in note("video")
    assert note("camera") == "  (cut short: its recording process was stopped)"


def test_labels_of_a_recording_gone_from_the_folder_are_removed_by_delete(
    qtbot, settings, tmp_path
):
    """A labels.csv row naming a recording the folder lacks (deleted or renamed by
    hand) stopped every training ("unknown recording") and nothing in Teach could
    remove it: Delete answered "no such recording … was not deleted", and a click
    on its row brought an error dialog (a trial). Its row says Delete removes its
    labels; a click says so where the take would show; Delete removes them."""
    root = tmp_path / "my-actions"
    _two_actions(root)
    labels = root / "labels.csv"
    with labels.open("a") as out:
        out.write("ghost-take,0.000,2.000,pick up,\n")
    panel, _jobs, errors = _panel(qtbot, settings, tmp_path)
    said: list[str] = []
    panel.ctx.status = said.append
    panel.refresh()
    row = next(i for i in _take_items(panel) if i.data(0, ROLE) == "ghost-take")
    assert "no such recording in the folder: Delete removes its labels" in row.text(0)
    assert panel.select_take("ghost-take")
    assert errors == [], errors  # no dialog for a click
    assert panel.recording is None
    assert panel.video.message.toPlainText().startswith(
        "No recording 'ghost-take' in the folder"
    )
    assert panel.skeleton.message_text() == "ghost-take: no skeleton to show"
    assert panel.delete_take("ghost-take")
    assert errors == [], errors
    assert said[-1] == (
        "Removed the labels of 'ghost-take' (its recording was not in the folder)"
    )
    assert "ghost-take" not in labels.read_text()
    assert len(custom.read_labels(root)) == 4  # the others kept
    assert not any(i.data(0, ROLE) == "ghost-take" for i in _take_items(panel))
    assert not panel.delete_take("ghost-take")  # nothing of it left: said
    assert errors[-1][1].endswith(": 'ghost-take' was not deleted")


def test_training_draws_the_validation_loss_beside_the_training_loss(
    qtbot, settings, tmp_path
):
    """Teach drew the training loss alone, and a model of a few takes overfitted
    unseen (its validation loss rose from 0.5 to 1.1 after epoch 4: a trial); with
    takes held out it draws their loss where it validates (every 5 epochs and the
    last), as the Train panel does."""
    _two_actions(tmp_path / "my-actions", takes=3)  # one take of each held out
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    try:
        panel.epochs.setValue(12)
        panel.train_button.click()
        qtbot.waitUntil(lambda: panel.train_job is None, timeout=120_000)
        assert errors == [], errors
        epochs, losses = panel.curves.values("val loss")
        assert epochs == [5.0, 10.0, 12.0]
        assert all(np.isfinite(losses)) and panel.curves.values("cls")[0]
    finally:
        jobs.stop_all()


def test_what_an_import_warns_of_is_said_at_its_end(qtbot, settings, tmp_path):
    """A video imported twice (a copy in another action's folder) read as a new take:
    the warning was in the log alone (a trial). The bar and the status bar say it."""
    drink = require_data("videos", "S001C001P001R001A001_rgb.avi")
    videos = tmp_path / "videos"
    for action, name in (("drink", "take1.avi"), ("sip", "copy.avi")):
        (videos / action).mkdir(parents=True)
        (videos / action / name).symlink_to(drink)
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    said: list[str] = []
    panel.ctx.status = said.append
    try:
        panel.import_videos(videos, workers=1)
        qtbot.waitUntil(lambda: panel.import_job is None, timeout=180_000)
        assert errors == [], errors
        assert panel.last_import_event.extracted == 2
        assert panel.progress.format() == "import done · ⚠ 1 warning (in the log)"
        assert said[-1].startswith("Import done: ⚠ take1.avi (recording 'drink-take1')")
        assert "is the same video as" in said[-1]
    finally:
        jobs.stop_all()
