"""Pens whose width is in the screen's logical pixels, as the rest of the window is.

pyqtgraph's pens are cosmetic: drawn the given number of device pixels wide whatever
the scale. On a screen scaled 2x (``QT_SCALE_FACTOR=2``, a 4K laptop) the text, marks and
symbols doubled while a 2-pixel curve stayed 2 physical pixels, a hairline beside its
legend's sample, and the skeleton's bones thin lines between large joint dots (a
trial).
"""

from __future__ import annotations

import pyqtgraph as pg
from PyQt6.QtGui import QGuiApplication, QPen


def screen_pen(colour: object, width: float = 1.0, **style: object) -> QPen:
    """``pg.mkPen(colour, width=…)`` with ``width`` in logical pixels (times the
    screens' device pixel ratio).

    Args:
        colour: Any colour ``pg.mkPen`` takes.
        width: Width in logical pixels.
        style: Other ``pg.mkPen`` keywords (``style=Qt.PenStyle.DashLine``).
    """
    app = QGuiApplication.instance()
    ratio = app.devicePixelRatio() if isinstance(app, QGuiApplication) else 1.0
    return pg.mkPen(colour, width=width * ratio, **style)
