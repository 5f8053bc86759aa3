"""The MS²L network: shapes, length handling, export path, heads, presets."""

from __future__ import annotations

import math

import pytest
import torch

from models import MODELS, MS2L
from models.encoders import flatten_frames, masked_mean


def _model(**kw) -> MS2L:
    torch.manual_seed(0)
    return MS2L(
        num_joints=20, num_bodies=2, num_classes=5, hidden=6, decoder_hidden=7, **kw
    )


def test_registry_builds_by_name():
    assert MODELS["ms2l"] is MS2L


def test_frames_flatten_in_m_v_c_order():
    x = torch.arange(2 * 3 * 2 * 4 * 3, dtype=torch.float32).view(2, 3, 2, 4, 3)
    flat = flatten_frames(x)
    assert flat.shape == (2, 3, 24)
    # body 1, joint 2, coordinate 1 of frame (0, 1) is at (1 * 4 + 2) * 3 + 1
    assert flat[0, 1, (1 * 4 + 2) * 3 + 1] == x[0, 1, 1, 2, 1]


def test_padding_does_not_change_a_clips_logits():
    model = _model().eval()
    clip = torch.randn(1, 9, 2, 20, 3)
    padded = torch.zeros(2, 15, 2, 20, 3)
    padded[0, :9] = clip[0]
    padded[0, 9:] = 100.0  # garbage past the length must be ignored
    padded[1] = torch.randn(15, 2, 20, 3)
    alone = model(clip, torch.tensor([9]))
    batched = model(padded, torch.tensor([9, 15]))
    torch.testing.assert_close(batched[0], alone[0], rtol=1e-5, atol=1e-5)
    assert batched.shape == (2, 5)


@pytest.mark.parametrize("classifier", ["gru", "linear"])
def test_export_module_matches_forward_on_full_length_clips(classifier):
    model = _model(classifier=classifier).eval()
    x = torch.randn(3, 11, 2, 20, 3)
    logits, features = model.export_module()(x)
    torch.testing.assert_close(logits, model(x), rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(features, model.classify(x)[1], rtol=1e-6, atol=1e-6)


def test_wrong_frame_size_is_a_clear_error():
    model = _model()
    with pytest.raises(ValueError, match="numbers per frame"):
        model(torch.randn(1, 5, 1, 20, 3))
    with pytest.raises(ValueError, match=r"\(N, T, M, V, C\)"):
        model(torch.randn(5, 1, 20, 3))


def test_heads_have_the_paper_shapes():
    model = _model(jigsaw_segments=3)
    h, last = model.encode(torch.randn(4, 10, 2, 20, 3), torch.tensor([10, 7, 3, 1]))
    assert h.shape == (4, 10, 12) and last.shape == (4, 12)
    assert torch.all(h[2, 3:] == 0) and torch.all(h[3, 1:] == 0)
    assert model.jigsaw_head(last).shape == (4, math.factorial(3))
    assert model.contrastive_head(last).shape == (4, 60)
    pred = model.motion_head(last, torch.zeros(4, 120), steps=6)
    assert pred.shape == (4, 6, 120)


def test_masked_mean_ignores_padding():
    h = torch.tensor([[[1.0], [3.0], [50.0]]])
    assert masked_mean(h, torch.tensor([2])).item() == pytest.approx(2.0)


def test_official_sized_model_runs():
    model = MS2L(20, 1, 10, hidden=300, layers=2, head_dim=2048, head_layers=2,
                 proj_dim=128, decoder_hidden=600, classifier="linear")  # fmt: skip
    assert model(torch.randn(2, 8, 1, 20, 3)).shape == (2, 10)
