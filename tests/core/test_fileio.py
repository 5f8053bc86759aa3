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


def test_a_folder_that_cannot_be_written_to_is_said_before_the_work(tmp_path, capsys):
    """A take into a read-only folder, or videos extracted there, failed at their end
    with "[Errno 30] Read-only file system" on a temporary file (a trial). As root (the
    CI) no folder is read-only by its permissions: a file where the folder would be
    stands for it here, and the permission case runs as another user when possible."""
    import os
    from pathlib import Path

    from core.cli import main
    from core.fileio import unwritable_folder
    from tests.conftest import require_data

    afile = tmp_path / "a-file"
    afile.write_text("")
    assert unwritable_folder(afile / "ds") == f"{afile} is not a folder"
    assert unwritable_folder(tmp_path / "new" / "ds") == ""  # made when missing
    videos = require_data("videos")
    assert main(["data", "extract", str(videos), "--out", str(afile / "ds")]) == 2
    assert capsys.readouterr().err == (
        f"ms2l data extract: error: --out {afile / 'ds'}: {afile} is not a folder\n"
    )
    if os.geteuid() == 0:
        os.seteuid(65534)
        try:
            assert unwritable_folder(Path("/") / "ds") == (
                "the folder / cannot be written to (read-only)"
            )
        finally:
            os.seteuid(0)
