"""Every strategy trains on a custom dataset from ``ms2l train --dataset custom``, and
fine-tuning from the shipped encoder gives a classifier for the user's own classes."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch

from core import runs
from core.cli import main
from core.datasets.base import SkeletonSequence
from core.datasets.custom import read_labels, write_labels
from core.inference import Predictor
from core.paths import CHECKPOINTS_DIR
from core.training.strategies import init_from_run
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
    # The pretraining run also trained on the unlabelled recording's windows.
    found = re.search(
        r"(\d+) training clips \((\d+) labelled\)", (pre / "metrics.jsonl").read_text()
    )
    assert found and int(found[1]) > int(found[2]) > 0
    by_subject = tmp_path / "subj"
    assert _train(dataset, by_subject, tmp_path, "--strategy", "scratch",
                  "--protocol", "subject", "--val-fraction", "0.25", "--epochs", "1",
                  *TINY) == 0  # fmt: skip
    all_in = tmp_path / "all"
    assert _train(dataset, all_in, tmp_path, "--strategy", "scratch",
                  "--val-fraction", "0", "--epochs", "1", *TINY) == 0  # fmt: skip


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
    assert "record more takes" in capsys.readouterr().err


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
    taught = teach_config(tmp_path / "ds", tmp_path / "run", init_from=base)
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
    assert "labels.csv has no labelled interval" in err and "--strategy pretrain" in err

    def clips(run: Path) -> int:
        found = re.search(r"(\d+) training clips", (run / "metrics.jsonl").read_text())
        assert found
        return int(found[1])

    split, every = tmp_path / "split", tmp_path / "every"
    for run, fraction in ((split, "0.2"), (every, "0")):
        assert _train(dataset, run, tmp_path, "--strategy", "pretrain", "--epochs",
                      "1", "--val-fraction", fraction, *TINY) == 0  # fmt: skip
    assert clips(every) > clips(split)
