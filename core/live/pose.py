"""Pose estimation from video frames, and the axis change from MediaPipe to Kinect space.

:class:`PoseEstimator` is the protocol a pose backend implements: ``estimate(frame_bgr)``
returns a :class:`PoseResult` (33 MediaPipe landmarks in image and world coordinates with
visibility) or ``None`` when nobody is found. :class:`MediaPipePose` wraps the legacy
``mediapipe.solutions.pose`` graph with ``model_complexity=1``, the only pose model bundled
in the mediapipe 0.10.21 wheel (the lite and heavy models are downloaded at run time, which
fails offline, so they are refused up front). :func:`mediapipe_to_kinect` turns MediaPipe
world landmarks into the Kinect camera-space convention the model was trained on; its
docstring gives the derivation, checked against a real NTU recording in
``tests/core/test_pose.py``.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import cv2
import numpy as np

from core.live.native_log import native_lines_dropped
from core.skeleton import MP33

# Rotation taking MediaPipe world axes (x image-right, y down, z away) to Kinect camera
# space (x towards the mirrored colour frame's right, y up, z away): 180 degrees about z.
MP_TO_KINECT = np.diag([-1.0, -1.0, 1.0]).astype(np.float32)
_MP_MIRROR = MP33.mirror_permutation()

# What MediaPipe's native graph prints to the process's stderr the first time it runs
# (four lines on every start of a command, read in a terminal as something wrong).
_START_UP_NOTICES = (
    b"Created TensorFlow Lite XNNPACK delegate",
    b"All log messages before absl::InitializeLog()",
    b"inference_feedback_manager.cc",
    b"landmark_projection_calculator.cc",  # "Using NORM_RECT without IMAGE_DIMENSIONS"
    # With a display (EGL there): "gl_context_egl.cc:85] Successfully initialized EGL.
    # Major : 1 Minor: 5", "gl_context.cc:369] GL version: 3.2 (OpenGL ES …)"
    b"] Successfully initialized EGL",
    b"] GL version: ",
)
_NOTICE_CALLS = 3  # the first estimates of a graph whose output is filtered


def _is_start_up_notice(line: bytes) -> bool:
    return any(n in line for n in _START_UP_NOTICES)


def _start_up_notices_dropped(settle: bool = True) -> contextlib.AbstractContextManager:
    """MediaPipe's start-up notices kept off stderr while the block runs (see
    :func:`core.live.native_log.native_lines_dropped`)."""
    return native_lines_dropped(_is_start_up_notice, settle=settle)


@dataclass(frozen=True)
class PoseResult:
    """The landmarks of one person in one frame (MediaPipe 33-landmark layout).

    Attributes:
        image: ``(33, 3)`` float32: x, y normalised to ``[0, 1]`` of the frame width and
            height (may fall outside when a joint is off-frame), z relative depth.
        world: ``(33, 3)`` float32 metres, origin at the hip centre, MediaPipe world axes
            (x image-right, y down, z away from the camera).
        visibility: ``(33,)`` float32 in ``[0, 1]``, likelihood a landmark is visible.
        width: Frame width in pixels.
        height: Frame height in pixels.
    """

    image: np.ndarray
    world: np.ndarray
    visibility: np.ndarray
    width: int
    height: int

    def pixels(self) -> np.ndarray:
        """Image landmarks in pixels, ``(33, 2)`` float32."""
        return self.image[:, :2] * np.array([self.width, self.height], np.float32)


@runtime_checkable
class PoseEstimator(Protocol):
    """A single-person pose backend producing MediaPipe-33 landmarks."""

    def estimate(self, frame_bgr: np.ndarray) -> PoseResult | None:
        """Landmarks of the most prominent person in a BGR frame, or ``None``."""
        ...

    def close(self) -> None:
        """Release the backend's resources."""
        ...


SEARCH_AFTER = 3
"""Frames in a row without anyone in the whole frame before its parts are searched."""
MIN_SEARCH_SIDE = 256
"""The smallest square searched, in pixels (about the landmark model's input)."""
_ROI_SCALE = 1.7  # the followed square's side over the person's longer extent
_MIN_ROI_SIDE = 128


@dataclass(frozen=True)
class Box:
    """A square part of a ``frame`` (width, height): its corner and side in pixels."""

    x: int
    y: int
    side: int
    frame: tuple[int, int]

    @property
    def slices(self) -> tuple[slice, slice]:
        """Rows and columns of the square, to index the frame with."""
        return slice(self.y, self.y + self.side), slice(self.x, self.x + self.side)

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.side / 2, self.y + self.side / 2


def _square(cx: float, cy: float, side: float, frame: tuple[int, int]) -> Box:
    """The square of ``side`` centred on (cx, cy), moved inside the frame."""
    w, h = frame
    side = int(round(min(max(side, _MIN_ROI_SIDE), w, h)))
    x = int(round(min(max(cx - side / 2, 0), w - side)))
    y = int(round(min(max(cy - side / 2, 0), h - side)))
    return Box(x, y, side, frame)


def search_boxes(width: int, height: int) -> list[Box]:
    """The squares searched for a person the whole frame does not show big enough:
    squares as tall as the frame's shorter side, then halves and quarters of it, each
    size overlapping by half and reaching every edge, coarse first and, within a size,
    nearest the frame's centre first (where people mostly are); none smaller than
    :data:`MIN_SEARCH_SIDE`, and not the whole frame itself (already read)."""
    boxes = []
    short = min(width, height)
    for k in range(3):
        side = short >> k
        if k and side < MIN_SEARCH_SIDE:
            break
        step = max(1, side // 2)
        xs = sorted({*range(0, width - side + 1, step), width - side})
        ys = sorted({*range(0, height - side + 1, step), height - side})
        size = [
            Box(x, y, side, (width, height))
            for y in ys
            for x in xs
            if (side, side) != (width, height)
        ]
        size.sort(
            key=lambda b: (
                (b.centre[0] - width / 2) ** 2 + (b.centre[1] - height / 2) ** 2
            )
        )
        boxes += size
    return boxes


def _box_around(found: PoseResult) -> Box:
    """A square around a person (their visible landmarks), with room to move."""
    px = found.pixels()
    seen = px[found.visibility >= 0.5]
    pts = seen if len(seen) >= 4 else px
    (x0, y0), (x1, y1) = pts.min(0), pts.max(0)
    return _square(
        (x0 + x1) / 2,
        (y0 + y1) / 2,
        _ROI_SCALE * max(x1 - x0, y1 - y0),
        (found.width, found.height),
    )


def _followed(box: Box, found: PoseResult) -> Box:
    """The followed square for the next frame: kept while the person stays near its
    centre at about its scale (MediaPipe's tracking and smoothing see a steady
    picture), re-centred and re-sized when they move or turn."""
    new = _box_around(found)
    (cx, cy), (nx, ny) = box.centre, new.centre
    moved = max(abs(nx - cx), abs(ny - cy)) > 0.15 * box.side
    rescaled = not 0.75 <= new.side / box.side <= 1.33
    return new if moved or rescaled else box


class MediaPipePose:
    """MediaPipe Pose (legacy solutions API), tracking one person across frames.

    Args:
        model_complexity: Must be 1 (the model bundled in the mediapipe wheel).
        static_image_mode: Detect from scratch in every frame instead of tracking;
            slower, but right for unrelated images.
        min_detection_confidence: Person-detector threshold.
        min_tracking_confidence: Below this, tracking falls back to detection.
        smooth_landmarks: MediaPipe's own temporal filter across frames.
        search: Look for a person too small for the whole frame (tracking mode only;
            see below).

    MediaPipe's person detector sees the whole frame shrunk to 224 px: a person a
    few hundred pixels tall in a 4K frame, or anyone in a very wide one (3840x1080),
    becomes too small to be found, and a video with a person plainly in it read as
    "no person". After :data:`SEARCH_AFTER` frames without anyone, each frame also
    tries one square part of the frame (whole-height squares, then halves and
    quarters of it, overlapping; :func:`search_boxes`) with a second, single-image
    estimator. A person found there is then followed in a square around them
    (re-centred as they move) until they are lost, and the whole frame is read
    again. Landmarks are always given in whole-frame coordinates. The search costs
    one extra pose estimate per frame while nobody is found, nothing otherwise.

    Raises:
        ValueError: If ``model_complexity`` is not 1.
    """

    def __init__(
        self,
        model_complexity: int = 1,
        *,
        static_image_mode: bool = False,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        smooth_landmarks: bool = True,
        search: bool = True,
    ) -> None:
        if model_complexity != 1:
            raise ValueError(
                f"MediaPipe pose model_complexity={model_complexity} is not available "
                "offline: mediapipe 0.10.21 bundles only the complexity-1 ('full') model; "
                "0 ('lite') and 2 ('heavy') are downloaded at run time. Use 1."
            )
        # Imported here: mediapipe takes ~1 s to import and most commands never need it.
        from mediapipe.python.solutions import pose as mp_pose

        # The graph's threads print notices as its models load, some while the first
        # frame is read: an empty frame read here, in the same quiet block, has them
        # all come before it ends (its models then ready for the first real frame).
        with _start_up_notices_dropped():
            self._pose = mp_pose.Pose(
                static_image_mode=static_image_mode,
                model_complexity=1,
                smooth_landmarks=smooth_landmarks,
                enable_segmentation=False,
                min_detection_confidence=min_detection_confidence,
                min_tracking_confidence=min_tracking_confidence,
            )
            blank = np.zeros((64, 64, 3), np.uint8)
            blank.flags.writeable = False
            self._pose.process(blank)
        self._closed = False
        self._calls = 0  # estimates run
        self._quiet_until = _NOTICE_CALLS  # the last estimate whose notices are dropped
        self._found_once = False  # a person found: the landmark model has started
        self._search = search and not static_image_mode
        self._finder: MediaPipePose | None = None  # the search's single-image estimator
        self._roi: Box | None = None  # where the person found by the search is followed
        self._misses = 0  # frames in a row without anyone, whole frame
        self._boxes: list[Box] = []  # the search's squares for this frame size
        self._next_box = 0

    def estimate(self, frame_bgr: np.ndarray) -> PoseResult | None:
        """Estimate the pose of the most prominent person.

        Args:
            frame_bgr: ``(H, W, 3)`` uint8 BGR image as delivered by OpenCV (unmirrored
                unless the source itself is mirrored).

        Returns:
            The landmarks, or ``None`` if no person is detected.

        Raises:
            ValueError: If the frame is not an ``(H, W, 3)`` uint8 image.
            RuntimeError: If the estimator was closed.
        """
        if self._closed:
            raise RuntimeError("MediaPipePose is closed")
        if (
            frame_bgr.ndim != 3
            or frame_bgr.shape[2] != 3
            or frame_bgr.dtype != np.uint8
        ):
            raise ValueError(
                f"expected an (H, W, 3) uint8 BGR frame, got {frame_bgr.shape} "
                f"{frame_bgr.dtype}"
            )
        h, w = frame_bgr.shape[:2]
        if self._roi is not None:  # following a person the search found
            found = self._estimate_in(frame_bgr, self._roi)
            if found is not None:
                self._roi = _followed(self._roi, found)
                return found
            self._roi = None  # lost there: the whole frame again
        found = self._estimate_in(frame_bgr, None)
        if found is not None or not self._search:
            self._misses = 0
            return found
        self._misses += 1
        if self._misses < SEARCH_AFTER:
            return None
        if not self._boxes or self._boxes[0].frame != (w, h):
            self._boxes, self._next_box = search_boxes(w, h), 0
        if not self._boxes:
            return None
        box = self._boxes[self._next_box % len(self._boxes)]
        self._next_box += 1
        if self._finder is None:
            self._finder = MediaPipePose(static_image_mode=True, search=False)
        found = self._finder._estimate_in(frame_bgr, box)
        if found is not None:
            self._roi = _box_around(found)
            # square parts are new to the tracker: its notices about them dropped
            self._quiet_until = max(self._quiet_until, self._calls + _NOTICE_CALLS)
            self._next_box = 0  # the next search starts over, coarse first
        return found

    def _estimate_in(self, frame_bgr: np.ndarray, box: Box | None) -> PoseResult | None:
        """The pose in the square ``box`` of the frame (the whole frame for ``None``),
        in whole-frame coordinates."""
        h, w = frame_bgr.shape[:2]
        part = frame_bgr if box is None else frame_bgr[box.slices]
        rgb = cv2.cvtColor(part, cv2.COLOR_BGR2RGB)
        rgb.flags.writeable = False  # lets MediaPipe wrap the buffer without copying
        self._calls += 1
        if self._calls > self._quiet_until:
            out = self._pose.process(rgb)
        else:  # notices come with the first frames, and the landmark model's with
            # the first person found (its model starts then)
            with _start_up_notices_dropped(settle=self._calls == 1):
                out = self._pose.process(rgb)
        if out.pose_landmarks is None or out.pose_world_landmarks is None:
            if not self._found_once:
                self._quiet_until = self._calls + 1
            return None
        if not self._found_once:
            self._found_once = True
            self._quiet_until = self._calls + _NOTICE_CALLS
            # the landmark model just started: its threads' notices come a moment
            # after the frame's answer (one a run leaked); caught here, once
            with _start_up_notices_dropped():
                pass
        image = np.array(
            [(p.x, p.y, p.z) for p in out.pose_landmarks.landmark], dtype=np.float32
        )
        vis = np.array([p.visibility for p in out.pose_landmarks.landmark], np.float32)
        world = np.array(
            [(p.x, p.y, p.z) for p in out.pose_world_landmarks.landmark], np.float32
        )
        if box is not None:  # fractions of the square -> of the whole frame
            image[:, 0] = (box.x + image[:, 0] * box.side) / w
            image[:, 1] = (box.y + image[:, 1] * box.side) / h
            image[:, 2] *= box.side / w  # MediaPipe's z is on x's scale
        return PoseResult(image=image, world=world, visibility=vis, width=w, height=h)

    def close(self) -> None:
        """Release the MediaPipe graph. Idempotent."""
        if not self._closed:
            self._closed = True
            self._pose.close()
            if self._finder is not None:
                self._finder.close()

    def __enter__(self) -> MediaPipePose:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def mediapipe_to_kinect(world: np.ndarray, mirrored: bool = False) -> np.ndarray:
    """Express MediaPipe world landmarks in Kinect camera-space axes.

    Derivation. An ordinary (unmirrored) camera image has x to the right and y down;
    MediaPipe's world landmarks use those axes with z pointing away from the camera, and
    its left/right labels are the person's anatomical sides. Kinect camera space has y up
    and z away, and its x axis increases with ``colorX`` of the Kinect colour frame, which
    is itself mirrored relative to an ordinary camera (in NTU, the person's *left*
    shoulder appears at the smaller ``colorX``). Seen from an ordinary camera, Kinect x
    therefore points to the image *left* and y up: relative to MediaPipe both x and y are
    negated and z is kept. ``diag(-1, -1, 1)`` has determinant +1, so it is a rotation
    (180 degrees about the optical axis), never a mirror: a skeleton keeps its
    handedness and every joint keeps its anatomical side.

    A mirrored source (a selfie preview, or the NTU colour video itself) shows the world
    flipped left-right. The preferred fix is to flip such frames back *before* pose
    estimation (``cv2.flip(frame, 1)``; :mod:`core.live.pipeline` does this when its settings
    say the source is mirrored): MediaPipe was trained on ordinary images and is not
    mirror-equivariant, and on the NTU check the flipped-back frames agree better with the
    Kinect skeleton (right forearm mean cosine 0.83 vs 0.64). Landmarks that were already
    estimated on mirrored frames can be corrected with ``mirrored=True``: MediaPipe then
    reports the mirrored scene (x negated, the person's left side labelled "right"), so x
    is negated again *and* the left/right landmarks are swapped, which composed with the
    rotation above gives ``diag(1, -1, 1)`` plus the swap.

    Checked on ``S001C001P001R001A001``: the NTU colour video, flipped back and run
    through MediaPipe, agrees bone by bone with the Kinect skeleton of the same recording
    after both are normalised (see ``tests/core/test_pose.py``, ``bench/overlay_check.py``).

    Args:
        world: ``(..., 33, 3)`` MediaPipe world landmarks.
        mirrored: Whether the frames MediaPipe saw were mirrored left-right.

    Returns:
        float32 array ``(..., 33, 3)`` in Kinect axes (x, y up, z away), still in
        MediaPipe's joint order.

    Raises:
        ValueError: If the last two dimensions are not ``(33, 3)``.
    """
    if world.shape[-2:] != (MP33.num_joints, 3):
        raise ValueError(
            f"expected (..., 33, 3) MediaPipe landmarks, got {world.shape}"
        )
    out = world.astype(np.float32) @ MP_TO_KINECT.T
    if mirrored:
        out = out[..., _MP_MIRROR, :]
        out[..., 0] = -out[..., 0]
    return out
