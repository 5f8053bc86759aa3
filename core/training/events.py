"""Events yielded by the training loop and consumed by the CLI progress bar and the GUI.

:func:`core.training.loop.run` is a generator of these small frozen dataclasses; it never
prints and never calls back. Epochs and steps are 1-based (the first epoch is ``1``, the
first batch of an epoch is step ``1``) so they can be shown as they are. Loss dictionaries
map a loss name (``"total"``, ``"cls"``, ``"motion"``, ``"jigsaw"``, ``"contrastive"``) to
its mean value; ``"total"`` is always present.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:
    from core.config import TrainConfig


@dataclass(frozen=True)
class RunStarted:
    """The run folder is ready and training is about to begin.

    Attributes:
        run_dir: The run folder.
        config: The full, resolved configuration (also saved as ``config.json``).
        total_epochs: Number of epochs the run will reach when not cancelled.
        steps_per_epoch: Optimiser steps per epoch.
        start_epoch: First epoch this process trains (> 1 when resuming).
    """

    run_dir: Path
    config: TrainConfig
    total_epochs: int
    steps_per_epoch: int
    start_epoch: int = 1


@dataclass(frozen=True)
class BatchDone:
    """One optimiser step finished.

    Attributes:
        epoch: Current epoch (1-based).
        step: Step within the epoch (1-based).
        steps_per_epoch: Steps in this epoch.
        losses: Loss values of this batch by name (``"total"`` always present).
        lr: Learning rate used for this step.
    """

    epoch: int
    step: int
    steps_per_epoch: int
    losses: dict[str, float]
    lr: float


def short_split(held_out: str) -> str:
    """``"test"`` for a protocol's test split, else ``"val"``: a run on NW-UCLA
    ``xview`` said "val acc" of view 3, its test view, to a researcher who must not
    choose a setting by it (a trial)."""
    return "test" if held_out == "test" else "val"


@dataclass(frozen=True)
class EpochDone:
    """One epoch finished, with its validation result.

    Attributes:
        epoch: The epoch that finished (1-based).
        losses: Mean training losses of the epoch by name.
        val_loss: Validation classification loss, or ``None`` (no classifier / no split).
        val_acc: Validation accuracy in [0, 1], or ``None``.
        lr: Learning rate at the end of the epoch.
        seconds: Wall time of the epoch including validation.
        held_out: What the validation split is: ``"validation"`` (drawn from the
            training data: a ``*-val`` protocol, a custom dataset) or ``"test"`` (the
            protocol's test split, e.g. NW-UCLA view 3 under ``xview``).
    """

    epoch: int
    losses: dict[str, float]
    val_loss: float | None
    val_acc: float | None
    lr: float
    seconds: float
    held_out: str = "validation"

    @property
    def split(self) -> str:
        """``"val"`` or ``"test"``: how the figures are named for a person."""
        return short_split(self.held_out)


@dataclass(frozen=True)
class CheckpointSaved:
    """A checkpoint file was written (atomically).

    Attributes:
        path: The file written (``weights.pt``: the model's weights, ``last.pt``: the
            state for resuming).
        epoch: Epoch the checkpoint belongs to.
        is_best: True when ``weights.pt`` was written because this epoch is the best so
            far (``select="best"``); False for the last epoch's weights (the default
            ``select="last"``) and for ``last.pt``.
    """

    path: Path
    epoch: int
    is_best: bool


@dataclass(frozen=True)
class RunFinished:
    """The run ended, either completed or cancelled (the folder is resumable either way).

    Attributes:
        run_dir: The run folder.
        best_val_acc: Best validation accuracy seen, or ``None`` without validation.
        cancelled: True if the stop event ended the run early.
        epoch: Last completed epoch.
        last_val_acc: Accuracy of the last validation (for a run that finished, the
            last epoch's: the last epoch is always validated), or ``None`` without
            validation.
        held_out: ``"validation"`` or ``"test"``, as in :class:`EpochDone`.
    """

    run_dir: Path
    best_val_acc: float | None
    cancelled: bool
    epoch: int = 0
    last_val_acc: float | None = None
    held_out: str = "validation"

    def accuracy_text(self) -> str:
        """The validation accuracy for a person, last epoch first (``""`` if none).

        The last epoch's figure comes first because it is the honest one to report
        when the validation split is a test split (``select="last"``); the best one,
        picked by looking at that split, is only shown beside it when it differs.
        """
        split = short_split(self.held_out)
        if self.last_val_acc is None:
            if self.best_val_acc is None:
                return ""
            return f"best {split} acc {100 * self.best_val_acc:.2f}%"
        text = f"{split} acc {100 * self.last_val_acc:.2f}% at the last epoch"
        if self.best_val_acc is not None and self.best_val_acc > self.last_val_acc:
            text += f" (best {100 * self.best_val_acc:.2f}%)"
        return text


@dataclass(frozen=True)
class DataProgress:
    """Progress of loading the data before the first batch.

    Attributes:
        stage: ``"reading"`` (source files parsed into the clip cache),
            ``"preparing"`` (clips normalised for the model) or ``"pseudo-labelling"``
            (self-training: the teacher answering on the unlabelled clips).
        done: Items handled so far.
        total: Items to handle.
    """

    stage: str
    done: int
    total: int


@dataclass(frozen=True)
class Log:
    """A human-readable message (data loading, device choice, resume point, ...).

    Attributes:
        message: One line of text.
        level: ``"info"`` or ``"warning"``.
    """

    message: str
    level: str = field(default="info")


Event = Union[  # noqa: UP007
    RunStarted, BatchDone, EpochDone, CheckpointSaved, RunFinished, DataProgress, Log
]
"""Anything :func:`core.training.loop.run` yields."""
