"""Test videos made on the fly from the shared real ones: other frame rates, phone-style
portrait videos (landscape pixels plus a rotation tag in the MP4 container), and variable
frame rates (a phone slowing down in dim light).

OpenCV's writer cannot set a rotation tag and neither ffmpeg, PyAV nor imageio-ffmpeg is
available here, so :func:`tag_rotation` writes it itself: the display matrix of the MP4
track header (``tkhd``), which is where phones put it and what FFmpeg (and so OpenCV's
``CAP_PROP_ORIENTATION_META``) reads. :func:`slow_down_from` likewise rewrites the
sample table's frame durations (``stts``) and the durations that bound them.
:func:`late_start_mkv` writes a small Matroska file whose timeline starts late (a clip
cut from a longer video keeps its start time), element by element.
"""

from __future__ import annotations

import contextlib
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


def phone_video(
    path: Path, upright: Sequence[np.ndarray], fps: float, degrees: int = 90
) -> Path:
    """An MP4 as a phone stores a portrait video: each upright frame turned 90° to the
    left (landscape pixels) and a tag saying "turn 90° clockwise to display"; or, with
    ``degrees`` 270, the phone held the other way up (turned right, "turn 270°")."""
    undo = {90: cv2.ROTATE_90_COUNTERCLOCKWISE, 270: cv2.ROTATE_90_CLOCKWISE}[degrees]
    stored = [cv2.rotate(f, undo) for f in upright]
    return tag_rotation(write_video(path, stored, fps, "mp4v"), degrees)


def portrait_person(count: int) -> list[np.ndarray]:
    """``count`` upright portrait frames (180x320) of the person in the NTU colour video."""
    from tests.conftest import require_data

    frames = read_frames(require_data("videos", "S001C001P001R001A001_rgb.avi"), count)
    h, w = frames[0].shape[:2]  # 1920x1080; the person stands right of the centre
    crop_w = h * 9 // 16
    x0 = min(w - crop_w, int(0.55 * w) - crop_w // 2)
    return [cv2.resize(f[:, x0 : x0 + crop_w], (180, 320)) for f in frames]


def _boxes(data: bytes | bytearray, lo: int, hi: int):
    """``(offset, size, type)`` of the MP4 boxes between ``lo`` and ``hi``."""
    at = lo
    while at < hi:
        size, kind = struct.unpack(">I4s", data[at : at + 8])
        yield at, size, kind.decode("latin-1")
        at += size


def _box(data: bytes | bytearray, path: str, lo: int = 0, hi: int | None = None):
    """Offsets of the boxes along ``path`` (``"moov/trak/..."``), outermost first."""
    chain = []
    hi = len(data) if hi is None else hi
    for name in path.split("/"):
        for at, size, kind in _boxes(data, lo, hi):
            if kind == name:
                chain.append(at)
                lo, hi = at + 8, at + size
                break
        else:
            raise ValueError(f"no {name} box")
    return chain


def slow_down_from(path: Path, frame: int) -> Path:
    """Make an MP4 (one video track, as OpenCV writes it) variable-frame-rate in place:
    frames from ``frame`` on last twice as long (30 FPS becomes 15 FPS there).

    Rewrites the one-entry ``stts`` as two entries (the file grows by 8 bytes inside
    ``moov``, which OpenCV writes after ``mdat``, so no chunk offset moves) and extends
    the durations of ``mdhd``, ``mvhd``, ``tkhd`` and the edit list accordingly.
    """
    data = bytearray(path.read_bytes())
    chain = _box(data, "moov/trak/mdia/minf/stbl/stts")
    moov, trak, mdia, stts = chain[0], chain[1], chain[2], chain[-1]
    if _box(data, "mdat")[0] > moov:  # growing moov would then move the samples
        raise ValueError(f"{path}: moov is before mdat")
    (entries,) = struct.unpack(">I", data[stts + 12 : stts + 16])
    count, delta = struct.unpack(">II", data[stts + 16 : stts + 24])
    if entries != 1 or not 0 < frame < count:
        raise ValueError(f"{path}: expected one stts entry over more than {frame}")
    data[stts + 12 : stts + 24] = struct.pack(
        ">IIIII", 2, frame, delta, count - frame, 2 * delta
    )
    for at in chain:  # every box around stts grew by one 8-byte entry
        (size,) = struct.unpack(">I", data[at : at + 4])
        data[at : at + 4] = struct.pack(">I", size + 8)
    added = (count - frame) * delta  # in the track's timescale

    def end(at: int) -> int:
        return at + struct.unpack(">I", data[at : at + 4])[0]

    mdhd = _box(data, "mdhd", mdia + 8, end(mdia))[0]
    mvhd = _box(data, "mvhd", moov + 8, end(moov))[0]
    tkhd = _box(data, "tkhd", trak + 8, end(trak))[0]
    (track_scale,) = struct.unpack(">I", data[mdhd + 20 : mdhd + 24])
    (movie_scale,) = struct.unpack(">I", data[mvhd + 20 : mvhd + 24])
    ratio = movie_scale / track_scale
    fields = [(mdhd, 24, 1.0), (mvhd, 24, ratio), (tkhd, 28, ratio)]
    # The edit list's segment would otherwise end the track at its old length.
    with contextlib.suppress(ValueError):  # (a file without one)
        fields.append((_box(data, "edts/elst", trak + 8, end(trak))[-1], 16, ratio))
    for at, offset, scale in fields:
        if data[at + 8] != 0:
            raise ValueError(f"{path}: version-1 (64-bit) header, not handled")
        (old,) = struct.unpack(">I", data[at + offset : at + offset + 4])
        data[at + offset : at + offset + 4] = struct.pack(
            ">I", round(old + added * scale)
        )
    path.write_bytes(bytes(data))
    return path


def _ebml(element_id: str, payload: bytes) -> bytes:
    """One EBML element: its ID (hex, marker bits included), an 8-byte size, payload."""
    return (
        bytes.fromhex(element_id) + b"\x01" + len(payload).to_bytes(7, "big") + payload
    )


def _ebml_uint(element_id: str, value: int) -> bytes:
    return _ebml(
        element_id, value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")
    )


def late_start_mkv(
    path: Path, frames: Sequence[np.ndarray], fps: float, start_seconds: float
) -> Path:
    """A Matroska video of ``frames`` (Motion JPEG) whose first frame is at
    ``start_seconds``, as a clip cut from a longer video keeps it: the header's
    duration counts the time before it, so OpenCV claims frames that are not there.
    Written element by element (OpenCV's writer always starts at zero)."""
    step = round(1000 / fps)  # milliseconds, the default timecode scale
    height, width = frames[0].shape[:2]
    header = _ebml(
        "1A45DFA3",
        _ebml_uint("4286", 1) + _ebml_uint("42F7", 1) + _ebml_uint("42F2", 4)
        + _ebml_uint("42F3", 8) + _ebml("4282", b"matroska") + _ebml_uint("4287", 4)
        + _ebml_uint("4285", 2),
    )  # fmt: skip
    end_ms = start_seconds * 1000 + len(frames) * step
    info = _ebml(
        "1549A966",
        _ebml_uint("2AD7B1", 1_000_000) + _ebml("4489", struct.pack(">d", end_ms))
        + _ebml("4D80", b"tests") + _ebml("5741", b"tests"),
    )  # fmt: skip
    video = _ebml("E0", _ebml_uint("B0", width) + _ebml_uint("BA", height))
    track = _ebml(
        "AE",
        _ebml_uint("D7", 1) + _ebml_uint("73C5", 1) + _ebml_uint("83", 1)
        + _ebml("86", b"V_MJPEG") + _ebml_uint("23E383", step * 1_000_000) + video,
    )  # fmt: skip
    blocks = b""
    for i, frame in enumerate(frames):
        ok, jpeg = cv2.imencode(".jpg", frame)
        assert ok
        # track 1, time from the cluster's, keyframe
        blocks += _ebml(
            "A3", b"\x81" + struct.pack(">hB", i * step, 0x80) + jpeg.tobytes()
        )
    cluster = _ebml("1F43B675", _ebml_uint("E7", round(start_seconds * 1000)) + blocks)
    segment = _ebml("18538067", info + _ebml("1654AE6B", track) + cluster)
    path.write_bytes(header + segment)
    return path


def late_start_clip(folder: Path) -> Path:
    """``folder/late_start.mkv``: 20 frames of the shared tai chi video at 10 FPS (64x48),
    the first at 4 s: OpenCV claims 60 frames, decodes 20, and reads the first one's
    presentation time as frame 40."""
    from tests.conftest import require_data

    frames = read_frames(require_data("videos", "ta_chi.mp4"), 20)
    small = [cv2.resize(f, (64, 48)) for f in frames]
    return late_start_mkv(folder / "late_start.mkv", small, 10.0, 4.0)
