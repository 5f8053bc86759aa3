"""Words in messages."""

import pytest

from core.text import count


def test_counts_say_one_and_many_in_english():
    """'1 classes' in data info's summary (a trial)."""
    assert [count(n, "class") for n in (0, 1, 3)] == [
        "0 classes",
        "1 class",
        "3 classes",
    ]
    assert [count(n, "epoch") for n in (1, 2)] == ["1 epoch", "2 epochs"]
    assert count(2, ".skeleton file") == "2 .skeleton files"


def test_padding_counts_the_columns_a_terminal_gives_each_character():
    """data info's class table moved its columns after a Chinese name (a trial)."""
    from core.text import pad_to, terminal_width

    assert [terminal_width(t) for t in ("wave", "起立", "Hände", "Ha\u0308nde")] == [
        4, 4, 5, 5
    ]  # fmt: skip
    rows = [pad_to(name, 10) + "|" for name in ("wave", "起立", "Hände", "挥手 wave")]
    assert {terminal_width(row) for row in rows} == {11}
    assert pad_to("a long name", 4) == "a long name"  # never cut


def test_pace_times_the_work_left_from_the_first_step_seen(monkeypatch):
    from core import text

    clock = iter([100.0, 110.0, 112.0, 114.0, 116.0])
    monkeypatch.setattr(text.time, "perf_counter", lambda: next(clock))
    pace = text.Pace()
    assert pace.left(0, 10) is None  # nothing done yet: no first step
    assert pace.left(2, 10) is None  # the first step seen (after the warm-up)
    assert pace.left(4, 10) == pytest.approx(6.0)  # 1 s a step since, 6 to go
    assert pace.left(10, 10) is None  # done
    assert pace.left(2, 10) is None  # back at the first step: no pace
