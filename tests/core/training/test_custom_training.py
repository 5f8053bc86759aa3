"""Every strategy trains on a custom dataset from ``ms2l train --dataset custom``, and
fine-tuning from the shipped encoder gives a classifier for the user's own classes."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from core import runs
from core.cli import main
from core.commands.paths import run_folder
from core.datasets import custom
from core.datasets.base import SkeletonSequence
from core.datasets.custom import read_labels, write_labels
from core.evaluation import evaluate_fused, evaluate_run
from core.inference import Predictor
from core.paths import CHECKPOINTS_DIR
from core.training.data import load_split
from core.training.strategies import init_from_run
from core.training.teach import teach_config
from tests.core.conftest import write_takes

SHIPPED = CHECKPOINTS_DIR / "nw-ucla-ms2l"
TINY = ["--preset", "paper", "--hidden", "8", "--frames", "16", "--batch-size", "4",
        "--device", "cpu", "--threads", "1", "--quiet", "--lr-step", "0"]  # fmt: skip


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory, ucla_clips) -> Path:
    """12 takes of 3 actions plus one unlabelled recording (for pretraining)."""
    root = write_takes(tmp_path_factory.mktemp("custom") / "ds", ucla_clips)
    from core.datasets.custom import import_sequence

    long = np.concatenate([c.joints for c in ucla_clips[:6]])
    import_sequence(root, "unlabelled", SkeletonSequence("u", long, "ucla20"))
    return root


def _train(root: Path, run: Path, cache: Path, *args: str) -> int:
    return main(
        ["train", "--dataset", "custom", "--root", str(root), "--run-dir", str(run),
         *args]
    )  # fmt: skip


def test_every_strategy_on_custom(dataset: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("MS2L_CACHE", str(tmp_path / "cache"))
    pre = tmp_path / "pre"
    assert _train(dataset, pre, tmp_path, "--strategy", "pretrain", "--epochs", "1",
                  *TINY) == 0  # fmt: skip
    assert runs.read_run(pre).labels == [
        "pick up with one hand", "pick up with two hands", "sit down"
    ]  # fmt: skip
    for strategy in ("linear", "finetune", "moving", "scratch", "joint"):
        extra = [] if strategy in ("scratch", "joint") else ["--init-from", str(pre)]
        run = tmp_path / strategy
        status = _train(dataset, run, tmp_path, "--strategy", strategy, "--epochs",
                        "2", *TINY, *extra)  # fmt: skip
        assert status == 0, strategy
        assert (run / "weights.pt").is_file()
    # The pretraining run also trained on the unlabelled recording's windows: more
    # clips than the labelled ones a classifier trains on (its line no longer counts
    # labels it does not use).
    pretrained = re.search(
        r"(\d+) training clips, no evaluation", (pre / "metrics.jsonl").read_text()
    )
    labelled = re.search(
        r"(\d+) training clips \((\d+) labelled\)",
        (tmp_path / "finetune" / "metrics.jsonl").read_text(),
    )
    assert pretrained and labelled
    assert int(pretrained[1]) > int(labelled[2]) > 0
    assert "no evaluation (self-supervised only)" in (pre / "metrics.jsonl").read_text()
    by_subject = tmp_path / "subj"
    assert _train(dataset, by_subject, tmp_path, "--strategy", "scratch",
                  "--protocol", "subject", "--val-fraction", "0.25", "--epochs", "1",
                  *TINY) == 0  # fmt: skip
    all_in = tmp_path / "all"
    assert _train(dataset, all_in, tmp_path, "--strategy", "scratch",
                  "--val-fraction", "0", "--epochs", "1", *TINY) == 0  # fmt: skip


def test_evaluation_keeps_the_runs_validation_takes_after_takes_are_added(
    tmp_path: Path, ucla_clips, monkeypatch, capsys
) -> None:
    """Takes added to the folder after training never move a clip the run trained on
    into its validation: the run records its held-out recordings, and evaluation and
    resumption read them instead of drawing again."""
    monkeypatch.setenv("MS2L_CACHE", str(tmp_path / "cache"))
    root = write_takes(tmp_path / "ds", ucla_clips)
    run = tmp_path / "run"
    assert _train(root, run, tmp_path, "--strategy", "scratch", "--epochs", "1",
                  *TINY) == 0  # fmt: skip
    info = runs.read_run(run)
    held = info.config.data.held_out
    assert len(held) == 3  # one take of each of the 3 actions validates

    def validation() -> list[str]:
        cfg = runs.read_run(run).config
        clips = load_split(cfg.data, "test", info.layout, info.num_bodies,
                           seed=cfg.run.seed)  # fmt: skip
        return sorted(clips.names)

    before = validation()
    write_takes(root, [dataclasses.replace(c, name=c.name + "-again")
                       for c in ucla_clips])  # fmt: skip
    assert validation() == before
    assert evaluate_run(run, device="cpu").num_clips == len(before)
    # Extending the run keeps them too.
    assert main(["train", "--resume", str(run), "--epochs", "2", "--quiet"]) == 0
    assert runs.read_run(run).config.data.held_out == held
    assert validation() == before
    # A new run from this run's config draws its own validation.
    other = tmp_path / "other"
    assert main(["train", "--config", str(run / "config.json"), "--run-dir",
                 str(other), "--epochs", "1", "--quiet"]) == 0  # fmt: skip
    assert runs.read_run(other).config.data.held_out not in ((), held)
    # Neither Teach's recipe from this run nor a comparison of recipes takes it along.
    saved = runs.read_run(run).config
    assert teach_config(root, init_from=run).data.held_out == ()
    assert saved.differences(saved.replace(data={"held_out": ()})) == []
    # Reading fewer clips (--max-clips) still records every held-out take.
    few = tmp_path / "few"
    assert _train(root, few, tmp_path, "--strategy", "scratch", "--epochs", "1",
                  "--max-clips", "2", *TINY) == 0  # fmt: skip
    drawn = runs.read_run(other).config.data.held_out  # the same draw, every clip read
    assert runs.read_run(few).config.data.held_out == drawn
    # A held-out take renamed in Teach stays held out, by its new name, in the runs
    # of the runs folder (it went to their training side: a trial).
    from core.training.teach import rename_take

    renamed = held[1] + "-renamed"
    assert run in rename_take(root, held[1], renamed, runs_dir=tmp_path)
    held_now = runs.read_run(run).config.data.held_out
    assert renamed in held_now and held[1] not in held_now
    assert len(validation()) == len(before)
    # (a name typed in Unicode's decomposed form is kept as the file is named)
    import unicodedata

    accented = unicodedata.normalize("NFD", held[1] + "-é")
    assert run in rename_take(root, renamed, accented, runs_dir=tmp_path)
    assert (
        unicodedata.normalize("NFC", accented)
        in runs.read_run(run).config.data.held_out
    )
    assert len(validation()) == len(before)
    rename_take(
        root, unicodedata.normalize("NFC", accented), held[1], runs_dir=tmp_path
    )
    assert runs.read_run(run).config.data.held_out == held
    # With one of its held-out takes gone, evaluation says so beside the figure ...
    custom.delete_recording(root, held[0])
    fewer = evaluate_run(run, device="cpu")
    assert fewer.num_clips == len(before) - 1
    assert fewer.notes == (
        f"1 of the 3 recordings this run held out for validation are no longer in the "
        f"dataset folder ({held[0]}): scored the others",
    )
    assert main(["eval", str(run)]) == 0
    assert "ms2l eval: note: 1 of the 3 recordings" in capsys.readouterr().err
    # ... and with all of them gone, instead of "no labelled clips".
    for name in held[1:]:
        custom.delete_recording(root, name)
    with pytest.raises(ValueError, match=r"none of the recordings this run held out "
                       r"for validation \(a0"):  # fmt: skip
        evaluate_run(run, device="cpu")


def test_a_shipped_model_is_named_from_any_folder(
    dataset: Path, tmp_path: Path, monkeypatch
) -> None:
    """``--init-from nw-ucla-ms2l`` (or the README's ``resources/checkpoints/...``)
    works outside the project's folder; a folder of that name here comes first."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MS2L_CACHE", str(tmp_path / "cache"))
    assert run_folder("nw-ucla-ms2l") == str(SHIPPED)
    assert run_folder("resources/checkpoints/nw-ucla-ms2l") == str(SHIPPED)
    assert run_folder("no-such-model") == "no-such-model"
    assert run_folder("elsewhere/nw-ucla-ms2l") == "elsewhere/nw-ucla-ms2l"
    run = tmp_path / "ft"
    assert _train(dataset, run, tmp_path, "--strategy", "finetune", "--init-from",
                  "resources/checkpoints/nw-ucla-ms2l", "--epochs", "1", "--device",
                  "cpu", "--threads", "1", "--quiet") == 0  # fmt: skip
    assert runs.read_run(run).config.strategy.init_from == str(SHIPPED)
    (tmp_path / "nw-ucla-ms2l").mkdir()
    assert run_folder("nw-ucla-ms2l") == "nw-ucla-ms2l"


def test_finetune_from_shipped_encoder_new_classes(
    dataset: Path, tmp_path: Path, monkeypatch
) -> None:
    """``--init-from`` the shipped model: its architecture is taken over, the encoder
    loaded, and the classifier's output layer is new (3 classes instead of 10)."""
    monkeypatch.setenv("MS2L_CACHE", str(tmp_path / "cache"))
    run = tmp_path / "ft"
    status = _train(dataset, run, tmp_path, "--strategy", "finetune", "--init-from",
                    str(SHIPPED), "--epochs", "1", "--lr", "1e-30", "--device", "cpu",
                    "--threads", "1", "--quiet")  # fmt: skip
    assert status == 0
    info = runs.read_run(run)
    base = runs.read_run(SHIPPED).config
    assert info.config.model == base.model  # the architecture is the shipped model's
    for field in (
        "layout",
        "frames",
        "joints",
        "root_motion",
        "depth_weight",
        "align",
        "scale",
    ):
        # ... and so is the input its encoder expects
        assert getattr(info.config.data, field) == getattr(base.data, field), field
    mine = torch.load(run / "weights.pt", weights_only=True)
    shipped = torch.load(SHIPPED / "weights.pt", weights_only=True)
    assert mine["classifier.mlp.2.weight"].shape[0] == 3
    # a vanishing learning rate: the encoder is exactly the shipped one
    assert torch.equal(mine["encoder.fwd.0.weight_hh_l0"],
                       shipped["encoder.fwd.0.weight_hh_l0"])  # fmt: skip
    predictor = Predictor.from_run(run, device="cpu")
    assert predictor.labels == info.labels
    # --init-from takes no augmentation, and the log says which was left behind
    # (the README's example trained on unaugmented clips, unsaid: a trial)
    assert not info.config.data.augment.enabled
    assert (
        "note: no augmentation; nw-ucla-ms2l trained with --augment rotate=30,"
        "scale=0.15,noise=0.01,speed=0.2,drop=0.1,depth=0.05 (give it to train with "
        "the same)"
    ) in (run / "metrics.jsonl").read_text()


def test_same_class_count_other_names_gets_a_fresh_output_layer() -> None:
    info = runs.read_run(SHIPPED)
    shipped = torch.load(SHIPPED / "weights.pt", weights_only=True)
    torch.manual_seed(0)
    model = runs.new_model(info.config.model, 20, 1, 10)
    fresh = model.state_dict()["classifier.mlp.2.weight"].clone()
    notes = init_from_run(model, SHIPPED, "ucla20", 1, [f"mine {i}" for i in range(10)])
    state = model.state_dict()
    assert torch.equal(state["classifier.mlp.2.weight"], fresh)
    assert torch.equal(state["encoder.bwd.0.weight_ih_l0"],
                       shipped["encoder.bwd.0.weight_ih_l0"])  # fmt: skip
    assert any("classifier" in n for n in notes)
    init_from_run(model, SHIPPED, "ucla20", 1, info.labels)  # same classes: kept
    assert torch.equal(
        model.state_dict()["classifier.mlp.2.weight"],
        shipped["classifier.mlp.2.weight"],
    )


def test_too_few_takes_to_validate_is_explained(
    dataset: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("MS2L_CACHE", str(tmp_path / "cache"))
    rows = read_labels(dataset)
    one_each = {r.action: r for r in rows}
    write_labels(dataset, list(one_each.values()))
    try:
        status = _train(dataset, tmp_path / "r", tmp_path, "--strategy", "scratch",
                        "--epochs", "1", *TINY)  # fmt: skip
    finally:
        write_labels(dataset, rows)
    assert status == 2
    err = capsys.readouterr().err
    assert "the validation split is empty" in err and "record more takes" in err

    # Every take of one person, split by subject: it is the one subject that is
    # the reason (a trial was told to record more takes, with six of each).
    import dataclasses

    write_labels(dataset, [dataclasses.replace(r, subject="s01") for r in rows])
    try:
        status = _train(dataset, tmp_path / "r2", tmp_path, "--strategy", "scratch",
                        "--protocol", "subject", "--epochs", "1", *TINY)  # fmt: skip
        assert status == 2
        assert "no action has recordings of two or more subjects" in (
            capsys.readouterr().err
        )
        argv = ["data", "info", "--dataset", "custom", "--root", str(dataset),
                "--protocol", "subject"]  # fmt: skip
        assert main(argv) == 0
        assert "holds out whole subjects" in capsys.readouterr().out
    finally:
        write_labels(dataset, rows)


def test_labels_per_class_keeps_k_labels_of_each_class(tiny_data, tmp_path) -> None:
    from core.training.data import drain, load_data
    from tests.core.training.conftest import tiny_config

    cfg = tiny_config(tiny_data, tmp_path / "r", data={"labels_per_class": 2})
    data = drain(load_data(cfg.data, seed=0))
    kept = data.train.labels[data.labelled]
    assert np.bincount(kept).tolist() == [2, 2, 2]
    assert (data.train.labels >= 0).sum() == 6  # the other labels are hidden
    with pytest.raises(ValueError, match="not both"):
        tiny_config(tiny_data, tmp_path / "s",
                    data={"labels_per_class": 2, "label_fraction": 0.5})  # fmt: skip


def test_teach_keeps_the_base_augmentation_but_never_mirrors(tmp_path: Path) -> None:
    """A user's two actions may differ only by side; mirroring would merge them."""
    import dataclasses
    import shutil

    from core.config import TrainConfig
    from core.training.teach import teach_config

    base = tmp_path / "base"
    shutil.copytree(SHIPPED, base)
    cfg = TrainConfig.load(base / runs.CONFIG)
    augment = dataclasses.replace(cfg.data.augment, mirror=0.5)
    cfg.replace(data={"augment": augment}).save(base / runs.CONFIG)
    taught = teach_config(
        tmp_path / "ds", tmp_path / "run", init_from=base, val_fraction=0
    )
    assert taught.data.augment.mirror == 0.0
    assert taught.data.augment == dataclasses.replace(augment, mirror=0.0)
    assert taught.data.augment.rotate_degrees == 30.0


def test_no_labels_and_pretraining_on_every_recording(
    dataset: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    """Without labels.csv a classifier cannot train: the error names the file and the
    way out; pretraining with ``--val-fraction 0`` reads every recording (the default
    split leaves the held-out ones out whole, as the README says)."""
    import shutil

    monkeypatch.setenv("MS2L_CACHE", str(tmp_path / "cache"))
    bare = tmp_path / "bare"
    shutil.copytree(dataset, bare)
    (bare / "labels.csv").unlink()
    assert _train(bare, tmp_path / "s", tmp_path, "--strategy", "scratch",
                  "--epochs", "1", *TINY) != 0  # fmt: skip
    err = capsys.readouterr().err
    # the file's absence said (it read "labels.csv has no labelled interval": a trial)
    assert "labels.csv does not exist: label your takes" in err
    assert "--strategy pretrain" in err

    def clips(run: Path) -> int:
        found = re.search(r"(\d+) training clips", (run / "metrics.jsonl").read_text())
        assert found
        return int(found[1])

    split, every = tmp_path / "split", tmp_path / "every"
    for run, fraction in ((split, "0.2"), (every, "0")):
        assert _train(dataset, run, tmp_path, "--strategy", "pretrain", "--epochs",
                      "1", "--val-fraction", fraction, *TINY) == 0  # fmt: skip
    assert clips(every) > clips(split)


def test_ms2l_teach_with_two_takes_an_action_says_none_is_held_out(
    tmp_path: Path, ucla_clips, monkeypatch, capsys
) -> None:
    """Teach holds takes out only when every action has three: with two it trains on
    all of them, and says so then, not only when an evaluation finds nothing to score
    (which blamed a --val-fraction 0 the user never gave)."""
    monkeypatch.setenv("MS2L_CACHE", str(tmp_path / "cache"))
    two = [c for c in ucla_clips if c.meta["subject"] <= 2]
    root = write_takes(tmp_path / "ds", two)
    run = tmp_path / "taught"
    assert main(["teach", str(root), "--run-dir", str(run), "--epochs", "1",
                 "--quiet"]) == 0  # fmt: skip
    err = capsys.readouterr().err  # the actions are named
    assert re.search(r"note: fewer than three takes of '[^']+' \(2\)(, '[^']+' \(2\))*, so "
                     "none is held out", err), err  # fmt: skip
    assert main(["eval", str(run)]) == 2
    err = capsys.readouterr().err
    assert "held none out for validation" in err and "too few takes" in err
    # from Python too: teach_config's default is the button's rule, not 0.2 (a trial)
    from core.training.teach import teach_config

    assert teach_config(root).data.val_fraction == 0.0


def test_the_hold_out_rule_counts_only_takes_training_reads(
    dataset: Path, tmp_path: Path
) -> None:
    """From a trial: three labelled takes an action, two of one action unreadable (a
    bad line, times in milliseconds): the rule still held one take out, trained on
    the one left and scored 0 % on the other. The takes training leaves out do not
    count now."""
    import shutil

    from core.training.teach import few_takes, teach_val_fraction

    root = tmp_path / "ds"
    shutil.copytree(dataset, root)
    assert teach_val_fraction(root) == 0.2  # four takes of every action
    action = read_labels(root)[0].action
    names = sorted({r.recording for r in read_labels(root) if r.action == action})
    bad_line = custom.recording_path(root, names[0])
    lines = bad_line.read_text().splitlines(keepends=True)
    bad_line.write_text("".join([*lines[:3], '{"t": 0.1, "j": [1, 2\n', *lines[3:]]))
    in_ms = custom.recording_path(root, names[1])
    in_ms.write_text(re.sub(r'"t": ?([0-9.e-]+)',
                            lambda m: f'"t": {float(m[1]) * 1000:.3f}',
                            in_ms.read_text()))  # fmt: skip
    assert teach_val_fraction(root) == 0.0
    assert few_takes(root) == [f"{action!r} (2)"]


def test_ms2l_teach_trains_with_the_panels_recipe(
    dataset: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    """``ms2l teach DATASET`` is 'Train on my actions' from the command line: the
    shipped model's architecture, preprocessing and augmentation, the Teach schedule,
    one take in five held out (every action has four), and how to use the result."""
    import dataclasses

    from core.training.teach import teach_config, teach_val_fraction

    monkeypatch.setenv("MS2L_CACHE", str(tmp_path / "cache"))
    run = tmp_path / "taught"
    assert main(["teach", str(dataset), "--run-dir", str(run), "--epochs", "2",
                 "--quiet"]) == 0  # fmt: skip
    assert f"use it: ms2l infer --camera 0 --run {run}" in capsys.readouterr().err
    saved = runs.read_run(run)
    assert teach_val_fraction(dataset) == 0.2
    want = teach_config(dataset, run, epochs=2)  # the button's rule by default
    assert want.data.val_fraction == 0.2
    assert saved.config.model == want.model
    assert saved.config.optim == want.optim
    assert saved.config.data.augment == want.data.augment
    assert dataclasses.replace(
        saved.config.strategy, init_from=""
    ) == dataclasses.replace(want.strategy, init_from="")
    assert saved.labels == [
        "pick up with one hand",
        "pick up with two hands",
        "sit down",
    ]
    assert (
        len(read_labels(dataset)) == 12
        and "val_acc" in (run / "metrics.jsonl").read_text()
    )
    # the augmentation it took from the shipped model is said (a trial)
    assert (
        "augmentation: --augment rotate=30,scale=0.15,noise=0.01,speed=0.2,drop=0.1,"
        "depth=0.05" in (run / "metrics.jsonl").read_text()
    )
    # the last validation action by action ("80 %" hid two actions with none right:
    # a trial)
    assert re.search(
        r"validation, held-out clips right per action: pick up with one hand \d/1, "
        r"pick up with two hands \d/1, sit down \d/1",
        (run / "metrics.jsonl").read_text(),
    )
    # The same folder again: the advice is a command that exists (teach has no
    # --resume; a trial was told to use it).
    assert main(["teach", str(dataset), "--run-dir", str(run), "--quiet"]) == 2
    assert f"resume it (ms2l train --resume {run})" in capsys.readouterr().err


def test_ms2l_teach_on_a_long_folder_name_with_spaces(
    dataset: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    """The default run folder is cut to fit the file name limit (it ended the run with
    'File name too long'), and the hint is one a shell takes as written."""
    import shlex
    import shutil

    monkeypatch.setenv("MS2L_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("MS2L_RUNS", str(tmp_path / "my runs"))
    mine = shutil.copytree(dataset, tmp_path / ("mes gestes " + "日本" * 40))
    assert len(mine.name.encode()) > 240
    assert main(["teach", str(mine), "--epochs", "1", "--quiet"]) == 0
    (run,) = (tmp_path / "my runs").iterdir()
    assert run.name.startswith("teach-mes gestes 日本") and len(run.name.encode()) < 130
    hint = capsys.readouterr().err.split("use it: ")[1].split(" (or a video)")[0]
    assert shlex.split(hint) == ["ms2l", "infer", "--camera", "0", "--run", str(run)]
    # A second run in the same second gets a folder of its own.
    from core.training.teach import teach_run_dir

    taken = teach_run_dir(mine)
    taken.mkdir()
    again = teach_run_dir(mine)
    assert again != taken and not again.exists()
    if again.name.startswith(taken.name):  # (the same second, as nearly always)
        assert again.name == f"{taken.name}-2"
    archive = shutil.make_archive(str(tmp_path / "mine"), "zip", mine)
    assert main(["teach", archive]) == 2
    assert capsys.readouterr().err.endswith(
        "is a file, not a custom dataset folder (recordings and labels.csv; a zip of "
        "one: unpack it first)\n"
    )
    # A cache folder that cannot be made (a read-only home, a file in the way) ...
    monkeypatch.setenv("MS2L_CACHE", archive + "/cache")
    assert main(["teach", str(mine), "--epochs", "1", "--quiet"]) == 2
    assert "set $MS2L_CACHE to a writable folder" in capsys.readouterr().err
    # ... or chosen on the command line.
    elsewhere = tmp_path / "elsewhere"
    argv = ["teach", str(mine), "--epochs", "1", "--quiet"]
    assert main([*argv, "--cache-dir", str(elsewhere)]) == 0
    assert any(p.name.startswith("custom-") for p in elsewhere.iterdir())


def test_teach_needs_two_actions(tmp_path: Path, capsys) -> None:
    root = tmp_path / "one"
    root.mkdir()
    (root / "labels.csv").write_text("recording,start,end,action\na,0,1,wave\n")
    assert main(["teach", str(root)]) == 2
    assert "at least two actions" in capsys.readouterr().err
    assert main(["teach", str(root), "--val-fraction", "0"]) == 2  # also when chosen
    assert "at least two actions" in capsys.readouterr().err


def test_init_from_takes_over_the_body_count_two_person_takes_on_the_graph_model(
    tmp_path: Path, monkeypatch
) -> None:
    """The shipped graph model sees one body; a dataset with two-person Kinect takes
    (NTU handshaking) used to stop ``--init-from`` it ("trained on ucla20 x1 ... cannot
    start a run on ucla20 x2"): the run now reads the base model's one body, as Teach."""
    from core.datasets import read_file
    from core.datasets.custom import import_sequence
    from tests.conftest import require_data

    monkeypatch.setenv("MS2L_CACHE", str(tmp_path / "cache"))
    root = tmp_path / "ds"
    for name in ("S001C001P001R001A001", "S001C003P008R002A058"):
        seq = read_file(require_data("ntu", f"{name}.skeleton"))
        import_sequence(root, name, seq, action=name[-4:])
    handshake = read_file(require_data("ntu", "S001C003P008R002A058.skeleton"))
    assert handshake.joints.shape[1] == 2
    # The graph model reads its one body; a BiGRU's input weights convert, so it keeps
    # the second person of the new data.
    for base, bodies in ((CHECKPOINTS_DIR / "nw-ucla-ms2l-gcn", 1), (SHIPPED, 2)):
        run = tmp_path / base.name
        status = _train(root, run, tmp_path, "--strategy", "finetune", "--init-from",
                        str(base), "--epochs", "1", "--val-fraction", "0", "--batch-size",
                        "2", "--device", "cpu", "--threads", "1", "--quiet")  # fmt: skip
        assert status == 0, base.name
        assert runs.read_run(run).config.data.num_bodies == bodies, base.name
        # ... and so does Teach's recipe (it read the base's one body for a BiGRU,
        # leaving the partner out, unsaid: a trial)
        taught = tmp_path / f"taught-{base.name}"
        assert main(["teach", str(root), "--init-from", str(base), "--run-dir",
                     str(taught), "--epochs", "1", "--val-fraction", "0",
                     "--quiet"]) == 0  # fmt: skip
        assert runs.read_run(taught).config.data.num_bodies == bodies, base.name


def test_init_from_another_encoder_is_named(tmp_path: Path) -> None:
    """A --config of a BiGRU run with --init-from the graph model stopped on a bare
    key ('encoder.fwd.0.weight_ih_l0')."""
    info = runs.read_run(SHIPPED)
    model = runs.new_model(info.config.model, 20, 1, 10)
    with pytest.raises(
        ValueError,
        match=r"the weights are of a graph \(gcn\) encoder, this model's is a BiGRU",
    ):
        init_from_run(model, CHECKPOINTS_DIR / "nw-ucla-ms2l-gcn", "ucla20", 1)


def test_a_config_of_another_dataset_gets_the_custom_protocol(dataset: Path) -> None:
    from core.cli import build_parser
    from core.commands.train import config_from_args

    args = build_parser().parse_args(
        [
            "train",
            "--config",
            str(SHIPPED / "config.json"),
            "--dataset",
            "custom",
            "--root",
            str(dataset),
        ]  # fmt: skip
    )
    cfg = config_from_args(args)
    assert (cfg.data.dataset, cfg.data.protocol) == ("custom", "recording")


def test_actions_changed_after_a_run_resume_refuses_and_eval_scores_by_name(
    dataset: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    """After the user added or removed an action, resume trained the old classifier
    on renumbered classes (a model answering 'apple' for a drink), eval scored 0 %
    with no word, and a new action made it fail with 'labels must be in [0, 3)'
    (a user trial)."""
    import shutil

    monkeypatch.setenv("MS2L_CACHE", str(tmp_path / "cache"))
    root = shutil.copytree(dataset, tmp_path / "mine")
    run, twin = tmp_path / "run", tmp_path / "twin"
    for folder in (run, twin):
        assert _train(root, folder, tmp_path, "--strategy", "scratch", "--epochs", "2",
                      "--val-fraction", "0.34", *TINY) == 0  # fmt: skip
    before = evaluate_run(run, "train")
    # A new action that sorts first, taken from takes of an old one.
    rows = read_labels(root)
    moved = [r for r in rows if r.action == "sit down"][:2]
    write_labels(
        root,
        [dataclasses.replace(r, action="apple") if r in moved else r for r in rows],
    )
    after = evaluate_run(run, "train")
    assert after.labels == before.labels  # the model's classes, by name
    assert after.num_clips < before.num_clips
    assert any("not trained on were left out ('apple')" in n for n in after.notes)
    fused = evaluate_fused([run, twin], "train").fused  # the fusion says it too
    assert fused.num_clips == after.num_clips and fused.notes == after.notes
    # every take of an action moved: the model's class is said to be gone
    write_labels(
        root,
        [dataclasses.replace(r, action="apple") if r.action == "sit down" else r
         for r in read_labels(root)],
    )  # fmt: skip
    gone = evaluate_run(run, "train")
    assert any("no action 'sit down' any more" in n for n in gone.notes)
    assert (
        main(["eval", str(run), "--split", "train", "--out", str(tmp_path / "e")]) == 0
    )
    capsys.readouterr()
    # Resume: refused before anything is written, naming what changed.
    metrics = (run / "metrics.jsonl").read_bytes()
    assert main(["train", "--resume", str(run), "--epochs", "3", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert (
        "the dataset's actions changed since this run trained (added 'apple'; removed "
        "'sit down')" in err
    )
    assert (run / "metrics.jsonl").read_bytes() == metrics


def test_ms2l_teach_warns_of_actions_differing_only_in_case(
    dataset: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    """'Throw' and 'throw' were trained as two classes unsaid (data info warned); and
    only by `ms2l teach`, not by Teach or any other run (a trial): the run's own log
    says it now, once."""
    import dataclasses

    monkeypatch.setenv("MS2L_CACHE", str(tmp_path / "cache"))
    rows = read_labels(dataset)
    odd = dataclasses.replace(rows[0], action=rows[0].action.upper())
    write_labels(dataset, [odd, *rows[1:]])
    try:
        assert main(["teach", str(dataset), "--run-dir", str(tmp_path / "r"),
                     "--epochs", "1", "--quiet"]) == 0  # fmt: skip
    finally:
        write_labels(dataset, rows)
    said = (
        f"warning: actions {odd.action!r} and {rows[0].action!r} differ only in case "
        "or spaces: they are different classes"
    )
    assert capsys.readouterr().err.count(said) == 1
    assert (
        said.removeprefix("warning: ") in (tmp_path / "r" / "metrics.jsonl").read_text()
    )


def test_long_labelled_spans_are_cut_into_pieces_and_keep_the_window_short(
    tmp_path, monkeypatch
):
    """A session labelled in 20-second spans made a 20 s live window: Live answered
    ~10 s into each action (a trial). A span longer than 8 s trains as pieces of at
    most 4 s, the run's live window is a piece's, and the log says so."""
    from core.datasets import read_file
    from core.runs import read_run
    from core.training.events import Log
    from core.training.loop import run
    from tests.conftest import require_data

    monkeypatch.setenv("MS2L_CACHE", str(tmp_path / "cache"))
    seq = read_file(require_data("ntu", "S001C001P001R001A001.skeleton"))
    long = dataclasses.replace(seq, joints=np.concatenate([seq.joints] * 3))  # 10.3 s
    root = tmp_path / "ds"
    for i, action in enumerate(["drink", "drink", "wave", "wave"]):
        custom.import_sequence(root, f"take{i}", long, action=action)
    cfg = teach_config(root, tmp_path / "run", epochs=1, val_fraction=0.0)
    said = [e.message for e in run(cfg) if isinstance(e, Log)]
    assert (
        "note: 4 labelled spans longer than 8 s (labels.csv rows 2 (take0), 3 (take1), "
        "4 (take2) and 1 more) were cut into 12 clips of at most 4 s, so that the live "
        "window stays short and each action has more clips to learn from"
    ) in said, said
    window = read_run(tmp_path / "run").config.data.window_seconds
    assert 3.3 < window < 3.5  # a third of 10.3 s, not the whole span
    # said in the log, not only in config.json (a trial)
    assert any(
        m.endswith(f", live window {window:.2f} s (the median training clip)")
        for m in said
    ), said
    # NTU's Kinect v2 skeletons read by the shipped NW-UCLA model: what is lost
    # (eight joints: the model rebuilds the torso ones from the hips and shoulders;
    # the note named six: a re-trial)
    assert (
        "note: the data's ntu25 skeletons are read in the model's ucla20 layout: "
        "SpineBase, SpineMid, Neck, SpineShoulder, HandTipLeft, ThumbLeft, "
        "HandTipRight, ThumbRight not used (its torso joints are rebuilt from the hips "
        "and shoulders, one joint definition for webcam and Kinect)"
    ) in said, said


def test_the_layout_note_names_the_joints_made_up_for_the_model() -> None:
    """Kinect v1 skeletons (NW-UCLA's 20 joints) read by an NTU model: six of its 25
    joints are blended or copied from their neighbours, which the note did not say
    (it named only the joints left out: a lab's trial)."""
    from core.training.data import _layout_note, made_up_joints

    made = made_up_joints("ucla20", "ntu25")
    assert made == ["SpineMid", "Neck", "HandTipLeft", "ThumbLeft", "HandTipRight",
                    "ThumbRight"]  # fmt: skip
    # a joint under another name is measured, not made up
    assert "SpineBase" not in made and "SpineShoulder" not in made
    assert made_up_joints("ntu25", "ucla20") == ["Spine"]
    assert _layout_note("ucla20", "ntu25", shared=False) == [
        "note: the data's ucla20 skeletons are read in the model's ntu25 layout: "
        "Spine not used; SpineMid, Neck, HandTipLeft, ThumbLeft, HandTipRight, "
        "ThumbRight made up from neighbouring joints"
    ]
    # with shared joints the torso ones are said as rebuilt, not as made up
    (shared,) = _layout_note("ucla20", "ntu25", shared=True)
    assert "HandTipLeft, ThumbLeft, HandTipRight, ThumbRight made up" in shared
    assert "SpineMid" not in shared and shared.endswith("webcam and Kinect)")


def test_balanced_classes_weigh_every_action_alike() -> None:
    """Teach weighs its classes alike: a "no action" of 4 clips beside actions of 20
    and 12 (long spans cut into pieces) was never answered (a trial)."""
    import torch.nn.functional as F

    from core.training.data import ClipSet, PreparedData
    from core.training.loop import _class_weights, _unbalanced
    from models import build_model
    from models.objective import Objective

    labels = np.array([0] * 20 + [1] * 12 + [2] * 4 + [-1] * 3)
    train = ClipSet(
        [np.zeros((4, 1, 20, 3), np.float32)] * len(labels),
        labels,
        [f"c{i}" for i in range(len(labels))],
        np.arange(len(labels)),
    )
    data = PreparedData(
        train=train, test=train.subset(np.arange(0)), class_names=["a", "b", "idle"],
        layout="ucla20", num_bodies=1, fps=30.0, window_seconds=1.0,
        labelled=np.flatnonzero(labels >= 0),
    )  # fmt: skip
    cfg = teach_config("unused", init_from=SHIPPED, val_fraction=0)
    assert cfg.optim.balance_classes  # the button's recipe balances
    weights = _class_weights(cfg, data)
    np.testing.assert_allclose(weights.numpy(), [36 / 60, 36 / 36, 36 / 12])
    plain = cfg.replace(
        optim=dataclasses.asdict(dataclasses.replace(cfg.optim, balance_classes=False))
    )
    assert _class_weights(plain, data) is None
    # ... and unbalanced classes trained without it are said (a trial)
    assert _unbalanced(plain, data) == [
        "note: the actions have from 4 ('idle') to 20 ('a') labelled training clips; "
        "--balance-classes weighs them alike (ms2l teach does)"
    ]
    assert _unbalanced(cfg, data) == []
    # ... and the classifier loss weighs by them
    torch.manual_seed(0)
    model = build_model("ms2l", num_joints=20, num_bodies=1, num_classes=3,
                        hidden=8, head_dim=8, proj_dim=8, decoder_hidden=8,
                        classifier_hidden=8)  # fmt: skip
    x, lengths = torch.randn(5, 16, 1, 20, 3), torch.full((5,), 16)
    y = torch.tensor([0, 0, 0, 1, 2])
    weighted = Objective(model, (), 0.1, True, class_weights=weights)
    out = weighted(x, lengths, y, None, 1.0, 0.0)["cls"]
    logits = model(x, lengths)
    assert torch.allclose(out, F.cross_entropy(logits, y, weight=weights), atol=1e-6)
    assert not torch.allclose(out, F.cross_entropy(logits, y), atol=1e-3)


def test_an_action_with_no_held_out_clip_right_is_a_warning() -> None:
    from core.training.loop import _per_action

    said = _per_action(
        np.array([0, 0, 0, 2, 2]), np.array([0, 0, 1, 2, 3]), ["a", "b", "c", "idle"]
    )
    assert said.level == "warning" and said.message == (
        "validation, held-out clips right per action: a 2/2, b 0/1, c 1/1, idle 0/1 "
        "('b', 'idle': none right; record more takes of them, more unlike the others)"
    )
    fine = _per_action(np.array([0, 1]), np.array([0, 1]), ["a", "b", "unseen"])
    assert fine.level == "info" and fine.message.endswith("a 1/1, b 1/1")


def test_a_validation_of_new_actions_only_is_said_as_validation_with_why(
    tmp_path: Path, ucla_clips, monkeypatch
) -> None:
    """Every held-out take relabelled as a new action: the refusal said "custom test"
    (a custom dataset has a validation split, no test split) and lost the note that a
    held-out take had been deleted (a trial)."""
    monkeypatch.setenv("MS2L_CACHE", str(tmp_path / "cache"))
    root = write_takes(tmp_path / "ds", ucla_clips)
    run = tmp_path / "run"
    assert _train(root, run, tmp_path, "--strategy", "scratch", "--epochs", "1",
                  *TINY) == 0  # fmt: skip
    held = runs.read_run(run).config.data.held_out
    custom.delete_recording(root, held[0])
    custom.set_labels(root, [
        dataclasses.replace(r, action="wave") if r.recording in held else r
        for r in custom.read_labels(root)
    ])  # fmt: skip
    with pytest.raises(ValueError) as refused:
        evaluate_run(run, device="cpu")
    said = str(refused.value)
    assert said.startswith(
        "custom validation: every labelled clip is of an action this model was not "
        "trained on ('wave'); train again to score them; 1 of the 3 recordings this "
        f"run held out for validation are no longer in the dataset folder ({held[0]})"
    ), said


def test_a_novelty_check_refused_for_too_few_clips_names_the_run(
    tmp_path: Path, ucla_clips, monkeypatch, capsys
) -> None:
    """ "50 labelled clips are too few for a novelty check" did not say of which run
    (a trial)."""
    monkeypatch.setenv("MS2L_CACHE", str(tmp_path / "cache"))
    root = write_takes(tmp_path / "ds", ucla_clips)
    run = tmp_path / "run"
    assert _train(root, run, tmp_path, "--strategy", "scratch", "--epochs", "1",
                  *TINY) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["novelty", str(run), "--device", "cpu"]) == 2
    said = capsys.readouterr().err
    assert said.startswith(f"ms2l novelty: error: {run}: ") and "too few" in said, said
    # and what the check is, not its numbers alone (jargon in the Train log: a trial)
    assert "the check, which tells motion unlike every trained action, models" in said


def test_held_out_long_spans_are_counted_and_webcam_takes_named_as_such(
    tmp_path, monkeypatch
):
    """The note counted the long spans of the training side only ("1 labelled span
    … cut into 3 clips" where 3 were longer than 8 s, 2 held out), and called webcam
    takes "the data's ntu25 skeletons" (the Kinect layout they are stored in: a
    trial)."""
    from core.datasets import read_file
    from core.training.data import _layout_note, _recorded_as
    from core.training.events import Log
    from core.training.loop import run
    from tests.conftest import require_data

    monkeypatch.setenv("MS2L_CACHE", str(tmp_path / "cache"))
    seq = read_file(require_data("ntu", "S001C001P001R001A001.skeleton"))
    long = dataclasses.replace(seq, joints=np.concatenate([seq.joints] * 3))  # 10.3 s
    root = tmp_path / "ds"
    for i, action in enumerate(["drink"] * 3 + ["wave"] * 3):
        custom.import_sequence(root, f"take{i}", long, action=action)
    cfg = teach_config(root, tmp_path / "run", epochs=1, val_fraction=0.34)
    assert cfg.data.val_fraction > 0
    said = [e.message for e in run(cfg) if isinstance(e, Log)]
    assert any(m.startswith("note: 6 labelled spans longer than 8 s") for m in said), (
        said
    )
    # Kinect takes are named by their layout; MediaPipe's by what they are
    assert _recorded_as([{"recorded_layout": "ntu25"}] * 2) == "ntu25"
    assert _recorded_as([{"recorded_layout": "mp33"}, {}]) == ""
    assert _layout_note(
        "ntu25", "ucla20", True, _recorded_as([{"recorded_layout": "mp33"}])
    ) == [
        "note: the data's MediaPipe (webcam) skeletons are read in the model's "
        "ucla20 layout (its torso joints are rebuilt from the hips and shoulders, "
        "one joint definition for webcam and Kinect)"
    ]
