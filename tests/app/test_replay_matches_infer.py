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
    shown = []  # (frames done, frames, the label after the panel's own slot)
    panel.predict_progress.connect(
        lambda p: shown.append((p.done, p.total, panel.pred_label.text()))
    )
    try:
        # A split picked for a dataset must not hide a single file (it has none).
        panel.split_filter.setCurrentText("test")
        panel.open_file(path)
        qtbot.waitUntil(lambda: panel.current is not None, timeout=30_000)
        assert panel.current.num_frames == 1494
        qtbot.waitUntil(lambda: panel.prediction is not None, timeout=60_000)
        replay = panel.prediction.sequence
        # the frame-by-frame prediction of a long sequence shows how far it has come
        assert [d for d, _, _ in shown] == [*range(100, 1494, 100), 1494]
        assert {n for _, n, _ in shown} == {1494}
        assert shown[0][2] == "Predicted: … 6 % of 1,494 frames"
        assert shown[-2][2] == "Predicted: … 93 % of 1,494 frames"
        assert replay is not None and len(replay) == 1494
        labels = list(panel.predictor.labels)
        # A continuous sequence has no one label: the headers follow the cursor.
        pku_names = panel.class_names
        assert len(pku_names) == 51 and labels != pku_names[: len(labels)]
        # The data's intervals end exclusive, the timeline's inclusive.
        assert panel.true_intervals == [
            (k, s, e - 1) for k, s, e in panel.current.meta["intervals"]
        ]
        label, start, end = panel.true_intervals[0]
        middle = (start + end) // 2
        panel.show_frame(middle)
        # with PKU-MMD's own action id, 1-based as its label files write it
        assert panel.true_label.text() == (
            f"True: {pku_names[label]} ({label + 1}) · frames {start}-{end}"
        )
        state = replay.state(middle)
        share = "" if state.action is None else f" ({100 * state.top_k[0][1]:.1f} %)"
        # No mark: the model's classes are not PKU-MMD's, and the true one is none
        # of them (said as a clip of the opened folder says it)
        assert panel.pred_label.text() == (
            f"Predicted: {state.shown}{share}  (its true action is none of this "
            "model's)"
        )
        panel.show_frame(start - 1)
        assert panel.true_label.text() == "True: no labelled action here"
        # Each row of the timeline names its own classes.
        tips = {
            (round(item.opts["y"][0]), item.toolTip())
            for item in panel.timeline._items
            if hasattr(item, "opts") and "y" in item.opts
        }
        assert (1, f"{pku_names[label]} (frames {start}-{end})") in tips
        # Bars are captioned with the class ids the headers give (PKU-MMD's own,
        # from 1: numbers from 0 read one less than the headers: a trial).
        from app.panels.replay import class_ids

        ids = class_ids("pkummd1", list(pku_names))
        assert ids is not None
        captions = {
            item.textItem.toPlainText()
            for item in panel.timeline._items
            if hasattr(item, "textItem") and round(item.pos().y()) == 1
        }
        assert captions and captions <= {ids[k] for k, _, _ in panel.true_intervals}
        # The predicted row's are the model's names (its numbers read as PKU-MMD's).
        predicted = {
            item.textItem.toPlainText().rstrip("…")
            for item in panel.timeline._items
            if hasattr(item, "textItem") and round(item.pos().y()) == 0
        }
        assert predicted and all(
            any(name.startswith(text) for name in labels) for text in predicted
        )
        assert not predicted & {str(k) for k in range(len(labels))}
        assert {tip.split(" (frames")[0] for row, tip in tips if row == 0} <= set(
            labels
        )
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
