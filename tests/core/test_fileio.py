"""Atomic writes: a failure is reported for the file asked for, not its temporary."""

from __future__ import annotations

import errno

import pytest

from core.cli import error_message
from core.fileio import atomic_path


def test_a_failed_write_names_the_file_asked_for_and_leaves_nothing(tmp_path):
    """``ms2l novelty`` on a read-only run folder said
    ``run/.novelty.npz.23676.ef9eb333.tmp: Read-only file system``."""
    target = tmp_path / "novelty.npz"
    with pytest.raises(OSError) as err, atomic_path(target) as tmp:
        tmp.write_bytes(b"half")  # half a write, then the disk refuses
        raise OSError(errno.EROFS, "Read-only file system", str(tmp))
    assert err.value.filename == str(target)
    assert error_message(err.value) == f"{target}: Read-only file system"
    assert list(tmp_path.iterdir()) == []
    # Another file's error is left as it is.
    other = tmp_path / "input.npy"
    with pytest.raises(OSError) as err, atomic_path(target):
        raise OSError(errno.ENOENT, "No such file or directory", str(other))
    assert err.value.filename == str(other)
