"""From a dataset's clip store to model batches: the one preprocessing path of the engine.

A clip goes through the same steps at training and at inference time:
convert to the model's layout (when it differs from the dataset's) -> pad/cut the body
axis to ``M`` -> :func:`core.preprocess.normalise_clip` (centre, view-align, scale) ->
[training only: :func:`core.preprocess.augment`] -> fit to ``T`` frames
(:func:`core.preprocess.resample`, or :func:`core.preprocess.pad_time` keeping the true
length). :func:`prepare_clip` and :func:`fit_time` are those steps; the Predictor calls
them too. Normalised clips are computed once when the data is loaded and kept in memory;
without augmentation the whole split is stacked into one tensor once.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from core import preprocess
from core.datasets.cache import ClipStore
from core.skeleton import convert, get_layout
from core.training.config import DataConfig


def prepare_clip(
    raw: np.ndarray, src_layout: str, layout: str, num_bodies: int, cfg: DataConfig
) -> np.ndarray:
    """Normalise one raw clip for the model (every step but augmentation and timing).

    Args:
        raw: ``(t, M', V', 3)`` camera-space clip in layout ``src_layout``.
        src_layout: Layout of ``raw``.
        layout: Layout the model sees.
        num_bodies: Bodies ``M`` the model sees.
        cfg: Data settings (``align``, ``scale``, ``joints``, ``root_motion``).

    Returns:
        ``(t, M, V, 3)`` float32 normalised clip.

    Raises:
        ValueError: If the clip is not 4-D, or its joints do not match ``src_layout``.
    """
    x = np.asarray(raw, dtype=np.float32)
    if x.ndim != 4 or x.shape[-1] != 3 or x.shape[0] < 1:
        raise ValueError(
            f"expected a clip (T, M, V, 3) with T >= 1, got shape {x.shape}"
        )
    x = preprocess.sanitize(x)
    if src_layout != layout:
        x = convert(x, src_layout, layout)
    elif x.shape[2] != get_layout(layout).num_joints:
        raise ValueError(
            f"clip has {x.shape[2]} joints, layout {layout!r} has "
            f"{get_layout(layout).num_joints}"
        )
    x = preprocess.pad_bodies(x, num_bodies)
    return preprocess.normalise_clip(
        x,
        layout,
        align=cfg.align,
        scale=cfg.scale,
        joints=cfg.joints,
        root_motion=cfg.root_motion,
    )


def fit_time(x: np.ndarray, cfg: DataConfig) -> tuple[np.ndarray, int]:
    """Fit a normalised clip to ``cfg.frames`` frames.

    Returns:
        ``((T, M, V, 3) float32, valid frames)``: resampled (valid = T) or zero-padded /
        cut (valid = min(t, T)), by ``cfg.time_mode``.
    """
    if cfg.time_mode == "resample":
        return preprocess.resample(x, cfg.frames), cfg.frames
    y, n = preprocess.pad_time(x, cfg.frames)
    return y, max(n, 1)


@dataclass
class ClipSet:
    """Normalised clips of one split, kept in memory.

    Attributes:
        clips: ``(t_i, M, V, 3)`` float32 normalised clips.
        labels: int64 ``(N,)``; -1 where the label is not used.
        names: Clip names.
        store_index: Position of each clip in the store.
    """

    clips: list[np.ndarray]
    labels: np.ndarray
    names: list[str]
    store_index: np.ndarray
    _fixed: tuple[torch.Tensor, torch.Tensor] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.clips)

    def subset(self, positions: np.ndarray) -> ClipSet:
        """The clips at ``positions`` (a new set)."""
        positions = np.asarray(positions, dtype=np.int64)
        return ClipSet(
            [self.clips[i] for i in positions],
            self.labels[positions].copy(),
            [self.names[i] for i in positions],
            self.store_index[positions].copy(),
        )

    def batch(
        self,
        positions: Sequence[int] | np.ndarray,
        cfg: DataConfig,
        seed: tuple[int, ...] | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Model input for some clips.

        Args:
            positions: Which clips.
            cfg: Data settings (frames, time mode, augmentation).
            seed: Augment with generators seeded ``(*seed, store_index)`` per clip (so a
                clip's augmentation depends only on the seed and the clip); ``None`` = no
                augmentation.

        Returns:
            ``(x (B, T, M, V, 3) float32, lengths (B,) int64, labels (B,) int64)``.
        """
        positions = np.asarray(positions, dtype=np.int64)
        labels = torch.from_numpy(self.labels[positions])
        if seed is None or not cfg.augment.enabled:
            x, lengths = self._fixed_tensor(cfg)
            idx = torch.from_numpy(positions)
            return x[idx], lengths[idx], labels
        xs, ls = [], []
        for i in positions:
            rng = np.random.default_rng([*seed, int(self.store_index[i])])
            y, n = fit_time(preprocess.augment(self.clips[i], rng, cfg.augment), cfg)
            xs.append(y)
            ls.append(n)
        return (
            torch.from_numpy(np.stack(xs)),
            torch.tensor(ls, dtype=torch.int64),
            labels,
        )

    def _fixed_tensor(self, cfg: DataConfig) -> tuple[torch.Tensor, torch.Tensor]:
        if self._fixed is None:
            fitted = [fit_time(c, cfg) for c in self.clips]
            x = torch.from_numpy(np.stack([f[0] for f in fitted]))
            lengths = torch.tensor([f[1] for f in fitted], dtype=torch.int64)
            self._fixed = (x, lengths)
        return self._fixed


@dataclass
class PreparedData:
    """The data of one run.

    Attributes:
        train: Training clips (labels -1 outside the labelled subset).
        test: Test clips.
        class_names: Class names in label order.
        layout: Layout the model sees.
        num_bodies: Bodies the model sees.
        fps: Frame rate of the dataset.
        window_seconds: Median training-clip duration in seconds.
        labelled: Positions in ``train`` whose labels are used.
    """

    train: ClipSet
    test: ClipSet
    class_names: list[str]
    layout: str
    num_bodies: int
    fps: float
    window_seconds: float
    labelled: np.ndarray


def open_dataset_store(
    cfg: DataConfig, on_event: Callable[[object], None] | None = None
) -> ClipStore:
    """Open (building if needed) the clip store of ``cfg.dataset`` at ``cfg.root``.

    Args:
        cfg: Data settings (dataset, root, cache folder).
        on_event: Receives the cache build events.

    Returns:
        The opened store.

    Raises:
        ValueError: If no dataset root is given.
        KeyError: If the dataset is unknown.
        FileNotFoundError: If the root does not exist.
    """
    from core.datasets.base import get_reader
    from core.datasets.cache import open_store

    get_reader(cfg.dataset)  # unknown names fail here, with the known ones listed
    if not cfg.root:
        raise ValueError(f"no data root given for dataset {cfg.dataset!r} (--root)")
    root = Path(cfg.root).expanduser()
    if not root.exists():
        raise FileNotFoundError(f"{root}: dataset root not found")
    cache = Path(cfg.cache_dir).expanduser() if cfg.cache_dir else None
    return open_store(cfg.dataset, root, cache, on_event)


# Where each dataset usually sits inside a shared data folder (``$MS2L_DATA``).
DATA_SUBPATHS: dict[str, str] = {
    "nw-ucla": "nw-ucla/all_sqe.zip",
    "ntu60": "ntu",
    "ntu120": "ntu",
    "pkummd1": "pkummd",
    "pkummd2": "pkummd",
}


def resolve_data_root(cfg: DataConfig) -> DataConfig:
    """The data settings with a root that exists, for evaluating a saved run.

    A run folder records the root it was trained from, which may not exist on this
    machine or from this working directory. Then ``$MS2L_DATA`` joined with the
    dataset's usual sub-path (:data:`DATA_SUBPATHS`) is tried; nothing else is guessed.

    Args:
        cfg: The run's data settings.

    Returns:
        ``cfg`` itself when its root exists, else a copy with the ``$MS2L_DATA`` root.

    Raises:
        FileNotFoundError: If neither exists; the message suggests ``--root``.
    """
    if cfg.root and Path(cfg.root).expanduser().exists():
        return cfg
    tried = [cfg.root] if cfg.root else []
    shared = os.environ.get("MS2L_DATA", "")
    sub = DATA_SUBPATHS.get(cfg.dataset)
    if shared and sub:
        candidate = Path(shared).expanduser() / sub
        if candidate.exists():
            return dataclasses.replace(cfg, root=str(candidate))
        tried.append(f"{candidate} (from $MS2L_DATA)")
    where = ", ".join(tried) if tried else "no root recorded"
    raise FileNotFoundError(
        f"{cfg.dataset} dataset not found ({where}); give its location with --root "
        "or set MS2L_DATA to the folder holding it"
    )


def load_split(
    cfg: DataConfig,
    split: str,
    layout: str,
    num_bodies: int,
    store: ClipStore | None = None,
) -> ClipSet:
    """Load and normalise one split (``"train"`` or ``"test"``) of the configured dataset.

    Args:
        cfg: Data settings.
        split: ``"train"`` or ``"test"``.
        layout: Layout the model sees.
        num_bodies: Bodies the model sees.
        store: An open store (opened from ``cfg`` when ``None``).

    Returns:
        The split's normalised clips.

    Raises:
        KeyError: If the split or protocol is unknown.
    """
    from core.datasets.splits import split_indices

    store = store if store is not None else open_dataset_store(cfg)
    splits = split_indices(cfg.dataset, cfg.protocol, store.metas)
    if split not in splits:
        raise KeyError(f"unknown split {split!r}; known: {sorted(splits)}")
    idx = splits[split]
    if cfg.max_clips:
        idx = _spread(idx, store.labels[idx], cfg.max_clips)
    clips = [
        prepare_clip(store[int(i)], store.layout, layout, num_bodies, cfg) for i in idx
    ]
    return ClipSet(
        clips, store.labels[idx].copy(), [store.names[int(i)] for i in idx], idx
    )


def _spread(idx: np.ndarray, labels: np.ndarray, limit: int) -> np.ndarray:
    """At most ``limit`` indices, taken round-robin over classes (deterministic)."""
    if len(idx) <= limit:
        return idx
    groups = [list(idx[labels == c]) for c in np.unique(labels)]
    out: list[int] = []
    while len(out) < limit:
        for g in groups:
            if g and len(out) < limit:
                out.append(g.pop(0))
    return np.sort(np.array(out, dtype=np.int64))


def load_data(
    cfg: DataConfig, seed: int, on_event: Callable[[object], None] | None = None
) -> PreparedData:
    """Load the training and test clips of a run, normalised, with the labelled subset.

    Args:
        cfg: Data settings.
        seed: Seed of the labelled subset.
        on_event: Receives clip-cache build events.

    Returns:
        The prepared data.

    Raises:
        ValueError: If the training split is empty, has no labels where labels are needed,
            or the labelled subset would be empty.
    """
    from core.datasets.splits import labelled_subset

    store = open_dataset_store(cfg, on_event)
    layout = cfg.layout or store.layout
    get_layout(layout)
    num_bodies = cfg.num_bodies or store.num_bodies
    train = load_split(cfg, "train", layout, num_bodies, store)
    test = load_split(cfg, "test", layout, num_bodies, store)
    if len(train) == 0:
        raise ValueError(f"{cfg.dataset} {cfg.protocol}: the training split is empty")
    has_label = np.flatnonzero(train.labels >= 0)
    labelled = has_label
    if cfg.label_fraction < 1.0 and has_label.size:
        labelled = has_label[
            labelled_subset(train.labels[has_label], cfg.label_fraction, seed)
        ]
    hidden = np.setdiff1d(np.arange(len(train)), labelled)
    train.labels[hidden] = -1
    durations = np.array([c.shape[0] for c in train.clips], dtype=np.float64)
    return PreparedData(
        train=train,
        test=test,
        class_names=list(store.class_names),
        layout=layout,
        num_bodies=num_bodies,
        fps=float(store.fps),
        window_seconds=float(np.median(durations) / store.fps),
        labelled=labelled,
    )
