"""Words in messages."""

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
