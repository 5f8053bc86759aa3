"""Teach's "From" and "To" fields: the timeline's selected span in seconds, read and
typed (on a two-minute take a pixel of the timeline is several frames, too coarse to
drag a span to), on a real recording: the NTU skeleton of a person drinking, imported
as a take of 103 frames at 30 FPS (3.43 s)."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtTest import QTest

from app.panels.teach import ROLE, SPAN_ROLE
from core.datasets import custom, read_file
from tests.app.test_teach import _panel
from tests.conftest import require_data

FRAME = 1 / 30  # seconds of a frame of the take


@pytest.fixture
def session(qtbot, settings, tmp_path):
    """A panel showing the take "session" (103 frames at 30 FPS, a label "kick" over
    its first second), and the list of errors it reported."""
    root = tmp_path / "my-actions"
    drink = read_file(require_data("ntu", "S001C001P001R001A001.skeleton"))
    custom.import_sequence(root, "session", drink)
    custom.add_label(root, "session", 0.0, 1.0, "kick")
    panel, jobs, errors = _panel(qtbot, settings, tmp_path)
    assert panel.select_take("session")
    try:
        yield panel, errors
    finally:
        jobs.stop_all()


def _seconds(panel) -> tuple[float, float]:
    return panel.span_seconds.start.value(), panel.span_seconds.end.value()


def _type(box, text: str) -> None:
    """Type ``text`` over a field's value and press Enter, as a person does."""
    box.lineEdit().selectAll()
    QTest.keyClicks(box.lineEdit(), text)
    QTest.keyClick(box, Qt.Key.Key_Return)


def test_dragging_the_span_shows_its_seconds(session):
    panel, errors = session
    rec = panel.recording
    assert rec is not None and rec.num_frames == 103
    # its row selected: the span of its label "kick"
    assert _seconds(panel) == pytest.approx((0.0, 1.0))
    panel.timeline.enable_selection(30, 59)
    assert _seconds(panel) == pytest.approx((1.0, 2.0))
    # "To" is the end of the last frame: the next one's time, or the take's end
    panel.timeline.enable_selection(61, 102)
    assert _seconds(panel) == pytest.approx((round(61 / 30, 2), 3.43))
    # A drag leaves the region between frames: the fields say the frames it selects.
    panel.timeline.region.setRegion((45.4, 74.6))
    assert panel.timeline.selection() == (45, 75)
    assert _seconds(panel) == pytest.approx((1.5, round(76 / 30, 2)))
    assert errors == []


def test_typed_seconds_move_the_span_and_a_label_gets_them(session):
    panel, errors = session
    fields = panel.span_seconds
    panel.timeline.enable_selection(0, 102)
    _type(fields.start, "1")
    assert panel.timeline.selection() == (30, 102)  # the end stays where it was
    _type(fields.end, "2")
    assert panel.timeline.selection() == (30, 59)
    assert _seconds(panel) == pytest.approx((1.0, 2.0))
    assert panel.label_span("wave")
    wave = next(r for r in custom.read_labels(panel.root) if r.action == "wave")
    assert (wave.start, wave.end) == pytest.approx((1.0, 2.0), abs=1e-3)

    # Seconds between frames: the frames whose edges are nearest, shown as the
    # label will have them, within a frame of what was typed.
    panel.takes.setCurrentItem(None)
    _type(fields.end, "3.01")
    _type(fields.start, "2.51")
    assert panel.timeline.selection() == (75, 89)
    assert _seconds(panel) == pytest.approx((2.5, 3.0))
    _type(fields.start, "2.49")  # the same frames: the field still says their edge
    assert panel.timeline.selection() == (75, 89) and fields.start.value() == 2.5
    assert panel.label_span("jump")
    jump = next(r for r in custom.read_labels(panel.root) if r.action == "jump")
    assert abs(jump.start - 2.51) < FRAME and abs(jump.end - 3.01) < FRAME
    assert (jump.start, jump.end) == pytest.approx((2.5, 3.0), abs=1e-3)
    assert errors == []


def test_typed_seconds_are_clamped_and_from_stays_before_to(session):
    panel, errors = session
    fields = panel.span_seconds
    panel.timeline.enable_selection(30, 59)
    # past the take's end: its end, the last frame selected
    _type(fields.end, "99")
    assert fields.end.value() == pytest.approx(3.43)
    assert panel.timeline.selection() == (30, 102)
    # before its start: a minus sign is not taken, 0 is the least
    _type(fields.start, "-2")
    assert fields.start.value() >= 0.0
    _type(fields.start, "0")
    assert panel.timeline.selection() == (0, 102)

    # "From" typed past "To" takes "To" along (it was clamped to "To", and a label
    # was made over the wrong span: a trial): then "To" is typed, as a user does
    _type(fields.end, "2")
    _type(fields.start, "3")
    assert panel.timeline.selection() == (90, 90)
    _type(fields.end, "3.3")
    assert panel.timeline.selection() == (90, 98)
    assert _seconds(panel) == pytest.approx((3.0, 3.3))
    # "To" before "From" takes "From" back: the span's frame before "To"
    _type(fields.start, "1")
    _type(fields.end, "0.5")
    assert panel.timeline.selection() == (14, 14)
    assert _seconds(panel) == pytest.approx((round(14 / 30, 2), 0.5))
    _type(fields.start, "1,5")  # the other decimal mark: 1.5 s, not 15
    assert fields.start.value() == pytest.approx(1.5)
    _type(fields.end, "2")
    _type(fields.start, "1")
    _type(fields.end, str(round(31 / 30, 3)))
    assert panel.timeline.selection() == (30, 30)

    # A step (arrow key) is a frame: 0.01 s, less than one, came back where it was.
    QTest.keyClick(fields.start, Qt.Key.Key_Down)
    assert panel.timeline.selection() == (29, 30)
    QTest.keyClick(fields.end, Qt.Key.Key_Up)
    assert panel.timeline.selection() == (29, 31)
    assert errors == []


def test_a_labelled_rows_selection_fills_the_fields(session):
    panel, errors = session
    custom.add_label(panel.root, "session", 1.5, 2.5, "wave")
    panel.refresh()
    panel.timeline.enable_selection(0, 5)
    rows = {
        top.child(j).data(0, SPAN_ROLE)[2]: top.child(j)
        for i in range(panel.takes.topLevelItemCount())
        if (top := panel.takes.topLevelItem(i)) is not None
        for j in range(top.childCount())
    }
    panel.takes.setCurrentItem(rows["wave"])
    assert panel.label_action.currentText() == "wave"
    assert _seconds(panel) == pytest.approx((1.5, 2.5))
    panel.takes.setCurrentItem(rows["kick"])
    assert _seconds(panel) == pytest.approx((0.0, 1.0))
    assert errors == []


def test_the_fields_are_disabled_without_a_take(session):
    panel, errors = session
    fields = panel.span_seconds
    assert fields.start.isEnabled() and fields.end.isEnabled()
    assert fields.start.text() == "0.00 s"  # not the "–" of no take
    name = panel.takes.currentItem().data(0, ROLE)
    assert panel.delete_take(name)
    assert panel.recording is None
    for box in (fields.start, fields.end):
        assert not box.isEnabled() and box.text() == "–"
    # Another take in the folder, none selected yet.
    custom.import_sequence(
        panel.root,
        "again",
        read_file(require_data("ntu", "S001C001P001R001A001.skeleton")),
    )
    panel.refresh()
    assert panel.takes.selectedItems() == []
    assert not fields.start.isEnabled() and fields.start.text() == "–"
    assert panel.select_take("again")
    assert fields.start.isEnabled() and _seconds(panel) == pytest.approx((0.0, 3.43))
    assert errors == []


def test_a_label_in_three_decimals_selects_its_own_frames(session):
    """labels.csv keeps three decimals: a label from 10.0667 s read "10.067" and its
    row selected the frame after (a trial)."""
    panel, errors = session
    start, end = round(31 / 30, 3), round(61 / 30, 3)  # 1.033 and 2.033
    custom.add_label(panel.root, "session", start, end, "wave")
    panel.refresh()
    assert panel.select_take("session", start)
    assert panel.timeline.selection() == (31, 60)
    assert _seconds(panel) == pytest.approx((1.03, 2.03))
    assert errors == []
