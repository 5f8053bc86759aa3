"""The shipped NW-UCLA model loads and reaches the accuracy on its model card."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from core.evaluation import evaluate_run
from core.inference import Predictor
from core.paths import CHECKPOINTS_DIR
from tests.conftest import require_data

SHIPPED = CHECKPOINTS_DIR / "nw-ucla-ms2l"


def _card_accuracy() -> float:
    card = (SHIPPED / "MODEL_CARD.md").read_text(encoding="utf-8")
    match = re.search(r"\*\*accuracy: ([0-9.]+)%\*\*", card)
    assert match, "MODEL_CARD.md must state '**accuracy: NN.NN%**'"
    return float(match.group(1))


def test_shipped_model_loads_small_and_in_the_live_layout():
    p = Predictor.from_run(SHIPPED, device="cpu")
    assert p.layout == "ucla20" and p.num_bodies == 1 and len(p.labels) == 10
    assert p.window_seconds > 0.5
    size = sum(f.stat().st_size for f in SHIPPED.iterdir())
    assert size < 5 * 2**20


@pytest.mark.slow
def test_shipped_model_reaches_its_card_accuracy_on_view_3():
    root = require_data("nw-ucla", "all_sqe.zip")
    result = evaluate_run(SHIPPED, split="test", data_root=root, device="cpu")
    assert result.num_clips == 464
    assert 100 * result.accuracy >= _card_accuracy() - 0.5


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
