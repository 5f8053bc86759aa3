"""The shipped NW-UCLA models load and reach the accuracy on their model cards."""

from __future__ import annotations

import json
import re
import shutil
import warnings

import numpy as np
import pytest
import torch

from core.evaluation import evaluate_run
from core.inference import Predictor
from core.inference.onnx import OnnxModelWarning
from core.paths import CHECKPOINTS_DIR
from core.runs import shipped_model_dir, shipped_models
from tests.conftest import require_data

SHIPPED = CHECKPOINTS_DIR / "nw-ucla-ms2l"
GRAPH = CHECKPOINTS_DIR / "nw-ucla-ms2l-gcn"


def _card_accuracy(folder=SHIPPED) -> float:
    card = (folder / "MODEL_CARD.md").read_text(encoding="utf-8")
    match = re.search(r"\*\*accuracy: ([0-9.]+)%\*\*", card)
    assert match, "MODEL_CARD.md must state '**accuracy: NN.NN%**'"
    return float(match.group(1))


def test_the_bigru_model_is_the_default_and_the_graph_model_is_offered_too():
    assert shipped_models() == [SHIPPED, GRAPH]
    assert shipped_model_dir() == SHIPPED


def test_a_shipped_model_is_named_from_python_in_any_folder(tmp_path, monkeypatch):
    """The CLI took ``nw-ucla-ms2l`` from any folder, Python did not
    (``Predictor.from_run("nw-ucla-ms2l")``: "run folder not found"; a trial)."""
    from core.training.teach import teach_config

    monkeypatch.chdir(tmp_path)
    assert Predictor.from_run("nw-ucla-ms2l-gcn", device="cpu").run_dir == GRAPH
    assert Predictor.from_run("resources/checkpoints/nw-ucla-ms2l").run_dir == SHIPPED
    cfg = teach_config(tmp_path, init_from="nw-ucla-ms2l-gcn", val_fraction=0)
    assert cfg.strategy.init_from == str(GRAPH.resolve())
    with pytest.raises(FileNotFoundError) as found:
        Predictor.from_run("nw-ucla-ms2")
    assert str(found.value) == (
        "nw-ucla-ms2: run folder not found (the shipped models are named "
        "nw-ucla-ms2l, nw-ucla-ms2l-gcn)"
    )
    (tmp_path / "nw-ucla-ms2l").mkdir()  # a folder of that name here is the one meant
    with pytest.raises(FileNotFoundError, match="not a run folder"):
        Predictor.from_run("nw-ucla-ms2l")


@pytest.mark.parametrize(
    "folder, encoder",
    [(SHIPPED, "BiGRUEncoder"), (GRAPH, "GraphEncoder")],
    ids=["bigru", "gcn"],
)
def test_shipped_model_loads_small_and_in_the_live_layout(folder, encoder):
    p = Predictor.from_run(folder, device="cpu")
    assert type(p.model.encoder).__name__ == encoder
    assert p.layout == "ucla20" and p.num_bodies == 1 and len(p.labels) == 10
    assert p.config.data.joints == "shared"  # one joint definition for both sensors
    assert p.window_seconds > 0.5 and p.novelty is not None
    assert (folder / "model.onnx").is_file() and not (folder / "last.pt").exists()
    size = sum(f.stat().st_size for f in folder.iterdir())
    assert size < 6 * 2**20  # BiGRU ~2 MiB; graph 5.0 MiB (weights + ONNX 2.2 MiB each)


@pytest.mark.slow
@pytest.mark.parametrize("folder", [SHIPPED, GRAPH], ids=["bigru", "gcn"])
def test_shipped_model_reaches_its_card_accuracy_on_view_3(folder):
    root = require_data("nw-ucla", "all_sqe.zip")
    result = evaluate_run(folder, split="test", data_root=root, device="cpu")
    assert result.num_clips == 464
    assert 100 * result.accuracy >= _card_accuracy(folder) - 0.5


def test_shipped_model_evaluates_from_another_folder_through_ms2l_data(
    tmp_path, monkeypatch
):
    zip_path = require_data("nw-ucla", "all_sqe.zip")
    # A copy whose pretraining run (init_from) is gone, evaluated from a folder where
    # the relative dataset root of its config.json does not exist.
    copy = tmp_path / "model"
    shutil.copytree(SHIPPED, copy)
    doc = json.loads((copy / "config.json").read_text(encoding="utf-8"))
    doc["strategy"]["init_from"] = str(tmp_path / "deleted-pretrain-run")
    (copy / "config.json").write_text(json.dumps(doc), encoding="utf-8")
    work = tmp_path / "elsewhere"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("MS2L_DATA", str(zip_path.parent.parent))
    assert Predictor.from_run(copy, device="cpu").labels
    result = evaluate_run(copy, split="test", device="cpu")
    assert result.num_clips == 464
    assert 100 * result.accuracy >= _card_accuracy() - 0.5


@pytest.mark.parametrize("folder", [SHIPPED, GRAPH], ids=["bigru", "gcn"])
def test_shipped_onnx_file_answers_as_torch_on_real_clips(folder, ucla_clips):
    clips = [seq.joints for seq in ucla_clips[:4]]
    # A stale model.onnx (or one without the features output) would be re-exported
    # with a warning, which fails here: the shipped file itself must match.
    torch_p = Predictor.from_run(folder, device="cpu", backend="torch")
    with warnings.catch_warnings():
        warnings.simplefilter("error", OnnxModelWarning)
        onnx_p = Predictor.from_run(folder, device="cpu", backend="onnx")
    assert onnx_p.backend == "onnx" and onnx_p.novelty is not None
    expected = torch_p.predict_proba(clips)
    # The novelty check reads the features from the ONNX file too: with the torch
    # copy of the model wiped, the answers do not change.
    with torch.no_grad():
        for param in onnx_p.model.parameters():
            param.zero_()
    np.testing.assert_allclose(onnx_p.predict_proba(clips), expected, atol=1e-4)
    assert expected.argmax(1).tolist() == [s.label for s in ucla_clips[:4]]


def test_a_shipped_model_scored_on_ms2l_data_has_no_note_of_another_folder(
    tmp_path, monkeypatch
):
    """A checkout without ../shared beside it finds the shipped model's data through
    $MS2L_DATA: that is where its data is, not "another folder than the run's" (a
    review: the note would have gone into the checkpoint's eval.json)."""
    import core.evaluation
    import core.training.data

    zip_path = require_data("nw-ucla", "all_sqe.zip")
    for module in (core.evaluation, core.training.data):
        monkeypatch.setattr(module, "REPO_DIR", tmp_path / "elsewhere" / "repo")
    monkeypatch.setenv("MS2L_DATA", str(zip_path.parent.parent))
    monkeypatch.chdir(tmp_path)  # nor ../shared from here
    result = evaluate_run(SHIPPED, split="test", device="cpu")
    assert result.num_clips == 464
    assert not [n for n in result.notes if "not found" in n], result.notes
