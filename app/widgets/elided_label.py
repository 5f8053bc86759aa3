"""A one-line label that ends in "…" when it is narrower than its text.

A plain ``QLabel`` asks for the width of its whole text: a long class name widens the
window or runs into the widget beside it. This one takes the width its layout gives it,
draws as much of the text as fits, and shows the whole text as its tooltip when cut.
``text()`` is always the whole text.
"""

from __future__ import annotations

from PyQt6.QtCore import QSize, Qt
from PyQt6.QtGui import QPainter, QPaintEvent, QPalette, QResizeEvent
from PyQt6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    """A single-line :class:`QLabel` elided on the right to its width."""

    def __init__(self, text: str = "", parent: QWidget | None = None):
        super().__init__(text, parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def setText(self, text: str | None) -> None:  # noqa: N802 (Qt API)
        """Set the whole text (drawn elided if it does not fit)."""
        super().setText(text)
        self._update_tooltip()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        """Any width; the height of one line."""
        return QSize(0, super().minimumSizeHint().height())

    def shown_text(self) -> str:
        """The text as drawn at the current width (ending in "…" when cut)."""
        return self.fontMetrics().elidedText(
            self.text(), Qt.TextElideMode.ElideRight, self.contentsRect().width()
        )

    def paintEvent(self, event: QPaintEvent | None) -> None:  # noqa: N802 (Qt API)
        """Draw the elided text with the style's colours."""
        painter = QPainter(self)
        style = self.style()
        if style is not None:
            style.drawItemText(
                painter,
                self.contentsRect(),
                int(self.alignment()),
                self.palette(),
                self.isEnabled(),
                self.shown_text(),
                QPalette.ColorRole.WindowText,
            )

    def resizeEvent(self, event: QResizeEvent | None) -> None:  # noqa: N802 (Qt API)
        """Show the whole text as a tooltip exactly when it is cut."""
        super().resizeEvent(event)
        self._update_tooltip()

    def _update_tooltip(self) -> None:
        self.setToolTip(self.text() if self.shown_text() != self.text() else "")
