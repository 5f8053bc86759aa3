"""``ms2l data extract`` speed: one process against a pool of two, on the shared videos.

A folder of 4 videos in 2 class folders (links to ``ta_chi.mp4`` and the NTU RGB video,
each twice) is extracted with ``--max-frames`` frames per video, alternating
``workers=1`` (everything in this process) and ``workers=2`` (a ``spawn`` pool: worker
start-up and MediaPipe loading included), ``--repeats`` times each into a fresh folder.
Prints the median wall time, frames per second and the speed-up::

    .venv/bin/python bench/extract_speed.py --frames 150 --repeats 3
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from core.extract import ExtractFinished, extract  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--videos", default=str(REPO.parent / "shared/data/videos"))
    p.add_argument("--frames", type=int, default=150, help="frames per video")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="ms2l-extract-"))
    src = Path(args.videos)
    folders = {
        "tai chi": src / "ta_chi.mp4",
        "drink": src / "S001C001P001R001A001_rgb.avi",
    }
    for action, video in folders.items():
        (work / "videos" / action).mkdir(parents=True)
        for i in (1, 2):
            (work / "videos" / action / f"{i}{video.suffix}").symlink_to(video)
    times: dict[int, list[float]] = {1: [], 2: []}
    frames = 0
    for rep in range(args.repeats):
        for workers in (1, 2):
            out = work / f"out-{workers}-{rep}"
            t0 = time.perf_counter()
            for event in extract(work / "videos", out, workers=workers,
                                 max_frames=args.frames):  # fmt: skip
                if isinstance(event, ExtractFinished):
                    frames = event.frames
                    assert event.failed == 0
            times[workers].append(time.perf_counter() - t0)
            print(f"workers={workers} run {rep}: {times[workers][-1]:.1f} s, "
                  f"{frames} frames", flush=True)  # fmt: skip
            shutil.rmtree(out)
    one, two = statistics.median(times[1]), statistics.median(times[2])
    print(
        f"median: 1 process {one:.1f} s ({frames / one:.1f} frames/s), "
        f"2 processes {two:.1f} s ({frames / two:.1f} frames/s): speed-up "
        f"{one / two:.2f}x ({frames} frames, {len(folders) * 2} videos)"
    )
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
