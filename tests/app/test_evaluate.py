"""Evaluate panel on a real (tiny) run: accuracy, per-class table, heatmap, export."""

from __future__ import annotations

import json

import numpy as np

from app.panels.evaluate import EvaluatePanel
from core.runs import shipped_models
from tests.app.conftest import make_context


def test_evaluate_a_run_shows_accuracy_table_heatmap_and_exports(
    qtbot, settings, tiny_run, tmp_path
):
    ctx, jobs, errors = make_context(settings)
    panel = EvaluatePanel(ctx)
    qtbot.addWidget(panel)
    try:
        # Every shipped model is offered beside the user's runs.
        listed = [panel.run.itemText(i) for i in range(panel.run.count())]
        assert [str(p) for p in shipped_models()] == listed[-len(shipped_models()) :]
        panel.add_run(tiny_run)
        panel.split.setCurrentText("test")
        with qtbot.waitSignal(panel.evaluated, timeout=120_000) as blocker:
            panel.evaluate_button.click()
        result = blocker.args[0]
        qtbot.waitUntil(lambda: panel.evaluate_button.isEnabled(), timeout=5000)
        assert result.split == "test" and result.num_clips > 0
        assert result.confusion.sum() == result.num_clips
        k = len(result.labels)
        assert k == 10 and panel.table.rowCount() == k
        assert f"{100 * result.accuracy:.2f} %" in panel.summary.text()
        assert panel.heatmap.matrix.shape == (k, k)
        rows = result.confusion.sum(axis=1)
        assert np.allclose(panel.heatmap.matrix.sum(axis=1)[rows > 0], 1.0)
        counts = [int(panel.table.item(i, 2).text()) for i in range(k)]
        assert counts == rows.astype(int).tolist()
        written = panel.export(tmp_path / "export")
        names = {p.name for p in written}
        assert {"confusion.csv", "confusion.png"} <= names
        assert (tmp_path / "export" / "confusion.png").read_bytes()[:4] == b"\x89PNG"
        assert panel.summary.text().startswith(f"{tiny_run.name}: accuracy ")
        # Another run chosen: the result shown (and exportable) was not its result.
        panel.run.setCurrentText(str(shipped_models()[0]))
        assert panel.result is None and not panel.export_button.isEnabled()
        assert panel.table.rowCount() == 0
        assert panel.summary.text() == "Choose a run folder and press Evaluate."
        assert errors == []
    finally:
        jobs.stop_all()


def test_evaluating_a_folder_that_is_not_a_run_is_reported(qtbot, settings, tmp_path):
    ctx, jobs, errors = make_context(settings)
    panel = EvaluatePanel(ctx)
    qtbot.addWidget(panel)
    panel.run.setCurrentText(str(tmp_path))
    panel.evaluate_button.click()
    assert (
        errors and "not a run folder" in errors[0][1] and str(tmp_path) in errors[0][1]
    )
    assert panel.job is None
    # Return in the Run field presses Evaluate (it did nothing: a keyboard trial).
    from PyQt6.QtCore import Qt

    errors.clear()
    listed = panel.run.count()
    qtbot.keyClick(panel.run, Qt.Key.Key_Return)
    assert len(errors) == 1 and "not a run folder" in errors[0][1]
    assert panel.run.count() == listed  # the refused path is not added to the list


def test_runs_are_fused_in_the_panel(qtbot, settings, tiny_run, tmp_path):
    """A bone-stream twin of the tiny run, fused with it: the panel shows the fusion
    (the mean of the two runs' class probabilities) and each run's own accuracy."""
    from core.config import TrainConfig
    from core.evaluation import evaluate_fused
    from core.training.loop import run

    cfg = TrainConfig.load(tiny_run / "config.json")
    bone = tmp_path / "bone"
    list(run(cfg.replace(data={"stream": "bone"}, run={"run_dir": str(bone)})))
    ctx, jobs, errors = make_context(settings)
    panel = EvaluatePanel(ctx)
    qtbot.addWidget(panel)
    try:
        panel.add_run(tiny_run)
        panel.fuse_with.setText(f"{tmp_path / 'nothing'}")
        panel.evaluate_button.click()
        assert errors[0][1] == f"fuse with: {tmp_path / 'nothing'}: no such folder"
        errors.clear()
        panel.fuse_with.setText(f" {bone} ;")
        with qtbot.waitSignal(panel.evaluated, timeout=120_000) as blocker:
            panel.evaluate_button.click()
        qtbot.waitUntil(lambda: panel.evaluate_button.isEnabled(), timeout=5000)
        want = evaluate_fused([tiny_run, bone], device="cpu")
        assert blocker.args[0].accuracy == want.fused.accuracy
        np.testing.assert_array_equal(blocker.args[0].confusion, want.fused.confusion)
        text = panel.summary.text()
        # Named as a fusion (it read "Fusion of 2 runs: tiny: accuracy", the first
        # run's name before the fused figure).
        assert text.startswith(f"Fusion of 2 runs ({tiny_run.name} + bone): accuracy")
        for m, stream in zip(want.members, ("joint", "bone")):
            assert (
                f"{m.run_dir.name} (input stream {stream}) {100 * m.accuracy:.2f} %"
                in text
            )
        # exported under its own names (never a run's eval.json), listing the fused runs
        written = panel.export(tmp_path / "out")
        assert {p.name for p in written} == {
            "eval-fused.json", "confusion-fused.csv", "confusion-fused.png"
        }  # fmt: skip
        doc = json.loads((tmp_path / "out" / "eval-fused.json").read_text())
        assert doc["accuracy"] == want.fused.accuracy
        assert "run_dir" not in doc  # the first run's: the members are what scored
        assert [m["stream"] for m in doc["members"]] == ["joint", "bone"]
        assert errors == []
    finally:
        jobs.stop_all()


def test_a_cancelled_evaluation_is_a_cancel_and_clears_the_last_result(
    qtbot, settings, tiny_run
):
    """Cancel is not a failure (it was reported as one, in a dialog), and the table and
    heatmap of the previous result do not stay under the new message."""
    ctx, jobs, errors = make_context(settings)
    failures: list[tuple[str, str]] = []
    jobs.job_failed.connect(lambda name, msg: failures.append((name, msg)))
    panel = EvaluatePanel(ctx)
    qtbot.addWidget(panel)
    try:
        panel.add_run(tiny_run)
        panel.split.setCurrentText("test")
        with qtbot.waitSignal(panel.evaluated, timeout=120_000):
            panel.evaluate_button.click()
        qtbot.waitUntil(lambda: panel.evaluate_button.isEnabled(), timeout=5000)
        assert panel.table.rowCount() == 10 and panel.heatmap.matrix is not None
        panel.split.setCurrentText("train")
        panel.evaluate_button.click()
        panel.cancel_button.click()  # the worker checks before its first batch
        assert panel.summary.text().startswith("Cancelling…")  # said at once
        qtbot.waitUntil(lambda: panel.evaluate_button.isEnabled(), timeout=60_000)
        assert panel.summary.text() == "Evaluation cancelled."
        assert failures == [] and errors == []
        assert panel.table.rowCount() == 0 and panel.heatmap.matrix is None
        assert not panel.export_button.isEnabled()
        # A long message wraps: the panel does not ask for more width than it had.
        width = panel.sizeHint().width()
        panel.summary.setText("Evaluation failed: " + "/a/very/long/path" * 40)
        assert panel.sizeHint().width() <= width
    finally:
        jobs.stop_all()


def test_pretraining_runs_are_not_offered_and_each_refusal_shows_its_own_reason(
    qtbot, settings, tiny_run, tmp_path, cache_dir
):
    """A pretraining run cannot be evaluated (no trained classifier): it is not listed,
    and picking it is refused up front. After a failure, the next problem is the one
    shown: the summary kept the previous failure's text beside a new error dialog."""
    import shutil

    from core.config import make_config
    from core.training.loop import run
    from tests.conftest import require_data

    runs_dir = tmp_path / "runs"  # the default runs folder (tests/app/conftest.py)
    pre = runs_dir / "pre"
    cfg = make_config(
        dataset="nw-ucla",
        root=str(require_data("nw-ucla", "all_sqe.zip")),
        strategy="pretrain",
        data={"frames": 16, "max_clips": 32, "cache_dir": str(cache_dir)},
        model={"hidden": 8},
        optim={"epochs": 1, "batch_size": 16},
        run={"run_dir": str(pre), "device": "cpu"},
    )
    list(run(cfg))
    shutil.copytree(tiny_run, runs_dir / "tiny")
    damaged = runs_dir / "damaged"
    shutil.copytree(tiny_run, damaged)
    weights = (damaged / "weights.pt").read_bytes()
    (damaged / "weights.pt").write_bytes(weights[: len(weights) // 2])

    ctx, jobs, errors = make_context(settings)
    panel = EvaluatePanel(ctx)
    qtbot.addWidget(panel)
    try:
        listed = [panel.run.itemText(i) for i in range(panel.run.count())]
        assert str(runs_dir / "tiny") in listed and str(damaged) in listed
        assert str(pre) not in listed
        panel.add_run(pre)  # a pretraining run that just finished is not offered
        assert panel.run.findText(str(pre)) < 0

        panel.run.setCurrentText(str(damaged))  # fails in the worker
        panel.evaluate_button.click()
        qtbot.waitUntil(lambda: panel.evaluate_button.isEnabled(), timeout=60_000)
        assert panel.summary.text().startswith("Evaluation failed: ")
        assert str(damaged) in panel.summary.text()

        panel.run.setCurrentText(str(pre))
        panel.evaluate_button.click()
        assert panel.job is None
        assert "self-supervised pretraining run" in errors[-1][1]
        assert panel.summary.text() == f"Cannot evaluate: {errors[-1][1]}"

        missing = runs_dir / "nonexist"  # not found, said so (a trial)
        panel.run.setCurrentText(str(missing))
        panel.evaluate_button.click()
        assert panel.job is None
        assert panel.summary.text() == f"Cannot evaluate: {missing}: no such folder"
        assert errors[-1] == ("Evaluate", panel.summary.text().split(": ", 1)[1])
        missing.mkdir()  # a folder, but no run's
        panel.evaluate_button.click()
        assert panel.summary.text() == (
            f"Cannot evaluate: not a run folder (no config.json): {missing}"
        )
    finally:
        jobs.stop_all()


def test_the_split_is_named_as_the_runs_protocol_calls_it(tiny_run, tmp_path):
    import shutil

    from app.panels.evaluate import _split_name
    from core.config import TrainConfig

    assert _split_name(tiny_run, "test") == "test"  # NW-UCLA xview: view 3
    assert _split_name(tiny_run, "train") == "train"
    val = tmp_path / "val"
    shutil.copytree(tiny_run, val)
    cfg = TrainConfig.load(val / "config.json")
    cfg.replace(data={"protocol": "xview-val"}).save(val / "config.json")
    assert _split_name(val, "test") == "validation"
    assert _split_name(tmp_path / "gone", "test") == "test"


def test_export_never_replaces_another_runs_evaluation_or_a_shipped_model(
    qtbot, settings, tiny_run, tmp_path, monkeypatch
):
    """Export into another run's folder replaced that run's eval.json with these
    scores (ms2l eval --out refuses it); the dialog opened inside a shipped model's
    folder. The exported files name the run they scored."""
    import shutil

    from PyQt6.QtWidgets import QFileDialog

    from core.paths import CHECKPOINTS_DIR

    other = tmp_path / "other"
    shutil.copytree(tiny_run, other)
    (other / "eval.json").write_text('{"accuracy": 0.5}')
    ctx, jobs, errors = make_context(settings)
    panel = EvaluatePanel(ctx)
    qtbot.addWidget(panel)
    asked: list[str] = []

    def choose(folder):
        def dialog(parent, caption, start):
            asked.append(start)
            return str(folder)

        monkeypatch.setattr(QFileDialog, "getExistingDirectory", dialog)

    try:
        panel.add_run(tiny_run)
        with qtbot.waitSignal(panel.evaluated, timeout=120_000):
            panel.evaluate_button.click()
        qtbot.waitUntil(lambda: panel.evaluate_button.isEnabled(), timeout=5000)
        # A folder that cannot be written to (a read-only mount, which root cannot
        # get from permissions: here a "folder" under a file) is said in words, not
        # as "[Errno 30] Read-only file system: '…/.eval.json.….tmp'" (a trial).
        (tmp_path / "a-file").write_text("")
        unwritable = tmp_path / "a-file" / "reports"
        for folder, why in (
            (other, "is another run's folder"),
            (CHECKPOINTS_DIR / "nw-ucla-ms2l", "inside the shipped models' folder"),
            (unwritable, f"{unwritable}: the report could not be written there (not "
             "a directory): choose another folder"),
        ):  # fmt: skip
            choose(folder)
            panel.export_button.click()
            assert errors[-1][0] == "Export" and why in errors[-1][1], errors
        assert (other / "eval.json").read_text() == '{"accuracy": 0.5}'
        choose(tiny_run)  # its own folder is fine
        panel.export_button.click()
        assert asked[-1] == str(tiny_run)  # the dialog starts where reports go
        doc = json.loads((tiny_run / "eval.json").read_text())
        assert doc["run_dir"] == str(tiny_run) and len(errors) == 3
        # a plain folder holding another model's evaluation: asked first (a second
        # shipped model's export went over the first's, unsaid: a trial)
        from PyQt6.QtWidgets import QMessageBox

        reports = tmp_path / "reports"
        reports.mkdir()
        (reports / "eval.json").write_text('{"run_dir": "/runs/gcn-model"}')
        questions: list[tuple[str, object]] = []
        for answer in (QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes):
            monkeypatch.setattr(
                QMessageBox,
                "question",
                lambda parent, title, text, buttons, default, a=answer: (
                    questions.append((text, default)) or a
                ),
            )
            choose(reports)
            panel.export_button.click()
        assert len(questions) == 2 and "the evaluation of gcn-model" in questions[0][0]
        # Return keeps the other evaluation (Yes was the default: a keyboard trial)
        assert questions[0][1] == QMessageBox.StandardButton.No
        doc = json.loads((reports / "eval.json").read_text())
        assert doc["run_dir"] == str(tiny_run)  # replaced once the user said yes
    finally:
        jobs.stop_all()


def test_the_train_panels_runs_folder_is_listed_and_unfinished_runs_are_not(
    qtbot, settings, tiny_run, tmp_path
):
    """Runs trained into another runs folder were gone from the list after a
    restart; a run cancelled before its first epoch was offered, then failed for
    want of weights."""
    import shutil

    from app.panels.evaluate import why_not_evaluable

    mine = tmp_path / "my-runs"
    shutil.copytree(tiny_run, mine / "done")
    shutil.copytree(tiny_run, mine / "cut-short")
    (mine / "cut-short" / "weights.pt").unlink()
    settings.setValue("train/runs_dir", str(mine))
    ctx, jobs, errors = make_context(settings)
    panel = EvaluatePanel(ctx)
    qtbot.addWidget(panel)
    try:
        listed = [panel.run.itemText(i) for i in range(panel.run.count())]
        assert str(mine / "done") in listed
        assert str(mine / "cut-short") not in listed
        assert "no weights.pt yet" in why_not_evaluable(mine / "cut-short")
    finally:
        jobs.stop_all()


def test_a_run_being_trained_is_noted_beside_its_accuracy(
    qtbot, settings, tmp_path, tiny_run
):
    """The CLI said so, the panel did not (a trial: 59.70 %, then 71.98 % seconds
    later, with nothing saying the run was still training)."""
    from core.config import TrainConfig
    from core.training.events import CheckpointSaved
    from core.training.loop import run

    cfg = TrainConfig.load(tiny_run / "config.json")
    run_dir = tmp_path / "training"
    ctx, jobs, errors = make_context(settings)
    panel = EvaluatePanel(ctx)
    qtbot.addWidget(panel)
    try:
        events = run(cfg.replace(optim={"epochs": 3}, run={"run_dir": str(run_dir)}))
        for event in events:
            if isinstance(event, CheckpointSaved) and event.epoch == 1:
                break  # the run holds its lock, between epochs
        with qtbot.waitSignal(panel.evaluated, timeout=120_000):
            panel.evaluate(run_dir, "test")
        text = panel.summary.text()
        # trained in this very process, as the Train panel does: not "process 1234"
        assert f"Note: {run_dir} is being trained now (by this program)" in text
        # ... and which epoch that is (unsaid: a GUI trial)
        assert "weights of its last finished epoch (epoch 1)" in text
        assert panel.export_button.isEnabled()
        for _ in events:
            pass  # the run ends: the result shown is out of date (it stayed up)
        qtbot.waitUntil(
            lambda: panel.summary.text().startswith(
                "Out of date: training (scored at epoch 1) trained on"
            ),
            timeout=10_000,
        )
        assert "being trained now" not in panel.summary.text()
        assert not panel.export_button.isEnabled()
        with qtbot.waitSignal(panel.evaluated, timeout=120_000):
            panel.evaluate(run_dir, "test")
        qtbot.waitUntil(lambda: panel.job is None, timeout=10_000)
        assert "being trained now" not in panel.summary.text()
    finally:
        jobs.stop_all()


def test_a_taught_run_that_held_nothing_out_is_scored_on_its_training_takes(
    qtbot, settings, tmp_path
):
    """Teach with two takes an action trains on all of them: Evaluate's default
    'test' split failed on it with a long message (a trial)."""
    import threading

    from core.datasets import read_file
    from core.datasets.custom import import_sequence
    from core.runs import shipped_model_dir
    from core.training.loop import run as train
    from core.training.teach import teach_config
    from tests.conftest import require_data

    root = tmp_path / "mine"
    for name, action in (("A001", "drink"), ("A011", "read")):
        seq = read_file(require_data("ntu", f"S001C001P001R001{name}.skeleton"))
        import_sequence(root, f"{action}-001", seq, action=action)
    run_dir = tmp_path / "taught"
    cfg = teach_config(root, run_dir, init_from=shipped_model_dir(), epochs=1,
                       val_fraction=0, device="cpu", threads=1,
                       cache_dir=str(tmp_path / "cache"))  # fmt: skip
    list(train(cfg, threading.Event()))
    ctx, jobs, errors = make_context(settings)
    panel = EvaluatePanel(ctx)
    qtbot.addWidget(panel)
    try:
        assert panel.split.currentText() == "test"
        panel.run.setCurrentText(str(run_dir))
        assert panel.split.currentText() == "train"
        panel.evaluate_button.click()
        qtbot.waitUntil(lambda: panel.job is None, timeout=60_000)
        assert errors == [] and "train" in panel.summary.text()
        panel.run.setCurrentText(str(shipped_model_dir()))  # a run with a test split
        assert panel.split.currentText() == "test"
    finally:
        jobs.stop_all()


def test_the_split_box_names_the_held_out_split_as_the_runs_protocol_does(
    qtbot, settings, tiny_run, tmp_path
):
    """An xview-val run's "test" scored view 2, its validation split (a trial): the
    box names it so, and still evaluates the run's held-out split."""
    import shutil

    val_run = tmp_path / "val-run"
    shutil.copytree(tiny_run, val_run)
    config = json.loads((val_run / "config.json").read_text())
    config["data"]["protocol"] = "xview-val"
    (val_run / "config.json").write_text(json.dumps(config))
    ctx, jobs, errors = make_context(settings)
    panel = EvaluatePanel(ctx)
    qtbot.addWidget(panel)
    try:
        panel.run.setCurrentText(str(tiny_run))
        assert panel.split.currentText() == "test"
        panel.run.setCurrentText(str(val_run))
        assert panel.split.currentText() == "validation"
        assert [panel.split.itemData(i) for i in range(2)] == ["test", "train"]
        with qtbot.waitSignal(panel.evaluated, timeout=120_000) as blocker:
            panel.evaluate_button.click()
        assert blocker.args[0].split == "test"
        qtbot.waitUntil(lambda: panel.job is None, timeout=5000)
        assert "validation split" in panel.summary.text(), panel.summary.text()
        assert errors == []
    finally:
        jobs.stop_all()


def test_the_split_of_the_run_shown_at_start_is_named_for_it(
    qtbot, settings, tiny_run, tmp_path, monkeypatch
):
    """The run remembered from the last session, first in the list, was shown with
    "test" beside a result "on the validation split" (a trial): no signal came, as
    it was already the run shown."""
    import shutil

    runs_dir = tmp_path / "runs"
    val_run = runs_dir / "val-run"
    shutil.copytree(tiny_run, val_run)
    config = json.loads((val_run / "config.json").read_text())
    config["data"]["protocol"] = "xview-val"
    (val_run / "config.json").write_text(json.dumps(config))
    monkeypatch.setenv("MS2L_RUNS", str(runs_dir))
    settings.setValue("evaluate/run", str(val_run))
    ctx, jobs, errors = make_context(settings)
    panel = EvaluatePanel(ctx)
    qtbot.addWidget(panel)
    try:
        assert panel.run.itemText(0) == str(val_run)  # first: no change to signal
        assert panel.run.currentText() == str(val_run)
        assert panel.split.currentText() == "validation"
        panel.refresh_runs()
        assert panel.split.currentText() == "validation"
    finally:
        jobs.stop_all()


def test_a_shipped_models_export_is_proposed_its_own_folder(
    qtbot, settings, tmp_path, monkeypatch
):
    """Export proposed the runs folder itself for a shipped model (its report folder
    was not made yet, so its parent), and the files went in loose (a trial): the
    folder is made to be proposed, and removed again when another is chosen."""
    from PyQt6.QtWidgets import QFileDialog

    from core.runs import shipped_model_dir

    runs_dir = tmp_path / "my-runs"
    monkeypatch.setenv("MS2L_RUNS", str(runs_dir))
    shipped = shipped_model_dir()
    assert shipped is not None
    ctx, jobs, errors = make_context(settings)
    panel = EvaluatePanel(ctx)
    qtbot.addWidget(panel)
    asked: list[str] = []
    try:
        panel.add_run(shipped)
        with qtbot.waitSignal(panel.evaluated, timeout=120_000):
            panel.evaluate_button.click()
        qtbot.waitUntil(lambda: panel.evaluate_button.isEnabled(), timeout=5000)
        for chosen in ("", str(runs_dir / f"eval-{shipped.name}")):
            monkeypatch.setattr(
                QFileDialog,
                "getExistingDirectory",
                lambda parent, caption, start, c=chosen: asked.append(start) or c,
            )
            panel.export_button.click()
            if not chosen:  # cancelled: nothing left behind
                assert not (runs_dir / f"eval-{shipped.name}").exists()
        assert asked == [str(runs_dir / f"eval-{shipped.name}")] * 2
        assert (runs_dir / f"eval-{shipped.name}" / "eval.json").is_file()
        assert not (runs_dir / "eval.json").exists() and errors == []
    finally:
        jobs.stop_all()
