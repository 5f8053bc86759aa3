"""Replay and ``ms2l infer`` give the same per-frame answer on the same PKU-MMD file."""

from __future__ import annotations

import json

import pytest

from core.cli import main
from core.runs import shipped_model_dir
from tests.app.conftest import make_context
from tests.conftest import require_data


def test_replay_and_infer_agree_on_a_pku_mmd_sequence(qtbot, settings, tmp_path):
    from app.panels.replay import ReplayPanel

    path = require_data("pkummd", "skeleton", "0005-L.txt")
    model = shipped_model_dir()
    if model is None:
        pytest.skip("no shipped model in resources/checkpoints")
    ctx, jobs, errors = make_context(settings)
    panel = ReplayPanel(ctx, model_dir=model)
    qtbot.addWidget(panel)
    try:
        # A split picked for a dataset must not hide a single file (it has none).
        panel.split_filter.setCurrentText("test")
        panel.open_file(path)
        qtbot.waitUntil(lambda: panel.current is not None, timeout=30_000)
        assert panel.current.num_frames == 1494
        qtbot.waitUntil(lambda: panel.prediction is not None, timeout=60_000)
        replay = panel.prediction.sequence
        assert replay is not None and len(replay) == 1494
        labels = list(panel.predictor.labels)
    finally:
        jobs.stop_all()
    assert not errors

    js = tmp_path / "pku.jsonl"
    assert main(["infer", str(path), "--run", str(model), "--json", str(js)]) == 0
    records = [json.loads(line) for line in js.read_text().splitlines()]
    fresh = {r["frame"]: r["action"] for r in records if "frame" in r}
    (cli_intervals,) = [r["intervals"] for r in records if "intervals" in r]

    actions = replay.actions()
    assert fresh and any(a is not None for a in fresh.values())
    assert {t: actions[t] for t in fresh} == fresh
    assert [[labels[k], s, e] for k, s, e in replay.intervals] == cli_intervals
    # The timeline shows the same predicted intervals.
    assert list(panel.prediction.intervals) == list(replay.intervals)
