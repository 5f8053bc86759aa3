"""Recording takes through real MediaPipe, training on them, recognising them live; a
recording process killed mid-take; ``ms2l data extract`` on a folder of real videos.

The shared videos stand in for a camera: ``ta_chi.mp4`` and the NTU RGB video
(``S001C001P001R001A001_rgb.avi``, mirrored like every Kinect colour video) are two
actions. MediaPipe costs ~30 ms a frame, so takes are kept to a few dozen frames.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from core.cli import main
from core.datasets.custom import (
    build_clips,
    list_recordings,
    read_labels,
)
from core.datasets.ntu import read_skeleton_bytes
from core.datasets.recording import export_ntu_skeleton, read_recording
from core.recorder import (
    RecordFinished,
    RecordProgress,
    RecordStarted,
    record,
)
from tests.conftest import REPO, require_data

TAKE_FRAMES = 45


@pytest.fixture(scope="module")
def two_actions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two takes recorded through MediaPipe: 'tai chi' and 'drink water'."""
    root = tmp_path_factory.mktemp("rec") / "mine"
    tai = require_data("videos", "ta_chi.mp4")
    ntu = require_data("videos", "S001C001P001R001A001_rgb.avi")
    for video, action, mirrored in (
        (tai, "tai chi", False),
        (ntu, "drink water", True),
    ):
        events = list(
            record(video, root, action=action, subject="me", mirrored=mirrored,
                   max_frames=TAKE_FRAMES)
        )  # fmt: skip
        assert isinstance(events[0], RecordStarted)
        progress = [e for e in events if isinstance(e, RecordProgress)]
        assert [p.frames for p in progress] == list(range(1, TAKE_FRAMES + 1))
        assert progress[-1].detected >= TAKE_FRAMES - 5
        done = events[-1]
        assert isinstance(done, RecordFinished) and done.reason == "max_frames"
        assert done.label is not None and done.label.action == action
    return root


def test_takes_are_labelled_recordings_with_raw_landmarks(two_actions: Path) -> None:
    infos = {i.name: i for i in list_recordings(two_actions)}
    assert set(infos) == {"tai_chi-001", "drink_water-001"}
    assert all(i.complete and i.frames == TAKE_FRAMES for i in infos.values())
    ntu = infos["drink_water-001"].source
    assert (ntu.kind, ntu.width, ntu.height, ntu.mirrored) == (
        "video",
        1920,
        1080,
        True,
    )
    rec = read_recording(two_actions / "tai_chi-001.jsonl")
    assert rec.layout == "mp33" and rec.joints.shape == (TAKE_FRAMES, 1, 33, 3)
    assert rec.image_xy is not None and rec.visibility is not None
    assert 0 < rec.image_xy[rec.present].mean() < 1
    np.testing.assert_allclose(np.diff(rec.timestamps), 1 / rec.source.fps, atol=1e-5)
    rows = read_labels(two_actions)
    assert [(r.recording, r.action, r.subject) for r in rows] == [
        ("tai_chi-001", "tai chi", "me"), ("drink_water-001", "drink water", "me"),
    ]  # fmt: skip
    layout, _, classes, clips, _ = build_clips(two_actions)
    assert layout == "ntu25" and classes == ["drink water", "tai chi"]
    # The converted skeleton is upright (Kinect axes: y up): head above the feet.
    head, feet = clips[0].joints[:, 0, 3, 1], clips[0].joints[:, 0, [15, 19], 1]
    assert np.all(head > feet.max(axis=1))


def test_a_take_far_shorter_than_the_others_of_its_action_is_noted(
    two_actions: Path, tmp_path: Path
) -> None:
    """A 1-second take among longer ones of the same action was kept silently."""
    import shutil

    root = tmp_path / "mine"
    shutil.copytree(two_actions, root)
    tai = require_data("videos", "ta_chi.mp4")
    short = list(record(tai, root, action="tai chi", max_frames=10))[-1]
    assert isinstance(short, RecordFinished) and short.label is not None
    assert short.warning == (
        f"'tai_chi-002' is {short.seconds:.1f} s long, far shorter than your other "
        "'tai chi' takes (1.5 s typically): a take that holds the whole action "
        "teaches it better; delete it and record it again if it was cut short"
    )
    # As long as the others, or the first of its action: nothing to say.
    again = list(record(tai, root, action="tai chi", max_frames=TAKE_FRAMES))[-1]
    first = list(record(tai, root, action="wave", max_frames=10))[-1]
    assert again.warning == "" and first.warning == ""
    # A take with the person in few of its frames is no yardstick (a re-trial: a
    # long take mostly without the person made a good short one read as cut short).
    import json

    mostly_empty = tmp_path / "sparse"
    shutil.copytree(two_actions, mostly_empty)
    for info in list_recordings(mostly_empty):
        lines = [json.loads(x) for x in info.path.read_text().splitlines()]
        for doc in [d for d in lines if "t" in d][3:]:
            for key in ("w", "i", "v"):  # nobody in view: the time alone
                doc.pop(key, None)
        info.path.write_text("".join(json.dumps(d) + "\n" for d in lines))
    short = list(record(tai, mostly_empty, action="tai chi", max_frames=10))[-1]
    assert short.label is not None and short.warning == ""


def test_mediapipe_recording_exports_to_ntu(two_actions: Path, tmp_path: Path) -> None:
    rec = read_recording(two_actions / "drink_water-001.jsonl")
    out = export_ntu_skeleton(rec, tmp_path / "S001C001P001R001A001.skeleton")
    seq = read_skeleton_bytes(out.read_bytes(), str(out))
    assert seq is not None and seq.num_frames == TAKE_FRAMES
    np.testing.assert_allclose(seq.joints, rec.kinect_joints("ntu25"), atol=2e-6)
    assert seq.color_xy is not None and seq.color_xy[:, 0, :, 0].max() <= 1920


def test_train_on_takes_and_recognise_live(
    two_actions: Path, tmp_path: Path, monkeypatch
) -> None:
    """'Train on my actions' (the GUI's config) on the takes; the live pipeline then
    names the user's actions."""
    from core.inference import Predictor
    from core.live.pipeline import run_live
    from core.live.recogniser import LiveSettings
    from core.training.events import RunFinished
    from core.training.loop import run as train
    from core.training.teach import teach_config

    run = tmp_path / "run"
    cfg = teach_config(two_actions, run, epochs=3, val_fraction=0, device="cpu",
                       threads=1, cache_dir=str(tmp_path / "cache"))  # fmt: skip
    events = list(train(cfg, threading.Event()))
    assert isinstance(events[-1], RunFinished) and not events[-1].cancelled
    predictor = Predictor.from_run(run, device="cpu")
    assert predictor.labels == ["drink water", "tai chi"]
    stop = threading.Event()
    answers = []
    video = require_data("videos", "ta_chi.mp4")
    # Predictions run on a worker thread, as in Live: the first answer arrives after the
    # window has filled *and* the worker has replied, so a fixed frame count raced it.
    for n, update in enumerate(run_live(video, predictor, LiveSettings(), stop)):
        if update.prediction.probabilities is not None:
            answers.append(update.prediction.top_k[0][0])
        if len(answers) >= 3 or n >= 300:
            stop.set()
    assert len(answers) >= 3 and set(answers) <= {"drink water", "tai chi"}
    # Nothing was held out: evaluating its test split says so and what to do instead.
    from core.evaluation import evaluate_run

    with pytest.raises(ValueError, match="--val-fraction 0.*--split train"):
        evaluate_run(run, device="cpu")
    assert evaluate_run(run, split="train", device="cpu").num_clips > 0


def test_killed_recording_leaves_a_readable_dataset(
    two_actions: Path, tmp_path: Path
) -> None:
    """SIGKILL a real recording process mid-take: the dataset stays usable and the
    frames synced before the kill are all there."""
    root = tmp_path / "ds"
    root.mkdir()
    for f in two_actions.iterdir():
        (root / f.name).write_bytes(f.read_bytes())
    labels_before = (root / "labels.csv").read_bytes()
    video = require_data("videos", "ta_chi.mp4")
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "core.recorder", str(video), str(root), "killed",
         "--action", "tai chi"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=REPO,
    )  # fmt: skip
    synced = frames = 0
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            parts = line.split()
            if parts[0] == "frames":
                frames, synced = int(parts[1]), int(parts[3])
                if synced >= 30 and frames > synced:
                    break
        else:
            pytest.fail("the recorder ended before a frame was synced")
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    rec = read_recording(root / "killed.jsonl")
    assert not rec.complete and synced <= rec.num_frames <= frames + 1
    info = {i.name: i for i in list_recordings(root)}["killed"]
    assert not info.complete and info.frames == rec.num_frames and not info.error
    assert (root / "labels.csv").read_bytes() == labels_before  # the take never ended
    _, _, classes, clips, failed = build_clips(root)
    assert not failed and classes == ["drink water", "tai chi"]
    assert any(c.meta["recording"] == "killed" for c in clips)  # unlabelled windows
    assert not list(root.glob(".*.tmp"))


def test_data_extract_folder_resumable_parallel(tmp_path: Path, capsys) -> None:
    videos = tmp_path / "videos"
    tai = require_data("videos", "ta_chi.mp4")
    ntu = require_data("videos", "S001C001P001R001A001_rgb.avi")
    (videos / "tai chi").mkdir(parents=True)
    (videos / "drink").mkdir()
    (videos / "tai chi" / "one.mp4").symlink_to(tai)
    (videos / "drink" / "two.avi").symlink_to(ntu)
    (videos / "drink" / "broken.mp4").write_bytes(b"not a video")
    (videos / "drink" / "notes.txt").write_text("shot on Monday")
    (videos / "tai chi" / "three.txt").symlink_to(tai)  # a video under another name
    (videos / "loose.mp4").symlink_to(tai)  # at the top level: to label afterwards
    (videos / "drink" / "day2").mkdir()  # nor in a folder inside one
    (videos / "drink" / "day2" / "three.mp4").symlink_to(tai)
    out = tmp_path / "ds"
    args = ["data", "extract", str(videos), "--out", str(out), "--max-frames", "12"]
    assert main([*args, "--workers", "2"]) == 1  # one video failed
    captured = capsys.readouterr()
    assert "broken.mp4" in captured.err and "4 extracted" in captured.out
    assert re.search(r"left out 2 file\(s\) that are not videos \(.*\): "
                     r"drink/day2/, drink/notes\.txt$", captured.err, re.M)  # fmt: skip
    rows = read_labels(out)
    assert sorted((r.recording, r.action) for r in rows) == [
        ("drink-two", "drink"), ("tai_chi-one", "tai chi"), ("tai_chi-three", "tai chi"),
    ]  # fmt: skip
    assert all(i.frames == 12 and i.complete for i in list_recordings(out))
    assert "loose" in {i.name for i in list_recordings(out)}  # unlabelled
    assert main([*args, "--workers", "1"]) == 1  # resumed: nothing left to extract
    assert "0 extracted, 4 already done, 1 failed" in capsys.readouterr().out
    assert read_labels(out) == rows
    # A CSV of intervals: one recording per video, one row per interval.
    table = tmp_path / "labels.csv"
    table.write_text(
        "video,start,end,action\nvideos/tai chi/one.mp4,0,0.2,a\n"
        "videos/tai chi/one.mp4,0.2,,b\n"
    )
    out2 = tmp_path / "ds2"
    assert main(["data", "extract", str(table), "--out", str(out2), "--max-frames",
                 "12", "--workers", "1"]) == 0  # fmt: skip
    got = [(r.recording, r.start, r.action) for r in read_labels(out2)]
    assert got == [("one", 0.0, "a"), ("one", 0.2, "b")]
    table.write_text("video,start,end\n")
    assert main(["data", "extract", str(table), "--out", str(out2)]) == 2
    assert "labels.csv:1: header" in capsys.readouterr().err


def test_data_extract_same_names_and_videos_without_anyone(
    tmp_path: Path, capsys
) -> None:
    """Two videos whose names slug alike both become recordings (the second was
    silently dropped); a video where nobody is seen stays unlabelled on a rerun too (the
    rerun labelled it, and that row then stopped ``data info``)."""
    import cv2

    from core.extract import plan

    tai = require_data("videos", "ta_chi.mp4")
    videos = tmp_path / "videos"
    (videos / "a").mkdir(parents=True)
    (videos / "a" / "clip.mp4").symlink_to(tai)
    (videos / "a" / "clip.avi").symlink_to(
        require_data("videos", "S001C001P001R001A001_rgb.avi")
    )
    (videos / "a" / "my clip.mp4").symlink_to(tai)
    (videos / "a" / "my_clip.mp4").symlink_to(tai)
    names = {job.name: job.video.name for job in plan(videos)}
    assert names == {"a-clip": "clip.avi", "a-clip-2": "clip.mp4",
                     "a-my_clip": "my clip.mp4", "a-my_clip-2": "my_clip.mp4"}  # fmt: skip

    idle = tmp_path / "idle"
    (idle / "idle").mkdir(parents=True)
    writer = cv2.VideoWriter(
        str(idle / "idle" / "empty room.avi"),
        cv2.VideoWriter_fourcc(*"MJPG"),
        30,
        (160, 120),
    )
    for _ in range(10):
        writer.write(np.zeros((120, 160, 3), np.uint8))
    writer.release()
    (idle / "idle" / "tai.mp4").symlink_to(tai)
    out = tmp_path / "ds"
    args = ["data", "extract", str(idle), "--out", str(out), "--max-frames", "10",
            "--workers", "1"]  # fmt: skip
    for _ in range(2):  # extracted, then skipped as already done
        assert main(args) == 0
        assert [r.recording for r in read_labels(out)] == ["idle-tai"]
    assert "idle-empty_room: nobody was seen: not labelled" in capsys.readouterr().err
    assert main(["data", "info", "--dataset", "custom", "--root", str(out)]) == 0


def test_data_extract_says_when_a_video_is_truncated(tmp_path: Path, capsys) -> None:
    """Half of an AVI's bytes decode quietly to half of its frames: the recording keeps
    them, and the file's own frame count says it was cut short (it was imported and
    labelled as if whole, without a word)."""
    avi = require_data("videos", "S001C001P001R001A001_rgb.avi")
    videos = tmp_path / "videos" / "drink"
    videos.mkdir(parents=True)
    data = avi.read_bytes()
    (videos / "cut.avi").write_bytes(data[: len(data) // 2])
    (videos / "whole.avi").symlink_to(avi)
    out = tmp_path / "ds"
    assert main(["data", "extract", str(tmp_path / "videos"), "--out", str(out),
                 "--workers", "2"]) == 0  # fmt: skip
    err = capsys.readouterr().err
    found = re.search(
        r"drink-cut: the file says it holds 103 frames but only (\d+) could be "
        r"decoded: it may be truncated or damaged; kept \1",
        err,
    )
    assert found and 0 < int(found[1]) < 90, err
    assert "whole" not in err
    assert sorted(r.recording for r in read_labels(out)) == ["drink-cut", "drink-whole"]


def test_a_video_added_on_a_rerun_never_takes_another_videos_recording(tmp_path: Path):
    """clip.mp4 extracted alone is walk-clip; clip.avi added later sorts first and would
    have been named walk-clip (and skipped as done, with clip.mp4 extracted again as
    walk-clip-2): each recording stays with the video it holds."""
    from core.datasets.custom import list_recordings
    from core.extract import ExtractDone, ExtractSkipped, extract

    videos = tmp_path / "videos"
    (videos / "walk").mkdir(parents=True)
    (videos / "walk" / "clip.mp4").symlink_to(require_data("videos", "ta_chi.mp4"))
    out = tmp_path / "ds"
    events = list(extract(videos, out, workers=1, max_frames=6))
    assert [e.name for e in events if isinstance(e, ExtractDone)] == ["walk-clip"]
    ntu = require_data("videos", "S001C001P001R001A001_rgb.avi")
    (videos / "walk" / "clip.avi").symlink_to(ntu)
    events = list(extract(videos, out, workers=1, max_frames=6))
    assert [e.name for e in events if isinstance(e, ExtractSkipped)] == ["walk-clip"]
    assert [e.name for e in events if isinstance(e, ExtractDone)] == ["walk-clip-2"]
    held = {i.name: Path(i.source.path).name for i in list_recordings(out)}
    assert held == {"walk-clip": "clip.mp4", "walk-clip-2": "clip.avi"}


def test_an_import_never_takes_over_a_take_recorded_from_the_same_video(tmp_path: Path):
    """A take recorded in Teach from tai.mp4 (walk-001) is the user's: importing the
    same video makes its own recording instead of skipping or overwriting the take."""
    from core.extract import ExtractDone, extract

    video = tmp_path / "tai.mp4"
    video.symlink_to(require_data("videos", "ta_chi.mp4"))
    out = tmp_path / "ds"
    take = list(record(video, out, action="walk", max_frames=4))[-1]
    assert isinstance(take, RecordFinished) and take.name == "walk-001"
    before = take.path.read_bytes()
    table = tmp_path / "labels.csv"
    table.write_text("video,start,end,action\ntai.mp4,0,0.1,wave\n")
    events = list(extract(table, out, workers=1, max_frames=6))
    assert [e.name for e in events if isinstance(e, ExtractDone)] == ["tai"]
    frames = {i.name: i.frames for i in list_recordings(out)}
    assert frames == {"walk-001": 4, "tai": 6}
    assert {(r.recording, r.action) for r in read_labels(out)} == {
        ("walk-001", "walk"), ("tai", "wave")}  # fmt: skip
    assert take.path.read_bytes() == before


def test_rows_left_out_are_said_on_a_rerun_too(tmp_path: Path):
    """A CSV row past the video's end is cut at the end with a warning when the
    video is extracted, and said again when the rerun skips it (it was dropped
    silently, then dropped with a warning: a trial's 8-30 s row of a 10 s video lost
    its 2 s of the action)."""
    from core.extract import ExtractDone, ExtractSkipped, extract

    video = tmp_path / "tai.mp4"
    video.symlink_to(require_data("videos", "ta_chi.mp4"))
    table = tmp_path / "labels.csv"
    table.write_text("video,start,end,action\ntai.mp4,0,0.1,a\ntai.mp4,0.1,15,b\n")
    out = tmp_path / "ds"
    first = [e for e in extract(table, out, workers=1, max_frames=6)]
    again = [e for e in extract(table, out, workers=1, max_frames=6)]
    done = next(e for e in first if isinstance(e, ExtractDone))
    skipped = next(e for e in again if isinstance(e, ExtractSkipped))
    for event in (done, skipped):
        assert (
            "label 0.1-15 s (row 3) runs past the end (0.20 s): labelled 0.1-0.20 s"
            in (event.warning)
        )
    rows = read_labels(out)
    assert [(r.action, r.start, r.end) for r in rows] == [
        ("a", 0, 0.1),
        ("b", 0.1, 0.2),
    ]


def test_a_countdown_on_a_video_file_loses_no_frame(tmp_path: Path):
    """The countdown waits on the clock over a file's first frame (counted down in the
    file's own time, a 3 s countdown silently dropped 90 of tai chi's 300 frames)."""
    import time

    from core.recorder import RecordCountdown

    video = require_data("videos", "ta_chi.mp4")
    t0 = time.monotonic()
    events = list(record(video, tmp_path / "ds", action="tai chi", countdown=0.5))
    waited = time.monotonic() - t0
    counts = [e for e in events if isinstance(e, RecordCountdown)]
    finished = events[-1]
    assert isinstance(finished, RecordFinished) and finished.reason == "eof"
    assert finished.frames == 300  # every frame of the file
    assert counts and counts[0].seconds_left > 0.4 and waited >= 0.5


def test_a_paced_video_file_plays_at_its_own_rate_and_keeps_every_frame(
    tmp_path: Path,
):
    """A video file standing in for a camera was read as fast as MediaPipe went:
    a 2 s take of it was over on screen before the person had watched it (a trial)."""
    import time

    from core.recorder import RecordProgress

    video = require_data("videos", "ta_chi.mp4")
    seen: list[tuple[float, float]] = []  # (wall clock, the take's own time)
    start = time.monotonic()
    for event in record(video, tmp_path / "ds", action="tai chi", max_seconds=1.5,
                        pace=True):  # fmt: skip
        if isinstance(event, RecordProgress):
            seen.append((time.monotonic(), event.seconds))
    finished = event
    assert isinstance(finished, RecordFinished) and finished.reason == "max_seconds"
    assert finished.frames == len(seen) == 45  # 1.5 s at 29.97 FPS, none skipped
    # ... and it lasts that long (the frame at 1.5 s made it 46 frames, 1.53 s)
    assert finished.seconds == pytest.approx(1.5, abs=0.01)
    # never ahead of the file's clock (behind it only if MediaPipe is slower)
    assert all(wall - start >= t for wall, t in seen)


def test_stopped_during_the_countdown_nothing_is_saved(tmp_path: Path):
    """Stop pressed during the countdown saved an empty take, said to be one where
    "nobody was seen" beside a frame showing the person (a trial)."""
    import threading

    from core.datasets.custom import list_recordings
    from core.recorder import RecordCountdown

    stop = threading.Event()
    events = []
    root = tmp_path / "ds"
    for event in record(require_data("videos", "ta_chi.mp4"), root, action="wave",
                        countdown=2.0, stop=stop):  # fmt: skip
        events.append(event)
        if isinstance(event, RecordCountdown):
            stop.set()
    finished = events[-1]
    assert isinstance(finished, RecordFinished)
    assert (finished.reason, finished.frames, finished.warning) == ("cancelled", 0, "")
    assert not finished.path.exists()
    assert list_recordings(root) == [] and read_labels(root) == []


def test_a_take_with_a_person_in_few_frames_says_so(tmp_path: Path):
    """A take of a person mostly out of the picture (2 of 61 frames) was labelled and
    trained on with no word (a trial)."""
    import cv2

    from core.live.capture import VideoSource

    video = tmp_path / "mostly_empty.avi"
    with VideoSource(require_data("videos", "ta_chi.mp4")) as src:
        person = [f.image for _, f in zip(range(6), src)]
    h, w = person[0].shape[:2]
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 30, (w, h))
    for image in person + [np.zeros_like(person[0])] * 24:
        writer.write(image)
    writer.release()
    finished = list(record(video, tmp_path / "ds", action="wave"))[-1]
    assert isinstance(finished, RecordFinished) and finished.label is not None
    assert 0 < finished.detected < 15 and finished.frames == 30
    # the listing counts them alike (the Teach list marks the take by it)
    (listed,) = list_recordings(tmp_path / "ds")
    assert (listed.detected, listed.frames) == (finished.detected, 30)
    assert finished.warning == (
        f"a person was seen in only {finished.detected} of the 30 frames of "
        "'wave-001': it is labelled 'wave', but teaches little of it; record it again "
        "with your whole body in the picture (or delete it)"
    )


def test_a_take_into_a_folder_with_a_damaged_labels_csv_is_kept_and_says_so(
    tmp_path: Path,
):
    """It read "Recording failed: labels.csv:3: start 'abc' is not a number of
    seconds" over a take saved whole (a trial)."""
    from core.datasets import custom

    root = tmp_path / "ds"
    root.mkdir()
    table = "recording,start,end,action,subject\nold,abc,1,wave,\n"
    (root / "labels.csv").write_text(table)
    video = require_data("videos", "ta_chi.mp4")
    finished = list(record(video, root, action="kick", max_frames=20))[-1]
    assert isinstance(finished, RecordFinished) and finished.frames == 20
    assert finished.label is None
    assert finished.warning.startswith(
        f"{finished.name!r} was saved but not labelled 'kick': "
    )
    assert "labels.csv:2" in finished.warning and "fix that file" in finished.warning
    assert (root / "labels.csv").read_text() == table  # left as it was
    [info] = custom.list_recordings(root)
    assert info.name == finished.name and info.frames == 20


def test_a_take_from_a_video_cut_short_says_so(tmp_path: Path):
    """A take from a video file truncated (before or while it was read) was saved as
    if whole, unsaid; Live and infer say it (a trial)."""
    data = require_data("videos", "S001C001P001R001A001_rgb.avi").read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: len(data) // 2])
    finished = list(record(cut, tmp_path / "ds", action="drink"))[-1]
    assert isinstance(finished, RecordFinished) and finished.reason == "eof"
    assert finished.label is not None  # kept and labelled: what was there is good
    assert finished.warning.startswith(
        f"the take ends early: {cut}: the file says it holds 103 frames but only "
    )
    whole = require_data("videos", "S001C001P001R001A001_rgb.avi")
    finished = list(record(whole, tmp_path / "ds", action="drink"))[-1]
    assert "ends early" not in finished.warning
