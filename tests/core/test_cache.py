"""The memory-mapped clip store: round trip, reuse, rebuild on change, bad files, CLI."""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
import time

import numpy as np
import pytest

from core.cli import main
from core.datasets.cache import (
    LOCK_NAME,
    CacheBadFile,
    CacheNote,
    CacheProgress,
    CacheReady,
    CacheWaiting,
    ClipStore,
    open_store,
    prepare,
    store_path,
)
from core.datasets.ucla import UclaReader
from core.skeleton import get_layout
from tests.conftest import require_data


def _write(folder, name, t, seed):
    """A sample of ``t`` random frames of a person upright, in metres (the reader
    refuses a skeleton in other units or upside down)."""
    frames = np.random.default_rng(seed).normal(scale=0.05, size=(t, 20, 3))
    lay = get_layout("ucla20")
    frames[:, [lay.index("ShoulderLeft"), lay.index("ShoulderRight")], 1] += 0.45
    frames = frames.astype(np.float32)
    (folder / f"{name}.json").write_text(
        json.dumps({"file_name": name, "skeletons": frames.tolist()})
    )
    return frames


def test_round_trip_keeps_true_lengths(tmp_path):
    src = tmp_path / "all_sqe"
    src.mkdir()
    a = _write(src, "a01_s01_e00_v01", 7, 0)
    b = _write(src, "a12_s02_e01_v03", 1, 1)
    events = list(prepare("nw-ucla", src, tmp_path / "cache"))
    assert [type(e) for e in events] == [CacheProgress, CacheProgress, CacheReady]
    ready = events[-1]
    assert ready.rebuilt and ready.num_clips == 2 and ready.num_frames == 8
    store = ClipStore.open(ready.path)
    assert len(store) == 2 and store.lengths.tolist() == [7, 1]
    assert isinstance(store._frames, np.memmap) and not store[0].flags.writeable
    np.testing.assert_array_equal(store[0][:, 0], a)
    np.testing.assert_array_equal(store[-1][:, 0], b)
    seq = store.sequence(1)
    assert (seq.name, seq.label, seq.layout, seq.meta["view"]) == (
        "a12_s02_e01_v03",
        9,
        "ucla20",
        3,
    )
    assert store.class_names[6] == "donning"
    with pytest.raises(IndexError):
        store[2]


def test_reused_when_fresh_and_rebuilt_when_sources_change(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    _write(src, "a01_s01_e00_v01", 3, 0)
    cache = tmp_path / "cache"
    first = list(prepare("nw-ucla", src, cache))[-1]
    again = list(prepare("nw-ucla", src, cache))
    assert len(again) == 1 and not again[0].rebuilt
    # Same file name, new content and time stamp: the store must be rebuilt.
    new = _write(src, "a01_s01_e00_v01", 5, 3)
    stamp = time.time() + 10
    os.utime(src / "a01_s01_e00_v01.json", (stamp, stamp))
    store = open_store("nw-ucla", src, cache)
    assert store.lengths.tolist() == [5]
    np.testing.assert_array_equal(store[0][:, 0], new)
    assert store.path == first.path
    # The old build's files are gone; one build's files remain.
    names = sorted(p.name for p in first.path.iterdir() if not p.name.startswith("."))
    assert len(names) == 3 and "index.json" in names
    _write(src, "a02_s01_e00_v01", 2, 4)
    assert len(open_store("nw-ucla", src, cache)) == 2


def _two_clips(tmp_path):
    """A source folder of two clips (3 and 4 frames) and a cache folder."""
    src = tmp_path / "src"
    src.mkdir()
    _write(src, "a01_s01_e00_v01", 3, 0)
    _write(src, "a02_s01_e00_v01", 4, 1)
    return src, tmp_path / "cache"


def test_a_store_is_built_once_when_two_builders_start_together(tmp_path):
    # Two runs started side by side: the second waits while the first builds (a lock
    # file, so it works between processes), then reuses that build instead of building
    # it again and removing the files the first one is about to open.
    src, cache = _two_clips(tmp_path)
    first = prepare("nw-ucla", src, cache)
    assert isinstance(next(first), CacheProgress)  # first holds the lock, mid-build
    second = prepare("nw-ucla", src, cache)
    note = next(second)
    assert isinstance(note, CacheNote) and "another process" in note.message
    assert isinstance(next(second), CacheWaiting)
    # Still waiting: the first has not finished.
    assert isinstance(next(second), CacheWaiting)
    built = list(first)[-1]
    assert isinstance(built, CacheReady) and built.rebuilt
    rest = list(second)
    assert all(isinstance(e, CacheWaiting) for e in rest[:-1])
    assert isinstance(rest[-1], CacheReady) and not rest[-1].rebuilt
    assert (built.path / LOCK_NAME).is_file()
    assert len(list(built.path.glob("clips-*.f32"))) == 1
    assert ClipStore.open(built.path).lengths.tolist() == [3, 4]


def test_a_builder_that_stops_early_releases_the_lock(tmp_path):
    src, cache = _two_clips(tmp_path)
    cancelled = prepare("nw-ucla", src, cache)
    next(cancelled)
    cancelled.close()  # Cancel while building
    events = list(prepare("nw-ucla", src, cache))
    assert not any(isinstance(e, (CacheNote, CacheWaiting)) for e in events)
    assert events[-1].rebuilt and events[-1].num_clips == 2


def test_opening_while_another_process_rebuilds_reads_a_complete_build(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    frames = _write(src, "a01_s01_e00_v01", 50, 0)
    cache = tmp_path / "cache"
    path = list(prepare("nw-ucla", src, cache))[-1].path
    done = threading.Event()
    errors: list[BaseException] = []

    def rebuild() -> None:
        try:
            for _ in range(60):
                list(prepare("nw-ucla", src, cache, force=True))
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            done.set()

    worker = threading.Thread(target=rebuild)
    worker.start()
    opened = 0
    while not done.is_set():
        np.testing.assert_array_equal(ClipStore.open(path)[0][:, 0], frames)
        opened += 1
    worker.join()
    assert not errors and opened > 0


def test_bad_files_are_reported_and_left_out(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    _write(src, "a01_s01_e00_v01", 3, 0)
    (src / "a02_s01_e00_v01.json").write_text('{"file_name": "a02_s01_e00_v01"}')
    events = list(prepare("nw-ucla", src, tmp_path / "c"))
    bad = [e for e in events if isinstance(e, CacheBadFile)]
    assert len(bad) == 1 and "a02_s01_e00_v01.json" in str(bad[0].error)
    store = ClipStore.open(events[-1].path)
    assert store.names == ["a01_s01_e00_v01"] and len(store.bad_files) == 1


def test_damaged_store_is_rebuilt(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    _write(src, "a01_s01_e00_v01", 3, 0)
    path = list(prepare("nw-ucla", src, tmp_path / "c"))[-1].path
    frames_file = next(path.glob("clips-*.f32"))
    frames_file.write_bytes(b"\0" * 8)
    with pytest.raises(ValueError, match="rebuild"):
        ClipStore.open(path)
    events = list(prepare("nw-ucla", src, tmp_path / "c"))
    assert events[-1].rebuilt and len(ClipStore.open(path)) == 1


def test_store_path_depends_on_root(tmp_path):
    assert store_path("nw-ucla", tmp_path / "a", tmp_path) != store_path(
        "nw-ucla", tmp_path / "b", tmp_path
    )


def test_real_nw_ucla_store_and_cli_info(tmp_path, capsys):
    root = require_data("nw-ucla", "all_sqe.zip")
    store = open_store("nw-ucla", root, tmp_path)
    assert len(store) == 1484 and store.num_frames == int(store.lengths.sum())
    direct = {c.name: c.joints for c in UclaReader().scan(root)}
    for i in (0, 700, 1483):
        np.testing.assert_array_equal(store[i], direct[store.names[i]])
    status = main(["data", "info", "--dataset", "nw-ucla", "--root", str(root),
                   "--cache-dir", str(tmp_path), "--quiet"])  # fmt: skip
    out = capsys.readouterr().out
    assert status == 0
    assert "1484 clips" in out and "10 classes" in out
    assert "protocol xview: 1020 train / 464 test" in out
    # the model's numbers from 0 with the dataset's own ids, as Replay names them
    assert re.search(r"^ +6 donning \(a08\) +99 +43$", out, re.M), out
    status = main(["data", "info", "--dataset", "nw-ucla", "--root", str(root),
                   "--cache-dir", str(tmp_path), "--quiet", "--json"])  # fmt: skip
    summary = json.loads(capsys.readouterr().out)
    assert summary["splits"] == {"train": 1020, "test": 464}
    assert sum(summary["per_class"]["train"]) == 1020 and summary["classes"] == 10
    assert (
        summary["length"]["all"]["min"] == 1 and summary["length"]["all"]["max"] == 201
    )
    # xview-val's held-out view validates: it is not called a test split
    status = main(["data", "info", "--dataset", "nw-ucla", "--root", str(root),
                   "--cache-dir", str(tmp_path), "--quiet", "--protocol", "xview-val"])  # fmt: skip
    out = capsys.readouterr().out
    assert (
        "protocol xview-val: 516 train / 504 validation" in out and " test" not in out
    )


def test_cli_prepare_progress_and_missing_root(tmp_path, capsys):
    src = tmp_path / "src"
    src.mkdir()
    _write(src, "a01_s01_e00_v01", 3, 0)
    assert main(["data", "prepare", "--dataset", "nw-ucla", "--root", str(src),
                 "--cache-dir", str(tmp_path / "c")]) == 0  # fmt: skip
    captured = capsys.readouterr()
    assert "1/1 (100%)" in captured.err and "built: 1 clips, 3 frames" in captured.out
    assert main(["data", "prepare", "--dataset", "nw-ucla", "--root", str(tmp_path / "nope"),
                 "--cache-dir", str(tmp_path / "c")]) == 2  # fmt: skip
    assert "no such file" in capsys.readouterr().err


def test_cli_names_what_it_left_out_and_fails_on_a_folder_of_no_clip(tmp_path, capsys):
    """A folder that gave no clip said "0 clips" and exited 0; skipped files were
    counted, not named; a second prepare pointed at "messages above" it had not
    printed (a user trial)."""
    shared = require_data("ntu", "S001C001P001R001A001.skeleton")
    root = tmp_path / "mine"
    root.mkdir()
    (root / "S001C001P001R001A002.skeleton").write_bytes(b"0\r\n")  # no frame
    (root / "S001C001P001R001A003.skeleton").write_bytes(b"\x00\xff\x13" * 50)
    shutil.copy(shared, root / "S005C001P001R001A130.skeleton")
    argv = ["data", "info", "--dataset", "ntu120", "--root", str(root),
            "--cache-dir", str(tmp_path / "c"), "--quiet"]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"ms2l data info: error: {root}: no ntu120 clip in it" in err
    assert "A002.skeleton: no frame: the file declares 0 frames" in err
    assert "A130.skeleton: action A130 is none of NTU RGB+D's (A001-A120)" in err
    assert "A003.skeleton:1: expected frame count (an integer), got bytes that" in err
    assert err.count("A003.skeleton:1:") == 1  # found by the build: printed once

    shutil.copy(shared, root / shared.name)
    prepare = ["data", "prepare", *argv[2:]]
    assert main(prepare) == 0
    capsys.readouterr()
    assert main(prepare) == 0  # up to date: the bad file is listed, not "above"
    out = capsys.readouterr().out
    assert "up to date: 1 clips" in out and "see messages above" not in out
    assert "1 bad file left out:\n" in out and "A003.skeleton:1:" in out
    assert "2 items skipped" in out and "A130 is none of" in out


def test_a_prebuilt_store_on_a_read_only_mount_is_still_used(tmp_path, monkeypatch):
    # As root (the CI), a read-only folder cannot be simulated with permissions, so the
    # lock file's creation fails the way a read-only mount makes it fail.
    import errno

    from core.filelock import FileLock

    src, cache = _two_clips(tmp_path)
    list(prepare("nw-ucla", src, cache))

    def read_only(self):
        raise OSError(errno.EROFS, "Read-only file system", str(self.path))

    monkeypatch.setattr(FileLock, "try_acquire", read_only)
    events = list(prepare("nw-ucla", src, cache))
    assert len(events) == 1 and not events[0].rebuilt and events[0].num_clips == 2
    monkeypatch.setattr(
        FileLock,
        "try_acquire",
        lambda self: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space left")),
    )
    with pytest.raises(OSError, match="No space"):
        list(prepare("nw-ucla", src, cache))


def test_a_folder_without_the_datasets_files_leaves_no_cache_folder(tmp_path, capsys):
    """Each failed `data info` on a folder of none of the dataset's files left an
    empty cache folder holding a lock file (a trial)."""
    (tmp_path / "empty").mkdir()
    for dataset in ("nw-ucla", "ntu60", "custom"):
        argv = ["data", "info", "--dataset", dataset, "--root", str(tmp_path / "empty"),
                "--cache-dir", str(tmp_path / "c")]  # fmt: skip
        assert main(argv) == 2
        assert f"{tmp_path / 'empty'}: no " in capsys.readouterr().err
    assert list((tmp_path / "c").iterdir()) == []


def test_data_info_says_a_split_without_clips_has_none(tmp_path, capsys):
    """The four NTU files are all training clips by subject: the test row printed
    '0 0.0 0.0 0.0 0', read as clips (a trial)."""
    root = require_data("ntu")
    argv = ["data", "info", "--dataset", "ntu60", "--root", str(root),
            "--cache-dir", str(tmp_path / "c"), "--quiet"]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "protocol xsub: 4 train / 0 test" in out
    assert "\n  test             (no clip)\n" in out
    assert "\n  train            70    78.0" in out
