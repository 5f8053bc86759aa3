"""``ms2l infer``: recognise actions in a video, a camera or a recorded skeleton file.

* Video file or ``--camera N``: MediaPipe pose -> the model's layout -> sliding window ->
  model, as in the live view. ``--out`` writes an annotated MP4 (skeleton, top-3 labels,
  FPS); ``--json`` writes one JSON line per prediction (frame, time, action, top-k,
  per-stage latency).
* Skeleton file (NTU ``.skeleton``, NW-UCLA ``.json``, PKU-MMD ``.txt``): the recorded
  joints, converted to the model's layout, go through the same sliding window. A short
  clip also gets one whole-clip prediction (what evaluation does). For a PKU-MMD sequence
  with labelled intervals, the per-frame predictions are scored against them (frame
  accuracy). ``--out`` renders the skeleton with the predictions.

The model is ``--run RUN`` or, by default, the model shipped with the app.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any, TextIO

import cv2
import numpy as np

from core.cli import check_output_path
from core.errors import UserError
from core.outputs import refuse_overwriting_inputs
from core.paths import shipped_model_dir
from core.tempfiles import discard, release, remove_stale, temp_path

SKELETON_SUFFIXES = (".skeleton", ".json", ".txt")
# Accepted --window-seconds: from a few frames at 30 FPS to a PKU-MMD-long action.
WINDOW_SECONDS_RANGE = (0.1, 600.0)


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected WIDTHxHEIGHT, got {text!r}"
        ) from None
    if w < 16 or h < 16:
        raise argparse.ArgumentTypeError(f"frame size too small: {text}")
    return w, h


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``ms2l infer``."""
    p = subparsers.add_parser(
        "infer",
        help="recognise actions in a video, a camera or a skeleton file",
        description=__doc__.splitlines()[0],
    )
    p.add_argument(
        "input", nargs="?", type=Path, help="video file, or .skeleton/.json/.txt file"
    )
    p.add_argument("--camera", type=int, default=None, help="webcam index instead")
    p.add_argument("--out", type=Path, default=None, help="annotated MP4 to write")
    p.add_argument("--json", type=Path, default=None, help="JSON-lines predictions")
    p.add_argument(
        "--run", type=Path, default=None, help="run folder (default: shipped)"
    )
    p.add_argument("--backend", choices=("torch", "onnx"), default="torch")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda[:i]")
    p.add_argument(
        "--window-seconds", type=float, default=None, help="default: the model's"
    )
    p.add_argument("--every", type=int, default=5, help="predict every K frames")
    p.add_argument("--smoothing", type=float, default=0.5, help="EMA weight (0, 1]")
    p.add_argument("--threshold", type=float, default=0.4, help="'no action' below")
    p.add_argument("--mirrored", action="store_true", help="the source is mirrored")
    p.add_argument("--size", type=_size, default=None, help="resize frames, WxH")
    p.add_argument("--max-frames", type=int, default=None, help="stop after N frames")
    p.set_defaults(func=run)
    return p


def load_predictor(run_dir: Path | None, backend: str, device: str):
    """The model to use: ``run_dir`` or the shipped one.

    Raises:
        UserError: If no run is given and none is shipped.
    """
    from core.inference import Predictor

    run_dir = run_dir or shipped_model_dir()
    if run_dir is None:
        raise UserError("no model: pass --run RUN (train one with 'ms2l train')")
    return Predictor.from_run(run_dir, device=device, backend=backend)


class _AtomicVideo:
    """An MP4 written to a temporary file and renamed into place when complete."""

    def __init__(self, path: Path, fps: float) -> None:
        self.path = path
        self.fps = fps
        # The suffix picks OpenCV's container, so the temporary name keeps ".mp4".
        self.tmp = temp_path(path, suffix=".partial.mp4")
        self._writer: cv2.VideoWriter | None = None
        self.frames = 0

    def write(self, image: np.ndarray) -> None:
        if self._writer is None:
            h, w = image.shape[:2]
            fourcc = cv2.VideoWriter_fourcc(*"mp4v")
            self._writer = cv2.VideoWriter(str(self.tmp), fourcc, self.fps, (w, h))
            if not self._writer.isOpened():
                raise UserError(f"{self.path}: cannot open a video writer (mp4v)")
        self._writer.write(image)
        self.frames += 1

    def finish(self) -> int:
        """Close, check the file opens and has frames, move it into place."""
        if self._writer is None:
            raise UserError(f"{self.path}: no frames to write")
        self._writer.release()
        self._writer = None
        check = cv2.VideoCapture(str(self.tmp))
        ok, _ = check.read()
        count = int(check.get(cv2.CAP_PROP_FRAME_COUNT))
        check.release()
        if not ok or count < 1:
            self.discard()
            raise UserError(f"{self.path}: the written video does not play back")
        try:
            os.replace(self.tmp, self.path)
        except OSError:
            self.discard()
            raise
        release(self.tmp)
        return count

    def discard(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None
        discard(self.tmp)


class _JsonLines:
    """JSON lines to a temporary file, renamed into place on :meth:`finish`."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.count = 0
        self._file: TextIO | None = None
        if path is not None:
            self.tmp = temp_path(path)
            self._file = open(self.tmp, "w", encoding="utf-8")  # noqa: SIM115

    def write(self, record: dict[str, Any]) -> None:
        if self._file is not None:
            self._file.write(json.dumps(record) + "\n")
            self.count += 1

    def finish(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
            try:
                os.replace(self.tmp, self.path)
            finally:
                discard(self.tmp)

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
            discard(self.tmp)


def _finish_outputs(args: argparse.Namespace, video, lines: _JsonLines) -> None:
    """Put the JSON lines and the video in place and say so; discard both on error."""
    try:
        lines.finish()
        if video is not None:
            count = video.finish()
            print(f"wrote {args.out} ({count} frames)")
    except BaseException:
        lines.discard()
        if video is not None:
            video.discard()
        raise
    if args.json:
        print(f"wrote {args.json} ({lines.count} lines)")


def _top(top_k: tuple[tuple[str, float], ...]) -> list[list[Any]]:
    return [[label, round(p, 4)] for label, p in top_k]


def _finite(value: float) -> float | None:
    return None if not np.isfinite(value) else round(float(value), 3)


def _settings(args: argparse.Namespace):
    """The live settings from the flags, every value checked (before any work).

    Raises:
        UserError: Naming the flag and the accepted values.
    """
    from core.realtime import LiveSettings

    if args.max_frames is not None and args.max_frames < 1:
        raise UserError("--max-frames must be >= 1")
    if args.camera is not None and args.camera < 0:
        raise UserError(f"--camera must be a camera index >= 0, got {args.camera}")
    low, high = WINDOW_SECONDS_RANGE
    w = args.window_seconds
    if w is not None and not low <= w <= high:  # also refuses nan and inf
        raise UserError(f"--window-seconds must be in [{low:g}, {high:g}] s, got {w}")
    try:
        return LiveSettings(
            window_seconds=w,
            predict_every=args.every,
            smoothing=args.smoothing,
            threshold=args.threshold,
            mirrored=args.mirrored,
            # A camera cannot wait for the classifier; a file can, and is then
            # reproducible.
            asynchronous=args.camera is not None,
            size=args.size,
        )
    except ValueError as exc:
        flag = {"window_seconds": "--window-seconds", "predict_every": "--every",
                "smoothing": "--smoothing", "threshold": "--threshold"}  # fmt: skip
        text = str(exc)
        for name, option in flag.items():
            text = text.replace(name, option)
        raise UserError(text) from None


def _inputs(args: argparse.Namespace) -> list[Path]:
    """Files this command reads: the input, the model's files, a PKU-MMD label file."""
    files = [args.input] if args.input is not None else []
    run_dir = args.run or shipped_model_dir()
    if run_dir is not None and Path(run_dir).is_dir():
        files += [p for p in Path(run_dir).iterdir() if p.is_file()]
    if args.input is not None and args.input.suffix.lower() == ".txt":
        from core.datasets.pkummd import _find_label_file

        label = _find_label_file(args.input, None)
        if label is not None:
            files.append(label)
    return files


def run(args: argparse.Namespace) -> int:
    """Run inference; print a summary on stdout."""
    if (args.input is None) == (args.camera is None):
        raise UserError("give either a video/skeleton file or --camera N")
    if args.input is not None and not args.input.exists():
        raise FileNotFoundError(f"no such file: {args.input}")
    if args.input is not None and args.input.is_dir():
        raise UserError(f"{args.input}: is a directory (give a video or skeleton file)")
    for option, path in (("--out", args.out), ("--json", args.json)):
        if path is not None:
            check_output_path(path, option)
    refuse_overwriting_inputs({"--out": args.out, "--json": args.json}, _inputs(args))
    settings = _settings(args)
    for path in (args.out, args.json):
        if path is not None:  # temporaries a killed run left beside this output
            remove_stale(path.parent, {path.name, path.stem})
    if args.backend == "torch":
        import torch

        # One window at a time is a tiny workload; more intra-op threads only fight
        # MediaPipe for the cores (measured: 25 -> 51 FPS on ta_chi.mp4, 2 cores).
        torch.set_num_threads(1)
    predictor = load_predictor(args.run, args.backend, args.device)
    if args.input is not None and args.input.suffix.lower() in SKELETON_SUFFIXES:
        return _run_skeleton_file(args, predictor, settings)
    return _run_video(args, predictor, settings)


# ----------------------------------------------------------------------------- video
def _run_video(args: argparse.Namespace, predictor, settings) -> int:
    from core.capture import CaptureError, VideoSource
    from core.realtime import STAGES, annotate, run_live

    source: int | Path = args.camera if args.camera is not None else args.input
    try:
        src = VideoSource(source, realtime=settings.realtime, size=settings.size)
    except CaptureError as exc:
        raise UserError(str(exc)) from None
    video = _AtomicVideo(args.out, src.fps) if args.out else None
    lines = _JsonLines(args.json)
    stop = threading.Event()
    frames = people = 0
    actions: collections.Counter[str] = collections.Counter()
    stage_ms: dict[str, list[float]] = {s: [] for s in STAGES}
    start = time.perf_counter()
    ok = False
    try:
        for update in run_live(src, predictor, settings, stop):
            frames += 1
            people += update.skeleton is not None
            for stage, ms in update.timings.as_dict().items():
                if np.isfinite(ms):
                    stage_ms[stage].append(ms)
            if video is not None:
                video.write(annotate(update))
            state = update.prediction
            if state.fresh:
                actions[state.action or "no action"] += 1
                lines.write(
                    {
                        "frame": update.index,
                        "time": round(update.timestamp, 3),
                        "action": state.action,
                        "top": _top(state.top_k),
                        "window_fill": round(state.window_fill, 3),
                        "fps": round(update.fps, 2),
                        "latency_ms": {
                            k: _finite(v) for k, v in update.timings.as_dict().items()
                        },
                    }
                )
            if args.max_frames is not None and frames >= args.max_frames:
                stop.set()
        ok = True
    except KeyboardInterrupt:
        ok = True  # keep what was recorded so far
    except CaptureError as exc:
        raise UserError(str(exc)) from None
    finally:
        if not ok:
            lines.discard()
            if video is not None:
                video.discard()
    elapsed = time.perf_counter() - start
    if frames == 0:
        lines.discard()
        if video is not None:
            video.discard()
        raise UserError(f"{source}: no frames were read")
    print(
        f"model: {predictor.run_dir} ({predictor.backend}, layout {predictor.layout})"
    )
    print(
        f"frames: {frames}, person found in {people / frames:.0%}, "
        f"{frames / elapsed:.1f} FPS end to end"
    )
    print(
        "latency p50 ms: "
        + ", ".join(
            f"{s} {np.median(v):.1f}" for s, v in stage_ms.items() if len(v) > 0
        )
    )
    if actions:
        common = ", ".join(f"{a} x{n}" for a, n in actions.most_common(3))
        print(f"predictions: {sum(actions.values())}; most frequent: {common}")
    else:
        print("predictions: none (window never filled; is a person visible?)")
    _finish_outputs(args, video, lines)
    return 0


# ---------------------------------------------------------------------- skeleton files
def _read_sequences(path: Path) -> list:
    from core.datasets import read_file

    result = read_file(path)
    # One file is one recording today; accept a list should a format hold several.
    return list(result) if isinstance(result, list | tuple) else [result]


def _render_skeleton(
    joints: np.ndarray,
    layout: str,
    box: tuple[float, float, float, float],
    size=(640, 480),
) -> np.ndarray:
    """Front view of ``(M, V, 3)`` joints (x right, y up) on a dark canvas."""
    from core.skeleton import get_layout

    w, h = size
    img = np.full((h, w, 3), 32, np.uint8)
    x0, x1, y0, y1 = box
    scale = 0.85 * min(w / max(x1 - x0, 1e-6), h / max(y1 - y0, 1e-6))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    lay = get_layout(layout)
    colors = ((80, 220, 80), (80, 160, 255), (255, 160, 80))
    for m, body in enumerate(joints):
        if not np.any(body):
            continue
        px = (
            np.stack(
                [w / 2 + (body[:, 0] - cx) * scale, h / 2 - (body[:, 1] - cy) * scale],
                -1,
            )
            .round()
            .astype(int)
        )
        for child, parent in lay.bones:
            cv2.line(
                img, tuple(px[child]), tuple(px[parent]), colors[m % 3], 2, cv2.LINE_AA
            )
    return img


def _run_skeleton_file(args: argparse.Namespace, predictor, settings) -> int:
    from core.realtime import RealtimeRecognizer
    from core.skeleton import convert

    if args.camera is not None:
        raise UserError("--camera cannot be combined with a skeleton file")
    sequences = _read_sequences(args.input)
    if not sequences:
        raise UserError(f"{args.input}: no skeleton sequence in this file")
    lines = _JsonLines(args.json)
    video = _AtomicVideo(args.out, sequences[0].fps) if args.out else None
    label_of = {name: i for i, name in enumerate(predictor.labels)}
    try:
        for seq in sequences:
            joints = seq.joints
            if seq.layout != predictor.layout:
                joints = convert(joints, seq.layout, predictor.layout)
            if args.max_frames is not None:
                joints = joints[: args.max_frames]
            n = len(joints)
            print(f"{seq.name}: {n} frames at {seq.fps:g} FPS, layout {seq.layout}")
            truth = _true_label_name(seq)
            whole = predictor.predict_proba([joints])[0]
            best = np.argsort(-whole)[:3]
            tops = ", ".join(f"{predictor.labels[i]} {whole[i]:.0%}" for i in best)
            print(f"  whole clip: {tops}" + (f"  (true: {truth})" if truth else ""))
            lines.write(
                {
                    "sequence": seq.name,
                    "whole_clip": _top(
                        tuple((predictor.labels[i], float(whole[i])) for i in best)
                    ),
                    "true": truth,
                }
            )
            present = np.abs(joints).reshape(n, -1).sum(-1) > 0
            valid = joints[present]
            box = (
                (
                    valid[..., 0].min(),
                    valid[..., 0].max(),
                    valid[..., 1].min(),
                    valid[..., 1].max(),
                )
                if valid.size
                else (-1.0, 1.0, -1.0, 1.0)
            )
            per_frame = np.full(n, -1, np.int64)
            with RealtimeRecognizer(predictor, settings) as rec:
                for t in range(n):
                    state = rec.push(t / seq.fps, joints[t] if present[t] else None)
                    if state.action is not None:
                        per_frame[t] = label_of[state.action]
                    if state.fresh:
                        lines.write(
                            {
                                "sequence": seq.name,
                                "frame": t,
                                "time": round(t / seq.fps, 3),
                                "action": state.action,
                                "top": _top(state.top_k),
                            }
                        )
                    if video is not None:
                        img = _render_skeleton(joints[t], predictor.layout, box)
                        _caption(img, state, truth_at(seq, t))
                        video.write(img)
            intervals = seq.meta.get("intervals")
            if intervals:
                _score_intervals(seq, intervals, per_frame, predictor.labels)
    except BaseException:
        lines.discard()
        if video is not None:
            video.discard()
        raise
    _finish_outputs(args, video, lines)
    return 0


def _dataset_names(seq) -> list[str] | None:
    """Class names of the dataset a sequence came from (by its layout and metadata)."""
    from core.labels import class_names

    dataset = seq.meta.get("dataset")
    candidates = [dataset] if dataset else []
    candidates += {"ucla20": ["nw-ucla"], "ntu25": []}.get(seq.layout, [])
    if "intervals" in seq.meta:
        candidates += ["pkummd", "pkummd1"]
    elif seq.layout == "ntu25":
        candidates += ["ntu120", "ntu60"]
    for name in candidates:
        try:
            return class_names(name)
        except (KeyError, FileNotFoundError, ValueError):
            continue
    return None


def _true_label_name(seq) -> str | None:
    names = _dataset_names(seq)
    if seq.label is None or names is None or not 0 <= seq.label < len(names):
        return None
    return names[seq.label]


def truth_at(seq, t: int) -> str | None:
    """Ground-truth class name at frame ``t`` of a sequence (intervals or clip label)."""
    intervals = seq.meta.get("intervals")
    if not intervals:
        return _true_label_name(seq)
    names = _dataset_names(seq) or []
    for label, start, end in intervals:
        if start <= t < end:
            return names[label] if 0 <= label < len(names) else str(label)
    return None


def _caption(img: np.ndarray, state, truth: str | None) -> None:
    lines = [state.action or "no action"]
    lines += [f"{p * 100:3.0f}% {label}" for label, p in state.top_k]
    if truth:
        lines.append(f"true: {truth}")
    for i, text in enumerate(lines):
        cv2.putText(
            img, text, (10, 24 + 22 * i), cv2.FONT_HERSHEY_SIMPLEX, 0.6,
            (80, 255, 255) if i == 0 else (255, 255, 255), 1, cv2.LINE_AA,
        )  # fmt: skip


def frame_accuracy(
    intervals: list[tuple[int, int, int]],
    predicted: list[str | None],
) -> tuple[float, float, int]:
    """Score per-frame predictions against labelled intervals.

    Args:
        intervals: ``(label_name, start, end)``, 0-based frames with ``end`` exclusive
            (as ``core.datasets.read_file`` gives them for PKU-MMD).
        predicted: Predicted class name per frame (``None`` = no action).

    Returns:
        ``(accuracy on labelled frames, accuracy on all frames, labelled frame count)``;
        on unlabelled frames "no action" is the right answer.
    """
    n = len(predicted)
    truth: list[str | None] = [None] * n
    for label, start, end in intervals:
        for t in range(max(0, start), min(n, end)):
            truth[t] = label
    labelled = [t for t in range(n) if truth[t] is not None]
    hits = [predicted[t] == truth[t] for t in range(n)]
    on_labelled = (
        float(np.mean([hits[t] for t in labelled])) if labelled else float("nan")
    )
    return on_labelled, float(np.mean(hits)) if n else float("nan"), len(labelled)


def _score_intervals(seq, intervals, per_frame: np.ndarray, labels: list[str]) -> None:
    names = _dataset_names(seq) or []
    named = [
        (names[lab] if 0 <= lab < len(names) else str(lab), int(s), int(e))
        for lab, s, e in intervals
    ]
    predicted = [labels[i] if i >= 0 else None for i in per_frame]
    on_labelled, overall, count = frame_accuracy(named, predicted)
    print(
        f"  frame accuracy vs {len(named)} labelled intervals: {on_labelled:.1%} of "
        f"{count} labelled frames, {overall:.1%} of all {len(predicted)} frames "
        f"(no action = background)"
    )
    if not set(labels) & {n for n, _, _ in named}:
        print(
            "  note: the model's classes do not include this dataset's; train on "
            "PKU-MMD for a meaningful score",
            file=sys.stderr,
        )
