"""Damaged real files: each is reported in one line naming it, and the rest goes on.

Every damaged file is a copy of a real dataset file made in ``tmp_path`` (the shared
data is never touched): a zip member with corrupt deflate data, JSON nested 100000
deep, NTU coordinates beyond float32, a PKU-MMD line too short followed by one too
long, an NTU file with an odd name, a clip cache with a damaged index or offsets file,
the temporary file of a cache build killed with SIGKILL, and every kind of file saved
with a byte order mark by a Windows editor.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from core.cli import main
from core.datasets import DataFormatError, read_file
from core.datasets.cache import (
    CACHE_VERSION,
    LOCK_NAME,
    CacheNote,
    CacheReady,
    ClipStore,
    prepare,
)
from core.datasets.ntu import NtuReader, parse_lines
from core.datasets.pkummd import read_sequence
from core.datasets.scanning import FileFailed, FileRead
from core.datasets.splits import split_indices
from core.datasets.ucla import UclaReader
from tests.conftest import require_data

REPO = Path(__file__).resolve().parents[2]
UCLA_MEMBERS = 12  # members of the real zip copied into a small test zip


def _refused(path: Path) -> str:
    """The message of the :class:`DataFormatError` ``read_file(path)`` raises."""
    with pytest.raises(DataFormatError) as info:
        read_file(path)
    return str(info.value)


def _small_ucla_zip(dest: Path, extra: dict[str, bytes] | None = None) -> list[str]:
    """Copy the first real NW-UCLA members (deflated) into a new zip, plus ``extra``."""
    src = require_data("nw-ucla", "all_sqe.zip")
    with (
        zipfile.ZipFile(src) as zin,
        zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        names = sorted(n for n in zin.namelist() if n.endswith(".json"))
        names = names[:UCLA_MEMBERS]
        for name in names:
            zout.writestr(name, zin.read(name))
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return names


def _corrupt_deflate(path: Path, member: str) -> None:
    """Overwrite the start of a member's deflate stream with an invalid block type."""
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(member)
    with open(path, "r+b") as fh:
        fh.seek(info.header_offset + 26)
        name_len, extra_len = np.frombuffer(fh.read(4), dtype="<u2")
        fh.seek(info.header_offset + 30 + int(name_len) + int(extra_len))
        fh.write(b"\xff" * 8)  # BTYPE 11 is reserved: zlib says "invalid block type"


# ---------------------------------------------------------------- 1: corrupt deflate
def test_corrupt_deflate_member_is_a_bad_file_and_the_scan_goes_on(tmp_path):
    archive = tmp_path / "all_sqe.zip"
    names = _small_ucla_zip(archive)
    _corrupt_deflate(archive, names[3])
    events = list(UclaReader().scan_events(archive))
    failed = [e for e in events if isinstance(e, FileFailed)]
    assert len(failed) == 1 and len([e for e in events if isinstance(e, FileRead)]) == (
        UCLA_MEMBERS - 1
    )
    assert str(failed[0].error).startswith(f"{archive}:{names[3]}: cannot read member")
    assert "invalid block type" in str(failed[0].error)


def test_corrupt_deflate_member_in_data_info_and_ntu_zip(tmp_path, capsys):
    archive = tmp_path / "all_sqe.zip"
    names = _small_ucla_zip(archive)
    _corrupt_deflate(archive, names[0])
    argv = ["data", "info", "--dataset", "nw-ucla", "--root", str(archive)]
    assert main([*argv, "--cache-dir", str(tmp_path / "c"), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert f"{UCLA_MEMBERS - 1} clips" in out and "1 bad file left out:" in out
    assert f"{archive}:{names[0]}: cannot read member" in out

    # the NTU reader reads its zip members the same way
    ntu = tmp_path / "ntu.zip"
    with zipfile.ZipFile(ntu, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(require_data("ntu").glob("*.skeleton")):
            z.write(f, f"nturgbd_skeletons/{f.name}")
    member = "nturgbd_skeletons/S001C001P001R001A011.skeleton"
    _corrupt_deflate(ntu, member)
    events = list(NtuReader("ntu60", 60, 17).scan_events(ntu))
    failed = [e for e in events if isinstance(e, FileFailed)]
    assert [str(e.error).split(": cannot read member")[0] for e in failed] == [
        f"{ntu}:{member}"
    ]
    assert len([e for e in events if isinstance(e, FileRead)]) == 3


# ------------------------------------------------------------- 10: deeply nested JSON
def test_deeply_nested_json_is_a_bad_file_in_a_zip_a_folder_and_a_config(
    tmp_path, capsys
):
    deep = b"[" * 100_000
    archive = tmp_path / "all_sqe.zip"
    _small_ucla_zip(archive, {"all_sqe/a01_s01_e09_v01.json": deep})
    events = list(UclaReader().scan_events(archive))
    failed = [e for e in events if isinstance(e, FileFailed)]
    assert [str(e.error) for e in failed] == [
        f"{archive}:all_sqe/a01_s01_e09_v01.json: invalid JSON: nested too deeply"
    ]
    assert len(events) == UCLA_MEMBERS + 1

    single = tmp_path / "a01_s01_e09_v01.json"
    single.write_bytes(deep)
    with pytest.raises(DataFormatError, match="nested too deeply"):
        read_file(single)
    config = tmp_path / "config.json"
    config.write_bytes(deep)
    assert main(["train", "--config", str(config)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"ms2l train: error: {config}: config is not valid JSON: nested too deeply"
    ]


def test_a_truncated_zip_and_skeletons_that_are_not_a_list_say_so(tmp_path):
    """A user trial: a truncated download read as 'not a zip archive or folder', and
    ``"skeletons": "oops"`` as 'holds no frames'."""
    whole = tmp_path / "whole.zip"
    _small_ucla_zip(whole)
    cut = tmp_path / "all_sqe.zip"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(DataFormatError) as err:
        list(UclaReader().scan_events(cut))
    assert str(err.value).startswith(f"{cut}: a damaged or truncated zip archive (")
    text = tmp_path / "notes.zip"
    text.write_text("not an archive")
    with pytest.raises(DataFormatError) as err:
        list(UclaReader().scan_events(text))
    # said once, not with zipfile's "(File is not a zip file)" after it (a trial)
    assert str(err.value) == f"{text}: not a zip archive or folder"
    single = tmp_path / "a01_s01_e00_v01.json"
    single.write_text('{"file_name": "a01_s01_e00_v01", "skeletons": "oops"}')
    assert _refused(single) == (
        f"{single}:1: 'skeletons' is str 'oops', not a list of frames"
    )


# ---------------------------------------------------------- 8: overflowing numbers
@pytest.mark.parametrize("big", ["1e39", "1" * 40, "1e30", "123456.7"])
def test_ntu_value_beyond_float32_names_file_and_line(tmp_path, big):
    """Beyond float32, and (a trial: 1e30 went through as a confident answer, drawn
    as one dot) beyond any sensor's reach, ±10 km."""
    src = require_data("ntu", "S001C001P001R001A001.skeleton")
    lines = src.read_bytes().split(b"\r\n")
    # line 4 is the first joint line of frame 0 (count, body count, info, joint count)
    fields = lines[4].split(b" ")
    fields[1] = big.encode()  # its y coordinate
    lines[4] = b" ".join(fields)
    bad = tmp_path / src.name
    bad.write_bytes(b"\r\n".join(lines))
    # the active first-tier parser, then the line-by-line one
    assert _refused(bad) == (
        f"{bad}:5: coordinate out of range: {big!r} (beyond ±10000)"
    )
    with pytest.raises(DataFormatError, match=":5: coordinate out of range"):
        parse_lines(bad.read_bytes(), str(bad))


def test_a_file_unlike_its_format_says_what_it_was_read_as(tmp_path):
    """A binary .json said "not UTF-8 text" without its bytes (NTU's reader shows
    them); notes saved as .txt said "2 values, expected 150", naming no format
    (a trial)."""
    binary = tmp_path / "a01_s01_e00_v01.json"
    binary.write_bytes(bytes([0xF0, 0x06, 0x52, 0x5B]) + bytes(range(200, 256)))
    assert _refused(binary) == (
        f"{binary}: not UTF-8 text (invalid continuation byte; it starts f0 06 52 5b "
        "c8 c9 ca cb)"
    )
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\nmore\n")
    assert _refused(notes) == (
        f"{notes}:1: 2 values, expected 150 (a .txt file is read as a PKU-MMD "
        "skeleton file: 150 numbers a line)"
    )


def test_ucla_value_beyond_float32_is_refused(tmp_path):
    src = require_data("nw-ucla", "all_sqe.zip")
    with zipfile.ZipFile(src) as z:
        name = sorted(n for n in z.namelist() if n.endswith(".json"))[0]
        doc = json.loads(z.read(name))
    for big in (1e39, 1e30):
        doc["skeletons"][1][2][0] = big
        bad = tmp_path / Path(name).name
        bad.write_text(json.dumps(doc))
        assert _refused(bad) == (
            f"{bad}:1: value out of range at frame 1 joint 2 (beyond ±10000 m)"
        )


# ------------------------------------------------------- 9: PKU-MMD rows misaligned
def test_pkummd_short_then_long_line_names_the_first_bad_line(tmp_path):
    root = require_data("pkummd")
    (tmp_path / "skeleton").mkdir()
    (tmp_path / "labels").mkdir()
    shutil.copy(root / "labels" / "0005-L.txt", tmp_path / "labels" / "0005-L.txt")
    lines = (root / "skeleton" / "0005-L.txt").read_bytes().splitlines(keepends=True)
    short = lines[9].split()
    moved = short.pop()  # line 10 loses its last value to line 11: 149 then 151
    lines[9] = b" ".join(short) + b"\n"
    lines[10] = lines[10].rstrip() + b" " + moved + b"\n"
    bad = tmp_path / "skeleton" / "0005-L.txt"
    bad.write_bytes(b"".join(lines))
    with pytest.raises(DataFormatError) as info:
        read_sequence(bad)
    assert str(info.value) == f"{bad}:10: 149 values, expected 150"


# ------------------------------------------------------------ 11: a folder as a file
def test_read_file_of_a_folder_says_it_is_a_folder(tmp_path):
    with pytest.raises(DataFormatError) as info:
        read_file(tmp_path)
    assert str(info.value).startswith(f"{tmp_path}: is a folder, not a file")
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_file(tmp_path / "missing.skeleton")


# ------------------------------------------------------ 5: one odd NTU file name
def _ntu_copy(dest: Path) -> Path:
    dest.mkdir()
    for f in require_data("ntu").glob("*.skeleton"):
        shutil.copy(f, dest / f.name)
    return dest


def test_odd_ntu_file_name_is_reported_and_the_rest_trains(
    tmp_path, capsys, monkeypatch
):
    root = _ntu_copy(tmp_path / "ntu")
    odd = root / "S001C001P001R001A011 (1).skeleton"
    shutil.copy(root / "S001C001P001R001A011.skeleton", odd)
    cache = tmp_path / "cache"
    events = list(prepare("ntu60", root, cache))
    ready = events[-1]
    assert isinstance(ready, CacheReady) and ready.num_clips == 4
    assert ready.bad_files == (
        f"{odd}: file name does not follow SsssCcccPpppRrrrAaaa.skeleton",
    )
    argv = ["train", "--dataset", "ntu60", "--root", str(root), "--protocol", "xview"]
    argv += ["--preset", "paper", "--hidden", "8", "--epochs", "1", "--frames", "16"]
    argv += ["--device", "cpu", "--quiet", "--run-dir", str(tmp_path / "run")]
    monkeypatch.setenv("MS2L_CACHE", str(cache))
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert f"bad file left out: {odd}: file name does not follow" in err
    assert "finished at epoch 1" in err


def test_a_body_of_all_zero_joints_is_skipped_and_files_are_named_from_anywhere(
    tmp_path, monkeypatch, capsys
):
    """A Kinect body whose every joint is zero was a clip to data info, train and
    eval, and "nothing to recognise" to Replay and infer; and a store built from a
    relative root named its files relative to the builder's folder, wrong for anyone
    in another (two trials)."""
    root = _ntu_copy(tmp_path / "ntu")
    lines = (root / "S001C001P001R001A011.skeleton").read_text().splitlines()
    zeroed = [" ".join(["0"] * 12) if len(ln.split()) == 12 else ln for ln in lines]
    blank = root / "S002C001P003R001A021.skeleton"
    blank.write_text("\n".join(zeroed) + "\n")
    cut = root / "S002C001P003R001A018.skeleton"
    cut.write_text("\n".join(lines[:40]))
    monkeypatch.chdir(tmp_path)
    ready = list(prepare("ntu60", "ntu", tmp_path / "cache"))[-1]
    assert isinstance(ready, CacheReady) and ready.num_clips == 4
    assert f"{blank}: no skeleton in any of its " in "\n".join(ready.skipped)
    assert ready.bad_files and ready.bad_files[0].startswith(f"{cut}:")
    store = ClipStore.open(ready.path)
    assert blank.stem not in store.names
    assert all(Path(source).is_absolute() for source in store.sources)
    # training says it too (it was said by data info only: a re-trial)
    argv = ["train", "--dataset", "ntu60", "--root", "ntu", "--protocol", "xview"]
    argv += ["--preset", "paper", "--hidden", "8", "--epochs", "1", "--frames", "16"]
    argv += ["--device", "cpu", "--run-dir", str(tmp_path / "run")]
    monkeypatch.setenv("MS2L_CACHE", str(tmp_path / "cache"))
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert (
        "note: 1 item skipped (no skeleton, a copy of a sample, a label row that "
        in err
    )
    assert f"{blank}: no skeleton in any of its " in err


def test_clips_a_protocol_cannot_place_are_left_out_not_fatal():
    metas = [{"camera": 2}, {"setup": 1}, {"camera": 1}]
    unplaced: list[int] = []
    sides = split_indices("ntu60", "xview", metas, unplaced)
    assert sides["train"].tolist() == [0] and sides["test"].tolist() == [2]
    assert unplaced == [1]
    lacks = r"ntu60 xview: a clip's metadata lacks the camera \(Cxxx in the file name\)"
    with pytest.raises(KeyError, match=lacks):
        split_indices("ntu60", "xview", metas)  # without the list: as before
    with pytest.raises(KeyError, match=lacks):
        split_indices("ntu60", "xview", [{"setup": 1}], [])  # none can be placed
    # PKU-MMD: named by its sequence and where the split files go, not a dump of
    # every field of the clip (as a user trial read it)
    pku = {"sequence": "0005-L", "splits": {}, "camera": "L", "intervals": [(1, 0, 9)]}
    with pytest.raises(KeyError) as info:
        split_indices("pkummd1", "xsub", [pku])
    message = str(info.value.args[0])
    assert message == (
        "pkummd1 xsub: sequence 0005-L is in no official split file; PKU-MMD's "
        "split files (cross-subject.txt, cross-view.txt) must be in <root>/split"
    )


# --------------------------------------------------------------- 2: damaged caches
@pytest.mark.parametrize(
    "damage",
    ["empty offsets", "index is a list", "index lacks fields", "index not JSON"],
)
def test_damaged_cache_is_rebuilt_with_a_note(tmp_path, damage):
    root = _ntu_copy(tmp_path / "ntu")
    cache = tmp_path / "cache"
    store = list(prepare("ntu60", root, cache))[-1].path
    if damage == "empty offsets":
        next(store.glob("offsets-*.npy")).write_bytes(b"")
    elif damage == "index is a list":
        (store / "index.json").write_text("[]")
    elif damage == "index lacks fields":
        (store / "index.json").write_text(json.dumps({"version": CACHE_VERSION}))
    else:
        (store / "index.json").write_bytes(b"\x00\xff{")
    events = list(prepare("ntu60", root, cache))
    notes = [e.message for e in events if isinstance(e, CacheNote)]
    assert len(notes) == 1 and notes[0].startswith("rebuilding a damaged clip cache: ")
    assert str(store) in notes[0]
    assert events[-1].rebuilt and len(ClipStore.open(store)) == 4


def test_cache_offsets_are_written_with_fsync(tmp_path, monkeypatch):
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    list(prepare("ntu60", _ntu_copy(tmp_path / "ntu"), tmp_path / "cache"))
    names = [Path(p).name for p in synced]
    assert any(n.startswith(".offsets-") for n in names), names


# ------------------------------------------------- 3: killed builds' temporaries
def test_temporary_of_a_killed_cache_build_is_removed_next_time(tmp_path):
    zip_path = require_data("nw-ucla", "all_sqe.zip")
    cache = tmp_path / "cache"
    code = (
        "import sys, pathlib; from core.datasets.cache import prepare\n"
        "for e in prepare('nw-ucla', sys.argv[1], pathlib.Path(sys.argv[2])): pass\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    argv = [sys.executable, "-c", code, str(zip_path), str(cache)]
    proc = subprocess.Popen(argv, env=env)
    try:
        partial: list[Path] = []
        while not partial and proc.poll() is None:  # wait for the build to write
            time.sleep(0.05)
            partial = [p for p in cache.glob("*/.clips-*") if p.stat().st_size > 0]
        assert partial, "the build finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    assert all(p.exists() for p in partial)  # a killed build cannot clean up
    events = list(prepare("nw-ucla", zip_path, cache))
    notes = [e.message for e in events if isinstance(e, CacheNote)]
    assert any("removed 1 temporary file(s) of killed builds" in n for n in notes)
    # The killed builder held the build lock: the system released it (no waiting).
    assert not any("another process" in n for n in notes)
    assert [p.name for p in cache.glob("*/.*")] == [LOCK_NAME]
    assert events[-1].rebuilt and events[-1].num_clips > 1400


# ----------------------------------------------- a byte order mark from a Windows editor
def test_files_a_windows_editor_saved_read_like_the_originals(tmp_path):
    """Notepad and PowerShell's ``Out-File -Encoding utf8`` start a file with a UTF-8
    byte order mark; every reader stopped at it ("not a number: '\\ufeff-0.36'")."""
    from core.datasets.custom import import_sequence
    from core.datasets.recording import read_recording

    bom = b"\xef\xbb\xbf"

    def saved_with_bom(src: Path, dest: Path, data: bytes | None = None) -> Path:
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(bom + (src.read_bytes() if data is None else data))
        return dest

    ntu = require_data("ntu", "S001C001P001R001A011.skeleton")
    pku = require_data("pkummd")
    for sub in ("skeleton", "labels"):
        saved_with_bom(pku / sub / "0005-L.txt", tmp_path / "pku" / sub / "0005-L.txt")
    with zipfile.ZipFile(require_data("nw-ucla", "all_sqe.zip")) as archive:
        member = sorted(n for n in archive.namelist() if n.endswith(".json"))[0]
        plain = tmp_path / "plain" / Path(member).name
        plain.parent.mkdir()
        plain.write_bytes(archive.read(member))
    pairs = [
        (ntu, saved_with_bom(ntu, tmp_path / ntu.name)),
        (plain, saved_with_bom(plain, tmp_path / plain.name)),
    ]
    for original, copy in pairs:
        np.testing.assert_array_equal(
            read_file(copy).joints, read_file(original).joints
        )
    before = read_sequence(pku / "skeleton" / "0005-L.txt")
    after = read_sequence(tmp_path / "pku" / "skeleton" / "0005-L.txt")
    np.testing.assert_array_equal(after.joints, before.joints)
    assert after.meta["intervals"] == before.meta["intervals"]

    # A recording of the documented format, as a Windows tool would write it.
    path = import_sequence(tmp_path / "mine", "take", read_file(ntu), action="wave")
    written = read_recording(path).joints  # (rounded to micrometres when written)
    path.write_bytes(bom + path.read_bytes())
    np.testing.assert_array_equal(read_recording(path).joints, written)

    # Saved under a .txt name (a browser, a mail attachment): read by what they hold.
    as_text = tmp_path / "text" / f"{ntu.stem}.txt"
    saved_with_bom(ntu, as_text)
    np.testing.assert_array_equal(read_file(as_text).joints, read_file(ntu).joints)
    assert read_file(as_text).label == read_file(ntu).label
    take = shutil.copy(path, tmp_path / "mine" / "take2.txt")
    np.testing.assert_array_equal(read_file(take).joints, read_file(path).joints)
    # A recording with classic Mac line ends (a carriage return alone).
    cr = tmp_path / "mine" / "take3.jsonl"
    cr.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    np.testing.assert_array_equal(read_recording(cr).joints, written)

    # The official lists: PKU-MMD's split, NTU's samples with missing skeletons.
    from core.datasets.ntu import MISSING_LISTS, missing_samples
    from core.datasets.pkummd import read_split_file

    split = pku / "split" / "cross-view.txt"
    copy = saved_with_bom(split, tmp_path / "cross-view.txt")
    assert read_split_file(copy) == read_split_file(split)
    missing = require_data("labels", MISSING_LISTS[0])
    saved_with_bom(missing, tmp_path / "ntu" / "labels" / missing.name)
    assert missing_samples(tmp_path / "ntu") == set(missing.read_text().split())

    # A config edited in Notepad, and a class table.
    from core.config import TrainConfig
    from core.labels import parse_class_table

    config = REPO / "resources" / "checkpoints" / "nw-ucla-ms2l" / "config.json"
    copy = saved_with_bom(config, tmp_path / "config.json")
    assert TrainConfig.load(copy) == TrainConfig.load(config)
    table = REPO / "resources" / "labels" / "nw-ucla.json"
    copy = saved_with_bom(table, tmp_path / "nw-ucla.json")
    assert parse_class_table(copy) == parse_class_table(table)


# ------------------------------------------- datasets that went through a Mac or Windows
def test_mac_metadata_windows_zips_and_case_are_not_bad_files(tmp_path, capsys):
    """macOS's ``._`` twins and ``__MACOSX/``, a PowerShell zip's ``folder\\file`` names,
    and a case-blind file system's names and extensions: the samples are read, nothing
    else is listed as a bad file."""
    ntu = sorted(require_data("ntu").glob("*.skeleton"))
    apple_double = b"\x00\x05\x16\x07Mac OS X        "
    folder = tmp_path / "ntu"
    folder.mkdir()
    for f in ntu:
        shutil.copy(f, folder / f.name)
        (folder / f"._{f.name}").write_bytes(apple_double)
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    mac_zip, win_zip = tmp_path / "mac.zip", tmp_path / "win.zip"
    with zipfile.ZipFile(mac_zip, "w") as mac, zipfile.ZipFile(win_zip, "w") as win:
        for f in ntu:
            mac.write(f, f"nturgb+d_skeletons/{f.name}")
            mac.writestr(f"__MACOSX/nturgb+d_skeletons/._{f.name}", apple_double)
            win.write(f, f"nturgb+d_skeletons\\{f.name}")
    lowered = tmp_path / "lowered"
    lowered.mkdir()
    for f in ntu:  # s001c001p001r001a001.skeleton and S001...A011.SKELETON
        name = f.name.lower() if f.name.endswith("A001.skeleton") else f.name
        shutil.copy(f, lowered / (name[: -len(".skeleton")] + ".SKELETON"))
    for root in (folder, mac_zip, win_zip, lowered):
        events = list(prepare("ntu60", root, tmp_path / "cache" / root.name))
        ready = events[-1]
        assert isinstance(ready, CacheReady) and ready.bad_files == (), root
        assert ready.num_clips == len(ntu), root
        store = ClipStore.open(ready.path)
        assert sorted(n.upper() for n in store.names) == [f.stem for f in ntu]
        assert sorted(int(x) for x in store.labels) == [0, 10, 49, 57]

    # A broken link among the samples is named as a bad file (it went missing unsaid).
    broken = folder / "S001C001P002R001A001.skeleton"
    broken.symlink_to(tmp_path / "moved-away.skeleton")
    ready = list(prepare("ntu60", folder, tmp_path / "cache" / "broken"))[-1]
    assert ready.num_clips == len(ntu) and len(ready.bad_files) == 1
    assert ready.bad_files[0].startswith(f"{broken}: cannot read (No such file")

    # NW-UCLA as a folder: the ._ twin of a sample is not a bad file either.
    ucla = tmp_path / "ucla"
    ucla.mkdir()
    with zipfile.ZipFile(require_data("nw-ucla", "all_sqe.zip")) as archive:
        member = sorted(n for n in archive.namelist() if n.endswith(".json"))[0]
        (ucla / Path(member).name).write_bytes(archive.read(member))
    (ucla / f"._{Path(member).name}").write_bytes(apple_double)
    ready = list(prepare("nw-ucla", ucla, tmp_path / "cache" / "ucla"))[-1]
    assert ready.num_clips == 1 and ready.bad_files == ()


def test_training_on_nothing_but_bad_files_says_why(tmp_path, capsys, monkeypatch):
    root = tmp_path / "ntu"
    root.mkdir()
    for f in require_data("ntu").glob("*.skeleton"):
        shutil.copy(f, root / f"{f.stem} (1).skeleton")  # "Keep both files" copies
    monkeypatch.setenv("MS2L_CACHE", str(tmp_path / "cache"))
    argv = ["train", "--dataset", "ntu60", "--root", str(root), "--epochs", "1"]
    argv += ["--device", "cpu", "--quiet", "--run-dir", str(tmp_path / "run")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert (
        "ntu60 xsub: the training split is empty (4 bad files left out, the first: "
        f"{root}/S001C001P001R001A001 (1).skeleton: file name does not follow"
    ) in err
    assert "'ms2l data info' lists every one)" in err


def test_messages_say_what_was_expected_in_the_files_words(tmp_path, capsys):
    """A CLI trial: "layout None is not one of ('mp33', …)", "header joints/bodies do
    not fit the layout", a cut NW-UCLA file read as "Expecting ',' delimiter", and a
    labels.json of another shape as "list indices must be integers or slices"."""
    from core.labels import parse_class_table

    nolayout = tmp_path / "nolayout.jsonl"
    nolayout.write_text('{"format": "ms2l-recording", "version": 1}\n')
    with pytest.raises(DataFormatError, match=r':1: header has no "layout" \(mp33, '):
        read_file(nolayout)
    joints = tmp_path / "joints.jsonl"
    joints.write_text(
        '{"format": "ms2l-recording", "version": 1, "layout": "ntu25", "joints": 20}\n'
    )
    with pytest.raises(
        DataFormatError, match="header says 20 joints and 1 body; layout ntu25 has 25"
    ):
        read_file(joints)
    with zipfile.ZipFile(require_data("nw-ucla", "all_sqe.zip")) as archive:
        text = archive.read("all_sqe/a01_s01_e00_v01.json")
    cut = tmp_path / "a01_s01_e00_v01.json"
    cut.write_bytes(text[: len(text) // 2])
    with pytest.raises(DataFormatError, match=r"invalid JSON: .*\(the file ends early"):
        read_file(cut)
    table = tmp_path / "labels.json"
    for wrong in ([1, 2], {"classes": 5}, {"classes": [{"name": "x"}]}):
        table.write_text(json.dumps(wrong))
        with pytest.raises(ValueError, match=r'expected \{"classes": \[\{"index": 0'):
            parse_class_table(table)


def test_a_video_opened_as_a_skeleton_file_is_sent_to_live(tmp_path):
    """Replay told a person opening an .avi to 'rename it with its video extension',
    which it had (a trial); a video under another name is told to rename it."""
    avi = require_data("videos", "S001C001P001R001A001_rgb.avi")
    assert _refused(avi) == (
        f"{avi}: is a video (AVI), not a skeleton file: open it in Live (or run ms2l "
        "infer on it) for pose estimation and recognition"
    )
    renamed = tmp_path / "clip.skeleton"
    shutil.copy(avi, renamed)
    with pytest.raises(DataFormatError, match="whatever its name says: rename it"):
        read_file(renamed)


def test_a_zip_of_another_dataset_says_which_to_open_it_as(tmp_path):
    """The NW-UCLA zip opened as ntu60 said only 'zip holds no ntu60 .skeleton files'
    (a trial)."""
    ucla = tmp_path / "ucla.zip"
    with zipfile.ZipFile(ucla, "w") as z:
        z.writestr("all_sqe/a01_s01_e00_v01.json", "{}")
    with pytest.raises(DataFormatError) as err:
        list(NtuReader("ntu60", 60, 17).scan_events(ucla))
    assert str(err.value).endswith(
        "zip holds no ntu60 .skeleton files; it holds 1 .json file: open it as nw-ucla"
    )
    ntu = tmp_path / "ntu.zip"
    with zipfile.ZipFile(ntu, "w") as z:
        z.writestr("S001C001P001R001A001.skeleton", "0\n")
    with pytest.raises(DataFormatError, match="; it holds 1 .skeleton file: open it "
                       "as ntu60 or ntu120$"):  # fmt: skip
        list(UclaReader().scan_events(ntu))


def test_pkummd_opened_at_its_skeleton_folder_says_which_folder_to_choose(tmp_path):
    """The Train panel showed "KeyError: …" and a traceback for a PKU-MMD root given
    as its skeleton sub-folder (its labels found above it, its split files not): a
    user's error, said with the folder to choose (a trial)."""
    from core.config import make_config
    from core.training.data import drain, load_data

    src = require_data("pkummd")
    root = tmp_path / "pkummd"
    for sub in ("skeleton", "labels"):
        (root / sub).mkdir(parents=True)
        shutil.copy(src / sub / "0005-L.txt", root / sub / "0005-L.txt")
    shutil.copytree(src / "split", root / "split")
    cfg = make_config(
        dataset="pkummd1",
        root=str(root / "skeleton"),
        data={"cache_dir": str(tmp_path / "cache")},
    )
    with pytest.raises(ValueError) as info:
        drain(load_data(cfg.data, 0))
    assert str(info.value) == (
        f"{root / 'skeleton'}: pkummd1 xsub: sequence 0005-L is in no official split "
        "file; PKU-MMD's split files (cross-subject.txt, cross-view.txt) must be in "
        f"<root>/split (choose the dataset's own folder, {root}, which holds them)"
    )


def test_kinect_files_in_millimetres_are_bad_files_not_no_action(tmp_path):
    """An NTU file and an NW-UCLA sample with coordinates x1000 were read, trained
    on, and answered "no action (unfamiliar motion)" by infer, unsaid (a trial)."""
    root = _ntu_copy(tmp_path / "ntu")
    lines = (root / "S001C001P001R001A001.skeleton").read_text().splitlines()

    def scaled(line: str) -> str:
        v = line.split()
        if len(v) != 12:
            return line
        return " ".join([f"{1000 * float(x):.2f}" for x in v[:3]] + v[3:])

    mm = root / "S003C001P001R001A015.skeleton"
    mm.write_text("\n".join(scaled(ln) for ln in lines) + "\n")
    assert "millimetres or centimetres?" in _refused(mm)
    ready = list(prepare("ntu60", root, tmp_path / "cache"))[-1]
    assert isinstance(ready, CacheReady) and ready.num_clips == 4
    assert [b.split(": ")[0] for b in ready.bad_files] == [str(mm)]
    assert "coordinates must be metres" in ready.bad_files[0]
    # NW-UCLA likewise
    zip_path = tmp_path / "ucla.zip"
    names = _small_ucla_zip(zip_path)
    with zipfile.ZipFile(zip_path) as z:
        doc = json.loads(z.read(names[0]))
    doc["skeletons"] = (1000 * np.asarray(doc["skeletons"], dtype=float)).tolist()
    sample = tmp_path / Path(names[0]).name
    sample.write_text(json.dumps(doc))
    assert "millimetres or centimetres?" in _refused(sample)


def test_an_nw_ucla_sample_named_twice_is_said_not_read_as_another(tmp_path):
    """A copy of a06's sample saved as a09 was read by its file_name as a06 (true
    label "stand up" under a "throw" file name), and two files of one sample both
    counted, on both sides of a split if they differ in view (a trial)."""
    src = tmp_path / "src.zip"
    names = _small_ucla_zip(src)
    root = tmp_path / "ucla"
    root.mkdir()
    with zipfile.ZipFile(src) as z:
        for name in names:
            (root / Path(name).name).write_bytes(z.read(name))
    first = Path(names[0]).stem  # e.g. a01_s01_e00_v01
    data = (root / f"{first}.json").read_bytes()
    renamed = root / f"a09{first[3:]}.json"  # another action's name, a01's content
    renamed.write_bytes(data)
    assert _refused(renamed).endswith(
        f"its file_name '{first}' is not its file's name (a09{first[3:]}): which "
        "sample is it? Rename the file or mend its file_name"
    )
    # a copy under a name that is no sample's reads by its file_name, as before ...
    (root / "copy").mkdir()
    copy = root / "copy" / f"{first} (1).json"
    copy.write_bytes(data)
    assert read_file(copy).name == first
    # ... and is the same sample again: left out, the first kept
    ready = list(prepare("nw-ucla", root, tmp_path / "cache"))[-1]
    assert isinstance(ready, CacheReady) and ready.num_clips == len(names)
    assert [s for s in ready.skipped if "copy" in s] == [
        f"{copy}: a copy of sample {first}, already read from "
        f"{root / (first + '.json')}"
    ]
    # a copy is one of a sample stored: the first file refused (in millimetres),
    # the good copy is read, not said to be a copy of it (a review)
    doc = json.loads(data)
    doc["skeletons"] = (1000 * np.asarray(doc["skeletons"], dtype=float)).tolist()
    (root / f"{first}.json").write_text(json.dumps(doc))
    ready = list(prepare("nw-ucla", root, tmp_path / "cache"))[-1]
    assert isinstance(ready, CacheReady) and ready.num_clips == len(names)
    assert not [s for s in ready.skipped if "copy" in s]
    refused = [b for b in ready.bad_files if b.startswith(f"{root / first}.json: ")]
    assert len(refused) == 1 and "coordinates must be metres" in refused[0]


def test_one_body_unlike_a_person_does_not_refuse_the_file(tmp_path):
    """The units check judges every body: a false detection (a chair tracked as a
    body, here the first of two people's joints x1000) must not refuse a real person's
    file; the file is refused only when no body is a person in metres."""
    lines = iter(
        require_data("ntu", "S001C003P008R002A058.skeleton").read_text().splitlines()
    )
    out = [next(lines)]  # the frame count
    for _frame in range(int(out[0])):
        bodies = next(lines)
        out.append(bodies)
        for b in range(int(bodies)):
            out += [next(lines), next(lines)]  # the body's line, its joint count
            for _joint in range(int(out[-1])):
                v = next(lines).split()
                if b == 0:
                    v[:3] = [f"{1000 * float(x):.1f}" for x in v[:3]]
                out.append(" ".join(v))
    odd = tmp_path / "S001C003P008R002A058.skeleton"
    odd.write_text("\n".join(out) + "\n")
    seq = read_file(odd)
    assert seq.num_bodies == 2 and np.abs(seq.joints).max() > 100
