"""``ms2l data extract`` on the inputs users really give it: a video-list CSV saved by
Excel (cp1252, UTF-16) or written on Windows (``clips\\drink.avi``), long non-ASCII video
names, and folders carrying hidden files and macOS ``._`` / ``__MACOSX`` debris.

Videos are symlinks to the shared real videos; MediaPipe runs for real on a few frames.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.cli import main
from core.datasets.base import DataFormatError
from core.datasets.custom import (
    LabelInterval,
    list_recordings,
    read_labels,
    set_labels,
)
from core.extract import NAME_BYTES, plan
from tests.conftest import require_data

NTU = "S001C001P001R001A001_rgb.avi"
HEADER = "video,start,end,action\n"


def test_video_list_not_utf8_names_the_csv_and_line(tmp_path: Path, capsys) -> None:
    """Excel's cp1252 and UTF-16 CSVs failed with a bare ``'utf-8' codec can't decode``
    naming no file; a UTF-8 BOM ("CSV UTF-8") keeps working."""
    table = tmp_path / "videos.csv"
    table.write_bytes((HEADER + "café.avi,0,,boire\n").encode("cp1252"))
    with pytest.raises(DataFormatError) as err:
        plan(table)
    assert err.value.path == str(table) and err.value.line == 2
    assert "not UTF-8" in str(err.value) and '"CSV UTF-8"' in str(err.value)
    out = tmp_path / "ds"
    assert main(["data", "extract", str(table), "--out", str(out)]) == 2
    message = capsys.readouterr().err
    assert f"{table}:2: not UTF-8" in message and "CSV UTF-8" in message

    table.write_bytes((HEADER + "café.avi,0,,boire\n").encode("utf-16"))
    with pytest.raises(DataFormatError, match="not UTF-8.*CSV UTF-8") as err:
        plan(table)
    assert err.value.path == str(table) and err.value.line == 1

    table.write_bytes((HEADER + "café.avi,0,,boire\n").encode("utf-8-sig"))
    [job] = plan(table)
    assert (job.name, job.video, job.intervals) == (
        "café", tmp_path / "café.avi", ((0.0, None, "boire"),)
    )  # fmt: skip


def test_videos_to_label_afterwards_are_imported_unlabelled(tmp_path, capsys):
    """A long session to label afterwards could only be recorded in real time (51 s
    took 57 s: a coach's trial), and a video given alone was refused: one video, or
    videos at the top level of the folder, are imported unlabelled; importing again
    keeps the labels given since."""
    videos = tmp_path / "videos"
    (videos / "wave").mkdir(parents=True)
    video = videos / "session.mp4"
    video.symlink_to(require_data("videos", "ta_chi.mp4"))
    out = tmp_path / "ds"
    args = ["--out", str(out), "--max-frames", "20", "--workers", "1"]
    assert main(["data", "extract", str(video), *args]) == 0
    said = capsys.readouterr()
    assert "session: unlabelled: label it on Teach's timeline (or in labels.csv)" in (
        said.out + said.err
    )
    assert [r.name for r in list_recordings(out)] == ["session"]
    assert read_labels(out) == []
    # labelled by hand since; a folder with it at the top level beside a class
    # folder and a note: the label stays, the note is said to be left out
    set_labels(out, [LabelInterval("session", 0.0, 0.5, "tai chi")])
    (videos / "wave" / "w1.avi").symlink_to(require_data("videos", NTU))
    (videos / "notes.txt").write_text("filmed on Monday\n")
    assert {job.name: job.intervals for job in plan(videos)} == {
        "session": (), "wave-w1": ((0.0, None, "wave"),),
    }  # fmt: skip
    assert main(["data", "extract", str(videos), *args]) == 0
    said = capsys.readouterr()
    assert "left out 1 file(s) that are not videos" in said.out + said.err
    assert "notes.txt" in said.out + said.err
    assert sorted((r.recording, r.start, r.action) for r in read_labels(out)) == [
        ("session", 0.0, "tai chi"), ("wave-w1", 0.0, "wave"),
    ]  # fmt: skip
    assert "1 extracted, 1 already done, 0 failed" in said.out  # session kept
    assert [r.name for r in list_recordings(out)] == ["session", "wave-w1"]
    # a labelled video's labels edited since (renamed in Teach, trimmed): importing
    # the folder again keeps them and says so (they came back as the import made
    # them, unsaid: a trial) ...
    edited = [
        r if r.recording != "wave-w1" else LabelInterval("wave-w1", 0.1, 0.4, "hello")
        for r in read_labels(out)
    ]
    set_labels(out, edited)
    assert main(["data", "extract", str(videos), *args]) == 0
    said = capsys.readouterr()
    assert "its labels in labels.csv differ from this import's" in said.out + said.err
    assert ("wave-w1", 0.1, 0.4, "hello") in [
        (r.recording, r.start, r.end, r.action) for r in read_labels(out)
    ]
    # ... and a recording whose labels were never written (an import stopped just
    # before) gets them
    set_labels(out, [r for r in read_labels(out) if r.recording != "wave-w1"])
    assert main(["data", "extract", str(videos), *args]) == 0
    capsys.readouterr()
    assert ("wave-w1", "wave") in [(r.recording, r.action) for r in read_labels(out)]


def test_an_action_name_that_cannot_be_used_is_said_before_any_video(
    tmp_path: Path, capsys
) -> None:
    """A folder named with a line break was refused after MediaPipe had run on every
    video, leaving recordings and no labels (a trial)."""
    videos = tmp_path / "videos"
    bad = videos / "a\nb"
    bad.mkdir(parents=True)
    (bad / "x.mp4").symlink_to(require_data("videos", "ta_chi.mp4"))
    (videos / "wave").mkdir()
    (videos / "wave" / "y.mp4").symlink_to(require_data("videos", "ta_chi.mp4"))
    out = tmp_path / "ds"
    assert main(["data", "extract", str(videos), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert (
        "holds a control character ('\\n'): one line of text: rename the folder" in err
    )
    assert not out.exists()  # nothing was run, nothing written
    table = tmp_path / "videos.csv"
    table.write_text(HEADER + 'y.mp4,0,,"wa\nve"\n')
    with pytest.raises(DataFormatError) as info:
        plan(table)
    assert info.value.line == 3 and "control character" in str(info.value)  # its end


def test_data_extract_csv_with_windows_paths(tmp_path: Path, capsys) -> None:
    """``clips sub\\drink 1.avi`` was looked up as one file name (``no such file``); a
    backslash is a folder separator, unless the path exists as written."""
    (tmp_path / "clips sub").mkdir()
    (tmp_path / "clips sub" / "drink 1.avi").symlink_to(require_data("videos", NTU))
    (tmp_path / "odd\\name.mp4").symlink_to(require_data("videos", "ta_chi.mp4"))
    table = tmp_path / "videos.csv"
    table.write_text(
        HEADER + "clips sub\\drink 1.avi,0,,drink\nodd\\name.mp4,0,,tai chi\n"
    )
    assert {job.name: job.video for job in plan(table)} == {
        "drink_1": tmp_path / "clips sub" / "drink 1.avi",
        "odd_name": tmp_path / "odd\\name.mp4",
    }
    out = tmp_path / "ds"
    args = ["data", "extract", str(table), "--out", str(out), "--max-frames", "3",
            "--workers", "1"]  # fmt: skip
    assert main(args) == 0, capsys.readouterr().err
    assert "2 extracted, 0 already done, 0 failed" in capsys.readouterr().out
    assert sorted((r.recording, r.action) for r in read_labels(out)) == [
        ("drink_1", "drink"), ("odd_name", "tai chi"),
    ]  # fmt: skip
    # a video the CSV names and nobody has is said with its rows, not by path alone
    table.write_text(HEADER + "clips sub\\drink 1.avi,0,,drink\ngone.mp4,0,1,jump\n"
                     "gone.mp4,2,3,wave\n")  # fmt: skip
    assert main([*args[:4], str(tmp_path / "ds2"), *args[5:]]) == 1
    assert (
        f"failed (skipped): video '{tmp_path / 'gone.mp4'}': no such file (the CSV's "
        "rows 3, 4)" in capsys.readouterr().err
    )


def test_data_extract_long_non_ascii_names_fit_the_file_name_limit(
    tmp_path: Path, capsys
) -> None:
    """Names were capped at 100 characters, so 83 CJK characters (249 bytes) made a
    temporary file name past 255 bytes: ``[Errno 36] File name too long``. Names are
    capped in bytes, and two videos alike up to the cut still get two recordings."""
    folder = tmp_path / "videos" / "日本"
    folder.mkdir(parents=True)
    stem = "動画" * 40  # 240 bytes: with "日本-" the old name was 249 bytes
    (folder / f"{stem}.avi").symlink_to(require_data("videos", NTU))
    (folder / f"{stem[:-1]}X.mp4").symlink_to(require_data("videos", "ta_chi.mp4"))
    out = tmp_path / "ds"
    args = ["data", "extract", str(tmp_path / "videos"), "--out", str(out),
            "--max-frames", "3", "--workers", "1"]  # fmt: skip
    assert main(args) == 0, capsys.readouterr().err
    assert "2 extracted, 0 already done, 0 failed" in capsys.readouterr().out
    recordings = list_recordings(out)
    names = sorted(i.name for i in recordings)
    assert len(names) == 2 and sum(n.endswith("-2") for n in names) == 1, names
    assert all(n.startswith("日本-動画動画") for n in names)
    assert all(len(n.encode()) <= NAME_BYTES for n in names)
    assert all(i.complete and i.frames == 3 for i in recordings)
    assert sorted(r.recording for r in read_labels(out)) == names
    assert main(args) == 0  # resumed on the same recordings
    assert "0 extracted, 2 already done, 0 failed" in capsys.readouterr().out


def test_data_extract_skips_hidden_files_and_macos_debris(
    tmp_path: Path, capsys
) -> None:
    """``.hidden/`` became an action class, and macOS ``._clip.avi`` files and
    ``__MACOSX/`` were taken for videos and failed (``cannot decode``) on every run."""
    videos = tmp_path / "videos"
    for folder in ("drink", ".hidden", "__MACOSX"):
        (videos / folder).mkdir(parents=True)
    (videos / "drink" / "clip.avi").symlink_to(require_data("videos", NTU))
    (videos / ".hidden" / "x.avi").symlink_to(require_data("videos", NTU))
    appledouble = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        "
    (videos / "drink" / "._clip.avi").write_bytes(appledouble)
    (videos / "drink" / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (videos / "__MACOSX" / "._clip.avi").write_bytes(appledouble)
    assert [(j.name, j.video.name) for j in plan(videos)] == [
        ("drink-clip", "clip.avi")
    ]
    out = tmp_path / "ds"
    args = ["data", "extract", str(videos), "--out", str(out), "--max-frames", "3",
            "--workers", "1"]  # fmt: skip
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "failed" not in captured.err and "1 extracted" in captured.out
    assert [(r.recording, r.action) for r in read_labels(out)] == [
        ("drink-clip", "drink")
    ]


def test_one_long_video_keeps_reporting_its_frames(tmp_path: Path, monkeypatch) -> None:
    """With one worker the heartbeat came only between videos: a long video was minutes
    without a sign of life. Heartbeats now come while it is processed, and a terminal's
    bar shows the frames."""
    import io
    import re
    import sys

    from core.extract import ExtractDone, ExtractFrames, extract

    folder = tmp_path / "videos" / "drink"
    folder.mkdir(parents=True)
    (folder / "clip.avi").symlink_to(require_data("videos", NTU))
    events = list(
        extract(tmp_path / "videos", tmp_path / "a", workers=1, max_frames=60)
    )
    done = next(i for i, e in enumerate(events) if isinstance(e, ExtractDone))
    during = [e for e in events[:done] if isinstance(e, ExtractFrames)]
    assert during and during[-1].frames > 0 and during[-1].done == 0
    assert events[done].frames == 60

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    argv = ["data", "extract", str(tmp_path / "videos"), "--out", str(tmp_path / "b")]
    assert main([*argv, "--workers", "1", "--max-frames", "60"]) == 0
    # frames towards the 60 of --max-frames, the video not yet done
    line = r"\rframes \[[#-]+\] [1-5]?\d/60 +\d+% · 0/1 videos"
    assert re.search(line, terminal.getvalue())


def test_overlapping_rows_of_different_actions_are_refused_before_any_work(
    tmp_path: Path, capsys
) -> None:
    """They were written to labels.csv, exit 0, and every reader of the dataset then
    refused it (a trial); the same action twice, or touching intervals, are fine."""
    table = tmp_path / "videos.csv"
    table.write_text(HEADER + "a.mp4,0,3,x\nb.mp4,0,3,y\na.mp4,2,4,y\n")
    out = tmp_path / "ds"
    assert main(["data", "extract", str(table), "--out", str(out)]) == 2
    assert capsys.readouterr().err.endswith(
        f"{table}:4: interval 2 s ('y') starts inside row 2's 0-3 s ('x') of the same "
        "video: labels of different actions cannot overlap\n"
    )
    assert not out.exists()
    table.write_text(HEADER + "a.mp4,5,,x\na.mp4,6,7,y\n")  # an open end reaches on
    with pytest.raises(DataFormatError, match="inside row 2's 5 s to the video's end"):
        plan(table)
    table.write_text(HEADER + "a.mp4,0,3,x\na.mp4,3,4,y\na.mp4,3.5,5,y\n")
    assert [len(job.intervals) for job in plan(table)] == [3]


def test_ctrl_c_in_the_terminal_stops_two_workers_without_failures(tmp_path: Path):
    """Ctrl-C reaches the whole process group: each worker raised KeyboardInterrupt
    and every video was reported as failed (a trial)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import REPO, require_data

    for action in ("a", "b"):
        (tmp_path / "vids" / action).mkdir(parents=True)
        (tmp_path / "vids" / action / "t.mp4").symlink_to(
            require_data("videos", "ta_chi.mp4")
        )
    argv = [sys.executable, "-m", "core.cli", "data", "extract",
            str(tmp_path / "vids"), "--out", str(tmp_path / "out"), "--workers", "2"]  # fmt: skip
    proc = subprocess.Popen(
        argv, cwd=REPO, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    out = tmp_path / "out"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # until the workers write frames
        written = [p.read_text().count("\n") for p in out.glob("*.jsonl")]
        if len(written) == 2 and min(written) > 10:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C does
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "0 failed" in stdout and "(stopped: run again to continue)" in stdout
    assert "KeyboardInterrupt" not in stdout + stderr
    assert "Ctrl-C: stopping the videos under way (run again to finish them)" in stderr


def test_a_csv_row_after_the_videos_end_says_so(tmp_path: Path, capsys) -> None:
    """A row of 50-60 s for a 2 s video read "nobody was seen in it" (a trial)."""
    from tests.video_files import read_frames, write_video

    video = require_data("videos", "ta_chi.mp4")
    write_video(tmp_path / "a.avi", read_frames(video, 60), 29.97)
    table = tmp_path / "late.csv"
    table.write_text(HEADER + "a.avi,0,1,wave\na.avi,2.5,3,late\n")
    out = tmp_path / "ds"
    assert main(["data", "extract", str(table), "--out", str(out), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert (
        "label 2.5-3 s (row 3) starts after the video's end (2.00 s): not labelled"
        in err
    )
    assert [r.action for r in read_labels(out)] == ["wave"]
    # times far past the end (frame numbers, milliseconds) are refused before any
    # video is processed: clipped or dropped with exit 0, the action gone (a trial)
    for rows, said in (
        ("a.avi,0,45,wave\n", "late.csv:2: end 45 s is far past the end of a.avi"),
        ("a.avi,0,1,wave\na.avi,50,60,late\n", "late.csv:3: end 60 s is far past"),
    ):
        table.write_text(HEADER + rows)
        fresh = tmp_path / "fresh"
        assert main(["data", "extract", str(table), "--out", str(fresh)]) == 2
        err = capsys.readouterr().err
        assert said in err and "(frame numbers or milliseconds?)" in err
        assert not fresh.exists()


def test_extract_refuses_counts_below_one_and_names_a_missing_video(tmp_path, capsys):
    """--max-frames 0 and -5 imported one frame each, --workers 0 ran one, and a
    missing clip.mp4 was "no such folder or CSV file" (a trial)."""
    video = tmp_path / "wave.mp4"
    video.symlink_to(require_data("videos", "ta_chi.mp4"))
    out = tmp_path / "ds"
    for flags, said in (
        (["--max-frames", "0"], "--max-frames must be >= 1, got 0"),
        (["--workers", "0"], "--workers must be >= 1, got 0"),
    ):
        assert main(["data", "extract", str(video), "--out", str(out), *flags]) == 2
        assert said in capsys.readouterr().err
    assert not out.exists()
    missing = tmp_path / "clip.mp4"
    assert main(["data", "extract", str(missing), "--out", str(out)]) == 2
    assert f"{missing}: no such video" in capsys.readouterr().err


def test_a_capped_import_is_redone_without_the_cap(tmp_path, capsys):
    """--max-frames 20 marked the recording complete: the whole video was never
    imported afterwards, "1 already done" (a trial)."""
    video = tmp_path / "drink.avi"
    video.symlink_to(require_data("videos", NTU))
    out = tmp_path / "ds"
    base = ["data", "extract", str(video), "--out", str(out), "--workers", "1"]
    assert main([*base, "--max-frames", "5"]) == 0
    assert main([*base, "--max-frames", "5"]) == 0  # the same cap: done
    assert "0 extracted, 1 already done" in capsys.readouterr().out
    assert [r.frames for r in list_recordings(out)] == [5]
    assert main(base) == 0
    assert "1 extracted, 0 already done" in capsys.readouterr().out
    assert [r.frames for r in list_recordings(out)] == [103]


def test_the_same_video_imported_twice_is_said(tmp_path, capsys):
    """A copy of a video under another name, in the same import or in a later one,
    went in unnoticed (a trial): its frames trained twice and could sit on both sides
    of the validation split. Both are still imported, and the import says which."""
    from core.extract import same_videos

    videos = tmp_path / "videos"
    for folder in ("wave", "jump"):
        (videos / folder).mkdir(parents=True)
    (videos / "wave" / "w1.mp4").symlink_to(require_data("videos", "ta_chi.mp4"))
    (videos / "jump" / "j1.avi").symlink_to(require_data("videos", NTU))
    out = tmp_path / "ds"
    args = ["--out", str(out), "--max-frames", "5", "--workers", "1"]
    assert main(["data", "extract", str(videos), *args]) == 0
    said = capsys.readouterr()
    assert "same video" not in said.out + said.err  # two different videos
    # a copy (not a link) under another folder and name, beside a new video
    (videos / "kick").mkdir()
    (videos / "kick" / "k1.mp4").write_bytes((videos / "wave" / "w1.mp4").read_bytes())
    assert main(["data", "extract", str(videos), *args]) == 0
    said = "".join(capsys.readouterr())
    assert said.count("same video") == 1, said
    assert "warning: k1.mp4 (recording 'kick-k1') is the same video as " in said
    assert "(recording 'wave-w1'): both are used" in said
    # the copy already imported: said again against the dataset's recording
    copy = tmp_path / "elsewhere" / "session.mp4"
    copy.parent.mkdir()
    copy.write_bytes((videos / "jump" / "j1.avi").read_bytes())
    assert main(["data", "extract", str(copy), *args]) == 0
    said = "".join(capsys.readouterr())
    assert "session.mp4 (recording 'session') is the same video as " in said
    assert "(recording 'jump-j1' (already in the dataset))" in said, said
    # a video imported again from where it was is no copy of itself: the folder
    # again says its one copy (kick-k1) and the copy of j1 the dataset now holds
    again = same_videos(plan(videos), out)
    assert len(again) == 2 and "'kick-k1'" in again[0] + again[1], again
    assert "'session' (already in the dataset)" in again[0] + again[1], again
    # the very file a recording came from, imported under another name (a CSV's
    # "drink" where the folder named it "jump-j1"): said, not passed for itself
    # (a trial)
    table = tmp_path / "list.csv"
    table.write_text(f"video,start,end,action\n{videos / 'jump' / 'j1.avi'},0,,drink\n")
    assert main(["data", "extract", str(table), *args]) == 0
    said = "".join(capsys.readouterr())
    assert (
        "j1.avi (recording 'j1') is the video recording 'jump-j1' of the dataset came "
        "from, imported under another name: both are used" in said
    ), said


def test_a_photo_saved_as_a_video_is_refused_not_a_one_frame_take(
    tmp_path: Path, capsys
) -> None:
    """A PNG renamed .mp4 was imported as a one-frame take labelled "jump" (a
    trial)."""
    import cv2

    from tests.video_files import read_frames

    folder = tmp_path / "videos" / "jump"
    folder.mkdir(parents=True)
    frame = read_frames(require_data("videos", "ta_chi.mp4"), 1)[0]
    assert cv2.imwrite(str(folder / "photo.png"), frame)
    (folder / "photo.png").rename(folder / "photo.mp4")
    out = tmp_path / "ds"
    assert main(["data", "extract", str(tmp_path / "videos"), "--out", str(out),
                 "--workers", "1"]) == 1  # fmt: skip
    said = capsys.readouterr()
    assert "photo.mp4': one frame only: a still image, not a video" in (
        said.out + said.err
    )
    assert list_recordings(out) == [] and read_labels(out) == []
    # ... and the dataset folder made for this import, which gave nothing, is not
    # left behind empty (a trial); one that was there stays
    assert not out.exists()
    out.mkdir()
    assert main(["data", "extract", str(tmp_path / "videos"), "--out", str(out),
                 "--workers", "1"]) == 1  # fmt: skip
    assert out.is_dir()
    # nor are the folders made to hold it (new/ of new/ds); one there before stays
    deep = tmp_path / "new" / "deeper" / "ds"
    assert main(["data", "extract", str(tmp_path / "videos"), "--out", str(deep),
                 "--workers", "1"]) == 1  # fmt: skip
    assert not (tmp_path / "new").exists() and tmp_path.is_dir()


def test_action_folders_named_alike_are_warned_of_at_import(
    tmp_path: Path, capsys
) -> None:
    """Folders "Wave" and "wave" became two classes, said only later by data info
    (a trial)."""

    def add(folder: str, name: str) -> str:
        """A tai chi video in ``videos/folder``; the import's warnings."""
        (tmp_path / "videos" / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / "videos" / folder / name).symlink_to(
            require_data("videos", "ta_chi.mp4")
        )
        assert main(["data", "extract", str(tmp_path / "videos"), "--out", str(out),
                     "--workers", "1", "--max-frames", "2"]) == 0  # fmt: skip
        return capsys.readouterr().err

    out = tmp_path / "ds"
    add("Wave", "a.mp4")
    assert (
        "warning: actions 'Wave' and 'wave' differ only in case or spaces: they are "
        "different classes" in add("wave", "a.mp4")
    )
    # a folder whose name ends in a space is its action without it: one class, said
    assert (
        "warning: actions 'wave' and 'wave ' are one, 'wave' (spaces at a name's ends "
        "are dropped)" in add("wave ", "b.mp4")
    )
    assert {r.action for r in read_labels(out)} == {"Wave", "wave"}


def test_an_unclosed_quote_in_a_videos_csv_is_named_at_its_row(tmp_path: Path) -> None:
    """'videos.csv:3: malformed CSV (unexpected end of data)' named the line after
    the one with a stray quote (a bad-input trial)."""
    from core.datasets.base import DataFormatError

    csv_file = tmp_path / "videos.csv"
    csv_file.write_text(
        'video,start,end,action\nclip.mp4,0,1,"wave\nclip.mp4,1,2,clap\n',
        encoding="utf-8",
    )
    with pytest.raises(DataFormatError) as err:
        plan(csv_file)
    assert err.value.line == 2 and "opens a field that is never closed" in str(
        err.value
    )
