"""The warning when a loss runs away (a learning rate far too high)."""

from __future__ import annotations

from core.training.divergence import DivergenceWatch
from core.training.events import EpochDone, Log
from core.training.loop import run
from tests.core.training.conftest import tiny_config


def test_a_batch_far_above_the_start_warns_once_naming_the_term_and_the_rate():
    watch = DivergenceWatch()
    assert watch.batch(1, {"total": 2.3, "cls": 2.3}, 0.5) is None  # the reference
    assert watch.batch(1, {"total": 9.0, "cls": 9.0}, 0.5) is None  # noise: < 10x
    warning = watch.batch(1, {"total": 700.0, "cls": 700.0}, 0.5)
    assert warning is not None
    assert "cls loss jumped to 700" in warning and "(from 2.3)" in warning
    assert "learning rate (0.5)" in warning
    assert watch.batch(2, {"total": 900.0, "cls": 900.0}, 0.5) is None  # once only


def test_an_epoch_mean_twice_the_lowest_and_2_above_warns_a_small_rise_does_not():
    watch = DivergenceWatch()
    watch.batch(1, {"cls": 2.3}, 0.1)  # before any step: ln 10
    assert watch.epoch(1, {"cls": 4.5}, 0.1) is None  # under twice the first batch
    assert watch.epoch(2, {"cls": 1.0}, 0.1) is None  # lowers the reference
    assert watch.epoch(3, {"cls": 2.9}, 0.1) is None  # not 2 above the lowest
    warning = watch.epoch(4, {"cls": 3.5}, 0.1)
    assert warning is not None and "jumped to 3.5 in epoch 4 (from 1)" in warning
    # a loss near zero that doubles is not a runaway (the margin)
    small = DivergenceWatch()
    small.batch(1, {"motion": 0.02}, 0.1)
    assert small.epoch(2, {"motion": 0.2}, 0.1) is None


def test_normal_starts_found_by_a_review_do_not_warn():
    # joint training on a share of the labels: a first batch without a labelled clip
    # has cls exactly 0, then the epoch mean is ~2 (ln 10)
    shared = DivergenceWatch()
    shared.batch(1, {"cls": 0.0, "motion": 0.3, "total": 0.3}, 0.001)
    assert shared.batch(1, {"cls": 2.4, "motion": 0.3, "total": 2.7}, 0.001) is None
    assert shared.epoch(1, {"cls": 2.0, "motion": 0.3, "total": 2.3}, 0.001) is None
    # fine-tuning a model of the same classes: its classifier starts near 0 and
    # rises to ~1 while it adapts to the new rate and augmentation
    tuned = DivergenceWatch()
    tuned.batch(1, {"cls": 0.031}, 0.001)
    assert tuned.batch(1, {"cls": 1.9}, 0.001) is None
    assert tuned.epoch(1, {"cls": 1.06}, 0.001) is None


def test_the_total_is_not_watched_beside_its_parts_whose_weights_move():
    # moving pretraining shifts the weights of the parts: the total may rise
    watch = DivergenceWatch()
    watch.batch(1, {"total": 1.0, "cls": 2.0, "motion": 0.5}, 0.01)
    assert watch.epoch(2, {"total": 9.0, "cls": 1.5, "motion": 0.4}, 0.01) is None
    only = DivergenceWatch()
    only.batch(1, {"total": 1.0}, 0.01)
    assert only.epoch(2, {"total": 9.0}, 0.01) is not None


def test_a_run_with_an_absurd_learning_rate_says_so_in_its_log_and_metrics(
    tiny_data, tmp_path
):
    wild = tiny_config(tiny_data, tmp_path / "wild", epochs=2, optim={"lr": 10.0})
    events = list(run(wild))
    warnings = [e for e in events if isinstance(e, Log) and e.level == "warning"]
    assert len(warnings) == 1
    assert "learning rate (10) may be too high" in warnings[0].message
    assert "may be too high" in (tmp_path / "wild" / "metrics.jsonl").read_text()

    calm = tiny_config(tiny_data, tmp_path / "calm", epochs=2)
    events = list(run(calm))
    assert len([e for e in events if isinstance(e, EpochDone)]) == 2
    assert not [e for e in events if isinstance(e, Log) and e.level == "warning"]
