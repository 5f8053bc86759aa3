"""Top-k class probabilities as labelled horizontal bars."""

from __future__ import annotations

from collections.abc import Sequence

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QGridLayout, QLabel, QProgressBar, QWidget

from app.widgets.elided_label import ElidedLabel

UNFAMILIAR_NOTE = (
    "No class is ranked: this motion is unlike every clip the model was trained on "
    "(its novelty check), so any ranking would be a guess."
)
"""Said under the bars of an answer the novelty check turned into "no action"."""


class ProbabilityBars(QWidget):
    """``k`` rows of class name and probability bar, best first, and with
    ``with_note`` a line under them saying why none is shown, when asked to."""

    def __init__(
        self, k: int = 5, parent: QWidget | None = None, with_note: bool = False
    ):
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setColumnStretch(1, 1)
        grid.setColumnMinimumWidth(0, 180)  # the names' room (elided beyond it)
        self.names: list[ElidedLabel] = []
        self.bars: list[QProgressBar] = []
        self.values: list[QLabel] = []
        for row in range(k):
            # elided (whole in its tooltip): a long class name widened the window
            name = ElidedLabel("–")
            name.setMinimumWidth(160)
            bar = QProgressBar()
            bar.setRange(0, 1000)
            bar.setValue(0)
            bar.setFormat("")
            # The figure beside the bar, not on it: drawn over the fill's edge, the
            # "4" of "47.9 %" could barely be read (a trial).
            bar.setTextVisible(False)
            value = QLabel("")
            value.setAlignment(
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            )
            value.setFixedWidth(value.fontMetrics().horizontalAdvance("100.0 %") + 6)
            grid.addWidget(name, row, 0)
            grid.addWidget(bar, row, 1)
            grid.addWidget(value, row, 2)
            self.names.append(name)
            self.bars.append(bar)
            self.values.append(value)
        # Why no row is filled, when there is a reason to give (Live's unfamiliar
        # motion left five blank rows, unexplained: a trial); its line is kept so
        # that the rows do not move when it comes and goes.
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #666")
        self.note.setMinimumHeight(self.note.fontMetrics().height() * 2 + 2)
        self.note.setVisible(with_note)  # (a panel that gives no reason keeps no room)
        grid.addWidget(self.note, k, 0, 1, 3)

    def set_probabilities(
        self, top: Sequence[tuple[str, float]], why_empty: str = ""
    ) -> None:
        """Show ``(label, probability)`` pairs, best first; extra rows are cleared.

        Args:
            top: Up to ``k`` pairs with probabilities in ``[0, 1]``.
            why_empty: Said under the rows when ``top`` is empty.
        """
        self.note.setText("" if top else why_empty)
        for row, (name, bar, value) in enumerate(
            zip(self.names, self.bars, self.values)
        ):
            if row < len(top):
                label, p = top[row]
                name.setText(str(label))
                bar.setValue(round(float(p) * 1000))
                bar.setFormat(f"{100 * float(p):.1f} %")
            else:
                name.setText("–")
                bar.setValue(0)
                bar.setFormat("")
            value.setText(bar.format())

    def show_rows(self, n: int) -> None:
        """Show the first ``n`` rows only: a model of three actions has no fourth
        and fifth answer (their rows stayed at "–": a trial)."""
        for row, (name, bar, value) in enumerate(
            zip(self.names, self.bars, self.values)
        ):
            name.setVisible(row < n)
            bar.setVisible(row < n)
            value.setVisible(row < n)

    def shown(self) -> list[tuple[str, float]]:
        """The pairs currently shown (for tests)."""
        return [
            (n.text(), b.value() / 1000)
            for n, b in zip(self.names, self.bars)
            if n.text() != "–"
        ]
