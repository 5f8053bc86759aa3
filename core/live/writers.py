"""Writing what the recogniser saw: an annotated video and JSON-lines predictions.

Both writers fill a temporary file from :func:`core.fileio.temporary_path` beside the
destination and move it into place only in :meth:`finish` (the video after checking that
it plays back), so an interrupted or failed run never leaves half a file under the
destination name; :meth:`discard` removes the temporary.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any, TextIO

import cv2
import numpy as np

from core.fileio import temporary_path
from core.live.capture import opencv_path
from core.tempfiles import discard


class VideoWriteError(OSError):
    """The video cannot be written, or what was written does not play back."""


class AtomicVideoWriter:
    """An MP4 (``mp4v``) written to a temporary file and moved into place when complete.

    Args:
        path: The destination file.
        fps: Frame rate of the video.
    """

    def __init__(self, path: str | os.PathLike[str], fps: float) -> None:
        self.path = Path(path)
        self.fps = float(fps)
        # OpenCV picks the container from the suffix, so the temporary name ends in it.
        self.tmp = temporary_path(self.path, suffix=".tmp" + self.path.suffix)
        self._writer: cv2.VideoWriter | None = None
        self._links = contextlib.ExitStack()  # a name OpenCV can take, while open
        self.frames = 0

    def write(self, image: np.ndarray) -> None:
        """Append one BGR frame; the first one fixes the size.

        Raises:
            VideoWriteError: If OpenCV cannot open a writer for the file.
        """
        if self._writer is None:
            h, w = image.shape[:2]
            fourcc = cv2.VideoWriter.fourcc(*"mp4v")
            given = self._links.enter_context(opencv_path(self.tmp))
            self._writer = cv2.VideoWriter(given, fourcc, self.fps, (w, h))
            if not self._writer.isOpened():
                self.discard()
                raise VideoWriteError(f"{self.path}: cannot open a video writer (mp4v)")
        self._writer.write(image)
        self.frames += 1

    def finish(self) -> int:
        """Close, check the file reopens with frames, and move it into place.

        Returns:
            The frame count of the written file.

        Raises:
            VideoWriteError: If no frame was written or the file does not play back.
            OSError: If it cannot be moved into place (the temporary is removed).
        """
        if self._writer is None:
            raise VideoWriteError(f"{self.path}: no frames to write")
        self._writer.release()
        self._writer = None
        self._links.close()
        with opencv_path(self.tmp) as given:
            check = cv2.VideoCapture(given)
        ok, _ = check.read()
        count = int(check.get(cv2.CAP_PROP_FRAME_COUNT))
        check.release()
        if not ok or count < 1:
            self.discard()
            raise VideoWriteError(f"{self.path}: the written video does not play back")
        try:
            os.replace(self.tmp, self.path)
        finally:
            self.discard()  # only forgets the name once the file has moved
        return count

    def discard(self) -> None:
        """Close and delete the temporary file (nothing reaches the destination)."""
        if self._writer is not None:
            self._writer.release()
            self._writer = None
        self._links.close()
        discard(self.tmp)


class JsonLinesWriter:
    """JSON lines to a temporary file, moved into place on :meth:`finish`.

    Args:
        path: The destination file, or ``None`` to write nothing (every call is a no-op).
    """

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self.path = None if path is None else Path(path)
        self.count = 0
        self._file: TextIO | None = None
        self.tmp: Path | None = None
        if self.path is not None:
            self.tmp = temporary_path(self.path)
            self._file = open(self.tmp, "w", encoding="utf-8")  # noqa: SIM115

    def write(self, record: dict[str, Any]) -> None:
        """Append one record as a line of JSON."""
        if self._file is not None:
            self._file.write(json.dumps(record) + "\n")
            self.count += 1

    def finish(self) -> None:
        """Flush to disk and move the file into place.

        Raises:
            OSError: If it cannot be moved into place (the temporary is removed).
        """
        if self._file is None or self.tmp is None or self.path is None:
            return
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._file = None
        try:
            os.replace(self.tmp, self.path)
        finally:
            discard(self.tmp)

    def discard(self) -> None:
        """Close and delete the temporary file."""
        if self._file is not None:
            self._file.close()
            self._file = None
        if self.tmp is not None:
            self.tmp.unlink(missing_ok=True)
