"""Test videos made on the fly from the shared real ones: other frame rates, and phone-style
portrait videos (landscape pixels plus a rotation tag in the MP4 container).

OpenCV's writer cannot set a rotation tag and neither ffmpeg, PyAV nor imageio-ffmpeg is
available here, so :func:`tag_rotation` writes it itself: the display matrix of the MP4
track header (``tkhd``), which is where phones put it and what FFmpeg (and so OpenCV's
``CAP_PROP_ORIENTATION_META``) reads.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from core.live.capture import VideoSource

# tkhd display matrices (a, b, u, c, d, v, x, y, w in 16.16 / 2.30 fixed point) for a
# clockwise display rotation; the 0/180/270 forms are FFmpeg's av_display_rotation_set.
_ONE, _W = 1 << 16, 1 << 30
_MATRICES = {
    0: (_ONE, 0, 0, 0, _ONE, 0, 0, 0, _W),
    90: (0, _ONE, 0, -_ONE, 0, 0, 0, 0, _W),
    180: (-_ONE, 0, 0, 0, -_ONE, 0, 0, 0, _W),
    270: (0, -_ONE, 0, _ONE, 0, 0, 0, 0, _W),
}


def read_frames(path: Path, count: int, step: int = 1) -> list[np.ndarray]:
    """Every ``step``-th of the first ``count * step`` frames of a video, as stored."""
    frames = []
    with VideoSource(path) as src:
        for frame in src:
            if frame.index % step == 0:
                frames.append(frame.image)
            if len(frames) == count:
                break
    return frames


def write_video(
    path: Path, frames: Sequence[np.ndarray], fps: float, fourcc: str = "MJPG"
) -> Path:
    """Write BGR frames with OpenCV (``MJPG`` in .avi, ``mp4v`` in .mp4)."""
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (w, h))
    assert writer.isOpened(), path
    for image in frames:
        writer.write(image)
    writer.release()
    return path


def tag_rotation(path: Path, degrees: int) -> Path:
    """Set the rotation tag of an MP4 file in place (degrees clockwise to display).

    Raises:
        ValueError: If the file has no (or more than one) video track header.
    """
    data = bytearray(path.read_bytes())
    at = data.find(b"tkhd")
    if at < 0 or data.find(b"tkhd", at + 4) >= 0:
        raise ValueError(f"{path}: expected one tkhd box")
    version = data[at + 4]
    # type, version+flags, created, modified, track id, reserved, duration (v1: 64-bit
    # times and duration), reserved 8, layer, group, volume, reserved 2, then the matrix
    offset = at + 4 + 4 + (28 if version == 1 else 16) + 4 + 8 + 8
    data[offset : offset + 36] = struct.pack(">9i", *_MATRICES[degrees % 360])
    path.write_bytes(bytes(data))
    return path


def phone_video(path: Path, upright: Sequence[np.ndarray], fps: float) -> Path:
    """An MP4 as a phone stores a portrait video: each upright frame turned 90° to the
    left (landscape pixels) and a tag saying "turn 90° clockwise to display"."""
    stored = [cv2.rotate(f, cv2.ROTATE_90_COUNTERCLOCKWISE) for f in upright]
    return tag_rotation(write_video(path, stored, fps, "mp4v"), 90)


def portrait_person(count: int) -> list[np.ndarray]:
    """``count`` upright portrait frames (180x320) of the person in the NTU colour video."""
    from tests.conftest import require_data

    frames = read_frames(require_data("videos", "S001C001P001R001A001_rgb.avi"), count)
    h, w = frames[0].shape[:2]  # 1920x1080; the person stands right of the centre
    crop_w = h * 9 // 16
    x0 = min(w - crop_w, int(0.55 * w) - crop_w // 2)
    return [cv2.resize(f[:, x0 : x0 + crop_w], (180, 320)) for f in frames]
