"""Replay panel on real data: NW-UCLA clips with their labels and splits, an NTU file."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from app.panels.replay import ReplayPanel
from core.datasets.custom import read_labels as custom_labels
from core.inference.sequences import window_intervals
from tests.app.conftest import make_context
from tests.conftest import require_data


def make_panel(qtbot, settings, model_dir=None):
    ctx, jobs, errors = make_context(settings)
    panel = ReplayPanel(ctx, model_dir=model_dir)
    qtbot.addWidget(panel)
    return panel, jobs


def _opened_without_a_model(qtbot, settings, path):
    """``(panel, jobs)``: a Replay panel without a model that has opened the file
    ``path`` (its first clip shown)."""
    panel, jobs = make_panel(qtbot, settings)
    panel.model_dir = None
    try:
        panel.open_file(path)
        qtbot.waitUntil(lambda: panel.current is not None, timeout=30_000)
    except BaseException:
        jobs.stop_all()
        raise
    return panel, jobs


def _cut_copy(path, parts: int):
    """``path``: the first 1/``parts`` of a real NTU file (a copy cut short)."""
    data = require_data("ntu", "S001C001P001R001A011.skeleton").read_text()
    path.write_text(data[: len(data) // parts])
    return path


def _open_ntu_sample(qtbot, panel) -> None:
    """Open the shared NTU sample file on its own and wait until its clip shows."""
    panel.open_file(require_data("ntu", "S001C001P001R001A001.skeleton"))
    qtbot.waitUntil(lambda: panel.current is not None, timeout=30_000)


def test_nw_ucla_clips_play_with_true_label_and_split_filter(qtbot, settings):
    zip_path = require_data("nw-ucla", "all_sqe.zip")
    panel, jobs = make_panel(qtbot, settings)
    panel.model_dir = None
    try:
        panel.open_dataset("nw-ucla", zip_path)
        qtbot.waitUntil(lambda: panel.store is not None, timeout=60_000)
        assert len(panel.names) == 1484
        panel.split_filter.setCurrentText("test")
        assert panel.clip_list.count() == 464  # view 3
        panel.class_filter.setCurrentIndex(1)  # the first class present
        shown = panel.visible_clips()
        assert shown and all(panel.labels[i] == 0 for i in shown)
        assert all(panel.splits[i] == "test" for i in shown)
        seq = panel.current
        assert seq is not None and seq.label == 0
        # named with the dataset's own id, as its files say it (the 0-based index
        # read "(8)" for a11: a trial)
        assert panel.true_label.text() == "True: pick up with one hand (a01)"
        panel.class_filter.setCurrentIndex(9)  # a11 is the 9th class present
        assert panel.true_label.text() == "True: throw (a11)"
        panel.class_filter.setCurrentIndex(1)  # back to the first class's clip
        seq = panel.current  # (read again from the store)
        assert seq is not None and seq.name == "a01_s01_e00_v03"
        assert panel.current.meta["view"] == 3
        assert " · split test · " in panel.info.text()
        # Step and scrub through the frames at the recording's rate.
        panel.show_frame(seq.num_frames // 2)
        assert panel.slider.value() == seq.num_frames // 2
        panel._on_step_forward_clicked()
        assert panel.frame == min(seq.num_frames - 1, seq.num_frames // 2 + 1)
        panel.show_frame(0)
        panel.play()
        qtbot.waitUntil(lambda: panel.frame >= 3, timeout=2000)
        panel.pause()
        assert panel.timer.interval() == round(1000 / seq.fps)
    finally:
        jobs.stop_all()


def test_window_intervals_merge_consecutive_confident_windows():
    probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.5, 0.5], [0.1, 0.9]])
    starts = np.array([0, 10, 20, 30, 40])
    got = window_intervals(starts, 20, probs, threshold=0.6)
    assert got == [(0, 0, 29), (1, 20, 59)]


def test_real_ntu_file_replays_with_true_and_predicted_label(qtbot, settings):
    from core.runs import shipped_model_dir, shipped_models

    path = require_data("ntu", "S001C003P008R002A058.skeleton")
    panel, jobs = make_panel(qtbot, settings, model_dir=shipped_model_dir())
    try:
        panel.open_file(path)
        qtbot.waitUntil(lambda: panel.current is not None, timeout=30_000)
        seq = panel.current
        assert seq.name == "S001C003P008R002A058"
        assert panel.view.message_text() == ""  # the clip shown, not what to open
        assert (seq.num_frames, seq.num_bodies) == (70, 2)
        assert panel.true_label.text().startswith("True: ")
        assert "(A058)" in panel.true_label.text()  # as its folder names it
        assert panel.slider.maximum() == 69
        # The shipped NW-UCLA model predicts on the clip converted to its layout, and
        # its answer says it cannot be right: handshaking is none of its actions (a
        # confident answer, no mark and nothing said: a trial).
        qtbot.waitUntil(
            lambda: (
                panel.pred_label.text().startswith("Predicted: ")
                and "%" in panel.pred_label.text()
            ),
            timeout=30_000,
        )
        assert panel.pred_label.text().endswith(
            "  (its true action is none of this model's)"
        )
        # Beside it, the model's five best answers, best first, the first the one
        # named on the Predicted line (only the top answer was shown: a trial).
        top = panel.top_bars.shown()
        labels = list(panel.predictor.labels)
        assert len(top) == 5 and all(name in labels for name, _ in top)
        assert [p for _, p in top] == sorted((p for _, p in top), reverse=True)
        assert panel.pred_label.text().startswith(f"Predicted: {top[0][0]} (")
        # ... with the figure its bar gives ("100 %" beside 99.7 %: a trial)
        assert f"({panel.top_bars.values[0].text()})" in panel.pred_label.text()
        assert sum(p for _, p in top) <= 1.001
        # The metadata in words ("dropped_tracks 0" read as debug output).
        assert "dropped tracks 0" in panel.info.text() and "_" not in panel.info.text()
        # The Shipped menu offers the other shipped model, and the clip is predicted
        # again with it.
        menu = panel.shipped_button.menu()
        assert menu is not None
        menu.actions()[1].trigger()
        assert panel.model_label.text() == str(shipped_models()[1])
        qtbot.waitUntil(
            lambda: (
                panel.predictor is not None
                and panel.prediction is not None
                and "%" in panel.pred_label.text()
            ),
            timeout=30_000,
        )
        assert type(panel.predictor.model.encoder).__name__ == "GraphEncoder"
    finally:
        jobs.stop_all()


def test_a_pku_mmd_sequence_whose_label_file_is_damaged_is_shown_and_says_so(
    qtbot, settings, tmp_path
):
    """One bad label row refused the whole sequence (a trial): shown without its
    true actions, and said why."""
    from tests.conftest import pkummd_copy

    path = pkummd_copy(tmp_path, "4,abc,510,2\n")
    panel, jobs = _opened_without_a_model(qtbot, settings, path)
    try:
        assert panel.current.num_frames == 1494
        assert panel.current.meta["intervals"] == []
        text = panel.source_label.text()
        assert text.startswith("0005-L.txt: 1 clip; labels not read: ")
        assert f"{tmp_path / 'labels' / '0005-L.txt'}:1:" in text
    finally:
        jobs.stop_all()


def test_pku_mmd_sequence_shows_labelled_intervals_on_the_timeline(qtbot, settings):
    path = require_data("pkummd", "skeleton", "0005-L.txt")
    panel, jobs = _opened_without_a_model(qtbot, settings, path)
    try:
        assert panel.current.num_frames == 1494
        assert panel.timeline.isVisibleTo(panel)
        rows = require_data("pkummd", "labels", "0005-L.txt").read_text().split()
        assert len(panel.current.meta["intervals"]) == len(rows)
        assert [int(r.split(",")[0]) - 1 for r in rows] == [
            iv[0] for iv in panel.current.meta["intervals"]
        ]
        # A bar's caption is its class as the header and the label file give it
        # (bar "25" sat under "True: punching/slapping other person (26)": a trial).
        first_label, first_start, _ = panel.true_intervals[0]
        captions = {
            item.textItem.toPlainText()
            for item in panel.timeline._items
            if hasattr(item, "textItem")
        }
        panel.show_frame(first_start)
        header_id = panel.true_label.text().split("(")[-1].split(")")[0]
        assert header_id == rows[0].split(",")[0] and header_id in captions
        assert str(first_label) not in captions  # not the number from 0
        panel.timeline.frame_clicked.emit(900)  # a click there seeks there
        assert panel.frame == 900 and panel.slider.value() == 900
        panel.timeline.frame_clicked.emit(5000)  # past the end: its last frame
        assert panel.frame == 1493
        # Opened as a dataset, its official sides read as words, not Python's
        # {'xsub': 'train', …}
        panel.open_dataset("pkummd1", require_data("pkummd"))
        qtbot.waitUntil(lambda: panel.store is not None, timeout=60_000)
        qtbot.waitUntil(lambda: panel.current is not None, timeout=30_000)
        assert "splits xsub train / xview train" in panel.info.text()
        assert "{" not in panel.info.text()
        # the action's frames as the timeline says them, both ends inclusive
        start, end = (panel.current.meta[k] for k in ("start", "end"))
        assert f"frames {start}-{end - 1}" in panel.info.text()
        assert f"end {end}" not in panel.info.text()
        # where the whole sequence and its timeline are (unsaid: a trial)
        assert "Open file… on a skeleton/*.txt shows" in panel.source_label.text()
    finally:
        jobs.stop_all()


def test_a_single_ntu_file_names_its_class_as_its_folder_does(qtbot, settings):
    """Opened on its own (the Dataset box on another dataset) an NTU take read
    "punching/slapping other person (49)", in its folder "(A050)" (a trial)."""
    path = require_data("ntu", "S001C001P001R001A050.skeleton")
    panel, jobs = make_panel(qtbot, settings)
    panel.model_dir = None
    try:
        panel.dataset.setCurrentText("nw-ucla")
        panel.open_file(path)
        qtbot.waitUntil(lambda: panel.current is not None, timeout=30_000)
        assert panel.true_label.text().endswith("(A050)"), panel.true_label.text()
    finally:
        jobs.stop_all()


def test_users_recording_replays_with_its_own_labelled_actions(
    qtbot, settings, tmp_path
):
    from core.datasets import read_file
    from core.datasets.custom import LabelInterval, import_sequence, set_labels

    kinect = read_file(require_data("ntu", "S001C001P001R001A050.skeleton"))
    root = tmp_path / "my-actions"
    import_sequence(root, "session", kinect)
    set_labels(
        root,
        [
            LabelInterval("session", 0.0, 1.0, "wave"),
            LabelInterval("session", 1.5, 2.4, "clap"),
        ],
    )
    panel, jobs = _opened_without_a_model(qtbot, settings, root / "session.jsonl")
    try:
        # The dataset's classes (sorted), frames at 30 FPS, ends inclusive on screen.
        assert panel.class_names == ["clap", "wave"]
        assert panel.true_intervals == [(1, 0, 29), (0, 45, 71)]
        # Coloured as Teach colours them ("no action", then labels.csv's order), not
        # by the sorted class numbers (the same take had other colours in the two
        # panels: a trial).
        import pyqtgraph as pg

        from app.widgets.timeline import class_colour

        bars = {
            round(bar.opts["x0"][0]): bar.opts["brush"].color().getRgb()[:3]
            for bar in panel.timeline._items
            if isinstance(bar, pg.BarGraphItem)
        }
        assert bars == {0: class_colour(1, 3), 45: class_colour(2, 3)}
        assert panel.timeline.isVisibleTo(panel)
        panel.show_frame(45)
        assert panel.true_label.text() == "True: clap · frames 45-71"
        # The counter numbers frames as the header does (from 0; it read 46 here),
        # then the last frame's number and the time into the recording.
        last = panel.current.num_frames - 1
        seconds = 45 / panel.current.fps
        assert panel.frame_label.text() == f"frame 45 / {last} · {seconds:.2f} s"
        panel.show_frame(44)
        assert panel.true_label.text() == "True: no labelled action here"
        panel.show_frame(50)
        assert panel.true_label.text() == "True: clap · frames 45-71"
        panel.show_frame(35)
        assert panel.true_label.text() == "True: no labelled action here"
        # The frame times are the recording's own, not text for the info line; nor
        # is a complete recording's "complete True", or a rate of "30.0001 fps".
        assert "timestamps" not in panel.info.text()
        assert "complete" not in panel.info.text() and " at 30 fps" in panel.info.text()
        # nor the actions' colour order as a Python list (a trial)
        assert "action order" not in panel.info.text() and "[" not in panel.info.text()
    finally:
        jobs.stop_all()


def test_taught_model_on_a_recording_with_a_class_it_never_saw(
    qtbot, settings, tmp_path
):
    """Headers mark the answers by name: the data may have more classes than the model
    (a take of a new action recorded after training)."""
    import threading

    from core.datasets import read_file
    from core.datasets.custom import LabelInterval, import_sequence, set_labels
    from core.runs import shipped_model_dir
    from core.training.loop import run as train
    from core.training.teach import teach_config

    base = shipped_model_dir()
    if base is None:
        pytest.skip("no shipped model in resources/checkpoints")
    drink = read_file(require_data("ntu", "S001C001P001R001A001.skeleton"))
    read = read_file(require_data("ntu", "S001C001P001R001A011.skeleton"))
    root = tmp_path / "mine"
    import_sequence(root, "drink-001", drink, action="a")
    import_sequence(root, "read-001", read, action="b")
    run_dir = tmp_path / "run"
    cfg = teach_config(root, run_dir, init_from=base, epochs=2, val_fraction=0,
                       device="cpu", threads=1, cache_dir=str(tmp_path / "cache"))  # fmt: skip
    list(train(cfg, threading.Event()))
    # Then a new action, which sorts between the model's two: the recording's classes
    # are a, "a new one", b; the model knows a and b (marks were given only when the
    # model's classes were the first of the data's).
    import_sequence(root, "session", drink)
    set_labels(
        root,
        [
            *[iv for iv in custom_labels(root) if iv.recording != "session"],
            LabelInterval("session", 0.0, 3.4, "a new one"),
        ],
    )
    panel, jobs = make_panel(qtbot, settings, model_dir=run_dir)
    try:
        panel.open_file(root / "session.jsonl")
        qtbot.waitUntil(lambda: panel.prediction is not None, timeout=60_000)
        assert panel.class_names == ["a", "a new one", "b"]
        assert list(panel.predictor.labels) == ["a", "b"]
        answered = []
        # a model of two actions: two rows of top answers, not three of them "–"
        assert [panel.top_bars.names[i].isVisibleTo(panel) for i in range(3)] == [
            True, True, False
        ]  # fmt: skip
        for frame in range(panel.current.num_frames):
            panel.show_frame(frame)  # raised IndexError when marking class c
            text = panel.pred_label.text()
            top = panel.top_bars.shown()
            if frame == 0:  # no window yet: no answer, not "no action" (a trial)
                assert text == "Predicted: – (the first window is filling)"
                assert top == []
            elif text.startswith("Predicted: ") and "%" in text:
                answered.append(text)
                # the bars follow the cursor: the answer at this frame, best first
                state = panel.prediction.sequence.state(frame)
                assert top == [(n, round(p, 3)) for n, p in state.top_k]
                assert {n for n, _ in top} == {"a", "b"}
                assert text.startswith(f"Predicted: {top[0][0]} (")
        # Every answer on the new action's interval is a or b: each marked wrong.
        assert answered and all(t.endswith("✗") for t in answered)
        # The labelled bar says its action's name (a recording's few actions).
        captions = {
            item.textItem.toPlainText()
            for item in panel.timeline._items
            if hasattr(item, "textItem") and round(item.pos().y()) == 1
        }
        assert captions == {"a new one"}
        panel.set_model(None)  # the old model's answers go with it
        assert panel.prediction is None
        assert panel.pred_label.text() == "Predicted: (no model)"
        assert panel.top_bars.shown() == []
    finally:
        jobs.stop_all()


def test_bad_files_of_a_folder_are_listed_and_long_errors_wrap(
    qtbot, settings, tmp_path
):
    """A folder with damaged NTU files lists them beside the clip count (each was only a
    passing status-bar message); a long error wraps instead of widening the window; a
    .zip opened as a file points to opening it as a dataset."""
    import shutil

    folder = tmp_path / "ntu"
    folder.mkdir()
    good = require_data("ntu", "S001C001P001R001A011.skeleton")
    shutil.copy(good, folder / good.name)
    data = require_data("ntu", "S001C001P001R001A001.skeleton").read_bytes()
    (folder / "S001C001P001R001A001.skeleton").write_bytes(data[: len(data) // 2])
    panel, jobs = make_panel(qtbot, settings)
    panel.model_dir = None
    try:
        panel.open_dataset("ntu60", folder)
        qtbot.waitUntil(lambda: panel.store is not None, timeout=60_000)
        assert (
            panel.source_label.text()
            == "ntu60: 1 clip (1 bad file left out: see Bad files…)"
        )
        assert "S001C001P001R001A001.skeleton" in panel.source_label.toolTip()
        # Listed for the keyboard too, not only in the label's tooltip.
        assert panel.bad_files_button.isVisibleTo(panel)
        panel.bad_files_button.click()
        dialog = panel.bad_files_dialog
        assert dialog is not None and "S001C001P001R001A001.skeleton" in dialog.text()
        # Its count is the source line's: bad files apart from skipped items.
        assert dialog.text().startswith(
            "Of this dataset, 1 bad file left out (each with the file and why):\n\n"
        )
        dialog.close()
        width = panel.sizeHint().width()
        panel.open_file(require_data("nw-ucla", "all_sqe.zip"))
        qtbot.waitUntil(lambda: "Could not open" in panel.info.text(), timeout=30_000)
        assert "open it as one (Replay's 'Open zip…'" in panel.info.text()
        assert panel.sizeHint().width() <= width
        # The folder stays open, its line, list of bad files and boxes as they were.
        assert "(still showing ntu60: 1 clip)" in panel.info.text()
        assert panel.source_label.text().startswith("ntu60: 1 clip (1 bad file")
        assert "S001C001P001R001A001.skeleton" in panel.source_label.toolTip()
        assert panel.bad_files_button.isVisibleTo(panel)
        assert panel.store is not None and panel.clip_list.count() == 1
        assert panel.dataset.currentText() == "ntu60"
        assert panel.protocol.currentText() in ("xsub", "xview")
    finally:
        jobs.stop_all()


def test_one_file_shows_its_dataset_and_no_protocol(qtbot, settings):
    """An NTU file opened on its own: the Dataset box names NTU RGB+D 60 and the
    Protocol box says a single file has none, not the "nw-ucla / xview" of before."""
    panel, jobs = make_panel(qtbot, settings)
    panel.model_dir = None
    try:
        assert panel.dataset.currentText() == "nw-ucla"
        assert panel.protocol.currentText() == "xview"
        _open_ntu_sample(qtbot, panel)
        assert panel.dataset.currentText() == "ntu60"
        assert panel.protocol.currentText() == "none (one file)"
        assert not panel.protocol.isEnabled()
        # no "split –" for a file that has no protocol; its setup and camera instead
        assert "split" not in panel.info.text()
        assert "camera 1" in panel.info.text()
        # NTU's performer is its subject: said once (a trial read two people)
        assert "performer 1" in panel.info.text()
        assert "subject" not in panel.info.text()
        panel.dataset.setCurrentText("ntu120")  # choosing a dataset to open next
        assert panel.protocol.isEnabled()
        assert [panel.protocol.itemText(i) for i in range(panel.protocol.count())] == [
            "xsub",
            "xset",
        ]
    finally:
        jobs.stop_all()


def test_a_failed_open_keeps_the_clip_shown_before(qtbot, settings, tmp_path):
    """A file that will not open leaves what was open on screen (a user trial: the
    list and the view emptied), the error under the player saying what it is about
    and what is still shown. With nothing open before, nothing is shown but the
    error."""
    panel, jobs = make_panel(qtbot, settings)
    panel.model_dir = None
    cut = _cut_copy(tmp_path / "S001C001P001R001A011.skeleton", 2)
    try:
        _open_ntu_sample(qtbot, panel)
        assert panel.clip_list.count() == 1 and panel.view.frame_points() is not None
        panel.show_frame(10)
        panel.open_file(cut)
        qtbot.waitUntil(lambda: "Could not open" in panel.info.text(), timeout=30_000)
        assert str(cut) in panel.info.text()
        error, clip_line = panel.info.text().split("\n")
        assert error.endswith("(still showing S001C001P001R001A001.skeleton: 1 clip)")
        assert clip_line.startswith("S001C001P001R001A001 · ")  # the clip's own line
        assert panel.source_label.text() == "S001C001P001R001A001.skeleton: 1 clip"
        assert panel.current is not None and panel.clip_list.count() == 1
        assert panel.view.frame_points() is not None and panel.frame == 10
        assert panel.dataset.currentText() == "ntu60"
        assert panel.protocol.currentText() == "none (one file)"
        panel.play()  # still plays
        assert panel.timer.isActive()
        panel.pause()
    finally:
        jobs.stop_all()

    # With nothing open before, the error is all there is.
    panel, jobs = make_panel(qtbot, settings)
    panel.model_dir = None
    # ... and the view says what to open (an empty dark square said nothing: a trial).
    assert panel.view.message_text().startswith("Open a dataset folder, a zip or a")
    try:
        panel.open_file(cut)
        qtbot.waitUntil(
            lambda: "Could not open" in panel.source_label.text(), timeout=30_000
        )
        assert panel.current is None and panel.clip_list.count() == 0
        assert panel.view.frame_points() is None
        assert panel.true_label.text() == "True: –"
        assert panel.frame_label.text() == "frame –"
        assert panel.slider.maximum() == 0
        # Said once in full (under the player), the top line names the file.
        assert panel.source_label.text() == f"Could not open {cut.name}"
        assert panel.info.text().startswith(f"Could not open: {cut}")
        panel.play()  # nothing to play: no error
        assert not panel.timer.isActive()
        # The next dataset that opens takes the error away from under the player too.
        folder = tmp_path / "ntu"
        folder.mkdir()
        name = "S001C001P001R001A001.skeleton"
        (folder / name).symlink_to(require_data("ntu", name))
        panel.split_filter.setCurrentText("test")  # P001 trains in xsub
        panel.open_dataset("ntu60", folder)
        qtbot.waitUntil(lambda: panel.store is not None, timeout=60_000)
        assert "Could not open" not in panel.info.text()
        # New data, all its splits: the last data's filter hid its one clip (a
        # trial: an empty list beside the last data's clip still on screen).
        assert panel.split_filter.currentText() == "all splits"
        assert panel.clip_list.count() == 1 and panel.current is not None
        panel.split_filter.setCurrentText("test")  # now nothing shows, nothing stays
        assert panel.clip_list.count() == 0 and panel.current is None
        assert panel.view.frame_points() is None and panel.info.text() == ""
    finally:
        jobs.stop_all()


def test_one_pku_file_lists_its_actions_and_its_headers_keep_their_place(
    qtbot, settings
):
    """A PKU-MMD file has no one label but labelled intervals: the list said
    "unlabelled". The Protocol box fits "none (one file)" (it was cut to the width of
    the protocols shown first); the True and Predicted headers are on lines of their
    own, so the predicted one neither runs into the true one nor moves with it."""
    from PyQt6.QtWidgets import QStyle, QStyleOptionComboBox

    path = require_data("pkummd", "skeleton", "0005-L.txt")
    panel, jobs = make_panel(qtbot, settings)
    panel.model_dir = None
    panel.resize(1300, 800)
    panel.show()
    qtbot.waitExposed(panel)
    try:
        panel.open_file(path)
        qtbot.waitUntil(lambda: panel.current is not None, timeout=30_000)
        assert len(panel.current.meta["intervals"]) == 8
        assert panel.clip_list.item(0).text() == "0005-L  ·  8 labelled actions"
        panel.layout().activate()
        combo = panel.protocol
        option = QStyleOptionComboBox()
        combo.initStyleOption(option)
        field = combo.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox,
            option,
            QStyle.SubControl.SC_ComboBoxEditField,
            combo,
        )
        text = combo.currentText()
        assert text == "none (one file)"
        assert field.width() >= combo.fontMetrics().horizontalAdvance(text)
        places = set()
        for frame in (250, 400, 500, 830, 1030, 1450):
            panel.show_frame(frame)
            panel.layout().activate()
            true, pred = panel.true_label.geometry(), panel.pred_label.geometry()
            assert pred.top() > true.bottom()
            places.add((pred.x(), pred.y(), pred.width()))
        assert len(places) == 1
    finally:
        jobs.stop_all()


def test_ones_own_dataset_splits_as_the_loaded_model_held_it_out(
    qtbot, settings, tmp_path, monkeypatch
):
    """ "test" in Replay lists the takes the loaded model held out (its seed and its
    recorded takes), not the default draw, which marked takes it trained on as test."""
    from core import runs
    from core.cli import main
    from core.datasets.ucla import UclaReader
    from tests.core.conftest import write_takes

    monkeypatch.setenv("MS2L_CACHE", str(tmp_path / "cache"))
    clips = [
        s for s in UclaReader().scan(require_data("nw-ucla", "all_sqe.zip"))
        if s.label in (0, 1, 4) and s.meta["view"] == 1 and s.meta["subject"] <= 5
    ]  # fmt: skip
    root = write_takes(tmp_path / "ds", clips)
    held = {}
    for seed in (0, 1):
        run = tmp_path / f"run{seed}"
        assert main(["train", "--dataset", "custom", "--root", str(root), "--run-dir",
                     str(run), "--strategy", "scratch", "--epochs", "1", "--seed",
                     str(seed), "--preset", "paper", "--hidden", "8", "--frames", "16",
                     "--device", "cpu", "--quiet"]) == 0  # fmt: skip
        held[seed] = set(runs.read_run(run).config.data.held_out)
    assert held[0] != held[1]
    panel, jobs = make_panel(qtbot, settings, model_dir=tmp_path / "run0")
    try:
        panel.open_dataset("custom", root)
        qtbot.waitUntil(lambda: panel.store is not None, timeout=60_000)
        # a user's actions by name alone: the number of their sorted order moved
        # with every action added (a trial)
        filters = [
            panel.class_filter.itemText(i) for i in range(panel.class_filter.count())
        ]
        assert filters[1:] == sorted(panel.class_names)
        # Open file… goes on in the folder just opened (it started elsewhere: a trial)
        assert panel._start_folder("replay/file_dir") == str(root)

        def tested() -> set[str]:
            return {
                panel.store.metas[i]["recording"]
                for i in np.flatnonzero(panel.splits == "test")
            }

        assert tested() == held[0]
        panel.set_model(tmp_path / "run1")
        assert tested() == held[1]
    finally:
        jobs.stop_all()


def test_a_model_that_will_not_load_leaves_the_one_before(qtbot, settings, tmp_path):
    """Choosing a folder whose model does not load showed "(failed)" and raised the
    same error again on every clip; now it is said once and the model before stays.
    The predicted row of a recording is cleared at once when the model changes (the
    old model's bars stayed up while the new one predicted)."""
    import shutil

    from core.datasets import read_file
    from core.datasets.custom import LabelInterval, import_sequence, set_labels
    from core.runs import shipped_model_dir

    shipped = shipped_model_dir()
    root = tmp_path / "my-actions"
    kinect = read_file(require_data("ntu", "S001C001P001R001A050.skeleton"))
    import_sequence(root, "session", kinect)
    set_labels(root, [LabelInterval("session", 0.0, 1.0, "wave")])
    ctx, jobs, errors = make_context(settings)
    panel = ReplayPanel(ctx, model_dir=shipped)
    qtbot.addWidget(panel)
    try:
        panel.open_file(root / "session.jsonl")
        qtbot.waitUntil(lambda: panel.prediction is not None, timeout=60_000)
        assert panel.timeline.predicted  # the shipped model's answers
        assert ctx.recall("replay/model") == str(shipped)
        bad = tmp_path / "bad"
        shutil.copytree(shipped, bad)
        (bad / "weights.pt").write_bytes(b"not a checkpoint")
        for extra in bad.glob("*.onnx"):
            extra.unlink()
        panel.set_model(bad)
        assert panel.timeline.predicted == []  # the other model's answers are gone
        qtbot.waitUntil(lambda: errors != [], timeout=60_000)
        qtbot.waitUntil(lambda: panel.prediction is not None, timeout=60_000)
        assert panel.model_dir == shipped and panel.model_label.text() == str(shipped)
        assert len(errors) == 1
        title, message = errors[0]
        assert message.startswith("Could not load the model: ") and str(bad) in message
        assert message.endswith(f"; back to {shipped}")
        assert panel.timeline.predicted and "(failed)" not in panel.pred_label.text()
        assert ctx.recall("replay/model") == str(
            shipped
        )  # the bad one is not remembered
    finally:
        jobs.stop_all()


def test_a_click_on_the_slider_seeks_there(qtbot, settings):
    """A click on the groove moved 10 frames towards it (a page), not to it."""
    from PyQt6.QtCore import QPoint, Qt

    panel, jobs = make_panel(qtbot, settings)
    panel.model_dir = None
    try:
        _open_ntu_sample(qtbot, panel)
        panel.resize(1000, 700)
        panel.show()
        qtbot.waitExposed(panel)
        slider = panel.slider
        last = panel.current.num_frames - 1
        qtbot.mouseClick(
            slider,
            Qt.MouseButton.LeftButton,
            pos=QPoint(int(slider.width() * 0.75), slider.height() // 2),
        )
        assert abs(panel.frame - 0.75 * last) <= 0.05 * last + 1, (panel.frame, last)
        # The counter beside it keeps its width, so the slider keeps its length (a
        # click landed on another frame as "frame 0" became "frame 232 / 1493").
        panel.show_frame(0)
        qtbot.wait(50)
        length = slider.width()
        panel.show_frame(last)
        qtbot.wait(50)
        assert slider.width() == length
    finally:
        jobs.stop_all()


def test_two_models_that_will_not_load_do_not_send_the_panel_back_and_forth(
    qtbot, settings, tmp_path
):
    """Going back to the model before, which failed too, went back to the first
    again: hundreds of error dialogs in seconds (a review)."""
    import shutil

    from core.runs import shipped_model_dir

    def broken(name):
        folder = shutil.copytree(shipped_model_dir(), tmp_path / name)
        (folder / "weights.pt").write_bytes(b"not a checkpoint")
        for extra in folder.glob("*.onnx"):
            extra.unlink()
        return folder

    ctx, jobs, errors = make_context(settings)
    panel = ReplayPanel(ctx, model_dir=None)
    qtbot.addWidget(panel)
    try:
        panel.set_model(broken("b"))  # no clip open: nothing loads yet
        panel.set_model(broken("c"))
        panel.open_file(require_data("ntu", "S001C001P001R001A001.skeleton"))
        qtbot.waitUntil(lambda: panel.model_dir is None, timeout=30_000)
        qtbot.wait(1500)  # nothing more happens
        assert len(errors) == 2 and panel.model_dir is None
        assert panel.pred_label.text() == "Predicted: (no model)"
    finally:
        jobs.stop_all()


def test_a_failed_open_right_after_another_open_restores_what_is_shown(
    qtbot, settings, tmp_path
):
    """A second open while the first was still loading noted the first's "Opening…"
    line as what to go back to (a review)."""
    panel, jobs = make_panel(qtbot, settings)
    panel.model_dir = None
    cut = _cut_copy(tmp_path / "cut.skeleton", 3)
    try:
        _open_ntu_sample(qtbot, panel)
        before = (panel.source_label.text(), panel.dataset.currentText())
        panel.open_dataset("nw-ucla", require_data("nw-ucla", "all_sqe.zip"))
        panel.open_file(cut)  # at once, before the dataset has opened
        qtbot.waitUntil(lambda: "Could not open" in panel.info.text(), timeout=30_000)
        assert (panel.source_label.text(), panel.dataset.currentText()) == before
        assert f"(still showing {before[0]})" in panel.info.text()
        assert panel.protocol.currentText() == "none (one file)"
    finally:
        jobs.stop_all()


def test_a_folder_of_no_clip_says_why_and_keeps_the_dataset_open_before(
    qtbot, settings, tmp_path
):
    """A folder that gave no clip said only "ntu60: 0 clips", with the clip of before
    still on screen and playing; and after the user had switched the Dataset box to
    open something else, a failed open left the box naming that other dataset beside
    the clips still listed (a user trial)."""
    panel, jobs = make_panel(qtbot, settings)
    panel.model_dir = None
    good = tmp_path / "good"
    good.mkdir()
    shutil.copy(require_data("ntu", "S001C001P001R001A001.skeleton"), good)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "S001C001P001R001A002.skeleton").write_bytes(b"0\r\n")
    past = good / "S005C001P001R001A130.skeleton"  # no NTU action: skipped, and said
    shutil.copy(require_data("ntu", "S001C001P001R001A001.skeleton"), past)
    try:
        panel.open_dataset("ntu60", good)
        qtbot.waitUntil(lambda: panel.current is not None, timeout=60_000)
        shown = panel.current.name
        assert (
            panel.source_label.text()
            == "ntu60: 1 clip (1 item skipped: see Bad files…)"
        )
        assert "A130 is none of NTU RGB+D's" in panel.source_label.toolTip()
        panel.protocol.setCurrentText("xview")
        panel.dataset.setCurrentText("pkummd1")  # the user picks what to open next
        panel.open_dataset("ntu60", empty)
        qtbot.waitUntil(lambda: "Could not open" in panel.info.text(), timeout=60_000)
        assert f"{empty}: no ntu60 clip in it: " in panel.info.text()
        assert (
            "A002.skeleton: no frame: the file declares 0 frames" in panel.info.text()
        )
        assert panel.current is not None and panel.current.name == shown
        assert len(panel.names) == 1
        # the boxes name the data still open, with the protocol its split follows
        assert panel.dataset.currentText() == "ntu60"
        assert panel.protocol.currentText() == "xview" and panel.protocol.isEnabled()
        # and the next session opens with the data that opened, not the failed one
        assert panel.ctx.recall("replay/root") == str(good)
        panel.dataset.setCurrentText("pkummd1")
        panel.open_dataset("pkummd1", empty)  # no skeleton folder: fails too
        qtbot.waitUntil(
            lambda: "no skeleton folder" in panel.info.text(), timeout=60_000
        )
        assert panel.dataset.currentText() == "ntu60"
    finally:
        jobs.stop_all()


def test_an_ntu_skeletons_zip_opens_when_ntu_is_the_dataset_chosen(
    qtbot, settings, tmp_path
):
    """The only zip button opened every zip as NW-UCLA: an NTU RGB+D skeletons zip
    failed with "expected all_sqe/<sample>.json members" (a user trial)."""
    import zipfile

    from app.panels.replay import zip_dataset

    assert [zip_dataset(d) for d in ("ntu60", "ntu120", "nw-ucla", "pkummd1")] == [
        "ntu60",
        "ntu120",
        "nw-ucla",
        "nw-ucla",
    ]
    archive = tmp_path / "nturgbd_skeletons_s018_to_s032.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in sorted(require_data("ntu").glob("*.skeleton")):
            zf.write(f, f"nturgb+d_skeletons/{f.name}")
    panel, jobs = make_panel(qtbot, settings)
    panel.model_dir = None
    try:
        panel.dataset.setCurrentText("ntu120")
        panel.open_dataset(zip_dataset(panel.dataset.currentText()), archive)
        qtbot.waitUntil(lambda: panel.store is not None, timeout=60_000)
        assert panel.store.dataset == "ntu120" and len(panel.names) == 4
    finally:
        jobs.stop_all()


def test_open_dialogs_start_in_the_data_folder_then_where_data_was_opened(
    qtbot, settings, tmp_path, monkeypatch
):
    """Open zip… started in the folder the app was launched from (the source tree)."""
    from pathlib import Path

    panel, jobs = make_panel(qtbot, settings)
    try:
        monkeypatch.setenv("MS2L_DATA", str(tmp_path))
        assert panel._start_folder("replay/root") == str(tmp_path)
        monkeypatch.setenv("MS2L_DATA", str(tmp_path / "none"))
        assert panel._start_folder("replay/root") == str(Path.home())
        panel.ctx.remember("replay/root", "/somewhere/ntu")
        assert panel._start_folder("replay/root") == "/somewhere/ntu"
    finally:
        jobs.stop_all()


def test_what_opens_after_a_failure_takes_its_place_in_the_status_bar(
    qtbot, settings, tmp_path
):
    """'Replay loading failed: ...' stayed in the status bar over the data that then
    opened (a trial)."""
    panel, jobs = make_panel(qtbot, settings)
    panel.model_dir = None
    said: list[str] = []
    panel.ctx.status = said.append
    try:
        panel.open_file(_cut_copy(tmp_path / "cut.skeleton", 3))
        qtbot.waitUntil(lambda: "Could not open" in panel.info.text(), timeout=30_000)
        _open_ntu_sample(qtbot, panel)
        assert said[-1] == "Opened S001C001P001R001A001.skeleton"
    finally:
        jobs.stop_all()


def test_a_webcam_take_says_the_layout_it_was_made_in(qtbot, settings, tmp_path):
    """A MediaPipe take read as ntu25 said "1 body slot(s) · ntu25" beside a file
    whose header says mp33 (a GUI trial): both layouts, and one body slot."""
    from core.recorder import record

    video = require_data("videos", "ta_chi.mp4")
    *_, done = record(video, tmp_path / "ds", action="tai chi", max_frames=12)
    panel, jobs = _opened_without_a_model(qtbot, settings, done.path)
    try:
        info = panel.info.text()
        assert " · 1 body slot · ntu25 (from mp33)" in info, info
        assert "(s)" not in info
    finally:
        jobs.stop_all()


def test_a_zip_opened_as_another_dataset_says_so(qtbot, settings, monkeypatch):
    """Open zip… with pkummd1 chosen read NW-UCLA's all_sqe.zip as nw-ucla, the
    Dataset box changing by itself, unsaid (a GUI trial)."""
    from PyQt6.QtWidgets import QFileDialog

    archive = require_data("nw-ucla", "all_sqe.zip")
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", lambda *a, **k: (str(archive), "")
    )  # the file the user picks in the dialog
    panel, jobs = make_panel(qtbot, settings)
    said: list[str] = []
    panel.ctx.status = said.append
    try:
        panel.dataset.setCurrentText("pkummd1")
        panel._on_open_zip_clicked()
        assert panel.dataset.currentText() == "nw-ucla"
        assert said and said[-1].startswith("Opening all_sqe.zip as nw-ucla")
        assert "not as pkummd1" in said[-1]
        qtbot.waitUntil(lambda: panel.store is not None, timeout=60_000)
    finally:
        jobs.stop_all()


def test_the_info_line_gives_seconds_to_the_millisecond():
    """From a trial: a custom clip's span end read 'end 4.733333333333333'."""
    from app.panels.replay import _shown_value

    assert _shown_value(4.733333333333333) == "4.733"
    assert (_shown_value(30.0), _shown_value(0.5), _shown_value(12)) == (
        "30",
        "0.5",
        "12",
    )
    assert _shown_value({"xsub": "train"}) == "xsub train"


def test_the_info_line_gives_notes_as_text_by_their_files_name():
    """A PKU-MMD sequence's notes read as a Python list of full paths (a trial)."""
    from app.panels.replay import _shown_value

    assert _shown_value(
        ["/data/pku/labels/0006-L.txt:9: end 1700 clipped to the 1494 frames",
         "C:\\pku\\labels\\0006-L.txt:3: punching/slapping other person",
         "/home/me/My Data/pku/0006-L.txt:4: x",  # folders with spaces (a review)
         "punching/slapping other person: no clip"]  # no path: kept whole
    ) == (
        "0006-L.txt:9: end 1700 clipped to the 1494 frames; "
        "0006-L.txt:3: punching/slapping other person; 0006-L.txt:4: x; "
        "punching/slapping other person: no clip"
    )  # fmt: skip


def test_an_ntu120_action_under_an_ntu60_model_is_said_to_be_none_of_its(
    qtbot, settings, tmp_path
):
    """Every class of an NTU-60 model is one of NTU-120's, so an A087 clip's answer
    was marked ✗ as if the model could have been right (a trial)."""
    import shutil

    from tests.core.live_model import make_run

    model = make_run(tmp_path / "ntu60-model")
    src = require_data("ntu", "S001C001P001R001A001.skeleton")
    late = tmp_path / "S018C001P041R001A087.skeleton"
    shutil.copy(src, late)
    panel, jobs = make_panel(qtbot, settings, model_dir=model)
    try:
        panel.dataset.setCurrentText("ntu120")
        for path, verdicts in ((late, ("  (its true action is none of this model's)",)),
                               (src, ("  ✓", "  ✗"))):  # fmt: skip
            panel.open_file(path)
            qtbot.waitUntil(
                lambda p=path: (
                    panel.current is not None
                    and panel.current.name == p.stem
                    and "%" in panel.pred_label.text()
                ),
                timeout=60_000,
            )
            assert panel.pred_label.text().endswith(verdicts), panel.pred_label.text()
    finally:
        jobs.stop_all()


def test_choosing_another_dataset_reads_the_open_folder_as_it(qtbot, settings):
    """With NTU files open, choosing another Dataset left its name and protocols
    beside the open clips, split by neither (a trial): the folder is read as the
    chosen dataset, or, when it cannot be, stays as it was, boxes and all."""
    from core.datasets.splits import PROTOCOLS

    folder = require_data("ntu")
    panel, jobs = make_panel(qtbot, settings)
    panel.model_dir = None
    try:
        panel.open_dataset("ntu60", folder)
        qtbot.waitUntil(lambda: panel.store is not None, timeout=60_000)
        panel.dataset.setCurrentText("ntu120")  # as a user's pick does ...
        panel.dataset.textActivated.emit("ntu120")  # ... then says
        qtbot.waitUntil(
            lambda: panel.store is not None and panel.store.dataset == "ntu120",
            timeout=60_000,
        )
        protocols = [panel.protocol.itemText(i) for i in range(panel.protocol.count())]
        assert protocols == list(PROTOCOLS["ntu120"])
        panel.protocol.setCurrentText("xset")
        # a dataset whose files the folder does not hold: what is open stays, boxes
        # and all, and the pick waits for the next open
        panel.dataset.setCurrentText("nw-ucla")
        panel.dataset.textActivated.emit("nw-ucla")
        assert not panel._loading
        assert panel.store is not None and panel.store.dataset == "ntu120"
        assert panel.dataset.currentText() == "ntu120"
        protocols = [panel.protocol.itemText(i) for i in range(panel.protocol.count())]
        assert protocols == list(PROTOCOLS["ntu120"])
        assert panel.protocol.currentText() == "xset"
        assert panel._wanted_dataset() == "nw-ucla"
        # a pick while an open is in progress: the box keeps what is being opened
        panel.open_dataset("ntu60", folder)
        panel.dataset.setCurrentText("nw-ucla")
        panel.dataset.textActivated.emit("nw-ucla")
        assert panel.dataset.currentText() == "ntu60"
        qtbot.waitUntil(
            lambda: panel.store is not None and panel.store.dataset == "ntu60",
            timeout=60_000,
        )
        # a file shown: the pick is for the next open, no protocol beside its clip
        panel.open_file(folder / "S001C001P001R001A001.skeleton")
        qtbot.waitUntil(lambda: panel.store is None and not panel._loading)
        panel.dataset.setCurrentText("nw-ucla")
        panel.dataset.textActivated.emit("nw-ucla")
        assert not panel.protocol.isEnabled() and panel.protocol.count() == 1
    finally:
        jobs.stop_all()


def test_another_datasets_folder_or_zip_opens_as_what_its_files_are(
    qtbot, settings, tmp_path, monkeypatch
):
    """With NW-UCLA's zip open, ntu60 could not be chosen (re-reading the zip as NTU
    failed and put the box back) and an NTU folder opened as NW-UCLA failed with
    "open it as ntu60": no way to another dataset but a restart (a trial)."""
    import shutil
    import zipfile

    from PyQt6.QtWidgets import QFileDialog

    from core.datasets.registry import dataset_held

    ntu = require_data("ntu")
    ucla_zip = require_data("nw-ucla", "all_sqe.zip")
    late = tmp_path / "ntu120"
    late.mkdir()
    shutil.copy(
        ntu / "S001C001P001R001A001.skeleton", late / "S018C001P041R001A087.skeleton"
    )
    ucla = tmp_path / "ucla"
    ucla.mkdir()
    with zipfile.ZipFile(ucla_zip) as archive:
        member = next(n for n in archive.namelist() if n.endswith(".json"))
        (ucla / Path(member).name).write_bytes(archive.read(member))
    assert [dataset_held(ntu, d) for d in ("nw-ucla", "ntu120", "pkummd1")] == [
        "ntu60", "ntu120", "ntu60"
    ]  # fmt: skip
    assert dataset_held(late, "ntu60") == "ntu120"  # an action beyond NTU-60's
    assert dataset_held(ucla, "ntu60") == dataset_held(ucla_zip, "ntu60") == "nw-ucla"
    assert dataset_held(tmp_path / "none", "ntu60") == "ntu60"
    # a stray .jsonl beside NTU files, and PKU-MMD's skeleton folder itself (a review)
    (late / "notes.jsonl").write_text("")
    assert dataset_held(late, "ntu120") == "ntu120"
    pku = require_data("pkummd", "skeleton")
    assert dataset_held(pku, "nw-ucla") == "pkummd1"
    panel, jobs = make_panel(qtbot, settings)
    panel.model_dir = None
    try:
        panel.open_dataset("nw-ucla", ucla)
        qtbot.waitUntil(lambda: panel.store is not None, timeout=60_000)
        panel.dataset.setCurrentText("ntu120")
        panel.dataset.textActivated.emit("ntu120")  # for the next open
        assert panel.store.dataset == "nw-ucla" and not panel._loading

        def open_folder(folder, expected: str) -> None:
            """Open Folder… as a user does, choosing ``folder``."""
            monkeypatch.setattr(
                QFileDialog, "getExistingDirectory", lambda *a, **k: str(folder)
            )
            panel._on_open_folder_clicked()
            qtbot.waitUntil(
                lambda: panel.store is not None and panel.store.dataset == expected,
                timeout=60_000,
            )

        open_folder(ntu, "ntu120")
        assert len(panel.names) == 4 and panel.dataset.currentText() == "ntu120"
        # the box says ntu120; NW-UCLA's folder opens as NW-UCLA all the same
        open_folder(ucla, "nw-ucla")
    finally:
        jobs.stop_all()


def test_an_unfamiliar_clip_says_why_no_class_is_ranked(qtbot, settings, tmp_path):
    """Five blank "Top answers" rows under "no action (unfamiliar motion)", where Live
    says why, and Evaluate counting the clip by the model's best class (a trial)."""
    import zipfile

    from core.inference.sequences import ClipPrediction

    with zipfile.ZipFile(require_data("nw-ucla", "all_sqe.zip")) as archive:
        member = next(n for n in archive.namelist() if n.endswith("_v03.json"))
        path = tmp_path / Path(member).name
        path.write_bytes(archive.read(member))
    panel, jobs = _opened_without_a_model(qtbot, settings, path)
    try:
        panel.show_prediction(ClipPrediction(np.full(10, 0.1, np.float32)))
        assert panel.pred_label.text().startswith("Predicted: no action (unfamiliar")
        note = panel.top_bars.note.text()
        assert note.startswith("No class is ranked") and "Evaluate scores" in note
        assert panel.top_bars.note.isVisibleTo(panel)
        sure = np.full(10, 0.02, np.float32)
        sure[3] = 0.82
        panel.show_prediction(ClipPrediction(sure))  # a ranking: no note
        assert panel.top_bars.note.text() == ""
    finally:
        jobs.stop_all()


def test_a_one_frame_clip_is_not_answered_and_says_why(qtbot, settings, tmp_path):
    """A real NW-UCLA sample cut to its first frame read "Predicted: doffing
    (83.4 %)", a confident answer to one still pose (a trial): it is shown, not
    answered, and the note under the top answers says why."""
    import json
    import zipfile

    from core.inference.sequences import STILL_POSE
    from core.runs import shipped_model_dir

    with zipfile.ZipFile(require_data("nw-ucla", "all_sqe.zip")) as z:
        doc = json.loads(z.read("all_sqe/a12_s06_e04_v03.json"))
    doc["skeletons"] = doc["skeletons"][:1]
    one = tmp_path / "a12_s06_e04_v03.json"
    one.write_text(json.dumps(doc))
    panel, jobs = make_panel(qtbot, settings, model_dir=shipped_model_dir())
    try:
        panel.open_file(one)
        qtbot.waitUntil(lambda: panel.current is not None, timeout=30_000)
        qtbot.waitUntil(
            lambda: panel.pred_label.text() == "Predicted: – (1 frame only)",
            timeout=30_000,
        )
        assert panel.top_bars.note.text() == STILL_POSE
        assert panel.prediction is None and panel.predict_job is None
        assert panel.true_label.text() == "True: carry (a12)"
    finally:
        jobs.stop_all()


def test_the_actions_of_a_sequence_are_reached_by_buttons_and_page_keys(
    qtbot, settings
):
    """A PKU-MMD sequence's labelled actions were the mouse's (a click on a bar, its
    name on hover): "◀ Action" and "Action ▶" (Page Up / Page Down) go to the start
    of the action under the cursor or the one before, and of the next one; a list
    keeps its own Page Down; a clip of one action has no such buttons."""
    from PyQt6.QtCore import Qt
    from PyQt6.QtWidgets import QApplication

    path = require_data("pkummd", "skeleton", "0005-L.txt")
    panel, jobs = make_panel(qtbot, settings)
    panel.model_dir = None
    panel.resize(1300, 800)
    panel.show()
    panel.activateWindow()  # the keys answer in the active window only
    qtbot.waitUntil(lambda: QApplication.activeWindow() is panel)
    try:
        panel.open_file(path)
        qtbot.waitUntil(lambda: panel.current is not None, timeout=30_000)
        starts = sorted({start for _, start, _ in panel.true_intervals})
        assert len(starts) == 8 and starts[0] > 0
        assert panel.previous_action.isVisible() and panel.next_action.isVisible()
        assert panel.frame == 0 and not panel.previous_action.isEnabled()
        panel.next_action.click()
        assert panel.frame == starts[0]
        assert panel.true_label.text().startswith("True: ")
        assert f"frames {starts[0]}-" in panel.true_label.text()
        panel.next_action.click()
        assert panel.frame == starts[1]
        panel.show_frame(starts[1] + 10)  # inside it: back to its start, then before
        panel.previous_action.click()
        assert panel.frame == starts[1]
        panel.previous_action.click()
        assert panel.frame == starts[0]
        panel.show_frame(starts[-1])
        assert not panel.next_action.isEnabled() and panel.previous_action.isEnabled()

        panel.show_frame(0)
        panel.play_button.setFocus()
        qtbot.keyClick(panel.play_button, Qt.Key.Key_PageDown)
        qtbot.keyClick(panel.play_button, Qt.Key.Key_PageDown)
        assert panel.frame == starts[1]
        qtbot.keyClick(panel.play_button, Qt.Key.Key_PageUp)
        assert panel.frame == starts[0]
        panel.clip_list.setFocus()
        qtbot.keyClick(panel.clip_list, Qt.Key.Key_PageDown)  # the list's own
        assert panel.frame == starts[0]
        # after a seek with the slider (which takes the focus), the keys are still
        # the actions' (the slider's own paging went ten frames back: a review)
        qtbot.mouseClick(panel.slider, Qt.MouseButton.LeftButton)
        assert panel.slider.hasFocus()
        frame = panel.frame
        qtbot.keyClick(panel.slider, Qt.Key.Key_PageDown)
        assert panel.frame == panel.timeline.action_start(frame, 1)

        _open_ntu_sample(qtbot, panel)  # one action: nothing to go to
        qtbot.waitUntil(lambda: not panel.continuous, timeout=30_000)
        assert not panel.previous_action.isVisible()
        assert not panel.next_action.isVisible()
    finally:
        jobs.stop_all()
