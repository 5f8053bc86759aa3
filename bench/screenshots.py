"""Save a PNG of each panel of the main window in a realistic state (``docs/screenshots``).

Drives the real app offscreen: Live runs the real MediaPipe pipeline on a video file with
the video hidden (skeleton on a dark background, so no recorded person is shown), Replay
opens NW-UCLA and plays a test clip, Teach records takes of two actions from the
shared videos, trains on them and shows the taught model in Live, (and a PKU-MMD sequence with its timeline when the
reader is available), Train runs a real training job for a few epochs, and Evaluate
evaluates the model. The model is the shipped one, or ``--model RUN``; without either, a
small model is trained first.

Usage::

    .venv/bin/python bench/screenshots.py [--data ../shared/data] [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PyQt6.QtWidgets import QApplication

    from app.main_window import MainWindow

REPO = Path(__file__).resolve().parent.parent


PANELS = ("live", "teach", "replay", "train", "evaluate")


def main() -> int:
    """Drive the window through each panel and save the pictures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument(
        "--model", type=Path, help="run folder (default: the shipped one)"
    )
    parser.add_argument(
        "--fuse-with",
        type=Path,
        action="append",
        default=[],
        metavar="RUN",
        help="evaluate panel: fuse the model with this run (e.g. its bone-stream twin)",
    )
    parser.add_argument("--size", default="1400x900", help="window size WxH")
    parser.add_argument(
        "--panels",
        default=",".join(PANELS),
        help="comma-separated panels to capture, in order (replay also saves "
        "replay_pkummd; teach saves teach_record, teach_train and teach_live)",
    )
    args = parser.parse_args()
    unknown = sorted(set(args.panels.split(",")) - set(PANELS))
    if unknown:  # before minutes of work, not after the first shots
        parser.error(f"unknown panel {unknown[0]!r}: choose from {', '.join(PANELS)}")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import cv2  # noqa: F401  (its Qt variables must be removed before Qt starts)

    for var in ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR"):
        os.environ.pop(var, None)
    sys.path.insert(0, str(REPO))
    # Its runs, settings and takes (~120 MB) go when it ends (they were left in /tmp
    # after every run: a trial).
    tmp = Path(tempfile.mkdtemp(prefix="ms2l-shots-"))
    try:
        return _shoot(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _shoot(args: argparse.Namespace, tmp: Path) -> int:
    """The window driven through the panels, with its files in ``tmp``."""
    os.environ.setdefault("MS2L_RUNS", str(tmp / "runs"))
    from PyQt6.QtCore import QSettings
    from PyQt6.QtWidgets import QApplication

    from app.main_window import MainWindow
    from core.runs import shipped_model_dir

    zip_path = args.data / "nw-ucla" / "all_sqe.zip"
    video = args.data / "videos" / "ta_chi.mp4"
    for needed in (zip_path, video):
        if not needed.exists():
            print(f"data not found: {needed}", file=sys.stderr)
            return 2
    model = args.model or shipped_model_dir()
    if model is None:
        print("no shipped model: training a small one first …")
        model = train_small_model(zip_path, tmp / "model")
    app = QApplication([])
    app.setApplicationName("MS²L Studio")
    from app.gc_guard import collect_on_gui_thread

    collect_on_gui_thread(app)  # as the app does
    width, height = (int(v) for v in args.size.split("x"))
    settings = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, model_dir=model, video=video)
    window.confirm_close = False  # nobody is there to answer a question on close
    window.resize(width, height)
    window.show()
    args.out.mkdir(parents=True, exist_ok=True)

    panels = args.panels.split(",")
    shots = Shots(app, window, args.out)
    try:
        for panel in panels:
            if panel == "teach":
                teach_shots(shots, args.data, tmp)
            elif panel == "live":
                live_shot(shots)
            elif panel == "replay":
                replay_shots(shots, args.data, zip_path)
            elif panel == "train":
                train_shot(shots, zip_path, tmp)
            elif panel == "evaluate":
                evaluate_shot(shots, model, zip_path, args.fuse_with)
    finally:
        window.shutdown()
        # Delete the window while the QApplication exists: left to the interpreter's
        # exit, the two went in any order and 1 run in 6 ended in a segfault.
        window.close()
        window.deleteLater()
        app.processEvents()
        del window
    return 0


class Shots:
    """Waiting for the app and saving pictures of the window."""

    def __init__(self, app: QApplication, window: MainWindow, out: Path) -> None:
        self.app, self.window, self.out = app, window, out

    def wait(self, pred: Callable[[], bool], timeout: float, what: str) -> None:
        """Process events until ``pred()`` holds (or fail after ``timeout`` s)."""
        end = time.monotonic() + timeout
        while not pred():
            if time.monotonic() > end:
                raise TimeoutError(f"timed out waiting for {what}")
            self.app.processEvents()
            time.sleep(0.01)

    def settle(self, seconds: float = 0.3) -> None:
        """Process events for a while (plots redraw from timers)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.app.processEvents()
            time.sleep(0.01)

    def save(self, name: str) -> None:
        """Save the window as ``<out>/<name>.png``."""
        self.settle()
        path = self.out / f"{name}.png"
        self.window.grab().save(str(path))
        print(f"saved {path}")


def teach_shots(shots: Shots, data: Path, tmp: Path) -> None:
    """Record takes of two actions from the shared videos, train, use the model in Live."""
    window = shots.window
    teach, live = window.teach, window.live
    window.tabs.setCurrentWidget(teach)
    teach.set_dataset(tmp / "my-actions")
    teach.video.show_video = False  # the skeleton only: no recorded person is shown
    shots.wait(lambda: teach.source.cameras is not None, 60, "the camera search")
    takes = (("ta_chi.mp4", "tai chi"), ("S001C001P001R001A001_rgb.avi", "drink"))
    for video, action in takes:
        for _ in range(3):
            teach.source.set_video(data / "videos" / video)
            teach.action.setEditText(action)
            teach.countdown.setValue(0)
            teach.max_seconds.setValue(1.5)
            teach.start_recording()
            shots.wait(lambda: teach.record_job is None, 120, "a take")
    shots.save("teach_record")
    started = time.monotonic()
    teach.train_button.click()
    shots.wait(lambda: teach.train_job is None, 600, "training on the takes")
    print(
        f"Train on my actions: model ready {time.monotonic() - started:.1f} s after the click"
    )
    shots.save("teach_train")
    previous = live.model_path.text()
    teach.use_button.click()
    shots.wait(
        lambda: (
            live.predictor is not None and live.predictor.run_dir == teach.trained_run
        ),
        120,
        "the taught model in Live",
    )
    live.picker.set_video(data / "videos" / "ta_chi.mp4")
    live.show_video.setChecked(False)
    live.start()
    shots.wait(
        lambda: live.updates_shown > 0 and bool(live.last_update.prediction.top_k),
        120,
        "live predictions of the taught model",
    )
    shots.settle(1.5)
    shots.save("teach_live")
    live.stop()
    shots.wait(lambda: live.job is None, 30, "live to stop")
    if previous:
        live.load_model(Path(previous))
        shots.wait(lambda: live.predictor is not None, 120, "the model")


def live_shot(shots: Shots) -> None:
    """Live with the shipped model on a video, skeleton on a dark background."""
    # --- Live: real pose pipeline, video hidden -----------------------------------
    live = shots.window.live
    shots.window.tabs.setCurrentWidget(live)
    shots.wait(lambda: live.predictor is not None, 120, "the model")
    shots.wait(lambda: live.picker.cameras is not None, 60, "the camera search")
    live.picker.source.setCurrentText("Video file")
    live.show_video.setChecked(False)
    live.start()
    shots.wait(
        lambda: live.updates_shown > 0 and bool(live.last_update.top_k),
        120,
        "live predictions",
    )
    shots.settle(1.5)
    shots.save("live")
    live.stop()
    shots.wait(lambda: live.job is None, 30, "live to stop")


def replay_shots(shots: Shots, data: Path, zip_path: Path) -> None:
    """Replay of an NW-UCLA test clip and of a PKU-MMD sequence."""
    args_data = data
    # --- Replay: NW-UCLA test clip, rotated ----------------------------------------
    replay = shots.window.replay
    shots.window.tabs.setCurrentWidget(replay)
    replay.open_dataset("nw-ucla", zip_path)
    shots.wait(lambda: replay.store is not None, 300, "the NW-UCLA store")
    replay.split_filter.setCurrentText("test")
    replay.class_filter.setCurrentIndex(7)
    replay.clip_list.setCurrentRow(2)
    shots.wait(lambda: replay.prediction is not None, 60, "the replay prediction")
    replay.show_frame(replay.current.num_frames // 2)
    replay.view.set_angles(-35.0, 10.0)
    shots.save("replay")
    pku = args_data / "pkummd" / "skeleton" / "0005-L.txt"
    if pku.is_file():
        try:
            replay.open_file(pku)
            shots.wait(
                lambda: (
                    replay.sequences
                    and replay.current is not None
                    and replay.current.num_frames > 1000
                ),
                60,
                "the PKU-MMD sequence",
            )
            shots.wait(lambda: replay.prediction is not None, 120, "PKU-MMD windows")
            replay.show_frame(400)
            replay.view.set_angles(20.0, 5.0)
            shots.save("replay_pkummd")
        except (TimeoutError, ImportError) as exc:
            print(f"PKU-MMD replay skipped: {exc}")


def train_shot(shots: Shots, zip_path: Path, tmp: Path) -> None:
    """A real training run, captured mid-way."""
    # --- Train: a real run, captured mid-way ---------------------------------------
    train = shots.window.train
    shots.window.tabs.setCurrentWidget(train)
    train.root.setText(str(zip_path))
    train.runs_dir.setText(str(tmp / "runs"))
    train.strategy.setCurrentText("joint")
    train.epochs.setValue(40)
    train.device.setCurrentText("cpu")
    train.start_button.click()
    shots.wait(lambda: train.curves.points("accuracy") >= 6, 900, "six training epochs")
    shots.save("train")
    train.cancel_button.click()
    shots.wait(lambda: not train.is_running(), 120, "training to stop")


def evaluate_shot(
    shots: Shots, model: Path, zip_path: Path, fuse_with: list[Path] | None = None
) -> None:
    """The model evaluated on the NW-UCLA test view (fused with ``fuse_with``)."""
    # --- Evaluate: the model on the NW-UCLA test view ------------------------------
    evaluate = shots.window.evaluate
    shots.window.tabs.setCurrentWidget(evaluate)
    evaluate.add_run(model)
    evaluate.data_root.setText(str(zip_path))
    evaluate.fuse_with.setText("; ".join(str(p) for p in fuse_with or []))
    evaluate.evaluate(model, "test", str(zip_path), fuse_with)
    shots.wait(lambda: evaluate.result is not None, 300, "the evaluation")
    shots.save("evaluate")


def train_small_model(zip_path: Path, run_dir: Path) -> Path:
    """Train a small NW-UCLA model (a few epochs) for the pictures; return its folder."""
    from core.config import make_config
    from core.training.loop import run

    cfg = make_config(
        dataset="nw-ucla",
        root=str(zip_path),
        strategy="scratch",
        data={"frames": 32},
        model={"hidden": 64, "classifier_hidden": 64},
        optim={"epochs": 12, "batch_size": 32, "lr": 0.003, "lr_step": 0},
        run={"run_dir": str(run_dir), "device": "cpu"},
    )
    for event in run(cfg):
        if type(event).__name__ == "EpochDone":
            print(f"  epoch {event.epoch}: val acc {event.val_acc}")
    return run_dir


if __name__ == "__main__":
    sys.exit(main())
