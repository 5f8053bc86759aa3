"""A timeline of labelled intervals against predicted intervals (PKU-MMD sequences).

Teach uses the same timeline to label a continuous recording: :meth:`IntervalTimeline.
enable_selection` adds a draggable interval whose frames :meth:`IntervalTimeline.selection`
returns, and :class:`SpanSeconds` gives that interval's ends in seconds, to read and to
type (on a two-minute recording a pixel of the timeline is several frames).
"""

from __future__ import annotations

import bisect
import colorsys
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QSignalBlocker, Qt, pyqtSignal, pyqtSlot
from PyQt6.QtGui import QValidator
from PyQt6.QtWidgets import (
    QAbstractSpinBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QWidget,
)

from app.widgets.curves import SparseAxis
from app.widgets.layout import not_a_tab_stop
from app.widgets.pens import screen_pen

Interval = tuple[int, int, int]  # (label, start_frame, end_frame)


def class_colour(
    label: int, num_classes: int, muted: bool = False
) -> tuple[int, int, int]:
    """A distinct colour per class (hues spread round the circle, golden-ratio order);
    ``muted``: a pale one, for a model's action the data does not have."""
    hue = (label * 0.618033988749895) % 1.0
    r, g, b = colorsys.hsv_to_rgb(hue, 0.25 if muted else 0.65, 0.8 if muted else 0.95)
    return int(r * 255), int(g * 255), int(b * 255)


class IntervalTimeline(pg.PlotWidget):
    """Two rows of coloured bars (labelled above, predicted below) and a frame cursor.

    A click on the plot emits :attr:`frame_clicked` with the frame under the mouse (a
    drag pans the frames, the wheel zooms them).
    """

    frame_clicked = pyqtSignal(int)
    """A frame chosen with a click (clamped to 0; the owner clamps the end)."""
    selection_changed = pyqtSignal()
    """The draggable interval moved (dragged, or set by :meth:`enable_selection`)."""

    def __init__(self, parent: QWidget | None = None):
        # Frames are whole: empty, its axis read "0.1 … 0.9" (a trial).
        super().__init__(
            parent, axisItems={"bottom": SparseAxis("bottom", integers=True)}
        )
        not_a_tab_stop(self)  # the mouse's; From / To and the arrows are the keys'
        scene = self.scene()
        if scene is not None:
            scene.sigMouseClicked.connect(self._on_scene_clicked)
        self.setMenuEnabled(False)
        self.hideButtons()  # pyqtgraph's "A" (auto-range) button, unexplained (a trial)
        self.setMouseEnabled(x=True, y=False)
        self.setMaximumHeight(130)
        self.getAxis("left").setTicks([[(1, "labelled"), (0, "predicted")]])
        self.setLabel("bottom", "frame")
        self.setYRange(-0.6, 1.6, padding=0)
        self.setXRange(0, 1, padding=0.01)  # empty: not pyqtgraph's -400..400 default
        self.cursor = pg.InfiniteLine(pos=0, angle=90, pen=screen_pen("w", 1))
        self.addItem(self.cursor)
        self._items: list[pg.GraphicsObject] = []
        self.labelled: list[Interval] = []
        self.predicted: list[Interval] = []
        self.region: pg.LinearRegionItem | None = None
        self._starts: list[int] = []  # of the actions, for action_start

    def enable_selection(self, start: int, end: int, last: int | None = None) -> None:
        """Show a draggable interval ``[start, end]`` (frames) to choose a span.

        Args:
            start: First frame of the initial selection.
            end: Last frame of the initial selection.
            last: The sequence's last frame: the span cannot be dragged past it (nor
                before frame 0); ``None`` keeps the bounds set before.
        """
        if self.region is None:
            self.region = pg.LinearRegionItem(
                values=(start, end), brush=pg.mkBrush(255, 255, 255, 40)
            )
            self.region.setZValue(10)
            self.region.sigRegionChanged.connect(self._on_region_changed)
            self.addItem(self.region)
        if last is not None:
            self.region.setBounds((0, max(last, 0)))
        self.region.setRegion((start, end))

    def selection(self) -> tuple[int, int] | None:
        """The selected ``(start, end)`` frames (inclusive), or ``None`` without one."""
        if self.region is None:
            return None
        a, b = self.region.getRegion()
        start, end = sorted((round(a), round(b)))
        return max(start, 0), max(end, 0)

    def _on_region_changed(self, _region: object) -> None:
        self.selection_changed.emit()

    def set_intervals(
        self,
        labelled: Sequence[Interval],
        predicted: Sequence[Interval],
        names: Sequence[str],
        num_frames: int,
        captions: str = "numbers",
        predicted_names: Sequence[str] | None = None,
        colour_order: Sequence[str] | None = None,
        ids: Sequence[str] | None = None,
    ) -> None:
        """Draw both rows.

        Args:
            labelled: Ground-truth ``(label, start, end)`` intervals (frames).
            predicted: Predicted intervals in the same form.
            names: Class names of the labelled row (and of the predicted row unless
                ``predicted_names`` is given), for tooltips and bar captions.
            num_frames: Length of the sequence (x range).
            captions: ``"numbers"`` (class numbers from 0, as the class lists and the
                confusion matrix give them, for the many classes of a dataset) or
                ``"names"`` (the user's own few actions).
            predicted_names: The model's class names, when they are not the data's
                (a NW-UCLA model replaying a PKU-MMD sequence).
            colour_order: Action names whose positions give the colours (a user's
                recording: the order Teach colours them in), instead of the class
                numbers.
            ids: The data's own ids of its classes (PKU-MMD's "26", NTU's "A050"),
                captioning its numbered bars as the clip list and headers name them
                (numbers from 0 read one less than the headers' ids: a trial).
        """
        for item in self._items:
            self.removeItem(item)
        self._items.clear()
        self.labelled, self.predicted = list(labelled), list(predicted)
        # where "◀ Action" / "Action ▶" go: the labelled bars, else the predicted
        # ones (found once here, not at every frame Replay plays)
        bars = [iv for iv in self.labelled if iv[2] >= iv[1]] or [
            iv for iv in self.predicted if iv[2] >= iv[1]
        ]
        self._starts = sorted({start for _, start, _ in bars})
        other_classes = predicted_names is not None and list(predicted_names) != list(
            names
        )
        # The model's classes are not the data's: its bars say its names, as numbers
        # they read as the data's classes of those numbers (NW-UCLA's "8" among
        # PKU-MMD's 51 classes).
        rows = (
            (1, self.labelled, names, captions),
            (0, self.predicted, predicted_names or names,
             "names" if other_classes else captions),
        )  # fmt: skip
        # One colour per action in both rows: the data's colour for a predicted
        # action of the same name, colours of their own for the model's other ones
        # (by number, a predicted "tai chi" took the colour of the data's class 2).
        k = max(len(names), len(predicted_names or ()), 1)
        index = {name: i for i, name in enumerate(names)}
        ordered = {name: i for i, name in enumerate(colour_order or ())}
        for row, intervals, row_names, row_captions in rows:
            for label, start, end in intervals:
                if end < start:
                    continue
                shade = int(label)
                # A model's action the data lacks is pale: among ~60 hues some are
                # alike, and a predicted "doffing" in PKU-MMD's "11"'s magenta read
                # as agreement (a trial).
                foreign = False
                if row == 0 and other_classes and 0 <= label < len(row_names):
                    foreign = row_names[label] not in index
                    shade = index.get(row_names[label], len(names) + shade)
                if ordered and 0 <= label < len(row_names):
                    name = row_names[label]
                    shade = ordered.get(name, len(ordered) + index.get(name, shade))
                colour = class_colour(shade, k, muted=foreign)
                bar = pg.BarGraphItem(
                    x0=[start],
                    x1=[end + 1],
                    y=[row],
                    height=0.8,
                    brush=pg.mkBrush(*colour),
                    pen=pg.mkPen(None),
                )
                name = row_names[label] if 0 <= label < len(row_names) else str(label)
                bar.setToolTip(f"{name} (frames {start}-{end})")
                self.addItem(bar)
                self._items.append(bar)
                caption = self._fit(
                    name
                    if row_captions == "names"
                    else (
                        ids[label]  # both rows the data's classes (else names)
                        if ids is not None and 0 <= label < len(ids)
                        else str(int(label))
                    ),
                    (end - start + 1) / max(num_frames, 1),
                )
                if caption:
                    text = pg.TextItem(caption, color="k", anchor=(0.5, 0.5))
                    text.setPos((start + end) / 2, row)
                    self.addItem(text)
                    self._items.append(text)
        # A drag or the wheel stays within the recording (a drag panned to frame -50:
        # a trial); zooming in stays allowed, out no further than the whole.
        span = max(num_frames, 1)
        margin = 0.02 * span
        self.getViewBox().setLimits(
            xMin=-margin, xMax=span + margin, maxXRange=span + 2 * margin
        )
        self.setXRange(0, span, padding=0.01)

    def _fit(self, caption: str, share: float) -> str:
        """``caption`` cut (with "…") to what a bar covering ``share`` of the
        timeline's width holds, or ``""`` when not even two characters fit: captions
        of neighbouring short bars would otherwise run into each other."""
        width = max(self.width(), 300) * share
        chars = int(width / self.fontMetrics().averageCharWidth()) - 1
        if chars >= len(caption):
            return caption
        return caption[: chars - 1] + "…" if chars >= 2 else ""

    def _on_scene_clicked(self, event: object) -> None:
        # A click on the plot seeks there (it panned the plot: a trial); one on the
        # axes does not.
        if event.button() != Qt.MouseButton.LeftButton:  # type: ignore[attr-defined]
            return
        box = self.getPlotItem().getViewBox()
        where = event.scenePos()  # type: ignore[attr-defined]
        if not box.sceneBoundingRect().contains(where):
            return
        self.frame_clicked.emit(max(0, round(box.mapSceneToView(where).x())))

    def set_cursor(self, frame: int) -> None:
        """Move the frame cursor."""
        self.cursor.setPos(frame)

    def action_start(self, frame: int, step: int) -> int | None:
        """The nearest start of an action after ``frame`` (``step`` 1) or before it
        (-1): of the labelled row, or of the predicted one when nothing is labelled
        (a recording of one's own before it is labelled). So "previous" goes back to
        the start of the action under the cursor first, as a player's goes back to
        the start of the track (of overlapping labels, the later start). ``None``:
        no such action."""
        starts = self._starts
        if step > 0:
            i = bisect.bisect_right(starts, frame)
            return starts[i] if i < len(starts) else None
        i = bisect.bisect_left(starts, frame)
        return starts[i - 1] if i > 0 else None


def frame_edges(timestamps: np.ndarray, duration: float) -> np.ndarray:
    """Where each frame of a recording starts, then where its last one ends.

    Args:
        timestamps: ``(T,)`` increasing seconds of the frames.
        duration: Seconds the recording covers (its last frame's end).

    Returns:
        ``(T + 1,)`` float64 seconds: frames ``first..last`` (inclusive) cover
        ``edges[first]`` to ``edges[last + 1]``.
    """
    return np.append(np.asarray(timestamps, dtype=np.float64), float(duration))


def nearest_index(values: np.ndarray, x: float) -> int:
    """The index of the value of the increasing ``values`` nearest ``x``."""
    i = int(np.searchsorted(values, x))
    if i == 0:
        return 0
    if i == len(values):
        return i - 1
    return i if values[i] - x < x - values[i - 1] else i - 1


class FrameSecondsBox(QDoubleSpinBox):
    """Seconds that stay on a recording's frame edges, and that are clamped when typed.

    A step (arrow keys, wheel, its buttons) goes to the next edge: a step of 0.01 s is
    less than a frame at 30 FPS, and rounded to the nearest frame it came back where
    it was. Seconds typed past the range become its end once Enter (or leaving the
    field) ends them: Qt's own box refused the keys, and "99" on a 3 s take typed
    nothing.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.edges = np.zeros(1)
        """The seconds a step goes between (increasing)."""

    def stepBy(self, steps: int) -> None:  # noqa: N802 (Qt API)
        """Go ``steps`` edges on (the range clamps it)."""
        i = nearest_index(self.edges, self.value()) + steps
        self.setValue(float(self.edges[min(max(i, 0), len(self.edges) - 1)]))

    def validate(
        self, input: str | None, pos: int
    ) -> tuple[QValidator.State, str, int]:
        """Qt's answer, but seconds out of range are not refused (:meth:`fixup`
        clamps them), and the other decimal mark is this locale's ("12,5" read as
        125 in a "." locale: a trial)."""
        point = self.locale().decimalPoint()
        other = "," if point == "." else "."
        state, text, pos = super().validate((input or "").replace(other, point), pos)
        if state == QValidator.State.Invalid and self._seconds(text) is not None:
            state = QValidator.State.Intermediate
        return state, text, pos

    def fixup(self, input: str | None) -> str:
        """Typed seconds clamped to the range."""
        seconds = self._seconds(input)
        if seconds is None:
            return super().fixup(input)
        clamped = min(max(seconds, self.minimum()), self.maximum())
        return self.textFromValue(clamped) + self.suffix()

    def _seconds(self, text: str | None) -> float | None:
        """The non-negative number of a field's text (in its locale), or ``None``."""
        number = (text or "").removesuffix(self.suffix()).strip()
        seconds, ok = self.locale().toDouble(number)
        return seconds if ok and seconds >= 0 else None


class SpanSeconds(QWidget):
    """The "From" and "To" fields of an :class:`IntervalTimeline`'s selected frames,
    in seconds from a recording's first frame, kept in step with the draggable
    interval both ways.

    Dragging the interval sets the fields: "From" is its first frame's time, "To" its
    last frame's end (the next frame's time, or the recording's duration). A value
    typed (or stepped: a step is a frame) moves the interval to the frames whose edges
    are nearest, keeping the other end's frame, and the field then shows the edge: the
    seconds a label of the span gets. A "From" typed past "To" takes "To" along (a
    one-frame span, to be widened), and a "To" before "From" takes "From" back. Without
    a recording the fields are disabled and read "–".
    """

    def __init__(self, timeline: IntervalTimeline, parent: QWidget | None = None):
        super().__init__(parent)
        self.timeline = timeline
        self._edges: np.ndarray | None = None
        self.start = FrameSecondsBox()
        self.start.setToolTip(
            "Where the span starts: seconds from the take's first frame (the arrow "
            "keys step a frame)"
        )
        self.end = FrameSecondsBox()
        self.end.setToolTip(
            "Where the span ends: the end of its last frame (the arrow keys step a "
            "frame)"
        )
        for box in (self.start, self.end):
            box.setDecimals(2)
            box.setSuffix(" s")
            # A value typed counts once Enter or leaving the field ends it, not at
            # every digit (the "1" of "12" would move the span to 1 s); one out of
            # range is clamped, not thrown away.
            box.setKeyboardTracking(False)
            box.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)
            box.setRange(0.0, 9999.99)  # a width that fits a long take's seconds
            box.setMinimumWidth(box.sizeHint().width())
        self.start.valueChanged.connect(self._on_start_value_changed)
        self.end.valueChanged.connect(self._on_end_value_changed)
        timeline.selection_changed.connect(self._on_timeline_selection_changed)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("From"))
        row.addWidget(self.start)
        row.addWidget(QLabel("To"))
        row.addWidget(self.end)
        self.set_edges(None)

    def set_edges(self, edges: np.ndarray | None) -> None:
        """Give the seconds of the recording the timeline shows.

        Args:
            edges: Its :func:`frame_edges`; ``None`` (or no frame): no recording, the
                fields disabled.
        """
        shown = edges is not None and len(edges) > 1
        self._edges = edges if shown else None
        for box in (self.start, self.end):
            box.setEnabled(shown)
            box.setSpecialValueText("" if shown else "–")  # "–" at its minimum
        if edges is not None and shown:
            self.start.edges, self.end.edges = edges[:-1], edges[1:]
        self._show_selection()

    def _show_selection(self) -> None:
        """The fields say the timeline's selected frames (without echoing it back)."""
        edges, span = self._edges, self.timeline.selection()
        with QSignalBlocker(self.start), QSignalBlocker(self.end):
            if edges is None or span is None:
                for box in (self.start, self.end):
                    box.setRange(0.0, 0.0)
                return
            first, last = (min(f, len(edges) - 2) for f in span)
            start, end = float(edges[first]), float(edges[last + 1])
            # Any frame of the take: a From typed past To takes To along (it was
            # clamped to To, and the label made over the wrong span: a trial)
            self.start.setRange(0.0, float(edges[-2]))
            self.end.setRange(float(edges[1]), float(edges[-1]))
            self.start.setValue(start)
            self.end.setValue(end)

    def _select(self, first: int, last: int) -> None:
        self.timeline.enable_selection(first, last)
        self._show_selection()  # the edge, also when the frames stay the same

    @pyqtSlot()
    def _on_timeline_selection_changed(self) -> None:
        self._show_selection()

    @pyqtSlot(float)
    def _on_start_value_changed(self, value: float) -> None:
        span = self.timeline.selection()
        if self._edges is None or span is None:
            return
        first = nearest_index(self._edges[:-1], value)
        self._select(first, max(min(span[1], len(self._edges) - 2), first))

    @pyqtSlot(float)
    def _on_end_value_changed(self, value: float) -> None:
        span = self.timeline.selection()
        if self._edges is None or span is None:
            return
        last = nearest_index(self._edges[1:], value)
        self._select(min(span[0], last), last)
