"""The graph encoder: adjacency from the layout's bones, shapes, length masking, heads."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core import runs
from core.config import make_config, model_preset
from core.inference import Predictor
from core.inference.onnx import OnnxBackend, export_module
from core.skeleton import get_layout
from models import build_model
from models.encoders import ENCODERS, GraphEncoder, build_encoder
from models.gcn import adjacency, block_plan
from models.objective import Objective
from models.pretext import make_pretext


@pytest.mark.parametrize("name", ["ntu25", "ucla20"])
def test_adjacency_is_the_layouts_bones(name):
    layout = get_layout(name)
    v = layout.num_joints
    a = adjacency(v, layout.bones)
    assert a.shape == (3, v, v)
    assert torch.equal(a[0], torch.eye(v))
    # Partition 1 links each child to its parent, partition 2 each parent to its
    # children; nothing else is linked.
    inward = {(i, j) for i, j in torch.nonzero(a[1]).tolist()}
    outward = {(i, j) for i, j in torch.nonzero(a[2]).tolist()}
    assert inward == set(layout.bones)
    assert outward == {(p, c) for c, p in layout.bones}
    # A tree rooted at joint 0: every joint but the root has exactly one parent.
    assert torch.allclose(a[1].sum(1), (torch.arange(v) != 0).float())
    rows = a[2].sum(1)
    assert torch.allclose(rows[rows > 0], torch.ones(int((rows > 0).sum())))


def test_graph_conv_sums_each_partition_over_its_neighbours():
    """The matrix-product form equals the definition, joint by joint."""
    from models.gcn import GraphConv

    torch.manual_seed(0)
    conv = GraphConv(4, 5, 3)
    x = torch.randn(2, 4, 6, 7)
    a = torch.rand(3, 7, 7)
    y = conv.conv(x).view(2, 3, 5, 6, 7)
    want = torch.zeros(2, 5, 6, 7)
    for k in range(3):
        for w in range(7):
            for v in range(7):
                want[..., w] += a[k, w, v] * y[:, k, :, :, v]
    assert torch.allclose(conv(x, a), want, atol=1e-5)


def test_adjacency_rejects_bad_edges():
    with pytest.raises(ValueError, match="outside 0..19"):
        adjacency(20, [(0, 20)])
    with pytest.raises(ValueError, match="joins a joint to itself"):
        adjacency(20, [(3, 3)])


def test_gcn_needs_the_bones_and_the_light_preset_sizes_it():
    with pytest.raises(ValueError, match="needs the layout's bones"):
        build_encoder("gcn", 60, 32, 6, num_joints=20)
    assert ENCODERS["gcn"] is GraphEncoder
    cfg = model_preset("official", encoder="gcn")
    assert (cfg.hidden, cfg.layers) == (32, 6)
    assert block_plan(32, 6) == [
        (32, 32, 1), (32, 32, 1), (32, 64, 2), (64, 64, 1), (64, 128, 2), (128, 128, 1)
    ]  # fmt: skip
    assert model_preset("paper", encoder="gcn", hidden=16).hidden == 16


def _model(layout: str = "ucla20", bodies: int = 1) -> torch.nn.Module:
    cfg = model_preset(
        "paper", encoder="gcn", hidden=8, layers=4, decoder_hidden=8, proj_dim=8,
        head_dim=8, classifier_hidden=8,
    )  # fmt: skip
    lay = get_layout(layout)
    return runs.new_model(cfg, lay.num_joints, bodies, 5, layout=layout)


def test_shapes_and_padding_never_reaches_valid_frames():
    torch.manual_seed(0)
    model = _model().eval()
    enc = model.encoder
    assert isinstance(enc, GraphEncoder) and enc.out_dim == 32
    x = torch.randn(3, 40, 1, 20, 3)
    lengths = torch.tensor([40, 23, 7])
    with torch.no_grad():
        h, last = enc(x, lengths)
        assert h.shape == (3, 40, 32) and last.shape == (3, 32)
        assert h[1, 23:].abs().sum() == 0 and h[2, 7:].abs().sum() == 0
        for i, n in enumerate(lengths.tolist()):
            alone, alone_last = enc(x[i : i + 1, :n], None)
            torch.testing.assert_close(h[i, :n], alone[0], atol=1e-5, rtol=0)
            torch.testing.assert_close(last[i], alone_last[0], atol=1e-5, rtol=0)
            # What lies past the length does not matter.
            noisy = x[i : i + 1].clone()
            noisy[:, n:] = 100.0
            h2, _ = enc(noisy, lengths[i : i + 1])
            torch.testing.assert_close(h2[0], h[i], atol=1e-5, rtol=0)
        assert model(x, lengths).shape == (3, 5)
        with pytest.raises(ValueError, match=r"expects \(N, T, 1, 20, 3\)"):
            enc(torch.randn(2, 40, 1, 25, 3))


def test_two_bodies_are_folded_and_averaged():
    torch.manual_seed(0)
    model = _model("ntu25", 2).eval()
    x = torch.randn(2, 24, 2, 25, 3)
    swapped = x.flip(2)  # the same people, listed in the other order
    with torch.no_grad():
        torch.testing.assert_close(model(x), model(swapped), atol=1e-5, rtol=0)


def test_every_pretext_loss_trains_the_graph_encoder():
    torch.manual_seed(0)
    model = _model()
    x = torch.randn(6, 24, 1, 20, 3)
    lengths = torch.tensor([24, 20, 18, 24, 12, 16])
    labels = torch.tensor([0, 1, 2, 3, 4, -1])
    pretext = make_pretext(x, lengths, 0.3, 0.01, 3, torch.Generator().manual_seed(0))
    tasks = ("motion", "jigsaw", "contrastive")
    out = Objective(model, tasks, temperature=0.5, use_cls=True)(
        x, lengths, labels, pretext, 1.0, 1.0
    )
    assert set(out) == {"total", "cls", *tasks}
    assert all(torch.isfinite(v) for v in out.values())
    out["total"].backward()
    grads = [p.grad for p in model.encoder.parameters()]
    assert all(g is not None and g.abs().sum() > 0 for g in grads)


def test_bigru_models_build_as_before():
    model = build_model("ms2l", num_joints=20, num_bodies=1, num_classes=4, hidden=8)
    assert type(model.encoder).__name__ == "BiGRUEncoder"


def test_export_keeps_an_eval_model_in_eval_mode_and_matches(tmp_path):
    """The exporter restores the wrapper's mode; it must not put BatchNorm in training."""
    torch.manual_seed(0)
    model = _model().eval()
    x = np.random.default_rng(0).normal(size=(1, 32, 1, 20, 3)).astype(np.float32)
    with torch.no_grad():
        before = model(torch.from_numpy(x)).numpy()
    path = export_module(model.export_module(), tmp_path / "gcn.onnx", x)
    assert not any(m.training for m in model.modules())
    with torch.no_grad():
        np.testing.assert_array_equal(model(torch.from_numpy(x)).numpy(), before)
    np.testing.assert_allclose(OnnxBackend(path).logits(x), before, atol=1e-4)


def test_an_absent_body_is_left_out_so_a_two_body_model_can_skip_it(tmp_path):
    """A one-person clip of a two-body model: the empty body is not averaged in, so the
    model gives the same answer for the person alone (half the cost), in torch, in
    ONNX (dynamic body axis) and through the Predictor, which drops it."""
    torch.manual_seed(0)
    model = _model("ntu25", 2).eval()
    x = torch.randn(3, 24, 2, 25, 3)
    x[:, :, 1] = 0  # nobody there
    with torch.no_grad():
        full = model(x)
        torch.testing.assert_close(model(x[:, :, :1]), full, atol=1e-5, rtol=0)
        torch.testing.assert_close(model(x.flip(2)), full, atol=1e-5, rtol=0)
        both = x.clone()
        both[:, :, 1] = torch.randn(3, 24, 25, 3)
        assert (model(both) - full).abs().max() > 1e-3  # a second person does count
    with pytest.raises(ValueError, match="expects"):
        model.train()(x[:, :, :1])  # training always sees every body
    model.eval()

    path = export_module(model.export_module(), tmp_path / "gcn2.onnx", x.numpy())
    backend = OnnxBackend(path)
    np.testing.assert_allclose(backend.logits(x[:, :, :1].numpy()), full, atol=1e-4)
    np.testing.assert_allclose(
        backend.logits(both.numpy()), model(both).detach(), atol=1e-4
    )

    cfg = make_config(
        dataset="ntu60", data={"layout": "ntu25", "num_bodies": 2, "frames": 24}
    )
    predictor = Predictor(tmp_path, cfg, [f"c{i}" for i in range(5)], model,
                          torch.device("cpu"))  # fmt: skip
    seen = []
    hook = model.encoder.blocks[0].register_forward_pre_hook(
        lambda _m, args: seen.append(args[0].shape[0])
    )
    try:
        np.testing.assert_allclose(predictor.logits(x.numpy()), full, atol=1e-5)
        predictor.logits(both.numpy())
    finally:
        hook.remove()
    assert seen == [3, 6]  # 3 clips x 1 body, then 3 clips x 2 bodies
