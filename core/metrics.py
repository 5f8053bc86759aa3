"""Classification metrics: accuracy, per-class accuracy and the confusion matrix.

Pure numpy on integer labels and predictions, so the training loop, ``ms2l eval``, the
benchmarks and the GUI compute them the same way.
"""

from __future__ import annotations

import numpy as np


def confusion_matrix(
    y_true: np.ndarray, y_pred: np.ndarray, num_classes: int
) -> np.ndarray:
    """Counts ``C[i, j]`` of clips of true class ``i`` predicted as ``j``.

    Args:
        y_true: ``(N,)`` int labels in ``[0, K)``.
        y_pred: ``(N,)`` int predictions in ``[0, K)``.
        num_classes: ``K``.

    Returns:
        int64 ``(K, K)``.

    Raises:
        ValueError: If the arrays differ in length or hold labels outside ``[0, K)``.
    """
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"labels {y_true.shape} and predictions {y_pred.shape} differ")
    for name, arr in (("labels", y_true), ("predictions", y_pred)):
        if arr.size and (arr.min() < 0 or arr.max() >= num_classes):
            raise ValueError(f"{name} must be in [0, {num_classes})")
    flat = y_true * num_classes + y_pred
    return np.bincount(flat, minlength=num_classes * num_classes).reshape(
        num_classes, num_classes
    )


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Share of correct predictions (0 for no clips)."""
    y_true = np.asarray(y_true)
    return float((y_true == np.asarray(y_pred)).mean()) if y_true.size else 0.0


def per_class_accuracy(confusion: np.ndarray) -> np.ndarray:
    """Recall of every class from a confusion matrix, ``(K,)`` (NaN for absent classes)."""
    confusion = np.asarray(confusion, dtype=np.float64)
    support = confusion.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(support > 0, np.diag(confusion) / support, np.nan)
