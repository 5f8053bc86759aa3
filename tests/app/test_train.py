"""Train panel driving the real training loop on real NW-UCLA clips (tiny model, CPU)."""

from __future__ import annotations

import json
import re
import time

import pytest
from PyQt6.QtCore import QElapsedTimer, Qt, QTimer

from app.panels.train import TrainPanel
from core.config import STRATEGIES
from core.training.events import BatchDone, RunFinished, RunStarted
from tests.app.conftest import make_context
from tests.conftest import require_data


@pytest.fixture
def panel(qtbot, settings, tmp_path):
    ctx, jobs, errors = make_context(settings)
    p = TrainPanel(ctx)
    qtbot.addWidget(p)
    p.root.setText(str(require_data("nw-ucla", "all_sqe.zip")))
    p.runs_dir.setText(str(tmp_path / "runs"))
    p.device.setCurrentText("cpu")
    p.hidden.setValue(8)
    p.frames.setValue(16)
    p.batch_size.setValue(16)
    p.errors = errors
    yield p
    jobs.stop_all()


def test_tiny_run_from_the_panel_fills_every_curve_and_writes_the_run(qtbot, panel):
    panel.strategy.setCurrentText("joint")  # classifier + all three pretext losses
    panel.epochs.setValue(2)
    panel.max_clips.setValue(64)
    finished = []
    panel.run_finished.connect(finished.append)
    panel.start_button.click()
    assert panel.is_running() and not panel.start_button.isEnabled()
    # the settings are read-only while it trains (a strategy changed meanwhile showed
    # its fields beside this run's curves: a trial), and editable again after
    assert not panel.strategy.isEnabled() and not panel.epochs.isEnabled()
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=120_000)
    assert panel.strategy.isEnabled() and panel.epochs.isEnabled()
    assert panel.errors == []
    assert isinstance(panel.last_event, RunFinished) and not panel.last_event.cancelled
    run_dir = finished[0]
    assert (run_dir / "config.json").is_file() and (run_dir / "weights.pt").is_file()
    assert (run_dir / "metrics.jsonl").is_file()
    assert (
        json.loads((run_dir / "config.json").read_text())["strategy"]["name"] == "joint"
    )
    steps = 2 * 4  # 64 clips / batch 16, two epochs
    qtbot.waitUntil(lambda: panel.curves.points("total") == steps, timeout=1000)
    for term in ("cls", "motion", "jigsaw", "contrastive"):
        assert panel.curves.points(term) == steps
    assert panel.curves.points("accuracy") == 2
    assert panel.progress.value() == panel.progress.maximum() == steps
    assert str(run_dir) in panel.run_label.text()
    assert "epoch 2" in panel.log.toPlainText()
    assert panel.start_button.isEnabled() and not panel.cancel_button.isEnabled()
    # Resuming the finished run is refused before the display is cleared (it wiped
    # the curves and log, then failed); so is a folder that does not exist.
    assert panel.resume(run_dir) is None
    assert "the run is finished (2 of 2 epochs)" in panel.errors[-1][1]
    assert (
        panel.curves.points("total") == steps and "epoch 2" in panel.log.toPlainText()
    )
    assert panel.resume(run_dir.parent / "no-such-run") is None
    assert panel.errors[-1][1].endswith("no-such-run: no such run folder")
    # A finished run is trained longer when given more epochs than its own (what the
    # Resume button asks for); its curves and log go on from the two epochs.
    assert panel.resume(run_dir, epochs=2) is None
    assert "--epochs 2 must exceed the run's 2 epochs" in panel.errors[-1][1]
    errors_before = len(panel.errors)
    started = []
    job = panel.resume(run_dir, epochs=3)
    job.worker.item_produced.connect(
        lambda e: started.append(e) if isinstance(e, RunStarted) else None
    )
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=120_000)
    assert len(panel.errors) == errors_before
    assert [(e.start_epoch, e.total_epochs) for e in started] == [(3, 3)]
    assert isinstance(panel.last_event, RunFinished) and panel.last_event.epoch == 3
    assert json.loads((run_dir / "config.json").read_text())["optim"]["epochs"] == 3
    qtbot.waitUntil(lambda: panel.curves.points("total") == 3 * 4, timeout=1000)
    assert panel.curves.points("accuracy") == 3
    assert panel.progress.value() == panel.progress.maximum() == 3 * 4
    assert "epoch 3" in panel.log.toPlainText()


def test_cancel_mid_run_then_resume_from_the_run_folder(qtbot, panel):
    panel.epochs.setValue(200)
    panel.max_clips.setValue(128)
    seen: list[object] = []
    panel.start_button.click()
    job = panel.job
    job.worker.item_produced.connect(seen.append)
    qtbot.waitUntil(
        lambda: any(isinstance(e, BatchDone) and e.epoch >= 2 for e in seen),
        timeout=60_000,
    )
    panel.cancel_button.click()
    # Cancel stays enabled while the run winds down (disabling it sent the keyboard
    # focus down the column); pressing it again asks nothing more.
    assert panel.cancel_button.isEnabled()
    panel.cancel_button.click()
    assert panel.log.toPlainText().count("Cancelling") == 1
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=30_000)
    last = panel.last_event
    assert isinstance(last, RunFinished) and last.cancelled and last.epoch < 200
    run_dir = last.run_dir
    assert (run_dir / "last.pt").is_file()
    # No time is left to estimate: the last ETA does not stay beside "cancelled".
    assert panel.progress.text().startswith("cancelled") and panel.eta.text() == ""
    # Resume…'s folder dialog opens on it, also in the next session (it opened on
    # the runs folder: a trial walked it to the run every time).
    assert panel.resume_start_folder() == str(run_dir)
    panel.run_dir = None  # as a new session has it: the settings remember it
    assert panel.resume_start_folder() == str(run_dir)

    seen.clear()
    panel.epochs.setValue(60)  # the form moves on to another run ...
    panel.hidden.setValue(0)
    panel.max_clips.setValue(0)
    job = panel.resume(run_dir)
    # ... and shows the resumed run's settings again (it kept showing the other's)
    assert (panel.epochs.value(), panel.hidden.value(), panel.frames.value()) == (
        200,
        8,
        16,
    )
    assert (panel.max_clips.value(), panel.batch_size.value()) == (128, 16)
    # its rate was the preset's: "preset" again, not a number the next run of
    # another preset would keep (a trial)
    assert panel.lr.text().startswith("preset (")
    job.worker.item_produced.connect(seen.append)
    qtbot.waitUntil(lambda: any(isinstance(e, BatchDone) for e in seen), timeout=60_000)
    started = next(e for e in seen if isinstance(e, RunStarted))
    assert started.start_epoch == last.epoch + 1
    # The curves and log go on from the earlier session (read back from the run's
    # metrics.jsonl) instead of starting over at the resumed epoch; the batches of the
    # epoch that was cut short are gone, as that epoch is trained again.
    spe = started.steps_per_epoch
    xs, _ = panel.curves.values("cls")
    earlier = [x for x in xs if x <= last.epoch]
    assert earlier == [e - 1 + s / spe for e in range(1, last.epoch + 1)
                       for s in range(1, spe + 1)]  # fmt: skip
    assert all(a < b for a, b in zip(xs, xs[1:])) and len(xs) > len(earlier)
    acc_x, _ = panel.curves.values("accuracy")
    assert acc_x[: last.epoch] == [float(e) for e in range(1, last.epoch + 1)]
    log = panel.log.toPlainText()
    assert " earlier  epoch 1: cls " in log and "earlier  run cancelled at epoch" in log
    assert log.index("run cancelled") < log.index(f"resuming {run_dir}")
    panel.cancel_button.click()
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=30_000)


def _train_to_the_end(qtbot, panel) -> dict:
    """Start the panel's run, wait for it, and return its saved config."""
    finished = []
    panel.run_finished.connect(finished.append)
    panel.start_button.click()
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=120_000)
    assert panel.errors == []
    assert isinstance(panel.last_event, RunFinished) and not panel.last_event.cancelled
    return json.loads((finished[0] / "config.json").read_text())


def test_the_encoder_is_chosen_in_the_panel_and_recorded(qtbot, panel):
    assert panel.encoder.currentText() == "bigru"
    assert panel.build_config().model.encoder == "bigru"
    assert panel.build_config().data.stream == "joint"
    panel.encoder.setCurrentText("gcn")
    panel.stream.setCurrentText("bone")
    panel.hidden.setValue(0)
    cfg = panel.build_config()
    assert (cfg.model.encoder, cfg.model.hidden, cfg.model.layers) == ("gcn", 32, 6)
    panel.strategy.setCurrentText("scratch")
    panel.epochs.setValue(1)
    panel.max_clips.setValue(32)
    panel.hidden.setValue(8)
    saved = _train_to_the_end(qtbot, panel)
    assert saved["model"]["encoder"] == "gcn" and saved["model"]["hidden"] == 8
    assert saved["data"]["stream"] == "bone"
    # One loss term: its "total" (the same numbers) is not drawn on top of it, and the
    # one validation point has a symbol, or a single epoch shows no val loss at all.
    # (xview's held-out view 3 is its test split, and is named so: "val" misled.)
    qtbot.waitUntil(lambda: panel.curves.points("test loss") == 1, timeout=1000)
    assert panel.curves.points("cls") == 2 and "total" not in panel.curves.curves
    assert panel.curves.curves["test loss"].opts["symbol"] == "o"
    assert "test loss" in panel.curves.legend_text() and "val" not in (
        panel.curves.legend_text()
    )
    assert "test acc" in panel.log.toPlainText()
    assert panel.curves.acc_plot.getPlotItem().titleLabel.text == "Test accuracy"
    panel.curves.clear()  # a new run: the title waits for its split
    assert panel.curves.acc_plot.getPlotItem().titleLabel.text == "Accuracy"
    assert "epoch 1: cls " in panel.log.toPlainText()
    assert "total" not in panel.log.toPlainText()


def test_gui_thread_answers_a_timer_tick_within_100_ms_while_training(qtbot, panel):
    panel.epochs.setValue(200)
    panel.max_clips.setValue(256)
    panel.hidden.setValue(32)
    panel.start_button.click()
    qtbot.waitUntil(lambda: panel.events_seen > 5, timeout=60_000)
    lateness: list[float] = []
    clock = QElapsedTimer()
    timer = QTimer()
    timer.setInterval(10)

    def tick():
        lateness.append(clock.restart() - 10)

    timer.timeout.connect(tick)
    clock.start()
    timer.start()
    end = time.monotonic() + 2.0
    qtbot.waitUntil(lambda: time.monotonic() > end, timeout=5000)
    timer.stop()
    assert panel.is_running()
    panel.cancel_button.click()
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=30_000)
    assert len(lateness) > 50
    assert max(lateness[1:]) < 100, f"worst tick came {max(lateness[1:])} ms late"


def test_finetune_from_a_run_takes_over_its_architecture_and_input(panel, tmp_path):
    from core import runs

    shipped = runs.shipped_model_dir()
    panel.dataset.setCurrentText("custom")
    panel.root.setText(str(tmp_path))
    panel.strategy.setCurrentText("finetune")
    panel.preset.setCurrentText("official")
    panel.stream.setCurrentText("motion")
    panel.hidden.setValue(7)
    panel.init_from.setText(str(shipped))
    base = runs.read_run(shipped).config
    # The form shows what the run takes from the start, not what it will not use
    # (it said "official" beside a run of the shipped "paper" model: a trial).
    taken = (panel.preset, panel.encoder, panel.stream, panel.hidden, panel.frames)
    assert not any(w.isEnabled() for w in taken)
    assert (panel.preset.currentText(), panel.stream.currentText()) == (
        base.model.preset,
        base.data.stream,
    )
    assert panel.hidden.value() == base.model.hidden
    panel.stream.setCurrentText("motion")  # (a program could) the run's own wins
    cfg = panel.build_config()
    assert cfg.data.stream == base.data.stream == "joint"
    assert cfg.model == base.model and cfg.data.dataset == "custom"
    assert (cfg.data.layout, cfg.data.frames, cfg.data.joints) == (
        base.data.layout,
        base.data.frames,
        base.data.joints,
    )
    # the preset's rate unless one is given; the encoder's share of it when
    # starting from one
    preset_lr = cfg.optim.lr
    assert panel.lr.text().startswith("preset (") and cfg.optim.encoder_lr_scale == 1.0
    panel.lr.setValue(0.003)
    panel.encoder_lr.setValue(0.2)
    cfg = panel.build_config()
    assert preset_lr != 0.003
    assert (cfg.optim.lr, cfg.optim.encoder_lr_scale) == (0.003, 0.2)
    panel.strategy.setCurrentText("scratch")
    assert not panel.encoder_lr.isEnabled()
    cfg = panel.build_config()
    assert (cfg.optim.lr, cfg.optim.encoder_lr_scale) == (0.003, 1.0)
    # No start: the user's own values come back, to be changed.
    assert all(w.isEnabled() for w in taken)
    assert (panel.preset.currentText(), panel.hidden.value()) == ("official", 7)
    assert panel.stream.currentText() == "motion"


def test_semi_starts_with_a_labels_setting_and_uses_only_that_share(
    qtbot, panel, tiny_run
):
    """`semi` could never start: the panel had no way to give the label fraction."""
    panel.strategy.setCurrentText("pretrain")  # no labels at all: nothing to set
    assert not panel.labels_row.isEnabled() and panel.label_settings() == {}
    panel.strategy.setCurrentText("scratch")
    assert panel.labels_row.isEnabled() and panel.labels_mode.currentText() == "all"
    panel.strategy.setCurrentText("semi")  # offered the paper's 10 %, not an error
    assert panel.labels_mode.currentText() == "fraction"
    assert panel.label_percent.isVisibleTo(panel)
    assert not panel.labels_per_class.isVisibleTo(panel)
    panel.init_from.setText(str(tiny_run))
    panel.epochs.setValue(1)
    panel.max_clips.setValue(64)
    saved = _train_to_the_end(qtbot, panel)
    assert saved["strategy"]["name"] == "semi"
    assert saved["data"]["label_fraction"] == 0.1
    # semi trains its classifier on the labelled tenth of the 64 clips only
    used = re.search(
        r"(\d+) training clips \((\d+) labelled\)", panel.log.toPlainText()
    )
    assert used and 0 < int(used.group(2)) <= 13, panel.log.toPlainText()
    # Leaving semi takes the 10 % back; the user's own choice stays, and counts per
    # class for a few-shot fine-tune.
    panel.strategy.setCurrentText("finetune")
    assert panel.labels_mode.currentText() == "all"
    panel.labels_mode.setCurrentText("per class")
    panel.labels_per_class.setValue(3)
    assert panel.build_config().data.labels_per_class == 3
    panel.strategy.setCurrentText("semi")
    panel.strategy.setCurrentText("linear")
    cfg = panel.build_config()
    assert (cfg.data.labels_per_class, cfg.data.label_fraction) == (3, 1.0)


def test_each_strategy_says_what_it_does(panel):
    """Eight names (semi beside finetune, joint beside moving) and nothing said of
    them in the panel: a researcher could not tell semi from finetune on a share of
    the labels (a trial)."""
    tips = {
        panel.strategy.itemText(i): panel.strategy.itemData(
            i, Qt.ItemDataRole.ToolTipRole
        )
        for i in range(panel.strategy.count())
    }
    assert set(tips) == set(STRATEGIES) and all(tips.values())
    assert "label fraction" in tips["semi"] and "Eq. 5" in tips["joint"]
    assert "--" not in "".join(tips.values())  # the panel's words, not flags
    # the protocols too: which split is the test one, which validates (a trial)
    panel.dataset.setCurrentText("nw-ucla")
    protocols = {
        panel.protocol.itemText(i): panel.protocol.itemData(
            i, Qt.ItemDataRole.ToolTipRole
        )
        for i in range(panel.protocol.count())
    }
    assert "view 3 is the test split" in protocols["xview"]
    assert "view 2 validates" in protocols["xview-val"]
    panel.protocol.setCurrentText("xview-val")
    assert panel.protocol.toolTip() == protocols["xview-val"]
    assert "official" in panel.preset.toolTip()
    panel.strategy.setCurrentText("moving")  # the field says the one chosen
    assert panel.strategy.toolTip() == tips["moving"]
    panel.strategy.setCurrentText("linear")
    assert panel.strategy.toolTip() == tips["linear"]


def test_linear_evaluation_starts_from_the_run_chosen_or_a_shipped_models_name(
    qtbot, panel, tiny_run, tmp_path
):
    """Linear evaluation could not start from a pretrained run in the panel (the
    field was greyed out, showing the last path): it evaluated a random encoder."""
    from core.runs import shipped_model_dir

    panel.strategy.setCurrentText("linear")
    assert panel.init_row.isEnabled() and not panel.encoder_lr.isEnabled()
    panel.init_from.setText(str(tiny_run))
    cfg = panel.build_config()
    assert cfg.strategy.name == "linear" and cfg.strategy.init_from == str(tiny_run)
    panel.init_from.setText("")  # none: the random encoder (Rand-U), as the CLI
    assert panel.build_config().strategy.init_from == ""
    panel.strategy.setCurrentText("finetune")  # needs one: said in the form's words
    with pytest.raises(ValueError, match="choose its run in 'Start from'"):
        panel.build_config()
    panel.strategy.setCurrentText("finetune")  # a shipped model by its name
    panel.init_from.setText(shipped_model_dir().name)
    assert panel.build_config().strategy.init_from == str(shipped_model_dir())
    panel.strategy.setCurrentText("scratch")
    assert not panel.init_row.isEnabled()
    assert panel.build_config().strategy.init_from == ""
    # A run folder given as the runs folder would nest the new run inside it.
    panel.runs_dir.setText(str(tiny_run))
    with pytest.raises(ValueError, match="is itself a run's folder"):
        panel.build_config()
    panel.start_button.click()
    assert not panel.is_running() and "is itself a run's folder" in panel.errors[-1][1]
    assert [p.name for p in tiny_run.iterdir() if p.is_dir()] == []
    # Nor in the shipped models' folder: its every run is offered as a shipped model
    # (a trial run there became the app's default model).
    from core.paths import CHECKPOINTS_DIR

    before = sorted(p.name for p in CHECKPOINTS_DIR.iterdir())
    panel.runs_dir.setText(str(CHECKPOINTS_DIR))
    panel.start_button.click()
    assert not panel.is_running() and "shipped models' folder" in panel.errors[-1][1]
    assert sorted(p.name for p in CHECKPOINTS_DIR.iterdir()) == before


def test_the_form_comes_back_as_it_was_started(qtbot, settings, tmp_path):
    """Reopened, the panel kept the root and strategy but put the preset back to
    'official' and the epochs to 60 (the run started was paper / 30)."""
    from tests.app.conftest import make_context

    ctx, jobs, errors = make_context(settings)
    first = TrainPanel(ctx)
    qtbot.addWidget(first)
    first.root.setText(str(tmp_path / "missing"))  # refused at Start: nothing kept
    first.runs_dir.setText(str(tmp_path / "runs"))
    first.strategy.setCurrentText("scratch")
    first.preset.setCurrentText("paper")
    first.epochs.setValue(30)
    first.lr.setValue(0.003)
    first.device.setCurrentText("cpu")
    first.frames.setValue(32)
    first.max_clips.setValue(64)
    first.protocol.setCurrentText("xview-val")
    first.labels_mode.setCurrentText("per class")
    first.labels_per_class.setValue(7)
    first.start_button.click()
    assert errors and first.job is None
    assert settings.value("train/preset") is None  # nothing kept from a refused Start
    first.root.setText(str(require_data("nw-ucla", "all_sqe.zip")))
    first.start_button.click()
    assert first.job is not None
    first.cancel_button.click()
    qtbot.waitUntil(lambda: not first.is_running(), timeout=60_000)
    jobs.stop_all()
    ctx, jobs, errors = make_context(settings)
    again = TrainPanel(ctx)
    qtbot.addWidget(again)
    try:
        assert again.strategy.currentText() == "scratch"
        assert (again.preset.currentText(), again.epochs.value()) == ("paper", 30)
        assert again.lr.value() == 0.003 and again.device.currentText() == "cpu"
        assert again.frames.value() == 32 and again.max_clips.value() == 0
        assert again.protocol.currentText() == "xview-val"
        assert again.labels_mode.currentText() == "per class"
        assert again.labels_per_class.value() == 7
        # each dataset has its own root: NTU's folder did not stay when NW-UCLA was
        # chosen back (a trial); a dataset never started does not take another's
        ucla = str(require_data("nw-ucla", "all_sqe.zip"))
        assert again.root.text() == ucla
        again.dataset.setCurrentText("ntu60")
        assert again.root.text() == ""  # NW-UCLA's is not NTU's (a re-trial)
        again.root.setText("/data/ntu")
        again.dataset.setCurrentText("nw-ucla")
        assert again.root.text() == ucla
    finally:
        jobs.stop_all()


def test_a_run_that_fails_before_training_shows_an_empty_failed_bar(
    qtbot, panel, tmp_path
):
    """The bar read "failed" full (the data stage's end) and "Run folder:" still
    named the run before; idle, the bar showed no text at all."""
    assert panel.progress.text() == "idle"
    not_data = tmp_path / "not-a-dataset"
    not_data.mkdir()
    (not_data / "notes.txt").write_text("no clips here\n")
    panel.root.setText(str(not_data))
    panel.epochs.setValue(1)
    panel.start_button.click()
    assert "(starting)" in panel.run_label.text()
    assert not panel.open_run_button.isEnabled()
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=60_000)
    assert panel.progress.text() == "failed"
    assert panel.progress.value() == panel.progress.minimum()
    assert panel.run_label.text() == "Run folder: – (none made)"
    assert "error:" in panel.log.toPlainText()


def test_a_pretraining_run_says_why_it_has_no_accuracy(qtbot, panel):
    """The accuracy plot of a pretraining run stayed empty with no word why."""
    for strategy, says in (("pretrain", True), ("scratch", False)):
        panel.strategy.setCurrentText(strategy)
        panel.epochs.setValue(1)
        panel.max_clips.setValue(32)
        panel.start_button.click()
        note = panel.curves.acc_note
        assert note.isVisible() == says
        assert ("pretraining trains no classifier" in note.toPlainText()) == says
        panel.cancel_button.click()
        qtbot.waitUntil(lambda: not panel.is_running(), timeout=60_000)


def test_a_learning_rate_far_too_high_is_warned_of_in_the_log(qtbot, panel):
    """An absurd rate (1.0) ran its whole schedule at chance with no word."""
    panel.strategy.setCurrentText("scratch")
    panel.epochs.setValue(2)
    panel.max_clips.setValue(32)
    panel.lr.setValue(1.0)
    panel.start_button.click()
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=120_000)
    assert panel.errors == []
    log = panel.log.toPlainText()
    assert "warning: the cls loss jumped to" in log
    assert "the learning rate (1) may be too high" in log


def test_the_log_is_in_view_beside_the_form_on_a_laptop_screen(qtbot, panel):
    """In the form's column the log sat below the fold at 1366x768 (a trial): it is
    under the curves, in view."""
    panel.show()
    qtbot.waitExposed(panel)
    panel.resize(1366, 680)
    qtbot.wait(50)
    shown = panel.log.visibleRegion().boundingRect()
    assert shown.height() >= 60 and shown.size() == panel.log.size()


def test_a_finished_pretraining_is_offered_as_the_next_runs_start(qtbot, panel):
    """After a pretraining, linear left "Start from" empty: a random encoder, unsaid
    (a GUI trial). The run just finished is offered, once."""
    panel.strategy.setCurrentText("pretrain")
    panel.epochs.setValue(1)
    panel.max_clips.setValue(32)
    panel.init_from.setText("")
    with qtbot.waitSignal(panel.run_finished, timeout=120_000) as done:
        panel.start_button.click()
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=60_000)
    run_dir = done.args[0]
    panel.strategy.setCurrentText("linear")
    assert panel.init_from.text() == str(run_dir)
    panel.init_from.setText("")  # the user wants Rand-U after all
    panel.strategy.setCurrentText("finetune")
    panel.strategy.setCurrentText("linear")
    assert panel.init_from.text() == ""


def test_a_shown_runs_preset_size_reads_preset_and_goes_with_the_next_preset(panel):
    """A resumed official run's 300 units stayed in Hidden units and gave the next
    run, of the paper preset, a 300-unit encoder (a trial): the preset's own size
    shows as "preset", as its rate does; a size chosen by hand stays."""
    from core.config import make_config, model_preset

    root = panel.root.text()
    official = make_config(dataset="nw-ucla", root=root, preset="official")
    panel.show_config(official)
    # with the size it stands for (a resumed run's read "preset" alone: a trial)
    assert panel.hidden.text() == "preset (300)"
    assert panel.lr.text() == "preset (0.001)"
    panel.preset.setCurrentText("paper")
    assert panel.hidden.text() == "preset (30)"
    assert panel.build_config().model.hidden == model_preset("paper").hidden == 30
    sized = make_config(
        dataset="nw-ucla", root=root, preset="official", model={"hidden": 64}
    )
    panel.show_config(sized)
    assert panel.hidden.value() == 64
    assert panel.build_config().model.hidden == 64
