"""Run folders over their life: Ctrl-C, resume, extension, re-use of a config, eval outputs.

Each test trains the tiny synthetic set for a few epochs with real torch; the Ctrl-C test
runs ``ms2l train`` in a subprocess and sends it a real SIGINT.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from core import runs
from core.cli import main
from core.config import RunConfig, TrainConfig, make_config
from core.evaluation import evaluate_run, save_eval
from core.inference import Predictor
from core.training.events import BatchDone
from core.training.loop import run
from tests.core.training.conftest import tiny_config

REPO = Path(__file__).resolve().parents[3]


def _events(cfg, stop=None, **kwargs):
    return list(run(cfg, stop, **kwargs))


def _metrics(run_dir: Path) -> list[dict]:
    text = (run_dir / runs.METRICS).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def _cancel_in_epoch_2(cfg: TrainConfig) -> None:
    stop = threading.Event()
    for event in run(cfg, stop):
        if isinstance(event, BatchDone) and event.epoch == 2 and event.step == 1:
            stop.set()


@pytest.mark.parametrize(
    ("sig", "twice"),
    [(signal.SIGINT, False), (signal.SIGTERM, False), (signal.SIGTERM, True)],
    ids=["ctrl-c", "term", "term-twice"],
)
def test_ctrl_c_stops_after_the_batch_and_leaves_a_resumable_run(
    tiny_data, tmp_path, sig, twice
):
    """Ctrl-C, and SIGTERM (``kill``, ``docker stop``, a batch scheduler), which
    ended the run with no message and without its checkpoint; a second SIGTERM a
    moment later (the same stop) killed it as it shut down, exit 143 (a trial)."""
    root, cache = tiny_data
    run_dir = tmp_path / "run"
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "PYTHONPATH": str(REPO),
        "MS2L_CACHE": str(cache),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "core.cli", "train", "--root", str(root),
         "--preset", "paper", "--epochs", "100000", "--batch-size", "8",
         "--hidden", "8", "--frames", "16", "--device", "cpu", "--quiet",
         "--run-dir", str(run_dir)],
        cwd=REPO, env=env, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    lines = []
    try:
        for line in proc.stderr:
            lines.append(line)
            if line.startswith("epoch 1/"):
                proc.send_signal(sig)
                if twice:
                    time.sleep(0.3)
                    proc.send_signal(sig)
                break
        lines += proc.stderr.readlines()
        status = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = "".join(lines)
    assert status == 130, err[-2000:]
    assert "Traceback" not in err
    assert f"; resume with: ms2l train --resume {run_dir}" in err
    finished = _metrics(run_dir)[-1]
    assert finished["event"] == "RunFinished" and finished["cancelled"] is True
    epoch = finished["epoch"]
    assert epoch >= 1 and f"cancelled at epoch {epoch};" in err
    state = runs.safe_load(run_dir / runs.LAST)
    assert state["epoch"] == epoch
    assert not list(run_dir.glob(".*.tmp"))


def test_a_late_second_stop_aborts_and_says_how_to_resume(
    tiny_data, tmp_path, monkeypatch, capfd
):
    """A second SIGTERM a second or more after the first aborts at once; it printed
    "interrupted" alone, though the finished epochs are kept and resume (a trial)."""
    from core.commands import train
    from core.training.events import CheckpointSaved

    run_dir = tmp_path / "run"
    cfg = tiny_config(tiny_data, run_dir, epochs=50)
    monkeypatch.setattr(train, "SAME_STOP_SECONDS", 0.0)  # "a second later", at once
    handle = train.ProgressBar.handle

    def handle_then_stop_twice(self, event):
        handle(self, event)
        last = isinstance(event, CheckpointSaved) and event.path.name == runs.LAST
        if last and event.epoch == 2:
            signal.raise_signal(signal.SIGTERM)  # stop after this batch ...
            signal.raise_signal(signal.SIGTERM)  # ... no: abort now

    monkeypatch.setattr(train.ProgressBar, "handle", handle_then_stop_twice)
    with pytest.raises(KeyboardInterrupt):
        train.train_with_progress(cfg, quiet=True)
    err = capfd.readouterr().err
    said = "aborted; the run keeps its last finished epoch: resume with: "
    assert f"{said}ms2l train --resume {run_dir}\n" in err
    assert runs.safe_load(run_dir / runs.LAST)["epoch"] == 2
    stop = threading.Event()  # resumed: its first batch is epoch 3's
    for event in run(cfg.replace(run={"resume": True}), stop):
        if isinstance(event, BatchDone):
            assert event.epoch == 3
            stop.set()


def test_a_damaged_resume_checkpoint_says_what_can_be_done(tiny_data, tmp_path, capsys):
    """ "last.pt: corrupt or unreadable checkpoint ([Errno 22] Invalid argument)" gave
    no way on (a trial)."""
    run_dir = tmp_path / "run"
    _cancel_in_epoch_2(tiny_config(tiny_data, run_dir, epochs=3))
    last = run_dir / runs.LAST
    last.write_bytes(last.read_bytes()[:300])
    assert main(["train", "--resume", str(run_dir)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"ms2l train: error: {last}: corrupt")
    assert err.endswith(
        f"; the run cannot resume: start a new run (--init-from {run_dir}, the Train "
        "panel's Start from, starts one from its weights)\n"
    )


def test_first_sigint_sets_stop_second_raises_and_handler_is_restored(monkeypatch):
    from core.commands import train

    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    stop = threading.Event()
    with train._stop_on_sigint(stop):
        signal.raise_signal(signal.SIGINT)
        assert stop.is_set()
        # At once again: the same Ctrl-C delivered twice (by the terminal and by
        # torchrun), not a second one.
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGTERM)
        monkeypatch.setattr(train, "SAME_STOP_SECONDS", 0.0)
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
    assert {s: signal.getsignal(s) for s in before} == before


def test_failed_atomic_save_leaves_no_temporary_file(tmp_path):
    with pytest.raises(Exception):  # noqa: B017 - pickling a lambda fails in torch
        runs.atomic_save({"f": lambda: 0}, tmp_path / "x.pt")
    assert list(tmp_path.iterdir()) == []


def test_resume_is_not_saved_so_the_config_starts_a_new_run(tiny_data, tmp_path):
    cfg = tiny_config(tiny_data, tmp_path / "a", epochs=3)
    _cancel_in_epoch_2(cfg)
    _events(cfg.replace(run={"resume": True}))
    saved = json.loads((tmp_path / "a" / "config.json").read_text())
    assert saved["run"]["resume"] is False

    # even a hand-edited resume=true is ignored by --config
    saved["run"]["resume"] = True
    (tmp_path / "edited.json").write_text(json.dumps(saved))
    new = tmp_path / "b"
    args = ["train", "--config", str(tmp_path / "edited.json"), "--run-dir", str(new)]
    assert main([*args, "--quiet"]) == 0
    started = next(x for x in _metrics(new) if x["event"] == "RunStarted")
    assert started["start_epoch"] == 1
    assert [x["epoch"] for x in _metrics(new) if x["event"] == "EpochDone"] == [1, 2, 3]


def test_resumed_run_does_not_duplicate_metrics_lines(tiny_data, tmp_path):
    cfg = tiny_config(tiny_data, tmp_path / "r", epochs=3)
    _cancel_in_epoch_2(cfg)
    _events(cfg.replace(run={"resume": True}))
    lines = _metrics(tmp_path / "r")
    epochs = [x["epoch"] for x in lines if x["event"] == "EpochDone"]
    assert epochs == [1, 2, 3]
    batches = [(x["epoch"], x["step"]) for x in lines if x["event"] == "BatchDone"]
    assert len(batches) == len(set(batches)) and (2, 1) in batches
    assert lines[-1]["event"] == "RunFinished" and not lines[-1]["cancelled"]


def test_resume_extends_with_epochs_and_rejects_other_flags(
    tiny_data, tmp_path, capsys
):
    run_dir = tmp_path / "r"
    _events(tiny_config(tiny_data, run_dir, epochs=1))
    assert main(["train", "--resume", str(run_dir), "--lr", "0.5", "--seed", "2"]) == 2
    err = capsys.readouterr().err
    assert "--lr" in err and "--seed" in err and "--resume" in err
    assert main(["train", "--resume", str(run_dir), "--epochs", "1"]) == 2
    assert "must exceed" in capsys.readouterr().err

    resume = ["train", "--resume", str(run_dir), "--device", "cpu", "--quiet"]
    assert main([*resume, "--epochs", "2"]) == 0
    assert TrainConfig.load(run_dir / "config.json").optim.epochs == 2
    lines = _metrics(run_dir)
    assert [x["epoch"] for x in lines if x["event"] == "EpochDone"] == [1, 2]
    assert runs.safe_load(run_dir / runs.LAST)["epoch"] == 2


def test_pretraining_run_is_refused_for_prediction_eval_and_export(
    tiny_data, tmp_path, monkeypatch, capsys
):
    from core.inference import export_onnx

    run_dir = tmp_path / "pre"
    _events(tiny_config(tiny_data, run_dir, "pretrain", epochs=1))
    message = "self-supervised pretraining run .* train one on it first, in the Train"
    with pytest.raises(ValueError, match=message):
        Predictor.from_run(run_dir, device="cpu")
    with pytest.raises(ValueError, match=message):
        evaluate_run(run_dir, device="cpu")
    with pytest.raises(ValueError, match=message):
        export_onnx(run_dir, tmp_path / "pre.onnx", force=True)
    assert not (tmp_path / "pre.onnx").exists()
    # ms2l eval while it trains: refused, with no note about its weights first
    # (the note came, then the refusal: a trial)
    from core.filelock import FileLock
    from core.training.loop import RUN_LOCK

    held = FileLock(run_dir / RUN_LOCK)
    assert held.try_acquire()
    try:
        assert main(["eval", str(run_dir), "--device", "cpu"]) == 2
    finally:
        held.release()
    err = capsys.readouterr().err
    assert "being trained now" not in err and "pretraining run" in err
    # the command it gives pastes as it is: the run's own dataset and root are in it
    # (without --root it failed: a trial)
    with pytest.raises(ValueError) as err:
        Predictor.from_run(run_dir, device="cpu")
    command = str(err.value).split("or with: ")[1]
    monkeypatch.setenv("MS2L_CACHE", str(tiny_data[1]))
    assert command.startswith("ms2l train --dataset nw-ucla --root ")
    assert main([*shlex.split(command)[1:], "--epochs", "1", "--run-dir",
                 str(tmp_path / "ft"), "--quiet", "--device", "cpu",
                 "--frames", "16", "--batch-size", "8"]) == 0  # fmt: skip


def test_default_selection_is_the_last_epoch(capsys):
    assert RunConfig().select == "last" and make_config().run.select == "last"
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "test split, so 'best' is optimistic" in help_text


def test_new_run_saves_absolute_paths(tiny_data, tmp_path, monkeypatch):
    root, _ = tiny_data
    monkeypatch.chdir(root.parent)
    pre = tmp_path / "pre"
    cfg = tiny_config(tiny_data, pre, "pretrain", epochs=1)
    cfg = cfg.replace(data={"root": root.name})
    _events(cfg)
    saved = TrainConfig.load(pre / "config.json")
    assert saved.data.root == str(root.resolve())

    monkeypatch.chdir(tmp_path)
    fine = tmp_path / "fine"
    cfg = tiny_config(
        tiny_data, fine, "finetune", epochs=1, strategy_options={"init_from": "pre"}
    )
    _events(cfg)
    saved = TrainConfig.load(fine / "config.json")
    assert saved.strategy.init_from == str(pre.resolve())


def test_missing_root_falls_back_to_ms2l_data_then_says_root(
    tiny_data, tmp_path, monkeypatch
):
    root, _ = tiny_data
    run_dir = tmp_path / "r"
    _events(tiny_config(tiny_data, run_dir, epochs=1))
    doc = json.loads((run_dir / "config.json").read_text())
    doc["data"]["root"] = str(tmp_path / "moved")
    (run_dir / "config.json").write_text(json.dumps(doc))

    # (unset, $MS2L_DATA defaults to shared/data beside the repository, which holds
    # the real NW-UCLA here: point it at an empty folder instead)
    monkeypatch.setenv("MS2L_DATA", str(tmp_path / "empty"))
    with pytest.raises(FileNotFoundError, match="--root"):
        evaluate_run(run_dir, device="cpu")

    shared = tmp_path / "shared"
    (shared / "nw-ucla").mkdir(parents=True)
    (shared / "nw-ucla" / "all_sqe.zip").symlink_to(root, target_is_directory=True)
    monkeypatch.setenv("MS2L_DATA", str(shared))
    monkeypatch.chdir(tmp_path)
    result = evaluate_run(run_dir, device="cpu")
    assert result.num_clips == 12  # 3 actions x 4 subjects seen from view 3


def test_eval_of_another_split_does_not_overwrite_the_test_results(tiny_data, tmp_path):
    run_dir = tmp_path / "r"
    _events(tiny_config(tiny_data, run_dir, epochs=1))
    test_result = evaluate_run(run_dir, device="cpu")
    test_paths = save_eval(test_result)
    train_result = evaluate_run(run_dir, split="train", device="cpu")
    train_paths = save_eval(train_result)
    # The training clips' figure says what it is (100 % read as a result: a trial).
    said = "these are the clips the model was trained on"
    assert any(n.startswith(said) for n in train_result.notes)
    assert not any(n.startswith(said) for n in test_result.notes)
    assert {p.name for p in test_paths.values()} == {
        "eval.json",
        "confusion.csv",
        "confusion.png",
    }
    assert {p.name for p in train_paths.values()} == {
        "eval-train.json",
        "confusion-train.csv",
        "confusion-train.png",
    }
    assert json.loads((run_dir / "eval.json").read_text())["split"] == "test"
    assert json.loads((run_dir / "eval-train.json").read_text())["split"] == "train"
    assert all(p.is_file() for p in [*test_paths.values(), *train_paths.values()])


def test_predictor_refuses_a_clip_without_any_skeleton(tiny_data, tmp_path):
    _events(tiny_config(tiny_data, tmp_path / "r", epochs=1))
    p = Predictor.from_run(tmp_path / "r", device="cpu")
    good = np.random.default_rng(0).normal(size=(12, 1, 20, 3)).astype(np.float32)
    assert p.predict_proba([good]).shape == (1, len(p.labels))
    empty = np.full((12, 1, 20, 3), np.nan, dtype=np.float32)
    with pytest.raises(ValueError, match="clip 1 has no skeleton in any frame"):
        p.predict_proba([good, empty])
    with pytest.raises(ValueError, match="clip 0 has no skeleton in any frame"):
        p.predict_proba([np.zeros((12, 1, 20, 3), dtype=np.float32)])


def test_an_evaluation_made_while_the_run_trains_is_noted_and_removed_at_its_end(
    tiny_data, tmp_path, capsys
):
    """A user trial: ``ms2l eval`` of a run in training said nothing, and its report
    (of an early epoch's weights) stayed in the folder beside the final weights."""
    from core.training.events import CheckpointSaved, Log

    run_dir = tmp_path / "r"
    notes = []
    for event in run(tiny_config(tiny_data, run_dir, epochs=3)):
        if (
            isinstance(event, CheckpointSaved)
            and event.path.name == "last.pt"
            and event.epoch == 1
        ):  # another terminal evaluates it now (the run holds its lock)
            assert main(["eval", str(run_dir), "--device", "cpu"]) == 0
            err = capsys.readouterr().err
            assert (
                f"ms2l eval: note: {run_dir} is being trained now (by this program)"
                in err
            )
            assert (run_dir / "eval.json").is_file()
        elif isinstance(event, Log) and "while it trained" in event.message:
            notes.append(event.message)
    assert notes == [
        f"{run_dir}: removed the evaluation made while it trained (confusion.csv, "
        "confusion.png, eval.json): it scored an earlier epoch's weights; evaluate "
        "again (ms2l eval)"
    ]
    assert not (run_dir / "eval.json").exists()
    assert main(["eval", str(run_dir), "--device", "cpu"]) == 0
    assert "being trained now" not in capsys.readouterr().err
    assert (run_dir / "eval.json").is_file()


def test_a_run_whose_lock_file_cannot_be_opened_is_evaluated(
    tiny_data, tmp_path, capsys
):
    """``ms2l eval`` of a run on a read-only mount failed with ".train.lock:
    Read-only file system", and Evaluate did nothing but print a traceback (a trial).
    As root (the CI) a read-only folder cannot be made with permissions: the lock file
    is a folder here, which fails to open as a read-only mount makes it fail."""
    from core.training.loop import RUN_LOCK

    run_dir = tmp_path / "r"
    _events(tiny_config(tiny_data, run_dir, epochs=1))
    (run_dir / RUN_LOCK).unlink(missing_ok=True)
    (run_dir / RUN_LOCK).mkdir()
    assert main(["eval", str(run_dir), "--device", "cpu"]) == 0
    assert "accuracy" in capsys.readouterr().out
    assert (run_dir / "eval.json").is_file()


def test_eval_says_which_files_of_the_dataset_could_not_be_read(
    tiny_data, tmp_path, capsys
):
    """A damaged file of the evaluated data scored one clip fewer, unsaid (training
    and data info name it; a trial)."""
    import shutil

    root, _cache = tiny_data
    copy = tmp_path / "all_sqe"
    shutil.copytree(root, copy)
    damaged = copy / "a01_s01_e00_v03.json"
    damaged.write_text(damaged.read_text()[:100])
    run_dir = tmp_path / "r"
    _events(tiny_config(tiny_data, run_dir, epochs=1))
    assert main(["eval", str(run_dir), "--root", str(copy), "--device", "cpu"]) == 0
    captured = capsys.readouterr()
    said = captured.out + captured.err
    assert "1 file of the dataset could not be read and is left out: " in said
    assert f"{damaged}" in said


def test_an_evaluation_that_ends_after_its_run_trained_on_is_not_written(
    tiny_data, tmp_path
):
    """A user trial: ``ms2l eval`` that finished after its run had ended wrote the
    earlier weights' figures into the folder, where they passed for the final model's."""
    from core.training.events import CheckpointSaved

    run_dir = tmp_path / "r"
    early = None
    for event in run(tiny_config(tiny_data, run_dir, epochs=3)):
        # scored after the first epoch, written once the run has ended
        if early is None and isinstance(event, CheckpointSaved):
            early = evaluate_run(run_dir, device="cpu")
    assert early is not None
    with pytest.raises(ValueError, match="its weights changed after they were scored"):
        save_eval(early)
    assert not (run_dir / "eval.json").exists()
    assert {
        p.name for p in save_eval(evaluate_run(run_dir, device="cpu")).values()
    } == {
        "eval.json",
        "confusion.csv",
        "confusion.png",
    }


def test_an_evaluation_of_a_run_on_fewer_clips_says_it_scores_them_all(
    tiny_data, tmp_path
):
    """A run trained with --max-clips 400 validated at 62.5 %; ms2l eval scored all
    464 test clips at 59.9 % and did not say why the figures differ (a trial)."""
    run_dir = tmp_path / "r"
    _events(tiny_config(tiny_data, run_dir, epochs=1, data={"max_clips": 5}))
    result = evaluate_run(run_dir, device="cpu")
    assert result.num_clips > 5
    assert (
        "r trained and validated on at most 5 clips a split (--max-clips, the "
        f"Train panel's Max clips); this scores all {result.num_clips}, so it differs "
        "from the figure the run gave at its last epoch"
    ) in result.notes
