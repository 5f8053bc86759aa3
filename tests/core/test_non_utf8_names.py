"""File and folder names that are not UTF-8 (Latin-1 bytes from an old zip or a USB
stick, which Python keeps as escapes): OpenCV crashed on them, the whole process with
no message (a trial). They are read and written through links of plain names; an
action folder so named is refused naming it, before any video is read.

The videos run in processes of their own: a crash there fails one test, not the suite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.datasets.cache import store_path
from core.live.capture import opencv_path
from tests.conftest import REPO, require_data

LATIN1 = os.fsdecode(b"caf\xe9")  # "café" in Latin-1: not UTF-8


def _latin1_copy(folder: Path, name: str) -> Path:
    """The shared tai chi video copied to ``folder/name`` (a name not UTF-8)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    try:
        path.write_bytes(require_data("videos", "ta_chi.mp4").read_bytes())
    except (OSError, UnicodeError) as exc:  # a file system of UTF-8 names only
        pytest.skip(f"this file system refuses a name that is not UTF-8 ({exc})")
    return path


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "core.cli", *args],
        cwd=REPO,
        # a UTF-8 locale's strict output, not this machine's C.UTF-8 (a review)
        env={**os.environ, "OMP_NUM_THREADS": "1", "PYTHONIOENCODING": "utf-8"},
        capture_output=True,
        text=True,
        errors="backslashreplace",
        timeout=300,
    )


def test_opencv_gets_a_plain_name_for_a_file_or_a_folder_that_is_not_utf8(tmp_path):
    plain = tmp_path / "plain.mp4"
    with opencv_path(plain) as given:
        assert given == str(plain)  # a UTF-8 name as it is
    video = _latin1_copy(tmp_path, LATIN1 + ".mp4")
    with opencv_path(video) as given:
        given.encode("utf-8")  # (raises if not)
        assert Path(given).suffix == ".mp4"
        assert Path(given).read_bytes() == video.read_bytes()
    assert not Path(given).exists()  # the link goes with the block
    inside = tmp_path / LATIN1 / "out.mp4"  # a file still to be written
    inside.parent.mkdir()
    with opencv_path(inside) as given:
        given.encode("utf-8")
        Path(given).write_bytes(b"x")
    assert inside.read_bytes() == b"x"
    # the clip cache's folder is named from such a root too (it raised)
    assert store_path("nw-ucla", tmp_path / LATIN1, tmp_path).parent == tmp_path


def test_the_links_of_a_process_that_died_are_removed_by_the_next_use(
    tmp_path, monkeypatch
):
    import tempfile

    links = tmp_path / "tmp"
    links.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(links))
    dead = links / "ms2l-opencv-999999999-abc"  # no such process
    mine = links / f"ms2l-opencv-{os.getpid()}-abc"
    other = links / "ms2l-something-else-1"
    for folder in (dead, mine, other):
        folder.mkdir()
    video = _latin1_copy(tmp_path, LATIN1 + ".mp4")
    with opencv_path(video) as given:
        assert Path(given).parent.name.startswith(f"ms2l-opencv-{os.getpid()}-")
    assert not dead.exists() and mine.is_dir() and other.is_dir()
    assert sorted(p.name for p in links.iterdir()) == sorted([mine.name, other.name])


def test_infer_reads_and_writes_videos_whose_names_are_not_utf8(tmp_path):
    video = _latin1_copy(tmp_path, LATIN1 + ".mp4")
    out, lines = tmp_path / f"out-{LATIN1}.mp4", tmp_path / f"out-{LATIN1}.jsonl"
    done = _cli("infer", str(video), "--max-frames", "40", "--out", str(out),
                "--json", str(lines), "--quiet")  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "frames: 40 (the first of 300: --max-frames)" in done.stdout, done.stdout
    assert out.stat().st_size > 0 and lines.stat().st_size > 0
    assert json.loads(lines.read_text().splitlines()[0])["frame"] >= 0


def test_data_extract_takes_such_a_video_and_refuses_such_an_action_folder(tmp_path):
    videos = tmp_path / "videos"
    _latin1_copy(videos / "wave", LATIN1 + ".mp4")
    done = _cli("data", "extract", str(videos), "--out", str(tmp_path / "ds"),
                "--workers", "1", "--max-frames", "20")  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    labels = (tmp_path / "ds" / "labels.csv").read_text(encoding="utf-8")
    assert labels.splitlines()[1].startswith("wave-caf_,0.000,")
    # an action named by such a folder could not be written to labels.csv: it is
    # refused up front, naming the folder and its bytes
    _latin1_copy(videos / LATIN1, "clip.mp4")
    done = _cli("data", "extract", str(videos), "--out", str(tmp_path / "ds2"),
                "--workers", "1", "--max-frames", "20")  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert (
        "action name 'caf\\xe9' is not UTF-8 text (another encoding's bytes): "
        "rename the folder" in done.stderr
    ), done.stderr[-2000:]
    assert not (tmp_path / "ds2").exists()
