"""Every training strategy runs a few epochs and lowers its loss; weights follow Eqs. 4-5."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core import runs
from core.skeleton import convert
from core.training.events import EpochDone, RunFinished
from core.training.loop import run
from core.training.strategies import input_conversion, loss_weights
from tests.core.training.conftest import assert_learned, tiny_config


def _train(cfg) -> list[EpochDone]:
    events = list(run(cfg))
    assert isinstance(events[-1], RunFinished) and not events[-1].cancelled
    return [e for e in events if isinstance(e, EpochDone)]


@pytest.fixture(scope="module")
def pretrained(tiny_data, tmp_path_factory):
    """A pretrain run (all three tasks) to start the other strategies from."""
    run_dir = tmp_path_factory.mktemp("runs") / "pretrain"
    epochs = _train(tiny_config(tiny_data, run_dir, "pretrain", epochs=6))
    first, last = epochs[0].losses, epochs[-1].losses
    assert set(first) == {"motion", "jigsaw", "contrastive", "total"}
    assert last["total"] < first["total"]
    assert last["motion"] < first["motion"]
    assert all(e.val_acc is None for e in epochs)  # no classifier trained
    return run_dir


def test_pretrain_lowers_the_self_supervised_losses(pretrained):
    assert (pretrained / "weights.pt").is_file()


@pytest.mark.parametrize(
    ("strategy", "extra"),
    [
        ("scratch", {}),
        ("linear", {}),
        ("finetune", {"init": True}),
        ("moving", {"init": True, "strategy_options": {"moving_epochs": 2}}),
        ("joint", {}),
        ("semi", {"init": True, "data": {"label_fraction": 0.5}}),
    ],
)
def test_strategy_lowers_its_loss(strategy, extra, tiny_data, pretrained, tmp_path):
    extra = dict(extra)
    options = extra.pop("strategy_options", {})
    if extra.pop("init", False):
        options["init_from"] = str(pretrained)
    cfg = tiny_config(
        tiny_data,
        tmp_path / strategy,
        strategy,
        epochs=5,
        strategy_options=options,
        **extra,
    )
    epochs = _train(cfg)
    assert_learned(epochs, strategy)


def test_transfer_converts_layouts(tiny_data, tmp_path):
    """Pretrain on NTU-25-layout input, transfer to the dataset's own UCLA-20 layout."""
    source = tmp_path / "ntu-pretrain"
    _train(
        tiny_config(tiny_data, source, "pretrain", epochs=2, data={"layout": "ntu25"})
    )
    cfg = tiny_config(
        tiny_data, tmp_path / "transfer", "transfer", epochs=4,
        strategy_options={"init_from": str(source)},
    )  # fmt: skip
    epochs = _train(cfg)
    assert epochs[-1].losses["cls"] < epochs[0].losses["cls"]


def test_input_conversion_equals_converting_the_clip():
    torch.manual_seed(0)
    src = runs.new_model(tiny_model_cfg(), 25, 2, 4)
    dst = runs.new_model(tiny_model_cfg(), 20, 1, 4)
    a = torch.from_numpy(input_conversion("ntu25", 2, "ucla20", 1))
    state = src.state_dict()
    for key in ("encoder.fwd.0.weight_ih_l0", "encoder.bwd.0.weight_ih_l0"):
        state[key] = state[key] @ a
    dst.encoder.load_state_dict(
        {k[8:]: v for k, v in state.items() if k.startswith("encoder.")}
    )
    x = np.random.default_rng(0).normal(size=(2, 7, 1, 20, 3)).astype(np.float32)
    as_ntu = np.zeros((2, 7, 2, 25, 3), dtype=np.float32)
    as_ntu[:, :, :1] = convert(x, "ucla20", "ntu25")
    h_src, _ = src.encoder(torch.from_numpy(as_ntu))
    h_dst, _ = dst.encoder(torch.from_numpy(x))
    torch.testing.assert_close(h_dst, h_src, rtol=1e-4, atol=1e-5)


def tiny_model_cfg():
    from core.config import model_preset

    return model_preset("paper", hidden=5)


def test_loss_weights_follow_eq4_and_eq5(tiny_data, tmp_path):
    moving = tiny_config(
        tiny_data,
        tmp_path,
        "moving",
        strategy_options={"init_from": "x", "moving_epochs": 2},
    )
    assert loss_weights(moving, 0, 10) == (0.0, 1.0)
    assert loss_weights(moving, 5, 10) == (0.25, 0.75)
    assert loss_weights(moving, 20, 10) == (1.0, 0.0)
    assert loss_weights(moving, 35, 10) == (1.0, 0.0)
    joint = tiny_config(tiny_data, tmp_path, "joint", strategy_options={"omega": 1.0})
    assert loss_weights(joint, 0, 10) == (1.0, 1.0)
    pretrain = tiny_config(tiny_data, tmp_path, "pretrain")
    assert loss_weights(pretrain, 3, 10) == (0.0, 1.0)


def test_linear_evaluation_without_a_pretrained_run_says_it_is_rand_u(
    tiny_data, pretrained, tmp_path
):
    """It trained a random frozen encoder without a word, where finetune refuses."""
    from core.training.events import Log

    def notes(cfg) -> list[str]:
        return [
            e.message
            for e in run(cfg)
            if isinstance(e, Log)
            and ("Rand-U" in e.message or "linear evaluation of" in e.message)
        ]

    cfg = tiny_config(tiny_data, tmp_path / "rand-u", "linear", epochs=1)
    assert notes(cfg) == [
        "note: linear evaluation of a random, frozen encoder (the paper's Rand-U "
        "baseline): give --init-from RUN to evaluate a pretrained one"
    ]
    cfg = tiny_config(tiny_data, tmp_path / "pre", "linear", epochs=1,
                      strategy_options={"init_from": str(pretrained)})  # fmt: skip
    # From a run: said too (a user trial found only the settings line).
    assert notes(cfg) == [
        f"linear evaluation of the frozen encoder of {pretrained} (BiGRU encoder, "
        "hidden 8: its architecture and input settings; only the classifier trains: "
        "the GRU + MLP classifier, not a linear layer: --classifier linear for one)"
    ]


def test_select_best_in_a_run_without_a_classifier_says_what_is_kept(
    tiny_data, tmp_path
):
    """``--select best --strategy pretrain`` was silently ignored."""
    from core.training.events import Log

    cfg = tiny_config(tiny_data, tmp_path / "pre", "pretrain", epochs=1,
                      run={"select": "best"})  # fmt: skip
    said = [e.message for e in run(cfg) if isinstance(e, Log) and "select" in e.message]
    assert said == [
        "note: --select best has no validation accuracy to choose by in a pretrain "
        "run (no classifier): the last epoch's weights are kept"
    ]


def test_a_pretraining_runs_untrained_classifier_is_not_carried_over(pretrained):
    """Fine-tuning from a pretraining run loaded its classifier, which no label ever
    trained: every seed started from the same random head (a review)."""
    from core.training.strategies import init_from_run

    source = runs.safe_load(pretrained / "weights.pt")
    info = runs.read_run(pretrained)
    model_cfg = info.config.model
    heads = []
    for seed in (5, 6):  # not the pretraining's (0): its draw would be the same
        torch.manual_seed(seed)
        model = runs.new_model(
            model_cfg, 20, info.num_bodies, len(info.labels), layout=info.layout
        )
        notes = init_from_run(
            model, pretrained, info.layout, info.num_bodies, list(info.labels)
        )
        state = model.state_dict()
        for key in (k for k in source if k.startswith("encoder.")):
            torch.testing.assert_close(state[key], source[key])  # the encoder: taken
        assert any("its classifier was never trained" in n for n in notes)
        heads.append({k: v for k, v in state.items() if k.startswith("classifier.")})
    assert heads[0] and any(
        not torch.equal(heads[0][k], source[k]) for k in heads[0]
    )  # not the pretraining run's
    assert any(not torch.equal(heads[0][k], heads[1][k]) for k in heads[0])  # per seed


def test_few_labels_from_a_run_that_saw_more_of_them_is_warned_of(
    tiny_data, pretrained, tmp_path
):
    """A semi-supervised run at 10 % started from a run fine-tuned on every label
    reached 70 % with no word (a trial): a figure that passes for a 10 %-label one."""
    from core.training.events import Log

    def warned(cfg) -> list[str]:
        return [
            e.message
            for e in run(cfg)
            if isinstance(e, Log) and e.message.startswith("warning: ")
        ]

    full = tmp_path / "full"
    _train(tiny_config(tiny_data, full, "finetune", epochs=1,
                       strategy_options={"init_from": str(pretrained)}))  # fmt: skip
    semi = tiny_config(tiny_data, tmp_path / "semi", "semi", epochs=1,
                       strategy_options={"init_from": str(full)},
                       data={"label_fraction": 0.5})  # fmt: skip
    assert warned(semi) == [
        f"warning: {full} trained its classifier on 100% of nw-ucla's labels "
        "(finetune): this run on 50% of them starts from an encoder that saw more, so "
        "its figure is not a few-label one (start from a self-supervised pretraining "
        "run for that)"
    ]
    # from the self-supervised run, as the paper does: nothing to warn of
    semi = tiny_config(tiny_data, tmp_path / "semi2", "semi", epochs=1,
                       strategy_options={"init_from": str(pretrained)},
                       data={"label_fraction": 0.5})  # fmt: skip
    assert warned(semi) == []
