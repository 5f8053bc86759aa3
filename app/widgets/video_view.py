"""A video frame with the detected skeleton drawn on top.

Frames arrive as BGR ``uint8`` arrays (OpenCV order); landmarks as pixel coordinates of the
same frame. Mirroring is a display option only: the frame and the landmarks are flipped
here, after the model has seen the unmirrored data. With ``show_video`` off, the frame is
replaced by a dark background of the same size (used for screenshots that must not show
recorded people).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QFont, QFontMetricsF, QTextOption
from PyQt6.QtWidgets import QWidget

from app.widgets.layout import not_a_tab_stop
from app.widgets.pens import screen_pen
from core.skeleton import SkeletonLayout


def wrap_centred(message: pg.TextItem, width: int) -> None:
    """Lay ``message`` out in centred lines that fit a view ``width`` pixels wide (less
    a margin): on one line a long message was cut at both ends in a narrow view
    (Teach's preview, and its skeleton view at 1024x600)."""
    room = max(120, width - 24)
    document = message.textItem.document()
    margin = document.documentMargin() if document is not None else 4.0
    # the text's own width, with the document's margins and a pixel to spare (at
    # exactly its width, a line broke before its last word)
    natural = QFontMetricsF(message.textItem.font()).horizontalAdvance(
        message.toPlainText()
    )
    message.setTextWidth(min(room, math.ceil(natural + 2 * margin) + 2))
    if document is not None:
        document.setDefaultTextOption(QTextOption(Qt.AlignmentFlag.AlignHCenter))


class VideoView(pg.GraphicsLayoutWidget):
    """Image plus skeleton overlay, aspect-locked, y pointing down like the image."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        not_a_tab_stop(self)
        self.setBackground("#111111")
        self.view = self.addViewBox(lockAspect=True, invertY=True, enableMouse=False)
        self.view.setMenuEnabled(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.view.addItem(self.image)
        self.bones = pg.PlotCurveItem(pen=screen_pen("#00e676", 3), connect="pairs")
        self.joints = pg.ScatterPlotItem(size=7, brush=pg.mkBrush("#ffeb3b"), pen=None)
        self.view.addItem(self.bones)
        self.view.addItem(self.joints)
        self.message = pg.TextItem("", color="#eeeeee", anchor=(0.5, 0.5))
        self.view.addItem(self.message)
        self.mirrored = False
        self.show_video = True
        self._shape: tuple[int, int] | None = None
        self._bone_width = 3  # the bones' pen width, in screen pixels

    def show_message(self, text: str, large: bool = False) -> None:
        """Show a text in the middle of the view (e.g. "no camera").

        Args:
            text: The text.
            large: In large type, to be read from across a room (a take's countdown,
                for the person stepping back from the camera).
        """
        font = QFont(self.font())
        if large:
            font.setPointSize(max(font.pointSize(), 1) * 5)
            font.setBold(True)
        self.message.setFont(font)
        self.message.setText(text)
        wrap_centred(self.message, self.width())
        if self._shape is None:
            self.view.setRange(xRange=(0, 640), yRange=(0, 480), padding=0)
            self.message.setPos(320, 240)
        else:  # the frame's middle (it stayed at 320, 240: a corner of a HD frame)
            h, w = self._shape
            self.message.setPos(w / 2, h / 2)

    def clear_frame(self) -> None:
        """Remove frame and skeleton. Not ``clear``: pyqtgraph's GraphicsLayoutWidget
        sets its layout's ``clear`` (remove the whole view) on each instance."""
        self.image.clear()
        self.bones.setData([], [])
        self.joints.setData([], [])
        self._shape = None

    def set_frame(
        self,
        frame_bgr: np.ndarray,
        landmarks_px: np.ndarray | None = None,
        layout: SkeletonLayout | None = None,
    ) -> None:
        """Show a frame and, optionally, its skeleton.

        Args:
            frame_bgr: ``(H, W, 3)`` uint8 BGR image.
            landmarks_px: ``(V, 2)`` pixel coordinates (x right, y down) of ``layout``'s
                joints, or ``None`` when no person was found.
            layout: Layout giving the bones between the landmarks.
        """
        h, w = frame_bgr.shape[:2]
        if self.show_video:
            rgb = frame_bgr[..., ::-1]
            if self.mirrored:
                rgb = rgb[:, ::-1]
            self.image.setImage(
                np.ascontiguousarray(rgb), autoLevels=False, levels=(0, 255)
            )
        else:
            self.image.setImage(
                np.full((h, w, 3), 24, np.uint8), autoLevels=False, levels=(0, 255)
            )
        if self._shape != (h, w):
            self._shape = (h, w)
            self.view.setRange(xRange=(0, w), yRange=(0, h), padding=0)
        self.message.setText("")
        if landmarks_px is None or layout is None:
            self.bones.setData([], [])
            self.joints.setData([], [])
            return
        pts = np.asarray(landmarks_px, dtype=np.float64)[:, :2].copy()
        if self.mirrored:
            pts[:, 0] = w - pts[:, 0]
        seg = pts[np.asarray(layout.bones).reshape(-1)]
        # Marks sized to the person on screen: fixed 7-pixel dots covered a person
        # 30 pixels tall (far away in a 4K frame) whole (a trial).
        tall = float(np.ptp(pts[:, 1])) / (self.view.viewPixelSize()[1] or 1.0)
        width = round(float(np.clip(tall / 60, 1, 3)))
        if width != self._bone_width:  # a new pen only when it changes
            self._bone_width = width
            self.bones.setPen(screen_pen("#00e676", width))
        self.joints.setData(pts[:, 0], pts[:, 1], size=float(np.clip(tall / 25, 2, 7)))
        self.bones.setData(seg[:, 0], seg[:, 1])
