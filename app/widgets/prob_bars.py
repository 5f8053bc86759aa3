"""Top-k class probabilities as labelled horizontal bars."""

from __future__ import annotations

from collections.abc import Sequence

from PyQt6.QtWidgets import QGridLayout, QLabel, QProgressBar, QWidget


class ProbabilityBars(QWidget):
    """``k`` rows of class name and probability bar, best first."""

    def __init__(self, k: int = 5, parent: QWidget | None = None):
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setColumnStretch(1, 1)
        self.names: list[QLabel] = []
        self.bars: list[QProgressBar] = []
        for row in range(k):
            name = QLabel("–")
            name.setMinimumWidth(160)
            bar = QProgressBar()
            bar.setRange(0, 1000)
            bar.setValue(0)
            bar.setFormat("")
            bar.setTextVisible(True)
            grid.addWidget(name, row, 0)
            grid.addWidget(bar, row, 1)
            self.names.append(name)
            self.bars.append(bar)

    def set_probabilities(self, top: Sequence[tuple[str, float]]) -> None:
        """Show ``(label, probability)`` pairs, best first; extra rows are cleared.

        Args:
            top: Up to ``k`` pairs with probabilities in ``[0, 1]``.
        """
        for row, (name, bar) in enumerate(zip(self.names, self.bars)):
            if row < len(top):
                label, p = top[row]
                name.setText(str(label))
                bar.setValue(round(float(p) * 1000))
                bar.setFormat(f"{100 * float(p):.1f} %")
            else:
                name.setText("–")
                bar.setValue(0)
                bar.setFormat("")

    def show_rows(self, n: int) -> None:
        """Show the first ``n`` rows only: a model of three actions has no fourth
        and fifth answer (their rows stayed at "–": a trial)."""
        for row, (name, bar) in enumerate(zip(self.names, self.bars)):
            name.setVisible(row < n)
            bar.setVisible(row < n)

    def shown(self) -> list[tuple[str, float]]:
        """The pairs currently shown (for tests)."""
        return [
            (n.text(), b.value() / 1000)
            for n, b in zip(self.names, self.bars)
            if n.text() != "–"
        ]
