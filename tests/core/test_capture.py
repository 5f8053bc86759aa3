"""VideoSource on real and synthetic videos: frames, timestamps, end of file, bad sources."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.live.capture import (
    CaptureError,
    SourceOpenError,
    SourceStalledError,
    VideoSource,
    describe_source,
    list_cameras,
    truncation_note,
    upright,
)
from tests.conftest import require_data
from tests.video_files import (
    late_start_clip,
    phone_video,
    portrait_person,
    read_frames,
    slow_down_from,
    write_video,
)


def _write_video(path: Path, frames: int, size=(64, 48), fps=10.0) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    assert writer.isOpened()
    for i in range(frames):
        img = np.full((size[1], size[0], 3), (i * 20) % 255, np.uint8)
        writer.write(img)
    writer.release()
    return path


def test_reads_every_frame_of_a_real_video_in_order():
    path = require_data("videos", "ta_chi.mp4")
    with VideoSource(path) as src:
        assert (src.width, src.height) == (340, 256)
        assert src.fps == pytest.approx(29.97, abs=0.01)
        assert src.frame_count == 300
        frames = list(src)
    assert [f.index for f in frames] == list(range(300))
    assert frames[1].timestamp == pytest.approx(1 / 29.97, rel=1e-3)
    assert frames[-1].timestamp == pytest.approx(299 / 29.97, rel=1e-3)
    assert frames[0].image.shape == (256, 340, 3) and frames[0].image.dtype == np.uint8
    assert all(f.decode_ms >= 0 for f in frames)
    assert src.end_reason == "eof"
    assert src.read() is None  # stays at the end


def test_a_video_whose_timeline_starts_late_is_not_said_to_be_cut_short(tmp_path):
    """A clip cut from a longer video keeps its start time: a Matroska header's
    duration counts the frames before it, so OpenCV claims 60 frames where 20 are
    there. They are missing at the start, not the end: no "truncated" note (a trial)."""
    path = late_start_clip(tmp_path)
    with VideoSource(path) as src:
        frames = list(src)
        assert (src.frame_count, src.late_start, len(frames)) == (60, 40, 20)
        assert frames[0].timestamp == 0.0  # its own times still start at zero
        assert truncation_note(path, src.frame_count, 20, src.late_start) == ""
    # The same counts with no late start are a file cut short.
    assert "may be truncated or damaged" in truncation_note(path, 60, 20)
    # ... and a late start does not excuse a file cut short as well, nor one whose
    # count leaves the frames before its start out (an MP4 of 300 frames from frame
    # 3000, cut to 48: a review)
    assert "may be truncated or damaged" in truncation_note(path, 600, 20, 40)
    assert "may be truncated or damaged" in truncation_note(path, 300, 48, 3000)
    with VideoSource(require_data("videos", "ta_chi.mp4")) as src:
        assert src.late_start == 0


def test_resize_on_decode():
    path = require_data("videos", "S001C001P001R001A001_rgb.avi")
    with VideoSource(path, size=(640, 480)) as src:
        frame = src.read()
    assert frame.image.shape == (480, 640, 3)
    assert (src.width, src.height) == (640, 480)


def test_realtime_file_drops_frames_for_a_slow_consumer_and_never_queues():
    path = require_data("videos", "ta_chi.mp4")
    with VideoSource(path, realtime=True) as src:
        got = []
        for frame in src:
            got.append(frame.index)
            time.sleep(0.1)  # ~3 source frames per read
            if len(got) == 8:
                break
    gaps = np.diff(got)
    # Only the newest frame is kept: indices only grow, and skip the frames that came
    # while the consumer slept (a queue would hand them over one by one, gaps of 1).
    # No wall-clock comparison: on a loaded machine the reader itself may lag.
    assert gaps.min() >= 1 and gaps.mean() >= 2


def test_a_file_in_real_time_waits_for_the_consumer_over_its_first_frame():
    """Live lost a clip's first second while the pose model started on the first
    frame (the file's clock ran on), and answered late or never (a trial): the clock
    starts when the consumer comes back for the second frame."""
    path = require_data("videos", "ta_chi.mp4")  # 29.97 FPS
    with VideoSource(path, realtime=True) as src:
        assert src.read().index == 0
        time.sleep(1.0)  # the pose model's start-up: ~30 frames of the file
        second = src.read()
        # the next frames, not the ones due a second after the first (~30); a few
        # at most on a loaded machine
        assert second.index <= 3, second.index
        assert src.read().index > second.index  # and then paced as before


def test_one_frame_clip(tmp_path):
    path = _write_video(tmp_path / "one.avi", 1)
    with VideoSource(path) as src:
        frames = list(src)
    assert len(frames) == 1 and frames[0].timestamp == 0.0
    assert src.end_reason == "eof"


def test_missing_file_and_undecodable_file_raise_open_errors(tmp_path):
    with pytest.raises(SourceOpenError, match="no such file") as err:
        VideoSource(tmp_path / "nope.mp4")
    assert "nope.mp4" in str(err.value)
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"this is not a video" * 100)
    with pytest.raises(SourceOpenError, match="junk.mp4"):
        VideoSource(junk)
    empty = tmp_path / "empty.avi"
    empty.write_bytes(b"")
    # An empty file says so, rather than "cannot decode": one line naming the file.
    with pytest.raises(SourceOpenError) as err:
        VideoSource(empty)
    assert str(err.value) == f"video '{empty}': the file is empty (0 bytes)"


def test_a_damaged_mp4_is_said_once_without_ffmpegs_own_lines(tmp_path, capfd):
    """FFmpeg printed "[mov,mp4,m4a,3gp,3g2,mj2 @ 0x…] moov atom not found" above the
    error that names the file (a trial)."""
    cut = tmp_path / "cut.mp4"  # a piece from inside a real MP4: no header
    cut.write_bytes(require_data("videos", "ta_chi.mp4").read_bytes()[2000:5000])
    with pytest.raises(SourceOpenError, match="cut.mp4': cannot decode"):
        VideoSource(cut)
    assert capfd.readouterr().err == ""


def test_ffmpegs_lines_on_damaged_frames_stay_off_stderr(tmp_path):
    """ "[h264 @ 0x…] error while decoding MB 18 4" and its like came out for every
    damaged frame of a video (a trial). In a process of its own: OpenCV reads FFmpeg's
    log level once, at its first video."""
    import subprocess
    import sys

    data = bytearray(require_data("videos", "ta_chi.mp4").read_bytes())
    for i in range(len(data) // 3, len(data) // 3 + 4000, 7):
        data[i] ^= 0x5A  # damage inside the stream: frames that decode with errors
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(bytes(data))
    code = (
        "import sys\n"
        "from core.live.capture import VideoSource\n"
        "print(sum(1 for _ in VideoSource(sys.argv[1])))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(damaged)],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) > 0 and out.stderr == ""


def test_absent_camera_is_an_open_error_naming_it(capfd):
    before = cv2.getLogLevel()
    with pytest.raises(SourceOpenError, match="camera 97"):
        VideoSource(97)
    # ... said once: not after OpenCV's own "[ WARN] ... can't open camera by index"
    # and "[ERROR] ... Camera index out of range" lines (a trial)
    assert capfd.readouterr().err == "" and cv2.getLogLevel() == before


def test_errors_are_distinct_types():
    assert issubclass(SourceOpenError, CaptureError)
    assert issubclass(SourceStalledError, CaptureError)
    assert not issubclass(SourceOpenError, SourceStalledError)
    assert describe_source(0) == "camera 0"
    assert describe_source("rtsp://x/y").startswith("stream")


def test_close_joins_the_reader_thread_even_mid_file():
    path = require_data("videos", "ta_chi.mp4")
    src = VideoSource(path, prefetch=2)
    src.read()
    src.close()
    assert not src._thread.is_alive()
    assert src.read() is None
    src.close()  # idempotent
    assert not [t for t in threading.enumerate() if t.name.startswith("capture-")]


def test_list_cameras_probes_only_the_range_and_restores_opencv_logging():
    assert list_cameras(0) == []
    before = cv2.getLogLevel()
    cv2.setLogLevel(3)
    try:
        cams = list_cameras(2)
        # The probe silences OpenCV's warnings for absent indices, then puts the
        # caller's log level back.
        assert cv2.getLogLevel() == 3
    finally:
        cv2.setLogLevel(before)
    assert cams == sorted(set(cams)) and set(cams) <= {0, 1}


def test_live_source_without_a_new_frame_in_time_is_stalled():
    path = require_data("videos", "ta_chi.mp4")
    with VideoSource(path, realtime=True) as src:
        assert src.read() is not None
        # The next frame is due ~33 ms later: a 1 ms wait sees no frame at all.
        with pytest.raises(SourceStalledError, match="ta_chi.mp4.*no frame"):
            src.read(timeout=0.001)
        assert src.read() is not None  # a stall is not final if frames come back


def test_looping_file_restarts_with_increasing_indices(tmp_path):
    path = _write_video(tmp_path / "three.avi", 3)
    with VideoSource(path, loop=True) as src:
        frames = [src.read() for _ in range(7)]
    assert [f.index for f in frames] == list(range(7))
    assert [f.timestamp for f in frames] == pytest.approx([i / 10 for i in range(7)])
    levels = [int(f.image.mean()) for f in frames]
    assert levels[3] == levels[0] and levels[4] == levels[1] and levels[0] != levels[1]


# ------------------------------------------------------------------- rotation tags
def test_a_phone_portrait_video_is_read_upright(tmp_path):
    """A phone stores portrait video as landscape pixels and a rotation tag: the frames
    come out upright, the reported size is the upright one, and MediaPipe finds the
    person standing (on the stored, sideways pixels it finds nobody)."""
    from core.live.pose import MediaPipePose

    person = portrait_person(4)  # 180x320, upright
    path = phone_video(tmp_path / "phone.mp4", person, 30.0)
    stored = cv2.VideoCapture(str(path))
    assert stored.get(cv2.CAP_PROP_ORIENTATION_META) == 90  # the tag is really there
    assert stored.read()[1].shape == (180, 320, 3)  # landscape pixels
    stored.release()
    with VideoSource(path) as src:
        assert src.rotation == 90
        assert (src.width, src.height) == (180, 320)
        frames = list(src)
    assert len(frames) == 4
    for frame, want in zip(frames, person):
        assert frame.image.shape == (320, 180, 3)
        assert np.abs(frame.image.astype(int) - want).mean() < 8  # mp4v compression
    with MediaPipePose() as pose:
        seen = pose.estimate(frames[0].image)
        assert seen is not None
        nose, hips = seen.pixels()[0], seen.pixels()[[23, 24]].mean(0)
        assert nose[1] < hips[1] - 20  # head above the hips: standing, not lying


def test_rotation_and_resize_together_and_when_looping(tmp_path):
    """``size`` applies to the upright frame, and a looping file stays upright."""
    path = phone_video(tmp_path / "phone.mp4", portrait_person(2), 30.0)
    with VideoSource(path, size=(90, 160), loop=True) as src:
        frames = [src.read() for _ in range(5)]
    assert (src.width, src.height) == (90, 160)
    assert all(f.image.shape == (160, 90, 3) for f in frames)


def test_upright_turns_by_the_tag():
    image = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)  # H 2, W 3
    assert upright(image, 0) is image
    np.testing.assert_array_equal(upright(image, 90), np.rot90(image, -1))  # clockwise
    np.testing.assert_array_equal(upright(image, 180), image[::-1, ::-1])
    np.testing.assert_array_equal(upright(image, 270), np.rot90(image))
    np.testing.assert_array_equal(upright(image, -90), upright(image, 270))
    with pytest.raises(ValueError, match="multiple of 90"):
        upright(image, 45)


# ------------------------------------------------------------------------- latency
def test_a_file_played_in_real_time_is_delivered_at_its_playback_time(tmp_path):
    """A frame counts as delivered when it is due, not when it was decoded before the
    pacing wait: otherwise the wait (a whole second at 1 FPS) reads as latency."""
    fps = 4.0
    path = write_video(
        tmp_path / "slow.avi", [np.zeros((48, 64, 3), np.uint8)] * 4, fps
    )
    with VideoSource(path, realtime=True) as src:
        frames = list(src)
    first = frames[0]
    assert len(frames) > 1
    for frame in frames[1:]:
        # A lower bound set by the pacing itself, whatever the machine's load.
        assert frame.captured_at - first.captured_at >= frame.index / fps - 0.005


def test_a_frame_decoded_ahead_counts_as_delivered_when_handed_over(tmp_path):
    """Offline reading decodes a few frames ahead; the time a frame waited in that
    buffer is not latency, so ``captured_at`` is when ``read`` returned it."""
    path = _write_video(tmp_path / "ten.avi", 10)
    with VideoSource(path, prefetch=2) as src:
        src.read()
        time.sleep(0.3)  # the reader fills its buffer meanwhile
        before = time.perf_counter()
        frame = src.read()
    assert frame is not None and frame.index == 1
    assert frame.captured_at >= before


def test_a_variable_frame_rate_video_keeps_its_frames_times(tmp_path):
    """A phone in dim light drops from 30 to 15 FPS mid-video; the container's frame
    rate is then an average (20 FPS here). Each frame's time is its presentation time,
    so the motion keeps its speed: index / fps put the 30 FPS half at 20 FPS and the
    15 FPS half at 20 FPS too."""
    frames = read_frames(require_data("videos", "ta_chi.mp4"), 60)
    path = slow_down_from(write_video(tmp_path / "vfr.mp4", frames, 30.0, "mp4v"), 30)
    with VideoSource(path) as src:
        assert src.fps == pytest.approx(20.0)
        got = list(src)
    assert len(got) == 60
    steps = np.diff([f.timestamp for f in got])
    np.testing.assert_allclose(steps[:30], 1 / 30, atol=1e-3)
    np.testing.assert_allclose(steps[30:], 2 / 30, atol=1e-3)
    with VideoSource(path, loop=True) as src:  # looping: times keep increasing
        times = [src.read().timestamp for _ in range(70)]
    assert np.all(np.diff(times) > 0) and times[60] == pytest.approx(times[59] + 1 / 20)


def test_a_slow_file_played_in_real_time_is_not_a_stall(tmp_path):
    """At 0.5 FPS the next frame is due 2 s later: waiting for it is no stall, even
    with a stall timeout of 1 s (Live stopped such a time-lapse as 'stalled')."""
    path = write_video(
        tmp_path / "slow.avi",
        [np.full((48, 64, 3), v, np.uint8) for v in (0, 200)],
        0.5,
    )
    with VideoSource(path, realtime=True, stall_timeout=1.0) as src:
        assert src.fps == pytest.approx(0.5)
        frames = list(src)
    assert [f.index for f in frames] == [0, 1]
    assert frames[1].timestamp == pytest.approx(2.0)


def test_a_skeleton_file_given_as_a_video_is_sent_to_replay():
    """Live said 'cannot decode this file (damaged, ...)' of an NTU .skeleton file."""
    path = require_data("ntu", "S001C001P001R001A001.skeleton")
    with pytest.raises(SourceOpenError) as err:
        VideoSource(path)
    assert str(err.value) == (
        f"video '{path}': a skeleton file, not a video: open it in Replay (or run "
        "ms2l infer on it)"
    )


def test_a_sound_file_given_as_a_video_is_said_to_have_no_picture(tmp_path):
    """A recording of the session's sound was read as a damaged video (a trial)."""
    import wave

    path = tmp_path / "session.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x01" * 8000)
    with pytest.raises(SourceOpenError) as err:
        VideoSource(str(path))
    assert str(err.value) == (
        f"video '{path}': a sound file with no picture (no video stream): choose a "
        "video"
    )
