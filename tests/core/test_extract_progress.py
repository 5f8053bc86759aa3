"""``ms2l data extract`` shows how far it is inside long work: the frames to process are
read from the videos' headers up front (no decoding), the heartbeats count frames towards
them, and the terminal line gives a percentage and the time left. One 40-minute video read
"0/1" until it ended (a trial).

Videos are the shared real ones (symlinked) or short clips cut from them; MediaPipe runs
for real.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from core.cli import main
from core.datasets.custom import list_recordings
from core.extract import (
    ExtractDone,
    ExtractFrames,
    ExtractStarted,
    extract,
    header_frames,
)
from tests.conftest import require_data
from tests.video_headers import claim_frames, short_clip

NTU = "S001C001P001R001A001_rgb.avi"
HEADER = "video,start,end,action\n"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _started(videos: Path, out: Path, **options) -> ExtractStarted:
    """The first event of an extraction (before any video is read), and no more."""
    events = extract(videos, out, workers=1, **options)
    try:
        started = next(events)
    finally:
        events.close()
    assert isinstance(started, ExtractStarted)
    return started


def _frame_count(video: Path) -> int:
    cap = cv2.VideoCapture(str(video))
    try:
        return int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    finally:
        cap.release()


def test_expected_frames_are_the_headers_of_the_videos_still_to_do(tmp_path: Path):
    """The sum of the to-do videos' header counts (at most --max-frames each); a video
    already extracted is left out, one that does not open counts 0."""
    tai, ntu = require_data("videos", "ta_chi.mp4"), require_data("videos", NTU)
    assert (_frame_count(tai), _frame_count(ntu)) == (300, 103)
    videos, out = tmp_path / "videos", tmp_path / "ds"
    (videos / "wave").mkdir(parents=True)
    (videos / "wave" / "a.mp4").symlink_to(tai)
    assert _started(videos, out).expected == 300
    list(extract(videos, out, workers=1, max_frames=3))  # a.mp4 is done
    (videos / "drink").mkdir()
    (videos / "drink" / "b.avi").symlink_to(ntu)
    (videos / "drink" / "broken.mp4").write_bytes(b"not a video")
    started = _started(videos, out, max_frames=3)  # a.mp4 done with that cap
    assert (started.total, started.todo, started.expected) == (3, 2, 3)
    # without it (or another) a.mp4 is to do again, the whole of it
    started = _started(videos, out)
    assert (started.total, started.todo, started.expected) == (3, 3, 403)
    assert _started(videos, out, max_frames=50).expected == 100
    assert header_frames(videos / "drink" / "broken.mp4") == 0


def test_a_csv_interval_counts_the_frames_extracted(tmp_path: Path) -> None:
    """A CSV row labels an interval of a recording made of the whole video (the rest
    feeds self-supervised pretraining): its video's frames are all processed, and all
    counted."""
    clip = short_clip(tmp_path / "clip.avi", 20)
    table = tmp_path / "videos.csv"
    table.write_text(HEADER + "clip.avi,0.1,0.3,wave\nclip.avi,0.4,,sit\n")
    out = tmp_path / "ds"
    events = list(extract(table, out, workers=1))
    started, beats = events[0], [e for e in events if isinstance(e, ExtractFrames)]
    assert isinstance(started, ExtractStarted)
    assert started.expected == _frame_count(clip) == 20
    [recording] = list_recordings(out)
    assert recording.frames == beats[-1].frames == beats[-1].progress == 20


def test_a_header_without_a_frame_count_counts_videos_as_before(
    tmp_path: Path, capsys
) -> None:
    """A WebM written to a pipe has no duration: its frame count is unknown, so the
    import is counted in videos (a percentage of the others alone would reach 100 %
    with it still running)."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        pytest.skip("ffmpeg not found (it writes the WebM without a duration)")
    clip = short_clip(tmp_path / "clip.avi", 10)
    videos = tmp_path / "videos" / "wave"
    videos.mkdir(parents=True)
    shutil.copy(clip, videos / "known.avi")
    with open(videos / "piped.webm", "wb") as piped:
        subprocess.run(
            [ffmpeg, "-loglevel", "error", "-i", str(clip), "-c:v", "libvpx", "-f",
             "webm", "pipe:1"],
            stdout=piped, check=True,
        )  # fmt: skip
    assert header_frames(videos / "piped.webm") is None
    assert header_frames(videos / "known.avi") == 10
    assert _started(videos.parent, tmp_path / "ds").expected == 0
    args = ["data", "extract", str(videos.parent), "--out", str(tmp_path / "ds"),
            "--workers", "1", "--max-frames", "3"]  # fmt: skip
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "videos: 2/2 (100%)" in err and "frames:" not in err and "left" not in err


def test_the_terminal_line_gives_frames_percentage_and_time_left(
    tmp_path: Path, monkeypatch
) -> None:
    (tmp_path / "videos" / "drink").mkdir(parents=True)
    (tmp_path / "videos" / "drink" / "clip.avi").symlink_to(require_data("videos", NTU))
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    args = ["data", "extract", str(tmp_path / "videos"), "--out", str(tmp_path / "ds"),
            "--workers", "1"]  # fmt: skip
    assert main(args) == 0
    drawn = terminal.getvalue().split("\r")
    during = [
        m
        for line in drawn
        if (
            m := re.match(
                r"frames \[[#-]{30}\] (\d+)/103 +(\d+)% · 0/1 videos · "
                r"\d+:\d\d left\x1b\[K$",
                line,
            )
        )  # fmt: skip
    ]
    assert during, drawn
    assert all(0 < int(m[1]) < 103 and int(m[2]) < 100 for m in during)
    assert drawn[-1] == f"frames [{'#' * 30}] 103/103 100% · 1/1 videos\x1b[K\n"


def test_a_video_counts_its_frames_up_to_its_header(tmp_path: Path) -> None:
    """A header that says fewer frames than decode never takes the count past the
    expected frames; the video ends at 100 %."""
    videos = tmp_path / "videos" / "drink"
    videos.mkdir(parents=True)
    shutil.copy(require_data("videos", NTU), videos / "under.avi")
    claim_frames(videos / "under.avi", 20)  # 103 decode
    events = list(extract(tmp_path / "videos", tmp_path / "ds", workers=1))
    assert isinstance(events[0], ExtractStarted) and events[0].expected == 20
    beats = [e for e in events if isinstance(e, ExtractFrames)]
    assert any(e.frames > 20 and e.done == 0 for e in beats)  # read past its header
    assert all(e.progress <= e.expected == 20 for e in beats)
    assert (beats[-1].progress, beats[-1].frames) == (20, 103)


def test_headers_that_misstate_frames_end_at_100_percent_with_two_workers(
    tmp_path: Path,
) -> None:
    """In the pool (both cores) a video whose header claims twice its frames (a cut
    file) and one claiming a quarter: the count never passes the expected frames nor
    goes back, and ends at them."""
    videos = tmp_path / "videos" / "wave"
    videos.mkdir(parents=True)
    claim_frames(short_clip(videos / "over.avi", 40), 80)
    claim_frames(short_clip(videos / "under.avi", 40), 10)
    events = list(extract(tmp_path / "videos", tmp_path / "ds", workers=2))
    started = events[0]
    assert isinstance(started, ExtractStarted)
    assert (started.workers, started.expected) == (2, 90)
    beats = [e for e in events if isinstance(e, ExtractFrames)]
    shown = [e.progress for e in beats]
    assert shown == sorted(shown) and all(e.expected == 90 for e in beats)
    assert max(shown) == beats[-1].progress == 90 and beats[-1].frames == 80
    assert sum(isinstance(e, ExtractDone) for e in events) == 2
    assert all(r.frames == 40 and r.complete for r in list_recordings(tmp_path / "ds"))
