"""Clip building on one long recording: the cost grows linearly with its length.

Writes, in a temporary folder, one ``ntu25`` recording of ``M`` minutes at 30 FPS (the
real NTU skeletons of ``../shared/data/ntu`` one after another, over and over) with a
labelled interval every 3.7 s, then times ``core.datasets.custom.build_clips`` on it
(median of ``--repeats``), for each length given::

    OMP_NUM_THREADS=1 .venv/bin/python bench/custom_long.py --minutes 10,30 --repeats 3

It prints the seconds per length and the ratio of the last to the first, against the
ratio of their lengths (equal ratios: linear).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from core.datasets import read_file  # noqa: E402
from core.datasets.custom import LabelInterval, build_clips, write_labels  # noqa: E402
from core.datasets.recording import RecordingWriter, SourceInfo  # noqa: E402


def long_dataset(root: Path, minutes: float, ntu: Path) -> int:
    """One recording of ``minutes`` and its labels; returns the number of intervals."""
    clips = [read_file(p).joints[:, 0] for p in sorted(ntu.glob("*.skeleton"))]
    frames = np.concatenate(clips)
    total = int(minutes * 60 * 30)
    path = root / "session.jsonl"
    with RecordingWriter(path, "ntu25", SourceInfo("import")) as writer:
        for i in range(total):
            writer.add_joints(i / 30, frames[i % len(frames)])
    starts = np.arange(0.0, minutes * 60 - 3.0, 3.7)
    rows = [
        LabelInterval("session", float(s), float(s) + 2.5, f"a{i % 5}")
        for i, s in enumerate(starts)
    ]
    write_labels(root, rows)
    return len(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", default="10,30", help="recording lengths")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--data", type=Path, default=REPO.parent / "shared" / "data", help="shared data"
    )
    args = parser.parse_args()
    lengths = [float(m) for m in args.minutes.split(",")]
    times = []
    for minutes in lengths:
        root = Path(tempfile.mkdtemp(prefix="ms2l-long-"))
        intervals = long_dataset(root, minutes, args.data / "ntu")
        runs = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            build_clips(root)
            runs.append(time.perf_counter() - t0)
        times.append(statistics.median(runs))
        print(
            f"{minutes:g} min ({int(minutes * 1800)} frames, {intervals} intervals): "
            f"build_clips median {times[-1]:.2f} s of {args.repeats}"
        )
    if len(times) > 1:
        print(
            f"time ratio {times[-1] / times[0]:.2f} for a length ratio "
            f"{lengths[-1] / lengths[0]:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
