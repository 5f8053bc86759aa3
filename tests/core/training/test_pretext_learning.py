"""The self-supervised tasks carry signal on real NW-UCLA clips.

The jigsaw head once stayed at chance (a slow-learning input, features averaged over
time, and a learning rate decayed to its floor before the head could learn) and the
contrastive positive contained the anchor itself (a loss that falls without any
invariance being learnt); these tests would have caught both.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from core import runs
from core.config import make_config
from core.training.data import drain, load_data
from core.training.pretext_eval import pretext_scores
from models.objective import Objective
from models.pretext import make_pretext
from tests.conftest import require_data


@pytest.fixture(scope="module")
def real_clips():
    """``(cfg, data)``: 96 view-1 training clips and 96 view-2 held-out clips, T=32."""
    root = require_data("nw-ucla", "all_sqe.zip")
    cfg = make_config(
        root=str(root),
        protocol="xview-val",
        strategy="pretrain",
        preset="paper",
        data={"frames": 32, "max_clips": 96},
        model={"hidden": 30, "temperature": 0.1},
        optim={"batch_size": 32, "lr": 0.01},
        strategy_options={"tasks": ("jigsaw",)},
    )
    return cfg, drain(load_data(cfg.data, 0))


def _train(cfg, data, tasks, steps, seed=0):
    torch.manual_seed(seed)
    model = runs.new_model(cfg.model, 20, 1, 10)
    objective = Objective(model, tasks, cfg.model.temperature, use_cls=False)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.optim.lr)
    rng = np.random.default_rng(seed)
    losses = []
    for step in range(steps):
        pos = rng.choice(len(data.train), size=32, replace=False)
        x, lengths, labels = data.train.batch(pos, cfg.data)
        gen = torch.Generator().manual_seed(step)
        pretext = make_pretext(x, lengths, 0.75, 0.05, 3, gen)
        out = objective(x, lengths, labels, pretext, 0.0, 1.0)
        opt.zero_grad()
        out["total"].backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        losses.append({k: float(v.detach()) for k, v in out.items()})
    return model, losses


def test_jigsaw_head_learns_real_clips_well_above_chance(real_clips):
    cfg, data = real_clips
    torch.set_num_threads(1)
    model, losses = _train(cfg, data, ("jigsaw",), steps=150)
    assert np.mean([x["jigsaw"] for x in losses[-20:]]) < 0.8 * math.log(6)
    # Fresh permutations of the training clips, and clips of another view.
    seen = pretext_scores(model, data.train, cfg, seed=99)
    held_out = pretext_scores(model, data.test, cfg, seed=99)
    assert seen["jigsaw_acc"] > 0.45, seen
    assert held_out["jigsaw_acc"] > 0.3, held_out  # chance: 1/6


def test_contrastive_loss_of_a_constant_encoder_is_chance_on_real_clips(real_clips):
    cfg, data = real_clips
    torch.set_num_threads(1)
    model = runs.new_model(cfg.model, 20, 1, 10)
    for p in model.encoder.parameters():  # every clip, every view -> the same feature
        torch.nn.init.zeros_(p)
    x, lengths, labels = data.train.batch(np.arange(32), cfg.data)
    pretext = make_pretext(x, lengths, 0.75, 0.05, 3, torch.Generator().manual_seed(0))
    objective = Objective(model, ("contrastive",), 0.1, use_cls=False)
    with torch.no_grad():
        loss = objective(x, lengths, labels, pretext, 0.0, 1.0)["contrastive"]
    assert float(loss) == pytest.approx(math.log(32), rel=1e-4)

    # A trained encoder goes below chance, and finds clips among the held-out ones.
    trained, losses = _train(cfg, data, ("contrastive",), steps=40)
    assert np.mean([x["contrastive"] for x in losses[-5:]]) < 0.5 * math.log(32)
    scores = pretext_scores(trained, data.test, cfg, seed=1)
    assert scores["contrastive_top1"] > 10 / len(data.test)
