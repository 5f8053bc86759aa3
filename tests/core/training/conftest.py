"""Tiny synthetic NW-UCLA data (real ``all_sqe`` JSON format) and tiny training configs.

Three actions that differ by motion (right arm raised, left arm raised, walking), seen from
three views (rotations about the vertical axis), so that a model with 8 hidden units learns
them in a few epochs on one CPU core. Files are written once per session into a temporary
folder and read through the real NW-UCLA reader and clip cache.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.config import TrainConfig, make_config

# A standing Kinect v1 skeleton (metres, y up), UCLA20 joint order.
_BASE = np.array(
    [
        [0.0, 0.0, 0.0], [0.0, 0.25, 0.0], [0.0, 0.5, 0.0], [0.0, 0.68, 0.0],
        [-0.18, 0.45, 0.0], [-0.2, 0.2, 0.0], [-0.2, -0.02, 0.0], [-0.2, -0.1, 0.0],
        [0.18, 0.45, 0.0], [0.2, 0.2, 0.0], [0.2, -0.02, 0.0], [0.2, -0.1, 0.0],
        [-0.1, -0.05, 0.0], [-0.1, -0.45, 0.0], [-0.1, -0.85, 0.0], [-0.1, -0.9, 0.08],
        [0.1, -0.05, 0.0], [0.1, -0.45, 0.0], [0.1, -0.85, 0.0], [0.1, -0.9, 0.08],
    ],
    dtype=np.float64,
)  # fmt: skip
ACTIONS = ("a01", "a02", "a03")


def synthetic_clip(
    action: int, view: int, length: int, rng: np.random.Generator
) -> np.ndarray:
    """One clip ``(T, 20, 3)`` of an action seen from a view, in camera space."""
    phase = np.linspace(0, np.pi, length)
    x = np.repeat(_BASE[None], length, axis=0)
    if action == 0:  # raise the right arm (elbow, wrist, hand)
        x[:, 9:12, 1] += 0.5 * np.sin(phase)[:, None] * np.array([0.5, 1.0, 1.2])
    elif action == 1:  # raise the left arm
        x[:, 5:8, 1] += 0.5 * np.sin(phase)[:, None] * np.array([0.5, 1.0, 1.2])
    else:  # walk sideways, legs swinging
        x[:, :, 0] += np.linspace(0, 0.8, length)[:, None]
        x[:, 13:16, 2] += 0.2 * np.sin(4 * phase)[:, None]
        x[:, 17:20, 2] -= 0.2 * np.sin(4 * phase)[:, None]
    angle = np.deg2rad((0.0, 40.0, -40.0)[view - 1])
    c, s = np.cos(angle), np.sin(angle)
    rot = np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
    x = x @ rot.T + np.array([0.1, 0.0, 3.0])
    return (x + rng.normal(0, 0.01, x.shape)).astype(np.float32)


def write_dataset(root: Path, subjects: int = 4, seed: int = 0) -> Path:
    """Write NW-UCLA ``all_sqe`` JSON files for 3 actions x ``subjects`` x 3 views."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    for a, action in enumerate(ACTIONS):
        for s in range(1, subjects + 1):
            for view in (1, 2, 3):
                name = f"{action}_s{s:02d}_e00_v{view:02d}"
                clip = synthetic_clip(a, view, int(rng.integers(18, 36)), rng)
                doc = {"file_name": name, "skeletons": clip.round(4).tolist()}
                (root / f"{name}.json").write_text(json.dumps(doc))
    return root


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """``(dataset folder, cache folder)`` of the synthetic set (built once)."""
    base = tmp_path_factory.mktemp("tiny-ucla")
    return write_dataset(base / "all_sqe"), base / "cache"


def tiny_config(
    tiny_data: tuple[Path, Path],
    run_dir: Path,
    strategy: str = "scratch",
    epochs: int = 3,
    **sections: dict,
) -> TrainConfig:
    """A config that trains in about a second: T=16, 8 hidden units, batch 8, CPU."""
    root, cache = tiny_data
    data = {"frames": 16, "cache_dir": str(cache), **sections.pop("data", {})}
    model = {"hidden": 8, "decoder_hidden": 8, "classifier_hidden": 8, "proj_dim": 8}
    model.update(sections.pop("model", {}))
    optim = {"epochs": epochs, "batch_size": 8, "lr": 0.01, "lr_step": 0}
    optim.update(sections.pop("optim", {}))
    run = {"run_dir": str(run_dir), "device": "cpu", **sections.pop("run", {})}
    return make_config(
        dataset="nw-ucla",
        root=str(root),
        strategy=strategy,
        preset=sections.pop("preset", "paper"),
        data=data,
        model=model,
        optim=optim,
        run=run,
        strategy_options=sections.pop("strategy_options", {}),
    )


def assert_learned(epochs: list, strategy: str) -> None:
    """The classifier loss fell over the epochs (and, for ``joint``, every pretext loss
    is there and the total fell), and the last epoch was validated."""
    first, last = epochs[0].losses, epochs[-1].losses
    assert last["cls"] < first["cls"]
    if strategy == "joint":
        assert {"motion", "jigsaw", "contrastive"} <= set(last)
        assert last["total"] < first["total"]
    assert epochs[-1].val_acc is not None
