"""OpenCV drawing for live and offline recognition: pose, predictions, skeleton views.

* :func:`annotate` draws a :class:`core.live.pipeline.LiveUpdate` (MediaPipe landmarks,
  top-k labels, FPS) on its camera frame.
* :func:`render_skeleton` draws recorded joints (NTU, NW-UCLA, PKU-MMD files) from the
  front on a dark canvas, and :func:`caption` writes the recogniser's state on it; this
  is what ``ms2l infer --out`` records for a skeleton file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np

from core.live.text import put_text, text_width
from core.skeleton import MP33, get_layout

if TYPE_CHECKING:
    from core.live.pipeline import LiveUpdate
    from core.live.recogniser import Prediction

# Drawing colours (BGR): the person's left side, right side, and the midline.
_LEFT, _RIGHT, _MID = (255, 160, 0), (0, 140, 255), (220, 220, 220)


def draw_pose(
    image: np.ndarray,
    points: np.ndarray,
    visibility: np.ndarray | None = None,
    min_visibility: float = 0.3,
    thickness: int = 2,
) -> None:
    """Draw MediaPipe landmarks (pixels) and bones on a BGR image in place.

    Args:
        image: ``(H, W, 3)`` uint8 BGR image, modified in place.
        points: ``(33, 2)`` pixel coordinates.
        visibility: ``(33,)`` visibility; landmarks below ``min_visibility`` are skipped.
        min_visibility: Visibility threshold.
        thickness: Line thickness in pixels.
    """
    vis = np.ones(len(points)) if visibility is None else visibility
    left = {i for i, n in enumerate(MP33.joints) if n.startswith("left")}
    right = {i for i, n in enumerate(MP33.joints) if n.startswith("right")}
    pts = np.round(points).astype(int)
    for child, parent in MP33.bones:
        if min(vis[child], vis[parent]) < min_visibility:
            continue
        color = _LEFT if child in left else _RIGHT if child in right else _MID
        cv2.line(image, tuple(pts[child]), tuple(pts[parent]), color, thickness)
    for i, p in enumerate(pts):
        if vis[i] >= min_visibility:
            color = _LEFT if i in left else _RIGHT if i in right else _MID
            cv2.circle(image, tuple(p), thickness + 1, color, -1)


# Text drawn on a frame: font scale per pixel of frame height (1.0 at 720 px, about
# 1/20 of the height per line), the smallest scale still legible, and the share of the
# height the text box may cover (small frames drop the lowest-ranked labels first).
_TEXT_SCALE_PER_PX = 1 / 720
_MIN_TEXT_SCALE = 0.3
_MAX_TEXT_SHARE = 0.4


def text_scale(height: int) -> float:
    """OpenCV font scale for text on a frame ``height`` pixels tall.

    Proportional to the height, so that the text keeps the same share of any frame
    (1.0 at 720 px, 1.5 at 1080 px), but never below :data:`_MIN_TEXT_SCALE`.
    """
    return max(_MIN_TEXT_SCALE, height * _TEXT_SCALE_PER_PX)


def annotate(update: LiveUpdate, font_scale: float | None = None) -> np.ndarray:
    """A copy of the update's frame with the skeleton, top-k labels and FPS drawn on.

    Font size, stroke width, line spacing and margins follow the frame height
    (:func:`text_scale`); on a small frame the text box covers at most
    :data:`_MAX_TEXT_SHARE` of the height, dropping the lowest-ranked labels.

    Args:
        update: One update from :func:`run_live`.
        font_scale: OpenCV font scale; by default :func:`text_scale` of the height.

    Returns:
        BGR image ``(H, W, 3)`` uint8.
    """
    img = update.frame.copy()
    h = img.shape[0]
    fs = font_scale or text_scale(h)
    if update.landmarks is not None:
        draw_pose(img, update.landmarks, update.visibility, thickness=max(1, h // 360))
    lines = [f"{update.fps:.1f} FPS"]
    if update.prediction.top_k:
        lines.append(update.prediction.shown)
        lines += _ranked(update.prediction)
    else:
        lines.append(f"window {update.prediction.window_fill * 100:.0f}%")
    w = img.shape[1]

    def widest(scale: float, stroke: int) -> int:
        return max(text_width(t, scale, stroke) for t in lines)

    # A narrow (portrait) frame: a smaller font, then shortened lines, never text cut
    # off at the frame's edge.
    room = w - 2 * max(3, round(10 * fs))
    needed = widest(fs, max(1, round(1.4 * fs)) + 1)
    if needed > room:
        fs = max(_MIN_TEXT_SCALE, fs * room / needed)
    step = max(10, round(34 * fs))
    fits = int((_MAX_TEXT_SHARE * h - step / 2) // step)
    lines = lines[: max(2, fits)]  # FPS and the answer always
    thin = max(1, round(1.4 * fs))
    bold = thin + 1 if fs >= 0.5 else thin  # a thicker stroke blurs small glyphs
    margin = max(3, round(10 * fs))
    lines = [_shortened(t, fs, bold, w - 2 * margin) for t in lines]
    width = widest(fs, bold)
    # A dark box behind the text keeps it readable on any background.
    box = img[: step * len(lines) + step // 2, : width + 2 * margin]
    box[:] = (box * 0.45).astype(np.uint8)
    for i, text in enumerate(lines):
        put_text(
            img, text, (margin, step * (i + 1)), fs,
            (80, 255, 255) if i == 1 else (255, 255, 255), bold if i == 1 else thin,
        )  # fmt: skip
    return img


def _ranked(state: Prediction) -> list[str]:
    """The top-k lines ("72% carry"); none for unfamiliar motion, whose classes are
    all alike (a ranking of 10 % each read as one; Live shows "–" there too)."""
    if state.unfamiliar:
        return []
    return [f"{p * 100:3.0f}% {label}" for label, p in state.top_k]


def _shortened(text: str, scale: float, stroke: int, room: int) -> str:
    """``text``, cut and ended with "..." until it is at most ``room`` pixels wide."""
    if text_width(text, scale, stroke) <= room:
        return text
    while len(text) > 1:
        text = text[:-1]
        if text_width(text.rstrip() + "...", scale, stroke) <= room:
            return text.rstrip() + "..."
    return text


def render_skeleton(
    joints: np.ndarray,
    layout: str,
    box: tuple[float, float, float, float],
    size: tuple[int, int] = (640, 480),
) -> np.ndarray:
    """Front view of one frame's joints (x right, y up) on a dark canvas.

    Args:
        joints: ``(M, V, 3)`` camera-space joints; all-zero bodies are skipped.
        layout: Their layout name (for the bones).
        box: ``(x_min, x_max, y_min, y_max)`` in metres, fitted to the canvas (the
            whole sequence's extent, so the view does not jump between frames).
        size: Canvas ``(width, height)`` in pixels.

    Returns:
        BGR image ``(height, width, 3)`` uint8.
    """
    w, h = size
    img = np.full((h, w, 3), 32, np.uint8)
    x0, x1, y0, y1 = box
    scale = 0.85 * min(w / max(x1 - x0, 1e-6), h / max(y1 - y0, 1e-6))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    lay = get_layout(layout)
    colors = ((80, 220, 80), (80, 160, 255), (255, 160, 80))
    for m, body in enumerate(joints):
        if not np.any(body):
            continue
        px = (
            np.stack(
                [w / 2 + (body[:, 0] - cx) * scale, h / 2 - (body[:, 1] - cy) * scale],
                -1,
            )
            .round()
            .astype(int)
        )
        for child, parent in lay.bones:
            cv2.line(
                img, tuple(px[child]), tuple(px[parent]), colors[m % 3], 2, cv2.LINE_AA
            )
    return img


def skeleton_box(joints: np.ndarray) -> tuple[float, float, float, float]:
    """The front-view extent ``(x_min, x_max, y_min, y_max)`` of a whole sequence.

    Args:
        joints: ``(T, M, V, 3)``; all-zero frames (no person) are ignored.

    Returns:
        The extent in metres; ``(-1, 1, -1, 1)`` when no frame has a person.
    """
    present = np.abs(joints).reshape(len(joints), -1).sum(-1) > 0
    valid = joints[present]
    if not valid.size:
        return (-1.0, 1.0, -1.0, 1.0)
    return (
        float(valid[..., 0].min()),
        float(valid[..., 0].max()),
        float(valid[..., 1].min()),
        float(valid[..., 1].max()),
    )


def caption(img: np.ndarray, state: Prediction, truth: str | None = None) -> None:
    """Write the recogniser's action, top-k and the true label on an image in place.

    Args:
        img: BGR image, modified in place.
        state: The recogniser state of this frame.
        truth: Ground-truth class name of this frame, if known.
    """
    lines = [state.shown, *_ranked(state)]
    if truth:
        lines.append(f"true: {truth}")
    for i, text in enumerate(lines):
        put_text(
            img, text, (10, 24 + 22 * i), 0.6,
            (80, 255, 255) if i == 0 else (255, 255, 255), 1,
        )  # fmt: skip
