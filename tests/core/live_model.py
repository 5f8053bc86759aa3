"""A small real run folder for the live-pipeline tests (random weights, no training).

The tests that use it check plumbing (shapes, threads, backends agreeing), not accuracy,
so an untrained model built by the engine's own ``runs.new_model`` and saved in the run-folder
format is enough and takes milliseconds.
"""

from __future__ import annotations

from pathlib import Path

import torch

from core import runs
from core.config import make_config
from core.labels import class_names
from core.skeleton import get_layout


def make_run(
    run_dir: Path,
    dataset: str = "ntu60",
    layout: str = "ntu25",
    num_bodies: int = 2,
    frames: int = 32,
    window_seconds: float = 1.5,
    hidden: int = 16,
    seed: int = 0,
) -> Path:
    """Write ``config.json``, ``labels.json`` and ``weights.pt`` of an untrained model."""
    cfg = make_config(
        dataset=dataset,
        data={
            "layout": layout,
            "num_bodies": num_bodies,
            "frames": frames,
            "window_seconds": window_seconds,
        },
        model={"hidden": hidden},
    )
    names = class_names(dataset)
    torch.manual_seed(seed)
    model = runs.new_model(
        cfg.model, get_layout(layout).num_joints, num_bodies, len(names)
    )
    run_dir.mkdir(parents=True, exist_ok=True)
    cfg.save(run_dir / runs.CONFIG)
    runs.save_labels(run_dir, names, dataset)
    runs.atomic_save(model.state_dict(), run_dir / runs.WEIGHTS)
    return run_dir
