"""What the units check costs a dataset listing (Teach's takes, labelling, data extract).

``recording_info`` reads a recording's header and last frame; for a Kinect-layout
recording (``ntu25``, ``ucla20``) it also parses up to 16 evenly spaced frames to refuse
joints that are not metres with y up. This bench writes, in a temporary folder, ``N``
takes of ``L`` frames in the ``ntu25`` layout (the real NTU skeletons of
``../shared/data/ntu``, one after another) and ``N`` of the same length in MediaPipe's
``mp33`` layout (not checked), then times ``list_recordings`` on each folder (the Kinect
one at a first listing, and listed again: what was read of a file is kept while the file
is unchanged, ``core.fileio.file_key``) and ``read_recording`` of every Kinect take, alternating them, and
prints the medians of ``--repeats`` rounds and their ratios::

    OMP_NUM_THREADS=1 .venv/bin/python bench/listing.py --takes 200 --frames 150 --repeats 5
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

from core.datasets import read_file, recording  # noqa: E402
from core.datasets.custom import list_recordings  # noqa: E402
from core.datasets.recording import (  # noqa: E402
    RecordingWriter,
    SourceInfo,
    read_recording,
)
from core.live.pose import PoseResult  # noqa: E402


def write_takes(folder: Path, layout: str, frames: np.ndarray, n: int, length: int):
    """``n`` takes of ``length`` frames each, cut from ``frames`` (``(T, V, 3)``)."""
    folder.mkdir(parents=True)
    for k in range(n):
        with RecordingWriter(
            folder / f"take-{k:04d}.jsonl", layout, SourceInfo("import")
        ) as w:
            for i in range(length):
                t = i / 30
                pose = frames[(k * length + i) % len(frames)]
                if layout == "mp33":
                    w.add_pose(
                        t, PoseResult(pose, pose, np.ones(33, np.float32), 640, 480)
                    )
                else:
                    w.add_joints(t, pose)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--takes", type=int, default=200)
    parser.add_argument("--frames", type=int, default=150, help="frames per take")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--data", type=Path, default=REPO.parent / "shared" / "data", help="shared data"
    )
    args = parser.parse_args()
    ntu = args.data / "ntu"
    kinect = np.concatenate(
        [read_file(p).joints[:, 0] for p in sorted(ntu.glob("*.skeleton"))]
    )
    # MediaPipe's layout: 33 landmarks; the values do not matter to the listing
    rng = np.random.default_rng(0)
    mediapipe = rng.normal(0.0, 0.3, size=(len(kinect), 33, 3)).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_takes(root / "kinect", "ntu25", kinect, args.takes, args.frames)
        write_takes(root / "mp", "mp33", mediapipe, args.takes, args.frames)
        timings: dict[str, list[float]] = {
            k: [] for k in ("cold", "warm", "mp", "read")
        }
        for _ in range(args.repeats):
            for name in timings:
                # as at the first listing after the app starts (older code: no memory)
                if name in ("cold", "mp"):
                    getattr(recording, "_INFOS", {}).clear()
                t0 = time.perf_counter()
                if name == "read":
                    for p in sorted((root / "kinect").glob("*.jsonl")):
                        read_recording(p)
                else:
                    infos = list_recordings(root / ("mp" if name == "mp" else "kinect"))
                    assert len(infos) == args.takes and not any(i.error for i in infos)
                timings[name].append(time.perf_counter() - t0)
        med = {k: statistics.median(v) for k, v in timings.items()}
    print(
        f"{args.takes} takes of {args.frames} frames, median of {args.repeats} rounds:"
    )
    print(f"  list_recordings, ntu25 takes, first listing: {med['cold']:.3f} s")
    print(f"  list_recordings, ntu25 takes, listed again:  {med['warm']:.3f} s")
    print(f"  list_recordings, mp33 takes (not checked):   {med['mp']:.3f} s")
    print(f"  read_recording of every ntu25 take:          {med['read']:.3f} s")
    print(f"  ratio ntu25 first listing / mp33 listing: {med['cold'] / med['mp']:.2f}")
    print(f"  ratio ntu25 listed again / mp33 listing:  {med['warm'] / med['mp']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
