"""A run's history: the events earlier sessions wrote to its ``metrics.jsonl``.

The training loop writes every event it yields (one JSON line each, by
``core.training.loop``); a GUI resuming a run reads them back to redraw what came
before, without any Qt here.
"""

from __future__ import annotations

import json
from pathlib import Path

from core import runs
from core.config import TrainConfig
from core.datasets.splits import held_out_name
from core.text import count
from core.training.events import (
    BatchDone,
    CheckpointSaved,
    EpochDone,
    Event,
    Log,
    RunFinished,
)


def read_history(run_dir: Path) -> list[Event]:
    """The events earlier sessions of a run wrote to its ``metrics.jsonl``.

    Batches, epochs, checkpoints, log lines and run ends come back as the events the
    loop yielded; a session's start (saved without its config) as a :class:`Log` line.
    Damaged or unknown lines are skipped.

    Args:
        run_dir: The run folder.

    Returns:
        The events in file order (none when the file is missing or unreadable).
    """
    try:
        text = (run_dir / runs.METRICS).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    events: list[Event] = []
    held_out = _held_out(run_dir)  # for lines written before events named their split
    for line in text.splitlines():
        try:
            doc = json.loads(line)
            kind = doc.pop("event")
            if kind == "BatchDone":
                events.append(BatchDone(**doc))
            elif kind == "EpochDone":
                events.append(EpochDone(**{"held_out": held_out, **doc}))
            elif kind == "CheckpointSaved":
                events.append(CheckpointSaved(**{**doc, "path": Path(doc["path"])}))
            elif kind == "Log":
                events.append(Log(**doc))
            elif kind == "RunFinished":
                events.append(
                    RunFinished(
                        **{"held_out": held_out, **doc, "run_dir": Path(doc["run_dir"])}
                    )
                )
            elif kind == "RunStarted":
                what = (
                    f"resumed at epoch {doc['start_epoch']}"
                    if doc.get("start_epoch", 1) > 1
                    else "started"
                )
                events.append(
                    Log(
                        f"{what}: {count(int(doc['total_epochs']), 'epoch')} x "
                        f"{count(int(doc['steps_per_epoch']), 'step')}"
                    )
                )
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
            continue  # a line cut short by a killed process, or damaged
    return events


def _held_out(run_dir: Path) -> str:
    """``"validation"`` or ``"test"``: the run's held-out split, from its config (a run
    resumed after the events named it drew its old epochs as "val" beside its new
    "test" ones)."""
    try:
        data = TrainConfig.load(Path(run_dir) / runs.CONFIG).data
    except (OSError, ValueError):
        return "validation"
    return held_out_name(data.dataset, data.protocol)


def last_finished_epoch(run_dir: Path) -> int:
    """The last epoch a run's ``metrics.jsonl`` records as finished (0: none)."""
    return max(
        (e.epoch for e in read_history(run_dir) if isinstance(e, EpochDone)), default=0
    )
