"""The encoder registry: the recognizer, its heads and every loss work with any
registered encoder, not only the BiGRU (a graph encoder is the next to come)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from models import build_model
from models.encoders import ENCODERS, BiGRUEncoder, SequenceEncoder, build_encoder
from models.objective import Objective
from models.pretext import make_pretext


class MeanPoolEncoder(SequenceEncoder):
    """A deliberately different encoder: a per-frame MLP plus a running mean."""

    input_weights = ("frame.weight",)

    def __init__(self, in_features: int, hidden: int, layers: int = 1) -> None:
        super().__init__()
        self.frame = nn.Linear(in_features, hidden)
        self.width = hidden

    @property
    def out_dim(self) -> int:
        return self.width

    def forward(self, x, lengths=None):
        h = torch.tanh(self.frame(x.flatten(2)))
        steps = torch.arange(1, h.shape[1] + 1, device=h.device)[None, :, None]
        running = h.cumsum(1) / steps
        last = (
            running[:, -1]
            if lengths is None
            else running[torch.arange(h.shape[0]), (lengths - 1).clamp_min(0)]
        )
        return running, last


def test_unknown_encoder_is_named():
    with pytest.raises(KeyError, match="unknown encoder 'transformer'"):
        build_encoder("transformer", 60, 8)


def test_bigru_is_the_default_and_keeps_its_weight_names():
    model = build_model("ms2l", num_joints=20, num_bodies=1, num_classes=4, hidden=8)
    assert isinstance(model.encoder, BiGRUEncoder)
    names = set(model.state_dict())
    assert {f"encoder.{n}" for n in model.encoder.input_weights} <= names


def test_every_loss_trains_a_second_registered_encoder(monkeypatch):
    monkeypatch.setitem(ENCODERS, "meanpool", MeanPoolEncoder)
    torch.manual_seed(0)
    model = build_model(
        "ms2l", num_joints=20, num_bodies=1, num_classes=3, encoder="meanpool",
        hidden=16, head_dim=16, proj_dim=16, decoder_hidden=16, classifier_hidden=16,
    )  # fmt: skip
    assert isinstance(model.encoder, MeanPoolEncoder)
    x = torch.randn(6, 24, 1, 20, 3)
    lengths = torch.tensor([24, 20, 18, 24, 12, 16])
    labels = torch.tensor([0, 1, 2, 0, 1, -1])
    gen = torch.Generator().manual_seed(0)
    pretext = make_pretext(x, lengths, 0.3, 0.01, 3, gen)
    tasks = ("motion", "jigsaw", "contrastive")
    objective = Objective(model, tasks, temperature=0.5, use_cls=True)
    out = objective(x, lengths, labels, pretext, 1.0, 1.0)
    assert set(out) == {"total", "cls", *tasks}
    assert all(torch.isfinite(v) for v in out.values())
    out["total"].backward()
    assert model.encoder.frame.weight.grad is not None
    assert model.encoder.frame.weight.grad.abs().sum() > 0
    assert model(x, lengths).shape == (6, 3)
