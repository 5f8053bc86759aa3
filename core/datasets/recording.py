"""One recording of the user's dataset: a crash-safe, append-only JSON-lines file.

A recording is ``<name>.jsonl`` in the dataset folder, UTF-8, one JSON object per line:

1. a **header**: ``{"format": "ms2l-recording", "version": 1, "name", "layout",
   "bodies", "joints", "subject", "created", "source": {"kind", "path", "camera", "fps",
   "width", "height", "mirrored", "max_frames"}}``. ``layout`` is ``mp33`` (MediaPipe, raw landmarks),
   ``ntu25`` or ``ucla20`` (Kinect skeletons brought in from another sensor);
2. one **frame** per line: ``{"t": seconds since the first frame}`` (a file whose first
   ``t`` is not 0 is read with its times counted from the first frame) and, when a
   person was found,

   - ``mp33``: ``"w"`` the 33 world landmarks (metres, MediaPipe axes: x image-right,
     y down, z away; 99 numbers ``x0 y0 z0 x1 ...``), ``"i"`` the image landmarks
     (x, y as fractions of the frame width and height; 66 numbers) and ``"v"`` the
     visibilities (33 numbers), of the frame MediaPipe saw (a mirrored source is
     flipped back first, so these are never mirrored); ``"i"`` and ``"v"`` are
     optional (read as not drawn and fully visible);
   - ``ntu25`` / ``ucla20``: ``"j"`` the joints, ``bodies x joints x 3`` numbers in
     metres, Kinect camera space (y up, z away), zeros for an absent body;

   a frame without ``"w"`` / ``"j"`` had nobody in view;
3. a **footer** when the recording was closed normally: ``{"end": true, "frames": N}``.

Writing is crash-safe. The header is written to a temporary file, synced and renamed,
so a recording file always starts with a whole header; frames are appended and the
file is flushed and ``fsync``-ed at least every second, so a killed process loses at
most the last second. :func:`read_recording` ignores a torn last line (a write cut
short) and reports a recording without a footer as incomplete but readable.

:meth:`Recording.kinect_joints` derives any Kinect layout later
(:func:`core.live.pose.mediapipe_to_kinect` then :func:`core.skeleton.convert`), and
:func:`export_ntu_skeleton` writes an NTU RGB+D ``.skeleton`` file that
:mod:`core.datasets.ntu` reads back.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import time
import unicodedata
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from core.datasets.base import MAX_COORDINATE, DataFormatError
from core.fileio import FileKey, file_key
from core.skeleton import MP33, convert, get_layout
from core.text import quoted_excerpt

FORMAT = "ms2l-recording"
VERSION = 1
SUFFIX = ".jsonl"
LAYOUTS = ("mp33", "ntu25", "ucla20")
SYNC_SECONDS = 1.0
SPARSE_TAKE_SHARE = 0.5
"""A take with a person in fewer of its frames than this share gets a note."""
NAME_RE = re.compile(r"[^\W][\w.+-]{0,99}")
"""Recording names: a letter, digit or underscore, then up to 99 of those or ``. + -``."""


def nfc(text: str) -> str:
    """``text`` in Unicode's composed form (NFC), the one names are compared in: macOS
    writes file names decomposed ("e" + a combining accent), most editors composed."""
    return unicodedata.normalize("NFC", text)


def check_name(name: str) -> str:
    """Return ``name`` if it can name a recording, else raise.

    Raises:
        ValueError: If the name is empty, too long, or holds a character other than
            letters, digits, ``_ . + -`` (no spaces, commas or path separators).
    """
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise ValueError(
            f"invalid recording name {name!r}: use letters, digits, '_', '.', '+' or "
            "'-' (no spaces, commas or slashes), at most 100 characters"
        )
    return name


@dataclass(frozen=True)
class SourceInfo:
    """Where the frames of a recording came from.

    Attributes:
        kind: ``"camera"``, ``"video"``, ``"stream"`` or ``"import"`` (another sensor).
        path: Video file or stream URL (``""`` for a camera).
        camera: Camera index, or ``None``.
        fps: Frame rate the source reported.
        width: Frame width in pixels (0 when unknown).
        height: Frame height in pixels (0 when unknown).
        mirrored: The source was mirrored and its frames were flipped back before
            pose estimation.
        max_frames: Only the source's first N frames were recorded (``ms2l data
            extract --max-frames``), or ``None``: an import without the cap redoes it.
    """

    kind: str = "camera"
    path: str = ""
    camera: int | None = None
    fps: float = 30.0
    width: int = 0
    height: int = 0
    mirrored: bool = False
    max_frames: int | None = None

    @classmethod
    def from_dict(cls, doc: Any) -> SourceInfo:
        """Build from a header's ``source`` object. It only informs: unknown keys, and
        values missing, ``null`` or of another type (``"fps": null``, ``"source":
        "kinect v2"``), are read as unknown (the defaults), never refused."""
        doc = doc if isinstance(doc, dict) else {}

        def number(key: str, kind: type, default: Any) -> Any:
            value = doc.get(key)
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                return default
            try:
                got = kind(float(value))
            except (ValueError, OverflowError):
                return default
            return got if math.isfinite(got) and got >= 0 else default

        fps = number("fps", float, 30.0)
        return cls(
            kind=str(doc.get("kind") or "camera"),
            path=str(doc.get("path") or ""),
            camera=number("camera", int, None),
            fps=fps if fps > 0 else 30.0,
            width=number("width", int, 0),
            height=number("height", int, 0),
            mirrored=doc.get("mirrored") in (True, 1),
            max_frames=number("max_frames", int, None),
        )


@dataclass(frozen=True, eq=False)
class Recording:
    """A recording read back from its file.

    Attributes:
        name: Recording name (the file stem).
        path: The file.
        layout: ``"mp33"``, ``"ntu25"`` or ``"ucla20"``.
        joints: ``(T, M, V, 3)`` float32; for ``mp33`` the raw MediaPipe world landmarks
            (MediaPipe axes), otherwise Kinect camera space; zeros where nobody was found.
        timestamps: ``(T,)`` float64 seconds since the first frame, increasing.
        image_xy: ``mp33`` only: ``(T, 33, 2)`` float32 normalised image coordinates.
        visibility: ``mp33`` only: ``(T, 33)`` float32.
        source: Where the frames came from.
        subject: Who was recorded (``""`` when not given).
        created: ISO time the recording was started.
        complete: ``True`` if the file ends with its footer (closed normally).
        torn: ``True`` if a torn last line (a write cut short) was dropped.
        lost: Joint positions the file gave as ``null`` or ``NaN`` (lost by the
            sensor), filled from the same joint's nearest tracked frames.
    """

    name: str
    path: Path
    layout: str
    joints: np.ndarray
    timestamps: np.ndarray
    image_xy: np.ndarray | None
    visibility: np.ndarray | None
    source: SourceInfo
    subject: str = ""
    created: str = ""
    complete: bool = True
    torn: bool = False
    lost: int = 0

    @property
    def num_frames(self) -> int:
        """Frames ``T``."""
        return int(self.joints.shape[0])

    @property
    def duration(self) -> float:
        """Seconds covered: last timestamp plus one frame period (0 when empty)."""
        if not self.num_frames:
            return 0.0
        return float(self.timestamps[-1]) + 1.0 / max(self.source.fps, 1e-6)

    @functools.cached_property
    def present(self) -> np.ndarray:
        """``(T,)`` bool: a person (any body) was found in the frame.

        Computed once (a recording is read-only once read): every labelled interval asks
        for it, and a 90-minute recording with 1,443 intervals spent 33 of its 53 s of
        clip building recomputing it. Any body, not body 0: the main track (the body in
        most frames) may come into view after another person.
        """
        present = self.bodies_present.any(axis=1)
        present.flags.writeable = False
        return present

    @functools.cached_property
    def bodies_present(self) -> np.ndarray:
        """``(T, M)`` bool: each body slot holds a person in the frame."""
        present = np.any(self.joints != 0, axis=(2, 3))
        present.flags.writeable = False
        return present

    def kinect_joints(self, layout: str) -> np.ndarray:
        """The joints in a Kinect layout, Kinect camera-space axes.

        Args:
            layout: ``"ntu25"`` or ``"ucla20"`` (or the recording's own layout).

        Returns:
            ``(T, M, V, 3)`` float32; absent bodies stay zeros.

        Raises:
            KeyError: If no converter exists (e.g. ``ucla20`` to ``mp33``).
        """
        x = self.joints
        if self.layout == "mp33" and layout != "mp33":
            from core.live.pose import mediapipe_to_kinect

            present = np.any(x != 0, axis=(2, 3))
            y = convert(mediapipe_to_kinect(x), "mp33", layout)
            y[~present] = 0.0
            return y
        if self.layout == layout:
            return np.array(x, dtype=np.float32)
        present = np.any(x != 0, axis=(2, 3))
        y = convert(x, self.layout, layout)
        y[~present] = 0.0
        return y


def _now() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def _fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _numbers(values: np.ndarray, digits: int) -> list[float]:
    return [round(float(v), digits) for v in np.asarray(values, np.float64).ravel()]


class RecordingWriter:
    """Append frames to a new recording file, crash-safely.

    Use as a context manager or call :meth:`close`; frames are flushed and synced to
    disk at least every ``sync_seconds`` (``synced_frames`` says how many are safe)::

        with RecordingWriter(path, "mp33", SourceInfo("video", "a.mp4", fps=30)) as w:
            w.add_pose(t, pose)  # a core.live.pose.PoseResult, or None

    Args:
        path: The file to create (``<dataset>/<name>.jsonl``).
        layout: ``"mp33"``, ``"ntu25"`` or ``"ucla20"``.
        source: Where the frames come from.
        subject: Who is recorded.
        bodies: Body slots ``M`` (``mp33``: 1).
        overwrite: Replace an existing file (else it is an error).
        sync_seconds: Longest time between two ``fsync`` calls.

    Raises:
        ValueError: Unknown layout, a bad name, or ``bodies`` not 1 for ``mp33``.
        FileExistsError: If the file exists and ``overwrite`` is false.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        layout: str,
        source: SourceInfo,
        *,
        subject: str = "",
        bodies: int = 1,
        overwrite: bool = False,
        sync_seconds: float = SYNC_SECONDS,
    ) -> None:
        self.path = Path(path)
        if self.path.suffix != SUFFIX:
            raise ValueError(f"{self.path}: a recording file ends with {SUFFIX}")
        self.name = check_name(self.path.stem)
        if layout not in LAYOUTS:
            raise ValueError(f"unknown recording layout {layout!r}; known: {LAYOUTS}")
        if layout == "mp33" and bodies != 1:
            raise ValueError("MediaPipe recordings hold one body")
        if bodies < 1:
            raise ValueError(f"bodies must be >= 1, got {bodies}")
        if self.path.exists() and not overwrite:
            raise FileExistsError(f"{self.path}: a recording of that name exists")
        self.layout = layout
        self.bodies = bodies
        self.num_joints = get_layout(layout).num_joints
        self.source = source
        self.sync_seconds = float(sync_seconds)
        self.frames = 0
        self.synced_frames = 0
        self.last_timestamp: float | None = None
        self._t0: float | None = None
        header = {
            "format": FORMAT,
            "version": VERSION,
            "name": self.name,
            "layout": layout,
            "bodies": bodies,
            "joints": self.num_joints,
            "subject": subject,
            "created": _now(),
            "source": asdict(source),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(json.dumps(header) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)
        _fsync_dir(self.path.parent)
        self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115
        self._last_sync = time.monotonic()

    @property
    def duration(self) -> float:
        """Seconds from the first to the last frame written."""
        return 0.0 if self.last_timestamp is None else self.last_timestamp

    def _stamp(self, timestamp: float) -> float:
        if self._fh.closed:
            raise RuntimeError(f"{self.path}: recording is closed")
        if self._t0 is None:
            self._t0 = float(timestamp)
        t = float(timestamp) - self._t0
        if self.last_timestamp is not None and t <= self.last_timestamp:
            raise ValueError(
                f"{self.path}: timestamps must increase ({t:.4f} after "
                f"{self.last_timestamp:.4f})"
            )
        return t

    def _write(self, doc: dict[str, Any], t: float) -> None:
        self._fh.write(json.dumps(doc, separators=(",", ":")) + "\n")
        self.frames += 1
        self.last_timestamp = t
        if time.monotonic() - self._last_sync >= self.sync_seconds:
            self.sync()

    def add_pose(self, timestamp: float, pose: Any) -> None:
        """Append a MediaPipe frame.

        Args:
            timestamp: Seconds on the source's clock (the first frame becomes 0).
            pose: A :class:`core.live.pose.PoseResult` estimated on the unmirrored frame, or
                ``None`` when nobody was found.

        Raises:
            ValueError: If the recording is not ``mp33`` or the timestamp does not
                increase.
        """
        if self.layout != "mp33":
            raise ValueError(f"{self.path}: add_pose needs an mp33 recording")
        t = self._stamp(timestamp)
        doc: dict[str, Any] = {"t": round(t, 6)}
        if pose is not None:
            doc["w"] = _numbers(pose.world, 5)
            doc["i"] = _numbers(np.asarray(pose.image)[:, :2], 5)
            doc["v"] = _numbers(pose.visibility, 3)
        self._write(doc, t)

    def add_joints(self, timestamp: float, joints: np.ndarray | None) -> None:
        """Append a Kinect-layout frame.

        Args:
            timestamp: Seconds on the source's clock (the first frame becomes 0).
            joints: ``(M, V, 3)`` (or ``(V, 3)`` for one body) metres in Kinect camera
                space, or ``None`` when nobody was found.

        Raises:
            ValueError: If the recording is ``mp33``, the shape is wrong, a coordinate
                is NaN, infinite or beyond ±1e4 (no reader would take the frame: give
                ``None`` for a frame without a person, zeros for a missing body), or
                the timestamp does not increase.
        """
        if self.layout == "mp33":
            raise ValueError(f"{self.path}: an mp33 recording takes add_pose")
        x = None if joints is None else np.asarray(joints, dtype=np.float32)
        if x is not None:
            if x.ndim == 2:
                x = x[None]
            if x.shape[1:] != (self.num_joints, 3) or x.shape[0] > self.bodies:
                raise ValueError(
                    f"{self.path}: expected ({self.bodies}, {self.num_joints}, 3) "
                    f"joints, got {x.shape}"
                )
            if not np.all(np.isfinite(x)) or np.abs(x).max(initial=0) > MAX_COORDINATE:
                raise ValueError(
                    f"{self.path}: the frame at {timestamp:g} s has a coordinate that "
                    f"is NaN, infinite or beyond ±{MAX_COORDINATE:g} (give None for a "
                    "frame without a person, zeros for a missing body)"
                )
        t = self._stamp(timestamp)
        doc: dict[str, Any] = {"t": round(t, 6)}
        if x is not None:
            if x.shape[0] < self.bodies:
                pad = np.zeros((self.bodies, self.num_joints, 3), np.float32)
                pad[: x.shape[0]] = x
                x = pad
            if np.any(x != 0):
                doc["j"] = _numbers(x, 5)
        self._write(doc, t)

    def sync(self) -> None:
        """Flush and ``fsync`` what was written (``synced_frames`` catches up)."""
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._last_sync = time.monotonic()
        self.synced_frames = self.frames

    def abandon(self) -> None:
        """Sync and close without the footer: the recording stays readable but
        incomplete (an import that stopped early is redone next time). Idempotent."""
        if not self._fh.closed:
            try:
                self.sync()
            finally:
                self._fh.close()

    def close(self) -> None:
        """Write the footer and close the file. Idempotent."""
        if self._fh.closed:
            return
        try:
            self._fh.write(json.dumps({"end": True, "frames": self.frames}) + "\n")
            self.sync()
        finally:
            self._fh.close()

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _NestedTooDeeply(json.JSONDecodeError):
    def __str__(self) -> str:
        return "JSON nested too deeply"


def _json(text: str) -> Any:
    """``json.loads``, with JSON nested deeper than the parser's recursion limit a
    decode error like any other (it raised RecursionError, a traceback)."""
    try:
        return json.loads(text)
    except RecursionError:
        raise _NestedTooDeeply("nested too deeply", text[:80], 0) from None


def _header(first: str, path: Path) -> dict[str, Any]:
    try:
        header = _json(first)
    except json.JSONDecodeError as exc:
        raise DataFormatError(
            path,
            f"header is not JSON ({exc.msg}): the first line must be the whole header, "
            "one JSON object on one line (JSON lines: never pretty-printed)",
            line=1,
        ) from None
    if not isinstance(header, dict) or "format" not in header:
        raise DataFormatError(
            path, f'not an {FORMAT} file (no header with "format": "{FORMAT}")', 1
        )
    if header["format"] != FORMAT:
        raise DataFormatError(
            path, f"header format {header['format']!r}, expected {FORMAT!r}", line=1
        )
    if header.get("version") != VERSION:
        version = header.get("version")
        why = (
            f'"version" is the text {version!r}: write it as the number {VERSION}'
            if isinstance(version, str) and version.strip() == str(VERSION)
            else f"version {version!r}, this reader knows {VERSION}"
        )
        raise DataFormatError(path, why, 1)
    if header.get("layout") not in LAYOUTS:
        known = ", ".join(LAYOUTS)
        got = (
            'has no "layout"'
            if header.get("layout") is None
            else f"layout {header.get('layout')!r} is none of the known ones"
        )
        raise DataFormatError(path, f"header {got} ({known})", line=1)
    bodies = header.get("bodies", 1)
    if isinstance(bodies, int | float) and bodies > MAX_BODIES:
        # 100 000 took the memory of whoever listed the recording (a review)
        raise DataFormatError(
            path,
            f"header says {bodies:g} bodies: a recording holds at most {MAX_BODIES} "
            "(Kinect tracks six people)",
            line=1,
        )
    return header


def _read_lines(path: Path) -> tuple[list[str], bool]:
    """Lines of a recording file and whether a torn last line was dropped."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataFormatError(path, f"cannot read ({exc.strerror or exc})") from exc
    try:
        # "-sig": a byte order mark (a Windows editor's) is not part of the header.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # A torn write may cut a multi-byte character; only the last line may be bad.
        cut = data.rfind(b"\n") + 1
        try:
            text = data[:cut].decode("utf-8-sig")
        except UnicodeDecodeError:
            # a video or an archive under a .jsonl name: its first bytes, in hex
            raise DataFormatError(
                path, f"not a recording: {quoted_excerpt(data[:64])}"
            ) from None
        return text.splitlines(), True
    if "\n" not in text and "\r" in text:  # classic Mac line ends (CR alone)
        text = text.replace("\r", "\n")
    lines = text.split("\n")
    torn = False
    ended = False  # with a line end: the last line was written whole
    # blank lines at the end (an editor's or a converter's) are no content: one after
    # the footer refused the recording for "frames after the footer" (a trial)
    while lines and not lines[-1].strip():
        lines.pop()
        ended = True
    if lines and not ended:  # no final newline: the last write was cut short (or not)
        try:
            _json(lines[-1])
        except json.JSONDecodeError:
            lines.pop()
            torn = True
    return lines, torn


# Consecutive frames never closer than this are not a recording's frames: most likely
# the timestamps were written in milliseconds (or frame numbers) instead of seconds. The
# smallest gap, not a typical one: a real recording with pauses still has close frames.
MIN_FRAME_GAP_REFUSED = 1.0
MAX_FRAME_GAP = 3600.0
"""Seconds between two frames beyond which a timestamp is taken for a damaged value."""


def _dims(shape: tuple[int, ...]) -> str:
    return " x ".join(map(str, shape))


def _values(
    doc: dict, key: str, shape: tuple[int, ...], what: str, lost_ok: bool = False
) -> np.ndarray:
    """``doc[key]`` as a float32 array of ``shape``, with a message a person can act on.

    With ``lost_ok``, ``null`` and ``NaN`` values are kept as NaN: a joint the sensor
    lost, filled afterwards (:func:`_fill_lost`)."""
    if doc[key] is None:
        raise ValueError(
            f'"{key}" is null: leave it out of a frame with nobody in view'
            if key in ("w", "j")
            else f'"{key}" is null: leave it out (it is optional)'
        )
    try:
        a = np.asarray(doc[key], np.float64)
    except (ValueError, TypeError):
        raise ValueError(
            f'"{key}" is not a list of numbers of one shape (expected {_dims(shape)}: {what}, '
            "flat or nested in that order)"
        ) from None
    if a.size != math.prod(shape):
        raise ValueError(
            f'"{key}" has {a.size} values, expected {math.prod(shape)} ({what}: {_dims(shape)})'
        )
    if a.ndim > 1 and (a.ndim > len(shape) or a.shape[1:] != shape[1 - a.ndim :]):
        # Flattened as it came, joints x bodies x xyz read as bodies x joints x xyz:
        # other joints, silently (a trial).
        raise ValueError(
            f'"{key}" is nested as {" x ".join(map(str, a.shape))}, expected {_dims(shape)} '
            f"({what}): give it flat, or nested in that order"
        )
    # One reduction per frame (NaN and infinity fail the comparison too): three of
    # them made reading a 65-minute take 6 s, paid again for every label (a trial).
    largest = float(np.abs(a).max(initial=0.0))
    if not largest <= MAX_COORDINATE:
        lost = np.isnan(a)
        if np.isinf(a).any() or (lost.any() and not lost_ok):
            raise ValueError(
                f'a coordinate in "{key}" is infinite (a joint the sensor lost is '
                "null or NaN)"
                if lost_ok
                else f'a coordinate in "{key}" is NaN, infinite or null'
            )
        largest = float(np.abs(a[~lost]).max(initial=0.0))
    if not largest <= MAX_COORDINATE:
        raise ValueError(
            f'a coordinate in "{key}" is too large ({largest:g}, beyond '
            f"±{MAX_COORDINATE:g}: a damaged value)"
        )
    return a.astype(np.float32).reshape(shape)


# A person's torso (hip centre to shoulder centre) is ~0.3-0.55 m in every Kinect set here
# (NW-UCLA, NTU, PKU-MMD) and in MediaPipe's world landmarks; one a few metres long or a
# few centimetres short is in other units.
TORSO_METRES = (0.05, 3.0)


# Sources whose mp33 landmarks come from the app's own MediaPipe: their axes are
# MediaPipe's, so a person upside down is one (a handstand, a camera mounted upside
# down), not another estimator's y axis (a review).
APP_SOURCES = ("camera", "video", "stream")


def own_mediapipe(header: dict[str, Any]) -> bool:
    """Whether an ``mp33`` recording's header says the app's MediaPipe made it."""
    source = header.get("source")
    kind = source.get("kind") if isinstance(source, dict) else None
    return header.get("layout") == "mp33" and kind in APP_SOURCES


def units_and_up_problem(
    joints: np.ndarray, layout: str, check_up: bool = True
) -> str | None:
    """Why the first body's Kinect-layout joints are not metres in Kinect camera space
    (y up), or ``None``.

    Catches the two mistakes a converter from another sensor makes most: millimetres or
    centimetres instead of metres, and a y axis pointing down, which turns the person
    upside down for the model. Measured on the median frame, so a fall or a bow does
    not trip it. ``mp33`` recordings (MediaPipe's world landmarks, y pointing *down*)
    are checked the same way in their own axes: an exporter of another pose
    estimator's landmarks in millimetres or with y up was read without a word (a
    trial); a take upside down in most of its frames is taken as such an export.
    """
    lay = get_layout(layout)
    body = joints[:, 0]
    body = body[np.any(body != 0, axis=(1, 2))]
    if not len(body):
        return None
    mediapipe = layout == "mp33"
    shoulders = (
        (lay.index("left_shoulder"), lay.index("right_shoulder"))
        if mediapipe
        else (lay.index("ShoulderLeft"), lay.index("ShoulderRight"))
    )
    torso = body[:, shoulders].mean(axis=1) - body[:, lay.hips].mean(axis=1)
    if mediapipe:
        torso = torso * np.array([1.0, -1.0, 1.0], np.float32)  # y up, as Kinect's
    length = np.linalg.norm(torso, axis=1)
    median = float(np.median(length))
    low, high = TORSO_METRES
    if not low <= median <= high:
        unit = " (millimetres or centimetres?)" if median > high else ""
        return (
            f"the torso (hips to shoulders) measures {median:.3g} in the median frame, "
            f"where a person's is about 0.3-0.55 ({low:g}-{high:g} is accepted): "
            f"coordinates must be metres{unit}"
        )
    upright = float(np.median(torso[:, 1] / np.maximum(length, 1e-9)))
    if check_up and upright < -0.5:
        return "the shoulders are below the hips in most frames, so the person is " + (
            "upside down: MediaPipe's world landmarks have y pointing down (x to the "
            "image's right, z away from the camera)"
            if mediapipe
            else "upside down: Kinect camera space has y pointing up"
        )
    return None


def sensor_units_problem(joints: np.ndarray, layout: str) -> str | None:
    """:func:`units_and_up_problem` of a Kinect dataset's clip, judged on every body:
    ``None`` when any body in view is a person in metres, upright. A sensor's false
    detection (a chair tracked as a second body, or even as the first) is no person
    and must not refuse the file; a file in other units has no body that passes.

    Returns:
        The first body's problem when no body passes, else ``None``.
    """
    first = None
    for m in range(joints.shape[1]):
        body = joints[:, m : m + 1]
        if not np.any(body):
            continue
        problem = units_and_up_problem(body, layout)
        if problem is None:
            return None
        first = first or problem
    return first


def main_body_first(x: np.ndarray) -> np.ndarray:
    """Bodies joined into tracks and ordered by the frames they are in, most first
    (ties keep their order).

    The model (and every clip-level step: centring, view alignment) follows body 0; a
    writer that leaves slot 0 empty while a person is in slot 1 would otherwise read as
    "nobody in view". The order is the recording's, not a frame's, so each slot keeps
    one person throughout. A slot filled only after another is emptied for good (or
    before it is first filled) continues its track: a sensor that moves its person to
    another slot midway (Kinect's tracking does) left body 0 empty for the rest of the
    take, which read as windows of nobody and stopped a whole prediction (a trial).
    """
    present = np.any(x != 0, axis=(2, 3))  # (T, M)
    order = list(np.argsort(-present.sum(axis=0), kind="stable"))
    joined = False
    for i, main in enumerate(order):
        for other in order[i + 1 :]:
            a, b = np.flatnonzero(present[:, main]), np.flatnonzero(present[:, other])
            if not len(a) or not len(b) or not (a[-1] < b[0] or b[-1] < a[0]):
                # two people at once, or one seen in the other's gaps (a passing
                # false detection): two tracks
                continue
            if not joined:
                x, joined = x.copy(), True
            x[present[:, other], main] = x[present[:, other], other]
            x[:, other] = 0
            present[:, main] |= present[:, other]
            present[:, other] = False
    frames = present.sum(axis=0)  # (M,)
    order = list(np.argsort(-frames, kind="stable"))
    return x if order == list(range(len(order))) else x[:, order]


def read_recording(path: str | os.PathLike[str]) -> Recording:
    """Read a recording file; a torn last line is dropped, a missing footer tolerated.

    Args:
        path: ``<name>.jsonl``.

    Returns:
        The recording.

    Raises:
        DataFormatError: Naming the file and line, if the header is missing or invalid,
            a line other than the last is not a valid frame, or a Kinect-layout
            person's joints are not metres with y up (millimetres, or y pointing down).
    """
    path = Path(path)
    return _parse(path, *_read_lines(path))


def _parse(path: Path, lines: list[str], torn: bool) -> Recording:
    """:func:`read_recording` of a file's lines (``torn``: a cut last line was
    dropped)."""
    if not lines:
        why = (
            "the header line is cut short (or not JSON)"
            if torn
            else "empty file (no header)"
        )
        raise DataFormatError(path, why, line=1)
    header = _header(lines[0], path)
    layout = header["layout"]
    num_joints = get_layout(layout).num_joints
    try:
        bodies = int(header.get("bodies", 1))
        int(header.get("joints", num_joints))
    except (TypeError, ValueError, OverflowError):
        raise DataFormatError(
            path,
            f'header "bodies" and "joints" must be whole numbers (here '
            f"{header.get('bodies', 1)!r} and {header.get('joints', num_joints)!r})",
            1,
        ) from None
    if layout == "mp33" and bodies != 1:
        raise DataFormatError(
            path,
            f"header says {bodies} bodies: an mp33 recording holds one person "
            "(MediaPipe's pose tracks one); give each person a recording of their "
            "own, or convert to ntu25, which holds several",
            1,
        )
    if int(header.get("joints", num_joints)) != num_joints or bodies < 1:
        raise DataFormatError(
            path,
            f"header says {header.get('joints', num_joints)} joints and {bodies} "
            f"bod{'y' if bodies == 1 else 'ies'}; layout {layout} has {num_joints} "
            "joints, and a recording at least one body",
            1,
        )
    times: list[float] = []
    joints: list[np.ndarray | None] = []
    images: list[np.ndarray | None] = []
    vis: list[np.ndarray | None] = []
    complete = False
    last = len(lines)
    # One frame's world joints, image joints and visibility; None = no pose.
    w: np.ndarray | None
    im: np.ndarray | None
    v: np.ndarray | None
    for lineno, line in enumerate(lines[1:], start=2):
        try:
            if not line.strip():
                raise ValueError(
                    "an empty line: a JSON lines file has one JSON object on each line"
                )
            doc = _json(line)
            if not isinstance(doc, dict):
                raise ValueError("not an object")
            if doc.get("end") is True:
                complete = True
                if lineno != last:
                    raise DataFormatError(
                        path,
                        f'the footer ({{"end": true}}) is followed by {last - lineno} '
                        "more line(s): it must be the last line",
                        line=lineno,
                    )
                break
            t = float(doc["t"])
            if times and not t > times[-1]:
                raise ValueError(f"timestamp {t} does not increase")
            if times and t - times[-1] > MAX_FRAME_GAP:
                # A damaged value: 1e300 hung `data info` and training (a grid of
                # frames to its time), and a 10-hour jump took 2.8 GB (a trial).
                raise ValueError(
                    f"timestamp {t:g} s is {t - times[-1]:g} s after the frame before: "
                    f"more than {MAX_FRAME_GAP / 3600:g} h without a frame is no "
                    "recording's (a damaged value?)"
                )
            if layout == "mp33":
                if "w" in doc:
                    w = _values(
                        doc, "w", (1, num_joints, 3), "landmarks x xyz", lost_ok=True
                    )
                    # Image landmarks and visibility are optional (a pose estimator
                    # that gives world landmarks only): none drawn, all visible.
                    im = (
                        _values(doc, "i", (num_joints, 2), "landmarks x image xy")
                        if "i" in doc
                        else np.zeros((num_joints, 2), np.float32)
                    )
                    v = (
                        _values(doc, "v", (num_joints,), "landmarks")
                        if "v" in doc
                        else np.ones(num_joints, np.float32)
                    )
                elif "j" in doc or "i" in doc:
                    # read as nobody in view, unsaid ("no person in any frame")
                    raise ValueError(
                        'an mp33 frame gives its person as "w" (the 33 world '
                        "landmarks), missing here"
                        + (
                            '; "j" is for the Kinect layouts (ntu25, ucla20)'
                            if "j" in doc
                            else ' ("i" alone, image landmarks, has no depth)'
                        )
                    )
                else:
                    w = im = v = None
                images.append(im)
                vis.append(v)
            else:
                w = (
                    _values(
                        doc,
                        "j",
                        (bodies, num_joints, 3),
                        "bodies x joints x xyz",
                        lost_ok=True,
                    )
                    if "j" in doc
                    else None
                )
        except DataFormatError:
            raise
        except (ValueError, KeyError, TypeError, OverflowError) as exc:
            if lineno == last and not torn:  # a torn last line that happens to end \n
                torn = True
                break
            why = f'no "{exc.args[0]}"' if isinstance(exc, KeyError) else str(exc)
            # the frame's number beside the file's line (the header is line 1: a
            # lab counted frames from 0 and read line 102 as frame 102; a trial)
            raise DataFormatError(
                path, f"bad frame {len(times)} ({why})", line=lineno
            ) from None
        times.append(t)
        joints.append(w)
    t_count = len(times)
    if t_count >= 2:
        gap = float(np.min(np.diff(times)))
        if gap >= MIN_FRAME_GAP_REFUSED:
            raise DataFormatError(
                path,
                f'no two frames are less than {gap:g} s apart: "t" must be seconds '
                "from the start (milliseconds or frame numbers?)",
                line=2,
            )
    arr = np.zeros((t_count, bodies, num_joints, 3), np.float32)
    for i, w in enumerate(joints):
        if w is not None:
            arr[i] = w
    arr, lost = _fill_lost(arr, layout, path, np.asarray(times, np.float64))
    if bodies > 1:
        arr = main_body_first(arr)
    problem = units_and_up_problem(arr, layout, check_up=not own_mediapipe(header))
    if problem is not None:
        raise DataFormatError(path, problem)
    image_xy = visibility = None
    if layout == "mp33":
        image_xy = np.zeros((t_count, num_joints, 2), np.float32)
        visibility = np.zeros((t_count, num_joints), np.float32)
        for i, (im, v) in enumerate(zip(images, vis)):
            if im is not None:
                image_xy[i], visibility[i] = im, v
    source = SourceInfo.from_dict(header.get("source"))
    return Recording(
        name=nfc(path.stem),
        path=path,
        layout=layout,
        joints=arr,
        # Times count from the first frame (a file written with another origin, e.g.
        # a clock's, is read on the same scale as labels.csv).
        timestamps=np.asarray(times, np.float64) - (times[0] if times else 0.0),
        image_xy=image_xy,
        visibility=visibility,
        source=source,
        subject=str(header.get("subject", "")),
        created=str(header.get("created", "")),
        complete=complete,
        torn=torn,
        lost=lost,
    )


MAX_LOST_SHARE = 0.5
"""A body whose joints are lost (null or NaN) in more than this share of the joint
values of the frames it is in is refused: too little was tracked to fill from."""


def _fill_lost(
    arr: np.ndarray, layout: str, path: Path, times: np.ndarray
) -> tuple[np.ndarray, int]:
    """Fill the joints a sensor lost (NaN: ``null`` or ``NaN`` in the file).

    A joint with any coordinate lost is lost. It takes the same joint's position
    interpolated in time (the frames' ``times``, not their numbers: with frames
    dropped between, a fill by number was off; a trial) between the nearest frames
    where it was tracked (held at
    the first or last one at the ends), as Kinect infers a joint it cannot see; a
    body with every joint lost in a frame is out of view there (zeros). Zeros could
    not say "lost" (they put the joint at the camera), and refusing the whole file
    for one lost value dropped a lab's recording with every label on it (a trial).

    Returns:
        The joints, and how many joint positions were filled.

    Raises:
        DataFormatError: If a body's joint is lost in every frame the body is in, or
            more than :data:`MAX_LOST_SHARE` of its joints are lost.
    """
    lost = np.isnan(arr).any(axis=-1)  # (T, M, V)
    if not lost.any():
        return arr, 0
    arr = np.where(lost[..., None], np.float32(0), arr)
    names = get_layout(layout).joints
    filled = 0
    for m in range(arr.shape[1]):
        seen = ~lost[:, m] & np.any(arr[:, m] != 0, axis=-1)  # (T, V) tracked joints
        frames = np.flatnonzero(seen.any(axis=1))  # the body is in view
        if not len(frames):
            continue
        missing = lost[frames, m]  # (F, V)
        share = float(missing.mean())
        body = f" of body {m + 1}" if arr.shape[1] > 1 else ""
        if share > MAX_LOST_SHARE:
            raise DataFormatError(
                path,
                f"{share:.0%} of the joint positions{body} are null or NaN (lost by "
                "the sensor) in the frames it is in: too few were tracked to fill "
                "the others from",
            )
        for v in np.flatnonzero(missing.any(axis=0)):
            good = frames[~missing[:, v]]
            bad = frames[missing[:, v]]
            if not len(good):
                raise DataFormatError(
                    path,
                    f"joint {names[v]}{body} is null or NaN (lost by the sensor) in "
                    "every frame: there is no position to fill it from (give your "
                    "sensor's estimate, or another layout without it)",
                )
            for c in range(3):
                arr[bad, m, v, c] = np.interp(
                    times[bad], times[good], arr[good, m, v, c]
                )
            filled += len(bad)
    return arr, filled


@dataclass(frozen=True)
class RecordingInfo:
    """What a dataset listing shows of one recording (without reading its frames).

    Attributes:
        name: Recording name.
        path: The file.
        layout: Its layout.
        frames: Frames written.
        duration: Seconds covered (last timestamp plus one frame period).
        complete: Closed normally (``False``: the writing process was killed).
        source: Where the frames came from.
        subject: Who was recorded.
        created: ISO start time.
        error: Why the file is unreadable or will be refused (``""`` when it is fine).
        detected: Frames with a person (``"w"`` or ``"j"``) among ``frames``.
    """

    name: str
    path: Path
    layout: str = ""
    frames: int = 0
    duration: float = 0.0
    complete: bool = False
    source: SourceInfo = field(default_factory=SourceInfo)
    subject: str = ""
    created: str = ""
    error: str = ""
    detected: int = 0


def _has_person(line: str) -> bool:
    """Whether a frame line holds a person (told by its key, not parsed: a listing
    reads every line of every take)."""
    return '"w"' in line or '"j"' in line


def _time_of(line: str) -> float | None:
    """A frame line's timestamp, or ``None`` if the line is not a frame."""
    try:
        return float(_json(line)["t"])
    except (json.JSONDecodeError, KeyError, TypeError, ValueError):
        return None


INFO_SAMPLE_FRAMES = 16
"""Frames of a Kinect-layout recording that :func:`recording_info` checks for units."""

# What a listing read of each file, success or refusal, by its file_key: a listing is
# redone on every change in the Teach panel, and a 65-minute take was read in full
# twice for each label made there (~0.3 s each; a trial).
_INFOS: dict[FileKey, RecordingInfo] = {}
_INFOS_MAX = 50_000


def _sampled_units_problem(frame_lines: list[str], header: dict) -> str | None:
    """:func:`units_and_up_problem` on up to :data:`INFO_SAMPLE_FRAMES` evenly spaced
    frames of a recording (the listing does not read every frame); a
    frame line that does not parse is left to :func:`read_recording` to name."""
    layout = header["layout"]
    if not frame_lines:
        return None
    try:
        bodies = 1 if layout == "mp33" else int(header.get("bodies", 1))
        shape = (bodies, get_layout(layout).num_joints, 3)
    except (KeyError, TypeError, ValueError, OverflowError):
        return None  # a header read_recording refuses, naming it
    key = "w" if layout == "mp33" else "j"
    if shape[0] < 1:
        return None
    picks = np.unique(
        np.linspace(0, len(frame_lines) - 1, INFO_SAMPLE_FRAMES).round().astype(int)
    )
    sample = []
    for i in picks:
        try:
            sample.append(_values(_json(frame_lines[i]), key, shape, "joints"))
        except (
            KeyError, TypeError, ValueError, AttributeError, OverflowError,
            RecursionError,
        ):  # fmt: skip
            continue  # nobody in view, or a bad frame (read_recording names it)
    if not sample:
        return None
    x = np.stack(sample)
    return units_and_up_problem(
        main_body_first(x) if shape[0] > 1 else x,
        layout,
        check_up=not own_mediapipe(header),
    )


MAX_BODIES = 16
"""The most bodies a recording's header may give."""

FULL_CHECK_CHARS = 3_000_000
"""A recording of at most this much text (about 60 ms to read: a minute of a webcam
take, three of a Kinect one) is read whole by :func:`recording_info`, so that its
summary carries every error training would meet."""


def recording_info(path: str | os.PathLike[str]) -> RecordingInfo:
    """Summary of a recording file from its header and last frame (fast), with the
    whole file checked as :func:`read_recording` reads it when it is at most
    :data:`FULL_CHECK_CHARS` long.

    Args:
        path: The file.

    Returns:
        The summary; an unreadable file, or a Kinect-layout one whose joints (a sample
        of its frames) are not metres with y up, gives ``error`` instead of raising.
    """
    path = Path(path)
    key = file_key(path)
    if key is not None and key in _INFOS:
        return _INFOS[key]
    try:
        lines, torn = _read_lines(path)
    except DataFormatError as exc:  # not readable now (rights change): not kept
        return RecordingInfo(name=nfc(path.stem), path=path, error=str(exc))
    try:
        info = _summary(path, lines)
        if sum(map(len, lines)) <= FULL_CHECK_CHARS:
            # Read whole as training will (a millisecond for a take of seconds,
            # listed on the GUI's thread; the summary is kept per file): a bad line,
            # times in milliseconds or a "j" of the wrong length were unmarked in
            # Teach's list, found only by training (a trial). A long session keeps
            # the quick summary.
            _parse(path, lines, torn)
    except DataFormatError as exc:  # the file's own content: kept like a summary
        info = RecordingInfo(name=nfc(path.stem), path=path, error=str(exc))
    if key is not None:
        if len(_INFOS) >= _INFOS_MAX:
            _INFOS.clear()
        _INFOS[key] = info
    return info


def _summary(path: Path, lines: list[str]) -> RecordingInfo:
    """:func:`recording_info` of a file's lines.

    Raises:
        DataFormatError: If the header is missing or bad, or a Kinect-layout person's
            joints (a sample) are not metres with y up.
    """
    if not lines:
        raise DataFormatError(path, "empty file (no header)", line=1)
    header = _header(lines[0], path)
    complete = False
    body = lines[1:]
    if body:
        try:
            complete = _json(body[-1]).get("end") is True
        except (json.JSONDecodeError, AttributeError):
            body = body[:-1]
    frames = len(body) - (1 if complete else 0)
    duration = 0.0
    source = SourceInfo.from_dict(header.get("source"))
    frame_lines = body[:frames] if frames > 0 else []
    first = (_time_of(frame_lines[0]) if frame_lines else None) or 0.0  # origin
    for line in reversed(frame_lines):
        t = _time_of(line)
        if t is not None:
            duration = t - first + 1.0 / max(source.fps, 1e-6)
            break
        frames -= 1
    problem = _sampled_units_problem(frame_lines[:frames], header)
    if problem is not None:
        raise DataFormatError(path, problem)
    return RecordingInfo(
        name=nfc(path.stem),
        path=path,
        layout=header["layout"],
        frames=max(frames, 0),
        duration=duration,
        complete=complete,
        source=source,
        subject=str(header.get("subject", "")),
        created=str(header.get("created", "")),
        detected=sum(map(_has_person, frame_lines[: max(frames, 0)])),
    )


def frame_grid(
    timestamps: np.ndarray,
    present: np.ndarray,
    start: float,
    end: float,
    fps: float = 30.0,
    max_gap: float = 0.5,
) -> np.ndarray:
    """Frames sampling ``[start, end)`` at a fixed rate, nearest in time.

    Each grid time takes the nearest frame with a person when one lies within
    ``max_gap`` seconds (short detection gaps are bridged), else ``-1`` (absent).

    Args:
        timestamps: ``(T,)`` increasing frame times.
        present: ``(T,)`` bool, a person in the frame.
        start: Start of the span in seconds.
        end: End of the span in seconds (exclusive).
        fps: Rate of the grid.
        max_gap: Longest distance to a frame with a person.

    Returns:
        int64 ``(n,)`` frame indices (``-1`` = absent), ``n = ceil((end-start)*fps)``.
    """
    n = max(0, int(np.ceil((end - start) * fps - 1e-3)))  # timestamps are rounded
    grid = start + np.arange(n) / fps
    idx = np.flatnonzero(present)
    if idx.size == 0 or n == 0:
        return np.full(n, -1, dtype=np.int64)
    ts = timestamps[idx]
    pos = np.clip(np.searchsorted(ts, grid), 1, max(ts.size - 1, 1))
    left = idx[pos - 1]
    right = idx[np.minimum(pos, ts.size - 1)]
    pick = np.where(
        np.abs(timestamps[right] - grid) < np.abs(timestamps[left] - grid), right, left
    )
    pick = np.where(np.abs(timestamps[pick] - grid) <= max_gap, pick, -1)
    return pick.astype(np.int64)


def export_ntu_skeleton(
    recording: Recording | str | os.PathLike[str],
    path: str | os.PathLike[str],
    fps: float = 30.0,
) -> Path:
    """Write a recording as an NTU RGB+D ``.skeleton`` file (Kinect v2, 25 joints).

    Frames are resampled to ``fps`` (NTU's 30 FPS) on the recording's timestamps;
    ``ucla20`` and ``mp33`` joints are converted to ``ntu25``. Each joint line holds x y
    z (metres, Kinect camera space), depthX depthY (0, unknown), colorX colorY (pixels of
    the frame the pose was estimated on for MediaPipe recordings, else 0), a zero
    orientation quaternion and tracking state 2. Frames with nobody have body count 0.
    The file is written to a temporary name and renamed.

    Args:
        recording: The recording, or its file.
        path: The ``.skeleton`` file to write.
        fps: Frame rate of the written file.

    Returns:
        The path written.
    """
    if not isinstance(recording, Recording):
        recording = read_recording(recording)
    path = Path(path)
    joints = recording.kinect_joints("ntu25")
    color = np.zeros((*joints.shape[:3], 2), np.float32)
    if recording.image_xy is not None:
        size = np.array([recording.source.width, recording.source.height], np.float32)
        px = recording.image_xy * size
        color[:, 0] = convert(px, MP33.name, "ntu25")
    pick = frame_grid(
        recording.timestamps,
        recording.present,
        0.0,
        recording.duration,
        fps,
        max_gap=0.5 / fps + 1e-6,
    )
    out = [f"{len(pick)}"]
    for i in pick:
        bodies = (
            [] if i < 0 else [m for m in range(joints.shape[1]) if joints[i, m].any()]
        )
        out.append(f"{len(bodies)}")
        for m in bodies:
            out.append(f"{72057594037927936 + m} 0 0 0 0 0 0 0 0 2")
            out.append("25")
            for v in range(25):
                x, y, z = (f"{c:.7g}" for c in joints[i, m, v])
                cx, cy = (f"{c:.7g}" for c in color[i, m, v])
                out.append(f"{x} {y} {z} 0 0 {cx} {cy} 0 0 0 0 2")
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\r\n") as fh:
            fh.write("\n".join(out) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
