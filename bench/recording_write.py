"""Cost of writing a recording while the live loop runs: ``RecordingWriter.add_pose``.

Appends 3000 frames of real MediaPipe landmarks (estimated once on ``ta_chi.mp4``) to a
recording, syncing every second as when recording, and prints the median and p99 time of
one ``add_pose`` call (JSON encoding plus buffered write) and of one ``fsync``; compare
with MediaPipe's ~30 ms a frame::

    .venv/bin/python bench/recording_write.py
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from core.datasets.recording import RecordingWriter, SourceInfo  # noqa: E402
from core.live.capture import VideoSource  # noqa: E402
from core.live.pose import MediaPipePose  # noqa: E402


def main() -> int:
    # No options: --help says so instead of running the whole benchmark (a trial).
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    video = REPO.parent / "shared/data/videos/ta_chi.mp4"
    poses = []
    with VideoSource(video) as src, MediaPipePose() as pose:
        for frame in src:
            result = pose.estimate(frame.image)
            if result is not None:
                poses.append(result)
            if len(poses) >= 30:
                break
    folder = Path(tempfile.mkdtemp(prefix="ms2l-write-"))
    path = folder / "bench.jsonl"
    add, sync = [], []
    with RecordingWriter(path, "mp33", SourceInfo("video", str(video))) as w:
        for i in range(3000):
            t0 = time.perf_counter()
            w.add_pose(i / 30, poses[i % len(poses)])
            add.append(time.perf_counter() - t0)
            if i % 30 == 29:  # once a second of recording, as the writer does
                t0 = time.perf_counter()
                w.sync()
                sync.append(time.perf_counter() - t0)
    ms = np.array(add) * 1e3
    print(
        f"add_pose: median {statistics.median(ms):.3f} ms, p99 "
        f"{np.percentile(ms, 99):.3f} ms; fsync: median "
        f"{1e3 * statistics.median(sync):.2f} ms, max {1e3 * max(sync):.2f} ms; "
        f"{path.stat().st_size / 3000 / 1024:.2f} KiB per frame"
    )
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
