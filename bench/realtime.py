"""Live-pipeline benchmark: per-stage latency, end-to-end FPS, and the overlap ratio.

For each shared video, at its native size and at 640x480, and for the torch and
onnxruntime backends, it measures

* MediaPipe alone: ``MediaPipePose.estimate`` over frames decoded beforehand (the
  upper bound of the pipeline, since pose is the slowest stage);
* the whole pipeline, :func:`core.live.pipeline.run_live` at full speed (file read as fast as
  possible, classifier on its worker thread): FPS, and p50/p95 of every stage
  (decode, pose, convert, window, predict, total);
* the ratio pipeline FPS / MediaPipe-alone FPS (goal >= 0.9: stages overlap);
* the same pipeline with the classifier replaced by one that answers at once (``none``
  rows): the same decoding, pose, conversion and windowing, so the ratio of a model's
  FPS to it ("vs none") is what the recogniser itself costs the loop, where the ratio
  to MediaPipe alone also counts decoding the file (a 1080p frame takes milliseconds
  to decode; a webcam's frame hardly any). The backends of a row run in turn,
  ``--repeat`` rounds alternating, and medians are reported;
* the classifier alone on one window (``Predictor.logits``), p50 in ms.

The model is ``--run`` or the shipped one; without either, an untrained model of the
``paper`` preset is written to a temporary folder (latency does not depend on the weights).

    OMP_NUM_THREADS=1 .venv/bin/python bench/realtime.py [--run RUN] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.inference import Predictor  # noqa: E402
from core.live.capture import VideoSource  # noqa: E402
from core.live.pipeline import STAGES, run_live  # noqa: E402
from core.live.pose import MediaPipePose  # noqa: E402
from core.live.recogniser import ClassifierLike, LiveSettings  # noqa: E402
from core.runs import shipped_model_dir  # noqa: E402

VIDEOS = ("S001C001P001R001A001_rgb.avi", "ta_chi.mp4")


def untrained_run(folder: Path, preset: str = "paper") -> Path:
    """An untrained NTU25 model of ``preset`` written as a run folder."""
    from core import runs
    from core.config import make_config
    from core.labels import class_names

    cfg = make_config(
        dataset="ntu60",
        preset=preset,
        data={"layout": "ntu25", "num_bodies": 2, "frames": 64, "window_seconds": 3.0},
    )
    names = class_names("ntu60")
    model = runs.new_model(cfg.model, 25, 2, len(names))
    folder.mkdir(parents=True, exist_ok=True)
    cfg.save(folder / runs.CONFIG)
    runs.save_labels(folder, names, "ntu60")
    runs.atomic_save(model.state_dict(), folder / runs.WEIGHTS)
    return folder


class InstantClassifier:
    """A stand-in for a model that answers at once (uniform probabilities): the
    control that leaves the pipeline's own cost."""

    def __init__(self, predictor: Predictor):
        self.labels = list(predictor.labels)
        self.layout = predictor.layout
        self.num_bodies = predictor.num_bodies
        self.T = predictor.T
        self.window_seconds = predictor.window_seconds
        self.config = predictor.config

    def predict_proba(self, clips) -> np.ndarray:
        """Uniform probabilities for each clip."""
        k = len(self.labels)
        return np.full((len(clips), k), 1.0 / k, np.float32)


def pct(values: list[float], q: float) -> float:
    """Percentile of the finite values (nan when there are none)."""
    v = np.asarray([x for x in values if np.isfinite(x)])
    return float(np.percentile(v, q)) if v.size else float("nan")


def mediapipe_alone(video: Path, size: tuple[int, int] | None, repeat: int) -> dict:
    """FPS of pose estimation alone over pre-decoded frames."""
    with VideoSource(video, size=size) as src:
        frames = [f.image for f in src]
    with MediaPipePose() as pose:
        for image in frames[:5]:  # warm-up: graph start, first detection
            pose.estimate(image)
        times = []
        start = time.perf_counter()
        for _ in range(repeat):
            for image in frames:
                t0 = time.perf_counter()
                pose.estimate(image)
                times.append((time.perf_counter() - t0) * 1e3)
        elapsed = time.perf_counter() - start
        # The naive loop for comparison: decode and pose one after the other, no threads.
        sequential = 0
        t_seq = time.perf_counter()
        for _ in range(repeat):
            cap = cv2.VideoCapture(str(video))
            while True:
                ok, image = cap.read()
                if not ok:
                    break
                if size is not None:
                    image = cv2.resize(image, size, interpolation=cv2.INTER_LINEAR)
                pose.estimate(image)
                sequential += 1
            cap.release()
        t_seq = time.perf_counter() - t_seq
    return {
        "frames": len(times),
        "fps": len(times) / elapsed,
        "sequential_fps": sequential / t_seq,
        "pose_p50": pct(times, 50),
        "pose_p95": pct(times, 95),
    }


def pipeline(video: Path, size, predictor, repeat: int) -> dict:
    """FPS and per-stage latency of ``run_live`` at full speed (``repeat`` passes)."""
    settings = LiveSettings(size=size, asynchronous=True, predict_every=5)
    per_stage: dict[str, list[float]] = {s: [] for s in STAGES}
    frames = 0
    with MediaPipePose() as pose:
        warm = VideoSource(video, size=size)
        with warm:
            for _ in range(5):
                pose.estimate(warm.read().image)
        src = VideoSource(video, size=size, loop=repeat > 1)
        total_frames = (src.frame_count or 0) * repeat
        stop = threading.Event()
        start = time.perf_counter()
        for update in run_live(src, predictor, settings, stop, pose=pose):
            frames += 1
            for stage, ms in update.timings.as_dict().items():
                per_stage[stage].append(ms)
            if total_frames and frames >= total_frames:
                stop.set()
        elapsed = time.perf_counter() - start
    out = {"frames": frames, "fps": frames / elapsed}
    for stage, values in per_stage.items():
        out[f"{stage}_p50"] = pct(values, 50)
        out[f"{stage}_p95"] = pct(values, 95)
    out["predictions"] = int(np.isfinite(per_stage["predict"]).sum())
    return out


def classifier_alone(predictor, n: int = 200) -> float:
    """p50 ms of ``logits`` on one prepared window."""
    from core.skeleton import get_layout

    v = get_layout(predictor.layout).num_joints
    shape = (1, predictor.T, predictor.num_bodies, v, 3)
    x = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    for _ in range(10):
        predictor.logits(x)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        predictor.logits(x)
        times.append((time.perf_counter() - t0) * 1e3)
    return pct(times, 50)


def main() -> int:
    """Run the benchmark and print a table (and optionally write JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = Path(
        os.environ.get("MS2L_DATA", Path(__file__).resolve().parents[2] / "shared/data")
    )
    parser.add_argument("--data", type=Path, default=root)
    parser.add_argument("--run", type=Path, default=None)
    parser.add_argument("--preset", default="paper", help="for the untrained model")
    parser.add_argument("--repeat", type=int, default=2, help="passes over each video")
    parser.add_argument("--backends", default="torch,onnx")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)  # as in `ms2l infer`: the classifier must not starve pose
    tmp = None
    run_dir = args.run or shipped_model_dir()
    if run_dir is None:
        tmp = tempfile.TemporaryDirectory()
        run_dir = untrained_run(Path(tmp.name) / "untrained", args.preset)
    print(f"model: {run_dir}; cores: {os.cpu_count()}; load: {os.getloadavg()[0]:.2f}")
    results = []
    models = {
        b: Predictor.from_run(run_dir, device="cpu", backend=b)
        for b in args.backends.split(",")
    }
    for name, p in models.items():
        print(
            f"classifier alone ({name}, T={p.T}): {classifier_alone(p):.2f} ms/window"
        )
    predictors: dict[str, ClassifierLike] = dict(models)
    predictors["none"] = InstantClassifier(next(iter(models.values())))
    for video_name in VIDEOS:
        video = args.data / "videos" / video_name
        for size in (None, (640, 480)):
            alone = mediapipe_alone(video, size, args.repeat)
            rounds: dict[str, list[dict]] = {b: [] for b in predictors}
            order = list(predictors)
            for i in range(args.repeat):  # one pass each, a round led by another
                for backend in order[i % len(order) :] + order[: i % len(order)]:
                    one = pipeline(video, size, predictors[backend], 1)
                    rounds[backend].append(one)
            none_fps = float(np.median([r["fps"] for r in rounds["none"]]))
            for backend, runs_of in rounds.items():
                res = {
                    key: float(np.median([r[key] for r in runs_of]))
                    for key in runs_of[0]
                }
                row = {
                    "video": video_name,
                    "size": "native" if size is None else f"{size[0]}x{size[1]}",
                    "backend": backend,
                    "mediapipe_fps": alone["fps"],
                    "sequential_fps": alone["sequential_fps"],
                    "ratio": res["fps"] / alone["fps"],
                    "ratio_vs_none": res["fps"] / none_fps,
                    "rounds": len(runs_of),
                    **res,
                }
                results.append(row)
                stages = "  ".join(
                    f"{s} {row[f'{s}_p50']:.1f}/{row[f'{s}_p95']:.1f}" for s in STAGES
                )
                print(
                    f"{video_name:<29} {row['size']:>7} {backend:<5} "
                    f"MP-alone {alone['fps']:5.1f}  sequential {alone['sequential_fps']:5.1f}  "
                    f"pipeline {res['fps']:5.1f} FPS  "
                    f"ratio {row['ratio']:.2f}  vs none {row['ratio_vs_none']:.2f}"
                    f"  | p50/p95 ms: {stages}",
                    flush=True,
                )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
