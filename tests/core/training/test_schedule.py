"""The learning-rate schedules of a run."""

from __future__ import annotations

import math

import pytest

from core.config import make_config
from core.training.loop import lr_at


def test_cosine_schedule_falls_from_lr_to_min_lr_over_the_run():
    cfg = make_config(
        strategy="pretrain",
        preset="paper",
        optim={"lr": 0.01, "min_lr": 1e-5, "lr_schedule": "cosine", "lr_step": 3},
    )
    total = 1000
    lrs = [lr_at(cfg, s, 1 + s // 10, total) for s in range(total + 1)]
    assert lrs[0] == pytest.approx(0.01)
    assert lrs[total // 2] == pytest.approx((0.01 + 1e-5) / 2)
    assert lrs[-1] == pytest.approx(1e-5)
    assert all(a >= b for a, b in zip(lrs, lrs[1:]))  # never rises, no steps
    assert lrs[300] > 0.5 * 0.01 * (1 + math.cos(math.pi * 0.3)) * 0.99


def test_step_schedule_is_unchanged_and_bad_names_are_refused():
    cfg = make_config(
        strategy="pretrain",
        preset="paper",
        optim={"lr": 0.01, "min_lr": 1e-4, "lr_step": 15, "lr_step_unit": "epoch"},
    )
    assert lr_at(cfg, 0, 15) == pytest.approx(0.01)
    assert lr_at(cfg, 0, 16) == pytest.approx(0.001)
    assert lr_at(cfg, 0, 100) == pytest.approx(1e-4)
    with pytest.raises(ValueError, match="lr_schedule"):
        make_config(strategy="pretrain", optim={"lr_schedule": "linear"})
