"""Real NW-UCLA clips turned into a custom dataset (the user's format), shared by tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.datasets.base import SkeletonSequence
from core.datasets.custom import import_sequence
from core.datasets.ucla import UclaReader
from core.labels import load_class_table
from tests.conftest import require_data


@pytest.fixture(scope="session")
def ucla_clips() -> list[SkeletonSequence]:
    """Real NW-UCLA clips: actions 0, 1 and 4 x subjects 1-4, view 1 (12 clips)."""
    zip_path = require_data("nw-ucla", "all_sqe.zip")
    keep: dict[tuple[int, int], SkeletonSequence] = {}
    for seq in UclaReader().scan(zip_path):
        key = (seq.label, seq.meta["subject"])
        if (
            seq.label in (0, 1, 4)
            and seq.meta["view"] == 1
            and seq.meta["subject"] <= 4
        ):
            keep.setdefault(key, seq)
        if len(keep) == 12:
            break
    assert len(keep) == 12
    return [keep[k] for k in sorted(keep)]


def write_takes(root: Path, clips: list[SkeletonSequence]) -> Path:
    """A custom dataset with one take per clip, labelled with its NW-UCLA class name."""
    names = load_class_table("nw-ucla").names
    for seq in clips:
        import_sequence(
            root, seq.name, seq, action=names[seq.label],
            subject=f"s{seq.meta['subject']}",
        )  # fmt: skip
    return root
