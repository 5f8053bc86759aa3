"""Run folders: atomic checkpoint files, safe loading, and clear errors for bad folders.

A run folder holds ``config.json`` (the full :class:`TrainConfig`, layout included),
``labels.json`` (class names), ``weights.pt`` (the model's state dict, best or last by the
run's selection rule), ``last.pt`` (everything needed to resume), ``metrics.jsonl`` and,
after evaluation, ``eval.json``. Every file is written to a temporary name and moved into
place with :func:`os.replace`, so a killed process never leaves half a checkpoint. Loading
uses ``torch.load(weights_only=True)``: a checkpoint cannot run code.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from core.tempfiles import discard, temp_path
from core.training.config import TrainConfig, atomic_write_text

CONFIG = "config.json"
LABELS = "labels.json"
WEIGHTS = "weights.pt"
LAST = "last.pt"
METRICS = "metrics.jsonl"
EVAL = "eval.json"


def atomic_save(obj: Any, path: str | os.PathLike[str]) -> Path:
    """``torch.save`` through a temporary file and :func:`os.replace`.

    Returns:
        The path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path)  # names this process: a killed run's is removed later
    try:
        with open(tmp, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:  # a failed write (disk full, unpicklable object) leaves no stray file
        discard(tmp)
    return path


def safe_load(path: str | os.PathLike[str]) -> Any:
    """Load a checkpoint file with ``weights_only=True`` onto the CPU.

    Raises:
        FileNotFoundError: If the file is missing.
        ValueError: Naming the file, if it is truncated, corrupt or not a checkpoint.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: checkpoint file not found")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for damaged files
        raise ValueError(f"{path}: corrupt or unreadable checkpoint ({exc})") from None


def save_labels(run_dir: Path, names: list[str], dataset: str) -> None:
    """Write ``labels.json``: the dataset's shipped class table (ids and names) when it
    matches ``names``, otherwise the same form without ids."""
    from core.labels import load_class_table

    try:
        table = load_class_table(dataset)
        doc = table.to_json() if list(table.names) == list(names) else None
    except (KeyError, ValueError):
        doc = None
    if doc is None:
        doc = {
            "dataset": dataset,
            "classes": [{"index": i, "name": n} for i, n in enumerate(names)],
        }
    atomic_write_text(run_dir / LABELS, json.dumps(doc, indent=2) + "\n")


def load_labels(run_dir: Path) -> list[str]:
    """Class names from a run's ``labels.json``.

    Raises:
        FileNotFoundError: If the file is missing.
        ValueError: If it is not a class list.
    """
    path = Path(run_dir) / LABELS
    if not path.is_file():
        raise FileNotFoundError(f"{path}: labels file not found")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        classes = sorted(doc["classes"], key=lambda c: c["index"])
        names = [str(c["name"]) for c in classes]
        if [c["index"] for c in classes] != list(range(len(names))) or not names:
            raise ValueError("indices must be 0..K-1")
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        raise ValueError(f"{path}: not a labels file ({exc})") from None
    return names


@dataclass(frozen=True)
class RunInfo:
    """What a run folder says about its model.

    Attributes:
        run_dir: The folder.
        config: Its config.
        labels: Class names.
        layout: Layout the model sees.
        num_bodies: Bodies the model sees.
    """

    run_dir: Path
    config: TrainConfig
    labels: list[str]
    layout: str
    num_bodies: int


def read_run(run_dir: str | os.PathLike[str]) -> RunInfo:
    """Read a run folder's config and labels (not its weights).

    Raises:
        FileNotFoundError: If the folder, ``config.json`` or ``labels.json`` is missing.
        ValueError: If either file is corrupt, or the config lacks the resolved layout.
    """
    run_dir = Path(run_dir).expanduser()
    if not run_dir.is_dir():
        raise FileNotFoundError(f"{run_dir}: run folder not found")
    cfg = TrainConfig.load(run_dir / CONFIG)
    labels = load_labels(run_dir)
    if not cfg.data.layout or not cfg.data.num_bodies:
        raise ValueError(
            f"{run_dir / CONFIG}: layout/num_bodies not recorded (unfinished run?)"
        )
    return RunInfo(run_dir, cfg, labels, cfg.data.layout, cfg.data.num_bodies)


def load_state_into(
    model: nn.Module, state: dict[str, torch.Tensor], source: Path
) -> None:
    """Load a full state dict, turning shape mismatches into a clear error.

    Raises:
        ValueError: Naming ``source`` and what does not match (input size = joints x
            bodies x coordinates, class count, or architecture).
    """
    if not isinstance(state, dict):
        raise ValueError(f"{source}: not a state dict")
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    extra = sorted(set(state) - set(own))
    if missing or extra:
        raise ValueError(
            f"{source}: weights do not fit this model (missing {missing[:3]}, "
            f"unexpected {extra[:3]}); was it saved with another preset?"
        )
    for key, value in state.items():
        if own[key].shape != value.shape:
            raise ValueError(
                f"{source}: {_mismatch(key, tuple(value.shape), tuple(own[key].shape))}"
            )
    model.load_state_dict(state)


def _mismatch(key: str, got: tuple[int, ...], want: tuple[int, ...]) -> str:
    if key.startswith("encoder.fwd.0.weight_ih_l0"):
        return (
            f"input size mismatch: checkpoint expects {got[1]} numbers per frame "
            f"(bodies x joints x 3), the model has {want[1]} (different layout or bodies)"
        )
    if key.startswith("classifier.") and got[0] != want[0] and len(got) >= 1:
        return f"class count mismatch in {key}: checkpoint {got}, model {want}"
    return f"shape mismatch in {key}: checkpoint {got}, model {want}"
