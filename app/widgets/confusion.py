"""A confusion-matrix heatmap: rows are true classes, columns predicted, row-normalised."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PyQt6.QtWidgets import QWidget

from app.widgets.layout import not_a_tab_stop


class ConfusionHeatmap(pg.PlotWidget):
    """Row-normalised confusion matrix with class names on the axes and counts in cells."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, background="w")
        not_a_tab_stop(self)
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.getPlotItem().invertY(True)
        # Not square cells: with the aspect locked the matrix sat in the middle of a
        # wide view, its axes and row ticks a hand's width away from it (a trial).
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(pg.colormap.get("viridis"))
        self.addItem(self.image)
        self.setLabel("left", "true class")
        self.setLabel("bottom", "predicted class (its number, as on the left)")
        for axis in ("left", "bottom"):
            ax = self.getAxis(axis)
            ax.setTextPen("k")
            ax.setPen("k")
        self._texts: list[pg.TextItem] = []
        self.matrix: np.ndarray | None = None
        self.placeholder = pg.TextItem(
            "The confusion matrix of an evaluation shows here.",
            color="#777777",
            anchor=(0.5, 0.5),
        )
        self.addItem(self.placeholder)
        self.clear_result()

    def clear_result(self) -> None:
        """Show nothing but a placeholder (no result, or one being computed): no axes,
        whose ticks would be numbers of an empty plot. Not ``clear``: pyqtgraph's
        PlotWidget sets its plot item's ``clear`` (remove every item) on each instance."""
        self.matrix = None
        self.image.clear()
        for text in self._texts:
            self.removeItem(text)
        self._texts.clear()
        for axis in ("left", "bottom"):
            self.getAxis(axis).setTicks([[]])
            self.hideAxis(axis)
        self.placeholder.setPos(0.5, 0.5)
        self.placeholder.setVisible(True)
        self.setXRange(0, 1, padding=0)
        self.setYRange(0, 1, padding=0)

    def set_confusion(self, confusion: np.ndarray, labels: Sequence[str]) -> None:
        """Show a ``(K, K)`` count matrix (rows true, columns predicted).

        Args:
            confusion: Counts, ``(K, K)``.
            labels: ``K`` class names.
        """
        counts = np.asarray(confusion, dtype=np.float64)
        k = counts.shape[0]
        rows = counts.sum(axis=1, keepdims=True)
        norm = np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)
        self.matrix = norm
        self.placeholder.setVisible(False)
        for axis in ("left", "bottom"):
            self.showAxis(axis)
        self.image.setImage(norm, autoLevels=False, levels=(0.0, 1.0))
        self.image.setRect(0, 0, k, k)
        short = [_short(name) for name in labels]
        # Every class's tick, but the labels of every step-th only as the major level:
        # pyqtgraph draws the others where they fit (60 NTU classes ran together as
        # "0123456789101112…", the names over each other: a trial).
        step = max(1, -(-k // 20))
        levels = [
            [i for i in range(k) if i % step == 0],
            [i for i in range(k) if i % step],
        ]
        self.getAxis("left").setTicks(
            [[(i + 0.5, f"{short[i]} ({i})") for i in level] for level in levels]
        )
        self.getAxis("bottom").setTicks(
            [[(i + 0.5, str(i)) for i in level] for level in levels]
        )
        for text in self._texts:
            self.removeItem(text)
        self._texts.clear()
        if k <= 25:
            for i in range(k):
                for j in range(k):
                    if counts[i, j] == 0:
                        continue
                    colour = "k" if norm[i, j] > 0.6 else "w"
                    text = pg.TextItem(
                        f"{int(counts[i, j])}", color=colour, anchor=(0.5, 0.5)
                    )
                    text.setPos(j + 0.5, i + 0.5)
                    self.addItem(text)
                    self._texts.append(text)
        self.setXRange(0, k, padding=0.02)
        self.setYRange(0, k, padding=0.02)


def _short(name: str, width: int = 22) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"
