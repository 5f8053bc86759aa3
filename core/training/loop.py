"""The training loop: ``run(cfg, stop)`` yields events while it trains one run.

Everything that can be wrong with the input (unknown dataset or strategy, missing or
corrupt run folder, a checkpoint that does not fit, an empty labelled subset) raises
before the first batch. Then, per epoch: a seeded order of the training clips, batches
augmented with per-clip seeded generators, pretext views drawn from a per-step seeded
generator, one optimiser step per batch (AMP on CUDA), the stop flag checked before every
batch, validation on the test split, ``last.pt`` (resume state) and ``weights.pt`` (best
or last) written atomically. Because every random choice is a function of the seed, the
epoch and the step, a resumed run repeats exactly what an uninterrupted one would do.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import math
import os
import shlex
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from core import runs
from core.commands.paths import check_output_folder
from core.config import TrainConfig, validate
from core.datasets.splits import held_out_name
from core.device import resolve_device
from core.fileio import atomic_write_text
from core.filelock import FileLock
from core.inference.novelty import NOVELTY_FILE
from core.labels import class_change
from core.paths import CHECKPOINTS_DIR, default_runs_dir
from core.tempfiles import is_stale, remove_stale
from core.text import count
from core.training import distributed
from core.training.data import ClipSet, LoadCancelled, PreparedData, load_data
from core.training.divergence import DivergenceWatch
from core.training.events import (
    BatchDone,
    CheckpointSaved,
    EpochDone,
    Event,
    Log,
    RunFinished,
    RunStarted,
)
from core.training.strategies import (
    describe,
    freezes_encoder,
    init_from_run,
    loss_weights,
    uses_cls,
    uses_ssl,
)
from models.ms2l import MS2L
from models.objective import Objective
from models.pretext import PretextBatch, make_pretext


def lr_at(
    cfg: TrainConfig, global_step: int, epoch: int, total_steps: int = 0
) -> float:
    """Learning rate of a step.

    ``"step"``: decay by ``lr_gamma`` every ``lr_step`` units, floored at ``min_lr``.
    ``"cosine"``: ``min_lr + (lr - min_lr) * (1 + cos(pi * step / total_steps)) / 2``.

    Args:
        cfg: The run's config.
        global_step: Optimiser steps taken before this one (0-based).
        epoch: The current epoch (1-based).
        total_steps: Steps of the whole run (needed by ``"cosine"``).
    """
    o = cfg.optim
    if o.lr_schedule == "cosine":
        floor = min(o.min_lr, o.lr)
        frac = min(1.0, global_step / max(1, total_steps))
        return floor + (o.lr - floor) * 0.5 * (1.0 + math.cos(math.pi * frac))
    if o.lr_step <= 0:
        return o.lr
    units = global_step if o.lr_step_unit == "iter" else epoch - 1
    return max(min(o.min_lr, o.lr), o.lr * o.lr_gamma ** (units // o.lr_step))


def param_groups(model: nn.Module, encoder_lr_scale: float) -> list[dict[str, Any]]:
    """The optimiser's parameter groups: the encoder's, then the rest (classifier,
    pretext heads), each with the factor (``lr_scale``) its learning rate is given.

    Frozen parameters are left out; an empty group is dropped. One group when the
    encoder keeps the full rate, so runs from before the option keep their layout.
    """
    trainable = [p for p in model.parameters() if p.requires_grad]
    if encoder_lr_scale == 1.0:
        return [{"params": trainable, "lr_scale": 1.0}]
    encoder = {id(p) for p in model.get_submodule("encoder").parameters()}
    groups = [
        {
            "params": [p for p in trainable if id(p) in encoder],
            "lr_scale": encoder_lr_scale,
        },
        {"params": [p for p in trainable if id(p) not in encoder], "lr_scale": 1.0},
    ]
    return [g for g in groups if g["params"]]


def steps_per_epoch(n: int, batch_size: int) -> int:
    """Full batches per epoch (the last partial batch is dropped; one batch if n < B)."""
    return max(1, n // batch_size) if n else 0


@torch.no_grad()
def predict_logits(
    model: nn.Module,
    clips: ClipSet,
    cfg: TrainConfig,
    device: torch.device,
    batch: int = 256,
) -> np.ndarray:
    """Classifier logits of every clip in a set, ``(N, K)`` float32 (no augmentation)."""
    was_training = model.training
    model.eval()
    out = []
    for start in range(0, len(clips), batch):
        pos = np.arange(start, min(start + batch, len(clips)))
        x, lengths, _ = clips.batch(pos, cfg.data)
        out.append(model(x.to(device), lengths.to(device)).float().cpu())
    model.train(was_training)
    if not out:
        return np.zeros((0, getattr(model, "num_classes", 0)), dtype=np.float32)
    return torch.cat(out).numpy()


def _new_run_dir(cfg: TrainConfig) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return default_runs_dir() / f"{cfg.data.dataset}-{cfg.strategy.name}-{stamp}"


class RunComplete(ValueError):
    """A finished run was asked to resume without more epochs (it can be extended).

    Attributes:
        done: Epochs trained.
        planned: The run's number of epochs.
    """

    def __init__(self, message: str, done: int, planned: int) -> None:
        super().__init__(message)
        self.done = done
        self.planned = planned


def _settings(cfg: TrainConfig) -> str:
    """A run's config as its checkpoint keeps it (JSON), for :func:`_refuse_edited_settings`."""
    return json.dumps(cfg.to_dict(), sort_keys=True, default=str)


# What a resume may find changed in config.json: the run section (device, threads,
# folder), the epochs it is extended to, and the values the data filled in (a resume
# recomputes them: takes added, a held-out take renamed by Teach).
_RESUME_MAY_CHANGE = (
    "run.", "optim.epochs:", "data.layout:", "data.num_bodies:",
    "data.window_seconds:", "data.held_out:", "data.pseudo_clips:",
    "data.pseudo_actions:",
)  # fmt: skip


def _refuse_edited_settings(run_dir: Path, saved: TrainConfig, stored: object) -> None:
    """Refuse a resume whose ``config.json`` was edited since the run last saved, in a
    setting of the recipe (:meth:`TrainConfig.differences`, which leaves out where the
    data and the start run lie: a moved dataset is resumed by editing its root). A
    checkpoint from before the settings were stored, or whose config no longer reads,
    passes.

    A hand-edited data setting went into the next epochs unsaid: a run whose curve
    spans two data sets (``--max-clips`` as a flag is refused on resume: a trial).
    """
    if not isinstance(stored, str):
        return
    try:
        before = TrainConfig.from_dict(json.loads(stored))
    except (ValueError, TypeError, KeyError):
        return
    changed = [
        d for d in before.differences(saved) if not d.startswith(_RESUME_MAY_CHANGE)
    ]
    if changed:
        raise ValueError(
            f"{run_dir / runs.CONFIG}: edited since the run last saved "
            f"({'; '.join(changed[:3])}): --resume continues a run with its own "
            "settings; put the file back, or start a new run from it (ms2l train "
            f"--config {run_dir / runs.CONFIG})"
        )


def _need_last(run_dir: Path) -> None:
    """Fail, naming the folder, when it has no ``last.pt`` to resume from (the command
    line said only "last.pt: checkpoint file not found", the Train panel this: a
    trial)."""
    if (run_dir / runs.LAST).is_file():
        return
    if (run_dir / runs.WEIGHTS).is_file():  # (a review: "never finished" was false)
        raise FileNotFoundError(
            f"{run_dir}: no {runs.LAST} to resume from: the folder holds a model's "
            f"{runs.WEIGHTS} without its training state (a shipped or exported model, "
            "or a run whose last.pt was deleted); start a new run from it (--init-from "
            f"{shlex.quote(str(run_dir))}, the Train panel's Start from)"
        )
    raise FileNotFoundError(
        f"{run_dir}: no {runs.LAST} to resume from (not a run folder, or one stopped "
        "before it began training)"
    )


def check_resumable(run_dir: str | os.PathLike[str], epochs: int | None = None) -> None:
    """Fail now, naming the folder and the problem, if ``run_dir`` cannot be resumed
    (what :func:`run` would find at its start: for a GUI, before it clears its display).

    Args:
        run_dir: The run folder.
        epochs: Total epochs to extend the run to (as :func:`run`'s ``epochs``).

    Raises:
        FileNotFoundError: If the folder or its files are missing.
        RunComplete: If the run is finished and ``epochs`` is not given.
        ValueError: If they are damaged, ``epochs`` does not extend the run, or
            another process trains it now.
    """
    run_dir = Path(run_dir).expanduser()
    if not run_dir.is_dir():
        raise FileNotFoundError(f"{run_dir}: no such run folder")
    _need_last(run_dir)
    cfg = runs.read_run(run_dir).config
    # (which also refuses a run another process trains)
    _resolve(cfg.replace(run={"run_dir": str(run_dir), "resume": True}), epochs)


def _resolve(
    cfg: TrainConfig, epochs: int | None = None
) -> tuple[TrainConfig, Path, dict[str, Any] | None]:
    """Pick the run folder; on resume, read its config and ``last.pt`` (or fail).

    ``epochs`` (when given) replaces the number of epochs; on resume it must exceed the
    run's saved number (the run is extended).
    """
    if cfg.run.resume:
        if not cfg.run.run_dir:
            raise ValueError("resume needs the run folder (--resume RUN)")
        run_dir = Path(cfg.run.run_dir).expanduser()
        saved = runs.read_run(run_dir).config
        # (one process only: under torchrun two ranks probing the lock at once saw
        # each other as "another process" (a review), and one rank refusing alone
        # left the other waiting; there the lock, taken below, refuses every rank)
        who = None if distributed.launched().enabled else trained_by(run_dir)
        if who is not None:
            # before the epochs: the process training it had already written its
            # extended count, and a second, same --resume --epochs read "must exceed
            # the run's 5 epochs" (a trial)
            raise ValueError(_busy(run_dir, who))
        # What can be done instead: the message alone gave no way on (a trial).
        instead = (
            "; the run cannot resume: start a new run (--init-from "
            f"{run_dir}, the Train panel's Start from, starts one from its weights)"
            if (run_dir / runs.WEIGHTS).is_file()
            else "; the run cannot resume: start it again"
        )
        _need_last(run_dir)
        try:
            state = runs.safe_load(run_dir / runs.LAST)
        except ValueError as exc:
            raise ValueError(f"{exc}{instead}") from None
        if not isinstance(state, dict) or "model" not in state or "epoch" not in state:
            raise ValueError(f"{run_dir / runs.LAST}: not a resume checkpoint{instead}")
        _refuse_edited_settings(run_dir, saved, state.get("settings"))
        run = dataclasses.replace(
            saved.run,
            resume=True,
            run_dir=str(run_dir),
            device=cfg.run.device,
            threads=cfg.run.threads,
            amp=cfg.run.amp,
        )
        resumed = dataclasses.replace(saved, run=run)
        done = int(state["epoch"])
        if epochs is None and done >= saved.optim.epochs:
            raise RunComplete(
                f"{run_dir}: the run is finished ({done} of {saved.optim.epochs} "
                f"epochs), there is nothing to resume; to train it longer, extend it: "
                f"ms2l train --resume {run_dir} --epochs N (N > {saved.optim.epochs}; "
                "from Python, run(cfg, epochs=N))",
                done,
                saved.optim.epochs,
            )
        if epochs is not None:
            if epochs <= saved.optim.epochs:
                raise ValueError(
                    f"{run_dir}: --epochs {epochs} must exceed the run's "
                    f"{saved.optim.epochs} epochs to extend it"
                )
            resumed = resumed.replace(optim={"epochs": epochs})
        return resumed, run_dir, state
    if epochs is not None:
        cfg = cfg.replace(optim={"epochs": epochs})
    run_dir = (
        Path(cfg.run.run_dir).expanduser() if cfg.run.run_dir else _new_run_dir(cfg)
    )
    _refuse_a_held_run(run_dir)
    check_output_folder(run_dir, "run folder")  # a file in the way, before any work
    if runs.in_shipped_folder(run_dir):
        # Every run folder there is offered as a shipped model (the first by name is
        # the default): a trial run would become the app's model.
        raise ValueError(
            f"{run_dir}: inside the shipped models' folder ({CHECKPOINTS_DIR}), which "
            "holds the models that come with the app; choose another run folder"
        )
    if cfg.strategy.name == "scratch" and cfg.strategy.init_from:
        # it loaded the encoder and was recorded and reported as scratch, a baseline
        # that was in fact a fine-tuning (a trial); refused for new runs only, as runs
        # saved so before still open (a review)
        raise ValueError(
            f"strategy 'scratch' trains from random weights, and init_from "
            f"({cfg.strategy.init_from}) would start it from that run's encoder: use "
            "strategy 'finetune' (or leave init_from out)"
        )
    if cfg.strategy.init_from:  # a start that cannot be one, before any work
        runs.read_run(cfg.strategy.init_from)
    if cfg.data.pseudo_labels_from:  # a teacher that cannot be one, before any work
        from core.training.pseudo import teacher

        teacher(cfg.data.pseudo_labels_from, cfg.data.dataset, cfg.data.protocol)
    data_root = Path(cfg.data.root).expanduser().resolve() if cfg.data.root else None
    if data_root is not None and data_root.is_dir():
        where = run_dir.expanduser().resolve()
        if where == data_root or data_root in where.parents:
            raise ValueError(
                f"{run_dir}: inside the dataset folder {cfg.data.root}; the run's files "
                "would be mixed with the data, choose another run folder"
            )
    # Paths are saved absolute so that the run folder means the same thing from any
    # working directory (eval, predict, fine-tuning from it later).
    cfg = cfg.replace(
        run={"run_dir": str(run_dir)},
        # A new run draws its own validation (a config taken from another run carries
        # that run's held-out recordings).
        data={
            "root": _absolute(cfg.data.root),
            "held_out": (),
            "pseudo_labels_from": _absolute(cfg.data.pseudo_labels_from),
            "pseudo_clips": (),  # a config from another run carries its pick
            "pseudo_actions": (),
        },
        strategy={
            "init_from": _absolute(
                str(runs.named_run(cfg.strategy.init_from))
                if cfg.strategy.init_from
                else ""
            )
        },
    )
    return cfg, run_dir, None


# Files of a run folder written through temporaries.
_RUN_FILES = frozenset(
    (runs.CONFIG, runs.LABELS, runs.WEIGHTS, runs.LAST,
     runs.METRICS, NOVELTY_FILE)
)  # fmt: skip


def _per_action(predicted: np.ndarray, truth: np.ndarray, names: list[str]) -> Log:
    """The last validation action by action: "80 %" hid two actions of one held-out
    clip each, both wrong (a coach's trial). A warning when one got none right."""
    parts, missed = [], []
    for k, name in enumerate(names):
        mine = truth == k
        if mine.any():
            right = int((predicted[mine] == k).sum())
            parts.append(f"{name} {right}/{int(mine.sum())}")
            if right == 0:
                missed.append(name)
    text = "validation, held-out clips right per action: " + ", ".join(parts)
    if missed:
        text += (
            f" ({', '.join(repr(m) for m in missed)}: none right; record more takes "
            f"of {'it' if len(missed) == 1 else 'them'}, more unlike the others)"
        )
    return Log(text, level="warning" if missed else "info")


def _schedule_notes(cfg: TrainConfig, name: str, clips: int) -> list[str]:
    """The optimiser as run (a researcher could not tell the rate and schedule from
    the log: a trial), and what a short run leaves out."""
    o = cfg.optim
    if o.lr_schedule == "cosine":
        schedule = f"cosine to {o.min_lr:g}"
    elif o.lr_step:
        schedule = (
            f"x{o.lr_gamma:g} every {count(o.lr_step, o.lr_step_unit)}, floor "
            f"{o.min_lr:g}"
        )
    else:
        schedule = "constant"
    # the encoder's own rate, where it differs (in config.json only: a trial)
    if o.encoder_lr_scale != 1 and not freezes_encoder(name):
        schedule += f"; the encoder at x{o.encoder_lr_scale:g}"
    notes = [
        f"optimiser: Adam, lr {o.lr:g} ({schedule}), batch {o.batch_size}, "
        f"{count(o.epochs, 'epoch')}"
    ]
    if name == "moving" and cfg.strategy.moving_epochs > o.epochs:
        end = o.epochs / cfg.strategy.moving_epochs
        notes.append(
            f"note: the classifier's weight rises over --moving-epochs "
            f"{cfg.strategy.moving_epochs}, longer than the run's {o.epochs}: it ends "
            f"near {end:.2g}, not 1"
        )
    if o.batch_size < clips < 4 * o.batch_size and clips % o.batch_size:
        notes.append(
            f"note: batches of {o.batch_size} over {count(clips, 'clip')}: "
            f"{clips % o.batch_size} sit out each epoch (others each time)"
        )
    return notes


def _labelled_counts(data: PreparedData) -> np.ndarray:
    """The labelled training clips of each class."""
    labels = data.train.labels[data.labelled]
    return np.bincount(labels[labels >= 0], minlength=len(data.class_names))


def _unbalanced(cfg: TrainConfig, data: PreparedData) -> list[str]:
    """A note when the labelled classes are far apart in clips and the loss does not
    weigh them alike (hugging 6 training clips beside 1, unsaid: a trial)."""
    counts = _labelled_counts(data)
    have = counts[counts > 0]
    if cfg.optim.balance_classes or not len(have) or have.max() < 3 * have.min():
        return []
    most, least = int(np.argmax(counts)), int(np.argmin(np.where(counts, counts, 1e9)))
    return [
        f"note: the actions have from {counts[least]} ({data.class_names[least]!r}) to "
        f"{counts[most]} ({data.class_names[most]!r}) labelled training clips; "
        "--balance-classes weighs them alike (ms2l teach does)"
    ]


def _class_weights(cfg: TrainConfig, data: PreparedData) -> torch.Tensor | None:
    """The classifier loss's class weights with ``--balance-classes``: the labelled
    training clips over (classes x clips of the class), so that each class weighs
    alike (a "no action" of four clips beside actions of twenty, cut from long spans,
    was never answered: a trial); ``None`` without it."""
    if not cfg.optim.balance_classes:
        return None
    counts = _labelled_counts(data)
    present = counts > 0
    weights = np.zeros(len(counts), np.float32)
    weights[present] = counts.sum() / (present.sum() * counts[present])
    return torch.from_numpy(weights)


def _augmentation_left_behind(cfg: TrainConfig) -> list[str]:
    """A note when a run starts from one trained with augmentation but has none
    itself (``--init-from`` takes the architecture and input, not the augmentation:
    the README's fine-tuning example trained on unaugmented clips, unsaid; a trial)."""
    if cfg.data.augment.enabled:
        return []
    theirs = runs.read_run(cfg.strategy.init_from).config.data.augment
    if not theirs.enabled:
        return []
    return [
        f"note: no augmentation; {Path(cfg.strategy.init_from).name} trained with "
        f"--augment {theirs.flag_text()} (give it to train with the same)"
    ]


def _absolute(path: str) -> str:
    """``path`` made absolute (``~`` expanded); ``""`` stays ``""``."""
    return str(Path(path).expanduser().resolve()) if path else ""


def _truncate_metrics(path: Path, last_epoch: int) -> None:
    """Drop the lines of epochs after ``last_epoch`` (work a resumed run repeats).

    Lines without an epoch (logs, run starts) are kept; the file is rewritten
    atomically so that a crash leaves either the old or the new log.
    """
    if not path.is_file():
        return
    kept = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            epoch = json.loads(line).get("epoch")
        except (json.JSONDecodeError, AttributeError, RecursionError):
            continue  # a line cut short by a killed process, or damaged
        if not isinstance(epoch, int) or epoch <= last_epoch:
            kept.append(line)
    atomic_write_text(path, "".join(f"{line}\n" for line in kept))


class _MetricsLog:
    """Appends one JSON line per event to ``metrics.jsonl`` (rank 0 only)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    def write(self, event: Event) -> None:
        if self.path is None:
            return
        doc: dict[str, Any] = {"event": type(event).__name__}
        for f in dataclasses.fields(event):
            value = getattr(event, f.name)
            if f.name == "config":
                continue
            doc[f.name] = str(value) if isinstance(value, Path) else value
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(doc) + "\n")


def run(
    cfg: TrainConfig,
    stop: threading.Event | None = None,
    *,
    epochs: int | None = None,
) -> Iterator[Event]:
    """Train one run, yielding events; stop cleanly (resumable) when ``stop`` is set.

    Args:
        cfg: The run's config (with ``run.resume``, only ``run_dir``/device are used and
            the rest is read from the folder).
        stop: Checked before every source file and clip while the data loads, and
            before every batch.
        epochs: Total epochs, overriding the config's; with ``run.resume`` it must
            exceed the run's saved number and extends the run (the saved config is
            updated).

    Yields:
        :class:`DataProgress` and :class:`Log` while the data loads, then
        :class:`RunStarted`, :class:`BatchDone`, :class:`EpochDone`,
        :class:`CheckpointSaved`, and finally :class:`RunFinished` (also when
        cancelled while loading: ``epoch`` 0, no run folder written).

    Raises:
        KeyError: Unknown dataset, layout or model.
        ValueError: Invalid config, corrupt run folder, mismatching checkpoint, empty
            labelled subset -- all before training starts.
        FileNotFoundError: Missing data root, run folder or checkpoint file.
    """
    validate(cfg)
    cfg, run_dir, resume_state = _resolve(cfg, epochs)
    lock = FileLock(run_dir / RUN_LOCK)
    try:
        yield from _run(cfg, run_dir, resume_state, lock, stop)
    finally:
        lock.release()


RUN_LOCK = ".train.lock"
"""Held by the process training a run folder (the main one under DDP) while it runs:
two processes training one folder would mix their records and checkpoints."""


# Files a file manager or the system puts in any folder: not the user's work.
_SYSTEM_FILES = frozenset((".DS_Store", "Thumbs.db", "desktop.ini", "lost+found"))


def _refuse_a_held_run(run_dir: Path) -> None:
    """A new run never writes into a folder that holds one, or anything else: its
    files (``labels.json``, ``metrics.jsonl``...) would replace or mix with what is
    there (a dataset, videos, a user's own files). A folder that holds nothing but the
    run lock, temporaries of a dead process or a file manager's own files is fine.

    Raises:
        ValueError: If ``run_dir`` holds a run's config, or other files.
    """
    inside = next((p for p in run_dir.resolve().parents if runs.is_run_dir(p)), None)
    if inside is not None:  # the Train panel refused it; the command line took it
        raise ValueError(
            f"{run_dir}: inside the folder of another run ({inside}); a new run needs "
            "a folder of its own, beside the others"
        )
    if (run_dir / runs.CONFIG).exists():
        if not (run_dir / runs.LAST).exists():
            raise ValueError(
                f"{run_dir}: holds the {runs.CONFIG} of a run that never finished an "
                "epoch (nothing to resume); delete the folder or choose another"
            )
        raise ValueError(
            f"{run_dir}: already holds a run's {runs.CONFIG}; resume it (ms2l train "
            f"--resume {shlex.quote(str(run_dir))}) or choose another folder"
        )
    try:
        entries = sorted(
            p.name for p in run_dir.iterdir()
            if p.name != RUN_LOCK and p.name not in _SYSTEM_FILES and not is_stale(p)
        )  # fmt: skip
    except (FileNotFoundError, NotADirectoryError):
        return  # made later (a file in the way is reported where it is made)
    if entries:
        more = f" and {len(entries) - 1} more" if len(entries) > 1 else ""
        raise ValueError(
            f"{run_dir}: not empty ({entries[0]!r}{more}) and not a run folder; a new "
            "run needs a new or empty folder, so that nothing there is replaced"
        )


def _labels_seen_before(cfg: TrainConfig) -> list[str]:
    """A warning when a run on few labels starts from a run that trained on more of the
    same dataset's labels (a semi-supervised figure from a fully fine-tuned encoder
    passed for a 10 %-label one, unsaid: a trial)."""
    few = 0 < cfg.data.label_fraction < 1 or cfg.data.labels_per_class > 0
    try:
        start = runs.read_run(cfg.strategy.init_from).config
    except (OSError, ValueError):
        return []
    if start.data.dataset != cfg.data.dataset or not uses_cls(start.strategy.name):
        return []
    if cfg.strategy.name == "transfer":
        return [
            f"warning: transfer from {cfg.strategy.init_from}, a run on the same "
            f"dataset ({cfg.data.dataset}): transfer learning is meant across datasets"
        ]
    if not few:
        return []
    theirs = (
        f"{start.data.labels_per_class} per class"
        if start.data.labels_per_class
        else f"{start.data.label_fraction:.0%}"
    )
    ours = (
        f"{cfg.data.labels_per_class} per class"
        if cfg.data.labels_per_class
        else f"{cfg.data.label_fraction:.0%}"
    )
    if theirs == ours:
        return []
    return [
        f"warning: {cfg.strategy.init_from} trained its classifier on {theirs} of "
        f"{cfg.data.dataset}'s labels ({start.strategy.name}): this run on {ours} of "
        "them starts from an encoder that saw more, so its figure is not a few-label "
        "one (start from a self-supervised pretraining run for that)"
    ]


def trained_by(run_dir: Path) -> str | None:
    """Who trains ``run_dir`` now: the note its process left in the run lock (``""``
    if none), or ``None`` when no process holds the lock. Only looks: the lock is
    taken for a moment at most, and nothing is written."""
    path = run_dir / RUN_LOCK
    if not path.exists():
        return None
    probe = FileLock(path)
    try:
        if probe.try_acquire():
            probe.release()
            return None
    except OSError:
        # A folder that cannot be written to (a read-only share, a colleague's run):
        # no run trains there (a run writes its folder), and its evaluation goes
        # elsewhere; it failed with the lock file's "Read-only file system" (a trial).
        return None
    return probe.note()


def _busy(run_dir: Path, who: str) -> str:
    return (
        f"{run_dir}: another process is training this run"
        + (f" ({who})" if who else "")
        + "; wait for it to finish or stop it"
    )


def _lock_run(lock: FileLock, run_dir: Path, new: bool) -> None:
    """Take the run folder's lock, or say who trains it.

    Raises:
        ValueError: If another process trains this run folder, or (a new run) one
            started a run there while this one read its data.
    """
    try:
        taken = lock.try_acquire()
    except OSError as exc:
        if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise
        # "…/.train.lock: Read-only file system" named the lock, not the run (a
        # trial)
        raise ValueError(
            f"{run_dir}: the run folder cannot be written to ({exc.strerror}), and a "
            "run writes its checkpoints there: copy the folder somewhere writable and "
            "resume the copy"
            if not new
            else f"{run_dir}: the run folder cannot be written to ({exc.strerror})"
        ) from None
    if not taken:
        raise ValueError(_busy(run_dir, lock.note()))
    if new:
        try:
            _refuse_a_held_run(run_dir)
        except ValueError:
            lock.release()
            raise
    lock.write_note(f"process {os.getpid()} on {socket.gethostname()}")


def _lock_on_main(
    lock: FileLock,
    run_dir: Path,
    new: bool,
    dist: distributed.DistInfo,
    device: torch.device,
    make: bool,
) -> None:
    """The main process takes the run folder's lock (``make``: making the folder, else
    only if it exists and the lock is not held yet); every process of the job then
    fails alike when it could not, so that none is left waiting for the others.

    Raises:
        ValueError: As :func:`_lock_run`, in every process.
    """
    refused = None
    if dist.is_main and not lock.held and (make or run_dir.is_dir()):
        try:
            run_dir.mkdir(parents=True, exist_ok=True)
            _lock_run(lock, run_dir, new)
        except ValueError as exc:
            refused = str(exc)
    said = distributed.from_main(refused, dist, device)
    if said:
        raise ValueError(str(said))


def _run(
    cfg: TrainConfig,
    run_dir: Path,
    resume_state: dict[str, Any] | None,
    lock: FileLock,
    stop: threading.Event | None,
) -> Iterator[Event]:
    """:func:`run` once the config and run folder are resolved; ``lock`` is taken
    here (before the data when the folder exists) and released by the caller."""
    dist = distributed.launched()
    device = resolve_device(cfg.run.device)
    if dist.enabled and device.type == "cuda":
        device = torch.device("cuda", dist.local_rank)
    if cfg.run.threads:
        torch.set_num_threads(cfg.run.threads)
        cores = os.cpu_count() or 0
        if 0 < cores < cfg.run.threads:  # 1000 threads on 2 cores: an epoch took 10x
            warnings.warn(
                f"{cfg.run.threads} threads on a machine of {count(cores, 'core')}: "
                "threads beyond the cores wait for each other, and training slows "
                f"down (--threads {cores} or fewer)",
                stacklevel=2,
            )
    amp = cfg.run.amp and device.type == "cuda"
    name = cfg.strategy.name

    # Everything after setup runs under the ``finally`` below, so that every way out
    # (an error in any rank, the end of the run, the consumer closing the generator)
    # meets the other ranks at a barrier and leaves the group in a fixed order.
    distributed.setup(dist, device)
    slot = distributed.WrappedSlot()
    flush = False
    completed = False
    try:
        # A folder that exists is locked before the data is read (fail fast).
        _lock_on_main(lock, run_dir, resume_state is None, dist, device, make=False)
        # Rank 0 builds the clip cache alone; the others open it once it is complete,
        # so that several processes never write the same cache files at once.
        if not dist.is_main:
            distributed.barrier(dist)
        try:
            data = yield from load_data(cfg.data, cfg.run.seed, stop)
        except LoadCancelled:
            yield Log("cancelled while loading the data; nothing was saved")
            yield RunFinished(run_dir, None, cancelled=True, epoch=0)
            completed = True
            return
        finally:  # release the others even when rank 0 fails (they fail alike)
            if dist.is_main:
                distributed.barrier(dist)
        if uses_cls(name) and len(data.labelled) == 0:
            from core.datasets import custom

            if cfg.data.dataset == "custom" and not custom.read_labels(cfg.data.root):
                labels = custom.labels_path(cfg.data.root)
                # (it said "labels.csv has no labelled interval" of a file that did
                # not exist: a trial)
                what = (
                    "has no labelled interval" if labels.is_file() else "does not exist"
                )
                why = (
                    f"{labels} {what}: label your takes (Teach panel, or rows "
                    "recording,start,end,action) or use --strategy pretrain, which "
                    "needs no labels"
                )
            else:
                why = f"label fraction {cfg.data.label_fraction}"
            raise ValueError(
                f"{cfg.data.dataset} {cfg.data.protocol}: no labelled training clips "
                f"({why})"
            )
        # A custom dataset may train on every recording (val_fraction 0): no validation.
        no_validation = cfg.data.dataset == "custom" and cfg.data.val_fraction == 0
        if uses_cls(name) and len(data.test) == 0 and not no_validation:
            from core.datasets.custom import empty_validation_reason

            raise ValueError(
                f"{cfg.data.dataset} {cfg.data.protocol}: the "
                f"{held_out_name(cfg.data.dataset, cfg.data.protocol)} split is empty"
                + (
                    f" ({empty_validation_reason(cfg.data.protocol)})"
                    if cfg.data.dataset == "custom"
                    else f" (the {count(len(data.train), 'clip')} found "
                    f"{'is' if len(data.train) == 1 else 'are all'} on the training "
                    f"side of {cfg.data.protocol}: another protocol, or more data)"
                )
            )
        cfg = cfg.replace(
            data={
                "layout": data.layout,
                "num_bodies": data.num_bodies,
                "window_seconds": round(data.window_seconds, 4),
                "held_out": data.held_out,
                "pseudo_clips": data.pseudo_clips,
                "pseudo_actions": data.pseudo_actions,
            }
        )
        if resume_state is not None:
            changed = class_change(runs.read_run(run_dir).labels, data.class_names)
            if changed:  # the checkpoint's classifier has the old classes' rows
                raise ValueError(
                    f"{run_dir}: the dataset's actions changed since this run trained "
                    f"({changed}); a resumed run must see the classes it learnt: "
                    "train a new run instead (Teach: Train on my actions)"
                )
        train_set = data.train if uses_ssl(name) else data.train.subset(data.labelled)
        shared = min(cfg.optim.batch_size, len(train_set))
        if dist.enabled and shared < dist.world:
            # A process with an empty share of the batch waited for the others'
            # gradients forever (batch 1, or one training clip, on two processes).
            raise ValueError(
                f"a batch of {count(shared, 'clip')} cannot be shared by "
                f"{dist.world} processes (--batch-size {cfg.optim.batch_size}, "
                f"{count(len(train_set), 'training clip')}): give at least "
                f"{dist.world} of each, or run on fewer processes"
            )

        torch.manual_seed(cfg.run.seed)
        model = data.new_model(cfg.model)
        # The losses (models.objective.Objective) are MS2L's own; the registry holds
        # no other model yet.
        if not isinstance(model, MS2L):
            raise TypeError(f"model {cfg.model.name!r} has no training objective")
        notes: list[str] = list(data.notes)
        if cfg.data.augment.enabled:  # said (ms2l teach took its base's, unsaid)
            notes.append(f"augmentation: --augment {cfg.data.augment.flag_text()}")
        else:  # said too: the README's recipes augment, the command's defaults not
            notes.append("augmentation: none")
        if uses_cls(name) and cfg.data.dataset == "custom":
            notes += _unbalanced(cfg, data)
        if uses_cls(name) and cfg.optim.balance_classes:
            notes.append("the classification loss weighs the classes alike")
        if uses_cls(name):
            notes += _novelty_foreseen(model, len(data.labelled))
        trained = len(data.train) if uses_ssl(name) else len(data.labelled)
        notes += _schedule_notes(cfg, name, trained)
        contrastive = uses_ssl(name) and "contrastive" in cfg.strategy.tasks
        if contrastive and cfg.optim.batch_size < 2:
            notes.append(
                "note: the contrastive task tells each clip from the others of its "
                "batch: with a batch of 1 its loss is 0 and it teaches nothing (use "
                "--batch-size 2 or more)"
            )
        if (
            cfg.data.stream == "motion"
            and uses_ssl(name)
            and "motion" in cfg.strategy.tasks
            and cfg.model.noise_std > 0.01
        ):
            notes.append(
                f"note: the motion stream's values are one frame's step (about 0.04 "
                f"spine lengths on NW-UCLA at T=64), and motion prediction adds noise "
                f"of std {cfg.model.noise_std:g} to the observed past, sized for "
                "joints; consider a smaller model.noise_std (set it in a config file "
                "given with --config)"
            )
        if resume_state is not None:
            runs.load_state_into(model, resume_state["model"], run_dir / runs.LAST)
        elif cfg.strategy.init_from:
            notes += init_from_run(
                model,
                cfg.strategy.init_from,
                data.layout,
                data.num_bodies,
                data.class_names,
                stream=cfg.data.stream,
            )
            notes += _labels_seen_before(cfg)
            notes += _augmentation_left_behind(cfg)
        if cfg.run.select == "best" and not uses_cls(name):
            notes.append(
                f"note: --select best has no validation accuracy to choose by in a "
                f"{name} run (no classifier): the last epoch's weights are kept"
            )
        if name == "linear" and resume_state is None and not cfg.strategy.init_from:
            notes.append(
                "note: linear evaluation of a random, frozen encoder (the paper's "
                "Rand-U baseline): give --init-from RUN to evaluate a pretrained one"
            )
        elif name == "linear" and resume_state is None:
            # which classifier: the paper preset's GRU + MLP is no linear layer (read
            # as one by a researcher reproducing Table 1: a trial)
            head = (
                "a linear layer on the time-averaged features"
                if cfg.model.classifier == "linear"
                else "the GRU + MLP classifier, not a linear layer: --classifier "
                "linear for one"
            )
            notes.append(
                f"linear evaluation of the frozen encoder of {cfg.strategy.init_from} "
                f"({runs.encoder_title(cfg.model.encoder)}, hidden {cfg.model.hidden}: "
                f"its architecture and input settings; only the classifier trains: "
                f"{head})"
            )
        frozen = freezes_encoder(name)
        if frozen:
            for p in model.encoder.parameters():
                p.requires_grad_(False)
        model.to(device)
        objective = Objective(
            model,
            cfg.strategy.tasks,
            cfg.model.temperature,
            uses_cls(name),
            frozen,
            cfg.model.jigsaw_feature,
            cfg.model.contrastive_positive,
            _class_weights(cfg, data) if uses_cls(name) else None,
        ).to(device)
        slot.module = distributed.wrap(objective, dist, device)
        # GRU gradients that flow back through many steps decay into subnormal floats,
        # which CPUs process ~4x slower; flushing them to zero changes nothing
        # measurable and makes a CPU training step ~2x faster. The flag is per thread
        # and reset afterwards.
        flush = device.type == "cpu" and torch.set_flush_denormal(True)
        # a new folder: made now, once the data is read
        _lock_on_main(lock, run_dir, resume_state is None, dist, device, make=True)
        yield from _train(
            cfg, run_dir, data, train_set, model, slot, device, amp, dist,
            resume_state, notes, stop,
        )  # fmt: skip
        completed = True
    finally:
        if flush:
            torch.set_flush_denormal(False)
        distributed.shutdown(dist, slot, clean=completed)


def _train(
    cfg: TrainConfig,
    run_dir: Path,
    data: PreparedData,
    train_set: ClipSet,
    model: nn.Module,
    slot: distributed.WrappedSlot,
    device: torch.device,
    amp: bool,
    dist: distributed.DistInfo,
    resume_state: dict[str, Any] | None,
    notes: list[str],
    stop: threading.Event | None,
) -> Iterator[Event]:
    name = cfg.strategy.name
    seed = cfg.run.seed
    held_out = held_out_name(cfg.data.dataset, cfg.data.protocol)  # its figures' name
    params = [p for p in model.parameters() if p.requires_grad]
    groups = param_groups(model, cfg.optim.encoder_lr_scale)
    # loading an optimiser's state replaces its groups' settings with the saved ones
    # (a run from before the option saved none): the factors are kept here
    scales = [g["lr_scale"] for g in groups]
    opt = torch.optim.Adam(
        groups,
        lr=cfg.optim.lr,
        weight_decay=cfg.optim.weight_decay,
    )
    scaler = torch.amp.GradScaler("cuda", enabled=amp)
    start_epoch, global_step = 1, 0
    best_acc: float | None = None
    last_acc: float | None = None
    if resume_state is not None:
        opt.load_state_dict(resume_state["optimizer"])
        start_epoch = int(resume_state["epoch"]) + 1
        global_step = int(resume_state["global_step"])
        best = float(resume_state.get("best_val_acc", -1.0))
        best_acc = None if best < 0 else best
        last = float(resume_state.get("last_val_acc", -1.0))  # absent before 2026-11-30
        last_acc = None if last < 0 else last

    main = dist.is_main
    log = _MetricsLog(run_dir / runs.METRICS if main else None)
    if main:
        run_dir.mkdir(parents=True, exist_ok=True)
        # temporaries of the run's files that a killed earlier process left
        removed = remove_stale(run_dir, _RUN_FILES)
        if removed:
            size = sum(n for _, n in removed) / 1e6
            notes = [
                *notes,
                f"{run_dir}: removed {len(removed)} temporary file(s) of a killed "
                f"process ({size:.1f} MB)",
            ]
        # resume is how this process was started, not a property of the run: saved, it
        # would make ``--config RUN/config.json`` silently continue this run.
        cfg.replace(run={"resume": False}).save(run_dir / runs.CONFIG)
        if resume_state is not None:
            _truncate_metrics(run_dir / runs.METRICS, start_epoch - 1)
            # The weights will change: the old novelty check is refitted at the end,
            # and the reports of the old weights go (ms2l eval writes new ones).
            (run_dir / NOVELTY_FILE).unlink(missing_ok=True)
            stale = runs.remove_evaluations(run_dir)
            if stale:
                notes = [
                    *notes,
                    f"{run_dir}: removed the evaluation of the earlier weights "
                    f"({', '.join(stale)}); evaluate again when it ends (ms2l eval)",
                ]
        runs.save_labels(run_dir, data.class_names, cfg.data.dataset)

    def save_last(epoch: int) -> Path:
        return runs.atomic_save(
            {
                "model": model.state_dict(),
                "optimizer": opt.state_dict(),
                "epoch": epoch,
                "global_step": global_step,
                "best_val_acc": -1.0 if best_acc is None else best_acc,
                "last_val_acc": -1.0 if last_acc is None else last_acc,
                "settings": _settings(cfg),
            },
            run_dir / runs.LAST,
        )

    if main and resume_state is None:
        save_last(0)  # a cancelled first epoch still leaves a resumable folder
    total_epochs = cfg.optim.epochs
    spe = steps_per_epoch(len(train_set), cfg.optim.batch_size)
    total_steps = total_epochs * spe
    event: Event
    for message in [
        f"device {device}{' with AMP' if amp else ''}"
        + (
            f" ({cfg.run.device} asked for: CUDA is not available)"
            if device.type == "cpu" and cfg.run.device.startswith("cuda")
            else ""
        )
        + (f", {dist.world} processes" if dist.enabled else ""),
        f"{describe(cfg)}: {count(len(train_set), 'training clip')}"
        # (labels a pretraining run does not use: "64 (64 labelled)" read as used)
        + (f" ({len(data.labelled)} labelled), " if uses_cls(name) else ", ")
        + (
            count(
                len(data.test),
                f"{held_out_name(cfg.data.dataset, cfg.data.protocol)} clip",
            )
            + ", "
            if uses_cls(name)
            else "no evaluation (self-supervised only), "
        )
        + f"layout {data.layout}, T={cfg.data.frames}"
        # the median labelled clip: what Live reads at a time (a trial found it
        # said nowhere but config.json)
        + (
            f", live window {data.window_seconds:.2f} s (the median training clip)"
            if uses_cls(name)
            else ""
        ),
        *notes,
    ]:
        event = Log(message)
        log.write(event)
        yield event
    if resume_state is not None:
        event = Log(f"resuming {run_dir} at epoch {start_epoch}")
        log.write(event)
        yield event
    started = RunStarted(run_dir, cfg, total_epochs, spe, start_epoch)
    log.write(started)
    yield started

    cancelled = False
    watch = DivergenceWatch()
    lr = cfg.optim.lr
    epoch = start_epoch - 1
    for epoch in range(start_epoch, total_epochs + 1):
        t0 = time.perf_counter()
        torch.manual_seed(seed * 1_000_003 + epoch)
        order = np.random.default_rng([seed, epoch]).permutation(len(train_set))
        bsz = min(cfg.optim.batch_size, len(train_set))
        sums: dict[str, float] = {}
        steps_done = 0
        model.train()
        if freezes_encoder(name):  # a frozen encoder's BatchNorm statistics stay
            model.get_submodule("encoder").eval()
        for step in range(1, spe + 1):
            if distributed.any_across(stop is not None and stop.is_set(), dist):
                cancelled = True
                break
            positions = distributed.shard(order[(step - 1) * bsz : step * bsz], dist)
            aug_seed = (seed, epoch) if cfg.data.augment.enabled else None
            x, lengths, labels = train_set.batch(positions, cfg.data, aug_seed)
            x, lengths, labels = x.to(device), lengths.to(device), labels.to(device)
            w_cls, w_self = loss_weights(cfg, global_step, spe)
            pretext = None
            if w_self > 0:
                gen = torch.Generator().manual_seed(
                    (seed * 1_000_003 + epoch) * 10_007 + step * 101 + dist.rank
                )
                pretext = make_pretext(
                    x.cpu(),
                    lengths.cpu(),
                    cfg.model.mask_ratio,
                    cfg.model.noise_std,
                    cfg.model.jigsaw_segments,
                    gen,
                    cfg.model.pretext_rotate,
                    cfg.model.pretext_shear,
                )
                pretext = _to_device(pretext, device)
            lr = lr_at(cfg, global_step, epoch, total_steps)
            for group, scale in zip(opt.param_groups, scales):
                group["lr"] = lr * scale
            with torch.autocast(
                device_type=device.type, dtype=torch.float16, enabled=amp
            ):
                # through the slot, never a local: see distributed.WrappedSlot
                assert slot.module is not None  # wrapped before _train, until shutdown
                losses = slot.module(x, lengths, labels, pretext, w_cls, w_self)
            opt.zero_grad(set_to_none=True)
            scaler.scale(losses["total"]).backward()
            if cfg.optim.grad_clip > 0:
                scaler.unscale_(opt)
                nn.utils.clip_grad_norm_(params, cfg.optim.grad_clip)
            scaler.step(opt)
            scaler.update()
            global_step += 1
            steps_done += 1
            values = {k: float(v.detach()) for k, v in losses.items()}
            values = distributed.mean_across(values, dist)
            if not all(math.isfinite(v) for v in values.values()):
                raise FloatingPointError(
                    f"loss became {values} at epoch {epoch} step {step}; lower the lr"
                )
            for k, v in values.items():
                sums[k] = sums.get(k, 0.0) + v
            event = BatchDone(epoch, step, spe, values, lr)
            log.write(event)
            yield event
            warning = watch.batch(epoch, values, lr)
            if warning is not None and main:
                note = Log(warning, level="warning")
                log.write(note)
                yield note
        if cancelled:
            epoch -= 1
            break

        val_loss = val_acc = None
        by_action: Log | None = None
        if (
            uses_cls(name)
            and len(data.test)
            and (epoch % cfg.run.eval_every == 0 or epoch == total_epochs)
        ):
            logits = predict_logits(model, data.test, cfg, device)
            y = torch.from_numpy(data.test.labels)
            val_loss = float(F.cross_entropy(torch.from_numpy(logits), y))
            val_acc = float((logits.argmax(1) == data.test.labels).mean())
            if cfg.data.dataset == "custom" and epoch == total_epochs and main:
                by_action = _per_action(
                    logits.argmax(1), data.test.labels, data.class_names
                )
        means = {k: v / max(steps_done, 1) for k, v in sums.items()}
        done = EpochDone(
            epoch, means, val_loss, val_acc,
            lr_at(cfg, global_step, epoch, total_steps),
            time.perf_counter() - t0, held_out,
        )  # fmt: skip
        log.write(done)
        yield done
        if by_action is not None:  # after its epoch's line (it came before: a trial)
            log.write(by_action)
            yield by_action
            by_action = None
        warning = watch.epoch(epoch, means, lr)  # the rate its batches ran at
        if warning is not None and main:
            note = Log(warning, level="warning")
            log.write(note)
            yield note
        if val_acc is not None:
            last_acc = val_acc

        if main:
            improved = val_acc is not None and (best_acc is None or val_acc > best_acc)
            if improved:
                best_acc = val_acc
            keep = cfg.run.select == "last" or not uses_cls(name) or improved
            if keep:
                path = runs.atomic_save(model.state_dict(), run_dir / runs.WEIGHTS)
                best = cfg.run.select == "best" and uses_cls(name)
                saved = CheckpointSaved(path, epoch, is_best=best)
                log.write(saved)
                yield saved
            saved = CheckpointSaved(save_last(epoch), epoch, is_best=False)
            log.write(saved)
            yield saved
        elif val_acc is not None and (best_acc is None or val_acc > best_acc):
            best_acc = val_acc

    if main and not cancelled and uses_cls(name):
        for note in _fit_novelty(model, data, cfg, device, run_dir):
            log.write(note)
            yield note
    if main:
        # An evaluation made while the run trained (ms2l eval, the Evaluate panel)
        # scored the weights of an earlier epoch: it must not pass for the final ones.
        stale = runs.remove_evaluations(run_dir)
        if stale:
            note = Log(
                f"{run_dir}: removed the evaluation made while it trained "
                f"({', '.join(stale)}): it scored an earlier epoch's weights; evaluate "
                "again (ms2l eval)"
            )
            log.write(note)
            yield note
    finished = RunFinished(
        run_dir, best_acc, cancelled, max(epoch, 0), last_acc, held_out
    )
    log.write(finished)
    yield finished


def _novelty_foreseen(model: nn.Module, labelled: int) -> list[str]:
    """Said at the start when the run will end without a novelty check (too few
    labelled clips for the encoder's features): a run on every NW-UCLA clip with the
    official preset learnt it only from the last line of its log (a GUI trial)."""
    from core.inference.novelty import MIN_CLIPS_PER_FEATURE

    width = getattr(getattr(model, "encoder", None), "out_dim", None)
    if not isinstance(width, int) or labelled >= MIN_CLIPS_PER_FEATURE * width:
        return []
    need = int(np.ceil(MIN_CLIPS_PER_FEATURE * width))
    return [
        f"note: {labelled} labelled clips are too few for a novelty check on the "
        f"encoder's {width} features (it needs {need}): the model will answer one of "
        "its actions whatever the motion (a smaller encoder, --hidden, or more "
        "labelled clips give it one)"
    ]


def _fit_novelty(
    model: nn.Module,
    data: PreparedData,
    cfg: TrainConfig,
    device: torch.device,
    run_dir: Path,
) -> Iterator[Log]:
    """Fit the novelty check of the saved weights on the labelled training clips and
    write ``novelty.npz`` (:mod:`core.inference.novelty`); too few clips for one (a
    model taught from a few takes) is said in a log line, not an error."""
    from core.inference import novelty

    target = run_dir / novelty.NOVELTY_FILE
    weights = run_dir / runs.WEIGHTS
    try:
        if not weights.is_file():
            raise ValueError(f"no {runs.WEIGHTS} (no epoch was validated)")
        if cfg.run.select == "best":  # the saved weights may be an earlier epoch's
            model.load_state_dict(runs.safe_load(weights))
        check = novelty.fit_clips(
            model, data.train.subset(data.labelled), cfg.data, device
        )
    except Exception as exc:  # noqa: BLE001 - the run itself succeeded: say it, go on
        target.unlink(missing_ok=True)  # an older check no longer fits the weights
        # what it means, as Teach says it (the CLI's line did not: a trial)
        yield Log(
            f"no novelty check: {exc}; the model answers one of its actions whatever "
            "the motion (below the threshold: 'no action')",
            level="warning" if not isinstance(exc, ValueError) else "info",
        )
        return
    novelty.save(check, target)
    yield Log(
        f"novelty check on {check.num_clips} clips: distance threshold "
        f"{check.threshold:.2f} ({check.percentile:g}th percentile) -> {target.name}"
    )


def _to_device(pretext: PretextBatch, device: torch.device) -> PretextBatch:
    """Move every tensor of a pretext batch to ``device``."""
    if device.type == "cpu":
        return pretext
    masked = dataclasses.replace(
        pretext.masked,
        **{
            f.name: getattr(pretext.masked, f.name).to(device)
            for f in dataclasses.fields(pretext.masked)
        },
    )
    return dataclasses.replace(
        pretext,
        masked=masked,
        shuffled=pretext.shuffled.to(device),
        jigsaw_labels=pretext.jigsaw_labels.to(device),
    )
