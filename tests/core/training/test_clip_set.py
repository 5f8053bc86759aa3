"""The training loop's clip set: model input fitted to the config asked for."""

from __future__ import annotations

import dataclasses

import numpy as np

from core.training.data import ClipSet
from tests.core.training.conftest import tiny_config


def test_unaugmented_batches_follow_the_config_of_each_call(tiny_data, tmp_path):
    """The fitted tensor was kept from the first call: a later call with other frames
    got clips fitted for the first config (a review)."""
    rng = np.random.default_rng(0)
    clips = [rng.normal(size=(n, 1, 20, 3)).astype(np.float32) for n in (20, 40, 9)]
    clip_set = ClipSet(clips, np.array([0, 1, 2]), ["a", "b", "c"], np.arange(3))
    cfg = tiny_config(tiny_data, tmp_path / "r").data  # T = 16
    x16, lengths16, _ = clip_set.batch([0, 1, 2], cfg)
    longer = dataclasses.replace(cfg, frames=32)
    x32, lengths32, _ = clip_set.batch([0, 1, 2], longer)
    assert x16.shape[1] == 16 and x32.shape[1] == 32
    assert lengths32.max() > lengths16.max()
    again, _, _ = clip_set.batch([0, 1, 2], cfg)
    assert again.shape[1] == 16
