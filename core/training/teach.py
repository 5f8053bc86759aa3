"""The sensible default for "train on my actions": fine-tune a base model on a custom dataset.

A person who recorded a handful of takes per action wants a model of *their* classes in
seconds, on a CPU. :func:`teach_config` builds that run's configuration from a base run
(the shipped model by default): the base model's architecture and preprocessing (layout,
frames, alignment, scale, augmentation), its encoder as the starting point, a fresh
classifier for the user's classes, and a short schedule. The Teach panel and
``ms2l train --dataset custom --init-from BASE`` use the same settings.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from core import runs
from core.config import TrainConfig, make_config

# Few clips per class: many short epochs, moderate rate, augmentation on (inherited).
TEACH_EPOCHS = 30
TEACH_BATCH = 16
TEACH_LR = 3e-3
# Hold recordings out for validation only when every action has enough of them.
MIN_RECORDINGS_FOR_VALIDATION = 3


def teach_config(
    root: str | os.PathLike[str],
    base_run: str | os.PathLike[str],
    run_dir: str | os.PathLike[str] = "",
    *,
    epochs: int = TEACH_EPOCHS,
    recordings_per_action: int = 0,
    device: str = "auto",
    seed: int = 0,
) -> TrainConfig:
    """The configuration of a fine-tuning run on the user's recordings.

    Args:
        root: The custom dataset folder (recordings and ``labels.csv``).
        base_run: Run folder whose encoder starts the training (e.g. the shipped model).
        run_dir: Where the new run goes (``""``: a new folder under the runs folder).
        epochs: Training epochs.
        recordings_per_action: The fewest recordings any action has; below
            :data:`MIN_RECORDINGS_FOR_VALIDATION` everything trains (no validation).
        device: ``"auto"``, ``"cpu"`` or ``"cuda[:i]"``.
        seed: Seed of every random choice.

    Returns:
        The config (validated).

    Raises:
        FileNotFoundError: If the base run folder or its files are missing.
        ValueError: If the base run is unreadable.
    """
    base = runs.read_run(base_run).config
    keep_model = {
        f.name: getattr(base.model, f.name)
        for f in dataclasses.fields(base.model)
        if f.name != "preset"
    }
    data = base.data
    val = 0.2 if recordings_per_action >= MIN_RECORDINGS_FOR_VALIDATION else 0.0
    return make_config(
        dataset="custom",
        root=str(Path(root).expanduser()),
        strategy="finetune",
        preset=base.model.preset,
        data={
            "layout": data.layout,
            "frames": data.frames,
            "time_mode": data.time_mode,
            "align": data.align,
            "scale": data.scale,
            "augment": dataclasses.asdict(data.augment),
            "val_fraction": val,
        },
        model=keep_model,
        optim={
            "epochs": epochs,
            "batch_size": TEACH_BATCH,
            "lr": TEACH_LR,
            "lr_step": 0,
        },
        # Validation every few epochs: on a few clips it costs as much as training.
        run={"run_dir": str(run_dir), "device": device, "seed": seed, "eval_every": 5},
        strategy_options={"init_from": str(Path(base_run).expanduser().resolve())},
    )
