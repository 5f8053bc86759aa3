"""Text on BGR frames: OpenCV's own font for ASCII, a TrueType font for the rest.

OpenCV's Hershey fonts have ASCII glyphs only: an action the user named "händeschütteln"
came out of ``ms2l infer --out`` as "h??ndesch??tteln" (one "?" per UTF-8 byte). A line
with other characters is drawn with Pillow in DejaVu Sans (the font matplotlib ships,
which mediapipe installs; Pillow's own default font otherwise), sized to match OpenCV's
scale. Scripts DejaVu Sans lacks (Chinese, Japanese) show as empty boxes, not as question
marks. ASCII lines stay on OpenCV's path: the same pixels as before, and faster.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from typing import Any

import cv2
import numpy as np

FONT = cv2.FONT_HERSHEY_SIMPLEX
# The TrueType font's size in pixels at OpenCV font scale 1: its capitals are then as
# tall as FONT_HERSHEY_SIMPLEX's (about 22 px).
_PX_PER_SCALE = 30


def text_width(text: str, scale: float, stroke: int) -> int:
    """Width in pixels of ``text`` drawn by :func:`put_text`."""
    if text.isascii():
        return int(cv2.getTextSize(text, FONT, scale, stroke)[0][0])
    font = _font(_pixels(scale))
    return int(np.ceil(font.getlength(text))) + 2 * _bold(stroke)


def put_text(
    img: np.ndarray,
    text: str,
    org: tuple[int, int],
    scale: float,
    color: tuple[int, int, int],
    stroke: int,
) -> None:
    """Draw ``text`` on a BGR image in place, its baseline starting at ``org`` (as
    ``cv2.putText``), in any script the font has."""
    if text.isascii():
        cv2.putText(img, text, org, FONT, scale, color, stroke, cv2.LINE_AA)
        return
    from PIL import Image, ImageDraw

    font = _font(_pixels(scale))
    bold = _bold(stroke)
    left, top, right, bottom = font.getbbox(text, anchor="ls", stroke_width=bold)
    x0, y0 = max(0, org[0] + int(left) - 1), max(0, org[1] + int(top) - 1)
    x1 = min(img.shape[1], org[0] + int(np.ceil(right)) + 1)
    y1 = min(img.shape[0], org[1] + int(np.ceil(bottom)) + 1)
    if x1 <= x0 or y1 <= y0:
        return  # off the image
    region = img[y0:y1, x0:x1]
    canvas = Image.fromarray(np.ascontiguousarray(region[..., ::-1]))
    rgb = (int(color[2]), int(color[1]), int(color[0]))
    ImageDraw.Draw(canvas).text(
        (org[0] - x0, org[1] - y0), text, font=font, fill=rgb, anchor="ls",
        stroke_width=bold, stroke_fill=rgb,
    )  # fmt: skip
    region[:] = np.asarray(canvas)[..., ::-1]


def _pixels(scale: float) -> int:
    return max(6, round(_PX_PER_SCALE * scale))


def _bold(stroke: int) -> int:
    """Pillow's stroke width for an OpenCV stroke (1 is the font's own weight)."""
    return 1 if stroke >= 3 else 0


@functools.lru_cache(maxsize=16)
def _font(pixels: int) -> Any:
    from PIL import ImageFont

    path = _dejavu_sans()
    if path is not None:
        try:
            return ImageFont.truetype(str(path), pixels)
        except OSError:
            pass
    return ImageFont.load_default(pixels)


@functools.lru_cache(maxsize=1)
def _dejavu_sans() -> Path | None:
    """matplotlib's DejaVu Sans, found without importing matplotlib (slow)."""
    spec = importlib.util.find_spec("matplotlib")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"
        if path.is_file():
            return path
    return None
