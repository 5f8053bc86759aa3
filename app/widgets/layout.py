"""Small layout helpers shared by the panels."""

from __future__ import annotations

from PyQt6.QtWidgets import QHBoxLayout, QWidget


def field_row(field: QWidget, *buttons: QWidget) -> QHBoxLayout:
    """A row with ``field`` taking the spare width and ``buttons`` beside it.

    Args:
        field: The stretching widget (a path edit, a combo box).
        buttons: Widgets placed after it at their natural size.

    Returns:
        The row layout.
    """
    row = QHBoxLayout()
    row.addWidget(field, 1)
    for button in buttons:
        row.addWidget(button)
    return row
