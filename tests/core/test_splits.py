"""Protocol splits from metadata and the seeded class-balanced labelled subsets."""

from __future__ import annotations

import numpy as np
import pytest

from core.datasets.splits import (
    NTU60_TRAIN_SUBJECTS,
    NTU120_TRAIN_SUBJECTS,
    labelled_subset,
    protocols,
    split_indices,
    split_of,
)


def test_nw_ucla_view3_is_test():
    assert [split_of("nw-ucla", "xview", {"view": v}) for v in (1, 2, 3)] == [
        "train",
        "train",
        "test",
    ]


def test_nw_ucla_validation_protocol_never_touches_view3():
    sides = [split_of("nw-ucla", "xview-val", {"view": v}) for v in (1, 2, 3)]
    assert sides == ["train", "test", "unused"]
    metas = [{"view": v} for v in (3, 1, 2, 3, 2)]
    idx = split_indices("nw-ucla", "xview-val", metas)
    assert idx["train"].tolist() == [1] and idx["test"].tolist() == [2, 4]


def test_ntu60_xsub_and_xview():
    assert len(NTU60_TRAIN_SUBJECTS) == 20 and len(NTU120_TRAIN_SUBJECTS) == 53
    meta = {"setup": 1, "camera": 1, "performer": 1}
    assert split_of("ntu60", "xsub", meta) == "train"
    assert split_of("ntu60", "xsub", meta | {"performer": 3}) == "test"
    assert split_of("ntu60", "xview", meta) == "test"
    assert split_of("ntu60", "xview", meta | {"camera": 2}) == "train"
    assert split_of("ntu60", "xview", meta | {"camera": 3}) == "train"


def test_ntu120_xsub_and_xset():
    assert split_of("ntu120", "xsub", {"performer": 103}) == "train"
    assert split_of("ntu120", "xsub", {"performer": 104}) == "test"
    assert split_of("ntu120", "xset", {"setup": 32}) == "train"
    assert split_of("ntu120", "xset", {"setup": 31}) == "test"
    assert protocols("ntu120") == ("xsub", "xset")


def test_pkummd_uses_recorded_official_split():
    meta = {"splits": {"xsub": "train", "xview": "test"}}
    assert split_of("pkummd1", "xsub", meta) == "train"
    assert split_of("pkummd1", "xview", meta) == "test"
    with pytest.raises(KeyError, match="split files"):
        split_of("pkummd1", "xsub", {})


def test_unknown_names_and_missing_meta():
    with pytest.raises(KeyError):
        split_of("nw-ucla", "xsub", {"view": 1})
    with pytest.raises(KeyError):
        split_of("kinetics", "xsub", {})
    with pytest.raises(KeyError, match="lacks"):
        split_of("ntu60", "xsub", {"camera": 1})


def test_split_indices_partition():
    metas = [{"view": v} for v in (3, 1, 2, 3, 1)]
    sides = split_indices("nw-ucla", "xview", metas)
    assert sides["train"].tolist() == [1, 2, 4] and sides["test"].tolist() == [0, 3]


def test_labelled_subset_is_balanced_seeded_and_nonempty_per_class():
    labels = np.repeat(np.arange(10), [102, 102, 96, 124, 101, 102, 99, 99, 98, 97])
    one = labelled_subset(labels, 0.01, seed=0)
    assert np.bincount(labels[one], minlength=10).tolist() == [1] * 10
    ten = labelled_subset(labels, 0.1, seed=0)
    counts = np.bincount(labels[ten], minlength=10)
    assert counts.tolist() == [10, 10, 10, 12, 10, 10, 10, 10, 10, 10]
    assert np.array_equal(ten, labelled_subset(labels, 0.1, seed=0))
    assert not np.array_equal(ten, labelled_subset(labels, 0.1, seed=1))
    assert np.all(np.diff(ten) > 0)
    assert labelled_subset(labels, 1.0).size == labels.size
    with pytest.raises(ValueError):
        labelled_subset(labels, 0.0)
    with pytest.raises(ValueError):
        labelled_subset([-1, 0], 0.5)


def test_xview_val_keeps_view_3_out():
    assert [split_of("nw-ucla", "xview-val", {"view": v}) for v in (1, 2, 3)] == [
        "train",
        "test",
        "unused",
    ]
    sides = split_indices("nw-ucla", "xview-val", [{"view": v} for v in (3, 1, 2, 3)])
    assert sides["train"].tolist() == [1] and sides["test"].tolist() == [2]


def test_per_class_subset_draws_k_of_each_class_seeded():
    from core.datasets.splits import per_class_subset

    labels = np.repeat(np.arange(4), [10, 3, 8, 12])
    five = per_class_subset(labels, 5, seed=0)
    assert np.bincount(labels[five]).tolist() == [5, 3, 5, 5]
    assert np.array_equal(five, per_class_subset(labels, 5, seed=0))
    assert not np.array_equal(five, per_class_subset(labels, 5, seed=1))
    with pytest.raises(ValueError):
        per_class_subset(labels, 0)


def test_nw_ucla_validation_protocol_uses_the_training_views_only():
    sides = [split_of("nw-ucla", "xview-val", {"view": v}) for v in (1, 2, 3)]
    assert sides == ["train", "test", "unused"]
    metas = [{"view": v} for v in (3, 1, 2, 1, 3, 2)]
    idx = split_indices("nw-ucla", "xview-val", metas)
    assert idx["train"].tolist() == [1, 3] and idx["test"].tolist() == [2, 5]


def test_an_unknown_protocol_lists_the_known_ones_as_words():
    """They were printed as a Python tuple: "known: ('recording', 'subject')"."""
    from core.datasets.splits import split_indices

    with pytest.raises(KeyError, match="known: recording, subject"):
        split_indices("custom", "bogus", [])
    with pytest.raises(KeyError, match="known: xsub, xview"):
        split_indices("ntu60", "bogus", [{"performer": 1, "camera": 1}])
