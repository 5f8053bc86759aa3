"""Live panel on a real video through the real MediaPipe pose model, until it predicts."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
import torch
from PyQt6.QtWidgets import QScrollArea

from app.panels.live import _NO_STATS, LivePanel
from app.widgets.source_picker import VIDEO_ITEM
from tests.app.conftest import make_context
from tests.conftest import require_data


def _panel_on_tai_chi(qtbot, settings, tiny_run):
    """A Live panel with the tiny model and the tai chi video as its file source."""
    video = require_data("videos", "ta_chi.mp4")
    ctx, jobs, errors = make_context(settings)
    panel = LivePanel(ctx, model_dir=tiny_run, video=video)
    qtbot.addWidget(panel)
    return panel, video, jobs, errors


def _panel_telling(qtbot, settings, tiny_run, video=None):
    """A Live panel with the tiny model (and ``video``) whose status lines are kept.

    Returns:
        ``(panel, jobs, errors, said)``: ``said`` collects the status-bar lines.
    """
    ctx, jobs, errors = make_context(settings)
    said: list[str] = []
    ctx.status = said.append
    panel = LivePanel(ctx, model_dir=tiny_run, video=video)
    qtbot.addWidget(panel)
    return panel, jobs, errors, said


def _ready_for_the_video(qtbot, panel) -> None:
    """Wait for the panel's model and camera scan, and choose its video file."""
    qtbot.waitUntil(lambda: panel.predictor is not None, timeout=60_000)
    qtbot.waitUntil(lambda: panel.picker.cameras is not None, timeout=30_000)
    panel.picker.source.setCurrentText(VIDEO_ITEM)


def _play_to_the_end(qtbot, panel) -> None:
    """Play the panel's video file until Live ends (or fails)."""
    _ready_for_the_video(qtbot, panel)
    panel.start_button.click()
    qtbot.waitUntil(lambda: panel.job is None, timeout=60_000)


@pytest.mark.slow
def test_live_on_a_video_file_shows_skeleton_predictions_and_timings(
    qtbot, settings, tiny_run
):
    panel, video, jobs, errors = _panel_on_tai_chi(qtbot, settings, tiny_run)
    try:
        qtbot.waitUntil(lambda: panel.predictor is not None, timeout=60_000)
        assert "BiGRU encoder · layout ucla20" in panel.model_info.text()
        assert "10 classes" in panel.model_info.text()
        window = panel.predictor.window_seconds  # the model's, beside the Window box's
        assert f"trained on {window:.2f} s windows" in panel.model_info.text()
        # on a machine without CUDA the model runs from its ONNX export
        want = (
            "PyTorch on cuda"
            if torch.cuda.is_available()
            else "ONNX Runtime on the CPU"
        )
        assert want in panel.model_info.text()
        assert "unfamiliar motion → no action" in panel.model_info.text()  # novelty.npz
        assert "Trained on Kinect v1" in panel.input_info.text()
        assert "input now: MediaPipe" in panel.input_info.text()
        qtbot.waitUntil(lambda: panel.picker.cameras is not None, timeout=30_000)
        panel.picker.source.setCurrentText(VIDEO_ITEM)
        panel.mirror.setChecked(True)
        shown: list[str] = []
        panel.update_shown.connect(lambda _u: shown.append(panel.action.text()))
        panel.start_button.click()
        assert panel.job is not None and not panel.window_seconds.isEnabled()
        # Threshold and smoothing stay adjustable while Live runs (a user trial).
        assert panel.threshold.isEnabled() and panel.smoothing.isEnabled()
        assert not panel.predict_every.isEnabled()
        qtbot.waitUntil(
            lambda: panel.last_update is not None and bool(panel.last_update.top_k),
            timeout=60_000,
        )
        import dataclasses

        # while the window fills, when it answers is said (a trial)
        assert any(
            re.fullmatch(r"collecting… \d+ % of the window \(answers at 50 %\)", t)
            for t in shown
        ), shown
        # Retuned while running: the worker takes the values at its next frame.
        panel.threshold.setValue(0.9)
        panel.smoothing.setValue(0.25)
        assert (panel.tuning.threshold, panel.tuning.smoothing) == (0.9, 0.25)
        assert panel._settings.threshold == 0.9  # what the headline compares with
        update = panel.last_update
        labels = panel.predictor.labels
        shown_answers = [
            *labels,
            "no action",
            "no action (unfamiliar motion)",
            "no person",
        ]
        assert panel.action.text().split("  ")[0] in shown_answers
        assert (panel.bars.shown() == []) == update.prediction.unfamiliar
        # A familiar window's bars rank its classes; unfamiliar motion (flat
        # probabilities) shows none, not 10 % each for arbitrary classes.
        for unfamiliar in (False, True, False):
            pred = dataclasses.replace(update.prediction, unfamiliar=unfamiliar)
            update = dataclasses.replace(update, prediction=pred)
            panel.show_update(update)
            shown = panel.bars.shown()
            if unfamiliar:  # and why, under the empty rows (unsaid: a trial)
                assert shown == []
                assert panel.bars.note.text().startswith("No class is ranked")
            else:
                assert shown and all(name in labels for name, _ in shown)
                assert shown[0][1] >= shown[-1][1]
                assert panel.bars.note.text() == ""
                if "%" in panel.action.text():  # the headline's figure is its bar's
                    assert panel.bars.values[0].text() in panel.action.text()
        assert "FPS" in panel.stats.text() and "latency" in panel.stats.text()
        # The preview is mirrored, the model input is not: the drawn skeleton is the
        # landmarks flipped about the frame's vertical centre line.
        assert update.landmarks is not None
        x_drawn, _ = panel.video.joints.getData()
        width = update.frame.shape[1]
        assert np.allclose(x_drawn, width - update.landmarks[:, 0], atol=1e-3)
        panel.stop_button.click()
        qtbot.waitUntil(lambda: panel.job is None, timeout=30_000)
        assert panel.start_button.isEnabled() and panel.window_seconds.isEnabled()
        # no longer live: the answer left up says it is the last one (a trial)
        assert panel.action.text().startswith("last: ")
        assert panel.action.text().split("  ")[0][len("last: ") :] in shown_answers
        assert errors == []
    finally:
        jobs.stop_all()


@pytest.mark.slow
def test_a_source_marked_mirrored_is_flipped_back_before_pose_estimation(
    qtbot, settings, tiny_run
):
    from core.live.capture import VideoSource

    panel, video, jobs, errors = _panel_on_tai_chi(qtbot, settings, tiny_run)
    try:
        assert not panel.live_settings().mirrored  # off by default, as in ms2l infer
        panel.picker.mirrored.setChecked(True)
        assert panel.live_settings().mirrored
        _ready_for_the_video(qtbot, panel)
        panel.start_button.click()
        assert not panel.picker.isEnabled()  # the source is fixed while running
        qtbot.waitUntil(lambda: panel.last_update is not None, timeout=60_000)
        update = panel.last_update
        panel.stop_button.click()
        qtbot.waitUntil(lambda: panel.job is None, timeout=30_000)
        # the frame MediaPipe saw is the file's frame, flipped left to right
        with VideoSource(video) as src:
            frame = src.read()
            while frame is not None and frame.index < update.index:
                frame = src.read()
        assert frame is not None
        np.testing.assert_array_equal(update.frame, frame.image[:, ::-1])
        assert panel.picker.isEnabled()
        # remembered for the next session
        again = LivePanel(panel.ctx, model_dir=tiny_run, video=video)
        qtbot.addWidget(again)
        assert again.picker.mirrored.isChecked()
        assert errors == []
    finally:
        jobs.stop_all()


def test_missing_video_is_reported_and_nothing_starts(
    qtbot, settings, tiny_run, tmp_path
):
    ctx, jobs, errors = make_context(settings)
    panel = LivePanel(ctx, model_dir=tiny_run, video=tmp_path / "gone.mp4")
    qtbot.addWidget(panel)
    try:
        _ready_for_the_video(qtbot, panel)
        panel.start()
        assert panel.job is None
        assert errors and "gone.mp4" in errors[-1][1]
        panel.picker.video_path.setText(str(tmp_path))  # a folder: it exists
        panel.start()
        assert panel.job is None
        assert errors[-1][1] == (
            f"{tmp_path}: a folder, not a video file (choose a file in it)"
        )
    finally:
        jobs.stop_all()


def test_every_shipped_model_is_offered_and_loads(qtbot, settings):
    from core.runs import shipped_models

    found = shipped_models()
    if len(found) < 2:
        pytest.skip("fewer than two models are shipped in resources/checkpoints")
    ctx, jobs, errors = make_context(settings)
    panel = LivePanel(ctx)  # no model given and none remembered: the default
    qtbot.addWidget(panel)
    try:
        qtbot.waitUntil(lambda: panel.predictor is not None, timeout=60_000)
        assert panel.model_path.text() == str(found[0])
        menu = panel.shipped_button.menu()
        assert menu is not None
        actions = menu.actions()
        assert [a.data() for a in actions] == [str(p) for p in found]
        assert "BiGRU encoder" in actions[0].text() and "default" in actions[0].text()
        assert "graph encoder" in actions[1].text()
        assert "default" not in actions[1].text()
        assert "BiGRU encoder" in panel.model_info.text()
        assert actions[0].isChecked() and not actions[1].isChecked()
        # An answer of the first model (as a finished video leaves it) ...
        panel.action.setText("carry  80 %")
        panel.bars.set_probabilities([("carry", 0.8), ("throw", 0.1)])
        actions[1].trigger()  # the user picks the graph model from the menu
        # ... does not stay up under the next model, whose classes may differ.
        assert panel.action.text() == "–" and panel.bars.shown() == []
        qtbot.waitUntil(
            lambda: (
                panel.predictor is not None
                and panel.model_path.text() == str(found[1])
                and "graph encoder" in panel.model_info.text()
            ),
            timeout=60_000,
        )
        assert type(panel.predictor.model.encoder).__name__ == "GraphEncoder"
        # The menu ticks the model in use (it did not say which one that was).
        assert actions[1].isChecked() and not actions[0].isChecked()
        assert errors == []
    finally:
        jobs.stop_all()


def test_a_video_too_short_for_the_window_says_so_when_it_ends(
    qtbot, settings, tiny_run, tmp_path
):
    """Three frames of a person end before the window fills: the panel says why instead
    of leaving "collecting…" up (and reads "–", not "no action", before any run)."""
    import cv2

    from core.live.capture import VideoSource

    short = tmp_path / "short.avi"
    with VideoSource(require_data("videos", "ta_chi.mp4")) as src:
        frames = [f.image for _, f in zip(range(3), src)]
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(short), cv2.VideoWriter_fourcc(*"MJPG"), 30, (w, h))
    for image in frames:
        writer.write(image)
    writer.release()
    panel, jobs, errors, said = _panel_telling(qtbot, settings, tiny_run, short)
    try:
        assert panel.action.text() == "–"
        qtbot.waitUntil(lambda: panel.predictor is not None, timeout=60_000)
        qtbot.waitUntil(lambda: panel.picker.cameras is not None, timeout=30_000)
        if panel.picker.cameras == []:  # a video is chosen: no "choose a video file"
            message = panel.video.message.toPlainText()
            assert message == "No camera found: press Start to play the video"
            panel.picker.video_path.setText("")  # and the view follows the field
            assert "choose a video file" in panel.video.message.toPlainText()
            panel.picker.set_video(short)
            assert "press Start" in panel.video.message.toPlainText()
        panel.picker.source.setCurrentText(VIDEO_ITEM)
        panel.start_button.click()
        qtbot.waitUntil(lambda: panel.job is None, timeout=60_000)
        assert panel.updates_shown > 0 and panel.predictions_shown == 0
        assert panel.action.text() == "no prediction"
        # Said as the video's length against the window's (it read "the window at
        # most 5 % filled with a person": a trial).
        window = panel.predictor.window_seconds
        assert said[-1] == (
            "Live stopped before any prediction: the video (0.1 s) is shorter than "
            f"the {window:.2f} s window the model answers on"
        )
        assert errors == []
    finally:
        jobs.stop_all()


def test_a_video_that_will_not_open_is_shown_in_the_view(
    qtbot, settings, tiny_run, tmp_path
):
    """The failure message is drawn in the video view, which stays in place for the
    next run (clearing it used pyqtgraph's layout ``clear``, which removed the view)."""
    bad = tmp_path / "notes.mp4"
    bad.write_text("not a video\n")
    ctx, jobs, errors = make_context(settings)
    failures: list[str] = []
    jobs.job_failed.connect(lambda _name, msg: failures.append(msg))
    panel = LivePanel(ctx, model_dir=tiny_run, video=bad)
    qtbot.addWidget(panel)
    try:
        _play_to_the_end(qtbot, panel)
        assert failures and failures[0].startswith(f"video '{bad}'"), failures
        assert panel.video.message.toPlainText() == "Stopped: " + failures[0]
        assert panel.video.view.scene() is not None  # still drawn, ready for the next
        assert panel.start_button.isEnabled()
    finally:
        jobs.stop_all()


@pytest.mark.slow
def test_a_failed_start_after_a_good_run_clears_its_results_and_status_follows(
    qtbot, settings, tiny_run, tmp_path
):
    """An undecodable file started right after a good run: the previous answer, bars
    and "FPS · frame N" go (the error is not read as about them), and the status bar
    follows the next run once it plays instead of keeping "Live stopped by an error"."""
    bad = tmp_path / "notes.mp4"
    bad.write_text("not a video\n")
    panel, video, jobs, errors = _panel_on_tai_chi(qtbot, settings, tiny_run)
    said: list[str] = []
    panel.ctx.status = said.append
    try:
        qtbot.waitUntil(lambda: panel.predictor is not None, timeout=60_000)
        qtbot.waitUntil(lambda: panel.picker.cameras is not None, timeout=30_000)
        panel.picker.set_video(video)
        panel.start_button.click()
        assert said[-1] == f"Live: starting video '{video}' …"
        qtbot.waitUntil(
            lambda: panel.last_update is not None and bool(panel.last_update.top_k),
            timeout=60_000,
        )
        assert f"Live: playing video '{video}'" in said
        panel.stop_button.click()
        qtbot.waitUntil(lambda: panel.job is None, timeout=30_000)
        assert panel.action.text() != "–" and "frame" in panel.stats.text()
        assert panel.video.image.image is not None

        # A source that cannot be started at all (a file gone): the last run's frame
        # and answer go too, and the view says why.
        panel.picker.video_path.setText(str(tmp_path / "gone.mp4"))
        panel.start_button.click()
        assert panel.job is None
        assert errors.pop()[1].startswith("video file not found")
        assert panel.video.image.image is None
        assert panel.video.message.toPlainText().startswith("Not started: video file")
        assert (panel.action.text(), panel.bars.shown()) == ("–", [])

        panel.picker.set_video(bad)
        panel.start_button.click()
        qtbot.waitUntil(lambda: panel.job is None, timeout=60_000)
        assert panel.video.message.toPlainText().startswith(f"Stopped: video '{bad}'")
        assert panel.action.text() == "–"
        assert panel.bars.shown() == []
        assert panel.stats.text() == "FPS – · latency –"
        assert said[-1] == "Live stopped by an error"

        panel.picker.set_video(video)
        panel.start_button.click()
        qtbot.waitUntil(lambda: panel.last_update is not None, timeout=60_000)
        assert said[-1] == f"Live: playing video '{video}'"
        panel.stop_button.click()
        qtbot.waitUntil(lambda: panel.job is None, timeout=30_000)
        assert panel.video.image.image is not None and "frame" in panel.stats.text()
        # Another model while stopped (Teach's "Use in Live"): the last frame and
        # timings were the other model's run, beside the new model's description.
        panel.load_model(tiny_run)
        qtbot.waitUntil(lambda: panel.predictor is not None, timeout=60_000)
        assert panel.video.image.image is None and panel.stats.text() == _NO_STATS
        assert panel.video.message.toPlainText() == "Press Start"
        assert errors == []
    finally:
        jobs.stop_all()


def test_a_one_fps_video_says_its_frame_rate_is_why_nothing_is_predicted(
    qtbot, settings, tiny_run, tmp_path
):
    """At 1 FPS every frame empties the window (frames 1 s apart, 0.5 s bridged): the
    panel names the frame rate and the minimum, while playing and when it ends, rather
    than "collecting… 0 %" and the window's fill."""
    from tests.video_files import read_frames, write_video

    frames = read_frames(require_data("videos", "ta_chi.mp4"), 3, step=30)
    video = write_video(tmp_path / "one_fps.avi", frames, 1.0)
    panel, jobs, errors, said = _panel_telling(qtbot, settings, tiny_run, video)
    shown: list[str] = []
    panel.update_shown.connect(lambda _update: shown.append(panel.action.text()))
    try:
        qtbot.waitUntil(lambda: panel.predictor is not None, timeout=60_000)
        qtbot.waitUntil(lambda: panel.picker.cameras is not None, timeout=30_000)
        panel.picker.set_video(video)
        panel.start_button.click()
        qtbot.waitUntil(lambda: panel.job is None, timeout=60_000)
        assert panel.person_frames > 0 and panel.predictions_shown == 0
        assert shown and set(shown) == {"no prediction: 1 FPS input, needs ≥ 2 FPS"}
        assert panel.action.text() == "no prediction"
        assert said[-1] == (
            "Live stopped before any prediction: the input runs at 1 FPS: its frames "
            "are 1 s apart, more than the 0.5 s gap the window bridges, so every frame "
            "starts the window again; it needs at least 2 FPS (changing the window "
            "cannot help)"
        )
        assert errors == []
    finally:
        jobs.stop_all()


def test_a_model_that_will_not_load_keeps_the_one_in_use(
    qtbot, settings, tiny_run, tmp_path
):
    """Browsing to a folder that is not a model dropped the working one (Start greyed
    out until a shipped model was picked again)."""
    panel, jobs, errors, said = _panel_telling(qtbot, settings, tiny_run)
    try:
        qtbot.waitUntil(lambda: panel.predictor is not None, timeout=60_000)
        working, info = panel.predictor, panel.model_info.text()
        sensors = panel.input_info.text()
        empty = tmp_path / "not-a-run"
        empty.mkdir()
        job = panel.load_model(empty)
        qtbot.waitUntil(lambda: not job.is_running(), timeout=30_000)
        qtbot.waitUntil(lambda: panel.predictor is not None, timeout=10_000)
        assert panel.predictor is working
        assert panel.model_path.text() == str(tiny_run)
        assert panel.model_info.text() == info and panel.input_info.text() == sensors
        assert panel.start_button.isEnabled()
        assert said[-1] == f"Could not load the model; still using {tiny_run}"
        assert panel.ctx.recall("live/model") == str(tiny_run)
    finally:
        jobs.stop_all()


def test_a_folder_typed_into_the_field_is_the_model_that_loads(
    qtbot, settings, tiny_run, tmp_path
):
    """A folder typed into "Run folder" and Enter changed the field only: the model
    of before answered under the new folder's name (a trial)."""
    from PyQt6.QtCore import Qt

    from core.runs import shipped_model_dir

    shipped = shipped_model_dir()
    panel, jobs, errors, said = _panel_telling(qtbot, settings, tiny_run)
    try:
        qtbot.waitUntil(lambda: panel.predictor is not None, timeout=60_000)
        assert panel.predictor.run_dir == tiny_run
        panel.model_path.setFocus()
        panel.model_path.setText(f"  {shipped}  ")
        qtbot.keyClick(panel.model_path, Qt.Key.Key_Return)
        qtbot.waitUntil(
            lambda: panel.predictor is not None and panel.predictor.run_dir == shipped,
            timeout=60_000,
        )
        assert panel.model_path.text() == str(shipped)
        assert said[-1] == f"Model {shipped.name} loaded"  # said, as Replay says it
        # The same folder again (Enter, or leaving the field) loads nothing.
        job = panel.model_job
        qtbot.keyClick(panel.model_path, Qt.Key.Key_Return)
        assert panel.model_job is job and errors == []
        # A typed folder that fails: the model in use stays, and is the one named
        # (the message named the typed folder, "still using <it>": a trial).
        panel.model_path.setText(str(tmp_path))
        qtbot.keyClick(panel.model_path, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: bool(said) and said[-1].startswith("Could not load"))
        assert said[-1] == f"Could not load the model; still using {shipped}"
        assert panel.model_path.text() == str(shipped)
        assert panel.predictor.run_dir == shipped
    finally:
        jobs.stop_all()


@pytest.mark.slow
def test_a_model_chosen_while_live_runs_is_the_one_that_answers(
    qtbot, settings, tiny_run
):
    """The running job kept the model it started with while the panel named the new
    one; it now starts again with the new model."""
    from core.runs import shipped_model_dir

    video = require_data("videos", "ta_chi.mp4")
    panel, jobs, errors, said = _panel_telling(qtbot, settings, tiny_run, video)
    try:
        _ready_for_the_video(qtbot, panel)
        first = panel.start()
        assert first is not None
        qtbot.waitUntil(lambda: panel.updates_shown > 0, timeout=60_000)
        assert panel.last_update.model == str(tiny_run)  # the answers are its
        panel.load_model(shipped_model_dir())
        qtbot.waitUntil(
            lambda: panel.job is not None and panel.job is not first, timeout=60_000
        )
        assert panel.model_path.text() == str(shipped_model_dir())
        # a video starts over for the new model, and that is said (a trial)
        assert any("from the start of the video" in line for line in said), said
        qtbot.waitUntil(
            lambda: (
                panel.last_update is not None
                and panel.last_update.model == str(shipped_model_dir())
            ),
            timeout=60_000,
        )
        panel.stop_button.click()
        qtbot.waitUntil(lambda: panel.job is None, timeout=30_000)
        assert errors == []
    finally:
        jobs.stop_all()


@pytest.mark.slow
def test_start_pressed_while_a_model_loads_that_fails_starts_with_the_kept_one(
    qtbot, settings, tiny_run, tmp_path
):
    """Live waits for a model that is loading when Start is pressed (or when it
    restarts for a model chosen while it ran); that model failing left Live stopped
    although nobody pressed Stop (a review). It starts with the model kept."""
    import shutil

    panel, video, jobs, errors = _panel_on_tai_chi(qtbot, settings, tiny_run)
    bad = shutil.copytree(tiny_run, tmp_path / "bad")
    (bad / "weights.pt").write_bytes(b"not a checkpoint")
    for extra in bad.glob("*.onnx"):
        extra.unlink()
    try:
        _ready_for_the_video(qtbot, panel)
        loading = panel.load_model(bad)
        assert panel.start() is None and loading.is_running()  # waits for the model
        qtbot.waitUntil(lambda: panel.job is not None, timeout=60_000)
        assert panel.model_path.text() == str(tiny_run)
        qtbot.waitUntil(
            lambda: (
                panel.last_update is not None
                and panel.last_update.model == str(tiny_run)
            ),
            timeout=60_000,
        )
        panel.stop_button.click()
        qtbot.waitUntil(lambda: panel.job is None, timeout=30_000)
    finally:
        jobs.stop_all()


def test_a_video_cut_short_says_so_when_it_ends(qtbot, settings, tiny_run, tmp_path):
    """A copy cut short ended with a bare "Live stopped" (Teach's import and
    ms2l infer said it was truncated)."""
    data = require_data("videos", "S001C001P001R001A001_rgb.avi").read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: len(data) // 4])
    panel, jobs, errors, said = _panel_telling(qtbot, settings, tiny_run, cut)
    try:
        _play_to_the_end(qtbot, panel)
        assert panel.updates_shown > 0 and errors == []
        assert "frames but only" in said[-1] and "truncated or damaged" in said[-1]
        # Under the picture, where it stays (drawn on it, it was cut off and light
        # grey on a light frame).
        assert panel.stats.text().endswith("it may be truncated or damaged")
    finally:
        jobs.stop_all()


def test_the_model_description_keeps_its_lines_in_a_short_window(
    qtbot, settings, tiny_run
):
    """At 1024x600 the settings column was squeezed and the model's word-wrapped
    description drew its lines over each other; the column scrolls instead."""
    ctx, jobs, errors = make_context(settings)
    panel = LivePanel(ctx, model_dir=tiny_run)
    qtbot.addWidget(panel)
    try:
        qtbot.waitUntil(lambda: panel.predictor is not None, timeout=60_000)
        panel.resize(1024, 520)
        panel.show()
        qtbot.waitExposed(panel)
        label = panel.model_info
        qtbot.waitUntil(
            lambda: label.height() >= label.heightForWidth(label.width()), timeout=5000
        )
        panel.resize(1366, 740)
        qtbot.waitUntil(
            lambda: label.height() >= label.heightForWidth(label.width()), timeout=5000
        )
    finally:
        jobs.stop_all()


def test_the_answer_wrapping_to_two_lines_does_not_move_the_video(
    qtbot, settings, tiny_run
):
    """ "collecting… 44 % of the window (answers at 50 %)" wrapped at 125 % and the
    video shrank, then grew back at the next answer (a UI review)."""
    ctx, jobs, errors = make_context(settings)
    panel = LivePanel(ctx, model_dir=tiny_run)
    qtbot.addWidget(panel)
    try:
        panel.resize(900, 600)
        panel.show()
        qtbot.waitExposed(panel)
        panel.action.setText("walk  80 %")
        qtbot.wait(50)
        before = panel.video.height()
        panel.action.setText("collecting… 44 % of the window (answers at 50 %)")
        qtbot.wait(50)
        line = panel.action.fontMetrics().lineSpacing()
        assert line < panel.action.heightForWidth(panel.action.width()) <= 2 * line
        assert panel.video.height() == before
    finally:
        jobs.stop_all()


def test_live_settings_are_kept_and_the_window_box_keeps_to_its_range(
    qtbot, settings, tiny_run
):
    """Smoothing and threshold went back to their defaults at each start (the video and
    the model were kept); the Window box took 0.05 s, which ms2l infer refuses, and its
    up arrow went from "model default" to 0.10 s instead of the model's window."""
    from core.live.recogniser import WINDOW_SECONDS_RANGE

    ctx, jobs, errors = make_context(settings)
    panel = LivePanel(ctx, model_dir=tiny_run)
    qtbot.addWidget(panel)
    try:
        qtbot.waitUntil(lambda: panel.predictor is not None, timeout=60_000)
        box = panel.window_seconds
        model = panel.predictor.window_seconds
        assert box.value() == 0 and box.text() == f"model default ({model:.2f} s)"
        assert panel.live_settings().window_seconds is None
        box.stepBy(1)
        assert box.value() == pytest.approx(round(model, 2))
        box.setValue(0.05)
        assert box.value() == WINDOW_SECONDS_RANGE[0]
        box.stepBy(-1)  # below the shortest: back to the model's own
        assert box.value() == 0 and panel.live_settings().window_seconds is None
        assert box.maximum() == WINDOW_SECONDS_RANGE[1]
        box.setValue(2.5)
        panel.smoothing.setValue(0.8)
        panel.threshold.setValue(0.95)
        panel.predict_every.setValue(3)
    finally:
        jobs.stop_all()
    ctx, jobs, errors = make_context(settings)  # the next session
    again = LivePanel(ctx, model_dir=tiny_run)
    qtbot.addWidget(again)
    try:
        got = again.live_settings()
        assert (
            got.window_seconds,
            got.smoothing,
            got.threshold,
            got.predict_every,
        ) == (
            2.5,
            0.8,
            0.95,
            3,
        )
    finally:
        jobs.stop_all()


def test_no_action_below_the_threshold_says_by_how_much(qtbot, settings, tiny_run):
    """ "no action" sat above a top bar of 88 % (threshold 95 %) with nothing saying
    why; unfamiliar motion keeps its own words."""
    import dataclasses

    from core.live.pipeline import LiveUpdate
    from core.live.recogniser import Prediction

    ctx, jobs, errors = make_context(settings)
    panel = LivePanel(ctx, model_dir=tiny_run)
    qtbot.addWidget(panel)
    try:
        panel.threshold.setValue(0.95)
        panel._settings = panel.live_settings()  # as start() does
        below = Prediction(probabilities=np.array([0.877, 0.123]),
                           top_k=(("wave", 0.877), ("clap", 0.123)))  # fmt: skip
        update = LiveUpdate(
            frame=np.zeros((48, 64, 3), np.uint8), index=0, timestamp=0.0,
            landmarks=np.zeros((33, 2)), visibility=None, skeleton=None,
            layout="ucla20", prediction=below, fps=30.0,
        )  # fmt: skip
        panel.show()
        qtbot.waitExposed(panel)
        width = panel.sizeHint().width()
        panel.show_update(update)
        assert panel.action.text() == "no action  (wave 87.7 % < threshold 95 %)"
        # A long answer wraps: the window grew past a 1024-pixel screen.
        long = dataclasses.replace(below, top_k=(("pick up with two hands " * 3, 0.8),))
        panel.show_update(dataclasses.replace(update, prediction=long))
        qtbot.wait(50)  # the layout takes the new text in
        assert panel.sizeHint().width() <= width
        # A taught "no action" class below the threshold is just "no action".
        idle = dataclasses.replace(below, top_k=(("no action", 0.6), ("wave", 0.4)))
        panel.show_update(dataclasses.replace(update, prediction=idle))
        assert panel.action.text() == "no action"
        flat = dataclasses.replace(below, unfamiliar=True)
        panel.show_update(dataclasses.replace(update, prediction=flat))
        assert panel.action.text() == "no action (unfamiliar motion)"
        assert panel.bars.note.text().startswith("No class is ranked")
        # Under "no person" the unfamiliar-motion note of the last window goes (it
        # stayed: a trial).
        panel.show_update(dataclasses.replace(update, prediction=flat, landmarks=None))
        assert panel.action.text() == "no person" and panel.bars.note.text() == ""
        # Frames the source went past while the pose was busy are counted (a 60 FPS
        # video read in real time: a third never looked at, "0 dropped" said).
        panel.updates_shown, panel._first_index = 0, None
        for index in (10, 11, 14, 20):
            panel.show_update(dataclasses.replace(update, index=index))
        assert "frame 20 · 7 skipped (the recogniser is slower than the source)" in (
            panel.stats.text()
        )
    finally:
        jobs.stop_all()


def test_a_model_change_while_running_keeps_the_column_where_it_was_scrolled(
    qtbot, settings, tiny_run, tmp_path
):
    """At 1024x600 a model chosen while Live ran sent the scrolled-down column back
    to its top (Stop out of view): the one-line "Loading …" shrank it for a moment."""
    import shutil

    panel, video, jobs, errors = _panel_on_tai_chi(qtbot, settings, tiny_run)
    other = shutil.copytree(tiny_run, tmp_path / "other")
    try:
        panel.resize(1024, 560)
        panel.show()
        qtbot.waitExposed(panel)
        _ready_for_the_video(qtbot, panel)
        panel.start_button.click()
        qtbot.waitUntil(lambda: panel.last_update is not None, timeout=60_000)
        bar = panel.findChild(QScrollArea).verticalScrollBar()
        assert bar.maximum() > 0  # the column scrolls at this height
        bar.setValue(bar.maximum())
        bottom = bar.value()
        panel.load_model(other)
        qtbot.waitUntil(
            lambda: (
                panel.last_update is not None and panel.last_update.model == str(other)
            ),
            timeout=60_000,
        )
        assert bar.value() == bottom
        panel.stop_button.click()
        qtbot.waitUntil(lambda: panel.job is None, timeout=30_000)
        assert errors == []
    finally:
        jobs.stop_all()


def test_a_4k_frame_is_shrunk_for_the_view_with_its_landmarks():
    """A 4K video had more than half its frames skipped by the GUI (a trial): the
    view gets them at most 1280 wide, the landmarks scaled alike, in the worker."""
    from app.panels.live import DISPLAY_WIDTH, for_display
    from core.live.pipeline import LiveUpdate
    from core.live.recogniser import Prediction

    frame = np.zeros((2160, 3840, 3), np.uint8)
    frame[1000:1100, 2000:2100] = 255
    points = np.array([[2050.0, 1050.0]] * 33, np.float32)
    update = LiveUpdate(
        frame=frame, index=0, timestamp=0.0, landmarks=points, visibility=None,
        skeleton=None, layout="ucla20", prediction=Prediction(), fps=30.0,
    )  # fmt: skip
    shown = for_display(update)
    assert shown.frame.shape == (720, DISPLAY_WIDTH, 3) == (720, 1280, 3)
    x, y = shown.landmarks[0]
    assert shown.frame[round(y), round(x)].min() == 255  # still on the white square
    small = dataclasses.replace(update, frame=frame[:720, :1280])
    assert for_display(small) is small  # a frame that fits goes as it is


def test_a_remembered_model_that_no_longer_loads_gives_way_to_the_shipped_one(
    qtbot, settings, tiny_run, tmp_path
):
    """Live's model of last time, damaged since, left Live without a model and an
    error at every start (a trial)."""
    import shutil

    from core.runs import shipped_model_dir

    damaged = tmp_path / "mine"
    shutil.copytree(tiny_run, damaged)
    ctx, jobs, errors = make_context(settings)
    ctx.remember("live/model", str(damaged))
    (damaged / "weights.pt").write_bytes(b"cut short")
    said: list[str] = []
    ctx.status = said.append
    panel = LivePanel(ctx)
    qtbot.addWidget(panel)
    try:
        qtbot.waitUntil(lambda: panel.predictor is not None, timeout=60_000)
        assert panel.predictor.run_dir == shipped_model_dir()
        assert panel.model_path.text() == str(shipped_model_dir())
        assert "Could not load the model used last time; using nw-ucla-ms2l" in said
        assert ctx.recall("live/model") == str(shipped_model_dir())  # not again
    finally:
        jobs.stop_all()


def test_start_stays_put_when_a_shorter_model_description_comes(
    qtbot, settings, tiny_run
):
    """A taught model's short description moved Start and Stop 40 px up from where
    the shipped model's six lines had them (a GUI trial); a longer one still has
    room, in the scrolling column above Start (pinned below it)."""
    from PyQt6.QtCore import QPoint

    panel, video, jobs, errors = _panel_on_tai_chi(qtbot, settings, tiny_run)
    try:
        panel.resize(1366, 740)
        panel.show()
        qtbot.waitExposed(panel)
        _ready_for_the_video(qtbot, panel)
        shipped = panel.model_info.text()
        assert shipped.count("\n") >= 1

        def start_y() -> int:
            qtbot.wait(100)  # the layout done
            return panel.start_button.mapTo(panel, QPoint(0, 0)).y()

        y_five = start_y()  # NW-UCLA's ten classes, as the shipped model's
        panel.model_info.setText("BiGRU encoder · 2 classes\ndrink, wave")
        assert start_y() == y_five
        # ... nor a shorter sensors line (a taught model's: a trial)
        panel.input_info.setText("Trained on MediaPipe skeletons · same sensor")
        assert start_y() == y_five
        short_height = panel.model_info.height()
        many = shipped + "\n" + ", ".join(f"class number {i}" for i in range(60))
        panel.model_info.setText(many)
        assert start_y() == y_five
        assert panel.model_info.height() > 3 * short_height  # grown to fit, not cut
    finally:
        jobs.stop_all()


def test_return_in_the_video_field_starts_live(qtbot, settings, tiny_run):
    """A video's path typed and then Return did nothing, while the view said "press
    Start" (a keyboard trial): Return presses Start, when Start can be pressed."""
    from PyQt6.QtCore import Qt

    panel, video, jobs, errors = _panel_on_tai_chi(qtbot, settings, tiny_run)
    try:
        panel.show()
        qtbot.waitExposed(panel)
        _ready_for_the_video(qtbot, panel)
        # An empty field: nothing starts, and the field stays empty (not ".")
        panel.picker.video_path.setText("")
        qtbot.keyClick(panel.picker.video_path, Qt.Key.Key_Return)
        assert panel.job is None and panel.picker.video_path.text() == ""
        errors.clear()
        panel.picker.video_path.setText(str(video))
        qtbot.keyClick(panel.picker.video_path, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: panel.stop_button.isEnabled(), timeout=30_000)
        assert panel.job is not None and not panel.start_button.isEnabled()
        panel.stop_button.click()
        qtbot.waitUntil(lambda: panel.job is None, timeout=30_000)
        assert errors == []
    finally:
        jobs.stop_all()
