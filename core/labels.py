"""Class-name tables of the supported datasets, read from ``resources/labels/*.json``.

Each table is data: a JSON file per dataset listing, in label order, the 0-based index, the
id the dataset's own files use (``"a08"`` for NW-UCLA, ``"A001"`` for NTU, ``"1"`` for
PKU-MMD) and a human-readable name. Readers map ids to indices with these tables, run
folders copy them as ``labels.json``, and the GUI shows their names.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.paths import LABELS_DIR

if TYPE_CHECKING:
    from core.datasets.base import SkeletonSequence

# Dataset name -> label table file stem; both PKU-MMD parts share the 51-action table.
_TABLE_FILES: dict[str, str] = {
    "nw-ucla": "nw-ucla",
    "ntu60": "ntu60",
    "ntu120": "ntu120",
    "pkummd1": "pkummd",
    "pkummd2": "pkummd",
}


@dataclass(frozen=True)
class ClassTable:
    """The classes of one dataset.

    Attributes:
        dataset: Dataset name (``"nw-ucla"``).
        ids: Class ids as written in the dataset's files, in label order.
        names: Human-readable class names, in label order.
    """

    dataset: str
    ids: tuple[str, ...]
    names: tuple[str, ...]

    @property
    def num_classes(self) -> int:
        """Number of classes."""
        return len(self.names)

    def index_of_id(self, class_id: str) -> int:
        """0-based label of a dataset class id.

        Raises:
            KeyError: If the id is not a class of this dataset.
        """
        try:
            return self.ids.index(class_id)
        except ValueError:
            raise KeyError(f"{self.dataset}: unknown class id {class_id!r}") from None

    def to_json(self) -> dict[str, object]:
        """The table as the JSON document stored in resources and run folders."""
        return {
            "dataset": self.dataset,
            "classes": [
                {"index": i, "id": cid, "name": name}
                for i, (cid, name) in enumerate(zip(self.ids, self.names))
            ],
        }


def labels_file(dataset: str) -> Path:
    """Path of the shipped JSON table for ``dataset``.

    Raises:
        KeyError: If no table exists for that dataset name.
    """
    try:
        return LABELS_DIR / f"{_TABLE_FILES[dataset]}.json"
    except KeyError:
        raise KeyError(
            f"no class table for dataset {dataset!r}; known: {sorted(_TABLE_FILES)}"
        ) from None


def parse_class_table(
    path: str | os.PathLike[str], dataset: str | None = None
) -> ClassTable:
    """Read a class table JSON (a shipped table or a run folder's ``labels.json``).

    Args:
        path: The JSON file.
        dataset: Name to record when the file has none.

    Returns:
        The table.

    Raises:
        ValueError: If the file is not a valid table (indices must be 0..K-1 in order).
    """
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
        classes = doc["classes"]
        indices = [int(c["index"]) for c in classes]
        ids = tuple(str(c.get("id", c["index"])) for c in classes)
        names = tuple(str(c["name"]) for c in classes)
    except (OSError, ValueError, RecursionError) as exc:  # unreadable, not JSON
        raise ValueError(f"{path}: not a class table ({exc})") from None
    except (KeyError, TypeError, AttributeError):  # JSON of another shape
        raise ValueError(
            f'{path}: not a class table (expected {{"classes": [{{"index": 0, '
            f'"name": ...}}, ...]}})'
        ) from None
    if indices != list(range(len(indices))):
        raise ValueError(
            f"{path}: class indices must be 0..{len(indices) - 1} in order"
        )
    return ClassTable(
        dataset=str(doc.get("dataset", dataset or path.stem)), ids=ids, names=names
    )


def load_class_table(dataset: str) -> ClassTable:
    """The shipped class table of a dataset.

    Raises:
        KeyError: If the dataset has no table.
    """
    table = parse_class_table(labels_file(dataset))
    return ClassTable(dataset=dataset, ids=table.ids, names=table.names)


def class_ids(dataset: str, names: list[str]) -> tuple[str, ...] | None:
    """The class ids of the files of the dataset with the classes ``names``
    (``a11``, ``A001``, ``26``): ``dataset``'s, or another shipped table's of the
    same classes (an NTU file opened on its own in Replay while its Dataset box said
    otherwise read "(49)" for its folder's "(A050)": a trial); ``None`` for a custom
    dataset or other classes."""
    for name in (dataset, *(d for d in _TABLE_FILES if d != dataset)):
        table = _shipped_table(name)
        if table is not None and list(table.names) == list(names):
            return table.ids
    return None


@functools.cache
def _shipped_table(dataset: str) -> ClassTable | None:
    """The shipped class table, read once (NW-UCLA's names 1484 clips)."""
    try:
        return load_class_table(dataset)
    except (KeyError, OSError, ValueError):
        return None


def class_names(dataset: str) -> list[str]:
    """Class names of a dataset in label order.

    Raises:
        KeyError: If the dataset has no table.
    """
    return list(load_class_table(dataset).names)


def names_for_sequence(seq: SkeletonSequence) -> list[str]:
    """Class names of the dataset a recording most likely came from.

    The one guess used by Replay and ``ms2l infer`` for a file opened on its own: the
    names its reader found (``meta["class_names"]``, a recording of the user's own
    dataset), the dataset its reader recorded in ``meta["dataset"]``, else NW-UCLA for
    the ``ucla20`` layout, PKU-MMD for a sequence with labelled intervals, NTU RGB+D 120
    (then 60) for other ``ntu25`` clips.

    Args:
        seq: The recording.

    Returns:
        The class names in label order, or ``[]`` when no table fits.
    """
    if "class_names" in seq.meta:  # even none: a recording of an unlabelled dataset
        return [str(name) for name in seq.meta["class_names"]]
    dataset = seq.meta.get("dataset")
    candidates = [str(dataset)] if dataset else []
    if seq.layout == "ucla20":
        candidates.append("nw-ucla")
    if "intervals" in seq.meta:
        candidates += ["pkummd", "pkummd1"]
    elif seq.layout == "ntu25":
        candidates += ["ntu120", "ntu60"]
    for name in candidates:
        try:
            return class_names(name)
        except (KeyError, FileNotFoundError, ValueError):
            continue
    return []


def class_change(trained: list[str], now: list[str]) -> str:
    """How a dataset's classes differ from those a model was trained on: ``""`` when
    they are the same, in the same order; else the actions added and removed (or
    "the same actions in another order")."""
    if list(trained) == list(now):
        return ""
    added = [n for n in now if n not in trained]
    removed = [n for n in trained if n not in now]
    parts = []
    if added:
        parts.append("added " + ", ".join(repr(n) for n in added))
    if removed:
        parts.append("removed " + ", ".join(repr(n) for n in removed))
    return "; ".join(parts) or "the same actions in another order"
