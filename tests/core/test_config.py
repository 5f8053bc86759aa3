"""Comparing a saved run's settings with the ones a recipe wants."""

from __future__ import annotations

from core.config import TrainConfig
from core.preprocess import AugmentConfig


def test_differences_name_the_changed_settings_and_skip_paths_and_filled_values():
    wanted = TrainConfig().replace(
        data={"augment": AugmentConfig(shear=0.3), "root": "/a"},
        run={"run_dir": "/runs/x"},
    )
    saved = wanted.replace(
        data={"root": "/b", "layout": "ucla20", "num_bodies": 1, "window_seconds": 1.1},
        run={"run_dir": "/elsewhere", "device": "cuda", "threads": 2},
        strategy={"init_from": "/other/encoder"},
    )
    assert saved.differences(wanted) == []
    changed = saved.replace(
        data={"augment": AugmentConfig()}, optim={"lr": 0.5}, model={"layers": 2}
    )
    diffs = changed.differences(wanted)
    assert [d.split(":")[0] for d in diffs] == [
        "data.augment",
        "model.layers",
        "optim.lr",
    ]
    assert "0.5 != 0.01" in diffs[2]
    # a layout the recipe asks for is a setting
    assert saved.differences(wanted.replace(data={"layout": "ntu25"})) == [
        "data.layout: 'ucla20' != 'ntu25'"
    ]


def test_step_decay_fields_are_compared_only_where_a_schedule_reads_them():
    cosine = TrainConfig().replace(optim={"lr_schedule": "cosine", "lr_step": 0})
    other_step = cosine.replace(optim={"lr_step": 15, "lr_gamma": 0.5})
    assert other_step.differences(cosine) == []
    step = cosine.replace(optim={"lr_schedule": "step"})
    assert [d.split(":")[0] for d in other_step.replace(
        optim={"lr_schedule": "step"}).differences(step)] == [
        "optim.lr_step", "optim.lr_gamma"]  # fmt: skip


def test_a_hand_written_config_without_a_protocol_gets_its_datasets_first():
    """A custom dataset's config without "protocol" failed with "custom has no
    protocol 'xview'", a protocol nobody chose (a trial)."""
    from core.config import TrainConfig

    cfg = TrainConfig.from_dict({"data": {"dataset": "custom", "root": "mine"}})
    assert cfg.data.protocol == "recording"
    cfg = TrainConfig.from_dict({"data": {"dataset": "ntu60", "root": "ntu"}})
    assert cfg.data.protocol == "xsub"
    given = {"data": {"dataset": "custom", "root": "mine", "protocol": "subject"}}
    assert TrainConfig.from_dict(given).data.protocol == "subject"
