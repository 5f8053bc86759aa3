"""Outputs never replace inputs, every flag is checked before any work, stale
temporaries of dead processes are removed, and ``python -m core.cli`` errors in one line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core import tempfiles
from core.cli import main
from core.commands.paths import same_file
from core.paths import CHECKPOINTS_DIR
from tests.conftest import require_data
from tests.core.live_model import make_run

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return make_run(tmp_path_factory.mktemp("outputs") / "tiny", window_seconds=1.0)


def _dead_pid() -> int:
    """The id of a process that has exited (a real one, just started and reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# ------------------------------------------------------------ 4: outputs vs inputs
def test_infer_refuses_to_overwrite_its_input(run_dir, tmp_path, capsys):
    skel = tmp_path / "S001C001P001R001A001.skeleton"
    shutil.copy(require_data("ntu", skel.name), skel)
    video = tmp_path / "ta_chi.mp4"
    shutil.copy(require_data("videos", video.name), video)
    link = tmp_path / "link.skeleton"
    os.link(skel, link)  # another name of the same file
    sym = tmp_path / "sym.mp4"
    sym.symlink_to(video)
    before = {p: p.read_bytes() for p in (skel, video)}
    base = ["infer", "--run", str(run_dir)]
    for argv, option, target in (
        ([str(skel), "--json", str(skel)], "--json", skel),
        ([str(video), "--out", str(video)], "--out", video),
        ([str(skel), "--json", str(link)], "--json", link),
        ([str(video), "--out", str(sym)], "--out", sym),
    ):
        assert main([*base, *argv]) == 2
        err = capsys.readouterr().err.splitlines()
        assert len(err) == 1 and err[0].startswith(
            f"ms2l infer: error: {option} {target}: is the input"
        ), err
    # the model's own files are inputs too, and two outputs cannot share a file
    assert main([*base, str(skel), "--json", str(run_dir / "config.json")]) == 2
    assert "is the input" in capsys.readouterr().err
    out = tmp_path / "same.mp4"
    assert main([*base, str(skel), "--out", str(out), "--json", str(out)]) == 2
    assert "--json" in capsys.readouterr().err and not out.exists()
    assert all(p.read_bytes() == data for p, data in before.items())


def test_export_refuses_to_overwrite_the_runs_files(run_dir, capsys):
    weights = run_dir / "weights.pt"
    before = weights.read_bytes()
    assert main(["export", str(run_dir), "--onnx", "--out", str(weights)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"ms2l export: error: --out {weights}: is the input {weights}; writing it "
        "would destroy the input, choose another file"
    ]
    assert weights.read_bytes() == before


def test_outputs_never_replace_another_runs_files_or_a_recording(
    run_dir, tmp_path, capsys
):
    """A user trial: ``export --out OTHER_RUN/weights.pt`` left that run dead, and
    ``eval --out OTHER_RUN`` replaced its evaluation with these scores. An output may
    replace a file of its own kind only (an earlier export, video, prediction file)."""
    other = make_run(tmp_path / "other", window_seconds=1.0)
    (other / "eval.json").write_text('{"accuracy": 0.5}\n')
    take = tmp_path / "take.jsonl"
    take.write_text('{"format": "ms2l-recording", "version": 1}\n')
    # Files of the output's extension but not its kind (a trial lost both).
    notes, precious = tmp_path / "notes.onnx", tmp_path / "precious.mp4"
    notes.write_text("my notes\n")
    precious.write_text("precious\n")
    before = {p: p.read_bytes() for p in [*other.iterdir(), take, notes, precious]}
    skel = require_data("ntu", "S001C001P001R001A001.skeleton")
    for argv, says in (
        (["export", str(run_dir), "--onnx", "--out", str(other / "weights.pt")],
         f"--out {other / 'weights.pt'}: exists and is not an ONNX model (.onnx)"),
        (["export", str(run_dir), "--onnx", "--out", str(take)],
         f"--out {take}: exists and is not an ONNX model (.onnx)"),
        (["infer", str(skel), "--run", str(run_dir), "--json", str(take)],
         f"--json {take}: is a recording (ms2l-recording)"),
        (["infer", str(skel), "--run", str(run_dir), "--json", str(other / "config.json")],
         f"--json {other / 'config.json'}: exists and is not a prediction file of "
         "ms2l infer"),
        (["infer", str(skel), "--run", str(run_dir), "--out", str(other / "config.json")],
         f"--out {other / 'config.json'}: exists and is not a video"),
        (["export", str(run_dir), "--onnx", "--out", str(notes)],
         f"--out {notes}: exists and does not hold an ONNX model (by its content)"),
        (["infer", str(skel), "--run", str(run_dir), "--out", str(precious)],
         f"--out {precious}: exists and does not hold a video (by its content)"),
        (["eval", str(run_dir), "--out", str(other)],
         f"--out {other}: is another run's folder"),
        (["eval", str(run_dir), "--out", str(CHECKPOINTS_DIR / "nw-ucla-ms2l")],
         "is inside the shipped models' folder"),
    ):  # fmt: skip
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.splitlines()
        assert len(err) == 1 and says in err[0], err
    assert {p: p.read_bytes() for p in before} == before
    # An earlier export, or an earlier prediction file, is replaced as asked.
    onnx = tmp_path / "model.onnx"
    assert main(["export", str(other), "--onnx", "--out", str(onnx)]) == 0
    earlier = onnx.stat().st_ino  # (written anew: an atomic rename, another inode)
    assert main(["export", str(run_dir), "--onnx", "--out", str(onnx)]) == 0
    assert onnx.stat().st_ino != earlier
    video = tmp_path / "earlier.mp4"
    argv = ["infer", str(skel), "--run", str(run_dir), "--out", str(video), "--quiet"]
    assert main(argv) == 0 and main(argv) == 0  # an earlier video is replaced
    js = tmp_path / "predictions.json"
    argv = ["infer", str(skel), "--run", str(run_dir), "--json", str(js), "--quiet"]
    assert main(argv) == 0 and main(argv) == 0  # the second replaces the first's
    assert '"sequence"' in js.read_text().splitlines()[0]


def test_a_new_run_needs_a_new_or_empty_folder(tmp_path, capsys):
    """``train --run-dir`` wrote its labels.json over a user's own and appended its
    records to the user's metrics.jsonl in a folder that was not a run's."""
    root = str(require_data("nw-ucla", "all_sqe.zip"))
    mine = tmp_path / "project"
    mine.mkdir()
    (mine / "labels.json").write_text('["mine"]\n')
    (mine / "notes.txt").write_text("my notes\n")
    argv = ["train", "--root", root, "--epochs", "1", "--max-clips", "16",
            "--hidden", "8", "--frames", "16", "--quiet", "--run-dir"]  # fmt: skip
    assert main([*argv, str(mine)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"ms2l train: error: {mine}: not empty ('labels.json' and 1 more) and not a "
        "run folder; a new run needs a new or empty folder, so that nothing there is "
        "replaced"
    ]
    assert sorted(p.name for p in mine.iterdir()) == ["labels.json", "notes.txt"]
    assert (mine / "labels.json").read_text() == '["mine"]\n'
    # Empty in all but name: a file manager's file, a dead process's temporary.
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / ".DS_Store").write_bytes(b"\0")
    dead = empty / f".config.json.{_dead_pid()}.0123abcd.tmp"
    dead.write_text("{")
    assert main([*argv, str(empty)]) == 0
    assert (empty / "config.json").is_file() and not dead.exists()
    # A run killed before its first epoch: nothing to resume, and it says so.
    (empty / "last.pt").unlink()
    assert main([*argv, str(empty)]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"ms2l train: error: {empty}: holds the config.json of a run that never "
        "finished an epoch (nothing to resume); delete the folder or choose another"
    )


def test_run_and_cache_folders_cannot_go_inside_the_dataset_folder(tmp_path, capsys):
    root = tmp_path / "ntu"
    root.mkdir()
    for f in require_data("ntu").glob("*.skeleton"):
        shutil.copy(f, root / f.name)
    argv = ["train", "--dataset", "ntu60", "--root", str(root), "--protocol", "xview"]
    assert main([*argv, "--run-dir", str(root / "run")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "inside the dataset folder" in err[0], err
    # Nor among the shipped models, where every run is offered as one of them.
    shipped = CHECKPOINTS_DIR / "my-trial"
    assert main([*argv, "--run-dir", str(shipped)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "inside the shipped models' folder" in err[0], err
    assert not shipped.exists()
    argv = ["data", "prepare", "--dataset", "ntu60", "--root", str(root)]
    assert main([*argv, "--cache-dir", str(root / "cache"), "--quiet"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "inside the dataset folder" in err[0], err
    assert sorted(p.name for p in root.iterdir()) == sorted(
        f.name for f in require_data("ntu").glob("*.skeleton")
    )


def test_same_file_by_path_and_by_inode(tmp_path):
    a = tmp_path / "a.txt"
    a.write_text("x")
    os.link(a, tmp_path / "b.txt")
    assert same_file(a, tmp_path / "sub" / ".." / "a.txt")
    assert same_file(a, tmp_path / "b.txt")
    assert not same_file(a, tmp_path / "c.txt")


# ------------------------------------------------------------ 7: validation holes
def test_train_values_are_checked_before_any_work(tmp_path, capsys, monkeypatch):
    root = require_data("nw-ucla", "all_sqe.zip")
    run = tmp_path / "run"
    base = ["train", "--root", str(root), "--run-dir", str(run), "--preset", "paper"]
    for flags, message in (
        (["--threads", "-2"], "--threads must be >= 0 (0 = torch's default), got -2"),
        (
            ["--strategy", "pretrain", "--temperature", "0"],
            "--temperature must be a finite number > 0, got 0.0",
        ),
        (["--max-clips", "-5"], "--max-clips must be >= 0 (0 = all), got -5"),
        (["--lr", "nan"], "--lr must be a finite number > 0, got nan"),
        (
            ["--moving-epochs", "-1"],
            "--moving-epochs must be >= 0 (0 = no ramp), got -1",
        ),
        (["--seed", "-3"], "--seed must be >= 0, got -3"),
        (  # (100 000 000 ran the machine out of memory: a trial)
            ["--frames", "100000000"],
            "--frames must be <= 2000 (the paper's windows are 200 frames), got "
            "100000000",
        ),
    ):
        assert main([*base, *flags]) == 2, flags
        assert capsys.readouterr().err.splitlines() == [f"ms2l train: error: {message}"]
        assert not run.exists()  # nothing was created
    # a file where the run folder would go: said before the clips are read
    afile = tmp_path / "afile"
    afile.write_text("")
    cache = tmp_path / "cache"
    monkeypatch.setenv("MS2L_CACHE", str(cache))
    assert main(["train", "--root", str(root), "--run-dir", str(afile)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"ms2l train: error: run folder {afile}: {afile} is not a folder"
    ]
    assert not cache.exists()
    # ... and so are a start that is no run and a layout that does not exist (both
    # were said after the clips had been read, a trial found)
    missing = tmp_path / "nonexistent"
    argv = ["train", "--root", str(root), "--run-dir", str(run), "--strategy",
            "finetune", "--init-from", str(missing)]  # fmt: skip
    assert main(argv) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"ms2l train: error: {missing}: run folder not found"
    ]
    with pytest.raises(SystemExit) as stopped:  # argparse's own error
        main(["train", "--root", str(root), "--layout", "xyz"])
    assert stopped.value.code == 2
    assert "invalid choice: 'xyz'" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # nothing converts to MediaPipe's landmarks
        main(["train", "--root", str(root), "--layout", "mp33"])
    assert "invalid choice: 'mp33' (choose from 'ntu25', 'ucla20')" in (
        capsys.readouterr().err
    )
    assert not cache.exists() and not run.exists()


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--window-seconds", "inf"], "--window-seconds must be in [0.1, 600] s"),
        (["--window-seconds", "1e-9"], "--window-seconds must be in [0.1, 600] s"),
        (["--window-seconds", "nan"], "--window-seconds must be in [0.1, 600] s"),
        (["--every", "0"], "--every must be >= 1"),
        (["--smoothing", "0"], "--smoothing must be in (0, 1]"),
        (["--camera", "-1"], "--camera must be a camera index >= 0"),
    ],
)
def test_infer_values_are_checked_before_any_work(tmp_path, capsys, flags, message):
    skel = require_data("ntu", "S001C001P001R001A001.skeleton")
    out = tmp_path / "out.jsonl"
    argv = ["infer", "--run", str(tmp_path / "no-such-run"), "--json", str(out)]
    if flags[0] != "--camera":
        argv.append(str(skel))
    assert main([*argv, *flags]) == 2
    err = capsys.readouterr().err.splitlines()
    # checked before the (missing) model is even looked at
    assert len(err) == 1 and err[0].startswith(f"ms2l infer: error: {message}"), err
    assert not out.exists()


# ------------------------------------------------------ 6: python -m core.cli
def test_python_m_core_cli_prints_one_line(tmp_path):
    run = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    argv = [sys.executable, "-m", "core.cli", "train", "--threads", "-2"]
    argv += ["--root", str(tmp_path), "--run-dir", str(run)]
    proc = subprocess.run(
        argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        "ms2l train: error: --threads must be >= 0 (0 = torch's default), got -2"
    ]
    assert not run.exists()


# ------------------------------------------ 3: temporaries of dead processes
def test_stale_temporaries_are_told_from_live_ones(tmp_path):
    dead = _dead_pid()
    mine = tempfiles.temp_path(tmp_path / "weights.pt")
    files = {
        "dead, new name": tmp_path / f".weights.pt.{dead}.0123abcd.tmp",
        "dead, old name": tmp_path / f".last.pt.{dead}.tmp",
        "dead, old video": tmp_path / f".out.{dead}.partial.mp4",
        "own pid, not ours": tmp_path / f".x.json.{os.getpid()}.deadbeef.tmp",
        "live": mine,
        "live other process": tmp_path / f".y.json.{os.getppid()}.0badcafe.tmp",
        "not a temporary": tmp_path / f".notes.{dead}.txt",
    }
    for f in files.values():
        f.write_bytes(b"x" * 10)
    removed = {p for p, _ in tempfiles.remove_stale(tmp_path)}
    assert removed == {
        files["dead, new name"],
        files["dead, old name"],
        files["dead, old video"],
        files["own pid, not ours"],
    }
    assert all(f.exists() for f in files.values() if f not in removed)
    tempfiles.discard(mine)
    assert not mine.exists()


def test_infer_removes_temporaries_a_killed_run_left_beside_its_outputs(
    run_dir, tmp_path, capsys
):
    skel = require_data("ntu", "S001C001P001R001A001.skeleton")
    dead = _dead_pid()
    stale = [
        tmp_path / f".out.jsonl.{dead}.tmp",  # the naming before pids had a tag
        tmp_path / f".out.{dead}.partial.mp4",
        tmp_path / f".out.mp4.{dead}.89abcdef.partial.mp4",
    ]
    for f in stale:
        f.write_bytes(b"\0" * 1000)
    other = tmp_path / f".unrelated.{dead}.tmp"  # not this command's: left alone
    other.write_bytes(b"x")
    argv = ["infer", str(skel), "--run", str(run_dir), "--max-frames", "20"]
    argv += ["--out", str(tmp_path / "out.mp4"), "--json", str(tmp_path / "out.jsonl")]
    assert main(argv) == 0
    capsys.readouterr()
    assert not any(f.exists() for f in stale)
    assert other.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["out.mp4", "out.jsonl", other.name]
    )


def test_data_errors_name_the_data_command(tmp_path, capsys):
    assert (
        main(["data", "info", "--dataset", "custom", "--root", str(tmp_path / "x")])
        == 2
    )
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("ms2l data info: error: "), err
