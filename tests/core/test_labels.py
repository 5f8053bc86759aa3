"""Shipped class tables: sizes, ids in the datasets' own spelling, round trip."""

from __future__ import annotations

import json

import pytest

from core.labels import class_names, load_class_table, parse_class_table


@pytest.mark.parametrize(
    ("dataset", "count", "first", "last"),
    [
        ("nw-ucla", 10, ("a01", "pick up with one hand"), ("a12", "carry")),
        ("ntu60", 60, ("A001", "drink water"), ("A060", "walking apart from each other")),
        ("ntu120", 120, ("A001", "drink water"),
         ("A120", "finger-guessing game (playing rock-paper-scissors)")),
        ("pkummd1", 51, ("1", "bow"), ("51", "writing")),
        ("pkummd2", 51, ("1", "bow"), ("51", "writing")),
    ],
)  # fmt: skip
def test_tables(dataset, count, first, last):
    table = load_class_table(dataset)
    assert table.num_classes == count == len(set(table.ids))
    assert (table.ids[0], table.names[0]) == first
    assert (table.ids[-1], table.names[-1]) == last
    assert class_names(dataset) == list(table.names)


def test_ucla_ids_skip_a07_and_a10():
    t = load_class_table("nw-ucla")
    assert [t.index_of_id(i) for i in ("a06", "a08", "a09", "a11", "a12")] == [
        5,
        6,
        7,
        8,
        9,
    ]
    with pytest.raises(KeyError):
        t.index_of_id("a07")


def test_ntu120_extends_ntu60():
    assert class_names("ntu120")[:60] == class_names("ntu60")


def test_round_trip_and_bad_tables(tmp_path):
    t = load_class_table("ntu60")
    path = tmp_path / "labels.json"
    path.write_text(json.dumps(t.to_json()))
    assert parse_class_table(path) == t
    path.write_text('{"classes": [{"index": 1, "name": "x"}]}')
    with pytest.raises(ValueError, match="0..0"):
        parse_class_table(path)
    path.write_text("nope")
    with pytest.raises(ValueError, match="not a class table"):
        parse_class_table(path)
    with pytest.raises(KeyError):
        load_class_table("kinetics")
