"""Is a window like anything the model was trained on? A novelty check on its features.

A closed-set classifier answers one of its classes for any input: through a webcam, a
tai chi form or a person drinking water is "throw" or "doffing" with high confidence
(``docs/results/sensor-gap.md``). The softmax cannot tell, but the encoder's features
can: for each training clip, the encoder's per-frame features averaged over the clip
(:meth:`models.ms2l.MS2L.classify`) are modelled as one Gaussian per class with a shared
covariance, and a window's *distance* is its Mahalanobis distance to the nearest class
mean. The *threshold* is the ``percentile`` (99 by default) of the training clips' own
distances, so 1 % of the training clips count as unfamiliar; clips the model was not
trained on sit a little farther (5 % of the NW-UCLA test view for the shipped model).

The covariance is shrunk towards a multiple of the identity by the Ledoit-Wolf rule
(:func:`shrunk_covariance`), which keeps it invertible and stable; a fit needs at least
:data:`MIN_CLIPS_PER_FEATURE` clips per feature (below that, e.g. a model taught from
five takes per action, there is no novelty check and the model answers as before).

An unfamiliar window's probabilities are flattened to uniform (:func:`temper`), so the
live recogniser's smoothing and threshold turn a run of unfamiliar windows into
"no action" without another code path; the class ranking of a familiar window is
untouched, and evaluation (``ms2l eval``, the training loop) reads the raw logits.

The statistics are stored as ``novelty.npz`` in the run folder (numpy arrays only,
read with ``allow_pickle=False``, written atomically).
"""

from __future__ import annotations

import functools
import os
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch

from core.fileio import atomic_path
from core.text import count

NOVELTY_FILE = "novelty.npz"
DEFAULT_PERCENTILE = 99.0
MIN_CLIPS_PER_FEATURE = 2.0
"""A fit needs ``N >= MIN_CLIPS_PER_FEATURE * D`` labelled clips."""
_CHUNK = 4096


@dataclass(frozen=True)
class Novelty:
    """Class means, shared precision and threshold of the novelty check.

    Attributes:
        means: ``(K', D)`` means of the training features of each class with clips.
        classes: ``(K',)`` the label of each row of ``means``.
        precision: ``(D, D)`` inverse of the shrunk shared covariance.
        threshold: Distance above which a window is unfamiliar.
        percentile: Percentile of the training distances the threshold was set at.
        num_clips: Training clips the statistics come from.
    """

    means: np.ndarray
    classes: np.ndarray
    precision: np.ndarray
    threshold: float
    percentile: float
    num_clips: int

    @property
    def num_features(self) -> int:
        """Feature width ``D``."""
        return int(self.means.shape[1])

    @functools.cached_property
    def _whitened(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``precision = L L^T``: the distance is Euclidean after whitening by ``L``,
        so ``|z - m|^2 = |z|^2 - 2 z.m + |m|^2`` costs ``N*D^2 + N*K*D``. ``L``, the
        whitened means and their squared norms are computed once, not per live
        window."""
        whiten = np.linalg.cholesky(self.precision)
        means = self.means @ whiten
        return whiten, means, np.einsum("kd,kd->k", means, means)

    def distance(self, features: np.ndarray) -> np.ndarray:
        """Mahalanobis distance of each row to the nearest class mean.

        Args:
            features: ``(N, D)`` clip features.

        Returns:
            ``(N,)`` float64 distances.

        Raises:
            ValueError: If the feature width is not ``D``.
        """
        f = np.asarray(features, np.float64)
        if f.ndim != 2 or f.shape[1] != self.num_features:
            raise ValueError(
                f"novelty check expects (N, {self.num_features}) features, got "
                f"shape {f.shape}"
            )
        whiten, means, means_sq = self._whitened
        out = np.empty(len(f))
        for start in range(0, len(f), _CHUNK):
            z = f[start : start + _CHUNK] @ whiten
            d2 = np.einsum("nd,nd->n", z, z)[:, None] - 2 * z @ means.T + means_sq
            out[start : start + _CHUNK] = d2.min(axis=1)
        return np.sqrt(np.maximum(out, 0.0))

    def unfamiliar(self, features: np.ndarray) -> np.ndarray:
        """``(N,)`` bool: the distance is above the threshold."""
        return self.distance(features) > self.threshold


def fit(
    features: np.ndarray, labels: np.ndarray, percentile: float = DEFAULT_PERCENTILE
) -> Novelty:
    """Fit the novelty check on labelled training features.

    Args:
        features: ``(N, D)`` features of the training clips.
        labels: ``(N,)`` class indices (a class without clips has no mean).
        percentile: Share of training clips (in %) whose distance stays under the
            threshold.

    Returns:
        The fitted check.

    Raises:
        ValueError: If the shapes disagree, a value is not finite or a label negative,
            there are fewer than ``MIN_CLIPS_PER_FEATURE * D`` clips, or the
            percentile is outside ``(0, 100]``.
    """
    x = np.asarray(features, np.float64)
    y = np.asarray(labels)
    if x.ndim != 2 or y.shape != (len(x),):
        raise ValueError(
            f"features (N, D) and labels (N,) expected, got {x.shape} and {y.shape}"
        )
    check_percentile(percentile)
    n, d = x.shape
    if n == 0 or d == 0:
        raise ValueError(f"no features to fit a novelty check on (shape {x.shape})")
    if n < MIN_CLIPS_PER_FEATURE * d:
        # what the check is and why so many (the numbers alone were jargon: a trial)
        raise ValueError(
            f"{count(n, 'labelled clip')} {'is' if n == 1 else 'are'} too few for a "
            f"novelty check on {d} features "
            f"(need {int(np.ceil(MIN_CLIPS_PER_FEATURE * d))}: the check, which tells "
            f"motion unlike every trained action, models the encoder's {d} features "
            f"per action and needs {MIN_CLIPS_PER_FEATURE:g} clips a feature)"
        )
    if not np.isfinite(x).all():
        raise ValueError("features contain NaN or infinite values")
    if y.min() < 0:
        raise ValueError(f"labels must be >= 0, got {int(y.min())}")
    classes, row = np.unique(y, return_inverse=True)
    means = np.stack([x[row == i].mean(axis=0) for i in range(len(classes))])
    cov = shrunk_covariance(x - means[row])
    if not np.trace(cov) > 0:
        raise ValueError(
            "the features do not vary within the classes (a dead encoder?)"
        )
    precision = np.linalg.inv(cov + 1e-9 * np.trace(cov) / d * np.eye(d))
    classes = classes.astype(np.int64)
    partial = Novelty(means, classes, precision, 0.0, float(percentile), n)
    threshold = float(np.percentile(partial.distance(x), percentile))
    return Novelty(means, classes, precision, threshold, float(percentile), n)


def shrunk_covariance(resid: np.ndarray) -> np.ndarray:
    """Ledoit-Wolf covariance of zero-mean rows ``(N, D)``: the sample covariance
    shrunk towards ``trace / D`` times the identity, with the weight that minimises
    the expected squared error (Ledoit & Wolf, 2004), so it is invertible and stable
    even when ``N`` is not much larger than ``D``."""
    n, d = resid.shape
    s = resid.T @ resid / n
    mu = np.trace(s) / d
    delta2 = np.sum((s - mu * np.eye(d)) ** 2) / d
    sq = np.einsum("nd,nd->n", resid, resid)
    # sum_k ||x_k x_k^T - S||_F^2 = sum_k (|x_k|^4 - 2 x_k^T S x_k) + n ||S||_F^2
    spread = np.sum(sq**2) - 2 * np.sum((resid @ s) * resid)
    beta2 = (spread + n * np.sum(s**2)) / (n**2 * d)
    alpha = 1.0 if delta2 <= 0 else min(beta2 / delta2, 1.0)
    return alpha * mu * np.eye(d) + (1 - alpha) * s


def check_percentile(percentile: float) -> None:
    """Raise ``ValueError`` unless ``0 < percentile <= 100``."""
    if not 0 < percentile <= 100:
        raise ValueError(f"percentile must be in (0, 100], got {percentile}")


def temper(probabilities: np.ndarray, unfamiliar: np.ndarray) -> np.ndarray:
    """Flatten the probabilities of unfamiliar rows to uniform.

    Args:
        probabilities: ``(N, K)`` rows summing to 1.
        unfamiliar: ``(N,)`` bool.

    Returns:
        ``(N, K)`` float32, unfamiliar rows replaced by ``1 / K``.
    """
    p = np.array(probabilities, dtype=np.float32, copy=True)
    p[np.asarray(unfamiliar, bool)] = 1.0 / p.shape[1]
    return p


def save(novelty: Novelty, path: str | os.PathLike[str]) -> Path:
    """Write the check as ``.npz`` atomically; returns the path."""
    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez(
            fh,
            means=novelty.means,
            classes=novelty.classes,
            precision=novelty.precision,
            threshold=np.float64(novelty.threshold),
            percentile=np.float64(novelty.percentile),
            num_clips=np.int64(novelty.num_clips),
        )
    return path


def load(path: str | os.PathLike[str]) -> Novelty:
    """Read a check written by :func:`save`.

    Raises:
        FileNotFoundError: If the file does not exist.
        ValueError: If it is not a readable novelty file (names the file and the
            problem).
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except FileNotFoundError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(f"{path}: not a readable novelty file ({exc})") from None
    keys = {"means", "classes", "precision", "threshold", "percentile", "num_clips"}
    if not keys <= set(arrays):
        raise ValueError(f"{path}: missing {sorted(keys - set(arrays))}")
    means, precision, classes = arrays["means"], arrays["precision"], arrays["classes"]
    if (
        means.ndim != 2
        or precision.shape != (means.shape[1], means.shape[1])
        or classes.shape != (means.shape[0],)
        or classes.dtype.kind not in "iu"
    ):
        raise ValueError(
            f"{path}: means {means.shape}, classes {classes.shape} and precision "
            f"{precision.shape} disagree"
        )
    try:
        threshold = float(arrays["threshold"])
        percentile = float(arrays["percentile"])
        num_clips = int(arrays["num_clips"])
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: threshold, percentile or num_clips is not a number "
                         f"({exc})") from None  # fmt: skip
    if not (
        np.isfinite(means).all() and np.isfinite(precision).all() and threshold > 0
    ):
        raise ValueError(f"{path}: non-finite statistics or a threshold <= 0")
    return Novelty(
        means.astype(np.float64),
        classes.astype(np.int64),
        precision.astype(np.float64),
        threshold,
        percentile,
        num_clips,
    )


class _Clips(Protocol):
    """What :func:`clip_features` needs of a clip set (``core.training.data.ClipSet``)."""

    labels: np.ndarray

    def __len__(self) -> int: ...

    def batch(
        self, pos: np.ndarray, cfg: Any
    ) -> tuple[torch.Tensor, torch.Tensor, Any]:
        """``(x, lengths, labels)`` of the clips at ``pos``, without augmentation."""
        ...

    def subset(self, positions: np.ndarray) -> _Clips:
        """The clips at ``positions``."""
        ...


def clip_features(
    model: torch.nn.Module,
    clips: _Clips,
    data_cfg: Any,
    device: torch.device,
    batch: int = 256,
    stop: threading.Event | None = None,
) -> np.ndarray:
    """Features (:meth:`models.ms2l.MS2L.classify`) of every clip, ``(N, D)`` float32.

    Raises:
        InterruptedError: If ``stop`` was set.
    """
    was_training = model.training
    model.eval()
    out = []
    try:
        for start in range(0, len(clips), batch):
            if stop is not None and stop.is_set():
                raise InterruptedError("novelty fit cancelled")
            pos = np.arange(start, min(start + batch, len(clips)))
            x, lengths, _ = clips.batch(pos, data_cfg)
            with torch.no_grad():
                _, feats = model.classify(x.to(device), lengths.to(device))  # type: ignore[operator]
            out.append(feats.float().cpu().numpy())
    finally:
        model.train(was_training)
    return np.concatenate(out) if out else np.zeros((0, 0), np.float32)


def fit_clips(
    model: torch.nn.Module,
    clips: _Clips,
    data_cfg: Any,
    device: torch.device,
    percentile: float = DEFAULT_PERCENTILE,
    stop: threading.Event | None = None,
) -> Novelty:
    """:func:`fit` on the labelled clips of a set, with ``model``'s features.

    Raises:
        ValueError: See :func:`fit` (too few labelled clips, a class without clips).
        InterruptedError: If ``stop`` was set.
    """
    check_percentile(percentile)
    keep = np.flatnonzero(np.asarray(clips.labels) >= 0)
    labels = np.asarray(clips.labels)[keep]
    feats = clip_features(model, clips.subset(keep), data_cfg, device, stop=stop)
    return fit(feats, labels, percentile)
