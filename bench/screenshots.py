"""Save a PNG of each panel of the main window in a realistic state (``docs/screenshots``).

Drives the real app offscreen: Live runs the real MediaPipe pipeline on a video file with
the video hidden (skeleton on a dark background, so no recorded person is shown), Replay
opens NW-UCLA and plays a test clip (and a PKU-MMD sequence with its timeline when the
reader is available), Train runs a real training job for a few epochs, and Evaluate
evaluates the model. The model is the shipped one, or ``--model RUN``; without either, a
small model is trained first.

Usage::

    .venv/bin/python bench/screenshots.py [--data ../shared/data] [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    """Drive the window through each panel and save the pictures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument(
        "--model", type=Path, help="run folder (default: the shipped one)"
    )
    parser.add_argument("--size", default="1400x900", help="window size WxH")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import cv2  # noqa: F401  (its Qt variables must be removed before Qt starts)

    for var in ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR"):
        os.environ.pop(var, None)
    sys.path.insert(0, str(REPO))
    tmp = Path(tempfile.mkdtemp(prefix="ms2l-shots-"))
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
    width, height = (int(v) for v in args.size.split("x"))
    settings = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, model_dir=model, video=video)
    window.resize(width, height)
    window.show()
    args.out.mkdir(parents=True, exist_ok=True)

    def wait(pred: Callable[[], bool], timeout: float, what: str) -> None:
        end = time.monotonic() + timeout
        while not pred():
            if time.monotonic() > end:
                raise TimeoutError(f"timed out waiting for {what}")
            app.processEvents()
            time.sleep(0.01)

    def settle(seconds: float = 0.3) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)

    def save(name: str) -> None:
        settle()
        path = args.out / f"{name}.png"
        window.grab().save(str(path))
        print(f"saved {path}")

    try:
        # --- Live: real pose pipeline, video hidden -----------------------------------
        live = window.live
        window.tabs.setCurrentWidget(live)
        wait(lambda: live.predictor is not None, 120, "the model")
        wait(lambda: live.picker.cameras is not None, 60, "the camera search")
        live.picker.source.setCurrentText("Video file")
        live.show_video.setChecked(False)
        live.start()
        wait(
            lambda: live.updates_shown > 0 and bool(live.last_update.top_k),
            120,
            "live predictions",
        )
        settle(1.5)
        save("live")
        live.stop()
        wait(lambda: live.job is None, 30, "live to stop")

        # --- Replay: NW-UCLA test clip, rotated ----------------------------------------
        replay = window.replay
        window.tabs.setCurrentWidget(replay)
        replay.open_dataset("nw-ucla", zip_path)
        wait(lambda: replay.store is not None, 300, "the NW-UCLA store")
        replay.split_filter.setCurrentText("test")
        replay.class_filter.setCurrentIndex(7)
        replay.clip_list.setCurrentRow(2)
        wait(lambda: replay.prediction is not None, 60, "the replay prediction")
        replay.show_frame(replay.current.num_frames // 2)
        replay.view.set_angles(-35.0, 10.0)
        save("replay")
        pku = args.data / "pkummd" / "skeleton" / "0005-L.txt"
        if pku.is_file():
            try:
                replay.open_file(pku)
                wait(
                    lambda: (
                        replay.sequences
                        and replay.current is not None
                        and replay.current.num_frames > 1000
                    ),
                    60,
                    "the PKU-MMD sequence",
                )
                wait(lambda: replay.prediction is not None, 120, "PKU-MMD windows")
                replay.show_frame(400)
                replay.view.set_angles(20.0, 5.0)
                save("replay_pkummd")
            except (TimeoutError, ImportError) as exc:
                print(f"PKU-MMD replay skipped: {exc}")

        # --- Train: a real run, captured mid-way ---------------------------------------
        train = window.train
        window.tabs.setCurrentWidget(train)
        train.root.setText(str(zip_path))
        train.runs_dir.setText(str(tmp / "runs"))
        train.strategy.setCurrentText("joint")
        train.epochs.setValue(40)
        train.device.setCurrentText("cpu")
        train.start_button.click()
        wait(lambda: train.curves.points("accuracy") >= 6, 900, "six training epochs")
        save("train")
        train.cancel_button.click()
        wait(lambda: not train.is_running(), 120, "training to stop")

        # --- Evaluate: the model on the NW-UCLA test view ------------------------------
        evaluate = window.evaluate
        window.tabs.setCurrentWidget(evaluate)
        evaluate.add_run(model)
        evaluate.data_root.setText(str(zip_path))
        evaluate.evaluate(model, "test", str(zip_path))
        wait(lambda: evaluate.result is not None, 300, "the evaluation")
        save("evaluate")
    finally:
        window.shutdown()
    return 0


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
