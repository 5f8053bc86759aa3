"""Evaluation protocols (train/test splits) and seeded class-balanced labelled subsets.

Splits are decided from each clip's metadata, as the protocols define them:

- NW-UCLA ``xview``: views 1 and 2 train, view 3 test (1020 / 464 clips);
  ``xview-val``: view 1 trains and view 2 validates (view 3 unused), for choosing a
  recipe inside the training views.
- NTU RGB+D 60 ``xsub``: the 20 training performers below; ``xview``: cameras 2 and 3
  train, camera 1 test.
- NTU RGB+D 120 ``xsub``: the 53 training performers below; ``xset``: even setup ids
  train, odd test.
- PKU-MMD ``xsub`` / ``xview``: the official split files ("Training videos:" /
  "Validataion videos:"), which the reader records in each clip's ``meta["splits"]``.
- ``custom`` (the user's recordings) ``recording`` / ``subject``: a seeded share of the
  recordings (or subjects) of every action validates, the rest trains
  (:func:`core.datasets.custom.split_custom`).

The semi-supervised subsets (1 %, 10 %) draw the same fraction of every class with a seeded
generator, at least one clip per class, so a fraction and a seed always give the same set.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np

Split = Literal["train", "test"]
Side = Literal["train", "test", "unused"]

PROTOCOLS: dict[str, tuple[str, ...]] = {
    "nw-ucla": ("xview", "xview-val"),
    "ntu60": ("xsub", "xview"),
    "ntu120": ("xsub", "xset"),
    "pkummd1": ("xsub", "xview"),
    "pkummd2": ("xsub", "xview"),
    "custom": ("recording", "subject"),
}
"""Protocols of each dataset; the first is the default."""

PROTOCOL_SUMMARY: dict[tuple[str, str], str] = {
    ("nw-ucla", "xview"): "views 1 and 2 train, view 3 is the test split (the "
    "paper's tables)",
    ("nw-ucla", "xview-val"): "view 1 trains, view 2 validates, view 3 is never read: "
    "choose settings here, then report xview",
    ("ntu60", "xsub"): "20 performers train, the other 20 are the test split",
    ("ntu60", "xview"): "cameras 2 and 3 train, camera 1 is the test split",
    ("ntu120", "xsub"): "53 performers train, the others are the test split",
    ("ntu120", "xset"): "even setups train, odd setups are the test split",
    ("pkummd1", "xsub"): "the official cross-subject split files",
    ("pkummd1", "xview"): "the official cross-view split files",
    ("pkummd2", "xsub"): "the official cross-subject split files",
    ("pkummd2", "xview"): "the official cross-view split files",
    ("custom", "recording"): "a seeded share of every action's recordings validates",
    ("custom", "subject"): "a seeded share of every action's subjects validates",
}
"""One line per protocol, for the Train panel's list."""

NTU60_TRAIN_SUBJECTS: frozenset[int] = frozenset(
    (1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28, 31, 34, 35, 38)
)
"""Performers of the NTU RGB+D 60 cross-subject training set (Shahroudy et al. 2016)."""

NTU120_TRAIN_SUBJECTS: frozenset[int] = NTU60_TRAIN_SUBJECTS | frozenset(
    (45, 46, 47, 49, 50, 52, 53, 54, 55, 56, 57, 58, 59, 70, 74, 78, 80, 81, 82, 83,
     84, 85, 86, 89, 91, 92, 93, 94, 95, 97, 98, 100, 103)
)  # fmt: skip
"""Performers of the NTU RGB+D 120 cross-subject training set (Liu et al. 2019)."""

NTU60_TRAIN_CAMERAS: frozenset[int] = frozenset((2, 3))
"""Cameras of the NTU RGB+D 60 cross-view training set (camera 1 is the test view)."""

UCLA_TRAIN_VIEWS: frozenset[int] = frozenset((1, 2))
"""NW-UCLA cross-view training views (view 3 is the test view)."""

UCLA_VAL_PROTOCOL: dict[int, Split | None] = {1: "train", 2: "test", 3: None}
"""NW-UCLA ``xview-val``: a validation protocol inside the training views (view 1
trains, view 2 validates, view 3 is left out), for choosing a recipe without ever
looking at the test view."""


def held_out_name(dataset: str, protocol: str) -> str:
    """What the held-out side (the ``"test"`` split) of a protocol is to a reader:
    ``"validation"`` for a custom dataset (it has no test set) and the ``*-val``
    protocols (chosen inside the training data), else ``"test"``."""
    return "validation" if dataset == "custom" or protocol.endswith("-val") else "test"


def protocols(dataset: str) -> tuple[str, ...]:
    """Protocol names a dataset supports.

    Raises:
        KeyError: If the dataset is unknown.
    """
    try:
        return PROTOCOLS[dataset]
    except KeyError:
        raise KeyError(
            f"no protocols for dataset {dataset!r}; known: {sorted(PROTOCOLS)}"
        ) from None


def split_of(dataset: str, protocol: str, meta: Mapping[str, Any]) -> Side:
    """Which side of a protocol a clip is on.

    Args:
        dataset: Dataset name (``"nw-ucla"``, ``"ntu60"``, ...).
        protocol: One of :func:`protocols` of the dataset.
        meta: The clip's metadata as its reader wrote it.

    Returns:
        ``"train"``, ``"test"`` or ``"unused"`` (a clip the protocol leaves out, e.g.
        view 3 under ``xview-val``).

    Raises:
        KeyError: If the dataset or protocol is unknown, the metadata lacks what the
            protocol needs (for PKU-MMD: the official split files were not found), or
            the dataset is ``custom`` (its split depends on every clip: use
            :func:`split_indices`).
    """
    if dataset == "custom":
        raise KeyError("custom datasets are split as a whole: use split_indices")
    if protocol not in protocols(dataset):
        raise KeyError(
            f"{dataset} has no protocol {protocol!r}; known: {', '.join(protocols(dataset))}"
        )
    try:
        if dataset == "nw-ucla" and protocol == "xview-val":
            side = UCLA_VAL_PROTOCOL[int(meta["view"])]
            return "unused" if side is None else side
        if dataset == "nw-ucla":
            train = int(meta["view"]) in UCLA_TRAIN_VIEWS
        elif dataset in ("ntu60", "ntu120") and protocol == "xsub":
            subjects = (
                NTU60_TRAIN_SUBJECTS if dataset == "ntu60" else NTU120_TRAIN_SUBJECTS
            )
            train = int(meta["performer"]) in subjects
        elif protocol == "xview" and dataset == "ntu60":
            train = int(meta["camera"]) in NTU60_TRAIN_CAMERAS
        elif protocol == "xset":
            train = int(meta["setup"]) % 2 == 0
        else:  # PKU-MMD: decided by the official files, recorded by the reader
            side = meta["splits"][protocol]
            if side not in ("train", "test"):
                raise KeyError(protocol)
            return side
    except (KeyError, TypeError):
        raise KeyError(_unplaced_problem(dataset, protocol, meta)) from None
    return "train" if train else "test"


def _unplaced_problem(dataset: str, protocol: str, meta: Mapping[str, Any]) -> str:
    """Why a clip's metadata does not place it under a protocol (no dump of it)."""
    if dataset.startswith("pkummd"):
        return (
            f"{dataset} {protocol}: sequence {meta.get('sequence', '?')} is in no "
            "official split file; PKU-MMD's split files (cross-subject.txt, "
            "cross-view.txt) must be in <root>/split"
        )
    needed = {"nw-ucla": "the view (v01-v03 in the file name)"}.get(
        dataset,
        {
            "xsub": "the performer (Pxxx in the file name)",
            "xview": "the camera (Cxxx in the file name)",
            "xset": "the setup (Sxxx in the file name)",
        }.get(protocol, "what the protocol needs"),
    )
    return f"{dataset} {protocol}: a clip's metadata lacks {needed}"


def split_indices(
    dataset: str,
    protocol: str,
    metas: Sequence[Mapping[str, Any]],
    unplaced: list[int] | None = None,
    *,
    val_fraction: float = 0.2,
    seed: int = 0,
    held_out: Sequence[str] = (),
    labels_file: str | os.PathLike[str] | None = None,
) -> dict[Split, np.ndarray]:
    """Indices of the training and test clips (clips the protocol leaves out are in neither).

    Args:
        dataset: Dataset name.
        protocol: Protocol name.
        metas: Metadata of every clip, in store order.
        unplaced: When given, a clip whose metadata lacks what the protocol needs is
            left out of both sides and its index appended here, instead of failing the
            whole dataset (unless no clip at all can be placed).
        val_fraction: Custom datasets only: share of recordings (or subjects) held out
            for validation, per action (see :func:`core.datasets.custom.split_custom`).
        seed: Custom datasets only: seed of that draw.
        held_out: Custom datasets only: the units a run recorded as validating,
            used instead of the draw.
        labels_file: Custom datasets only: its ``labels.csv``, as errors name it.

    Returns:
        ``{"train": int64 (N_train,), "test": int64 (N_test,)}``, each ascending; clips
        the protocol leaves out are in neither.

    Raises:
        KeyError: As :func:`split_of`: an unknown dataset or protocol, or a clip the
            protocol cannot place (with ``unplaced``: only when none can be placed).
    """
    if dataset == "custom":
        from core.datasets.custom import LABELS_FILE, split_custom

        if protocol not in protocols(dataset):
            raise KeyError(
                f"{dataset} has no protocol {protocol!r}; known: {', '.join(protocols(dataset))}"
            )
        return split_custom(
            metas, protocol, val_fraction, seed, held_out, labels_file or LABELS_FILE
        )
    sides: list[Side | None] = []
    first_error: KeyError | None = None
    for m in metas:
        try:
            sides.append(split_of(dataset, protocol, m))
        except KeyError as exc:
            if unplaced is None or protocol not in protocols(dataset):
                raise
            first_error = first_error or exc
            sides.append(None)
    if first_error is not None:
        if all(side is None for side in sides):
            raise first_error
        assert unplaced is not None  # errors are only collected when it is given
        unplaced.extend(i for i, side in enumerate(sides) if side is None)
    return {
        side: np.array([i for i, s in enumerate(sides) if s == side], dtype=np.int64)
        for side in ("train", "test")
    }


def labelled_subset(
    labels: Sequence[int] | np.ndarray, fraction: float, seed: int = 0
) -> np.ndarray:
    """A seeded, class-balanced subset: ``fraction`` of every class, at least one each.

    Args:
        labels: Label of every candidate clip (``(N,)``, 0-based).
        fraction: Share to keep, in ``(0, 1]`` (0.01 and 0.1 in the paper's tables).
        seed: Seed of the generator; the same labels, fraction and seed give the same set.

    Returns:
        Ascending int64 positions into ``labels`` (``(K,)``).

    Raises:
        ValueError: If ``fraction`` is not in ``(0, 1]`` or a label is negative.
    """
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    labels = np.asarray(labels, dtype=np.int64)
    if labels.size and labels.min() < 0:
        raise ValueError("labelled_subset needs labelled clips (labels >= 0)")
    rng = np.random.default_rng(seed)
    chosen: list[np.ndarray] = []
    for cls in np.unique(labels):
        members = np.flatnonzero(labels == cls)
        k = max(1, int(round(fraction * members.size)))
        chosen.append(rng.choice(members, size=min(k, members.size), replace=False))
    if not chosen:
        return np.zeros(0, dtype=np.int64)
    return np.sort(np.concatenate(chosen)).astype(np.int64)


def per_class_subset(
    labels: Sequence[int] | np.ndarray, k: int, seed: int = 0
) -> np.ndarray:
    """A seeded few-shot subset: ``k`` clips of every class (all of a smaller class).

    Args:
        labels: Label of every candidate clip (``(N,)``, 0-based).
        k: Clips per class, ``>= 1``.
        seed: Seed of the draw; the same labels, ``k`` and seed give the same set, and
            a larger ``k`` with the same seed does not keep the smaller draw.

    Returns:
        Ascending int64 positions into ``labels`` (``(<= k * classes,)``).

    Raises:
        ValueError: If ``k < 1`` or a label is negative.
    """
    if k < 1:
        raise ValueError(f"clips per class must be >= 1, got {k}")
    labels = np.asarray(labels, dtype=np.int64)
    if labels.size and labels.min() < 0:
        raise ValueError("per_class_subset needs labelled clips (labels >= 0)")
    rng = np.random.default_rng(seed)
    chosen = [
        rng.choice(members, size=min(k, members.size), replace=False)
        for members in (np.flatnonzero(labels == c) for c in np.unique(labels))
    ]
    if not chosen:
        return np.zeros(0, dtype=np.int64)
    return np.sort(np.concatenate(chosen)).astype(np.int64)
