"""A timeline of labelled intervals against predicted intervals (PKU-MMD sequences).

Teach uses the same timeline to label a continuous recording: :meth:`IntervalTimeline.
enable_selection` adds a draggable interval whose frames :meth:`IntervalTimeline.selection`
returns.
"""

from __future__ import annotations

import colorsys
from collections.abc import Sequence

import pyqtgraph as pg
from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QWidget

from app.widgets.curves import SparseAxis
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

    def __init__(self, parent: QWidget | None = None):
        # Frames are whole: empty, its axis read "0.1 … 0.9" (a trial).
        super().__init__(
            parent, axisItems={"bottom": SparseAxis("bottom", integers=True)}
        )
        scene = self.scene()
        if scene is not None:
            scene.sigMouseClicked.connect(self._on_scene_clicked)
        self.setMenuEnabled(False)
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

    def set_intervals(
        self,
        labelled: Sequence[Interval],
        predicted: Sequence[Interval],
        names: Sequence[str],
        num_frames: int,
        captions: str = "numbers",
        predicted_names: Sequence[str] | None = None,
        colour_order: Sequence[str] | None = None,
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
        """
        for item in self._items:
            self.removeItem(item)
        self._items.clear()
        self.labelled, self.predicted = list(labelled), list(predicted)
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
                    name if row_captions == "names" else str(int(label)),
                    (end - start + 1) / max(num_frames, 1),
                )
                if caption:
                    text = pg.TextItem(caption, color="k", anchor=(0.5, 0.5))
                    text.setPos((start + end) / 2, row)
                    self.addItem(text)
                    self._items.append(text)
        self.setXRange(0, max(num_frames, 1), padding=0.01)

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
