"""The learning-rate schedules of a run."""

from __future__ import annotations

import math

import pytest
import torch

from core.config import TrainConfig, make_config
from core.training.events import BatchDone
from core.training.loop import lr_at, run
from tests.core.training.conftest import tiny_config


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


def _moved(before: dict, after: dict, prefix: str, inside: bool) -> float:
    """Mean absolute change of the parameters whose names start (or not) with prefix."""
    keys = [
        k
        for k in before
        if k.startswith(prefix) == inside and before[k].is_floating_point()
    ]
    assert keys
    return float(
        torch.cat([(after[k] - before[k]).abs().flatten() for k in keys]).mean()
    )


def test_a_lower_encoder_rate_moves_the_encoder_less_and_the_classifier_alike(
    tiny_data, tmp_path
):
    pre = tiny_config(tiny_data, tmp_path / "pre", strategy="pretrain", epochs=1)
    list(run(pre))
    start = torch.load(tmp_path / "pre" / "last.pt", weights_only=True)["model"]

    def finetune(name: str, scale: float) -> dict:
        cfg = tiny_config(
            tiny_data,
            tmp_path / name,
            strategy="finetune",
            epochs=3,
            optim={"encoder_lr_scale": scale},
            strategy_options={"init_from": str(tmp_path / "pre")},
        )
        events = list(run(cfg))
        # the schedule's rate is reported; the encoder's is a fraction of it
        assert {e.lr for e in events if isinstance(e, BatchDone)} == {0.01}
        return torch.load(tmp_path / name / "last.pt", weights_only=True)["model"]

    full, slow = finetune("full", 1.0), finetune("slow", 0.1)
    enc_full = _moved(start, full, "encoder.", True)
    enc_slow = _moved(start, slow, "encoder.", True)
    assert enc_slow < 0.3 * enc_full
    cls_full = _moved(start, full, "encoder.", False)
    cls_slow = _moved(start, slow, "encoder.", False)
    assert 0.5 * cls_full < cls_slow < 2 * cls_full


def test_encoder_rate_scale_is_checked_and_kept_in_the_run_config(tmp_path):
    for bad in (0.0, -1.0, 1.5, float("nan")):
        with pytest.raises(ValueError, match="encoder_lr_scale"):
            make_config(strategy="scratch", optim={"encoder_lr_scale": bad})
    cfg = make_config(strategy="scratch", optim={"encoder_lr_scale": 0.25})
    cfg.save(tmp_path / "config.json")
    assert TrainConfig.load(tmp_path / "config.json").optim.encoder_lr_scale == 0.25
