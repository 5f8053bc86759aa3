"""The graph encoder trains with every strategy on real NW-UCLA clips, exports to ONNX,
and the BiGRU runs from before it still load and predict."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core import runs
from core.cli import main
from core.config import make_config
from core.inference import Predictor, export_onnx
from core.inference.onnx import OnnxBackend
from core.paths import CHECKPOINTS_DIR
from core.training.events import EpochDone, RunFinished
from core.training.loop import run
from tests.conftest import require_data
from tests.core.training.conftest import assert_learned


def _config(run_dir, strategy="scratch", epochs=4, data=None, options=None):
    """Real view-1 clips (``xview-val``), T=16, a 3-block GCN of 8-32 channels."""
    root = require_data("nw-ucla", "all_sqe.zip")
    return make_config(
        root=str(root),
        protocol="xview-val",
        strategy=strategy,
        preset="paper",
        data={"frames": 16, "max_clips": 40, **(data or {})},
        model={
            "encoder": "gcn", "hidden": 8, "layers": 3, "decoder_hidden": 16,
            "head_dim": 16, "proj_dim": 16, "classifier": "linear",
            "temperature": 0.5,
        },
        optim={"epochs": epochs, "batch_size": 10, "lr": 0.01, "lr_step": 0},
        run={"run_dir": str(run_dir), "device": "cpu", "seed": 0, "threads": 1},
        strategy_options=options or {},
    )  # fmt: skip


def _train(cfg) -> list[EpochDone]:
    events = list(run(cfg))
    assert isinstance(events[-1], RunFinished) and not events[-1].cancelled
    return [e for e in events if isinstance(e, EpochDone)]


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory):
    """A gcn pretrain run (motion, jigsaw, contrastive) on real clips."""
    run_dir = tmp_path_factory.mktemp("gcn") / "pretrain"
    epochs = _train(_config(run_dir, "pretrain", epochs=5))
    first, last = epochs[0].losses, epochs[-1].losses
    assert set(first) == {"motion", "jigsaw", "contrastive", "total"}
    assert last["total"] < first["total"]
    assert last["motion"] < first["motion"]
    return run_dir


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("gcn") / "scratch"
    epochs = _train(_config(run_dir, "scratch", epochs=5))
    assert epochs[-1].losses["cls"] < epochs[0].losses["cls"]
    return run_dir


def test_pretrain_and_scratch_lower_their_losses(pretrained, scratch):
    assert (pretrained / "weights.pt").is_file() and (scratch / "weights.pt").is_file()


@pytest.mark.parametrize(
    ("strategy", "init", "extra"),
    [
        ("linear", False, {}),
        ("finetune", True, {}),
        ("moving", True, {"options": {"moving_epochs": 2}}),
        ("joint", False, {}),
        ("semi", True, {"data": {"label_fraction": 0.5}}),
        ("transfer", True, {}),
    ],
)
def test_strategy_lowers_its_loss_with_the_graph_encoder(
    strategy, init, extra, pretrained, tmp_path
):
    options = dict(extra.get("options", {}))
    if init:
        options["init_from"] = str(pretrained)
    cfg = _config(
        tmp_path / strategy, strategy, epochs=4, data=extra.get("data"), options=options
    )
    epochs = _train(cfg)
    assert_learned(epochs, strategy)


def test_a_resumed_gcn_run_repeats_the_uninterrupted_one(tmp_path):
    """BatchNorm statistics travel in the checkpoint: resume changes nothing."""
    whole = tmp_path / "whole"
    _train(_config(whole, "joint", epochs=3))
    part = tmp_path / "part"
    _train(_config(part, "joint", epochs=2))
    args = ["train", "--resume", str(part), "--epochs", "3", "--quiet"]
    assert main([*args, "--device", "cpu"]) == 0
    a = runs.safe_load(whole / runs.WEIGHTS)
    b = runs.safe_load(part / runs.WEIGHTS)
    assert any(k.endswith("running_mean") for k in a)
    for key in a:
        torch.testing.assert_close(b[key], a[key], atol=1e-6, rtol=0)


def test_another_layout_cannot_start_from_a_graph_encoder(pretrained, tmp_path):
    cfg = _config(
        tmp_path / "ntu", "transfer", epochs=1, data={"layout": "ntu25"},
        options={"init_from": str(pretrained)},
    )  # fmt: skip
    with pytest.raises(ValueError, match="graph encoder's weights are tied"):
        _train(cfg)


def test_onnx_export_of_a_gcn_run_agrees_with_torch(scratch, tmp_path):
    path = export_onnx(scratch, tmp_path / "gcn.onnx")
    assert path.stat().st_size > 1000
    torch_p = Predictor.from_run(scratch, device="cpu", backend="torch")
    rng = np.random.default_rng(0)
    for n, t in ((1, 16), (3, 64), (2, 37)):
        x = rng.normal(size=(n, t, 1, 20, 3)).astype(np.float32)
        got = OnnxBackend(path).logits(x)
        np.testing.assert_allclose(got, torch_p.logits(x), atol=1e-4)
    # Not trivially equal: two different clips get different logits.
    assert np.abs(got[0] - got[1]).max() > 1e-4


def test_a_bigru_run_from_before_the_graph_encoder_loads_and_predicts(ucla_clips):
    shipped = CHECKPOINTS_DIR / "nw-ucla-ms2l"
    assert '"encoder"' not in (shipped / "config.json").read_text(encoding="utf-8")
    p = Predictor.from_run(shipped, device="cpu")
    assert p.model.encoder.__class__.__name__ == "BiGRUEncoder"
    clips = [seq.joints for seq in ucla_clips[:6]]
    proba = p.predict_proba(clips)
    assert proba.shape == (6, 10)
    np.testing.assert_allclose(proba.sum(1), 1.0, atol=1e-5)
    # The trained model tells the actions apart (labels 0, 0, 0, 0, 1, 1 here).
    labels = [seq.label for seq in ucla_clips[:6]]
    assert (proba.argmax(1) == np.array(labels)).mean() >= 0.5
