"""The dataset readers by name: the one table the CLI, the cache and the GUI look up.

Built-in: ``nw-ucla`` (NW-UCLA ``all_sqe``), ``ntu60`` and ``ntu120`` (NTU RGB+D raw
``.skeleton`` files), ``pkummd1`` and ``pkummd2`` (PKU-MMD action instances), ``custom`` (the user's
recordings and ``labels.csv``). Other
readers can be added with :func:`register`.
"""

from __future__ import annotations

import itertools
import os
import zipfile
from pathlib import Path, PurePath

from core.datasets.base import DatasetReader
from core.datasets.custom import CustomReader, recording_files
from core.datasets.ntu import NAME_RE as NTU_NAME_RE
from core.datasets.ntu import NtuReader
from core.datasets.pkummd import PART1_RE, PART2_RE, PkuMmdReader
from core.datasets.scanning import is_hidden
from core.datasets.ucla import NAME_RE as UCLA_NAME_RE
from core.datasets.ucla import UclaReader

READERS: dict[str, DatasetReader] = {}
"""Registered readers by dataset name."""


def register(reader: DatasetReader) -> DatasetReader:
    """Add a reader to :data:`READERS` under ``reader.name``.

    Args:
        reader: The reader.

    Returns:
        The same reader.
    """
    READERS[reader.name] = reader
    return reader


def get_reader(name: str) -> DatasetReader:
    """Return the reader registered under ``name``.

    Args:
        name: A dataset name (``ms2l --dataset``).

    Returns:
        The reader.

    Raises:
        KeyError: Naming the known datasets, if ``name`` is unknown.
    """
    try:
        return READERS[name]
    except KeyError:
        raise KeyError(f"unknown dataset {name!r}; known: {sorted(READERS)}") from None


register(UclaReader())
register(NtuReader("ntu60", max_action=60, max_setup=17))
register(NtuReader("ntu120", max_action=120, max_setup=32))
register(PkuMmdReader(part=1))
register(PkuMmdReader(part=2))
register(CustomReader())


# Files looked at to tell a dataset by its file names (NTU-120 holds 114 480: all of
# them, as its actions beyond NTU-60's come last; a review).
_LOOKED_AT = 200_000


def dataset_held(root: str | os.PathLike[str], chosen: str) -> str:
    """The dataset to read ``root`` (a folder or a zip) as: ``chosen`` when it holds
    that dataset's files or none that another's names tell; else the dataset its files
    are named as (NTU's ``S…A…``: ``ntu120`` when an action is beyond 60, else
    ``ntu60``; NW-UCLA's ``a…_s…_e…_v…``; PKU-MMD's parts; a custom dataset's
    recordings). Replay read an NTU folder as NW-UCLA because its Dataset box said
    so, and the box could not be moved while NW-UCLA was open (a trial).
    """
    root = Path(root).expanduser()
    if root.is_file() and zipfile.is_zipfile(root):
        with zipfile.ZipFile(root) as archive:
            members = (
                PurePath(info.filename.replace("\\", "/"))
                for info in archive.infolist()
            )
            held = _named_datasets(list(itertools.islice(members, _LOOKED_AT)), "")
    elif root.is_dir():
        walk = (
            Path(folder, name).relative_to(root)
            for folder, _, files in os.walk(root)
            for name in files
        )
        # a custom dataset's recordings are counted as one more kind (a notes.jsonl
        # beside NTU files made the folder "custom": a review)
        held = _named_datasets(
            list(itertools.islice(walk, _LOOKED_AT)),
            root.name,
            recordings=len(recording_files(root)),
        )
    else:
        return chosen
    if not held or chosen in held:
        return chosen
    return held[0]


def _named_datasets(
    names: list[PurePath], folder: str, recordings: int = 0
) -> list[str]:
    """The datasets whose files are among ``names`` (paths inside the folder named
    ``folder``; ``recordings`` of a custom dataset there), most files first."""
    counts: dict[str, int] = {"custom": recordings} if recordings else {}
    ntu_actions = []
    for path in names:
        if is_hidden(path):
            continue
        suffix, stem = path.suffix.lower(), path.stem
        if suffix == ".skeleton" and (m := NTU_NAME_RE.fullmatch(stem)):
            ntu_actions.append(int(m.group(5)))
        elif suffix == ".json" and UCLA_NAME_RE.fullmatch(stem):
            counts["nw-ucla"] = counts.get("nw-ucla", 0) + 1
        elif suffix == ".txt" and any(
            "skeleton" in p.lower() for p in (folder, *path.parts[:-1])
        ):
            for part, pattern in (("pkummd1", PART1_RE), ("pkummd2", PART2_RE)):
                if pattern.fullmatch(stem):
                    counts[part] = counts.get(part, 0) + 1
    if ntu_actions:
        # NTU-120 reads NTU-60's files too: its table when any action needs it
        # (more files than NTU-60's, or as many: NTU-60 first then)
        if (within := sum(a <= 60 for a in ntu_actions)) > 0:
            counts["ntu60"] = within
        counts["ntu120"] = len(ntu_actions)
    return sorted(counts, key=lambda name: -counts[name])
