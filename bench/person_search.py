"""What the search for a small person costs and finds (``core.live.pose.MediaPipePose``).

The shared NTU clip (1920x1080, one person) is put into larger frames, as a camera far
away or a very wide one would see it, and MediaPipe is run over every frame with the
search on and off, side by side in one run: the share of frames with a person found,
and the median milliseconds per frame. Then an empty (black) clip of the same size,
where the search runs on every frame after the third: its cost.

    OMP_NUM_THREADS=1 .venv/bin/python bench/person_search.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.live.capture import VideoSource  # noqa: E402
from core.live.pose import MediaPipePose  # noqa: E402

SCENES = {
    # name: (canvas width, height, shrink of the 1920x1080 frame, its left, top)
    "1080p as recorded": (1920, 1080, 1, 0, 0),
    "3840x1080, off centre": (3840, 1080, 1, 900, 0),
    "4K, a quarter of the height": (3840, 2160, 2, 1700, 900),
    "4K, an eighth of the height": (3840, 2160, 4, 2400, 1200),
}


def _frames(video: Path, limit: int) -> list[np.ndarray]:
    with VideoSource(video) as src:
        return [cv2.flip(f.image, 1) for f, _ in zip(src, range(limit))]


def _scene(frame: np.ndarray, spec: tuple[int, int, int, int, int]) -> np.ndarray:
    width, height, shrink, left, top = spec
    small = cv2.resize(frame, (frame.shape[1] // shrink, frame.shape[0] // shrink))
    canvas = np.zeros((height, width, 3), np.uint8)
    canvas[top : top + small.shape[0], left : left + small.shape[1]] = small
    return canvas


def _run(frames: list[np.ndarray], search: bool) -> tuple[float, float]:
    """Share of frames with a person, median ms per frame (the first left out)."""
    times, found = [], 0
    with MediaPipePose(search=search) as pose:
        for frame in frames:
            t = time.perf_counter()
            found += pose.estimate(frame) is not None
            times.append((time.perf_counter() - t) * 1e3)
    return found / len(frames), statistics.median(times[1:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data",
        default=os.environ.get(
            "MS2L_DATA", str(Path(__file__).resolve().parents[2] / "shared" / "data")
        ),
    )
    parser.add_argument("--frames", type=int, default=60)
    args = parser.parse_args()
    clip = _frames(
        Path(args.data) / "videos" / "S001C001P001R001A001_rgb.avi", args.frames
    )
    print(f"{len(clip)} frames of the NTU clip; search off | on, side by side")
    print(f"{'scene':<30} {'found off':>10} {'found on':>9} {'ms off':>7} {'ms on':>7}")
    for name, spec in SCENES.items():
        frames = [_scene(f, spec) for f in clip]
        off, on = _run(frames, False), _run(frames, True)
        print(
            f"{name:<30} {100 * off[0]:>9.0f}% {100 * on[0]:>8.0f}% "
            f"{off[1]:>7.1f} {on[1]:>7.1f}"
        )
    black = [np.zeros((1080, 1920, 3), np.uint8)] * len(clip)
    off, on = _run(black, False), _run(black, True)
    print(
        f"{'1080p, nobody in view':<30} {100 * off[0]:>9.0f}% {100 * on[0]:>8.0f}% "
        f"{off[1]:>7.1f} {on[1]:>7.1f}  (on / off: {on[1] / off[1]:.2f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
