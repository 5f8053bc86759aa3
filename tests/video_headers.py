"""Short test videos whose header tells the truth, or not, about their frame count.

:func:`short_clip` writes the first frames of the shared tai chi video (340x256, fast
through MediaPipe) as an MJPG AVI; :func:`claim_frames` rewrites the frame count its
headers give (``avih`` total frames and the video stream's ``strh`` length, which is
what FFmpeg, and so OpenCV's ``CAP_PROP_FRAME_COUNT``, reads), as a truncated file or a
sloppy muxer leaves it, without changing the frames that decode.
"""

from __future__ import annotations

import struct
from pathlib import Path

from tests.conftest import require_data
from tests.video_files import read_frames, write_video


def short_clip(path: Path, frames: int) -> Path:
    """``frames`` frames of the tai chi video as an MJPG AVI at ``path``."""
    video = require_data("videos", "ta_chi.mp4")
    return write_video(path, read_frames(video, frames), 29.97)


def claim_frames(path: Path, frames: int) -> Path:
    """Make the AVI at ``path`` say it holds ``frames`` frames (in place).

    Raises:
        ValueError: If the file has not one ``avih`` and one ``strh`` header.
    """
    data = bytearray(path.read_bytes())
    for box, offset in ((b"avih", 16), (b"strh", 32)):  # dwTotalFrames, dwLength
        at = data.find(box)
        if at < 0 or data.find(box, at + 4) >= 0:
            raise ValueError(f"{path}: expected one {box.decode()} header")
        field = at + 8 + offset
        data[field : field + 4] = struct.pack("<I", frames)
    path.write_bytes(bytes(data))
    return path
