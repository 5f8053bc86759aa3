"""A rotatable skeleton view drawn as a 2-D projection (works without OpenGL).

The 3-D joints (Kinect camera space: x right, y up, z away from the sensor) are rotated by
a yaw angle about the vertical axis and a pitch angle about the horizontal axis, then
projected orthographically onto the screen. Dragging with the mouse or moving the slider
changes the angles; the view range is fixed per sequence so that a clip does not jump
around while it plays. A pure projection keeps the view usable under offscreen Qt and
plain Xvfb, where pyqtgraph's OpenGL widgets have no context.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QEvent, QObject, Qt, pyqtSlot
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from app.widgets.layout import not_a_tab_stop
from app.widgets.pens import screen_pen
from app.widgets.video_view import wrap_centred
from core.skeleton import SkeletonLayout

BODY_COLOURS = ("#4fc3f7", "#ffb74d", "#aed581", "#f06292")


def rotation(yaw_deg: float, pitch_deg: float) -> np.ndarray:
    """Rotation applied before projecting: yaw about y, then pitch about x.

    Args:
        yaw_deg: Rotation about the vertical axis, degrees.
        pitch_deg: Rotation about the horizontal screen axis, degrees.

    Returns:
        ``(3, 3)`` rotation matrix acting on column vectors ``(x, y, z)``.
    """
    a, b = np.radians(yaw_deg), np.radians(pitch_deg)
    yaw = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
    pitch = np.array([[1, 0, 0], [0, np.cos(b), -np.sin(b)], [0, np.sin(b), np.cos(b)]])
    return pitch @ yaw


def project(joints: np.ndarray, yaw_deg: float, pitch_deg: float) -> np.ndarray:
    """Rotate and orthographically project joints onto the screen plane.

    Args:
        joints: ``(..., 3)`` points, camera space.
        yaw_deg: Yaw angle, degrees.
        pitch_deg: Pitch angle, degrees.

    Returns:
        ``(..., 2)`` screen coordinates (x right, y up).
    """
    rotated = joints @ rotation(yaw_deg, pitch_deg).T
    return rotated[..., :2]


class SkeletonView(QWidget):
    """Shows one frame ``(M, V, 3)`` of a skeleton sequence, rotatable with the mouse."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._layout: SkeletonLayout | None = None
        self._sequence: np.ndarray | None = None  # the one set_sequence was given
        self._frame: np.ndarray | None = None
        self._centre = np.zeros(3)
        self._yaw = 0.0
        self._pitch = 0.0
        self._drag_from = None

        self.plot = pg.PlotWidget(background="#1e1e1e")
        not_a_tab_stop(self.plot)  # turned by the mouse or the slider
        self.plot.setAspectLocked(True)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        for axis in ("left", "bottom"):
            self.plot.getPlotItem().hideAxis(axis)
        self.plot.viewport().installEventFilter(self)
        self._bones: list[pg.PlotCurveItem] = []
        self._points: list[pg.ScatterPlotItem] = []
        # What to do, while no skeleton is shown (an empty dark square said nothing:
        # a trial); a frame shown hides it.
        self.message = pg.TextItem("", color="#aaaaaa", anchor=(0.5, 0.5))
        self.message.setZValue(10)
        self.plot.addItem(self.message)

        self.yaw_slider = QSlider(Qt.Orientation.Horizontal)
        self.yaw_slider.setRange(-180, 180)
        self.yaw_slider.setToolTip(
            "Rotate the skeleton about the vertical axis (or drag)"
        )
        self.yaw_slider.valueChanged.connect(self._on_yaw_slider_changed)
        self.angle_label = QLabel()
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Rotate"))
        controls.addWidget(self.yaw_slider, 1)
        controls.addWidget(self.angle_label)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.plot, 1)
        box.addLayout(controls)
        self._update_angle_label()

    @property
    def angles(self) -> tuple[float, float]:
        """Current ``(yaw, pitch)`` in degrees."""
        return self._yaw, self._pitch

    def set_angles(self, yaw: float, pitch: float) -> None:
        """Set the viewing angles (degrees) and redraw."""
        self._yaw = float((yaw + 180.0) % 360.0 - 180.0)
        self._pitch = float(np.clip(pitch, -89.0, 89.0))
        blocker = self.yaw_slider.blockSignals(True)
        self.yaw_slider.setValue(round(self._yaw))
        self.yaw_slider.blockSignals(blocker)
        self._update_angle_label()
        self._redraw()

    def set_sequence(self, joints: np.ndarray, layout: SkeletonLayout) -> None:
        """Fix the layout, centre and view range for a whole sequence.

        Args:
            joints: ``(T, M, V, 3)`` sequence the following frames come from.
            layout: Its joint layout.
        """
        if joints is self._sequence and layout is self._layout:
            return  # shown again (after each label of a take): its range is known
        self._layout = layout
        self._sequence = joints
        valid = joints[np.any(joints != 0, axis=-1)]
        self._centre = valid.mean(axis=0) if len(valid) else np.zeros(3)
        extent = np.abs(valid - self._centre).max() if len(valid) else 1.0
        self._extent = float(max(extent, 0.3)) * 1.1
        self._frame = None
        self._fit_range()

    def set_frame(self, frame: np.ndarray) -> None:
        """Show one frame.

        Args:
            frame: ``(M, V, 3)`` joints of the layout given to :meth:`set_sequence`.
        """
        self._frame = np.asarray(frame, dtype=np.float64)
        self.message.setVisible(False)
        self._redraw()

    def clear_frame(self) -> None:
        """Show no skeleton (nothing selected)."""
        self._frame = None
        for curve, dots in zip(self._bones, self._points):
            curve.setData([], [])
            dots.setData([], [])

    def show_message(self, text: str) -> None:
        """Show no skeleton and ``text`` in the middle of the view."""
        self.clear_frame()
        self.message.setText(text)
        self._wrap_message()
        self.message.setPos(0.0, 0.0)
        self._sequence = None  # its range is gone: set again, it is measured again
        self._extent = 1.0
        self._fit_range()
        self.message.setVisible(True)

    def _wrap_message(self) -> None:
        """Break the message's lines at the view's width: on one line it ran past
        both edges of a narrow view (Teach at 1024x600)."""
        viewport = self.plot.viewport()
        if viewport is not None:
            wrap_centred(self.message, viewport.width())

    def message_text(self) -> str:
        """The message shown, ``""`` when none (for tests)."""
        return self.message.toPlainText() if self.message.isVisible() else ""

    def frame_points(self) -> np.ndarray | None:
        """Projected joints of the shown frame, ``(M, V, 2)`` (for tests and export)."""
        if self._frame is None:
            return None
        return project(self._frame - self._centre, self._yaw, self._pitch)

    def _fit_range(self) -> None:
        e = getattr(self, "_extent", 1.0)
        self.plot.setXRange(-e, e, padding=0)
        self.plot.setYRange(-e, e, padding=0)

    def _ensure_items(self, bodies: int) -> None:
        while len(self._bones) < bodies:
            colour = BODY_COLOURS[len(self._bones) % len(BODY_COLOURS)]
            curve = pg.PlotCurveItem(pen=screen_pen(colour, 3), connect="pairs")
            dots = pg.ScatterPlotItem(size=7, brush=pg.mkBrush("#fafafa"), pen=None)
            self.plot.addItem(curve)
            self.plot.addItem(dots)
            self._bones.append(curve)
            self._points.append(dots)

    def _redraw(self) -> None:
        if self._frame is None or self._layout is None:
            return
        pts = self.frame_points()
        bones = np.asarray(self._layout.bones)
        self._ensure_items(len(pts))
        for m, (curve, dots) in enumerate(zip(self._bones, self._points)):
            present = m < len(pts) and np.any(self._frame[m] != 0)
            if not present:
                curve.setData([], [])
                dots.setData([], [])
                continue
            seg = pts[m][bones.reshape(-1)]
            curve.setData(seg[:, 0], seg[:, 1])
            dots.setData(pts[m][:, 0], pts[m][:, 1])

    def _update_angle_label(self) -> None:
        self.angle_label.setText(f"yaw {self._yaw:+.0f}°  pitch {self._pitch:+.0f}°")

    @pyqtSlot(int)
    def _on_yaw_slider_changed(self, value: int) -> None:
        self.set_angles(float(value), self._pitch)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        """Turn mouse drags on the plot into yaw/pitch changes; wrap the message to a
        resized view."""
        kind = event.type()
        if kind == QEvent.Type.Resize:
            self._wrap_message()
            return False
        if kind == QEvent.Type.MouseButtonPress:
            self._drag_from = event.position()
            return True
        if kind == QEvent.Type.MouseMove and self._drag_from is not None:
            pos = event.position()
            dx, dy = pos.x() - self._drag_from.x(), pos.y() - self._drag_from.y()
            self._drag_from = pos
            self.set_angles(self._yaw + dx * 0.5, self._pitch + dy * 0.5)
            return True
        if kind == QEvent.Type.MouseButtonRelease:
            self._drag_from = None
            return True
        if kind == QEvent.Type.MouseButtonDblClick:
            self.set_angles(0.0, 0.0)
            return True
        return super().eventFilter(obj, event)
