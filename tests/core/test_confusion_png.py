"""The confusion matrix exported as a PNG: what it is titled with stays on the image."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from core.evaluation import EvalResult, confusion_png


def _result(k: int = 10) -> EvalResult:
    rng = np.random.default_rng(0)
    confusion = rng.integers(0, 9, size=(k, k)) + np.eye(k, dtype=np.int64) * 40
    return EvalResult(
        accuracy=float(np.trace(confusion) / confusion.sum()),
        per_class_accuracy=np.diag(confusion) / confusion.sum(axis=1),
        confusion=confusion,
        labels=[f"action {i}" for i in range(k)],
        split="test",
        num_clips=int(confusion.sum()),
        run_dir=Path("runs/a"),
        dataset="nw-ucla",
        protocol="xview",
    )


def test_a_long_title_is_wrapped_onto_the_image_not_cut_at_its_edge():
    """A fusion's title (two run names) ran off the right edge, the clip count with it
    (a trial): the name is wrapped and the figures keep a line of their own."""
    title = (
        "fusion of 2 runs (nw-ucla-finetune-20261202-111453 + nw-ucla-ms2l-gcn-"
        "20261202-111453 + another-run-with-a-long-name)"
    )
    image = cv2.imdecode(
        np.frombuffer(confusion_png(_result(), title), np.uint8), cv2.IMREAD_GRAYSCALE
    )
    assert image is not None
    band = image[: image.shape[0] // 10]  # the title's rows, above the matrix
    ink = np.flatnonzero((band < 128).any(axis=0))
    assert ink.size and ink.min() > 2 and ink.max() < image.shape[1] - 3, (
        ink.min(),
        ink.max(),
        image.shape,
    )


def test_the_export_has_the_colours_of_evaluates_heatmap():
    """The PNG was Blues where Evaluate's heatmap is viridis (a trial): the same
    confusion reads in the same colours in both."""
    k = 2
    confusion = np.array([[5, 0], [0, 5]])
    result = EvalResult(
        accuracy=1.0,
        per_class_accuracy=np.ones(k),
        confusion=confusion,
        labels=["a", "b"],
        split="test",
        num_clips=10,
        run_dir=Path("runs/a"),
    )
    image = cv2.imdecode(
        np.frombuffer(confusion_png(result), np.uint8), cv2.IMREAD_COLOR
    )
    bgr = image.reshape(-1, 3).astype(int)
    # viridis's ends: (68, 1, 84) for 0 and (253, 231, 37) for 1, as RGB
    for rgb in ((68, 1, 84), (253, 231, 37)):
        near = np.abs(bgr - np.array(rgb[::-1])).sum(axis=1) < 12
        assert near.sum() > 500, rgb


def _labelled(labels: list[str]) -> EvalResult:
    k = len(labels)
    return EvalResult(
        accuracy=1.0,
        per_class_accuracy=np.ones(k),
        confusion=np.eye(k, dtype=np.int64) * 5,
        labels=labels,
        split="test",
        num_clips=5 * k,
        run_dir=Path("runs/a"),
    )


def test_names_in_other_scripts_are_drawn_with_a_font_that_has_them():
    """Chinese action names were boxes in the PNG, and matplotlib's "Glyph missing"
    warnings reached the terminal (a trial)."""
    import warnings

    from core.evaluation import _fallback_fonts

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # a private-use character no font has: boxes, but no warning
        confusion_png(_labelled(["\ue000\ue001", "wave"]))
    assert not [w for w in caught if "Glyph" in str(w.message)]
    if not _fallback_fonts(["起立"]):
        pytest.skip("no installed font has Chinese characters")
    # boxes would draw two names of two characters alike: glyphs do not
    a = cv2.imdecode(
        np.frombuffer(confusion_png(_labelled(["起立", "wave"])), np.uint8), 0
    )
    b = cv2.imdecode(
        np.frombuffer(confusion_png(_labelled(["坐下", "wave"])), np.uint8), 0
    )
    assert a.shape == b.shape and np.abs(a.astype(int) - b).sum() > 0
