"""Live training curves: every loss term and the accuracy, redrawn from a ~30 Hz timer.

Slots only append numbers to Python lists (O(1)); a :class:`QTimer` calls ``setData`` on
the curves when something changed, so a burst of batch events never causes a burst of
redraws. Curves are created once, the first time a loss term appears. Validation curves
(one point per epoch) are dashed and marked with symbols, so a single epoch is visible.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QSize, Qt, QTimer, pyqtSlot
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from app.widgets.layout import not_a_tab_stop
from app.widgets.pens import screen_pen
from core.training.events import BatchDone, EpochDone

PALETTE = ("#42a5f5", "#ef5350", "#66bb6a", "#ffa726", "#ab47bc", "#26c6da", "#d4e157",
           "#8d6e63")  # fmt: skip
# Each loss term keeps its colour from one run (strategy) to the next ("motion" was
# blue in one, red in another); other names take the palette's next free colour.
TERM_COLOURS = {"cls": "#42a5f5", "motion": "#ef5350", "jigsaw": "#66bb6a",
                "contrastive": "#ffa726", "total": "#ab47bc", "val loss": "#26c6da",
                "test loss": "#26c6da"}  # fmt: skip


SHOWN_NAMES = {"cls": "classification", "val loss": "validation loss"}
"""A loss term's name in the key, where the engine's short one is jargon ("cls");
"test loss" (a protocol's test split, e.g. NW-UCLA view 3 under xview) reads as it is."""

ACCURACY_TITLES = {
    "": "Accuracy",
    "val": "Validation accuracy",
    "test": "Test accuracy",
}
"""The accuracy plot's title: before a run says its split (it said "Validation" idle,
and on NW-UCLA xview then turned "Test": a trial), and by the split."""


class SparseAxis(pg.AxisItem):
    """An axis whose ticks are at least ``min_pixels`` apart.

    pyqtgraph places at least a few major ticks however short the axis is, so in a short
    plot (the Teach panel's) their labels overlap. Here the finer tick levels are
    dropped, and when even the coarsest is too dense the spacing becomes the smallest
    1, 2 or 5 x 10^k that fits. A spacing set with ``setTickSpacing`` is kept.
    """

    def __init__(
        self,
        orientation: str,
        min_pixels: float = 24.0,
        integers: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(orientation, **kwargs)
        self.min_pixels = float(min_pixels)
        self.integers = integers
        """Ticks on whole numbers only (epochs: "0.2 … 0.8" before a run, "1.2, 1.4"
        in a short one, read as fractions of an epoch: a trial)."""

    def tickSpacing(self, minVal, maxVal, size):  # noqa: N802 (pyqtgraph's name)
        levels = super().tickSpacing(minVal, maxVal, size)
        span = maxVal - minVal
        if self._tickSpacing is not None or not levels or span <= 0 or size <= 0:
            return levels
        fits = [lv for lv in levels if lv[0] / span * size >= self.min_pixels]
        if not fits:
            least = self.min_pixels * span / size
            power = 10.0 ** math.floor(math.log10(least))
            spacing = next(f * power for f in (1, 2, 5, 10) if f * power >= least)
            fits = [(spacing, 0)]
        if self.integers:
            fits = [lv for lv in fits if lv[0] >= 1] or [(1.0, 0)]
        return fits

    def ticks_shown(self) -> list[float]:
        """The values of the ticks drawn now (for tests)."""
        low, high = self.range
        return [
            v
            for spacing, values in self.tickValues(low, high, self.height())
            for v in values
        ]


class TrainingCurves(QWidget):
    """Two plots: loss terms per batch (x = epochs, fractional) and accuracy per epoch."""

    def __init__(
        self,
        refresh_hz: float = 30.0,
        parent: QWidget | None = None,
        min_plot_height: int = 110,
        side_by_side: bool = False,
    ):
        super().__init__(parent)
        self.loss_plot = pg.PlotWidget(
            title="Losses",
            axisItems={
                "left": SparseAxis("left"),
                "bottom": SparseAxis("bottom", integers=True),
            },
        )
        self.loss_plot.setLabel("bottom", "epoch")
        not_a_tab_stop(self.loss_plot)
        # The key of the loss curves, above the plot: drawn inside it (pyqtgraph's
        # legend) it covered the curves' start, where the losses are highest.
        # One line, never wrapped: a word-wrapped label makes the layouts around it
        # size by height-for-width, and Teach's column then gave the curves the
        # previews' height. Its width is the plot's (a long key is cut, not widening).
        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.legend.setVisible(False)
        self.acc_plot = pg.PlotWidget(
            title=ACCURACY_TITLES[""],
            axisItems={
                "left": SparseAxis("left"),
                "bottom": SparseAxis("bottom", integers=True),
            },
        )
        not_a_tab_stop(self.acc_plot)
        # One epoch axis for both: the loss plot's own range put epoch 1 a fifth of
        # the width away from the accuracy's epoch 1 below it (a trial).
        self.acc_plot.setXLink(self.loss_plot)
        self.acc_plot.setLabel("bottom", "epoch")
        self.acc_plot.setLabel("left", "accuracy", units="%")
        self.acc_plot.setYRange(0, 100)
        for plot in (self.loss_plot, self.acc_plot):
            # Numbers as they are: early in a run the x axis read "epoch (x0.001)"
            # with ticks 50 ... 300 (pyqtgraph's SI prefix on fractions of an epoch).
            for side in ("bottom", "left"):
                plot.getAxis(side).enableAutoSIPrefix(False)
            plot.setDownsampling(mode="peak")
            plot.setClipToView(True)
            plot.setMinimumHeight(min_plot_height)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(self.legend)
        if side_by_side:
            # Where height is short and width is not (Teach): stacked, the accuracy
            # plot kept 25 px of data area, its "100" tick gone and its label cut (a
            # GUI trial at 1366x768).
            row = QHBoxLayout()
            row.setSpacing(4)
            row.addWidget(self.loss_plot, 1)
            row.addWidget(self.acc_plot, 1)
            box.addLayout(row, 1)
        else:
            box.addWidget(self.loss_plot, 3)
            box.addWidget(self.acc_plot, 2)
        self._x: dict[str, list[float]] = {}
        self._y: dict[str, list[float]] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._keys: list[str] = []  # the legend's entries, in the curves' order
        self.acc_curve = self.acc_plot.plot(
            pen=screen_pen("#66bb6a", 2), symbol="o", symbolSize=6, name="val acc"
        )
        # Why the accuracy plot stays empty, where it does (a pretraining run).
        self.acc_note = pg.TextItem("", color="#bbbbbb", anchor=(0, 0.5))
        self.acc_note.setPos(0, 50)
        self.acc_plot.addItem(self.acc_note)
        # At the view's left edge, wherever the shared epoch axis puts it: at x = 0
        # its first letter went under the axis (a re-trial).
        self.acc_plot.getViewBox().sigXRangeChanged.connect(self._place_acc_note)
        self._acc_x: list[float] = []
        self._acc_y: list[float] = []
        # Right end of both plots' epochs; 0..1 before any run (the empty plot's own
        # axis read -400..400, "x0.001").
        self._acc_right = 1.0
        self.loss_plot.setXRange(0, 1, padding=0.02)
        self._dirty = False
        self.timer = QTimer(self)
        self.timer.setInterval(max(1, round(1000 / refresh_hz)))
        self.timer.timeout.connect(self._on_timer_timeout)
        self.timer.start()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        """A modest height: pyqtgraph asks 480 px for each plot, and beside other
        widgets in a column (Teach's previews and timeline) those hints won the
        height, the previews shrinking to ~90 px."""
        return QSize(600, 320)

    def clear(self) -> None:
        """Forget every point and curve (new run)."""
        for curve in self.curves.values():
            self.loss_plot.removeItem(curve)
        self.curves.clear()
        self._keys.clear()
        self._show_legend()
        self._x.clear()
        self._y.clear()
        self._acc_x.clear()
        self._acc_y.clear()
        self.acc_plot.setTitle(ACCURACY_TITLES[""])
        # An empty plot keeps its range: a run failing before its first batch showed
        # the last run's axes (20 epochs, losses up to 5) with nothing on them.
        self.loss_plot.setRange(xRange=(0, 1), yRange=(0, 1), padding=0.02)
        self.loss_plot.enableAutoRange(axis="y")
        self._acc_right = 1.0
        self._dirty = True

    def _place_acc_note(self, _view: object, x_range: tuple[float, float]) -> None:
        left, right = x_range
        self.acc_note.setPos(left + 0.01 * (right - left), 50)

    def set_accuracy_note(self, text: str) -> None:
        """Say in the accuracy plot why it has no points (``""``: no note)."""
        self.acc_note.setText(text)
        self.acc_note.setVisible(bool(text))

    def add_losses(self, x: float, losses: dict[str, float], prefix: str = "") -> None:
        """Append one point per loss term.

        Args:
            x: Position in epochs (``epoch - 1 + step / steps_per_epoch``).
            losses: Loss term name -> value; non-finite values are skipped.
            prefix: Added to each name (e.g. ``"val "``, ``"test "``).
        """
        for name, value in losses.items():
            if value is None or not np.isfinite(value):
                continue
            key = prefix + name
            if key not in self.curves:
                colour = (
                    TERM_COLOURS.get(key)
                    or PALETTE[(len(TERM_COLOURS) + len(self.curves)) % len(PALETTE)]
                )
                style = screen_pen(colour, 2)
                marks: dict[str, object] = {}
                if prefix:  # one point per epoch: a lone point needs a symbol
                    style.setStyle(pg.QtCore.Qt.PenStyle.DashLine)
                    marks = {"symbol": "o", "symbolSize": 6, "symbolBrush": colour}
                self.curves[key] = self.loss_plot.plot(pen=style, **marks)
                self._x[key], self._y[key] = [], []
                line = "╌╌" if prefix else "━━"
                shown = SHOWN_NAMES.get(key, key)
                self._keys.append(
                    f'<span style="color:{colour}">{line}</span>&nbsp;{shown}'
                )
                self._show_legend()
            self._x[key].append(float(x))
            self._y[key].append(float(value))
        self._dirty = True

    def legend_text(self) -> str:
        """The curves' key as shown, without markup (for tests)."""
        return "  ".join(k.rsplit("&nbsp;", 1)[1] for k in self._keys)

    def _show_legend(self) -> None:
        self.legend.setText(" &nbsp; ".join(self._keys))
        self.legend.setVisible(bool(self._keys))

    def add_accuracy(self, epoch: float, accuracy: float) -> None:
        """Append one accuracy point (``accuracy`` in ``[0, 1]``)."""
        if accuracy is None or not np.isfinite(accuracy):
            return
        self._acc_x.append(float(epoch))
        self._acc_y.append(100.0 * float(accuracy))
        self._dirty = True

    def add_event(self, event: object) -> None:
        """Draw a training event: a batch's loss terms (:func:`loss_terms`) at its
        fractional epoch, an epoch's validation loss and accuracy; other events are
        ignored. (Teach drew no validation loss, and a model of a few takes
        overfitted unseen: its validation loss rose from 0.5 to 1.1 after epoch 4
        in a trial.)"""
        if isinstance(event, BatchDone):
            spe = max(1, event.steps_per_epoch)
            self.add_losses(
                event.epoch - 1 + event.step / spe, loss_terms(event.losses)
            )
        elif isinstance(event, EpochDone):
            if event.val_loss is not None:
                self.add_losses(
                    float(event.epoch), {"loss": event.val_loss}, f"{event.split} "
                )
            if event.val_acc is not None:
                self.add_accuracy(float(event.epoch), event.val_acc)
                # the split it is measured on (NW-UCLA xview: view 3, the test one)
                self.acc_plot.setTitle(ACCURACY_TITLES[event.split])

    def truncate(self, last_x: float) -> None:
        """Drop every point after ``last_x`` (epochs a resumed run trains again)."""
        series = [(self._x[k], self._y[k]) for k in self._x]
        for xs, ys in [*series, (self._acc_x, self._acc_y)]:
            kept = [(x, y) for x, y in zip(xs, ys, strict=True) if x <= last_x]
            xs[:] = [x for x, _ in kept]
            ys[:] = [y for _, y in kept]
        self._dirty = True

    def values(self, name: str) -> tuple[list[float], list[float]]:
        """The x and y values kept for a loss term (``"accuracy"``: the accuracy in %),
        drawn or about to be; empty for a term not seen."""
        if name == "accuracy":
            return list(self._acc_x), list(self._acc_y)
        return list(self._x.get(name, [])), list(self._y.get(name, []))

    def points(self, name: str) -> int:
        """Number of points drawn for a loss term (``"accuracy"`` for the accuracy)."""
        if name == "accuracy":
            x, _ = self.acc_curve.getData()
        else:
            x, _ = self.curves[name].getData()
        return 0 if x is None else len(x)

    @pyqtSlot()
    def _on_timer_timeout(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        for key, curve in self.curves.items():
            xs = self._x[key]
            # a run of one step: its point (a line alone drew nothing)
            lone = "o" if len(xs) == 1 else None
            if not key.startswith(("val ", "test ")) and curve.opts["symbol"] != lone:
                curve.setSymbol(lone)
            curve.setData(np.asarray(xs), np.asarray(self._y[key]))
        self.acc_curve.setData(np.asarray(self._acc_x), np.asarray(self._acc_y))
        # Accuracy on the epochs the losses span: alone, one point (a short run) was
        # drawn on -150..150, and a cleared plot kept the last run's axis.
        last = max([*(xs[-1] for xs in self._x.values() if xs), *self._acc_x[-1:], 1.0])
        if last != self._acc_right:
            self._acc_right = last
            self.loss_plot.setXRange(0, last, padding=0.02)  # (and the linked one)


def loss_terms(losses: dict[str, float]) -> dict[str, float]:
    """The loss terms worth drawing: ``"total"`` only when it sums several terms (with
    one it is that term again, drawn on top of it)."""
    if len(losses) <= 2 and "total" in losses:
        return {k: v for k, v in losses.items() if k != "total"} or losses
    return dict(losses)
