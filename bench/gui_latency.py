"""GUI-thread responsiveness while a real training run streams events to the Train panel.

Starts training from the Train panel (real NW-UCLA data, real torch on the CPU), then
measures how late a 10 ms ``QTimer`` on the GUI thread fires while the worker thread
trains and the panel draws its curves. Prints p50 / p95 / max lateness in milliseconds
and how many training events reached the panel.

Usage::

    .venv/bin/python bench/gui_latency.py [--seconds 20] [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    """Run the measurement and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="measuring time")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument(
        "--hidden", type=int, default=0, help="encoder units (0 = preset)"
    )
    parser.add_argument("--strategy", default="joint")
    parser.add_argument("--interval", type=int, default=10, help="timer interval, ms")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import cv2  # noqa: F401  (its Qt variables must be removed before Qt starts)

    for var in ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR"):
        os.environ.pop(var, None)
    sys.path.insert(0, str(REPO))
    import numpy as np
    from PyQt6.QtCore import QElapsedTimer, QSettings, QTimer
    from PyQt6.QtWidgets import QApplication

    from app.context import AppContext
    from app.panels.train import TrainPanel
    from app.workers import JobManager

    zip_path = args.data / "nw-ucla" / "all_sqe.zip"
    if not zip_path.is_file():
        print(f"NW-UCLA archive not found: {zip_path}", file=sys.stderr)
        return 2
    app = QApplication([])
    from app.gc_guard import collect_on_gui_thread

    collect_on_gui_thread(app)  # as the app does
    tmp = Path(tempfile.mkdtemp(prefix="ms2l-gui-latency-"))
    jobs = JobManager()
    ctx = AppContext(
        jobs=jobs,
        settings=QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat),
        error=lambda t, m: print(f"error: {t}: {m}", file=sys.stderr),
        status=lambda m: None,
    )
    panel = TrainPanel(ctx)
    panel.resize(1400, 900)
    panel.show()
    panel.root.setText(str(zip_path))
    panel.runs_dir.setText(str(tmp / "runs"))
    panel.strategy.setCurrentText(args.strategy)
    panel.device.setCurrentText("cpu")
    panel.epochs.setValue(1000)
    panel.hidden.setValue(args.hidden)

    lateness: list[float] = []
    clock = QElapsedTimer()
    timer = QTimer()
    timer.setInterval(args.interval)
    state = {"t_end": 0.0, "events_at_start": 0}

    def on_tick() -> None:
        if state["t_end"] == 0.0:
            if panel.events_seen < 5:  # wait until batches are flowing
                clock.restart()
                return
            state["t_end"] = time.monotonic() + args.seconds
            state["events_at_start"] = panel.events_seen
            clock.restart()
            return
        lateness.append(clock.nsecsElapsed() / 1e6 - args.interval)
        clock.restart()
        if time.monotonic() >= state["t_end"]:
            timer.stop()
            if panel.job is not None:
                panel.job.stop()

    timer.timeout.connect(on_tick)
    panel.start_button.click()
    panel.job.ended.connect(app.quit)
    clock.start()
    timer.start()
    app.exec()
    jobs.stop_all()
    if not lateness:
        print("training ended before the measurement started", file=sys.stderr)
        return 1
    lat = np.asarray(lateness)
    events = panel.events_seen - state["events_at_start"]
    print(
        f"GUI timer ({args.interval} ms) lateness while training "
        f"({args.strategy}, {os.cpu_count()} CPUs) over {args.seconds:.0f} s: "
        f"p50 {np.percentile(lat, 50):.1f} ms, p95 {np.percentile(lat, 95):.1f} ms, "
        f"max {lat.max():.1f} ms ({len(lat)} ticks); "
        f"{events / args.seconds:.0f} training events/s reached the panel"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
