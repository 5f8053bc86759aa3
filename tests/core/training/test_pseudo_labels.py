"""Self-training (``--pseudo-labels RUN``): a trained run labels the hidden clips."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest

from core.config import TrainConfig
from core.training.data import drain, load_data
from core.training.events import EpochDone, Log, RunFinished
from core.training.loop import run as train_run
from core.training.pseudo import pick
from tests.core.training.conftest import tiny_config


def test_pick_takes_each_classs_surest_clips_by_its_top_answer() -> None:
    p = np.array(
        [
            [0.9, 0.1, 0.0],  # class 0, sure
            [0.6, 0.4, 0.0],  # class 0, less sure
            [0.7, 0.3, 0.0],  # class 0
            [0.2, 0.8, 0.0],  # class 1
            [0.45, 0.55, 0.0],  # class 1, barely (its 0.45 never counts for class 0)
        ]
    )
    candidates = np.array([10, 11, 12, 13, 14])
    picked = pick(p, candidates, per_class=2)
    assert picked.positions.tolist() == [10, 12, 13, 14]
    assert picked.labels.tolist() == [0, 0, 1, 1]
    assert np.allclose(picked.confidence, [0.9, 0.7, 0.8, 0.55])
    # Class 2 is nobody's answer: it gets none; an empty candidate set picks nothing.
    assert len(pick(np.zeros((0, 3)), np.zeros(0, np.int64), 2).positions) == 0


def _finish(cfg) -> tuple[RunFinished, list[Log]]:
    events = list(train_run(cfg))
    finished = [e for e in events if isinstance(e, RunFinished)]
    assert finished and not finished[-1].cancelled
    return finished[-1], [e for e in events if isinstance(e, Log)]


@pytest.fixture(scope="module")
def teacher(tiny_data, tmp_path_factory) -> Path:
    """A run trained on every label of the tiny set (it learns its three actions)."""
    folder = tmp_path_factory.mktemp("teacher") / "run"
    _finish(tiny_config(tiny_data, folder, epochs=8))
    return folder


def _student(tiny_data, run_dir, teacher, **data):
    return tiny_config(
        tiny_data,
        run_dir,
        epochs=3,
        data={
            "labels_per_class": 1,
            "pseudo_labels_from": str(teacher),
            "pseudo_per_class": 3,
            **data,
        },  # fmt: skip
    )


def test_the_teacher_labels_the_hidden_clips_and_a_resumed_run_keeps_its_pick(
    tiny_data, teacher, tmp_path
) -> None:
    import shutil

    from core.training.loop import run

    cfg = _student(tiny_data, tmp_path / "student", teacher)
    data = drain(load_data(cfg.data, seed=0))
    # 1 true label per class, then up to 3 per class from the teacher.
    counts = np.bincount(data.train.labels[data.labelled], minlength=3)
    assert 3 < len(data.labelled) <= 12 and (counts >= 1).all()
    assert ((data.train.labels >= 0) == np.isin(np.arange(len(data.train)),
                                                data.labelled)).all()  # fmt: skip
    # The teacher learned the three actions: its picks are the clips' own labels.
    line = next(m for m in data.notes if m.startswith("pseudo-labels from"))
    assert "up to 3 per class" in line and "agree with the dataset's own labels" in line
    agree = float(line.split("; ")[1].split(" %")[0])
    assert agree >= 80.0, line
    # It learnt every label, this run keeps one per class: said.
    assert any("learnt other labels than this run keeps (every label" in m
               for m in data.notes)  # fmt: skip

    # A run that stops after its first epoch records the pick in its config ...
    stop = threading.Event()
    for event in run(cfg, stop):
        if isinstance(event, EpochDone):
            stop.set()
    saved = json.loads((tmp_path / "student" / "config.json").read_text())["data"]
    assert saved["pseudo_labels_from"] == str(teacher.resolve())
    labelled = {data.train.names[p] for p in data.labelled}
    assert saved["pseudo_clips"] and set(saved["pseudo_clips"]) <= labelled
    assert len(saved["pseudo_actions"]) == len(saved["pseudo_clips"])
    # ... and resumed after the teacher has changed (here: trained further into
    # something else entirely), it keeps that pick instead of asking again.
    moved = shutil.move(teacher, teacher.parent / "moved")
    try:
        resumed = TrainConfig.load(tmp_path / "student" / "config.json").replace(
            run={"resume": True, "run_dir": str(tmp_path / "student")}
        )
        logs = [e.message for e in run(resumed) if isinstance(e, Log)]
    finally:
        shutil.move(moved, teacher)
    line_again = next(m for m in logs if m.startswith("pseudo-labels from"))
    assert "as picked when the run started" in line_again
    assert line_again.split("unlabelled")[0] == line.split("unlabelled")[0]
    again = TrainConfig.load(tmp_path / "student" / "config.json").data
    assert again.pseudo_clips == tuple(saved["pseudo_clips"])


def test_a_teacher_that_cannot_label_says_why(tiny_data, teacher, tmp_path) -> None:
    # A pretraining run has no trained classifier.
    pre = tmp_path / "pre"
    _finish(tiny_config(tiny_data, pre, strategy="pretrain", epochs=1))
    for folder, message in (
        (pre, "'pretrain' run has no trained classifier"),
        (tmp_path / "nowhere", "run folder not found"),
    ):
        cfg = _student(tiny_data, tmp_path / "s", folder)
        with pytest.raises((ValueError, FileNotFoundError), match=message) as err:
            drain(load_data(cfg.data, seed=0))
        assert str(folder) in str(err.value)
    # Another dataset's classes.
    other = tmp_path / "other"
    import shutil

    shutil.copytree(teacher, other)
    classes = [{"index": i, "name": n} for i, n in enumerate(["x", "y", "z"])]
    (other / "labels.json").write_text(
        json.dumps({"dataset": "nw-ucla", "classes": classes})
    )
    cfg = _student(tiny_data, tmp_path / "s", other)
    with pytest.raises(ValueError, match="are not this dataset's"):
        drain(load_data(cfg.data, seed=0))
    # A teacher of another protocol (it may have learnt the validation clips'
    # labels), before any work: no run folder is made.
    cfg = _student(tiny_data, tmp_path / "xval", teacher)
    cfg = cfg.replace(data={"protocol": "xview-val"})
    with pytest.raises(ValueError, match="trained on nw-ucla xview, this run is "
                       "nw-ucla xview-val"):  # fmt: skip
        list(train_run(cfg))
    assert not (tmp_path / "xval").exists()
    with pytest.raises(ValueError, match="trains no classifier"):
        tiny_config(tiny_data, tmp_path / "s", strategy="pretrain",
                    data={"pseudo_labels_from": str(teacher),
                          "pseudo_per_class": 2})  # fmt: skip
    # Half the setting is refused before any work.
    with pytest.raises(ValueError, match="--pseudo-per-class"):
        tiny_config(
            tiny_data, tmp_path / "s", data={"pseudo_labels_from": str(teacher)}
        )


def test_the_cli_flags_train_a_student_and_refuse_half_the_setting(
    tiny_data, teacher, tmp_path, capsys
) -> None:
    from core.cli import main

    root, cache = tiny_data
    base = tmp_path / "base.json"
    tiny_config(tiny_data, tmp_path / "unused").save(base)
    flags = ["train", "--config", str(base), "--root", str(root), "--epochs", "1",
             "--labels-per-class", "1"]  # fmt: skip
    student = tmp_path / "student"
    status = main([*flags, "--pseudo-labels", str(teacher), "--pseudo-per-class", "2",
                   "--run-dir", str(student)])  # fmt: skip
    err = capsys.readouterr().err
    assert status == 0, err
    assert "pseudo-labels=2/class from" in err and "pseudo-labels from" in err
    saved = json.loads((student / "config.json").read_text())["data"]
    assert (saved["pseudo_labels_from"], saved["pseudo_per_class"]) == (
        str(teacher.resolve()),
        2,
    )
    status = main([*flags, "--pseudo-labels", str(teacher),
                   "--run-dir", str(tmp_path / "half")])  # fmt: skip
    assert status == 2 and "--pseudo-per-class N" in capsys.readouterr().err
    assert not (tmp_path / "half").exists()
