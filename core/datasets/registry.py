"""The dataset readers by name: the one table the CLI, the cache and the GUI look up.

Built-in: ``nw-ucla`` (NW-UCLA ``all_sqe``), ``ntu60`` and ``ntu120`` (NTU RGB+D raw
``.skeleton`` files), ``pkummd1`` and ``pkummd2`` (PKU-MMD action instances), ``custom`` (the user's
recordings and ``labels.csv``). Other
readers can be added with :func:`register`.
"""

from __future__ import annotations

from core.datasets.base import DatasetReader
from core.datasets.custom import CustomReader
from core.datasets.ntu import NtuReader
from core.datasets.pkummd import PkuMmdReader
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
