"""'Train on my actions': the default recipe for a user's own dataset, as one config.

The GUI's button and ``bench/teach_time.py`` both call :func:`teach_config` and run the
result with :func:`core.training.loop.run` (a generator of training events with a stop
flag, resumable like every run). The recipe fine-tunes the encoder of the shipped model
(``resources/checkpoints/nw-ucla-ms2l``) with a new classifier for the user's classes:
its architecture (``paper`` preset, 64 units), its layout (``ucla20``), T = 64, batch 16,
Adam at a constant 0.003, the shipped model's augmentation, 20 epochs, one take in five
of every action held out for validation. 10 actions x 5 takes train in ~10 s on a
shared 2-core CPU (``bench/teach_time.py``).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from core.paths import CHECKPOINTS_DIR
from core.training.config import TrainConfig, make_config

DEFAULT_ENCODER = CHECKPOINTS_DIR / "nw-ucla-ms2l"
"""The run whose encoder a user's model starts from (the shipped model)."""

TEACH_RECIPE: dict[str, Any] = {
    "strategy": "finetune",
    "layout": "ucla20",
    "frames": 64,
    "epochs": 20,
    "batch_size": 16,
    "lr": 0.003,
    "val_fraction": 0.2,
    "augment": {
        "rotate_degrees": 30.0,
        "scale": 0.15,
        "noise_std": 0.01,
        "speed": 0.2,
        "drop_prob": 0.1,
    },
}
"""The default recipe (chosen with ``bench/teach_time.py``'s held-out takes)."""


def teach_config(
    root: str | os.PathLike[str],
    run_dir: str | os.PathLike[str] = "",
    *,
    init_from: str | os.PathLike[str] = DEFAULT_ENCODER,
    epochs: int = TEACH_RECIPE["epochs"],
    val_fraction: float = TEACH_RECIPE["val_fraction"],
    seed: int = 0,
    device: str = "auto",
    threads: int = 0,
    cache_dir: str = "",
) -> TrainConfig:
    """The config of 'Train on my actions' for the custom dataset at ``root``.

    Args:
        root: The user's dataset folder (recordings and ``labels.csv``).
        run_dir: Run folder to create (``""`` = a new one under ``~/ms2l-runs``).
        init_from: Run whose encoder (and architecture) the model starts from.
        epochs: Training epochs.
        val_fraction: Share of each action's recordings held out for validation
            (0 = train on every take, no validation).
        seed: Seed of the split, initialisation and augmentation.
        device: ``"auto"``, ``"cpu"`` or ``"cuda[:i]"``.
        threads: Torch CPU threads (0 = torch's default).
        cache_dir: Clip cache folder (``""`` = the default).

    Returns:
        The config; run it with ``core.training.loop.run(cfg, stop)``.

    Raises:
        FileNotFoundError: If ``init_from`` is not a run folder.
        ValueError: If it is not a finished run, or a value is out of range.
    """
    from core.training.checkpoint import read_run

    model = dataclasses.asdict(read_run(init_from).config.model)
    preset = model.pop("preset")
    r = TEACH_RECIPE
    return make_config(
        dataset="custom",
        root=str(Path(root).expanduser()),
        protocol="recording",
        strategy=r["strategy"],
        preset=preset,
        data={
            "layout": r["layout"],
            "frames": r["frames"],
            "augment": dict(r["augment"]),
            "val_fraction": val_fraction,
            "cache_dir": cache_dir,
        },
        model=model,
        optim={
            "epochs": epochs,
            "batch_size": r["batch_size"],
            "lr": r["lr"],
            "lr_step": 0,
        },
        run={
            "run_dir": str(run_dir),
            "seed": seed,
            "device": device,
            "threads": threads,
        },
        strategy_options={"init_from": str(Path(init_from).expanduser())},
    )
