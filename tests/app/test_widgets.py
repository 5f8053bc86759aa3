"""Display widgets: projection, curves refreshed by their timer, heatmap, bars, timeline,
elided labels."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest

from app.widgets.confusion import ConfusionHeatmap
from app.widgets.curves import SparseAxis, TrainingCurves
from app.widgets.elided_label import ElidedLabel
from app.widgets.prob_bars import ProbabilityBars
from app.widgets.skeleton_view import SkeletonView, project
from app.widgets.timeline import IntervalTimeline
from core.skeleton import UCLA20


def _shown_timeline(qtbot, width: int) -> IntervalTimeline:
    """An empty timeline on screen, ``width`` x 120."""
    timeline = IntervalTimeline()
    qtbot.addWidget(timeline)
    timeline.resize(width, 120)
    timeline.show()
    qtbot.waitExposed(timeline)
    return timeline


def test_projection_rotates_depth_into_view():
    p = np.array([[0.0, 0.0, 1.0], [1.0, 2.0, 0.0]])
    assert project(p, 0, 0) == pytest.approx(np.array([[0, 0], [1, 2]]))
    # A quarter turn about the vertical axis brings depth (z) onto the screen's x axis.
    assert project(p, 90, 0)[0] == pytest.approx([1.0, 0.0], abs=1e-9)
    assert project(p, 0, 90)[0] == pytest.approx([0.0, -1.0], abs=1e-9)


def test_skeleton_view_draws_every_bone_and_rotates_with_the_slider(qtbot):
    view = SkeletonView()
    qtbot.addWidget(view)
    rng = np.random.default_rng(0)
    seq = rng.normal(size=(5, 1, 20, 3)).astype(np.float32)
    view.set_sequence(seq, UCLA20)
    view.set_frame(seq[2])
    x, _ = view._bones[0].getData()
    assert len(x) == 2 * len(UCLA20.bones)
    before = view.frame_points().copy()
    view.yaw_slider.setValue(45)
    assert view.angles[0] == 45
    assert not np.allclose(view.frame_points(), before)


def test_a_sequence_shown_again_keeps_its_range_after_a_message(qtbot):
    """Showing the same sequence again skips measuring it (each label of a long take
    shows it again), but not after a message, which set the view to +-1: a clip of
    +-16 m came back drawn on +-1.3 (a review)."""
    view = SkeletonView()
    qtbot.addWidget(view)
    seq = np.zeros((3, 1, 20, 3), np.float32)
    seq[:, 0, :, 0] = np.linspace(-15.0, 15.0, 20)
    seq[:, 0, :, 1] = 1.0

    def half_width() -> float:
        (x0, x1), _ = view.plot.getViewBox().viewRange()
        return (x1 - x0) / 2

    view.set_sequence(seq, UCLA20)
    wide = half_width()
    assert wide > 15
    view.show_message("nothing selected")
    assert half_width() < 2
    view.set_sequence(seq, UCLA20)
    assert half_width() == pytest.approx(wide)


def test_a_skeleton_views_message_wraps_to_a_narrow_view_and_a_resize(qtbot):
    """Teach's "Select a take in the list to see its skeleton here" ran past both
    edges of its view at 1024x600, on one line: it wraps, again when the view is
    resized."""
    view = SkeletonView()
    qtbot.addWidget(view)
    view.resize(900, 200)
    view.show()
    qtbot.waitExposed(view)
    text = "Select a take in the list to see its skeleton here"
    view.show_message(text)
    one_line = view.message.sceneBoundingRect()
    assert one_line.width() <= view.plot.viewport().width() - 20
    view.resize(200, 200)
    qtbot.waitUntil(lambda: view.plot.viewport().width() < 220)
    qtbot.waitUntil(
        lambda: (
            view.message.sceneBoundingRect().width()
            <= view.plot.viewport().width() - 20
        )
    )
    assert view.message.sceneBoundingRect().height() > 1.5 * one_line.height()
    assert view.message_text() == text


def test_curves_are_drawn_by_the_timer_not_by_the_slot(qtbot):
    curves = TrainingCurves(refresh_hz=30)
    qtbot.addWidget(curves)
    for step in range(1, 11):
        curves.add_losses(
            step / 10, {"total": 1.0 / step, "motion": 0.5, "bad": float("nan")}
        )
    curves.add_accuracy(1.0, 0.5)
    assert curves.points("total") == 0  # appended, not yet drawn
    qtbot.waitUntil(lambda: curves.points("total") == 10, timeout=1000)
    assert curves.points("motion") == 10
    assert "bad" not in curves.curves
    assert curves.points("accuracy") == 1
    _, acc = curves.acc_curve.getData()
    assert acc[0] == pytest.approx(50.0)


def test_the_loss_key_sits_above_the_plot_not_over_its_curves(qtbot):
    curves = TrainingCurves(refresh_hz=30)
    qtbot.addWidget(curves)
    curves.show()
    assert not curves.legend.isVisible()  # nothing to name yet
    curves.add_losses(0.5, {"cls": 2.3, "motion": 0.4})
    curves.add_losses(1.0, {"loss": 2.0}, prefix="val ")
    assert curves.legend_text() == "classification  motion  validation loss"
    assert curves.legend.isVisible()
    # not an item inside the plot, where it covered the first (highest) losses
    assert curves.loss_plot.getPlotItem().legend is None
    assert curves.legend.geometry().bottom() < curves.loss_plot.geometry().top()
    curves.clear()
    assert curves.legend_text() == "" and not curves.legend.isVisible()


def test_early_steps_a_lone_step_and_a_terms_colour_read_plainly(qtbot):
    """A researcher's trial: the first epoch's axis read "epoch (x0.001)" with ticks
    50 ... 300; a run of one step drew nothing; 'motion' was blue in one run's plot
    and red in the next one's."""
    curves = TrainingCurves(refresh_hz=30)
    qtbot.addWidget(curves)
    curves.show()
    curves.add_losses(0.002, {"motion": 0.9, "jigsaw": 2.0})
    qtbot.waitUntil(lambda: curves.points("motion") == 1, timeout=1000)
    assert curves.curves["motion"].opts["symbol"] == "o"  # a lone step is a point
    for step in range(2, 40):
        curves.add_losses(step * 0.002, {"motion": 0.9 / step, "jigsaw": 2.0})
    qtbot.waitUntil(lambda: curves.points("motion") == 39, timeout=1000)
    assert curves.curves["motion"].opts["symbol"] is None  # a line from two on
    for plot in (curves.loss_plot, curves.acc_plot):
        assert "(x" not in plot.getAxis("bottom").labelString()
        assert "x0.001" not in plot.getAxis("left").labelString()
    colour = curves.curves["motion"].opts["pen"].color().name()
    curves.clear()
    curves.add_losses(0.5, {"cls": 2.0, "motion": 0.5})  # another strategy's terms
    assert curves.curves["motion"].opts["pen"].color().name() == colour
    assert curves.curves["cls"].opts["pen"].color().name() != colour


def test_accuracy_plot_keeps_its_full_scale_when_every_point_is_the_same(qtbot):
    # A few-clip Teach run validates at 100 % every time: the axis must still read
    # 0-100, not zoom onto one value.
    curves = TrainingCurves(refresh_hz=30)
    qtbot.addWidget(curves)
    for epoch in (5, 10, 15, 20):
        curves.add_accuracy(float(epoch), 1.0)
    qtbot.waitUntil(lambda: curves.points("accuracy") == 4, timeout=1000)
    low, high = curves.acc_plot.getViewBox().viewRange()[1]
    assert low <= 0.0 and high >= 100.0


def test_cleared_curves_forget_the_last_runs_axes(qtbot):
    """A run that failed before its first batch showed the previous run's axes (its
    epochs and losses) with nothing on them."""
    curves = TrainingCurves(refresh_hz=30)
    qtbot.addWidget(curves)
    curves.show()
    for step in range(1, 200):
        curves.add_losses(step / 10, {"cls": 5.0 / step})
    qtbot.waitUntil(lambda: curves.points("cls") == 199, timeout=1000)
    qtbot.waitUntil(lambda: curves.loss_plot.viewRange()[0][1] > 19, timeout=1000)
    curves.clear()
    qtbot.wait(100)
    (x0, x1), (y0, y1) = curves.loss_plot.viewRange()
    assert x1 < 2 and y1 < 2, curves.loss_plot.viewRange()
    curves.add_losses(0.5, {"cls": 3.0})
    curves.add_losses(1.0, {"cls": 2.0})
    qtbot.waitUntil(lambda: curves.points("cls") == 2, timeout=1000)
    qtbot.waitUntil(lambda: curves.loss_plot.viewRange()[1][1] >= 3.0, timeout=1000)


def test_sparse_axis_keeps_ticks_apart_on_a_short_axis():
    axis = SparseAxis("left", min_pixels=24)
    # 40 px for 0-100: pyqtgraph's own major spacing (20) would be 8 px apart.
    assert [spacing for spacing, _ in axis.tickSpacing(0, 100, 40)] == [100]
    assert [spacing for spacing, _ in axis.tickSpacing(0, 1.2, 40)] == [1]
    # Widened to the next 1-2-5 step (0, 50, 100), never to odd ones like 40.
    assert [spacing for spacing, _ in axis.tickSpacing(0, 100, 110)] == [50]
    # A tall axis keeps pyqtgraph's major and minor spacing.
    tall = axis.tickSpacing(0, 100, 400)
    assert tall[:2] == pg.AxisItem("left").tickSpacing(0, 100, 400)[:2]
    # A spacing the caller set is kept.
    axis.setTickSpacing(major=10, minor=5)
    assert axis.tickSpacing(0, 100, 40)[0][0] == 10


def test_short_training_plots_draw_no_overlapping_tick_labels(qtbot):
    curves = TrainingCurves(refresh_hz=30)
    qtbot.addWidget(curves)
    curves.resize(600, 240)  # the Teach panel's plots are about this short
    curves.show()
    qtbot.waitExposed(curves)
    curves.add_accuracy(1.0, 0.5)
    curves.add_losses(0.5, {"total": 2.0})
    curves.add_losses(1.0, {"total": 0.1})
    qtbot.waitUntil(lambda: curves.points("total") == 2, timeout=1000)
    qtbot.wait(50)  # the axes follow the new range
    for plot in (curves.loss_plot, curves.acc_plot):
        axis = plot.getAxis("left")
        ticks = sorted(set(axis.ticks_shown()))
        low, high = axis.range
        pixels = np.diff(ticks) * axis.height() / (high - low)
        assert len(ticks) >= 2 and pixels.min() >= 24


def test_confusion_heatmap_is_row_normalised(qtbot):
    heat = ConfusionHeatmap()
    qtbot.addWidget(heat)

    def axes_shown() -> list[bool]:
        return [heat.getAxis(a).isVisible() for a in ("left", "bottom")]

    # Before any result: a placeholder, not the axes of an empty plot.
    assert heat.placeholder.isVisible() and axes_shown() == [False, False]
    heat.set_confusion(np.array([[3, 1], [0, 0]]), ["walk", "sit"])
    assert heat.matrix == pytest.approx(np.array([[0.75, 0.25], [0.0, 0.0]]))
    assert not heat.placeholder.isVisible() and axes_shown() == [True, True]
    heat.clear_result()
    assert heat.matrix is None
    assert heat.placeholder.isVisible() and axes_shown() == [False, False]


def test_probability_bars_show_best_first_and_clear_the_rest(qtbot):
    bars = ProbabilityBars(k=3)
    qtbot.addWidget(bars)
    bars.set_probabilities([("pick up", 0.7), ("throw", 0.2)])
    assert bars.shown() == [("pick up", 0.7), ("throw", 0.2)]
    # the figure beside its bar (over the fill's edge it could barely be read)
    assert [v.text() for v in bars.values] == ["70.0 %", "20.0 %", ""]
    assert not bars.bars[0].isTextVisible()


def test_timeline_span_cannot_leave_the_sequence(qtbot):
    """Teach's span could be dragged to frame 480 of a 400-frame take (a trial)."""
    tl = IntervalTimeline()
    qtbot.addWidget(tl)
    tl.enable_selection(0, 399, last=399)
    tl.region.lines[1].setValue(480)  # as a drag moves the edge
    tl.region.lines[0].setValue(-30)
    assert tl.selection() == (0, 399)
    tl.enable_selection(10, 20)  # a new span keeps the bounds
    tl.region.lines[1].setValue(700)
    assert tl.selection() == (10, 399)


def test_timeline_pans_and_zooms_within_the_recording(qtbot):
    """A drag beside Teach's span panned the timeline to frame -50 (a GUI trial)."""
    tl = _shown_timeline(qtbot, 600)
    tl.set_intervals([(0, 10, 50)], [], ["a"], 100)
    box = tl.getPlotItem().getViewBox()
    box.setXRange(20, 40, padding=0)  # zoomed in: allowed
    box.translateBy(x=-80)  # as a drag to the right does
    low, high = box.viewRange()[0]
    assert low >= -2.5 and high - low == pytest.approx(20, abs=0.5)
    box.translateBy(x=500)
    assert box.viewRange()[0][1] <= 102.5
    box.scaleBy(x=10)  # zoomed out: no further than the whole
    low, high = box.viewRange()[0]
    assert low >= -2.5 and high <= 102.5


def test_timeline_keeps_both_rows(qtbot):
    tl = IntervalTimeline()
    qtbot.addWidget(tl)
    tl.set_intervals(
        [(0, 10, 50), (3, 60, 40)], [(0, 12, 48)], ["a", "b", "c", "d"], 100
    )
    assert tl.labelled[0] == (0, 10, 50) and tl.predicted == [(0, 12, 48)]


def test_timeline_goes_to_the_labelled_actions_else_the_predicted_ones(qtbot):
    """Replay's "◀ Action" / "Action ▶": the labelled bars' starts (a reversed bar
    is none, a one-frame bar is one); a recording nobody labelled goes by the
    model's bars."""
    tl = IntervalTimeline()
    qtbot.addWidget(tl)
    tl.set_intervals(
        [(0, 10, 50), (3, 60, 40), (1, 70, 90), (2, 95, 95)], [(2, 0, 5)], "abcd", 100
    )
    assert [tl.action_start(f, 1) for f in (0, 10, 69, 70, 95)] == [
        10, 70, 70, 95, None,
    ]  # fmt: skip
    assert [tl.action_start(f, -1) for f in (0, 10, 11, 70, 99)] == [
        None, None, 10, 10, 95,
    ]  # fmt: skip
    tl.set_intervals([], [(2, 0, 5), (1, 30, 40)], "abc", 100)
    assert tl.action_start(0, 1) == 30 and tl.action_start(35, -1) == 30
    tl.set_intervals([], [], "abc", 100)
    assert tl.action_start(0, 1) is None


def test_timeline_colours_an_action_alike_in_both_rows(qtbot):
    """A model's classes in another order than the data's: its "x" bar has the
    colour of the data's "x", its action the data lacks a colour of its own (by
    number, its class 1 took the colour of the data's class 1)."""
    import pyqtgraph as pg

    tl = IntervalTimeline()
    qtbot.addWidget(tl)
    tl.set_intervals(
        [(0, 0, 9), (1, 10, 19)], [(1, 0, 9), (0, 10, 19), (2, 20, 29)],
        ["x", "y"], 30, "names", predicted_names=["y", "x", "z"],
    )  # fmt: skip
    colour = {
        (round(bar.opts["y"][0]), bar.opts["x0"][0]): bar.opts["brush"].color().getRgb()
        for bar in tl._items
        if isinstance(bar, pg.BarGraphItem)
    }
    assert colour[(0, 0)] == colour[(1, 0)]  # "x" and "x"
    assert colour[(0, 10)] == colour[(1, 10)]  # "y" and "y"
    assert colour[(0, 20)] not in (colour[(1, 0)], colour[(1, 10)])  # "z"
    # ... and pale, beside the data's saturated ones, so that no hue alike in ~60
    # reads as agreement (a predicted "doffing" in PKU-MMD's "11"'s magenta: a trial)
    saturation = {k: pg.mkColor(*c[:3]).saturationF() for k, c in colour.items()}
    assert saturation[(0, 20)] < 0.3 < min(saturation[(1, 0)], saturation[(0, 0)])


def test_timeline_captions_both_rows_with_the_datas_ids(qtbot):
    """A model of the data's own classes (its names an equal list, not the same
    object): its predicted bars read the data's ids, as the labelled row's do (they
    read numbers from 0, one less than the labelled row's: "11" under "12", a
    trial on PKU-MMD)."""
    import pyqtgraph as pg

    tl = IntervalTimeline()
    qtbot.addWidget(tl)
    tl.resize(900, 120)
    names = ["drink", "eat", "give"]
    tl.set_intervals(
        [(2, 0, 299)], [(2, 0, 149), (1, 150, 299)], names, 300,
        predicted_names=list(names), ids=["1", "2", "12"],
    )  # fmt: skip
    captions = {
        (round(i.pos().y()), round(i.pos().x())): i.textItem.toPlainText()
        for i in tl._items
        if isinstance(i, pg.TextItem)
    }
    assert captions[(1, 150)] == "12"  # labelled
    assert captions[(0, 74)] == "12" and captions[(0, 224)] == "2"  # predicted


def test_timeline_captions_fit_their_bars(qtbot):
    """Long action names on short bars ran into each other ("g othgiving")."""
    import pyqtgraph as pg

    tl = IntervalTimeline()
    qtbot.addWidget(tl)
    tl.resize(600, 120)
    names = ["handshaking", "thanksgiving", "x"]
    bars = [(0, 0, 59), (1, 60, 119), (2, 120, 899)]
    tl.set_intervals(bars, [], names, 900, "names")
    shown = [i.textItem.toPlainText() for i in tl._items if isinstance(i, pg.TextItem)]
    assert "x" in shown  # a wide bar keeps its caption whole
    per_char = tl.fontMetrics().averageCharWidth()
    short = [t for t in shown if t != "x"]
    assert short and all(t.endswith("…") for t in short)
    # each short bar is 60 of 900 frames, 40 px of 600: its caption stays inside
    assert all(len(t) * per_char <= 600 * 60 / 900 for t in short)


def test_shipped_button_for_none_one_and_several_models_with_a_broken_one(
    qtbot, tmp_path, monkeypatch
):
    import shutil

    from app.widgets.shipped_button import ShippedModelButton
    from core import runs

    real = runs.shipped_model_dir()
    assert real is not None
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    monkeypatch.setattr(runs, "CHECKPOINTS_DIR", folder)
    none = ShippedModelButton()
    qtbot.addWidget(none)
    assert not none.isEnabled() and none.menu() is None

    shutil.copytree(real, folder / "a-model")
    one = ShippedModelButton()
    qtbot.addWidget(one)
    assert one.isEnabled() and one.menu() is None
    with qtbot.waitSignal(one.chosen) as got:
        one.click()
    assert got.args == [folder / "a-model"]

    broken = folder / "b-broken"
    broken.mkdir()
    (broken / "config.json").write_text("{not json", encoding="utf-8")
    several = ShippedModelButton()
    qtbot.addWidget(several)
    actions = several.menu().actions()
    assert [a.data() for a in actions] == [str(folder / "a-model"), str(broken)]
    assert actions[0].isEnabled() and actions[0].text().endswith("· default")
    assert not actions[1].isEnabled() and "unreadable" in actions[1].text()
    assert "config.json" in actions[1].toolTip()
    with qtbot.waitSignal(several.chosen) as got:
        actions[0].trigger()
    assert got.args == [folder / "a-model"]


def test_mirrored_is_remembered_per_source_and_shared_by_the_panels(
    qtbot, settings, tmp_path
):
    from app.widgets.source_picker import SourcePicker
    from tests.app.conftest import make_context

    selfie, other = tmp_path / "selfie.mp4", tmp_path / "other.mp4"
    ctx, jobs, _ = make_context(settings)
    try:
        teach = SourcePicker(ctx, "teach", video=selfie)
        live = SourcePicker(ctx, "live", video=selfie)
        for picker in (teach, live):
            qtbot.addWidget(picker)
        assert not teach.mirrored.isChecked() and not live.mirrored.isChecked()
        teach.mirrored.setChecked(True)  # ticked while recording in Teach ...
        live.show()  # ... and Live, shown next, reads it for the same video
        assert live.mirrored.isChecked()
        live.set_video(other)  # another source has its own answer
        assert not live.mirrored.isChecked()
        live.set_video(selfie)
        assert live.mirrored.isChecked()
        live.mirrored.setChecked(False)
        again = SourcePicker(ctx, "teach", video=selfie)
        qtbot.addWidget(again)
        assert not again.mirrored.isChecked()
        # paths that cannot be resolved while typing do not break the box, nor does
        # a name that is not UTF-8 (`python -m app --video` on one raised)
        import os

        for typed in ("~", "~no-such-user-x", "a\x00b", os.fsdecode(b"caf\xe9.mp4")):
            again.video_path.setText(typed)
            again.mirrored.setChecked(True)
            assert again.mirrored.isChecked()
    finally:
        jobs.stop_all()


def test_no_camera_note_follows_the_chosen_video(qtbot, settings, tmp_path):
    """Without a camera the note asks for a video, and stops asking once one is chosen."""
    from app.widgets.source_picker import VIDEO_ITEM, SourcePicker
    from tests.app.conftest import make_context

    ctx, jobs, _ = make_context(settings)
    try:
        picker = SourcePicker(ctx, "notes")
        qtbot.addWidget(picker)
        picker.video_path.setText("")
        picker.scan_cameras()
        qtbot.waitUntil(lambda: picker.cameras is not None, timeout=30_000)
        assert picker.cameras == [] and picker.source.currentText() == VIDEO_ITEM
        assert "Choose a video file" in picker.note.text()
        picker.set_video(tmp_path / "clip.mp4")
        assert picker.note.text() == "No camera found: the source is a video file."
        picker.video_path.setText("")  # cleared by hand
        assert "Choose a video file" in picker.note.text()
        # Find cameras again: the same answer, said to be a new one (it looked as if
        # the button did nothing: a trial).
        from PyQt6.QtWidgets import QPushButton

        (find,) = [b for b in picker.findChildren(QPushButton)
                   if b.text() == "Find cameras"]  # fmt: skip
        find.click()
        qtbot.waitUntil(lambda: "(Searched at " in picker.note.text(), timeout=30_000)
        assert picker.note.text().startswith("No camera found. Choose a video file")
    finally:
        jobs.stop_all()


def test_elided_label_cuts_its_text_to_its_width_and_keeps_the_whole_text(qtbot):
    text = "True: point finger at the other person (23) · frames 819-869"
    label = ElidedLabel(text)
    qtbot.addWidget(label)
    label.show()
    qtbot.waitExposed(label)
    assert label.minimumSizeHint().width() == 0  # never widens its window
    label.resize(label.fontMetrics().horizontalAdvance(text) + 10, 30)
    assert label.shown_text() == text and label.toolTip() == ""
    label.resize(120, 30)
    shown = label.shown_text()
    assert shown.endswith("…") and text.startswith(shown[:-1])
    assert label.text() == text and label.toolTip() == text
    label.setText("True: –")
    assert label.shown_text() == "True: –" and label.toolTip() == ""


def test_a_button_that_disables_itself_does_not_scroll_its_column(qtbot):
    """Pressing Record (which disables itself) scrolled the Teach column to the next
    widget that could take the focus, so the next click landed elsewhere."""
    from PyQt6.QtCore import Qt
    from PyQt6.QtWidgets import QLineEdit, QPushButton, QVBoxLayout, QWidget

    from app.widgets.layout import scrolling_column

    column = QWidget()
    box = QVBoxLayout(column)
    record = QPushButton("Record")
    record.clicked.connect(lambda: record.setEnabled(False))
    box.addWidget(record)
    box.addSpacing(2000)
    box.addWidget(QLineEdit())  # far below: where the focus would go next
    area = scrolling_column(column)
    area.resize(300, 200)
    qtbot.addWidget(area)
    area.show()
    qtbot.waitExposed(area)
    bar = area.verticalScrollBar()
    assert bar.maximum() > 0 and bar.value() == 0
    qtbot.mouseClick(record, Qt.MouseButton.LeftButton)
    assert not record.isEnabled() and bar.value() == 0


def _shown_column(qtbot, column):
    """``column`` in a 300x200 scrolling column, shown and active."""
    from app.widgets.layout import scrolling_column

    area = scrolling_column(column)
    area.resize(300, 200)
    qtbot.addWidget(area)
    area.show()
    qtbot.waitExposed(area)
    area.activateWindow()
    qtbot.waitUntil(area.isActiveWindow, timeout=2000)
    return area


def test_a_button_pressed_from_the_keyboard_hands_the_focus_to_its_successor(qtbot):
    """Tab to Record, Space: the focus went to the next widget in the tab order (the
    column scrolled to it, and Space again pressed it: a second take while training
    ran). It goes to Stop, the button that takes over."""
    from PyQt6.QtCore import Qt
    from PyQt6.QtWidgets import QLineEdit, QPushButton, QVBoxLayout, QWidget

    from app.widgets.layout import hand_over

    column = QWidget()
    box = QVBoxLayout(column)
    record, stop = QPushButton("Record"), QPushButton("Stop")
    stop.setEnabled(False)
    record.clicked.connect(lambda: hand_over(record, stop))
    stop.clicked.connect(lambda: hand_over(stop, record))
    box.addWidget(record)
    box.addWidget(stop)
    box.addSpacing(2000)
    box.addWidget(QLineEdit())
    area = _shown_column(qtbot, column)
    record.setFocus(Qt.FocusReason.TabFocusReason)
    assert record.hasFocus()
    qtbot.keyClick(record, Qt.Key.Key_Space)
    assert stop.isEnabled() and not record.isEnabled() and stop.hasFocus()
    assert area.verticalScrollBar().value() == 0
    qtbot.keyClick(stop, Qt.Key.Key_Space)  # Space again stops, it does not record
    assert record.isEnabled() and record.hasFocus() and not stop.isEnabled()


def test_one_accuracy_point_is_drawn_on_the_epochs_not_around_zero(qtbot):
    curves = TrainingCurves()
    qtbot.addWidget(curves)
    left, right = curves.acc_plot.viewRange()[0]  # before any run too (-400..400)
    assert -0.1 < left < 0.1 and 0.9 < right < 1.1
    curves.add_accuracy(1.0, 0.5)
    qtbot.waitUntil(lambda: curves.points("accuracy") == 1, timeout=1000)
    left, right = curves.acc_plot.viewRange()[0]
    assert -0.1 < left < 0.1 and 0.9 < right < 1.1


def test_both_plots_put_an_epoch_at_the_same_place_and_tick_whole_epochs(qtbot):
    """Epoch 1 of the losses sat a fifth of the width away from epoch 1 of the
    accuracy below it, and the axes ticked "0.2 … 0.8", "1.2, 1.4" (a trial)."""
    from PyQt6.QtCore import QPointF

    curves = TrainingCurves()
    qtbot.addWidget(curves)
    curves.resize(600, 400)
    curves.show()
    qtbot.waitExposed(curves)
    for step in range(1, 21):
        curves.add_losses(step / 10, {"cls": 2.0 - step / 20})
    curves.add_accuracy(1.0, 0.4)
    curves.add_accuracy(2.0, 0.6)
    qtbot.waitUntil(lambda: curves.points("accuracy") == 2, timeout=1000)

    def screen_x(plot, epoch: float) -> float:
        scene = plot.getViewBox().mapViewToScene(QPointF(epoch, 0.0))
        return plot.mapToGlobal(plot.mapFromScene(scene)).x()

    for epoch in (1.0, 2.0):
        assert (
            abs(screen_x(curves.loss_plot, epoch) - screen_x(curves.acc_plot, epoch))
            <= 1
        )
    for plot in (curves.loss_plot, curves.acc_plot):
        ticks = plot.getAxis("bottom").ticks_shown()
        assert ticks and all(t == int(t) for t in ticks), ticks


def test_the_wheel_scrolls_a_column_instead_of_changing_its_settings(qtbot):
    """Scrolling the Train column with the wheel changed the learning rate and the
    device it passed over, unseen; a box takes the wheel only once clicked."""
    from PyQt6.QtCore import QPoint, QPointF, Qt
    from PyQt6.QtGui import QWheelEvent
    from PyQt6.QtWidgets import (
        QApplication,
        QComboBox,
        QDoubleSpinBox,
        QVBoxLayout,
        QWidget,
    )

    column = QWidget()
    box = QVBoxLayout(column)
    rate, device = QDoubleSpinBox(), QComboBox()
    rate.setValue(0.5)
    device.addItems(["auto", "cpu", "cuda"])
    box.addWidget(rate)
    box.addWidget(device)
    box.addSpacing(2000)
    _shown_column(qtbot, column)

    def wheel(widget: QWidget) -> None:
        down = QWheelEvent(
            QPointF(5, 5), QPointF(widget.mapToGlobal(QPoint(5, 5))), QPoint(0, 0),
            QPoint(0, -120), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase, False,
        )  # fmt: skip
        QApplication.sendEvent(widget, down)

    focused = QApplication.focusWidget()  # the window gave its first box the focus
    if focused is not None:
        focused.clearFocus()
    for widget in (rate, device):
        assert widget.focusPolicy() == Qt.FocusPolicy.StrongFocus  # not WheelFocus
        assert not widget.hasFocus()
        wheel(widget)
    assert rate.value() == 0.5 and device.currentText() == "auto"
    rate.setFocus()  # clicked into: now the wheel is its
    qtbot.waitUntil(rate.hasFocus, timeout=2000)
    wheel(rate)
    assert rate.value() != 0.5


def test_a_video_views_message_is_centred_on_the_frame_and_wrapped(qtbot):
    """Over a HD frame the message sat at (320, 240), a corner; a long one was cut at
    both ends in Teach's narrow preview; a take's countdown was too small to read
    from where the person stands (a trial)."""
    from app.widgets.video_view import VideoView

    view = VideoView()
    qtbot.addWidget(view)
    view.resize(300, 220)
    view.show()
    qtbot.waitExposed(view)
    view.set_frame(np.zeros((1080, 1920, 3), np.uint8))
    view.show_message("Playing tai_chi-001: its skeleton, on the right (a take "
                      "keeps the pose, not the video)")  # fmt: skip
    assert (view.message.pos().x(), view.message.pos().y()) == (960, 540)
    assert view.message.sceneBoundingRect().width() <= view.width() - 20
    normal = view.message.textItem.font().pointSize()
    view.show_message("3…", large=True)
    assert view.message.textItem.font().pointSize() >= 4 * normal
    assert (view.message.pos().x(), view.message.pos().y()) == (960, 540)


def test_a_far_persons_skeleton_is_drawn_with_marks_to_their_size(qtbot):
    """A person 30 pixels tall on screen (far away in 4K) was covered whole by fixed
    7-pixel dots (a re-trial); a near one keeps them."""
    from app.widgets.video_view import VideoView
    from core.skeleton import MP33

    view = VideoView()
    qtbot.addWidget(view)
    view.resize(640, 380)
    view.show()
    qtbot.waitExposed(view)
    frame = np.zeros((2160, 3840, 3), np.uint8)
    rng = np.random.default_rng(0)
    sizes = {}
    for tall in (150, 1800):  # image pixels: ~25 and ~300 on screen
        pts = rng.uniform(0, 1, (33, 2)) * (tall / 3, tall) + (1900, 200)
        view.set_frame(frame, pts, MP33)
        sizes[tall] = view.joints.opts["size"]
    assert sizes[150] < 2.5 and sizes[1800] == 7


def test_a_click_on_the_timeline_chooses_that_frame(qtbot):
    """A click on the timeline panned it (a trial); it seeks there now."""
    from PyQt6.QtCore import QPointF, Qt
    from PyQt6.QtTest import QTest

    tl = _shown_timeline(qtbot, 600)
    tl.set_intervals([(0, 100, 400)], [], ["x"], 1000)
    qtbot.wait(50)
    box = tl.getPlotItem().getViewBox()
    point = tl.mapFromScene(box.mapViewToScene(QPointF(700, 0.5)))
    with qtbot.waitSignal(tl.frame_clicked, timeout=2000) as clicked:
        QTest.mouseClick(tl.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert abs(clicked.args[0] - 700) <= 3
    assert box.viewRange()[0][1] >= 999  # not panned


def test_cycles_are_collected_on_the_gui_thread_not_in_a_worker(qtbot, qapp):
    """A worker thread collecting a cycle of the GUI's Qt objects killed the process
    (a segmentation fault with 'Garbage-collecting' on the worker's stack)."""
    import gc
    import threading
    import weakref

    from app.gc_guard import collect_on_gui_thread

    collect_on_gui_thread(qapp)  # (the GUI tests' session already did)
    assert not gc.isenabled()
    freed_on: list[int] = []

    class Node:
        def __del__(self):
            freed_on.append(threading.get_ident())

    refs, kept = [], []

    def worker():
        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle: only the cyclic collector frees it
        refs.append(weakref.ref(a))
        # enough live allocations to pass generation 0's threshold
        kept.extend([i] for i in range(5 * gc.get_threshold()[0]))
        del a, b

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert refs[0]() is not None  # not collected in the worker
    qtbot.waitUntil(lambda: refs[0]() is None, timeout=5000)
    assert set(freed_on) == {threading.get_ident()}  # the GUI thread


def test_a_60_class_confusion_labels_every_few_classes(qtbot):
    """NTU's 60 classes: the tick numbers ran together ('0123456789101112...') and the
    names lay over each other (a trial). Every class keeps its tick; the labels drawn
    for sure are every third, the rest where they fit."""
    heat = ConfusionHeatmap()
    qtbot.addWidget(heat)
    names = [f"class {i}" for i in range(60)]
    heat.set_confusion(np.eye(60, dtype=int), names)
    for side in ("left", "bottom"):
        major, minor = heat.getAxis(side)._tickLevels
        assert len(major) == 20 and len(major) + len(minor) == 60
    heat.set_confusion(np.eye(10, dtype=int), names[:10])
    assert [len(level) for level in heat.getAxis("bottom")._tickLevels] == [10, 0]


def test_curves_and_bones_are_as_wide_as_the_screen_is_scaled(tmp_path):
    """At a 2x scale a 2-pixel curve stayed 2 physical pixels (pyqtgraph's pens are
    cosmetic), a hairline beside the doubled text (a trial). In processes of their
    own: the scale is fixed when the application starts."""
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    code = (
        "import sys\n"
        "from PyQt6.QtWidgets import QApplication\n"
        "from app.widgets.curves import TrainingCurves\n"
        "app = QApplication(sys.argv)\n"
        "w = TrainingCurves()\n"
        "w.resize(400, 300)\n"
        "w.show()\n"
        "w.add_losses(0.0, {'cls': 1.0})\n"
        "w.add_losses(1.0, {'cls': 1.0})\n"
        "for _ in range(30):\n"
        "    app.processEvents()\n"
        "w._on_timer_timeout()\n"
        "for _ in range(30):\n"
        "    app.processEvents()\n"
        "img = w.loss_plot.grab().toImage()\n"
        "x = img.width() // 2\n"
        "blue = [y for y in range(img.height())\n"
        "        if img.pixelColor(x, y).blue() > 200 and img.pixelColor(x, y).red() < 120]\n"
        "print(len(blue))\n"
    )
    widths = {}
    for scale in ("1", "2"):
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": scale}
        out = subprocess.run(
            [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
            text=True, timeout=120,
        )  # fmt: skip
        assert out.returncode == 0, out.stderr
        widths[scale] = int(out.stdout.split()[-1])
    assert widths["1"] >= 2 and widths["2"] >= 2 * widths["1"] - 1, widths


def test_an_empty_timeline_ticks_whole_frames(qtbot):
    """Empty, Teach's timeline read "frame 0.1 … 0.9" (a trial)."""
    timeline = _shown_timeline(qtbot, 800)
    ticks = timeline.getAxis("bottom").ticks_shown()
    assert ticks and all(t == int(t) for t in ticks), ticks


def test_the_accuracy_note_starts_inside_the_plot(qtbot):
    """At x = 0 the note's first letter went under the axis once the epoch axis was
    shared with the losses' (a re-trial)."""
    curves = TrainingCurves()
    qtbot.addWidget(curves)
    curves.resize(600, 400)
    curves.show()
    qtbot.waitExposed(curves)
    curves.set_accuracy_note("no accuracy: too few takes")
    for step in range(1, 21):
        curves.add_losses(step / 10, {"cls": 1.0})
    qtbot.waitUntil(lambda: curves.points("cls") == 20, timeout=1000)
    left, right = curves.acc_plot.viewRange()[0]
    assert left < curves.acc_note.pos().x() < left + 0.05 * (right - left)


def test_a_model_dialog_starts_beside_the_users_runs(tmp_path, monkeypatch):
    """It opened inside resources/checkpoints when the shipped model was in use, away
    from the runs the user had trained (a trial)."""
    from app.widgets.shipped_button import model_dialog_start
    from core.runs import shipped_model_dir

    runs = tmp_path / "runs"
    monkeypatch.setenv("MS2L_RUNS", str(runs))
    monkeypatch.setenv("HOME", str(tmp_path))
    assert model_dialog_start(shipped_model_dir()) == str(tmp_path)  # no runs yet
    (runs / "mine").mkdir(parents=True)
    assert model_dialog_start(shipped_model_dir()) == str(runs)
    assert model_dialog_start("") == str(runs)
    assert model_dialog_start(runs / "mine") == str(runs)  # beside the one in use


def test_curves_side_by_side_keep_the_height_where_it_is_short(qtbot):
    """Stacked in Teach's short column, the accuracy plot kept 25 px of data area, its
    "100" tick gone (a GUI trial at 1366x768): there, the plots stand side by side."""
    curves = TrainingCurves(side_by_side=True, min_plot_height=80)
    qtbot.addWidget(curves)
    curves.resize(900, 240)
    curves.show()
    qtbot.waitExposed(curves)
    loss, acc = curves.loss_plot.geometry(), curves.acc_plot.geometry()
    assert loss.top() == acc.top() and acc.left() >= loss.right()
    assert acc.height() >= 200
    assert 100.0 in curves.acc_plot.getAxis("left").ticks_shown()


def test_mirrored_ticked_before_a_video_is_chosen_is_the_chosen_videos(
    qtbot, settings, tmp_path
):
    """Ticked with no video chosen, then Browse… (or a path typed): the box went
    back to unticked and the take was recorded unmirrored (a trial)."""
    from app.widgets.source_picker import VIDEO_ITEM, SourcePicker
    from tests.app.conftest import make_context

    video = tmp_path / "selfie.mp4"
    video.write_bytes(b"x")
    ctx, jobs, _ = make_context(settings)
    try:
        picker = SourcePicker(ctx, "teach-mirror")
        qtbot.addWidget(picker)
        picker.source.setCurrentText(VIDEO_ITEM)
        picker.video_path.setText("")
        picker.mirrored.setChecked(True)
        for i in range(1, len(str(video)) + 1):  # typed, a key at a time
            picker.video_path.setText(str(video)[:i])
            assert picker.mirrored.isChecked()
        fresh = SourcePicker(ctx, "live-mirror", video=video)  # kept for the video
        qtbot.addWidget(fresh)
        assert fresh.mirrored.isChecked()
        picker.set_video(tmp_path / "other.mp4")  # another video: its own answer
        assert not picker.mirrored.isChecked()
        # a tick waiting for a video goes to the one chosen next, even one with an
        # answer of its own, and not on to a later one (a review)
        known, later = tmp_path / "known.mp4", tmp_path / "later.mp4"
        for path in (known, later):
            path.write_bytes(b"x")
        picker.set_video(known)
        picker.mirrored.setChecked(True)
        picker.mirrored.setChecked(False)  # its answer: not mirrored
        picker.video_path.setText("")
        picker.mirrored.setChecked(True)
        picker.set_video(known)
        assert not picker.mirrored.isChecked()
        picker.set_video(later)
        assert not picker.mirrored.isChecked()
    finally:
        jobs.stop_all()
