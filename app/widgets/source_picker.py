"""Choose where frames come from: one of the cameras that open, or a video file.

Used by Live and Teach. Probing cameras can take a moment, so it runs as a job; until it
answers (and when no camera opens) the picker offers the video file.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from PyQt6.QtCore import QSignalBlocker, pyqtSignal, pyqtSlot
from PyQt6.QtGui import QShowEvent
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from app.context import AppContext
from app.widgets.layout import field_row
from app.workers import Job
from core.fileio import VIDEO_SUFFIXES

VIDEO_ITEM = "Video file"
# The extensions data extract takes (a file under another name: "All files").
VIDEO_FILTER = (
    "Videos (" + " ".join(f"*{s}" for s in VIDEO_SUFFIXES) + ");;All files (*)"
)


class SourcePicker(QWidget):
    """A camera / video-file chooser remembering its choice under ``<key>/camera|video``.

    Its "Mirrored" box says the source is a mirror image (flipped back before pose
    estimation). That is a fact about the camera or the video, so it is remembered per
    source and shared by every panel: a selfie camera ticked while recording in Teach is
    ticked in Live too (read again whenever the source changes or the picker is shown).

    Signals:
        cameras_found(object): The list of camera indices that opened.

    Args:
        ctx: The app context (jobs, settings).
        key: Settings prefix (``"live"``, ``"teach"``).
        video: A video to preselect.
    """

    cameras_found = pyqtSignal(object)

    def __init__(
        self,
        ctx: AppContext,
        key: str,
        video: Path | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.key = key
        self.cameras: list[int] | None = None
        self.camera_job: Job | None = None
        self.source = QComboBox()
        self.source.addItem(VIDEO_ITEM)
        self.video_path = QLineEdit(str(video) if video else ctx.recall(f"{key}/video"))
        self.video_path.setPlaceholderText("video file (.mp4, .avi, …)")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._on_browse_clicked)
        rescan = QPushButton("Find cameras")
        rescan.clicked.connect(self._on_rescan_clicked)
        self._searched_at = ""  # when the user last asked: the same answer looked
        # like no answer at all
        self.mirrored = QCheckBox("Mirrored")
        self.mirrored.setToolTip(
            "Tick for a camera or video that shows a mirror image (a selfie camera, a "
            "mirrored virtual camera, the NTU colour videos): its frames are flipped "
            "back before pose estimation, so that your left hand is your left hand. "
            "Remembered for each camera and each video file"
        )
        # Ticked before any video was chosen: for the video chosen next (the tick,
        # then Browse…, recorded the take unmirrored: a trial).
        self._pending_mirror: bool | None = None
        self.mirrored.toggled.connect(self._on_mirrored_toggled)
        self.source.currentIndexChanged.connect(self._load_mirrored)
        self.video_path.textChanged.connect(self._load_mirrored)
        self.video_path.textChanged.connect(self._update_note)
        self.note = QLabel("Looking for cameras…")
        self.note.setWordWrap(True)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Source", field_row(self.source, rescan, self.mirrored))
        form.addRow("Video", field_row(self.video_path, browse))
        form.addRow("", self.note)
        self._load_mirrored()

    @pyqtSlot()
    def scan_cameras(self) -> None:
        """List the cameras that open, in a worker."""
        if self.camera_job is not None and self.camera_job.is_running():
            return
        from core.live.capture import list_cameras

        def make(stop: threading.Event) -> Iterator[list[int]]:
            yield list_cameras()

        self.note.setText("Looking for cameras…")
        job = self.ctx.jobs.start("camera search", make)
        job.worker.item_produced.connect(self._on_cameras_item_produced)
        self.camera_job = job
        job.start()

    @pyqtSlot()
    def _on_rescan_clicked(self) -> None:
        self._searched_at = time.strftime("%H:%M:%S")
        self.scan_cameras()

    @pyqtSlot(object)
    def _on_cameras_item_produced(self, cameras: list[int]) -> None:
        self.cameras = list(cameras)
        with QSignalBlocker(self.source):
            self.source.clear()
            for index in self.cameras:
                self.source.addItem(f"Camera {index}", index)
            self.source.addItem(VIDEO_ITEM)
        if self.cameras:
            last = self.ctx.recall(f"{self.key}/camera")
            if last and not self.video_path.text():
                pos = self.source.findData(int(last)) if last.isdigit() else -1
                self.source.setCurrentIndex(max(pos, 0))
            elif not self.video_path.text():
                self.source.setCurrentIndex(0)
            else:
                self.source.setCurrentText(VIDEO_ITEM)
        else:
            self.source.setCurrentText(VIDEO_ITEM)
        self._update_note()
        self._load_mirrored()  # the combo was refilled with its signals blocked
        self.cameras_found.emit(self.cameras)

    def _mirrored_key(self) -> str | None:
        """Settings key of the current source's "Mirrored" (``None``: no source)."""
        data = self.source.currentData()
        if self.source.currentText() != VIDEO_ITEM and data is not None:
            source = f"camera {int(data)}"
        else:
            path = self.video_path.text().strip()
            if not path:
                return None
            try:
                source = f"video {Path(path).expanduser().resolve()}"
            except (OSError, RuntimeError, ValueError):  # "~nobody/x", a loop, a NUL
                source = f"video {path}"
        # (any name: one that is not UTF-8 raised here, by its bytes)
        return "mirrored/" + hashlib.sha1(os.fsencode(source)).hexdigest()[:16]

    @pyqtSlot()
    def _load_mirrored(self) -> None:
        key = self._mirrored_key()
        saved = self.ctx.recall(key) if key is not None else ""
        # a tick waiting for a video is the video's chosen next, saved answer or
        # not, and never a camera's (the camera search ending on Camera 0 took it,
        # and a video with its own answer passed it on to the next: a review)
        video = self._choosing_a_video()
        pending = self._pending_mirror if video else None
        chosen = key is not None and self._source_exists()  # not a path half typed
        if video and chosen:
            self._pending_mirror = None
        if saved:
            checked = saved == "true"
        elif pending is not None:
            checked = pending
            if chosen:
                self.ctx.remember(key, "true" if checked else "false")
        else:
            checked = False
        with QSignalBlocker(self.mirrored):
            self.mirrored.setChecked(checked)

    def _choosing_a_video(self) -> bool:
        """The Video file item is selected."""
        return self.source.currentText() == VIDEO_ITEM

    def _source_exists(self) -> bool:
        """A camera, or a video path naming an existing file."""
        if self.source.currentText() != VIDEO_ITEM:
            return self.source.currentData() is not None
        try:
            return Path(self.video_path.text().strip()).expanduser().is_file()
        except (OSError, RuntimeError, ValueError):
            return False

    @pyqtSlot(bool)
    def _on_mirrored_toggled(self, checked: bool) -> None:
        key = self._mirrored_key()
        if key is not None:
            self.ctx.remember(key, "true" if checked else "false")
            self._pending_mirror = None
        else:
            self._pending_mirror = checked

    def showEvent(self, event: QShowEvent | None) -> None:  # noqa: N802 (Qt's name)
        """Read "Mirrored" again: another panel may have changed it."""
        self._load_mirrored()
        super().showEvent(event)

    @pyqtSlot()
    def _on_browse_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Video file", self.video_path.text(), VIDEO_FILTER
        )
        if path:
            self.set_video(Path(path))

    @pyqtSlot()
    def _update_note(self) -> None:
        """What was found, and what to do when it was no camera and no video is chosen."""
        if self.cameras is None:
            return  # still looking
        if self.cameras:
            text = f"{len(self.cameras)} camera(s) found."
        elif self.video_path.text().strip():
            text = "No camera found: the source is a video file."
        else:
            text = "No camera found. Choose a video file instead (Browse…)."
        if self._searched_at:
            text += f" (Searched at {self._searched_at}.)"
        self.note.setText(text)

    def set_video(self, path: Path) -> None:
        """Select a video file as the source."""
        self.video_path.setText(str(path))
        self.choose_video_file()

    def choose_video_file(self) -> None:
        """Select the video file, its path as typed, as the source (not a camera)."""
        self.source.setCurrentText(VIDEO_ITEM)
        self._update_note()

    def selected_source(self) -> int | str:
        """The camera index or video path chosen (and remember it).

        Returns:
            A camera index, or the video file's path.

        Raises:
            ValueError: If a video file is selected but the path is empty or missing.
        """
        data = self.source.currentData()
        if self.source.currentText() != VIDEO_ITEM and data is not None:
            self.ctx.remember(f"{self.key}/camera", int(data))
            return int(data)
        path = self.video_path.text().strip()
        if not path:
            raise ValueError("no camera selected and no video file chosen")
        if Path(path).expanduser().is_dir():
            raise ValueError(
                f"{path}: a folder, not a video file (choose a file in it)"
            )
        if not Path(path).expanduser().is_file():
            raise ValueError(f"video file not found: {path}")
        resolved = str(Path(path).expanduser())
        self.ctx.remember(f"{self.key}/video", resolved)
        return resolved
