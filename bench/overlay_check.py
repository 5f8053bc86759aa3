"""Draw the Kinect skeleton and our MediaPipe->NTU25 skeleton on the same NTU video.

``S001C001P001R001A001_rgb.avi`` and ``S001C001P001R001A001.skeleton`` are the same
recording. The Kinect joints are drawn at their ``colorX, colorY``; the MediaPipe
landmarks (estimated on the frames flipped back to an ordinary camera view, as the live
pipeline does for a mirrored source) are converted to NTU25 with the same weight matrix
as the 3-D joints, mirrored back into the Kinect colour frame and drawn on top. Left-side
bones are drawn thick and right-side bones thin, so a left/right swap is visible at once.
Writes an MP4 and a PNG contact sheet of four frames; prints the per-joint pixel distance.

    .venv/bin/python bench/overlay_check.py --out /tmp/overlay
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.live.capture import VideoSource  # noqa: E402
from core.live.pose import MediaPipePose  # noqa: E402
from core.skeleton import NTU25, convert  # noqa: E402

NAME = "S001C001P001R001A001"
KINECT, OURS = (0, 200, 0), (255, 0, 255)  # BGR: green = Kinect, magenta = MediaPipe


def read_kinect_colour(path: Path) -> np.ndarray:
    """``(T, 25, 2)`` colour-frame pixels of the first body in an NTU ``.skeleton`` file."""
    tokens = iter(path.read_text().split())
    out = []
    for _ in range(int(next(tokens))):
        rows = None
        for b in range(int(next(tokens))):
            for _ in range(10):
                next(tokens)
            joints = [
                [float(next(tokens)) for _ in range(12)]
                for _ in range(int(next(tokens)))
            ]
            if b == 0:
                rows = np.array(joints)[:, 5:7]
        out.append(rows if rows is not None else np.full((25, 2), np.nan))
    return np.array(out)


def draw(
    image: np.ndarray, pts: np.ndarray, color: tuple[int, int, int], scale: int
) -> None:
    """Draw an NTU25 skeleton (pixels); the person's left side thick, right side thin."""
    left = {i for i, n in enumerate(NTU25.joints) if n.endswith("Left")}
    for child, parent in NTU25.bones:
        if not np.isfinite(pts[[child, parent]]).all():
            continue
        width = 3 * scale if child in left else scale
        a, b = (
            tuple(np.round(pts[child]).astype(int)),
            tuple(np.round(pts[parent]).astype(int)),
        )
        cv2.line(image, a, b, color, width, cv2.LINE_AA)


def main() -> int:
    """Run the check and write ``overlay.mp4`` / ``overlay.png`` under ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = Path(
        os.environ.get("MS2L_DATA", Path(__file__).resolve().parents[2] / "shared/data")
    )
    parser.add_argument("--data", type=Path, default=root)
    parser.add_argument("--out", type=Path, default=Path("out/overlay"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    kinect = read_kinect_colour(args.data / "ntu" / f"{NAME}.skeleton")
    frames, ours = [], []
    with (
        VideoSource(args.data / "videos" / f"{NAME}_rgb.avi") as src,
        MediaPipePose() as pose,
    ):
        width = src.width
        for frame in src:
            result = pose.estimate(cv2.flip(frame.image, 1))
            frames.append(frame.image)
            if result is None:
                ours.append(np.full((25, 2), np.nan))
                continue
            px = result.pixels()
            px[:, 0] = (
                width - 1 - px[:, 0]
            )  # back into the (mirrored) Kinect colour frame
            ours.append(convert(px, "mp33", "ntu25"))
    ours = np.array(ours)
    dist = np.linalg.norm(ours - kinect[: len(ours)], axis=-1)
    print(
        f"{'joint':<14} median px   (frame {frames[0].shape[1]}x{frames[0].shape[0]})"
    )
    for j, name in enumerate(NTU25.joints):
        print(f"{name:<14} {np.nanmedian(dist[:, j]):7.1f}")
    video_path = args.out / "overlay.mp4"
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(
        str(video_path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (w, h)
    )
    tiles = []
    # Crop around the person for the contact sheet.
    xs, ys = kinect[..., 0], kinect[..., 1]
    x0, x1 = int(np.nanmin(xs)) - 120, int(np.nanmax(xs)) + 120
    y0, y1 = max(0, int(np.nanmin(ys)) - 80), min(h, int(np.nanmax(ys)) + 60)
    for t, image in enumerate(frames):
        img = image.copy()
        draw(img, kinect[t], KINECT, 1)
        draw(img, ours[t], OURS, 1)
        cv2.putText(
            img,
            "green: Kinect   magenta: MediaPipe->NTU25   thick = left side",
            (20, 40),
            cv2.FONT_HERSHEY_SIMPLEX,
            1.0,
            (0, 0, 0),
            2,
            cv2.LINE_AA,
        )
        writer.write(img)
        if t in (0, 30, 60, 90):
            tiles.append(img[y0:y1, max(0, x0) : x1])
    writer.release()
    sheet = np.hstack([cv2.resize(tile, None, fx=1.5, fy=1.5) for tile in tiles])
    cv2.imwrite(str(args.out / "overlay.png"), sheet)
    check = cv2.VideoCapture(str(video_path))
    count = int(check.get(cv2.CAP_PROP_FRAME_COUNT))
    check.release()
    print(f"wrote {video_path} ({count} frames) and {args.out / 'overlay.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
