"""The text ``ms2l infer --out`` burns into a video scales with the frame size."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from core.live.overlay import annotate
from core.live.pipeline import LiveUpdate
from core.live.recogniser import Prediction
from tests.conftest import require_data
from tests.video_files import read_frames


@pytest.fixture(scope="module")
def frame() -> np.ndarray:
    return read_frames(require_data("videos", "ta_chi.mp4"), 1)[0]


def _update(image: np.ndarray, shown: str = "pick up with one hand") -> LiveUpdate:
    top = (("pick up with one hand", 0.5), ("pick up with two hands", 0.3))
    top += (("drop trash", 0.2),)
    pred = Prediction(np.array([0.5, 0.3, 0.2], np.float32), top, shown)
    return LiveUpdate(
        frame=image, index=0, timestamp=0.0, landmarks=None, visibility=None,
        skeleton=None, layout="ucla20", prediction=pred, fps=29.9,
    )  # fmt: skip


def _text_box(frame: np.ndarray, width: int, height: int) -> tuple[int, int]:
    """Height and width in pixels of the region the overlay changed (box and text)."""
    image = cv2.resize(frame, (width, height))
    changed = np.any(annotate(_update(image)) != image, axis=-1)
    rows, cols = np.flatnonzero(changed.any(1)), np.flatnonzero(changed.any(0))
    return int(rows.max()) + 1, int(cols.max()) + 1


def test_text_keeps_its_share_of_the_frame_from_360_to_1080_lines(frame):
    """Font, stroke and spacing follow the height: the text box is the same share of
    a 640x360 and a 1920x1080 frame (it was 1.0 vs 0.7 font scale: tiny on 1080p)."""
    small_h, small_w = _text_box(frame, 640, 360)
    big_h, big_w = _text_box(frame, 1920, 1080)
    assert big_h / small_h == pytest.approx(3.0, rel=0.08)
    assert big_w / small_w == pytest.approx(3.0, rel=0.12)
    assert 0.15 < big_h / 1080 < 0.35


def test_text_leaves_most_of_a_tiny_frame_visible(frame):
    """On 160x120 the text box covers at most 40 % of the height (it covered 75 %):
    the lowest-ranked labels are left out."""
    h, _ = _text_box(frame, 160, 120)
    assert h <= 0.4 * 120


def test_text_fits_a_narrow_portrait_frame(frame):
    """On 288x512 (a phone's portrait video) the longest answer used to run off the
    right edge ("no action (unfamiliar mo"): the font shrinks, then lines are
    shortened, and the box ends inside the frame."""
    image = cv2.resize(frame, (288, 512))
    long = "no action (unfamiliar motion: unlike every training clip)"
    changed = np.any(annotate(_update(image, long)) != image, axis=-1)
    assert not changed[:, -1].any()  # nothing drawn up to the edge
    assert changed[:, : 288 // 2].any()


def test_action_names_beyond_ascii_are_drawn_not_question_marks(frame):
    """OpenCV's font has ASCII only: 'händeschütteln' came out of ms2l infer --out as
    'h??ndesch??tteln', one '?' per UTF-8 byte (a trial). Now it is drawn in a
    TrueType font, as wide as OpenCV's own would draw it, and kept inside the frame."""
    from core.live.text import text_width

    image = cv2.resize(frame, (640, 360))
    mine = annotate(_update(image, "händeschütteln"))
    marks = annotate(_update(image, "h??ndesch??tteln"))
    assert np.any(mine != marks)
    assert np.any(mine != annotate(_update(image, "handeschutteln")))
    ascii_width = text_width("handeschutteln", 1.0, 2)
    assert text_width("händeschütteln", 1.0, 2) == pytest.approx(ascii_width, rel=0.1)
    narrow = cv2.resize(frame, (288, 512))
    long = "Händeschütteln mit der rechten Hand, dann mit der linken Hand"
    changed = np.any(annotate(_update(narrow, long)) != narrow, axis=-1)
    assert not changed[:, -1].any()  # shortened to fit, as ASCII lines are


def test_unfamiliar_motion_shows_no_ranking_of_its_flat_answer(frame):
    """'no action (unfamiliar motion)' was followed by '10% pick up with one hand',
    '10% ...': a ranking of classes that are all alike (Live shows '–' there)."""
    import dataclasses

    image = cv2.resize(frame, (640, 360))
    ranked = _update(image, "carry")
    flat = dataclasses.replace(
        ranked,
        prediction=dataclasses.replace(ranked.prediction, action=None, unfamiliar=True),
    )

    def rows(update: LiveUpdate) -> int:
        changed = np.any(annotate(update) != image, axis=-1)
        return int(np.flatnonzero(changed[:, :200].any(1)).max()) + 1

    # FPS and the answer only: two of the five lines
    assert rows(flat) < 0.55 * rows(ranked)
