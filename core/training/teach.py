"""'Train on my actions': the default recipe for a user's own dataset, as one config.

A person who recorded a handful of takes per action wants a model of *their* classes in
seconds, on a CPU. :func:`teach_config` builds that run's configuration from a base run
(the shipped model by default): the base model's architecture and its whole
preprocessing (layout, frames, joint definition, alignment, scale, augmentation), its
encoder as the starting point with a fresh classifier for the user's classes, and a short
schedule -- Adam at a constant 0.003, batch 16, 20 epochs, one torch thread (a tiny
fine-tune runs 10-30x slower with two threads on a loaded 2-core machine). The Teach
panel's button and ``bench/teach_time.py`` both use it and run the result with
:func:`core.training.loop.run` (a generator of events with a stop flag, resumable like
every run). 10 actions x 5 takes train in a few seconds (``bench/teach_time.py``).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from core import runs
from core.config import TrainConfig, make_config
from core.datasets.custom import NO_ACTION, read_labels, recording_path
from core.datasets.recording import recording_info

TEACH_EPOCHS = 20
TEACH_BATCH = 16
TEACH_LR = 3e-3
TEACH_VAL_FRACTION = 0.2
MIN_RECORDINGS_FOR_VALIDATION = 3
"""Below this many recordings of some action, the GUI trains on all (no validation)."""

# Data settings that describe the dataset, not the preprocessing the encoder expects.
_DATASET_FIELDS = frozenset(
    ("dataset", "root", "protocol", "label_fraction", "labels_per_class",
     "max_clips", "cache_dir", "window_seconds", "val_fraction", "held_out",
     "pseudo_labels_from", "pseudo_per_class", "pseudo_clips", "pseudo_actions")
)  # fmt: skip


def teach_val_fraction(root: str | os.PathLike[str]) -> float:
    """The validation share 'Train on my actions' uses for the dataset at ``root``.

    :data:`TEACH_VAL_FRACTION` of every action's recordings when each action has at
    least :data:`MIN_RECORDINGS_FOR_VALIDATION` of them, else 0 (train on every take:
    with one or two takes of an action, holding one out leaves too little to learn).

    Raises:
        ValueError: If fewer than two actions are labelled (nothing to tell apart).
        DataFormatError: If ``labels.csv`` is malformed.
    """
    if not Path(root).expanduser().is_dir():
        raise ValueError(
            f"{Path(root).expanduser()}: no such dataset folder (record takes into it "
            "first, or choose the folder that holds them)"
        )
    actions = _usable_takes(root)
    if len(actions) < 2:
        raise ValueError(
            f"{Path(root).expanduser()}: record and label at least two actions (for "
            f'example yours and "{NO_ACTION}") before training; labelled: '
            + (", ".join(repr(a) for a in actions) or "none")
        )
    enough = min(actions.values()) >= MIN_RECORDINGS_FOR_VALIDATION
    return TEACH_VAL_FRACTION if enough else 0.0


def few_takes(root: str | os.PathLike[str]) -> list[str]:
    """The actions with fewer than :data:`MIN_RECORDINGS_FOR_VALIDATION` takes, as
    "wave (2)": the reason nothing is held out for validation."""
    return [
        f"{name!r} ({n})"
        for name, n in _usable_takes(root).items()
        if n < MIN_RECORDINGS_FOR_VALIDATION
    ]


def _usable_takes(root: str | os.PathLike[str]) -> dict[str, int]:
    """Per action, the recordings labelled with it that training reads (an
    unreadable one is left out with its labels: counted, it made the rule hold out
    one of two good takes and score the other: a trial)."""
    labelled: dict[str, set[str]] = {}
    for iv in read_labels(root):
        labelled.setdefault(iv.action, set()).add(iv.recording)
    usable: dict[str, bool] = {}
    for names in labelled.values():
        for name in names - usable.keys():
            try:
                info = recording_info(recording_path(root, name))
            except ValueError:  # a name no recording can have (read_labels says so)
                usable[name] = False
            else:
                usable[name] = info.path.is_file() and not info.error
    counts = {a: sum(usable[n] for n in names) for a, names in labelled.items()}
    return {a: n for a, n in sorted(counts.items()) if n}


@dataclasses.dataclass(frozen=True)
class TeachRuns:
    """The earlier 'Train on my actions' runs of a dataset folder worth showing.

    Attributes:
        finished: The newest run that trained all its epochs (its model can be used).
        resumable: A run newer than that one that was cancelled or killed (it can be
            resumed).
    """

    finished: Path | None = None
    resumable: Path | None = None


def _teach_prefix(root: str | os.PathLike[str]) -> str:
    name = Path(root).expanduser().resolve().name
    # Cut to 100 bytes: with "teach-" and the time the folder name stays far below the
    # file systems' 255-byte limit, which a long (or non-ASCII) dataset name passed.
    return "teach-" + name.encode()[:100].decode("utf-8", "ignore") + "-"


def _run_folders(
    runs_dir: str | os.PathLike[str] | None, prefix: str = ""
) -> list[Path]:
    """The folders in ``runs_dir`` (default: the runs folder) whose name starts with
    ``prefix`` (``[]`` when it cannot be read)."""
    from core.paths import default_runs_dir

    folder = Path(runs_dir).expanduser() if runs_dir else default_runs_dir()
    try:
        return [d for d in folder.iterdir() if d.name.startswith(prefix) and d.is_dir()]
    except OSError:
        return []


def _runs_reading(
    root: str | os.PathLike[str], run_dirs: list[Path]
) -> Iterator[tuple[Path, TrainConfig]]:
    """Of ``run_dirs``, in their order, the runs whose config reads the dataset at
    ``root``, with their configs (a damaged run is passed over)."""
    target = Path(root).expanduser().resolve()
    for run_dir in run_dirs:
        try:
            cfg = runs.read_run(run_dir).config
        except (OSError, ValueError, KeyError):
            continue
        if Path(cfg.data.root).expanduser().resolve() == target:
            yield run_dir, cfg


def earlier_teach_runs(
    root: str | os.PathLike[str], runs_dir: str | os.PathLike[str] | None = None
) -> TeachRuns:
    """The teach runs of the dataset at ``root`` that can be used or resumed (what the
    Teach panel shows again when the folder is opened, in this session or a later one).

    Runs are looked for in ``runs_dir`` (default: the runs folder), by the name
    :func:`teach_run_dir` gives them and the dataset their config names, newest (last
    written) first. A run is finished when its records reach its epochs and it has
    its weights, resumable when it has a checkpoint and did not; a damaged one is
    passed over. Only small files are read (no checkpoint, no lock taken), so this
    is quick enough for a GUI thread.
    """
    from core.training.history import last_finished_epoch

    candidates = _run_folders(runs_dir, _teach_prefix(root))

    def last_written(run_dir: Path) -> float:
        try:
            return (run_dir / runs.METRICS).stat().st_mtime
        except OSError:
            return 0.0

    resumable = None
    newest_first = sorted(candidates, key=last_written, reverse=True)
    for run_dir, cfg in _runs_reading(root, newest_first):
        done = last_finished_epoch(run_dir)
        if done >= cfg.optim.epochs and (run_dir / runs.WEIGHTS).is_file():
            return TeachRuns(run_dir, resumable)
        if done < cfg.optim.epochs and (run_dir / runs.LAST).is_file():
            resumable = resumable or run_dir
    return TeachRuns(None, resumable)


def rename_take(
    root: str | os.PathLike[str],
    old: str,
    new: str,
    runs_dir: str | os.PathLike[str] | None = None,
) -> list[Path]:
    """Rename a recording and its labels (:func:`core.datasets.custom.rename_recording`)
    and the name in the runs of the dataset that hold it out for validation, so that it
    stays on their validation side: renamed, a held-out take went to the training side
    of evaluation and resume, said only as "no longer in the folder" (a trial).

    Runs are looked for in ``runs_dir`` (default: the runs folder, where Teach puts
    them); a run folder elsewhere keeps the old name.

    Returns:
        The run folders whose config was updated.

    Raises:
        As ``rename_recording`` (nothing is changed then).
    """
    from dataclasses import replace

    from core.datasets.custom import rename_recording
    from core.datasets.recording import nfc

    rename_recording(root, old, new)
    old, new = nfc(old), nfc(new)  # as the file and its clips are named
    updated: list[Path] = []
    for run_dir, cfg in _runs_reading(root, sorted(_run_folders(runs_dir))):
        data = cfg.data
        if (
            data.dataset != "custom"
            or data.protocol != "recording"
            or old not in data.held_out
        ):
            continue
        held = tuple(new if name == old else name for name in data.held_out)
        try:
            replace(cfg, data=replace(data, held_out=held)).save(run_dir / runs.CONFIG)
        except OSError:
            continue  # a read-only copy of a run: it keeps the old name
        updated.append(run_dir)
    return updated


def teach_run_dir(root: str | os.PathLike[str]) -> Path:
    """A new run folder for 'Train on my actions' on the dataset at ``root``:
    ``teach-<dataset folder>-<time>`` in the runs folder (``-2``, ``-3``... when one
    of that name exists)."""
    from datetime import datetime

    from core.paths import default_runs_dir

    base = default_runs_dir() / f"{_teach_prefix(root)}{datetime.now():%Y%m%d-%H%M%S}"
    run, n = base, 2
    while run.exists():  # two in the same second (a script, a double click)
        run, n = base.with_name(f"{base.name}-{n}"), n + 1
    return run


def default_encoder() -> Path | None:
    """The run whose encoder a user's model starts from: the shipped model."""
    return runs.shipped_model_dir()


def teach_config(
    root: str | os.PathLike[str],
    run_dir: str | os.PathLike[str] = "",
    *,
    init_from: str | os.PathLike[str] | None = None,
    epochs: int = TEACH_EPOCHS,
    val_fraction: float | None = None,
    seed: int = 0,
    device: str = "auto",
    threads: int = 1,
    cache_dir: str = "",
    eval_every: int = 1,
) -> TrainConfig:
    """The config of 'Train on my actions' for the custom dataset at ``root``.

    Args:
        root: The user's dataset folder (recordings and ``labels.csv``).
        run_dir: Run folder to create (``""`` = a new one under the runs folder).
        init_from: Run whose encoder, architecture and preprocessing the model takes
            (a folder or a shipped model's name, :func:`core.runs.named_run`;
            ``None`` = the shipped model).
        epochs: Training epochs.
        val_fraction: Share of each action's recordings held out for validation
            (0 = train on every take, no validation); ``None``: the button's rule,
            :func:`teach_val_fraction` (0 when an action has fewer than three takes).
        seed: Seed of the split, initialisation and augmentation.
        device: ``"auto"``, ``"cpu"`` or ``"cuda[:i]"``.
        threads: Torch CPU threads (0 = torch's default).
        cache_dir: Clip cache folder (``""`` = the default).
        eval_every: Validate every this many epochs (and at the last).

    Returns:
        The config (validated); run it with ``core.training.loop.run(cfg, stop)``.

    Raises:
        FileNotFoundError: If there is no base run (none given and none shipped), or it
            is not a run folder.
        ValueError: If the base run is unreadable, a value is out of range, or (with
            ``val_fraction`` None) the folder is missing or has fewer than two actions.
    """
    if val_fraction is None:  # as the button and `ms2l teach` choose it (a trial)
        val_fraction = teach_val_fraction(root)
    base_dir = Path(init_from).expanduser() if init_from else default_encoder()
    if base_dir is None:
        raise FileNotFoundError("no model is shipped to start from: give init_from")
    info = runs.read_run(base_dir)  # a shipped model's name too
    base_dir, base = info.run_dir, info.config
    model = dataclasses.asdict(base.model)
    preset = model.pop("preset")
    data: dict[str, Any] = {
        k: v
        for k, v in dataclasses.asdict(base.data).items()
        if k not in _DATASET_FIELDS
    }
    data.update(val_fraction=val_fraction, cache_dir=cache_dir)
    from models.encoders import ENCODERS  # torch: not at the GUI's import

    if not ENCODERS[base.model.encoder].layout_bound:
        # A BiGRU's input weights convert to any body count: every person of the
        # user's recordings is seen (the base's one body left a handshake's partner
        # out, unsaid), as `ms2l train --init-from` does. A graph encoder's weights
        # are tied to the base's body count.
        data["num_bodies"] = 0
    # A user's actions may differ only by side (wave the left hand, wave the right):
    # mirrored takes would teach the model to confuse them.
    data["augment"] = {**data["augment"], "mirror": 0.0}
    return make_config(
        dataset="custom",
        root=str(Path(root).expanduser()),
        protocol="recording",
        strategy="finetune",
        preset=preset,
        data=data,
        model=model,
        optim={
            "epochs": epochs,
            "batch_size": TEACH_BATCH,
            "lr": TEACH_LR,
            "lr_step": 0,
            # takes and spans come in unequal numbers: every action counts alike
            "balance_classes": True,
        },
        run={
            "run_dir": str(run_dir),
            "seed": seed,
            "device": device,
            "threads": threads,
            "eval_every": eval_every,
        },
        strategy_options={"init_from": str(base_dir.resolve())},
    )
