"""The run loop: run folder contents, reload, cancel and resume, seeding, bad input."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from core import runs
from core.cli import main
from core.config import TrainConfig, make_config
from core.evaluation import evaluate_run, save_eval
from core.inference import Predictor
from core.inference.novelty import NOVELTY_FILE
from core.training.events import (
    BatchDone,
    CheckpointSaved,
    DataProgress,
    EpochDone,
    Log,
    RunFinished,
    RunStarted,
)
from core.training.loop import check_resumable, run
from tests.core.training.conftest import tiny_config


def _events(cfg, stop=None):
    return list(run(cfg, stop))


def test_run_folder_reloads_to_identical_logits(tiny_data, tmp_path):
    cfg = tiny_config(tiny_data, tmp_path / "r", epochs=3, run={"select": "last"})
    events = _events(cfg)
    started = next(e for e in events if isinstance(e, RunStarted))
    assert started.total_epochs == 3 and started.steps_per_epoch >= 1
    last_epoch = [e for e in events if isinstance(e, EpochDone)][-1]
    for name in (
        "config.json",
        "labels.json",
        "weights.pt",
        "last.pt",
        "metrics.jsonl",
    ):
        assert (tmp_path / "r" / name).is_file()
    saved = TrainConfig.load(tmp_path / "r" / "config.json")
    assert saved.data.layout == "ucla20" and saved.data.num_bodies == 1
    assert saved.data.window_seconds > 0

    a = Predictor.from_run(tmp_path / "r", device="cpu")
    b = Predictor.from_run(tmp_path / "r", device="cpu")
    clip = np.random.default_rng(0).normal(size=(25, 1, 20, 3)).astype(np.float32)
    batch = a.prepare(clip)[None]
    assert batch.shape == (1, 16, 1, 20, 3)
    np.testing.assert_array_equal(a.logits(batch), b.logits(batch))
    probs = a.predict_proba([clip, clip[:5]])
    np.testing.assert_allclose(probs.sum(1), 1.0, rtol=1e-5)
    # the evaluation of the reloaded model is the loop's own last validation
    result = evaluate_run(tmp_path / "r", device="cpu")
    assert result.accuracy == pytest.approx(last_epoch.val_acc)
    assert result.confusion.sum() == result.num_clips
    paths = save_eval(result)
    assert json.loads(paths["json"].read_text())["accuracy"] == result.accuracy
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cancel_then_resume_continues_and_matches_an_uninterrupted_run(
    tiny_data, tmp_path
):
    full = tiny_config(tiny_data, tmp_path / "full", epochs=3)
    _events(full)

    cfg = tiny_config(tiny_data, tmp_path / "cut", epochs=3)
    stop = threading.Event()
    seen = []
    for event in run(cfg, stop):
        seen.append(event)
        if isinstance(event, BatchDone) and event.epoch == 2 and event.step == 1:
            stop.set()
    finished = seen[-1]
    assert (
        isinstance(finished, RunFinished) and finished.cancelled and finished.epoch == 1
    )
    assert not any(isinstance(e, EpochDone) and e.epoch == 2 for e in seen)

    resumed = _events(cfg.replace(run={"resume": True}))
    started = next(e for e in resumed if isinstance(e, RunStarted))
    assert started.start_epoch == 2
    assert [e.epoch for e in resumed if isinstance(e, EpochDone)] == [2, 3]
    assert not resumed[-1].cancelled
    # the accuracies the run ends with count the epoch run before the cut too
    accs = [e.val_acc for e in seen + resumed if isinstance(e, EpochDone)]
    assert resumed[-1].last_val_acc == accs[-1]
    assert resumed[-1].best_val_acc == max(accs)

    a = torch.load(tmp_path / "full" / "last.pt", weights_only=True)["model"]
    b = torch.load(tmp_path / "cut" / "last.pt", weights_only=True)["model"]
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=0, atol=1e-6)


def test_a_classifying_run_fits_its_novelty_check_when_it_has_clips_enough(
    tiny_data, tmp_path, capsys
):
    # 24 labelled clips against 16 features (8 units per direction): too few.
    few = tiny_config(tiny_data, tmp_path / "few", epochs=1)
    events = _events(few)
    logs = [e.message for e in events if isinstance(e, Log)]
    # ... said before training too (only the last line said it: a GUI trial)
    first_batch = next(i for i, e in enumerate(events) if isinstance(e, BatchDone))
    assert any(
        "note: 24 labelled clips are too few for a novelty check on the encoder's 16 "
        "features (it needs 32)" in e.message
        for e in events[:first_batch]
        if isinstance(e, Log)
    )
    assert any(
        "no novelty check: 24 labelled clips are too few" in m
        and m.endswith(
            "the model answers one of its actions whatever the motion "
            "(below the threshold: 'no action')"
        )
        for m in logs
    )  # what it means, said (a trial)
    assert not (tmp_path / "few" / NOVELTY_FILE).exists()
    assert Predictor.from_run(tmp_path / "few", device="cpu").novelty is None
    # 8 features: enough. Fitted on the saved (best) weights, as `ms2l novelty` does.
    ok = tiny_config(
        tiny_data,
        tmp_path / "ok",
        epochs=2,
        model={"hidden": 4},
        run={"select": "best"},
    )
    logs = [e.message for e in _events(ok) if isinstance(e, Log)]
    assert any("novelty check on 24 clips" in m for m in logs)
    assert not any("too few for a novelty check" in m for m in logs)
    check = Predictor.from_run(tmp_path / "ok", device="cpu").novelty
    assert check is not None and check.num_features == 8
    assert main(["novelty", str(tmp_path / "ok"), "--device", "cpu"]) == 0
    assert "24 training clips, 3 classes, 8 features" in capsys.readouterr().out
    again = Predictor.from_run(tmp_path / "ok", device="cpu").novelty
    assert again.threshold == pytest.approx(check.threshold, rel=1e-5)
    # Half the labels: the check (from training or the command) sees those clips only.
    half = tiny_config(
        tiny_data, tmp_path / "half", epochs=1, model={"hidden": 2},
        data={"label_fraction": 0.5},
    )  # fmt: skip
    logs = [e.message for e in _events(half) if isinstance(e, Log)]
    assert any("novelty check on 12 clips" in m for m in logs)
    assert main(["novelty", str(tmp_path / "half"), "--device", "cpu"]) == 0
    assert "12 training clips" in capsys.readouterr().out
    assert not any("is under one clip" in m for m in logs)  # 0.5 is honoured
    # 1 % of 24 clips is under one a class: the clips kept are said (a trial)
    one = tiny_config(
        tiny_data, tmp_path / "one-percent", epochs=1, model={"hidden": 2},
        data={"label_fraction": 0.01},
    )  # fmt: skip
    logs = [e.message for e in _events(one) if isinstance(e, Log)]
    assert any(
        "note: 0.01 of the labels is under one clip for some classes here: 3 of 24 "
        "labelled training clips are kept (12.5 %)" in m
        for m in logs
    ), logs


def test_same_seed_same_weights_other_seed_differs(tiny_data, tmp_path):
    def weights(name, seed):
        _events(tiny_config(tiny_data, tmp_path / name, epochs=1, run={"seed": seed}))
        return torch.load(tmp_path / name / "weights.pt", weights_only=True)

    a, b, c = weights("a", 1), weights("b", 1), weights("c", 2)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_checkpoints_are_reported_best_and_last(tiny_data, tmp_path):
    events = _events(tiny_config(tiny_data, tmp_path / "r", epochs=2))
    saved = [e for e in events if isinstance(e, CheckpointSaved)]
    # select="last" (the default): weights.pt every epoch, never called "best".
    assert [e.path.name for e in saved] == ["weights.pt", "last.pt"] * 2
    assert not any(e.is_best for e in saved)
    lines = (tmp_path / "r" / "metrics.jsonl").read_text().splitlines()
    assert json.loads(lines[-1])["event"] == "RunFinished"

    events = _events(
        tiny_config(tiny_data, tmp_path / "b", epochs=3, run={"select": "best"})
    )
    best = [e for e in events if isinstance(e, CheckpointSaved) and e.is_best]
    assert best and all(e.path.name == "weights.pt" for e in best)
    accs = [e.val_acc for e in events if isinstance(e, EpochDone)]
    # A "best" checkpoint is reported exactly for the epochs that improved on all before.
    improved = [i + 1 for i, a in enumerate(accs) if a > max(accs[:i], default=-1)]
    assert [e.epoch for e in best] == improved
    finished = events[-1]
    assert isinstance(finished, RunFinished)
    assert (finished.last_val_acc, finished.best_val_acc) == (accs[-1], max(accs))


def test_the_finished_run_reports_its_last_epoch_before_its_best():
    both = RunFinished(Path("r"), 0.75, False, 3, 0.5)
    assert both.accuracy_text() == "val acc 50.00% at the last epoch (best 75.00%)"
    same = RunFinished(Path("r"), 0.5, False, 3, 0.5)
    assert same.accuracy_text() == "val acc 50.00% at the last epoch"
    assert RunFinished(Path("r"), None, False, 3).accuracy_text() == ""
    # a protocol's test split is named so (NW-UCLA xview's view 3 read "val acc")
    test = RunFinished(Path("r"), 0.5, False, 3, 0.5, held_out="test")
    assert test.accuracy_text() == "test acc 50.00% at the last epoch"


def test_cancel_while_the_cache_is_built_stops_at_once(tiny_data, tmp_path):
    root, _ = tiny_data
    cfg = tiny_config((root, tmp_path / "fresh-cache"), tmp_path / "r")
    stop = threading.Event()
    events = []
    for event in run(cfg, stop):
        events.append(event)
        if (
            isinstance(event, DataProgress)
            and event.stage == "reading"
            and event.done == 3
        ):
            stop.set()
    progress = [e for e in events if isinstance(e, DataProgress)]
    # Nothing was read after the file during which the flag was set.
    assert progress[-1].done == 3 and progress[-1].total > 3
    assert isinstance(events[-1], RunFinished) and events[-1].cancelled
    assert events[-1].epoch == 0
    assert not (tmp_path / "r").exists()  # no run folder for a run that never began
    # The half-built cache left nothing behind (its build lock went with its folder).
    assert [p for p in (tmp_path / "fresh-cache").rglob("*") if p.is_file()] == []


def test_config_round_trips_and_rejects_unknown_values(tiny_data, tmp_path):
    cfg = tiny_config(
        tiny_data, tmp_path, "joint", data={"augment": {"rotate_degrees": 10}}
    )
    assert TrainConfig.from_json(cfg.to_json()) == cfg
    # a run folder given for its config (--config RUN) is told which file to give
    cfg.save(tmp_path / "config.json")
    with pytest.raises(FileNotFoundError) as err:
        TrainConfig.load(tmp_path)
    assert str(err.value) == (
        f"{tmp_path}: a folder, not a config file (give {tmp_path / 'config.json'})"
    )
    with pytest.raises(ValueError, match="unknown strategy"):
        make_config(strategy="magic")
    with pytest.raises(ValueError, match="unknown preset"):
        make_config(preset="huge")
    with pytest.raises(ValueError, match="unknown task"):
        make_config(strategy="pretrain", strategy_options={"tasks": ["colour"]})
    with pytest.raises(ValueError, match="unknown key"):
        TrainConfig.from_dict({"data": {"datset": "x"}})
    with pytest.raises(ValueError, match="init_from"):
        make_config(strategy="finetune")
    with pytest.raises(ValueError, match="label"):
        make_config(data={"label_fraction": 0.0})
    with pytest.raises(ValueError, match="semi"):
        make_config(strategy="semi", strategy_options={"init_from": "x"})


def test_bad_input_fails_before_training(tiny_data, tmp_path):
    with pytest.raises(KeyError, match="unknown dataset"):
        _events(
            tiny_config(tiny_data, tmp_path / "a").replace(data={"dataset": "mnist"})
        )
    with pytest.raises(FileNotFoundError, match="dataset root"):
        _events(tiny_config(tiny_data, tmp_path / "b").replace(data={"root": "/nope"}))
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()

    # A checkpoint from another architecture cannot initialise this one.
    other = tmp_path / "other"
    _events(tiny_config(tiny_data, other, "pretrain", epochs=1, model={"hidden": 5}))
    cfg = tiny_config(
        tiny_data,
        tmp_path / "c",
        "finetune",
        strategy_options={"init_from": str(other)},
    )
    with pytest.raises(ValueError, match="architecture differs"):
        _events(cfg)
    assert not (tmp_path / "c" / "weights.pt").exists()

    # Corrupt and incomplete run folders.
    (other / "last.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="last.pt: corrupt"):
        _events(tiny_config(tiny_data, other).replace(run={"resume": True}))
    corrupt = tmp_path / "corrupt"
    _events(tiny_config(tiny_data, corrupt, epochs=1))
    (corrupt / "weights.pt").write_bytes(b"\x00" * 10)
    with pytest.raises(ValueError, match="weights.pt: corrupt"):
        Predictor.from_run(corrupt)
    (corrupt / "config.json").unlink()
    with pytest.raises(FileNotFoundError, match="config.json"):
        Predictor.from_run(corrupt)
    with pytest.raises(FileNotFoundError, match="run folder not found"):
        Predictor.from_run(tmp_path / "missing")

    # Weights that do not fit the config: class count / input size named.
    good = tmp_path / "good"
    _events(tiny_config(tiny_data, good, epochs=1))
    state = runs.safe_load(good / "weights.pt")
    state["classifier.mlp.2.weight"] = torch.zeros(3, 8)
    state["classifier.mlp.2.bias"] = torch.zeros(3)
    torch.save(state, good / "weights.pt")
    with pytest.raises(ValueError, match="class count mismatch") as info:
        Predictor.from_run(good)
    # ... naming labels.json, which the model's class count comes from (a trial)
    listed = len(runs.load_labels(good))
    assert listed != 3 and str(info.value).endswith(
        f"(labels.json lists {listed} classes: it does not belong to these weights)"
    )
    state["encoder.fwd.0.weight_ih_l0"] = torch.zeros(24, 75)
    torch.save(state, good / "weights.pt")
    with pytest.raises(ValueError, match="input size mismatch"):
        Predictor.from_run(good)

    # A run folder is never silently overwritten.
    with pytest.raises(ValueError, match="already holds a run"):
        _events(tiny_config(tiny_data, good))


def test_predictor_rejects_clips_of_another_layout(tiny_data, tmp_path):
    _events(tiny_config(tiny_data, tmp_path / "r", epochs=1))
    p = Predictor.from_run(tmp_path / "r", device="cpu")
    assert (
        p.layout == "ucla20" and p.T == 16 and p.num_bodies == 1 and p.device == "cpu"
    )
    with pytest.raises(ValueError, match="joints"):
        p.predict_proba([np.zeros((10, 1, 25, 3), dtype=np.float32)])
    # extra bodies are dropped, as in training
    two = np.random.default_rng(0).normal(size=(10, 2, 20, 3)).astype(np.float32)
    np.testing.assert_allclose(
        p.predict_proba([two]), p.predict_proba([two[:, :1]]), rtol=1e-5
    )


def test_a_run_in_training_is_refused_to_a_second_process_and_drops_old_reports(
    tiny_data, tmp_path
):
    """Two processes training one folder mixed their metrics and checkpoints: the
    second is refused, naming the first, while the first runs (and not after)."""
    from core.training.loop import RUN_LOCK

    cfg = tiny_config(tiny_data, tmp_path / "r", epochs=2)
    first = run(cfg)
    for event in first:  # the first run is under way
        if isinstance(event, BatchDone):
            break
    again = cfg.replace(run={"resume": True})
    with pytest.raises(
        ValueError,
        match=rf"r: another process is training this run \(process {os.getpid()} on ",
    ):
        list(run(again))
    # the GUI's Resume asks first, before it clears its curves
    with pytest.raises(ValueError, match="another process is training this run"):
        check_resumable(tmp_path / "r")
    # an extension to the epochs the running process already wrote was refused as
    # "must exceed the run's 2 epochs" (a trial): the lock is said first
    for ask in (lambda: list(run(again, epochs=2)),
                lambda: check_resumable(tmp_path / "r", epochs=2)):  # fmt: skip
        with pytest.raises(ValueError, match="another process is training this run"):
            ask()
    rest = list(first)
    assert isinstance(rest[-1], RunFinished) and rest[-1].epoch == 2
    assert sum(isinstance(e, EpochDone) for e in rest) == 2
    # the lock went with the run: the folder can be extended now; the reports of
    # the earlier weights go with them (they would pass for the new ones)
    paths = save_eval(evaluate_run(tmp_path / "r", device="cpu"))
    assert all(p.is_file() for p in paths.values())
    extended = list(run(again, epochs=3))
    assert [e.epoch for e in extended if isinstance(e, EpochDone)] == [3]
    assert not any(p.exists() for p in paths.values())
    assert any(
        "removed the evaluation of the earlier weights (confusion.csv, "
        "confusion.png, eval.json)" in e.message
        for e in extended
        if isinstance(e, Log)
    )
    assert (tmp_path / "r" / RUN_LOCK).is_file()  # left in place (see FileLock)


def test_a_contrastive_run_with_a_batch_of_one_says_it_teaches_nothing(
    tiny_data, tmp_path
):
    cfg = tiny_config(
        tiny_data,
        tmp_path / "one",
        strategy="pretrain",
        epochs=1,
        optim={"batch_size": 1},
        data={"max_clips": 4},
    )
    events = list(run(cfg))
    logs = [e.message for e in events if isinstance(e, Log)]
    assert any(
        "with a batch of 1 its loss is 0 and it teaches nothing" in m for m in logs
    )
    contrastive = {e.losses["contrastive"] for e in events if isinstance(e, BatchDone)}
    assert contrastive == {0.0}  # what the note is about
    two = tiny_config(tiny_data, tmp_path / "two", strategy="pretrain", epochs=1)
    assert not any(
        "teaches nothing" in e.message for e in run(two) if isinstance(e, Log)
    )


def test_more_labels_per_class_than_a_class_has_is_said(tiny_data, tmp_path):
    def logs(k: int, name: str) -> list[str]:
        cfg = tiny_config(
            tiny_data, tmp_path / name, epochs=1, data={"labels_per_class": k}
        )
        return [e.message for e in run(cfg) if isinstance(e, Log)]

    # 8 training clips of each of the 3 actions (4 subjects x views 1 and 2)
    assert any(
        "note: 10 labelled clips per class asked for, but 3 of the 3 classes have fewer "
        "training clips (the fewest: "
        in m
        and "8); all of theirs are used" in m
        for m in logs(10, "ten")
    )
    assert not any("labelled clips per class asked for" in m for m in logs(2, "two"))


def test_held_out_classes_without_a_training_clip_are_warned_of(tmp_path):
    """Four NTU files split by camera (xview): one clip trains, three of other actions
    validate, and the run scored 0 % without a word (a trial)."""
    from core.training.events import Log
    from tests.conftest import require_data

    cfg = make_config(
        dataset="ntu60", root=str(require_data("ntu")), protocol="xview",
        strategy="scratch", data={"frames": 16, "cache_dir": str(tmp_path / "c")},
        model={"hidden": 8, "decoder_hidden": 8, "classifier_hidden": 8},
        optim={"epochs": 1, "batch_size": 8},
        run={"run_dir": str(tmp_path / "r"), "device": "cpu"},
    )  # fmt: skip
    warned = [
        e.message for e in run(cfg) if isinstance(e, Log) and "no labelled" in e.message
    ]
    assert warned == [
        "warning: 3 classes of the held-out clips ('drink water', 'reading', "
        "'punching/slapping other person': 3 clips) have no labelled training clip: "
        "the model cannot learn them, and their clips all count as errors"
    ]


def test_a_new_run_is_not_made_inside_another_runs_folder(tiny_data, tmp_path):
    """--run-dir runs/ft/sub trained inside another run's folder (the Train panel
    refused such a runs folder; the command line did not: a trial)."""
    list(run(tiny_config(tiny_data, tmp_path / "r", epochs=1)))
    with pytest.raises(ValueError, match=r"sub: inside the folder of another run \("):
        list(run(tiny_config(tiny_data, tmp_path / "r" / "sub", epochs=1)))
    assert not (tmp_path / "r" / "sub").exists()


def test_more_threads_than_cores_is_warned_of(tiny_data, tmp_path):
    """--threads 1000 on two cores was taken without a word; an epoch took 10x."""
    cores = os.cpu_count() or 1
    before = torch.get_num_threads()
    try:
        cfg = tiny_config(
            tiny_data, tmp_path / "r", epochs=1, run={"threads": cores + 1}
        )
        with pytest.warns(UserWarning, match=rf"{cores + 1} threads on a machine of "):
            list(run(cfg))
    finally:
        torch.set_num_threads(before)


def test_a_run_whose_data_folder_is_gone_is_scored_on_the_shared_copy_with_a_note(
    tmp_path, monkeypatch
):
    """A run trained on a subset folder, deleted since, was scored on the whole
    dataset in $MS2L_DATA, unsaid (a trial: 464 clips where it had validated on
    104); the figure now says whose data it is."""
    import shutil

    from tests.core.training.conftest import write_dataset

    subset = write_dataset(tmp_path / "subset" / "all_sqe", subjects=2)
    cfg = tiny_config((subset, tmp_path / "cache"), tmp_path / "r", epochs=1)
    _events(cfg)
    shared = tmp_path / "shared"
    whole = write_dataset(tmp_path / "whole" / "all_sqe", subjects=4, seed=1)
    (shared / "nw-ucla").mkdir(parents=True)
    shutil.make_archive(str(shared / "nw-ucla" / "all_sqe"), "zip", whole.parent)
    monkeypatch.setenv("MS2L_DATA", str(shared))
    # still there: scored on it, and nothing said
    kept = evaluate_run(tmp_path / "r", device="cpu")
    assert not any("not found" in n for n in kept.notes)
    shutil.rmtree(subset)
    moved = evaluate_run(tmp_path / "r", device="cpu")
    assert moved.num_clips > kept.num_clips  # the shared copy's view 3, not the run's
    note = next(n for n in moved.notes if "not found" in n)
    assert str(subset) in note and str(shared / "nw-ucla" / "all_sqe.zip") in note
    # given with --root: the user's choice, nothing to say
    given = evaluate_run(tmp_path / "r", data_root=whole, device="cpu")
    assert not any("not found" in n for n in given.notes)


def test_exporting_over_another_models_evaluation_is_told(tiny_data, tmp_path):
    """A second shipped model's export went over the first's files, unsaid (a
    trial): the evaluation a folder holds is named when another's would replace it."""
    from core.evaluation import replaced_report

    for name in ("a", "b"):
        _events(tiny_config(tiny_data, tmp_path / name, epochs=1))
    a = evaluate_run(tmp_path / "a", device="cpu")
    b = evaluate_run(tmp_path / "b", device="cpu")
    folder = tmp_path / "reports"
    assert replaced_report(folder, a) == ""  # nothing there
    save_eval(a, folder)
    assert replaced_report(folder, a) == ""  # its own again
    assert replaced_report(folder, b) == "a"
    (folder / "eval.json").write_text("{not json")
    assert replaced_report(folder, b) == ""  # unreadable: nobody's


def test_the_training_side_of_a_run_of_few_labels_is_not_said_all_taught(
    tiny_data, tmp_path
):
    """`ms2l eval --split train` of a semi run (30 labelled clips of 1020) said all
    1020 were "the clips the model was trained on" (a trial)."""
    cfg = tiny_config(tiny_data, tmp_path / "r", epochs=1, data={"label_fraction": 0.5})
    _events(cfg)
    notes = evaluate_run(tmp_path / "r", split="train", device="cpu").notes
    assert any("it learnt the labels of only some of them (50 %)" in n for n in notes)
    assert not any("the clips the model was trained on" in n for n in notes)


def test_resuming_a_run_on_a_read_only_file_system_names_the_run(
    tiny_data, tmp_path, monkeypatch
):
    """Resuming a run on a read-only mount failed with "…/.train.lock: Read-only
    file system" (a trial). The lock's open is made to fail as such a mount fails it
    (root writes through permission bits, and a test cannot mount)."""
    import errno

    from core.filelock import FileLock

    cfg = tiny_config(tiny_data, tmp_path / "r", epochs=1)
    assert isinstance(list(run(cfg))[-1], RunFinished)

    def read_only(self):
        raise OSError(errno.EROFS, "Read-only file system", str(self.path))

    monkeypatch.setattr(FileLock, "try_acquire", read_only)
    with pytest.raises(ValueError) as err:
        list(run(cfg.replace(run={"resume": True}), epochs=2))
    message = str(err.value)
    assert message.startswith(f"{tmp_path / 'r'}: the run folder cannot be written")
    assert "copy the folder somewhere writable and resume the copy" in message


def test_a_config_edited_by_hand_is_refused_on_resume(tiny_data, tmp_path):
    """An edited data setting went into the next epochs unsaid: epochs 1-4 on 96
    clips, epoch 5 on 48, in one curve (a trial); the same as a flag is refused."""
    cfg = tiny_config(tiny_data, tmp_path / "r", epochs=1)
    assert isinstance(list(run(cfg))[-1], RunFinished)
    path = tmp_path / "r" / "config.json"
    original = path.read_text()
    doc = json.loads(original)
    doc["data"]["max_clips"] = 12
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError) as err:
        list(run(cfg.replace(run={"resume": True}), epochs=2))
    message = str(err.value)
    assert message.startswith(f"{path}: edited since the run last saved")
    assert "data.max_clips: 0 != 12" in message
    # where the data lies is no setting of the recipe: a moved dataset resumes
    # (editing the root was the way; a review)
    doc["data"]["max_clips"] = json.loads(original)["data"]["max_clips"]
    doc["data"]["root"] = doc["data"]["root"] + "/."
    # nor are the values a resume fills in again (takes added, a held-out take
    # renamed by Teach, a resume cancelled before its first epoch ended: a review)
    doc["data"]["window_seconds"] = 9.5
    doc["data"]["held_out"] = ["renamed"]
    path.write_text(json.dumps(doc))
    check_resumable(tmp_path / "r", epochs=2)
    path.write_text(original)  # put back, it resumes
    events = list(run(cfg.replace(run={"resume": True}), epochs=2))
    assert isinstance(events[-1], RunFinished) and events[-1].epoch == 2
