"""Labelling a long take in Teach: what one label costs, against reading the take.

Writes, in a temporary folder, one ``ntu25`` recording of ``--minutes`` at 30 FPS (real
NTU skeletons one after another, as ``bench/custom_long.py`` does, without its labels),
opens it in the Teach panel (real widgets, offscreen) and labels ``--labels`` spans of
it one after another (``TeachPanel.label_span``: labels.csv written, the list and the
timeline shown again), timing each; the first showing of the take is timed apart, and
so is ``read_recording`` on the same file, side by side in the same run. Before the
panel kept the take it had read, every label read the file again (twice)::

    QT_QPA_PLATFORM=offscreen OMP_NUM_THREADS=1 .venv/bin/python bench/label_long.py --minutes 65
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=65.0, help="take length")
    parser.add_argument("--labels", type=int, default=7, help="labels to make")
    parser.add_argument("--reads", type=int, default=3, help="read_recording repeats")
    parser.add_argument(
        "--data", type=Path, default=REPO.parent / "shared" / "data", help="shared data"
    )
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import cv2  # noqa: F401  (its Qt variables must be removed before Qt starts)

    for var in ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR"):
        os.environ.pop(var, None)
    from custom_long import long_dataset
    from PyQt6.QtCore import QSettings
    from PyQt6.QtWidgets import QApplication

    from app.context import AppContext
    from app.panels.teach import TeachPanel
    from app.workers import JobManager
    from core.datasets.custom import read_labels, write_labels
    from core.datasets.recording import read_recording

    qapp = QApplication([])
    work = Path(tempfile.mkdtemp(prefix="ms2l-label-long-"))
    root = work / "dataset"
    long_dataset(root, args.minutes, args.data / "ntu")
    write_labels(root, [])  # the take, unlabelled
    path = root / "session.jsonl"
    reads = []
    for _ in range(args.reads):
        t0 = time.perf_counter()
        rec = read_recording(path)
        reads.append(time.perf_counter() - t0)
    errors: list[str] = []
    settings = QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat)
    jobs = JobManager()
    ctx = AppContext(
        jobs=jobs,
        settings=settings,
        error=lambda title, message: errors.append(f"{title}: {message}"),
        status=lambda message: None,
    )
    panel = TeachPanel(ctx, dataset=root)
    panel.show()
    qapp.processEvents()
    t0 = time.perf_counter()
    panel.select_take("session")
    qapp.processEvents()
    first_show = time.perf_counter() - t0
    step = rec.num_frames // (args.labels + 1)
    labels = []
    for k in range(args.labels):
        panel.timeline.enable_selection(k * step + 10, k * step + 100)
        t0 = time.perf_counter()
        ok = panel.label_span(f"action {k % 3}")
        qapp.processEvents()
        labels.append(time.perf_counter() - t0)
        if not ok:
            print(f"label {k} refused: {errors}", file=sys.stderr)
            return 1
    jobs.stop_all()
    made = len(read_labels(root))
    size = path.stat().st_size / 1e6
    print(
        f"{args.minutes:g} min take ({rec.num_frames} frames, {size:.0f} MB): "
        f"read_recording median {statistics.median(reads):.2f} s of {args.reads}; "
        f"first showing in Teach {first_show:.2f} s; one label median "
        f"{statistics.median(labels):.3f} s of {made} (max {max(labels):.3f} s); "
        f"label / read = {statistics.median(labels) / statistics.median(reads):.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
