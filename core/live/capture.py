"""Video sources: a webcam index, a video file or a stream URL, read on a background thread.

:class:`VideoSource` yields :class:`Frame` objects (BGR image, index, timestamp in seconds)
and knows the source's frame rate. Decoding runs on its own thread so that it overlaps with
pose estimation. A *live* source (a camera, a stream, or a file played back at its native
rate with ``realtime=True``) keeps only the newest decoded frame: a slow consumer skips
frames instead of building a queue (a file's clock starts when the consumer comes back for
its second frame, so that a slow start over the first skips none). A file read offline
keeps every frame, with a small bounded prefetch buffer. The three ways a source can stop are distinct: the end of a file
ends iteration normally (``end_reason == "eof"``), a source that cannot be opened raises
:class:`SourceOpenError`, and a live source that stops delivering raises
:class:`SourceStalledError`; both name the source.

Phones store a portrait video as landscape pixels plus a rotation tag in the container;
every frame is turned upright by that tag (:func:`upright`) before anyone sees it, and
``width``/``height`` are those of the upright frames.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import queue
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from core.fileio import AUDIO_SUFFIXES, SKELETON_SUFFIXES
from core.tempfiles import pid_alive

# Frame rate assumed when a container or camera reports none (0 or NaN).
DEFAULT_FPS = 30.0
_STREAM_PREFIXES = ("rtsp://", "rtmp://", "http://", "https://", "udp://", "tcp://")
# A container's rotation tag (degrees clockwise to display upright) -> cv2.rotate code.
_ROTATIONS = {
    90: cv2.ROTATE_90_CLOCKWISE,
    180: cv2.ROTATE_180,
    270: cv2.ROTATE_90_COUNTERCLOCKWISE,
}


class CaptureError(RuntimeError):
    """Base class of capture failures; ``source`` names the camera, file or URL."""

    def __init__(self, source: int | str, problem: str) -> None:
        self.source = source
        self.problem = problem
        super().__init__(f"{describe_source(source)}: {problem}")


AUDIO_ONLY = "a sound file with no picture (no video stream): choose a video"


class SourceOpenError(CaptureError):
    """The source could not be opened (no such camera, missing or unreadable file)."""


class SourceStalledError(CaptureError):
    """A live source stopped delivering frames (camera unplugged, stream dropped)."""


@dataclass(frozen=True)
class Frame:
    """One decoded video frame.

    Attributes:
        image: BGR image ``(H, W, 3)`` uint8, upright (the file's rotation tag
            applied), never mirrored.
        index: 0-based index of the frame in the source (gaps mean frames were dropped).
        timestamp: Seconds since the start of the source: for files the frame's
            presentation time in the container (a phone's variable frame rate kept;
            ``index / fps`` where the container gives none), wall-clock time since
            opening for cameras and streams.
        decode_ms: Time spent reading and decoding this frame on the reader thread.
        captured_at: ``time.perf_counter()`` when the frame became available to the
            consumer (for latency): a camera frame once decoded, a file played in real
            time once its playback time has come, a file read offline when
            :meth:`VideoSource.read` hands it over (not when it was decoded ahead).
    """

    image: np.ndarray
    index: int
    timestamp: float
    decode_ms: float = 0.0
    captured_at: float = 0.0


def describe_source(source: int | str) -> str:
    """Human-readable name of a source (``"camera 0"``, ``"video 'a.mp4'"``)."""
    if isinstance(source, int):
        return f"camera {source}"
    if str(source).startswith(_STREAM_PREFIXES):
        return f"stream {source!r}"
    return f"video {str(source)!r}"


def rotation_words(degrees: int) -> str:
    """A rotation tag's turn in words: "a quarter turn clockwise" for 90, "half a turn"
    for 180, "a quarter turn anticlockwise" for 270 ("turned 270°" read as a mistake)."""
    return {
        90: "a quarter turn clockwise",
        180: "half a turn",
        270: "a quarter turn anticlockwise",
    }.get(degrees % 360, f"{degrees}°")


def upright(image: np.ndarray, rotation: int) -> np.ndarray:
    """Turn a decoded frame upright by its container's rotation tag.

    Args:
        image: ``(H, W, C)`` frame as stored in the file.
        rotation: Degrees clockwise the frame must turn to display upright (the value
            OpenCV reports as ``CAP_PROP_ORIENTATION_META``): 0, 90, 180 or 270.

    Returns:
        The upright frame (``(W, H, C)`` for 90 and 270); ``image`` itself for 0.

    Raises:
        ValueError: If ``rotation`` is not a multiple of 90 degrees.
    """
    rotation %= 360
    if rotation == 0:
        return image
    if rotation not in _ROTATIONS:
        raise ValueError(f"rotation must be a multiple of 90 degrees, got {rotation}")
    return cv2.rotate(image, _ROTATIONS[rotation])


def is_live(source: int | str) -> bool:
    """Whether a source is live (a camera index or a network stream), not a file."""
    return isinstance(source, int) or str(source).startswith(_STREAM_PREFIXES)


class VideoSource:
    """Frames from a camera, a video file or a stream, decoded on a reader thread.

    Use it as a context manager (or call :meth:`close`) so that the reader thread is
    joined and the device released::

        with VideoSource("clip.mp4") as src:
            for frame in src:
                ...

    Args:
        source: Camera index (``int``), video file path or stream URL.
        realtime: Deliver a file at its native frame rate and keep only the newest
            frame, as a camera would. ``None`` means "live sources only".
        loop: Restart a file at its end (for demos and soak tests); indices and
            timestamps keep increasing across restarts.
        stall_timeout: Seconds without a new frame after which a live source is
            declared stalled.
        prefetch: Frames decoded ahead for non-realtime files (bounded buffer).
        size: Optional ``(width, height)`` every frame is resized to after decoding
            (and after turning it upright).

    Attributes:
        width, height: Size of the delivered (upright, resized) frames.
        rotation: The file's rotation tag in degrees clockwise (0 when untagged),
            already applied to every frame.

    Raises:
        SourceOpenError: If the source cannot be opened or yields no first frame.
    """

    def __init__(
        self,
        source: int | str | os.PathLike[str],
        *,
        realtime: bool | None = None,
        loop: bool = False,
        stall_timeout: float = 5.0,
        prefetch: int = 2,
        size: tuple[int, int] | None = None,
    ) -> None:
        self.source: int | str = source if isinstance(source, int) else str(source)
        self.live = is_live(self.source)
        self.realtime = self.live if realtime is None else bool(realtime)
        self.loop = bool(loop)
        self.stall_timeout = float(stall_timeout)
        self.size = size
        self.end_reason: str | None = None
        self._stop = threading.Event()
        self._error: CaptureError | None = None
        self._finished = False
        self._cond = threading.Condition()
        self._latest: Frame | None = None
        self._queue: queue.Queue[Frame | None] = queue.Queue(maxsize=max(1, prefetch))
        # A file played in real time starts its clock once the consumer is back for
        # the second frame, so that the time it takes over the first (the pose
        # model's start-up, a second or more) does not drop the frames meanwhile:
        # Live lost a clip's first second, and answered late or never (a trial).
        self._clock_started = threading.Event()
        self._reads = 0
        if self.live or not self.realtime:
            self._clock_started.set()
        self._cap = self._open()
        self.rotation = self._rotation_tag()
        fps = float(self._cap.get(cv2.CAP_PROP_FPS) or 0.0)
        # A time-lapse's 0.5 FPS is real (read as 30 FPS, its frames were 2 s apart
        # pretending to be 33 ms), and so is one frame every 20 s (0.05 FPS, read as
        # 30 too: a trial); zero, NaN and timebase-sized rates (a WebM's 1000) are not.
        self.fps = fps if np.isfinite(fps) and 0.01 <= fps <= 240.0 else DEFAULT_FPS
        count = int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        self.frame_count: int | None = count if count > 0 and not self.live else None
        t0 = time.perf_counter()
        first_ok, first = self._cap.read()
        if not first_ok or first is None:
            self._cap.release()
            raise SourceOpenError(self.source, "opened but delivered no frame")
        # Presentation times count from the first frame's (an edit list may start later).
        self._pts0 = self._pts() or 0.0
        #: Frames of the file's timeline before its first frame (a clip cut from a
        #: longer video keeps its start time; a Matroska header's duration, and so
        #: ``frame_count``, counts them): they are not missing at the end.
        pts = float(self._cap.get(cv2.CAP_PROP_PTS))
        self.late_start = round(pts) if np.isfinite(pts) and 0 < pts < 1e9 else 0
        self._last_ts = 0.0
        self._loop_offset = 0.0
        first = upright(first, self.rotation)
        #: The source's own frame size (upright), before ``size`` resizes it.
        self.source_size: tuple[int, int] = (first.shape[1], first.shape[0])
        first = self._resize(first)
        self.height, self.width = first.shape[:2]
        # Playback pacing and latency share one clock (perf_counter).
        self._t0 = t1 = time.perf_counter()
        self._first = Frame(first, 0, 0.0, (t1 - t0) * 1e3, t1)
        self._thread = threading.Thread(
            target=self._run, name=f"capture-{self.source}", daemon=True
        )
        self._thread.start()

    def _open(self) -> cv2.VideoCapture:
        # Only a path (a str) is ever not live; camera indices are ints.
        source = self.source
        if isinstance(source, str) and not self.live:
            if not Path(source).is_file():
                raise SourceOpenError(self.source, "no such file")
            if Path(source).stat().st_size == 0:
                raise SourceOpenError(self.source, "the file is empty (0 bytes)")
        # Its "[ WARN] can't open camera by index" lines (FFmpeg's own are off: see
        # core/__init__.py): the error below says it, once, naming the file.
        source_given = (  # a camera index as it is
            contextlib.nullcontext(source)
            if isinstance(source, int)
            else opencv_path(source)
        )
        with opencv_quiet(), source_given as given:
            cap = cv2.VideoCapture(given)  # (open: the link may go)
        if not cap.isOpened():
            cap.release()
            what = (
                "camera not found or busy"
                if self.live
                else "cannot decode this file (damaged, cut short, or not a video "
                "OpenCV can read)"
            )
            suffix = "" if self.live else Path(str(source)).suffix.lower()
            if suffix in SKELETON_SUFFIXES:
                what = (
                    "a skeleton file, not a video: open it in Replay (or run ms2l "
                    "infer on it)"
                )
            elif suffix in AUDIO_SUFFIXES:
                what = AUDIO_ONLY
            raise SourceOpenError(self.source, what)
        return cap

    def _rotation_tag(self) -> int:
        """The file's rotation tag (degrees clockwise), applied by :func:`upright`.

        OpenCV can rotate by itself (``CAP_PROP_ORIENTATION_AUTO``), but only with some
        backends and with a default that has changed between versions; turning it off
        and rotating here gives one behaviour everywhere and never rotates twice.
        """
        if self.live:
            return 0
        meta = float(self._cap.get(cv2.CAP_PROP_ORIENTATION_META) or 0.0)
        rotation = round(meta) % 360 if np.isfinite(meta) else 0
        if rotation not in _ROTATIONS:
            return 0
        self._cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 0)
        if self._cap.get(cv2.CAP_PROP_ORIENTATION_AUTO):
            return 0  # the backend insists on rotating: its frames are upright already
        return rotation

    def _pts(self) -> float | None:
        """The container's presentation time (s) of the frame just read, if it gives one."""
        ms = float(self._cap.get(cv2.CAP_PROP_POS_MSEC))
        return ms / 1e3 if np.isfinite(ms) and ms >= 0 else None

    def _file_time(self) -> float:
        """Seconds since the first frame of the file frame just read.

        Its presentation time, so a variable frame rate (phones drop to 15-24 FPS in dim
        light; the container's rate is then an average) keeps the motion's true speed;
        ``1 / fps`` after the last frame where the container gives no usable time.
        """
        pts = self._pts()
        t = None if pts is None else pts - self._pts0 + self._loop_offset
        if t is None or not t > self._last_ts:
            t = self._last_ts + 1.0 / self.fps
        self._last_ts = t
        return t

    def _resize(self, image: np.ndarray) -> np.ndarray:
        if self.size is None or (image.shape[1], image.shape[0]) == tuple(self.size):
            return image
        # Bilinear: 8x cheaper than INTER_AREA at 1920x1080 -> 640x480 (0.6 vs 4.7 ms),
        # and pose models resample to 256 px anyway.
        return cv2.resize(image, tuple(self.size), interpolation=cv2.INTER_LINEAR)

    # -- reader thread -------------------------------------------------------------------
    def _publish(self, frame: Frame | None) -> bool:
        """Hand a frame (``None`` = end) to the consumer; False if we were stopped."""
        if self.realtime:
            with self._cond:
                if frame is None:
                    self._finished = True
                else:
                    self._latest = (
                        frame  # overwrite: old frames are dropped, not queued
                    )
                self._cond.notify_all()
            return not self._stop.is_set()
        while not self._stop.is_set():
            try:
                self._queue.put(frame, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        index = 0
        failures = 0
        try:
            if not self._publish(self._first):
                return
            if not self._clock_started.is_set():
                while not self._clock_started.wait(0.05):
                    if self._stop.is_set():
                        return
                self._t0 = time.perf_counter()  # the first frame's time is now
            while not self._stop.is_set():
                t0 = time.perf_counter()
                ok, image = self._cap.read()
                if (not ok or image is None) and self.loop and not self.live and index:
                    # Start the file again; indices and timestamps keep increasing.
                    self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
                    ok, image = self._cap.read()
                    self._loop_offset = self._last_ts + 1.0 / self.fps
                    self._pts0 = self._pts() or 0.0
                if not ok or image is None:
                    if not self.live:
                        self.end_reason = "eof"
                        break
                    failures += 1
                    # A camera may drop a frame now and then; many in a row means it is gone.
                    if failures * 0.05 >= self.stall_timeout:
                        self._error = SourceStalledError(
                            self.source, f"no frame for {self.stall_timeout:.1f} s"
                        )
                        self.end_reason = "stalled"
                        break
                    time.sleep(0.05)
                    continue
                failures = 0
                index += 1
                image = self._resize(upright(image, self.rotation))
                t1 = time.perf_counter()
                if self.live:
                    ts = t1 - self._t0
                else:
                    ts = self._file_time()
                    # Pace a file like a camera: wait until its frame is due.
                    delay = self._t0 + ts - time.perf_counter()
                    if self.realtime and delay > 0 and self._stop.wait(delay):
                        break
                # Delivered now: waiting for the playback time is not latency.
                delivered = time.perf_counter()
                frame = Frame(image, index, ts, (t1 - t0) * 1e3, delivered)
                if not self._publish(frame):
                    break
        except Exception as exc:  # decoding errors surface in the consumer thread
            self._error = CaptureError(self.source, f"reader failed: {exc}")
            self.end_reason = "error"
        finally:
            self._publish(None)

    # -- consumer side -------------------------------------------------------------------
    def read(self, timeout: float | None = None) -> Frame | None:
        """Return the next frame, or ``None`` at the end of a file or after :meth:`close`.

        For a live source this is the newest frame not yet returned; frames decoded in
        between are skipped.

        Args:
            timeout: Seconds to wait; defaults to ``stall_timeout`` (for a file played
                in real time, at least two of its frame periods).

        Raises:
            SourceStalledError: If a live source delivers nothing within the timeout.
            CaptureError: If the reader thread failed.
        """
        if timeout is None:
            timeout = self.stall_timeout
            if self.realtime and not self.live:
                # A file played at its pace: a slow one's (a 0.2 FPS time-lapse) next
                # frame is not due for seconds, and waiting for it is not a stall.
                timeout = max(timeout, 2.0 / self.fps)
        if self._stop.is_set():
            return None
        self._reads += 1
        if self._reads > 1:
            self._clock_started.set()
        if self.realtime:
            with self._cond:
                ready = self._cond.wait_for(
                    lambda: self._latest is not None or self._finished, timeout
                )
                frame, self._latest = self._latest, None
            if frame is None and not ready and not self._stop.is_set():
                self.end_reason = "stalled"
                raise SourceStalledError(self.source, f"no frame for {timeout:.1f} s")
        else:
            try:
                frame = self._queue.get(timeout=timeout)
            except queue.Empty:
                raise SourceStalledError(
                    self.source, f"decoder produced no frame for {timeout:.1f} s"
                ) from None
            if frame is None:
                self._queue.put_nowait(None)  # keep "end" visible to later reads
            else:
                # Decoded ahead of need: the time it waited in the prefetch buffer is
                # not latency, so the frame counts as delivered now.
                frame = dataclasses.replace(frame, captured_at=time.perf_counter())
        if frame is None and self._error is not None:
            raise self._error
        return frame

    def __iter__(self) -> Iterator[Frame]:
        """Yield frames until the end of the source or :meth:`close`."""
        while True:
            frame = self.read()
            if frame is None:
                return
            yield frame

    def close(self) -> None:
        """Stop the reader thread, join it and release the device. Idempotent."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        # Unblock a reader waiting on a full queue.
        with contextlib.suppress(queue.Empty):
            while True:
                self._queue.get_nowait()
        if self._thread.is_alive():
            self._thread.join()
        self._cap.release()
        if self.end_reason is None:
            self.end_reason = "closed"

    def __enter__(self) -> VideoSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        # Best effort only; callers are expected to close() explicitly.
        if getattr(self, "_thread", None) is not None and self._thread.is_alive():
            self._stop.set()


def list_cameras(max_index: int = 5) -> list[int]:
    """Indices of the cameras that open and deliver a frame.

    Args:
        max_index: Highest index probed (inclusive range ``0..max_index-1``).

    Returns:
        Sorted camera indices, possibly empty.
    """
    found = []
    # OpenCV logs a warning for every absent index; probing absent ones is expected here.
    with opencv_quiet():
        for index in range(max_index):
            cap = cv2.VideoCapture(index)
            try:
                if cap.isOpened() and cap.read()[0]:
                    found.append(index)
            finally:
                cap.release()
    return found


_QUIET_LOCK = threading.Lock()


@contextlib.contextmanager
def opencv_quiet() -> Iterator[None]:
    """OpenCV's own log off for the block (its level is the process's: one block at a
    time, and the level before is put back)."""
    with _QUIET_LOCK:
        level = cv2.getLogLevel()
        cv2.setLogLevel(0)
        try:
            yield
        finally:
            cv2.setLogLevel(level)


_LINKS = "ms2l-opencv-"  # + "<pid>-<random>": the folder of opencv_path's link


def _remove_dead_links() -> None:
    """Remove the link folders of :func:`opencv_path` whose process is gone."""
    for folder in Path(tempfile.gettempdir()).glob(f"{_LINKS}*-*"):
        found = re.fullmatch(rf"{_LINKS}(\d+)-.*", folder.name)
        if found and not pid_alive(int(found.group(1))):
            shutil.rmtree(folder, ignore_errors=True)


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@contextlib.contextmanager
def opencv_path(path: str | os.PathLike[str]) -> Iterator[str]:
    """``path`` as OpenCV can be given it, for the block.

    OpenCV takes a file name as UTF-8 text. A name that is not UTF-8 (Latin-1 bytes
    from an old zip or a USB stick, which Python keeps as escapes) crashed it, the
    whole process with no message (a trial). Such a file is given through a symbolic
    link of a plain name in a temporary folder, removed after the block; a link to its
    folder where only the folder's name is the problem (a file still to be written).

    The link's folder is named with the process id: those of processes that died
    holding one (killed, or crashed in native code) are removed by the next use.

    Raises:
        SourceOpenError: If the link cannot be made (no symbolic links here).
    """
    text = os.fspath(path)
    if _is_utf8(text):
        yield text
        return
    target = Path(os.path.abspath(text))
    _remove_dead_links()
    with tempfile.TemporaryDirectory(prefix=f"{_LINKS}{os.getpid()}-") as links:
        if _is_utf8(target.name):  # the folder's name alone
            link, given = Path(links, "folder"), Path(links, "folder", target.name)
            target = target.parent
        else:
            suffix = target.suffix if _is_utf8(target.suffix) else ""
            link = given = Path(links, "file" + suffix)
        try:
            link.symlink_to(target)
        except OSError as exc:
            raise SourceOpenError(
                text,
                "its name is not UTF-8 text, which OpenCV cannot take, and no link "
                f"to it could be made ({exc.strerror or exc}): rename it",
            ) from None
        yield str(given)


#: What a video file of one frame is (a photo saved as .mp4), said by data extract
#: and infer alike.
STILL_IMAGE = "one frame only: a still image, not a video"


def truncation_note(
    source: object, claimed: int | None, decoded: int, late_start: int = 0
) -> str:
    """What to say when a file decoded far fewer frames than its header claims (a
    truncated or damaged file), or ``""``.

    Args:
        source: The file, for the message.
        claimed: Frames the container says it holds (``None``: unknown).
        decoded: Frames read to the end of the file.
        late_start: Frames of its timeline before the first one
            (:attr:`VideoSource.late_start`): where they make up the difference, the
            file starts late rather than ends early (a clip cut from a longer
            Matroska video was said to be truncated: a trial).
    """
    if not claimed or decoded >= 0.9 * claimed:
        return ""
    # Only where the header's count holds the frames before the start (a Matroska
    # duration does; an MP4's frame total does not, and a cut one was excused by its
    # start at frame 3000 of 300: a review).
    if 0 < late_start < claimed and decoded >= 0.9 * (claimed - late_start):
        return ""
    return (
        f"{source}: the file says it holds {claimed} frames but only {decoded} could be "
        "decoded: it may be truncated or damaged"
    )
