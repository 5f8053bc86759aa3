"""The shipped NW-UCLA model loads and reaches the accuracy on its model card."""

from __future__ import annotations

import re

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
