"""``ms2l infer`` on a real video, real skeleton files, and bad input."""

from __future__ import annotations

import dataclasses
import json
import re

import cv2
import numpy as np
import pytest

from core.cli import error_message, main
from core.datasets import custom
from core.inference.sequences import frame_accuracy
from tests.conftest import require_data
from tests.core.live_model import make_run
from tests.video_files import (
    late_start_clip,
    phone_video,
    portrait_person,
    read_frames,
    write_video,
)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return make_run(tmp_path_factory.mktemp("infer") / "tiny", window_seconds=1.0)


def _frames(path) -> int:
    cap = cv2.VideoCapture(str(path))
    n = 0
    while cap.read()[0]:
        n += 1
    cap.release()
    return n


def test_video_to_annotated_mp4_and_json_lines(run_dir, tmp_path, capsys):
    video = require_data("videos", "ta_chi.mp4")
    out, js = tmp_path / "out.mp4", tmp_path / "out.jsonl"
    argv = ["infer", str(video), "--run", str(run_dir), "--out", str(out)]
    argv += ["--json", str(js), "--max-frames", "45", "--every", "5"]
    assert main(argv) == 0
    said = capsys.readouterr()
    text = said.out
    assert "person found in" in text and "FPS end to end" in text
    # the frames' progress with the time left, as data extract gives it
    progress = [line for line in said.err.splitlines() if line.startswith("frames:")]
    assert progress[0] == "frames: 1/45 (2%)" and progress[-1] == "frames: 45/45 (100%)"
    assert all(re.search(r" · \d+:\d\d left$", line) for line in progress[1:-1])
    assert len(progress) >= 5
    # the sensor the model learnt from against MediaPipe now, as Live says it
    assert re.search(r"^sensors: Trained on .* · input now: MediaPipe", text, re.M)
    # The input's frame rate and duration (the whole file's, though 45 frames were read)
    assert "video: 340x256, 29.97 FPS, 10.0 s (300 frames)\n" in text
    assert "frames: 45 (the first of 300: --max-frames), person found in" in text
    assert _frames(out) == 45
    cap = cv2.VideoCapture(str(out))
    assert int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)) == 340
    cap.release()
    records = [json.loads(line) for line in js.read_text().splitlines()]
    assert len(records) >= 5
    first = records[0]
    assert {"frame", "time", "action", "top", "latency_ms", "fps", "unfamiliar"} <= set(
        first
    )
    assert len(first["top"]) == 3 and first["time"] == pytest.approx(
        first["frame"] / 29.97, abs=1e-3
    )
    assert first["latency_ms"]["pose"] > 0
    assert [r["frame"] for r in records] == sorted(r["frame"] for r in records)
    assert not list(tmp_path.glob(".*"))  # temporary files renamed into place


def test_onnx_backend_from_the_cli(run_dir, tmp_path, capsys):
    video = require_data("videos", "ta_chi.mp4")
    js = tmp_path / "onnx.jsonl"
    argv = ["infer", str(video), "--run", str(run_dir), "--backend", "onnx"]
    assert main(argv + ["--json", str(js), "--max-frames", "25", "--every", "2"]) == 0
    assert "(onnx, layout ntu25)" in capsys.readouterr().out
    assert js.read_text().count("\n") >= 3


def test_one_frame_video(run_dir, tmp_path, capsys):
    """A video of one frame (a photo saved as a video) is a still image, as data
    extract says: it read "predictions: none", exit 0 (a review); no output is left."""
    src = tmp_path / "one.avi"
    writer = cv2.VideoWriter(str(src), cv2.VideoWriter_fourcc(*"MJPG"), 10, (64, 48))
    writer.write(np.zeros((48, 64, 3), np.uint8))
    writer.release()
    out = tmp_path / "one.mp4"
    for extra in ([], ["--max-frames", "1"]):  # as long as the video: nothing cut
        argv = ["infer", str(src), "--run", str(run_dir), "--out", str(out), *extra]
        assert main([*argv, "--quiet"]) == 2
        assert capsys.readouterr().err.strip() == (
            f"ms2l infer: error: {src}: one frame only: a still image, not a video"
        )
        assert not out.exists()


def test_a_take_killed_before_its_first_frame(run_dir, tmp_path, capsys):
    """A recording of a header only (the recorder killed at once) was an internal
    error about array shapes, naming no file."""
    from core.datasets.recording import RecordingWriter, SourceInfo

    path = tmp_path / "empty.jsonl"
    RecordingWriter(path, "mp33", SourceInfo(kind="camera", fps=30.0)).abandon()
    assert main(["infer", str(path), "--run", str(run_dir)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"ms2l infer: error: {path}: empty: no frames (a recording stopped before "
        "its first frame): nothing to recognise"
    ]


def test_a_dataset_archive_is_sent_to_replay_and_eval(run_dir, tmp_path, capsys):
    """NW-UCLA's all_sqe.zip read as "cannot decode this file (damaged, …)", a sound
    archive called damaged (a trial); whatever its name."""
    import shutil

    renamed = tmp_path / "clips.bin"
    shutil.copy(require_data("nw-ucla", "all_sqe.zip"), renamed)
    for archive in (require_data("nw-ucla", "all_sqe.zip"), renamed):
        assert main(["infer", str(archive), "--run", str(run_dir)]) == 2
        err = capsys.readouterr().err
        assert f"{archive}: a zip archive of 1484 files of skeletons, a dataset" in err
        assert "Replay (Open zip…)" in err and f"--root {archive}" in err
        assert "decode" not in err
    # a model's weights (a zip too) given in --run's place is not called a dataset
    weights = run_dir / "weights.pt"
    assert main(["infer", str(weights), "--run", str(run_dir)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"ms2l infer: error: {weights}: a zip archive, not a video or a skeleton file "
        "(a model's file? --run takes the model's run folder)"
    )


def test_a_truncated_video_is_noted(run_dir, tmp_path, capsys):
    """Half of an AVI's bytes: OpenCV decodes what is there and stops quietly; the
    file's own frame count tells it was cut short."""
    data = require_data("videos", "S001C001P001R001A001_rgb.avi").read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: len(data) // 2])
    assert main(["infer", str(cut), "--run", str(run_dir)]) == 0
    err = capsys.readouterr().err
    assert f"{cut}: the file says it holds 103 frames but only" in err
    assert "truncated or damaged" in err
    whole = require_data("videos", "S001C001P001R001A001_rgb.avi")
    assert main(["infer", str(whole), "--run", str(run_dir)]) == 0
    assert "truncated" not in capsys.readouterr().err
    # A clip whose timeline starts late (cut from a longer video) is whole.
    late = late_start_clip(tmp_path)
    assert main(["infer", str(late), "--run", str(run_dir)]) == 0
    text = capsys.readouterr()
    assert "truncated" not in text.err and "frames: 20" in text.out


def test_a_video_with_a_skeleton_files_name_is_read_as_a_video(
    run_dir, tmp_path, capsys
):
    """A video saved as ``.txt`` (a mail attachment) was read as PKU-MMD text ("68
    values, expected 150"); as ``.skeleton`` it quoted its bytes. Now its first bytes
    decide, as OpenCV's do in Live; Replay's reader names it."""
    from core.datasets import DataFormatError, read_file

    renamed = tmp_path / "clip.txt"
    renamed.write_bytes(require_data("videos", "ta_chi.mp4").read_bytes())
    assert (
        main(["infer", str(renamed), "--run", str(run_dir), "--max-frames", "10"]) == 0
    )
    captured = capsys.readouterr()
    assert f"{renamed} is a video (MP4/MOV) despite its .txt name" in captured.err
    assert (
        "frames: 10 (the first of 300: --max-frames), person found in" in captured.out
    )
    avi = tmp_path / "clip.skeleton"
    avi.write_bytes(require_data("videos", "S001C001P001R001A001_rgb.avi").read_bytes())
    with pytest.raises(
        DataFormatError, match=r"clip\.skeleton: is a video \(AVI\), not a"
    ):
        read_file(avi)


def test_too_short_for_the_window_says_so(run_dir, capsys):
    video = require_data("videos", "ta_chi.mp4")
    argv = ["infer", str(video), "--run", str(run_dir), "--max-frames", "30",
            "--window-seconds", "8", "--backend", "auto"]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "predictions: none (a person was in 30 frames (1.0 s at 30 FPS)" in out
    assert "window of 8.0 s (--window-seconds) is 50% filled" in out
    # Three frames fill a 0.1 s window, but the default predicts every 5 frames.
    argv = ["infer", str(video), "--run", str(run_dir), "--max-frames", "3",
            "--window-seconds", "0.1"]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "predictions: none (a person was in 3 frames, fewer than the 5" in out
    assert "(--every 1)" in out
    assert main([*argv, "--every", "1"]) == 0
    assert "predictions: none" not in capsys.readouterr().out


def test_a_one_fps_video_names_its_frame_rate_as_the_reason(run_dir, tmp_path, capsys):
    """At 1 FPS the frames are 1 s apart, more than the 0.5 s gap the window bridges:
    the reason given is the frame rate and the minimum, not the window's length."""
    frames = read_frames(require_data("videos", "ta_chi.mp4"), 6, step=30)
    video = write_video(tmp_path / "one_fps.avi", frames, 1.0)
    assert main(["infer", str(video), "--run", str(run_dir), "--every", "1"]) == 0
    out = capsys.readouterr().out
    assert "video: 340x256, 1 FPS, 6.0 s (6 frames)" in out
    assert "person found in 100%" in out
    # read at another size (--size): the source's own size is said, and the reading's
    assert main(["infer", str(video), "--run", str(run_dir), "--size", "170x128"]) == 0
    assert "video: 340x256 (read at 170x128), 1 FPS" in capsys.readouterr().out
    assert main(["infer", str(video), "--run", str(run_dir), "--every", "1"]) == 0
    out = capsys.readouterr().out
    assert (
        "predictions: none (the input runs at 1 FPS: its frames are 1 s apart, more "
        "than the 0.5 s gap the window bridges, so every frame starts the window "
        "again; it needs at least 2 FPS; a longer input or window (--window-seconds) "
        "cannot help)"
    ) in out
    # Below 1 FPS (a time-lapse) the container's rate is believed too, not read as 30.
    video = write_video(tmp_path / "half_fps.avi", frames, 0.5)
    assert main(["infer", str(video), "--run", str(run_dir), "--every", "1"]) == 0
    out = capsys.readouterr().out
    assert "video: 340x256, 0.5 FPS, 12.0 s (6 frames)" in out
    assert "(the input runs at 0.5 FPS: its frames are 2 s apart" in out
    # ... and a frame every 20 s (it read "30 FPS" and blamed the length: a trial)
    video = write_video(tmp_path / "twentieth_fps.avi", frames, 0.05)
    assert main(["infer", str(video), "--run", str(run_dir), "--every", "1"]) == 0
    out = capsys.readouterr().out
    assert "video: 340x256, 0.05 FPS, 120.0 s (6 frames)" in out
    assert "(the input runs at 0.05 FPS: its frames are 20 s apart" in out
    # Behaviour is unchanged: at 2 FPS the same frames do predict.
    video = write_video(tmp_path / "two_fps.avi", frames, 2.0)
    assert main(["infer", str(video), "--run", str(run_dir), "--every", "1"]) == 0
    out = capsys.readouterr().out
    assert "predictions: none" not in out and "video: 340x256, 2 FPS, 3.0 s" in out


@pytest.mark.parametrize(
    ("degrees", "words"),
    [(90, "a quarter turn clockwise"), (270, "a quarter turn anticlockwise")],
)
def test_a_phone_portrait_video_is_processed_upright(
    run_dir, tmp_path, capsys, degrees, words
):
    """A rotation-tagged MP4 (landscape pixels, "turn 90°", or 270° for a phone held
    the other way) is seen upright: MediaPipe finds the person, and the annotated
    video is portrait. The turn is said in words ("turned 270° upright" read as a
    mistake: a trial)."""
    video = phone_video(tmp_path / "phone.mp4", portrait_person(8), 30.0, degrees)
    out = tmp_path / "out.mp4"
    argv = ["infer", str(video), "--run", str(run_dir), "--out", str(out)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert (
        "video: 180x320, 30 FPS, 0.3 s (8 frames), turned upright by its rotation tag "
        f"({words})"
    ) in text
    assert "person found in 100%" in text
    cap = cv2.VideoCapture(str(out))
    size = cap.get(cv2.CAP_PROP_FRAME_WIDTH), cap.get(cv2.CAP_PROP_FRAME_HEIGHT)
    cap.release()
    assert size == (180, 320)


def test_ntu_skeleton_file(run_dir, tmp_path, capsys):
    path = require_data("ntu", "S001C001P001R001A001.skeleton")
    js, out = tmp_path / "ntu.jsonl", tmp_path / "ntu.mp4"
    argv = [
        "infer",
        str(path),
        "--run",
        str(run_dir),
        "--json",
        str(js),
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert (
        "103 frames" in text and "whole clip:" in text and "true: drink water" in text
    )
    records = [json.loads(line) for line in js.read_text().splitlines()]
    assert records[0]["sequence"] == "S001C001P001R001A001"
    assert len(records[0]["whole_clip"]) == 3
    assert sum("frame" in r for r in records) >= 10
    assert _frames(out) == 103
    # The frame-by-frame intervals are printed too, as --json has them (they were
    # only there: a trial).
    (intervals,) = [r["intervals"] for r in records if "intervals" in r]
    shown = ", ".join(f"{a} {s}-{e}" for a, s, e in intervals)
    assert f"  frame by frame: {shown or 'no confident answer in any window'}\n" in text


def test_a_webcam_recording_says_the_layout_it_was_made_in(run_dir, tmp_path, capsys):
    """An mp33 take was described as 'layout ntu25', the layout it is read in."""
    from core.recorder import record

    video = require_data("videos", "ta_chi.mp4")
    *_, done = record(video, tmp_path / "ds", action="tai chi", max_frames=12)
    assert main(["infer", str(done.path), "--run", str(run_dir)]) == 0
    assert "12 frames at 29.97 FPS, layout ntu25 (from mp33)" in capsys.readouterr().out


def test_nw_ucla_json_is_converted_to_the_model_layout(run_dir, tmp_path, capsys):
    import zipfile

    archive = require_data("nw-ucla", "all_sqe.zip")
    with zipfile.ZipFile(archive) as zf:
        member = next(n for n in zf.namelist() if n.endswith("a01_s01_e00_v01.json"))
        path = tmp_path / "a01_s01_e00_v01.json"
        path.write_bytes(zf.read(member))
    assert main(["infer", str(path), "--run", str(run_dir)]) == 0
    assert "layout ucla20" in capsys.readouterr().out


def test_a_take_of_ones_own_dataset_names_its_true_action(run_dir, tmp_path, capsys):
    """A recording labelled as a whole is a clip of that action (the summary and the
    JSON said nothing); one labelled over a third is not a clip of any."""
    from core.datasets.custom import import_sequence, set_labels
    from core.datasets.ucla import UclaReader

    seq = next(iter(UclaReader().scan(require_data("nw-ucla", "all_sqe.zip"))))
    root, js = tmp_path / "mine", tmp_path / "out.jsonl"
    import_sequence(root, "take-1", seq, action="stretch")
    assert main(["infer", str(root / "take-1.jsonl"), "--run", str(run_dir),
                 "--json", str(js)]) == 0  # fmt: skip
    assert "(true: stretch)" in capsys.readouterr().out
    assert json.loads(js.read_text().splitlines()[0])["true"] == "stretch"
    rows = custom.read_labels(root)
    third = rows[0].end / 3
    set_labels(root, [dataclasses.replace(rows[0], end=third)])
    assert main(["infer", str(root / "take-1.jsonl"), "--run", str(run_dir)]) == 0
    assert "(true:" not in capsys.readouterr().out
    # A bad row of labels.csv (another take's): the take is read, unscored, and
    # said (`ms2l infer` stopped on it: a trial).
    good = custom.labels_path(root).read_text()
    custom.labels_path(root).write_text(good + "other,abc,2,wave\n")
    assert main(["infer", str(root / "take-1.jsonl"), "--run", str(run_dir)]) == 0
    assert "  labels not read (nothing scored): " in capsys.readouterr().out
    custom.labels_path(root).write_text(good)
    # A take shorter than the window: no frame-by-frame answer, and why (its frame
    # accuracy read 0.0 % with no word: a trial).
    short = dataclasses.replace(seq, joints=seq.joints[:9])
    import_sequence(root, "take-2", short, action="stretch")
    assert main(["infer", str(root / "take-2.jsonl"), "--run", str(run_dir)]) == 0
    out = capsys.readouterr().out
    assert (
        "  frame by frame: no answer: the clip (0.3 s) is shorter than 50% of the "
        "model's 1.00 s window"
    ) in out
    assert "nan" not in out


def test_pkummd_sequence_is_scored_per_frame(tmp_path_factory, capsys):
    path = require_data("pkummd", "skeleton", "0005-L.txt")
    run = make_run(
        tmp_path_factory.mktemp("pku") / "tiny", dataset="pkummd1", window_seconds=1.0
    )
    js = tmp_path_factory.mktemp("pku_out") / "pku.jsonl"
    argv = ["infer", str(path), "--run", str(run), "--json", str(js), "--every", "15"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "1494 frames" in captured.out and "frame accuracy vs" in captured.out
    assert captured.out.startswith(f"model: {run} (")  # which model answers
    # The frames' progress (a 90-minute recording took two silent minutes).
    progress = [line for line in captured.err.splitlines() if line.startswith("frames")]
    assert len(progress) >= 5 and progress[-1] == "frames: 1494/1494 (100%)"
    assert main([*argv, "--quiet"]) == 0
    assert "frames: " not in capsys.readouterr().err


def test_a_pkummd_sequence_with_a_bad_label_row_is_recognised_unscored(
    run_dir, tmp_path, capsys
):
    """One bad row of the label file found beside it refused the whole skeleton
    file (a trial): it is read, answered, and said to be unscored."""
    from tests.conftest import pkummd_copy

    rows = require_data("pkummd", "labels", "0005-L.txt").read_text().splitlines()
    rows[1] = "4,abc,510,2"
    skeleton = pkummd_copy(tmp_path, "\n".join(rows) + "\n")
    argv = ["infer", str(skeleton), "--run", str(run_dir), "--max-frames", "200"]
    assert main([*argv, "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "200 frames (the first of 1494: --max-frames) at 30 FPS" in out
    assert "  labels not read (nothing scored): " in out and "0005-L.txt:2:" in out
    assert "frame accuracy" not in out and "frame by frame" in out


def test_a_recording_of_other_classes_is_not_scored(tmp_path_factory, capsys):
    """Beside the note that the score meant nothing, '3.1 % of all 1494 frames' was
    printed all the same."""
    path = require_data("pkummd", "skeleton", "0005-L.txt")
    run = make_run(
        tmp_path_factory.mktemp("ucla") / "tiny", dataset="nw-ucla", layout="ucla20",
        num_bodies=1, window_seconds=1.0,
    )  # fmt: skip
    assert (
        main(["infer", str(path), "--run", str(run), "--every", "30", "--quiet"]) == 0
    )
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == (
        "  frame accuracy vs 8 labelled intervals: not scored, the model's classes do "
        "not include this recording's labelled actions (use a model trained on its "
        "dataset)"
    )
    assert "%" not in out.splitlines()[-1]


def test_a_score_of_no_answer_says_so(capsys):
    """A recording the recogniser never answered on printed "nan% of 0 labelled
    frames, nan% of the 0 frames from frame 10" (a review)."""
    from core.commands.infer import _print_score
    from core.inference.sequences import FrameScore

    on_labelled, overall, labelled = frame_accuracy([("wave", 2, 8)], [None] * 10, 10)
    _print_score(
        FrameScore(on_labelled, overall, labelled, 10, 1, True, first_scored=10)
    )
    assert capsys.readouterr().out == (
        "  frame accuracy vs 1 labelled interval: not scored, no answer was given\n"
    )


def test_frame_accuracy():
    intervals = [("wave", 2, 5), ("clap", 7, 9)]  # end exclusive
    predicted = [None, None, "wave", "wave", "clap", None, None, "clap", "clap", "wave"]
    on_labelled, overall, count = frame_accuracy(intervals, predicted)
    assert count == 5
    assert on_labelled == pytest.approx(4 / 5)
    assert overall == pytest.approx(8 / 10)
    # From frame 3 (the first answer): frames 0-2 are neither right nor wrong.
    on_labelled, overall, count = frame_accuracy(intervals, predicted, start=3)
    assert (count, on_labelled, overall) == (
        4,
        pytest.approx(3 / 4),
        pytest.approx(5 / 7),
    )
    # Overlapping intervals: the first one names the frame, as true_labels has it.
    assert frame_accuracy([("wave", 0, 2), ("clap", 1, 3)], ["wave", "wave", "clap"])[
        0
    ] == pytest.approx(1.0)


def test_bad_input_gives_one_line_errors(run_dir, tmp_path, capsys):
    assert main(["infer", str(tmp_path / "nope.mp4"), "--run", str(run_dir)]) == 2
    assert "nope.mp4" in capsys.readouterr().err
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video" * 50)
    assert main(["infer", str(junk), "--run", str(run_dir)]) == 2
    err = capsys.readouterr().err
    assert "junk.mp4" in err and "Traceback" not in err
    assert main(["infer", str(junk), "--camera", "0", "--run", str(run_dir)]) == 2
    assert "either" in capsys.readouterr().err
    assert main(["infer", "--camera", "97", "--run", str(run_dir)]) == 2
    assert "camera 97" in capsys.readouterr().err
    assert main(["infer", str(junk), "--run", str(tmp_path / "norun")]) == 2
    assert "norun" in capsys.readouterr().err
    # A recording in which nobody was ever in view.
    empty = tmp_path / "nobody.jsonl"
    head = {"format": "ms2l-recording", "version": 1, "layout": "ucla20"}
    frames = [{"t": i / 30} for i in range(30)]
    empty.write_text("".join(json.dumps(d) + "\n" for d in [head, *frames]))
    assert main(["infer", str(empty), "--run", str(run_dir)]) == 2
    err = capsys.readouterr().err
    assert "nobody.jsonl: nobody: no person in any of its 30 frames" in err
    # A real NW-UCLA sample cut to its first frame: one pose got a confident answer
    # ("doffing 83 %": a trial); it is refused, naming the file.
    import zipfile

    with zipfile.ZipFile(require_data("nw-ucla", "all_sqe.zip")) as z:
        doc = json.loads(z.read("all_sqe/a12_s06_e04_v03.json"))
    doc["skeletons"] = doc["skeletons"][:1]
    one = tmp_path / "a12_s06_e04_v03.json"
    one.write_text(json.dumps(doc))
    assert main(["infer", str(one), "--run", str(run_dir)]) == 2
    out, err = capsys.readouterr()
    assert "whole clip" not in out
    assert err.strip() == (
        f"ms2l infer: error: {one}: a12_s06_e04_v03: 1 frame only: a still pose, not a "
        "motion: no action can be told from it"
    )
    # ... cut so by --max-frames 1, that is said (a review)
    doc["skeletons"] = doc["skeletons"] * 16
    one.write_text(json.dumps(doc))
    assert main(["infer", str(one), "--run", str(run_dir), "--max-frames", "1"]) == 2
    assert (
        capsys.readouterr()
        .err.strip()
        .endswith("(the first 1 of its 16 frames: --max-frames)")
    )


def test_output_paths_are_checked_before_any_frame_is_processed(
    run_dir, tmp_path, capsys
):
    video = require_data("videos", "ta_chi.mp4")
    folder = tmp_path / "outputs"
    folder.mkdir()
    base = ["infer", str(video), "--run", str(run_dir), "--max-frames", "30"]
    for option in ("--out", "--json"):
        assert main(base + [option, str(folder)]) == 2
        out, err = capsys.readouterr()
        assert f"{option} {folder}: is a directory" in err and "Traceback" not in err
        assert "frames:" not in out  # refused up front, not after the whole video
    missing = tmp_path / "no" / "such" / "out.mp4"
    assert main(base + ["--out", str(missing)]) == 2
    assert "no such folder" in capsys.readouterr().err
    # Nothing was left behind, neither beside the folder nor inside it.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outputs"]
    assert not list(folder.iterdir())
    assert main(["infer", str(folder), "--run", str(run_dir)]) == 2
    err = capsys.readouterr().err
    assert "is a directory" in err and "no such file" not in err


def test_os_errors_become_one_line_messages(run_dir, tmp_path, capsys):
    video = require_data("videos", "ta_chi.mp4")
    too_long = tmp_path / ("x" * 300 + ".mp4")  # the system refuses the name
    argv = ["infer", str(video), "--run", str(run_dir), "--out", str(too_long)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == f"ms2l infer: error: {too_long}: File name too long\n"
    err = IsADirectoryError(21, "Is a directory", "/tmp/x")
    assert error_message(err) == "/tmp/x: Is a directory"
    assert error_message(PermissionError(13, "Permission denied")) == (
        "Permission denied"
    )
    assert error_message(FileNotFoundError("no such file: a.mp4")) == (
        "no such file: a.mp4"
    )
    assert error_message(KeyError("ntu61")) == "ntu61"


@pytest.mark.parametrize("stop", ["SIGINT", "SIGTERM"])
def test_a_long_video_shows_its_frames_and_ctrl_c_keeps_a_marked_partial_result(
    run_dir, tmp_path, stop
):
    """A video took as long as it plays with nothing on screen; Ctrl-C then exited 0 as
    if the summary were the whole video's. Now a bar counts the frames, and Ctrl-C keeps
    the outputs, says where it stopped and exits 130; so does SIGTERM, which killed it
    and left the outputs' temporaries behind."""
    import os
    import signal
    import subprocess
    import sys

    from tests.conftest import REPO

    out, js = tmp_path / "part.mp4", tmp_path / "part.jsonl"
    argv = [sys.executable, "-m", "core.cli", "infer",
            str(require_data("videos", "ta_chi.mp4")), "--run", str(run_dir),
            "--out", str(out), "--json", str(js)]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # Started with SIGINT ignored, as a script's background job is (and as this
    # suite is under `nohup ... &`): Ctrl-C aimed at the process still stops it.
    proc = subprocess.Popen(
        argv, cwd=REPO, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )  # fmt: skip
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:  # (MediaPipe's own log lines come first)
        seen.append(line)
        if line.startswith("frames: ") and "(10%)" in line:
            proc.send_signal(getattr(signal, stop))
            break
    stdout, rest = proc.communicate(timeout=120)
    err = "".join(seen) + rest
    assert proc.returncode == 130, err
    assert "frames: 30/300 (10%)" in err and "frames: 300/300" not in err
    by = "Ctrl-C" if stop == "SIGINT" else "SIGTERM"
    assert f"ms2l infer: stopped by {by} at frame " in err
    assert not list(tmp_path.glob(".*.tmp*"))  # no temporary left beside the outputs
    assert "person found in" in stdout and f"wrote {out}" in stdout
    assert 0 < _frames(out) < 300  # the frames read before Ctrl-C


def test_ctrl_c_before_the_first_frame_exits_130(run_dir, monkeypatch, capsys):
    """Not 'no frames were read' (exit 2, a broken input to a script). Ctrl-C cannot be
    timed to land before the first frame, so the pipeline raises it there itself."""
    import core.live.pipeline

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
        yield  # (a generator, as run_live is)

    monkeypatch.setattr(core.live.pipeline, "run_live", interrupted)
    video = require_data("videos", "ta_chi.mp4")
    assert main(["infer", str(video), "--run", str(run_dir)]) == 130
    assert "stopped by Ctrl-C before the first frame" in capsys.readouterr().err


def test_a_run_with_no_finished_epoch_says_so(tmp_path, capsys):
    """A run cancelled before its first epoch ended: 'weights.pt: checkpoint file not
    found' from eval, export, novelty and infer (a trial)."""
    from tests.core.live_model import make_run

    run = make_run(tmp_path / "early", window_seconds=1.0)
    (run / "weights.pt").unlink()
    video = require_data("videos", "ta_chi.mp4")
    for argv in (["export", str(run), "--onnx"],
                 ["infer", str(video), "--run", str(run)]):  # fmt: skip
        assert main(argv) == 2
        assert capsys.readouterr().err.endswith(
            f"{run}: no weights.pt: the run never finished an epoch (train it again)\n"
        )


def test_json_lines_mark_where_the_person_goes_out_of_view(run_dir, tmp_path):
    video = require_data("videos", "ta_chi.mp4")
    frames = read_frames(video, 60)
    black = [np.zeros_like(frames[0])] * 20
    gap = write_video(tmp_path / "gap.avi", frames[:40] + black + frames[40:], 29.97)
    js = tmp_path / "gap.jsonl"
    assert main(["infer", str(gap), "--run", str(run_dir), "--json", str(js)]) == 0
    records = [json.loads(line) for line in js.read_text().splitlines()]
    gone = [r for r in records if r["person"] is False]
    # One line where the person is lost (frame 40, where the black starts), none for
    # the rest of the gap; predictions carry "person": true and none falls in the gap.
    assert [(r["frame"], r["action"]) for r in gone] == [(40, None)]
    assert gone[0]["time"] == pytest.approx(40 / 29.97, abs=1e-3)
    answers = [r for r in records if r["person"] is True]
    assert answers and all("top" in r for r in answers)
    assert not [r for r in answers if 40 <= r["frame"] < 60]
    assert any(r["frame"] < 40 for r in answers) and any(
        r["frame"] >= 60 for r in answers
    )


def test_json_lines_say_when_the_novelty_check_flattened_the_answer(tmp_path):
    """From a trial: on the tai chi video most lines of the shipped model were
    '"action": null' with a flat top-3 led by "pick up with one hand", which a
    script took for a ranking; Live hides such bars. The lines say "unfamiliar"."""
    video = require_data("videos", "ta_chi.mp4")
    js = tmp_path / "out.jsonl"
    argv = ["infer", str(video), "--run", "nw-ucla-ms2l", "--json", str(js)]
    assert main([*argv, "--max-frames", "150", "--quiet"]) == 0
    records = [json.loads(line) for line in js.read_text().splitlines()]
    answers = [r for r in records if r.get("person")]
    assert any(r["unfamiliar"] for r in answers)
    assert all(r["action"] is None for r in answers if r["unfamiliar"])
