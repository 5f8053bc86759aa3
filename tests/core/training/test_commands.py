"""``ms2l train`` and ``ms2l eval`` end to end on the tiny synthetic dataset."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from core.cli import main
from core.commands.train import parse_augment
from core.config import TrainConfig
from tests.conftest import require_data
from tests.core.training.conftest import tiny_config


def test_train_then_eval_from_flags(tiny_data, tmp_path, capsys):
    root, cache = tiny_data
    run_dir = tmp_path / "run"
    cfg_file = tmp_path / "base.json"
    TrainConfig().replace(data={"cache_dir": str(cache), "frames": 16}).save(cfg_file)
    status = main([
        "train", "--config", str(cfg_file), "--root", str(root), "--strategy", "joint",
        "--tasks", "motion,contrastive", "--epochs", "2", "--batch-size", "8",
        "--hidden", "8", "--device", "cpu", "--seed", "3", "--run-dir", str(run_dir),
        "--augment",
        "rotate=20,noise=0.01,speed=0.2,drop=0.1,depth=0.05,jitter=0.01,mirror=0.5",
        "--select", "last", "--joints", "shared", "--root-motion", "remove",
        "--depth-weight", "0.5",
        "--lr-schedule", "cosine", "--min-lr", "2e-5", "--encoder-lr-scale", "0.5",
    ])  # fmt: skip
    assert status == 0
    err = capsys.readouterr().err
    assert "epoch 2/2" in err and "finished at epoch 2" in err
    # the summary reports the kept (last) epoch's accuracy, as logged for epoch 2
    epoch2 = next(line for line in err.splitlines() if line.startswith("epoch 2/2"))
    # xview (the default protocol) holds view 3 out as its test split: named so
    acc = epoch2.split("test_acc ")[1].split("%")[0]
    assert f"test acc {acc}% at the last epoch" in err and "val_acc" not in err
    cfg = TrainConfig.load(run_dir / "config.json")
    assert cfg.strategy.name == "joint" and cfg.strategy.tasks == (
        "motion",
        "contrastive",
    )
    assert (
        cfg.run.seed == 3
        and cfg.model.hidden == 8
        and cfg.data.augment.rotate_degrees == 20
    )
    assert cfg.data.joints == "shared" and cfg.data.root_motion == "remove"
    assert cfg.data.depth_weight == 0.5
    assert (cfg.data.augment.depth_noise, cfg.data.augment.jitter_std) == (0.05, 0.01)
    assert cfg.data.augment.mirror == 0.5
    assert (cfg.optim.lr_schedule, cfg.optim.min_lr) == ("cosine", 2e-5)
    assert cfg.optim.encoder_lr_scale == 0.5

    assert main(["eval", str(run_dir)]) == 0
    out = capsys.readouterr().out
    assert "accuracy:" in out and "pick up with one hand" in out
    doc = json.loads((run_dir / "eval.json").read_text())
    assert doc["split"] == "test" and len(doc["confusion"]) == 10
    assert (run_dir / "confusion.png").is_file() and (
        run_dir / "confusion.csv"
    ).is_file()

    # resuming a finished run is refused in one line that says how to extend it
    # (it used to start and print "epochs 3..2")
    assert main(["train", "--resume", str(run_dir), "--device", "cpu"]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"ms2l train: error: {run_dir}: the run is finished (2 of 2 epochs), there is "
        f"nothing to resume; to train it longer, extend it: ms2l train --resume "
        f"{run_dir} --epochs N (N > 2; from Python, run(cfg, epochs=N))"
    ]


def test_train_errors_are_one_line(tiny_data, tmp_path, capsys):
    root, _ = tiny_data
    assert main(["train", "--dataset", "kinetics", "--root", str(root)]) == 2
    assert "unknown dataset 'kinetics'" in capsys.readouterr().err
    assert main(["train", "--root", str(root), "--strategy", "finetune"]) == 2
    assert "--init-from" in capsys.readouterr().err
    assert main(["eval", str(tmp_path / "nothing")]) == 2
    assert "run folder not found" in capsys.readouterr().err
    with pytest.raises(ValueError, match="unknown augmentation"):
        parse_augment("blur=1")
    assert main(["train", "--root", str(root), "--augment", "mirror=1.5"]) == 2
    assert "mirror is a probability in [0, 1], got 1.5" in capsys.readouterr().err


def test_the_default_protocol_is_the_datasets_first_and_a_wrong_one_fails_first(
    tmp_path, capsys
):
    """``ms2l train --dataset ntu120`` stopped after building its cache ("ntu120 has no
    protocol 'xview'"): train defaulted to xview where data info and the GUI take the
    dataset's first protocol (xsub)."""
    from core.cli import build_parser
    from core.commands.train import config_from_args

    for dataset, protocol in (("ntu120", "xsub"), ("ntu60", "xsub"),
                              ("pkummd1", "xsub"), ("nw-ucla", "xview"),
                              ("custom", "recording")):  # fmt: skip
        args = build_parser().parse_args(["train", "--dataset", dataset])
        assert config_from_args(args).data.protocol == protocol, dataset
    missing = tmp_path / "nowhere"
    assert main(["train", "--dataset", "ntu120", "--protocol", "xview",
                 "--root", str(missing), "--run-dir", str(tmp_path / "r")]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert "ntu120 has no protocol 'xview'; known: xsub, xset" in err
    assert not (tmp_path / "r").exists()


@pytest.mark.skipif(
    __import__("torch").cuda.is_available(), reason="tests the fallback without CUDA"
)
def test_cuda_asked_for_without_a_gpu_trains_and_predicts_on_the_cpu_and_says_so(
    tiny_data, tmp_path, capsys
):
    from core.inference import Predictor

    root, cache = tiny_data
    cfg_file = tmp_path / "base.json"
    TrainConfig().replace(data={"cache_dir": str(cache), "frames": 16}).save(cfg_file)
    run_dir = tmp_path / "run"
    assert main(["train", "--config", str(cfg_file), "--root", str(root),
                 "--epochs", "1", "--batch-size", "8", "--hidden", "8",
                 "--device", "cuda", "--run-dir", str(run_dir)]) == 0  # fmt: skip
    err = capsys.readouterr().err
    assert (
        "ms2l train: warning: device 'cuda' asked for, but CUDA is not available" in err
    )
    assert "device cpu (cuda asked for: CUDA is not available)" in err
    with pytest.warns(UserWarning, match="running on the CPU"):
        predictor = Predictor.from_run(run_dir, device="cuda:0")
    assert str(predictor.device) == "cpu"
    # a device that is no device says which are (not torch's list of a dozen)
    assert main(["eval", str(run_dir), "--device", "gpu"]) == 2
    assert (
        "unknown device 'gpu': use auto, cpu or cuda[:index]" in capsys.readouterr().err
    )


def test_evaluating_a_shipped_model_never_writes_into_it(tmp_path, monkeypatch, capsys):
    """Its folder is part of the app (tracked files): the reports go to the runs
    folder, and the command says where."""
    from core.paths import CHECKPOINTS_DIR
    from tests.conftest import require_data

    require_data("nw-ucla", "all_sqe.zip")
    monkeypatch.setenv("MS2L_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("MS2L_CACHE", str(tmp_path / "cache"))
    shipped = CHECKPOINTS_DIR / "nw-ucla-ms2l"
    before = {p.name: p.stat().st_mtime_ns for p in shipped.iterdir()}
    assert main(["eval", str(shipped), "--device", "cpu"]) == 0
    reports = tmp_path / "runs" / "eval-nw-ucla-ms2l"
    assert f"wrote {reports / 'eval.json'}" in capsys.readouterr().out
    assert (reports / "confusion.png").is_file()
    assert {p.name: p.stat().st_mtime_ns for p in shipped.iterdir()} == before
    # Another checkout's shipped model (a clone run with this install's ms2l): its
    # files are tracked too, and were rewritten (a trial); a copy elsewhere is a run.
    import shutil

    from core.runs import in_shipped_folder

    clone = tmp_path / "clone" / "resources" / "checkpoints" / "nw-ucla-ms2l"
    shutil.copytree(shipped, clone)
    before = {p.name: p.stat().st_mtime_ns for p in clone.iterdir()}
    assert in_shipped_folder(clone) and in_shipped_folder(clone / "eval.json")
    assert main(["eval", str(clone), "--device", "cpu"]) == 0
    assert {p.name: p.stat().st_mtime_ns for p in clone.iterdir()} == before
    assert "wrote " + str(tmp_path / "runs" / "eval-nw-ucla-ms2l") in (
        capsys.readouterr().out
    )
    mine = tmp_path / "my-runs" / "nw-ucla-ms2l"
    shutil.copytree(shipped, mine)
    assert not in_shipped_folder(mine)


def test_a_run_folders_config_re_runs_into_a_new_folder(
    tiny_data, tmp_path, monkeypatch
):
    """``--config RUN/config.json`` re-runs the recipe (it stopped on "already holds a
    run" since the file names its own folder); the old run is left as it was, also when
    the file names its folder relative to where it was trained."""
    root, cache = tiny_data
    monkeypatch.setenv("MS2L_RUNS", str(tmp_path / "runs"))
    cfg_file = tmp_path / "base.json"
    TrainConfig().replace(data={"cache_dir": str(cache), "frames": 16}).save(cfg_file)
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    tiny = ["--epochs", "1", "--batch-size", "8", "--hidden", "8", "--device", "cpu"]
    assert main(["train", "--config", str(cfg_file), "--root", str(root), *tiny,
                 "--run-dir", "first"]) == 0  # fmt: skip
    first = tmp_path / "work" / "first"
    weights = (first / "weights.pt").read_bytes()
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert main(["train", "--config", str(first / "config.json"), "--quiet"]) == 0
    (again,) = (tmp_path / "runs").iterdir()
    assert (again / "weights.pt").is_file() and (
        first / "weights.pt"
    ).read_bytes() == weights
    assert not any((tmp_path / "elsewhere").iterdir())


def test_a_reader_that_goes_away_is_not_an_error(tmp_path):
    """``ms2l data info ... | head`` printed "error: Broken pipe" (and a traceback on
    exit); a reader gone before the output is written: exit 141 quietly, as ``cat``."""
    import os
    import subprocess
    import sys

    from tests.conftest import REPO, require_data

    root = require_data("nw-ucla", "all_sqe.zip")
    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "core.cli", "data", "info", "--dataset", "nw-ucla",
             "--root", str(root), "--cache-dir", str(tmp_path), "--quiet"],
            stdout=write, stderr=subprocess.PIPE, cwd=REPO, text=True, timeout=300,
            # as in a terminal: stdout to a pipe is block-buffered (the short output is
            # written at the end, by a flush that must still be ours to catch)
            env={k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"},
        )  # fmt: skip
    finally:
        os.close(write)
    assert proc.returncode == 141, proc.stderr
    assert "Broken pipe" not in proc.stderr and "Traceback" not in proc.stderr


def test_a_runs_history_reads_back_as_its_events(tiny_data, tmp_path):
    """What a resumed run's GUI redraws: the loop's own events, from metrics.jsonl;
    a line cut short by a killed process is skipped."""
    from core.training.events import EpochDone, RunFinished
    from core.training.history import read_history

    root, cache = tiny_data
    cfg_file = tmp_path / "base.json"
    TrainConfig().replace(data={"cache_dir": str(cache), "frames": 16}).save(cfg_file)
    run_dir = tmp_path / "run"
    assert main(["train", "--config", str(cfg_file), "--root", str(root), "--epochs",
                 "2", "--batch-size", "8", "--hidden", "8", "--device", "cpu",
                 "--run-dir", str(run_dir), "--quiet"]) == 0  # fmt: skip
    with open(run_dir / "metrics.jsonl", "a") as fh:
        fh.write('{"event": "EpochDone", "epo')
    events = read_history(run_dir)
    assert [e.epoch for e in events if isinstance(e, EpochDone)] == [1, 2]
    assert isinstance(events[-1], RunFinished) and events[-1].run_dir == run_dir
    assert read_history(tmp_path / "nothing") == []
    # xview holds view 3 out as its test split; lines written before the events
    # named it take it from the run's config (a resumed run drew its old epochs as
    # "val" beside its new "test" ones: a review)
    assert {e.held_out for e in events if isinstance(e, (EpochDone, RunFinished))} == {
        "test"
    }
    text = (run_dir / "metrics.jsonl").read_text()
    (run_dir / "metrics.jsonl").write_text(text.replace(', "held_out": "test"', ""))
    assert "held_out" not in (run_dir / "metrics.jsonl").read_text()
    old = [e for e in read_history(run_dir) if isinstance(e, (EpochDone, RunFinished))]
    assert len(old) == 3 and {e.held_out for e in old} == {"test"}


def test_train_help_says_what_each_strategy_does(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "semi: finetune on a share of the labels (Table 2)" in out
    assert "joint: the pretext losses beside the classifier" in out


def test_eval_of_a_run_folder_it_cannot_write_reports_elsewhere(
    tmp_path, monkeypatch, capsys
):
    """A colleague's run or a read-only share: the reports go to the runs folder (the
    evaluation ran to its end, then failed on a temporary file). Tests run as root, for
    whom every folder is writable, so "this user cannot write here" is what
    ``os.access`` is made to say; a bad ``--out`` is refused before any work."""
    import os
    import shutil

    import core.evaluation as evaluation
    from core.paths import CHECKPOINTS_DIR
    from tests.conftest import require_data

    require_data("nw-ucla", "all_sqe.zip")
    monkeypatch.setenv("MS2L_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("MS2L_CACHE", str(tmp_path / "cache"))
    theirs = shutil.copytree(CHECKPOINTS_DIR / "nw-ucla-ms2l", tmp_path / "theirs")
    real_access = os.access
    monkeypatch.setattr(
        evaluation.os,
        "access",
        lambda path, mode: Path(path) != theirs and real_access(path, mode),
    )
    before = {p.name: p.stat().st_mtime_ns for p in theirs.iterdir()}
    assert main(["eval", str(theirs), "--device", "cpu"]) == 0
    (reports,) = (tmp_path / "runs").glob("eval-theirs-*")  # (and the folder's hash)
    assert f"wrote {reports / 'eval.json'}" in capsys.readouterr().out
    assert (reports / "confusion.png").is_file()
    assert {p.name: p.stat().st_mtime_ns for p in theirs.iterdir()} == before

    a_file = tmp_path / "notes.txt"
    a_file.write_text("")
    assert main(["eval", str(theirs), "--out", str(a_file / "reports")]) == 2
    assert f"--out {a_file / 'reports'}: {a_file} is not a folder" in (
        capsys.readouterr().err
    )
    # a folder that cannot be written (read-only; here /proc, which takes no folder):
    # the figures are printed all the same, then what went wrong (they were lost)
    nowhere = Path("/proc/ms2l-reports")
    assert main(["eval", str(theirs), "--out", str(nowhere), "--device", "cpu"]) == 2
    out, err = capsys.readouterr()
    assert "accuracy: " in out
    assert f"ms2l eval: error: {nowhere}: cannot write the evaluation files (" in err
    assert "the figures above stand; give --out DIR for a writable folder" in err


def test_a_validation_protocol_is_called_validation_in_the_log_and_the_report(
    tiny_data, tmp_path, capsys
):
    """xview-val holds out view 2 of the training views: its figures are validation
    figures, and were printed as 'test' ones."""
    run_dir = tmp_path / "val"
    cfg = tiny_config(tiny_data, run_dir, epochs=1)
    cfg.replace(data={"protocol": "xview-val"}).save(tmp_path / "cfg.json")
    assert main(["train", "--config", str(tmp_path / "cfg.json")]) == 0
    assert "12 validation clips" in capsys.readouterr().err
    assert main(["eval", str(run_dir)]) == 0
    assert "on validation (nw-ucla xview-val, 12 clips)" in capsys.readouterr().out
    saved = json.loads((run_dir / "eval.json").read_text())
    assert (saved["split"], saved["split_name"], saved["protocol"]) == (
        "test",
        "validation",
        "xview-val",
    )


def test_a_dead_peer_is_told_from_this_process_own_errors(monkeypatch):
    """Only a connection a dead process closed reads as 'another process stopped',
    and a job that never started training is not told to resume."""
    import core.training.loop as loop
    from core.commands.train import _peer_failure, train_with_progress
    from core.errors import UserError

    assert _peer_failure(RuntimeError("[gloo] pair.cc:534] Connection closed by peer"))
    assert _peer_failure(RuntimeError("Connection reset by peer"))
    assert not _peer_failure(RuntimeError("[gloo] unsupported tensor type"))
    assert not _peer_failure(RuntimeError("NCCL error: invalid usage"))

    def dies_early(cfg, stop, epochs=None):
        raise RuntimeError("Connection closed by peer [127.0.0.1]:1234")
        yield  # a generator, as the loop is

    monkeypatch.setattr(loop, "run", dies_early)
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("LOCAL_RANK", "1")
    with pytest.raises(
        UserError,
        match=r"another process of this 2-process job stopped \(Connection closed by "
        r"peer .*\); nothing was trained yet: start the run again$",
    ):
        train_with_progress(TrainConfig(), quiet=True)
    # gloo's long message is shortened at a word, marked so (it ended "…the remote
    # w)": a trial)
    long = (
        "Connection closed by peer [127.0.0.1]:32681. This is typically caused by a "
        "remote worker crashing. Check the logs of the remote worker for the error "
        "that made it crash, and the machine's memory and disk, then try again."
    )

    def dies_long(cfg, stop, epochs=None):
        raise RuntimeError(long)
        yield

    monkeypatch.setattr(loop, "run", dies_long)
    with pytest.raises(UserError) as err:
        train_with_progress(TrainConfig(), quiet=True)
    said = str(err.value).split("(", 1)[1].split(");")[0]
    assert said.endswith(" …") and long.startswith(said[:-2]) and len(said) <= 202
    # this process's own error stays what it is
    monkeypatch.setattr(loop, "run", lambda *a, **k: _bug())
    with pytest.raises(RuntimeError, match="a bug"):
        train_with_progress(TrainConfig(), quiet=True)


def _bug():
    """A training generator that fails as a bug would."""
    raise RuntimeError("[gloo] a bug of this process")
    yield


def test_eval_of_several_runs_never_writes_into_another_run_under_out(
    tiny_data, tmp_path, capsys
):
    """``ms2l eval A B --out DIR`` writes each run's files to DIR/<its name>: when that
    was a different run of the same name, its eval.json was replaced (a review)."""
    import shutil

    from core.training.loop import run

    a = tmp_path / "share" / "a" / "run"
    b = tmp_path / "share" / "b" / "other"
    list(run(tiny_config(tiny_data, a, epochs=1)))
    shutil.copytree(a, b)
    mine = tmp_path / "mine"
    shutil.copytree(a, mine / "run")  # the user's own, different run named "run"
    (mine / "run" / "eval.json").write_text('{"accuracy": 0.123}')
    assert main(["eval", str(a), str(b), "--out", str(mine)]) == 2
    err = capsys.readouterr().err
    assert f"--out {mine}: {mine / 'run'} is another run's folder" in err
    assert (mine / "run" / "eval.json").read_text() == '{"accuracy": 0.123}'
    out = tmp_path / "reports"  # a new folder: each run in its own sub-folder
    assert main(["eval", str(a), str(b), "--out", str(out)]) == 0
    assert (out / "run" / "eval.json").is_file() and (
        out / "other" / "eval.json"
    ).is_file()


def test_a_run_says_its_optimiser_and_linear_evaluation_its_classifier(
    tiny_data, tmp_path, capsys, monkeypatch
):
    """A researcher could not tell the rate and schedule from the log, read the paper
    preset's GRU + MLP classifier as a linear evaluation (no flag chose a linear layer),
    and did not learn that a short moving run never reaches its full weight (a
    trial)."""
    root, cache = tiny_data
    monkeypatch.setenv("MS2L_CACHE", str(cache))
    base = ["train", "--root", str(root), "--frames", "16", "--hidden", "8",
            "--batch-size", "8", "--device", "cpu", "--threads", "1"]  # fmt: skip
    pre = tmp_path / "pre"
    assert main([*base, "--strategy", "pretrain", "--epochs", "1", "--run-dir",
                 str(pre), "--lr-schedule", "cosine", "--min-lr", "1e-5"]) == 0  # fmt: skip
    said = capsys.readouterr().err
    assert "optimiser: Adam, lr 0.001 (cosine to 1e-05), batch 8, 1 epoch" in said
    assert "augmentation: none" in said  # said too (the README's recipes augment)
    for head, said in (
        ("gru", "the GRU + MLP classifier, not a linear layer: --classifier linear "
                "for one"),
        ("linear", "a linear layer on the time-averaged features"),
    ):  # fmt: skip
        run = tmp_path / f"linear-{head}"
        assert main([*base, "--strategy", "linear", "--init-from", str(pre),
                     "--epochs", "1", "--classifier", head, "--run-dir",
                     str(run)]) == 0  # fmt: skip
        assert said in capsys.readouterr().err
        assert TrainConfig.load(run / "config.json").model.classifier == head
    moving = tmp_path / "moving"
    assert main([*base, "--strategy", "moving", "--init-from", str(pre), "--epochs",
                 "2", "--run-dir", str(moving), "--encoder-lr-scale", "0.1"]) == 0  # fmt: skip
    said = capsys.readouterr().err
    assert (
        "note: the classifier's weight rises over --moving-epochs 10, longer than the "
        "run's 2: it ends near 0.2, not 1"
    ) in said
    # the encoder's own rate (it was in config.json only: a trial)
    assert "; the encoder at x0.1), batch 8, 2 epochs" in said


def test_eval_of_a_folder_without_test_clips_says_the_split_is_empty_and_why(
    tmp_path, monkeypatch, capsys
):
    """A folder of NW-UCLA's views 1 and 2 only read "nw-ucla test: no labelled
    clips" (a trial), as if the clips had no labels."""
    import zipfile

    from tests.conftest import require_data

    archive = zipfile.ZipFile(require_data("nw-ucla", "all_sqe.zip"))
    root = tmp_path / "views-1"
    root.mkdir()
    names = [n for n in archive.namelist() if n.endswith("_v01.json")][:3]
    for name in names:
        (root / Path(name).name).write_bytes(archive.read(name))
    monkeypatch.setenv("MS2L_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("MS2L_CACHE", str(tmp_path / "cache"))
    assert main(["eval", "nw-ucla-ms2l", "--root", str(root), "--device", "cpu"]) == 2
    err = capsys.readouterr().err
    assert "none of the 3 clips of" in err and "view 3 is the test split" in err
    assert "--split train" in err
    assert main(["eval", "nw-ucla-ms2l", "--root", str(root), "--split", "train",
                 "--device", "cpu"]) == 0  # fmt: skip
    assert "(nw-ucla xview, 3 clips)" in capsys.readouterr().out
    # view 3 asked for its train side: not told to score the training split (a
    # review)
    for name in [n for n in archive.namelist() if n.endswith("_v03.json")][:2]:
        (root / Path(name).name).write_bytes(archive.read(name))
    for old in root.glob("*_v01.json"):
        old.unlink()
    assert main(["eval", "nw-ucla-ms2l", "--root", str(root), "--split", "train",
                 "--device", "cpu"]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert "none of the 2 clips of" in err and "--split train" not in err
    # another dataset's folder: not "open it as ntu60", which no evaluation can do
    ntu = require_data("ntu")
    assert main(["eval", "nw-ucla-ms2l", "--root", str(ntu), "--device", "cpu"]) == 2
    err = capsys.readouterr().err
    assert "open it as" not in err and "it holds 4 .skeleton files" in err
    assert "nw-ucla-ms2l was trained on nw-ucla and is scored on nw-ucla data" in err


def test_init_from_alone_fine_tunes_and_scratch_with_it_is_refused(
    tiny_data, tmp_path, capsys
):
    """`train --init-from RUN` loaded RUN's encoder into a run recorded and reported
    as "scratch" (a trial): a from-scratch baseline that was a fine-tuning."""
    root, cache = tiny_data
    base = tmp_path / "base"
    cfg_file = tmp_path / "base.json"
    TrainConfig().replace(data={"cache_dir": str(cache), "frames": 16}).save(cfg_file)
    flags = ["--config", str(cfg_file), "--root", str(root), "--hidden", "8",
             "--epochs", "1", "--batch-size", "8", "--device", "cpu"]  # fmt: skip
    assert main(["train", *flags, "--run-dir", str(base)]) == 0
    assert TrainConfig.load(base / "config.json").strategy.name == "scratch"
    tuned = tmp_path / "tuned"
    assert (
        main(["train", *flags, "--init-from", str(base), "--run-dir", str(tuned)]) == 0
    )
    cfg = TrainConfig.load(tuned / "config.json")
    assert cfg.strategy.name == "finetune" and cfg.strategy.init_from
    capsys.readouterr()
    status = main(["train", *flags, "--strategy", "scratch", "--init-from", str(base),
                   "--run-dir", str(tmp_path / "refused")])  # fmt: skip
    assert status == 2
    assert "strategy 'scratch' trains from random weights" in capsys.readouterr().err
    assert not (tmp_path / "refused").exists()
    # a run saved so before still opens (evaluated, resumed, used live: a review)
    from core import runs

    doc = json.loads((tuned / "config.json").read_text())
    doc["strategy"]["name"] = "scratch"
    (tuned / "config.json").write_text(json.dumps(doc))
    assert runs.read_run(tuned).config.strategy.name == "scratch"


def test_eval_of_a_folder_of_bad_files_names_the_folder_and_the_first(
    tmp_path, monkeypatch, capsys
):
    """Every file bad read "nw-ucla test: no labelled clips", naming neither the
    folder nor a file (train named both: a bad-input trial)."""
    import zipfile

    from tests.conftest import require_data

    archive = zipfile.ZipFile(require_data("nw-ucla", "all_sqe.zip"))
    root = tmp_path / "all-bad"
    root.mkdir()
    for name in [n for n in archive.namelist() if n.endswith("_v03.json")][:2]:
        (root / Path(name).name).write_bytes(archive.read(name)[:-40])  # cut short
    monkeypatch.setenv("MS2L_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("MS2L_CACHE", str(tmp_path / "cache"))
    assert main(["eval", "nw-ucla-ms2l", "--root", str(root), "--device", "cpu"]) == 2
    err = capsys.readouterr().err
    assert f"nw-ucla test: no labelled clips in {root} (2 bad files left out, " in err
    assert "the first: " in err and "'ms2l data info' lists every one)" in err


def test_a_run_without_its_checkpoints_is_named_by_resume_and_init_from(
    tmp_path, monkeypatch, capsys
):
    """A run folder whose first epoch never finished read "last.pt: checkpoint file
    not found" to --resume and "weights.pt: checkpoint file not found" to
    --init-from, where infer and the Train panel say what it means (a trial)."""
    from core.runs import shipped_model_dir

    shipped = shipped_model_dir()
    assert shipped is not None
    run = tmp_path / "unfinished"
    run.mkdir()
    for name in ("config.json", "labels.json"):
        shutil.copyfile(shipped / name, run / name)
    monkeypatch.setenv("MS2L_RUNS", str(tmp_path / "runs"))
    assert main(["train", "--resume", str(run)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"ms2l train: error: {run}: no last.pt to resume from (not a run folder, or "
        "one stopped before it began training)"
    )
    root = require_data("nw-ucla", "all_sqe.zip")
    new = tmp_path / "new"
    argv = [
        "train",
        "--init-from",
        str(run),
        "--root",
        str(root),
        "--run-dir",
        str(new),
    ]
    assert main([*argv, "--epochs", "1", "--max-clips", "20"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith(
        f"{run}: no weights.pt: the run never finished an epoch (train it again)"
    )
    assert not new.exists()
    # A model's folder without its training state (the shipped one, an export) is
    # not "a run that never finished" (a review): it is started from, not resumed.
    copy = tmp_path / "shipped-copy"
    shutil.copytree(shipped, copy)
    assert main(["train", "--resume", str(copy)]) == 2
    err = capsys.readouterr().err
    assert f"{copy}: no last.pt to resume from: the folder holds a model's " in err
    assert f"start a new run from it (--init-from {copy}," in err
