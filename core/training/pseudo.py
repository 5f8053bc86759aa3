"""Self-training: labels for unlabelled training clips from an earlier model.

A run with ``DataConfig.pseudo_labels_from`` (``ms2l train --pseudo-labels RUN``) asks a
trained classifier (the *teacher*, typically a fine-tuned run on the same few labels)
for its answers on the training clips whose labels the run does not use, and takes for
every class the ``pseudo_per_class`` clips the teacher is surest about, as if they were
labelled. The teacher reads each clip prepared with its own settings (layout, joint
definition, frames), so it need not share the new run's; it must be a classifying run
of the same dataset and protocol (another protocol's teacher may have learnt the labels
of this run's validation clips). The clips picked and their classes are written into
the run's config when it starts (``DataConfig.pseudo_clips`` / ``pseudo_actions``): a
resumed run reads them there, whatever has become of the teacher since.

Under ``torchrun`` every process asks the teacher itself, on the CPU, with the same
weights and clips, so on one machine all draw the same labels.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import torch

from core import runs
from core.config import USES_CLS, DataConfig
from core.model_input import fit_time, prepare_clip
from core.training.events import DataProgress

# Clips the teacher reads per forward pass.
_BATCH = 128


@dataclasses.dataclass(frozen=True)
class PseudoLabels:
    """The teacher's pick.

    Attributes:
        positions: Positions (in the training split) of the clips given a label.
        labels: Their labels (the teacher's answers), int64.
        confidence: The teacher's probability of each answer (NaN when read back
            from a resumed run's config).
    """

    positions: np.ndarray
    labels: np.ndarray
    confidence: np.ndarray


class RawClips(Protocol):
    """A dataset's clip store as the teacher reads it (:class:`ClipStore`)."""

    layout: str
    class_names: list[str]

    def __getitem__(self, index: int) -> np.ndarray: ...


def teacher(run_dir: str | Path, dataset: str, protocol: str) -> runs.RunInfo:
    """The teacher run, checked: a classifying run of ``dataset`` and ``protocol``.

    Cheap (it reads the config, not the weights): a new run checks it before any work.

    Raises:
        FileNotFoundError, ValueError: Naming the folder and the problem.
    """
    info = runs.read_run(run_dir)
    cfg = info.config
    if cfg.strategy.name not in USES_CLS:
        raise ValueError(
            f"{info.run_dir}: a '{cfg.strategy.name}' run has no trained classifier; "
            "pseudo-labels need a run that classifies (finetune, linear, scratch, ...)"
        )
    if (cfg.data.dataset, cfg.data.protocol) != (dataset, protocol):
        raise ValueError(
            f"{info.run_dir}: trained on {cfg.data.dataset} {cfg.data.protocol}, this "
            f"run is {dataset} {protocol}; a teacher of another protocol may have "
            "learnt the labels of this run's validation clips"
        )
    return info


def label_note(info: runs.RunInfo, data: DataConfig, seed: int) -> str:
    """A note when the teacher learnt other labels than the run keeps (``""`` if
    not): its answers on the run's unlabelled clips may then carry their true labels."""
    mine = (data.label_fraction, data.labels_per_class, seed)
    t = info.config
    theirs = (t.data.label_fraction, t.data.labels_per_class, t.run.seed)
    if mine == theirs:
        return ""
    if t.data.labels_per_class:
        what = f"{t.data.labels_per_class} per class"
    elif t.data.label_fraction < 1:
        what = f"{100 * t.data.label_fraction:g} %"
    else:
        what = "every label"
    return (
        f"note: the teacher {info.run_dir} learnt other labels than this run keeps "
        f"({what}, seed {t.run.seed}): its answers on this run's unlabelled clips may "
        "carry their true labels"
    )


def teacher_probabilities(
    info: runs.RunInfo,
    store: RawClips,
    indices: np.ndarray,
    stop: threading.Event | None = None,
) -> Generator[DataProgress, None, np.ndarray | None]:
    """The teacher's class probabilities for some clips of a store, ``(N, K)`` float32
    (``None`` when ``stop`` was set: the caller cancels).

    Args:
        info: The teacher (:func:`teacher`).
        store: The dataset's clips (camera space, the store's layout).
        indices: Which clips of the store.
        stop: Cancels between batches.

    Raises:
        FileNotFoundError, ValueError: The teacher's weights are missing or corrupt, or
            its classes are not the dataset's (the message names it).
    """
    class_names = list(store.class_names)
    if info.labels != class_names:
        raise ValueError(
            f"{info.run_dir}: its classes ({len(info.labels)}: "
            f"{', '.join(info.labels[:4])}{', ...' if len(info.labels) > 4 else ''}) "
            f"are not this dataset's ({len(class_names)}: "
            f"{', '.join(class_names[:4])}{', ...' if len(class_names) > 4 else ''}); "
            "pseudo-labels need a model trained on the same classes"
        )
    model = runs.load_model(info).eval()
    data = info.config.data
    out = []
    with torch.no_grad():
        for start in range(0, len(indices), _BATCH):
            if stop is not None and stop.is_set():
                return None
            xs, lengths = [], []
            for i in indices[start : start + _BATCH]:
                raw = store[int(i)]
                clip = prepare_clip(
                    raw, store.layout, info.layout, info.num_bodies, data
                )
                x, n = fit_time(clip, data)
                xs.append(x)
                lengths.append(n)
            logits = model(
                torch.from_numpy(np.stack(xs)), torch.tensor(lengths, dtype=torch.int64)
            )
            out.append(torch.softmax(logits.float(), dim=1).numpy())
            yield DataProgress("pseudo-labelling", start + len(xs), len(indices))
    if not out:
        return np.zeros((0, len(class_names)), dtype=np.float32)
    return np.concatenate(out).astype(np.float32)


def pick(
    probabilities: np.ndarray, candidates: np.ndarray, per_class: int
) -> PseudoLabels:
    """For every class, the ``per_class`` candidates the teacher is surest about.

    A clip counts for the class of its top answer only; a class the teacher gives to
    fewer clips gets all of them. Ties go to the earlier clip.

    Args:
        probabilities: ``(N, K)`` probabilities of the candidates.
        candidates: ``(N,)`` positions of the candidates in the training split.
        per_class: Clips per class.
    """
    answer = probabilities.argmax(axis=1) if len(probabilities) else np.zeros(0, int)
    confidence = (
        probabilities[np.arange(len(answer)), answer] if len(answer) else np.zeros(0)
    )
    chosen: list[int] = []
    for c in range(probabilities.shape[1]):
        mine = np.flatnonzero(answer == c)
        order = np.argsort(-confidence[mine], kind="stable")
        chosen.extend(mine[order[:per_class]].tolist())
    rows = np.array(sorted(chosen), dtype=np.int64)
    return PseudoLabels(
        positions=np.asarray(candidates, dtype=np.int64)[rows],
        labels=answer[rows].astype(np.int64),
        confidence=confidence[rows].astype(np.float32),
    )


def saved(
    clips: Sequence[str],
    actions: Sequence[str],
    names: Sequence[str],
    candidates: np.ndarray,
    class_names: Sequence[str],
) -> PseudoLabels:
    """The pick a run made when it started, read back from its config.

    Args:
        clips: ``DataConfig.pseudo_clips``: the clips' names.
        actions: ``DataConfig.pseudo_actions``: their classes' names.
        names: Names of the training split's clips.
        candidates: Positions of the clips whose labels the run does not use.
        class_names: The dataset's classes.

    Raises:
        ValueError: If a clip is no longer an unlabelled training clip of the dataset,
            or a class is not the dataset's.
    """
    where = {names[int(p)]: int(p) for p in candidates}
    index = {name: i for i, name in enumerate(class_names)}
    positions, labels = [], []
    for clip, action in zip(clips, actions, strict=True):
        if clip not in where or action not in index:
            raise ValueError(
                f"the run's pseudo-labelled clip {clip!r} ({action}) is no longer an "
                "unlabelled training clip of the dataset; start a new run"
            )
        positions.append(where[clip])
        labels.append(index[action])
    order = np.argsort(positions, kind="stable")
    return PseudoLabels(
        positions=np.asarray(positions, dtype=np.int64)[order],
        labels=np.asarray(labels, dtype=np.int64)[order],
        confidence=np.full(len(positions), np.nan, dtype=np.float32),
    )


def summary(
    run_dir: str,
    picked: PseudoLabels,
    per_class: int,
    classes: np.ndarray,
    num_candidates: int,
    true_labels: np.ndarray,
) -> str:
    """The run-log line of a pick: how many clips, how sure, and (where the dataset has
    labels for them, which training never reads) how many are right.

    Args:
        classes: The classes of the run's labelled clips (those a shortfall counts for).
        true_labels: The dataset's labels of the picked clips (-1 where it has none).
    """
    counts = np.bincount(picked.labels, minlength=int(max(classes, default=-1)) + 1)
    short = int((counts[classes] < per_class).sum())
    text = (
        f"pseudo-labels from {run_dir}: {len(picked.positions)} of {num_candidates} "
        f"unlabelled training clips, up to {per_class} per class"
    )
    if short:
        text += f" ({short} of {len(classes)} classes have fewer)"
    sure = picked.confidence[np.isfinite(picked.confidence)]
    if len(sure):
        text += f", teacher's confidence {float(sure.min()):.2f}-1"
    elif len(picked.positions):
        text += ", as picked when the run started"
    known = true_labels >= 0
    if known.any():
        right = float((true_labels[known] == picked.labels[known]).mean())
        text += (
            f"; {100 * right:.1f} % of them agree with the dataset's own labels "
            "(not used in training)"
        )
    return text
