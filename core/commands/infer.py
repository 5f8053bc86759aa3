"""``ms2l infer``: recognise actions in a video, a camera or a recorded skeleton file.

* Video file or ``--camera N``: MediaPipe pose -> the model's layout -> sliding window ->
  model, as in the live view. ``--out`` writes an annotated MP4 (skeleton, top-3 labels,
  FPS); ``--json`` writes one JSON line per prediction (frame, time, action,
  ``unfamiliar``, top-k, per-stage latency, ``"person": true``) and one
  ``"person": false`` line at each frame where the person goes out of view (no
  prediction follows until the window refills).
* Skeleton file (NTU ``.skeleton``, NW-UCLA ``.json``, PKU-MMD ``.txt``): the recorded
  joints, converted to the model's layout, go through the same sliding window. A short
  clip also gets one whole-clip prediction (what evaluation does, except that a clip the
  model's novelty check finds unlike every training clip is "no action"). For a PKU-MMD sequence
  with labelled intervals, the per-frame predictions are scored against them (frame
  accuracy). ``--out`` renders the skeleton with the predictions.

The model is ``--run RUN`` or, by default, the model shipped with the app.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import dataclasses
import json
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from core.commands.paths import (
    check_output_path,
    refuse_overwriting_inputs,
    refuse_replacing_another_kind,
    run_folder,
)
from core.errors import UserError
from core.fileio import SKELETON_SUFFIXES, video_container
from core.live.recogniser import (
    FALLBACK_WINDOW_SECONDS,
    WINDOW_SECONDS_RANGE,
    LiveSettings,
    frames_too_far_apart,
    ranked,
)
from core.runs import shipped_model_dir
from core.sensors import describe_input
from core.tempfiles import remove_stale
from core.text import Pace, count, format_seconds

if TYPE_CHECKING:
    from core.datasets.base import SkeletonSequence
    from core.inference import Predictor
    from core.inference.sequences import FrameScore
    from core.live.capture import VideoSource
    from core.live.writers import AtomicVideoWriter, JsonLinesWriter

# The defaults of the recogniser options are those of the Live panel.
DEFAULTS = LiveSettings()


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
        description=__doc__.splitlines()[0].replace("``", ""),
    )
    p.add_argument(
        "input",
        nargs="?",
        type=Path,
        help="video file, or .skeleton/.json/.txt file, or a recording (.jsonl)",
    )
    p.add_argument("--camera", type=int, default=None, help="webcam index instead")
    p.add_argument("--out", type=Path, default=None, help="annotated MP4 to write")
    p.add_argument("--json", type=Path, default=None, help="JSON-lines predictions")
    p.add_argument(
        "--run",
        type=lambda text: Path(run_folder(text)),
        default=None,
        help="run folder, or a shipped model's name (default: the shipped default)",
    )
    p.add_argument(
        "--backend",
        choices=("torch", "onnx", "auto"),
        default="torch",
        help="default torch; auto: ONNX on a CPU (as the Live panel), torch on CUDA "
        "or if the export fails",
    )
    p.add_argument("--device", default="auto", help="auto, cpu or cuda[:i]")
    p.add_argument(
        "--window-seconds", type=float, default=None, help="default: the model's"
    )
    p.add_argument(
        "--every",
        type=int,
        default=DEFAULTS.predict_every,
        help="predict every K frames",
    )
    p.add_argument(
        "--smoothing", type=float, default=DEFAULTS.smoothing, help="EMA weight (0, 1]"
    )
    p.add_argument(
        "--threshold", type=float, default=DEFAULTS.threshold, help="'no action' below"
    )
    p.add_argument("--mirrored", action="store_true", help="the source is mirrored")
    p.add_argument("--size", type=_size, default=None, help="resize frames, WxH")
    p.add_argument("--max-frames", type=int, default=None, help="stop after N frames")
    p.add_argument(
        "--quiet", action="store_true", help="no progress on stderr (the summary stays)"
    )
    p.set_defaults(func=run)
    return p


def load_predictor(run_dir: Path | None, backend: str, device: str) -> Predictor:
    """The model to use: ``run_dir`` or the shipped one.

    Raises:
        UserError: If no run is given and none is shipped.
    """
    from core.inference import Predictor

    run_dir = run_dir or shipped_model_dir()
    if run_dir is None:
        raise UserError("no model: pass --run RUN (train one with 'ms2l train')")
    return Predictor.from_run(run_dir, device=device, backend=backend)


def _finish_outputs(
    args: argparse.Namespace,
    video: AtomicVideoWriter | None,
    lines: JsonLinesWriter,
) -> None:
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


def _settings(args: argparse.Namespace) -> LiveSettings:
    """The live settings from the flags, every value checked (before any work).

    Raises:
        UserError: Naming the flag and the accepted values.
    """
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


VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".m4v", ".webm")
"""Extensions of a file ``--out`` may replace (an earlier annotated video)."""


def _refuse_replacing_what_infer_did_not_write(path: Path) -> None:
    """``--json`` may replace an empty file or an earlier prediction file of ``ms2l
    infer`` (its first line a record with a frame or a sequence), nothing else: a run's
    ``config.json``, a recording or an NW-UCLA sample would be destroyed.

    Raises:
        UserError: If ``path`` holds something else.
    """
    from core.datasets.recording import FORMAT

    try:
        with open(path, "rb") as fh:
            first = fh.readline(1 << 16)
    except (FileNotFoundError, IsADirectoryError):
        return  # nothing there (the usual case); a folder is refused elsewhere
    except OSError:
        return  # unreadable: writing it will say why
    if not first.strip():
        return
    try:
        doc = json.loads(first)
    except (ValueError, RecursionError):
        doc = None
    if isinstance(doc, dict) and ("frame" in doc or "sequence" in doc):
        return
    what = (
        f"is a recording ({FORMAT})"
        if isinstance(doc, dict) and doc.get("format") == FORMAT
        else "exists and is not a prediction file of ms2l infer"
    )
    raise UserError(
        f"--json {path}: {what}; writing it would destroy it, choose another file"
    )


def _zip_input_problem(path: Path) -> str:
    """What a zip given as the input is, and where it goes: a dataset archive
    ("cannot decode this file (damaged, …)" of a sound one: a trial) or another
    zip (a model's weights.pt, given in --run's place, is one: a review)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        names = []
    clips = [
        n for n in names
        if n.lower().endswith((".skeleton", ".json", ".txt"))
        and not n.startswith("__MACOSX/")
    ]  # fmt: skip
    if clips:
        return (
            f"{path}: a zip archive of {count(len(clips), 'file')} of skeletons, a "
            "dataset, not one recording: ms2l infer reads one video or one skeleton "
            "file. Open the archive in Replay (Open zip…) to see its clips predicted "
            f"one by one, score a model on it with ms2l eval RUN --root {path}, or "
            f"list it with ms2l data info --dataset DATASET --root {path}"
        )
    model = (
        " (a model's file? --run takes the model's run folder)"
        if path.suffix.lower() in (".pt", ".pth", ".npz")
        else ""
    )
    return f"{path}: a zip archive, not a video or a skeleton file{model}"


def _is_zip(path: Path) -> bool:
    """Whether ``path`` is a zip archive (by its content, whatever its name)."""
    import zipfile

    try:
        return zipfile.is_zipfile(path)
    except OSError:
        return False


def run(args: argparse.Namespace) -> int:
    """Run inference; print a summary on stdout."""
    if (args.input is None) == (args.camera is None):
        raise UserError("give either a video/skeleton file or --camera N")
    if args.input is not None and not args.input.exists():
        raise FileNotFoundError(f"no such file: {args.input}")
    if args.input is not None and args.input.is_dir():
        raise UserError(f"{args.input}: is a directory (give a video or skeleton file)")
    if args.input is not None and _is_zip(args.input):
        raise UserError(_zip_input_problem(args.input))
    for option, path in (("--out", args.out), ("--json", args.json)):
        if path is not None:
            check_output_path(path, option)
    refuse_overwriting_inputs({"--out": args.out, "--json": args.json}, _inputs(args))
    if args.out is not None:
        refuse_replacing_another_kind(
            args.out,
            "--out",
            VIDEO_SUFFIXES,
            "a video",
            lambda path: bool(video_container(path)),
        )
    if args.json is not None:
        _refuse_replacing_what_infer_did_not_write(args.json)
    settings = _settings(args)
    for path in (args.out, args.json):
        if path is not None:  # temporaries a killed run left beside this output
            remove_stale(path.parent, {path.name, path.stem})
    if args.backend != "onnx":
        import torch

        # One window at a time is a tiny workload; more intra-op threads only fight
        # MediaPipe for the cores (measured: 25 -> 51 FPS on ta_chi.mp4, 2 cores).
        torch.set_num_threads(1)
    predictor = load_predictor(args.run, args.backend, args.device)
    if predictor.backend_note:
        print(f"ms2l infer: note: {predictor.backend_note}", file=sys.stderr)
    if args.input is not None and args.input.suffix.lower() in SKELETON_SUFFIXES:
        video = video_container(args.input)
        if not video:
            with _sigterm_stops_like_ctrl_c():  # (no output is kept then)
                return _run_skeleton_file(args, predictor, settings)
        print(
            f"ms2l infer: note: {args.input} is a video ({video}) despite its "
            f"{args.input.suffix} name: read as a video",
            file=sys.stderr,
        )
    with _sigterm_stops_like_ctrl_c():
        return _run_video(args, predictor, settings)


_STOPPED_BY = ["Ctrl-C"]
"""What stopped the video run (for its message): Ctrl-C, or SIGTERM."""


@contextlib.contextmanager
def _sigterm_stops_like_ctrl_c() -> Iterator[None]:
    """SIGTERM (``kill``, ``docker stop``, a batch scheduler) stops a video run as
    Ctrl-C does, keeping the outputs so far; by default it killed the process and left
    the outputs' temporaries behind. SIGINT is taken too, also where the process was
    started with it ignored (``ms2l infer ... &`` in a script; ``ms2l train`` does the
    same). Only the main thread can take signals."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_term(signum: int, frame: object) -> None:
        _STOPPED_BY[0] = "SIGTERM"
        # Once: a second SIGTERM while the outputs so far are being finished must
        # not cut that short and lose them.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt

    def on_int(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = {
        signal.SIGTERM: signal.signal(signal.SIGTERM, on_term),
        signal.SIGINT: signal.signal(signal.SIGINT, on_int),
    }
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _STOPPED_BY[0] = "Ctrl-C"


def _why_no_prediction(
    predictor: Predictor, settings: LiveSettings, people: int, fps: float
) -> str:
    """Why a run ended without a prediction: nobody seen, frames too far apart for the
    window's gap, or not enough of the window."""
    if people == 0:
        return "no person was found in any frame"
    sparse = frames_too_far_apart(fps, settings)
    if sparse is not None:
        return f"{sparse}; a longer input or window (--window-seconds) cannot help"
    if settings.window_seconds is not None:
        seconds, origin = settings.window_seconds, "--window-seconds"
    elif predictor.window_seconds > 0:
        seconds, origin = (
            predictor.window_seconds,
            "the median length of its training clips",
        )
    else:
        seconds, origin = FALLBACK_WINDOW_SECONDS, "the default; the run does not say"
    frames = "frame" if people == 1 else "frames"
    filled = people / max(fps, 1e-6) >= settings.min_fill * seconds
    if filled and people < settings.predict_every:
        return (
            f"a person was in {people} {frames}, fewer than the {settings.predict_every} "
            "frames with a person between two predictions: give a longer input, or "
            "predict more often (--every 1)"
        )
    return (
        f"a person was in {people} {frames} ({people / max(fps, 1e-6):.1f} s at "
        f"{fps:.0f} FPS); the model predicts once its window of {seconds:.1f} s "
        f"({origin}) is {settings.min_fill:.0%} filled with a person, without gaps over "
        f"{settings.max_gap_seconds:g} s: give a longer input, or a shorter window "
        "(--window-seconds)"
    )


# ----------------------------------------------------------------------------- video
def _describe_input(
    src: VideoSource,
    last_index: int,
    last_time: float,
    claimed: int | None,
    finished: bool,
) -> str:
    """The summary's input line: size, frame rate, duration (and the rotation tag).

    A file read to its end lasts as long as the frames it held (a damaged file may
    claim more); one stopped early lasts what its header claims, when it says.
    """
    from core.live.capture import describe_source, rotation_words

    what = f"{src.width}x{src.height}, {src.fps:.4g} FPS"
    if (src.width, src.height) != src.source_size:  # --size
        w, h = src.source_size
        what = f"{w}x{h} (read at {src.width}x{src.height}), {src.fps:.4g} FPS"
    if src.live:
        return f"input: {describe_source(src.source)}, {what}, {last_time:.1f} s seen"
    count = last_index + 1 if finished or not claimed else max(claimed, last_index + 1)
    text = f"video: {what}, {count / src.fps:.1f} s ({count} frames)"
    if src.rotation:
        text += f", turned upright by its rotation tag ({rotation_words(src.rotation)})"
    return text


def _run_video(
    args: argparse.Namespace, predictor: Predictor, settings: LiveSettings
) -> int:
    from core.live.capture import (
        STILL_IMAGE,
        CaptureError,
        VideoSource,
        truncation_note,
    )
    from core.live.overlay import annotate
    from core.live.pipeline import STAGES, run_live
    from core.live.writers import AtomicVideoWriter, JsonLinesWriter

    source: int | Path = args.camera if args.camera is not None else args.input
    try:
        src = VideoSource(source, realtime=settings.realtime, size=settings.size)
    except CaptureError as exc:
        raise UserError(str(exc)) from None
    video = AtomicVideoWriter(args.out, src.fps) if args.out else None
    lines = JsonLinesWriter(args.json)
    stop = threading.Event()
    frames = people = 0
    gap_said = False  # a line marks where the person was lost
    last_index, last_time = -1, 0.0
    actions: collections.Counter[str] = collections.Counter()
    stage_ms: dict[str, list[float]] = {s: [] for s in STAGES}
    start = time.perf_counter()
    ok = interrupted = capped = False
    # A file's frames as a bar on stderr (a 10-minute video takes about as long, and
    # nothing else moves meanwhile); the most it will read: the file, or --max-frames.
    from core.commands.data import ProgressBar

    bar = ProgressBar("frames", enabled=src.frame_count is not None and not args.quiet)
    todo = min(src.frame_count or 0, args.max_frames or sys.maxsize)
    pace = Pace()  # the time left, as data extract gives it (a trial missed it here)
    try:
        for update in run_live(src, predictor, settings, stop):
            frames += 1
            last_index, last_time = update.index, update.timestamp
            seconds = pace.left(frames, todo)
            left = "" if seconds is None else f"{format_seconds(seconds)} left"
            bar.update(min(update.index + 1, todo), todo, left)
            people += update.skeleton is not None
            if update.skeleton is None and not gap_said:
                # Where the person went out of view: the predictions stop until
                # the window fills again, and a script reading the lines should
                # not take the last answer as going on.
                lines.write(
                    {
                        "frame": update.index,
                        "time": round(update.timestamp, 3),
                        "action": None,
                        "person": False,
                    }
                )
            gap_said = update.skeleton is None
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
                        "person": True,
                        # flat by the novelty check: "top" is no ranking then (a
                        # script read "pick up with one hand" first: a trial)
                        "unfamiliar": state.unfamiliar,
                        "top": _top(state.top_k),
                        "window_fill": round(state.window_fill, 3),
                        "fps": round(update.fps, 2),
                        "latency_ms": {
                            k: _finite(v) for k, v in update.timings.as_dict().items()
                        },
                    }
                )
            if args.max_frames is not None and frames >= args.max_frames:
                # (a video of just that many frames is not cut short)
                capped = src.frame_count is None or src.frame_count > frames
                stop.set()
        ok = True
    except KeyboardInterrupt:
        ok = interrupted = True  # keep what was recorded so far
    except CaptureError as exc:
        raise UserError(str(exc)) from None
    finally:
        bar.close()
        src.close()  # (run_live closes it too, but not if stopped before it started)
        if not ok:
            lines.discard()
            if video is not None:
                video.discard()
    elapsed = time.perf_counter() - start
    if frames == 0:
        lines.discard()
        if video is not None:
            video.discard()
        if interrupted:
            print(
                f"ms2l infer: stopped by {_STOPPED_BY[0]} before the first frame",
                file=sys.stderr,
            )
            return 130
        raise UserError(f"{source}: no frames were read")
    if frames == 1 and not capped and not src.live and not interrupted:
        # a photo saved as .mp4: "predictions: none", exit 0 (data extract refuses
        # it as a still image: a review)
        lines.discard()
        if video is not None:
            video.discard()
        raise UserError(f"{source}: {STILL_IMAGE}")
    print(_model_line(predictor))
    # which sensor the model learnt from against MediaPipe now, as Live's Sensors
    # line says it (the command line said nothing: a trial)
    print(f"sensors: {describe_input(predictor.config).summary()}")
    claimed = src.frame_count
    finished = not interrupted and not stop.is_set()
    print(_describe_input(src, last_index, last_time, claimed, finished))
    of_all = f" of {claimed}" if claimed else ""
    print(
        f"frames: {frames}"
        + (f" (the first{of_all}: --max-frames)" if capped else "")
        + f", person found in {people / frames:.0%}, "
        f"{frames / elapsed:.1f} FPS end to end"
    )
    cut = truncation_note(source, claimed, frames, src.late_start) if finished else ""
    if cut:
        print(f"ms2l infer: note: {cut}", file=sys.stderr)
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
        print(
            f"predictions: none ({_why_no_prediction(predictor, settings, people, src.fps)})"
        )
    _finish_outputs(args, video, lines)
    if interrupted:  # a script must not take the partial result for the whole
        print(
            f"ms2l infer: stopped by {_STOPPED_BY[0]} at frame {last_index + 1} "
            f"({last_time:.1f} s):"
            " the summary and outputs cover the frames read until then",
            file=sys.stderr,
        )
        return 130
    return 0


# ---------------------------------------------------------------------- skeleton files
def _read_sequences(path: Path) -> list[SkeletonSequence]:
    from core.datasets import read_file

    result = read_file(path)
    # One file is one recording today; accept a list should a format hold several.
    return list(result) if isinstance(result, list | tuple) else [result]


def _clip_truth(truth: list[str | None], intervals: bool) -> str | None:
    """The whole clip's true action: its label, or the one action labelled over at
    least 90 % of its frames (a take); ``None`` for a recording of several actions."""
    if not intervals:
        return truth[0] if truth else None
    named = {t for t in truth if t is not None}
    covered = sum(t is not None for t in truth)
    return named.pop() if len(named) == 1 and covered >= 0.9 * len(truth) else None


def _run_skeleton_file(
    args: argparse.Namespace, predictor: Predictor, settings: LiveSettings
) -> int:
    from core.commands.data import ProgressBar
    from core.inference.sequences import (
        clip_problem,
        predict_clip,
        score_frames,
        sequence_joints,
        true_labels,
    )
    from core.live.overlay import caption, render_skeleton, skeleton_box
    from core.live.writers import AtomicVideoWriter, JsonLinesWriter

    if args.camera is not None:
        raise UserError("--camera cannot be combined with a skeleton file")
    sequences = _read_sequences(args.input)
    if not sequences:
        raise UserError(f"{args.input}: no skeleton sequence in this file")
    print(_model_line(predictor))  # which one answers (unsaid for a file: a trial)
    lines = JsonLinesWriter(args.json)
    video = AtomicVideoWriter(args.out, sequences[0].fps) if args.out else None
    try:
        for seq in sequences:
            in_file = seq.num_frames
            if args.max_frames is not None:
                seq = dataclasses.replace(seq, joints=seq.joints[: args.max_frames])
            n = seq.num_frames
            if n == 0:
                why = (
                    " (a recording stopped before its first frame)"
                    if args.input.suffix.lower() == ".jsonl"
                    else ""
                )
                raise UserError(
                    f"{args.input}: {seq.name}: no frames{why}: nothing to recognise"
                )
            first = f" (the first of {in_file}: --max-frames)" if n < in_file else ""
            print(
                f"{seq.name}: {count(n, 'frame')}{first} at {seq.fps:.4g} FPS, "
                f"layout {seq.layout}" + _converted_from(seq)
            )
            if seq.meta.get("resampled"):  # its frame numbers are the even grid's
                print(f"  {seq.meta['resampled']}")
            if seq.meta.get("labels_problem"):
                print(
                    f"  labels not read (nothing scored): {seq.meta['labels_problem']}"
                )
            if problem := clip_problem(seq):
                cut = f" (the first {n} of its {in_file} frames: --max-frames)"
                raise UserError(
                    f"{args.input}: {seq.name}: {problem}"
                    + (cut if n < in_file else "")
                )
            truth = true_labels(seq)
            clip_truth = _clip_truth(truth, bool(seq.meta.get("intervals")))
            # The whole clip, then every frame through the live recogniser (in batches).
            bar = ProgressBar("frames", enabled=not args.quiet)
            try:
                result = predict_clip(
                    predictor, seq, settings, continuous=True, progress=bar.update
                )
            finally:
                bar.close()
            whole, per_frame = result.probabilities, result.sequence
            assert per_frame is not None  # no stop event was given
            best = ranked(whole, predictor.labels, 3)
            tops = ", ".join(f"{label} {p:.0%}" for label, p in best)
            if result.unfamiliar:  # flattened by the novelty check: no class
                tops = "no action (unfamiliar motion: unlike every training clip)"
            print(
                f"  whole clip: {tops}"
                + (f"  (true: {clip_truth})" if clip_truth else "")
            )
            lines.write(
                {
                    "sequence": seq.name,
                    "whole_clip": _top(best),
                    "unfamiliar": result.unfamiliar,
                    "true": clip_truth,
                }
            )
            joints = sequence_joints(seq, predictor.layout) if video else None
            box = skeleton_box(joints) if joints is not None else None
            answers = 0
            for t in range(n):
                state = per_frame.state(t)
                if state.fresh:
                    answers += 1
                    lines.write(
                        {
                            "sequence": seq.name,
                            "frame": t,
                            "time": round(t / seq.fps, 3),
                            "action": state.action,
                            "unfamiliar": state.unfamiliar,
                            "top": _top(state.top_k),
                        }
                    )
                if video is not None and joints is not None and box is not None:
                    img = render_skeleton(joints[t], predictor.layout, box)
                    caption(img, state, truth[t])
                    video.write(img)
            if not answers:  # the frame-by-frame score below would read 0 % unsaid
                print(
                    f"  frame by frame: no answer: {_why_no_window(seq, predictor, settings)}"
                )
            labels = predictor.labels
            lines.write(
                {
                    "sequence": seq.name,
                    "intervals": [
                        [labels[k], start, end] for k, start, end in per_frame.intervals
                    ],
                }
            )
            if answers:  # (only in --json before: a trial looked for them)
                print(
                    "  frame by frame: " + _intervals_text(per_frame.intervals, labels)
                )
            if seq.meta.get("intervals"):
                _print_score(score_frames(seq, per_frame))
    except BaseException:
        lines.discard()
        if video is not None:
            video.discard()
        raise
    _finish_outputs(args, video, lines)
    return 0


def _model_line(predictor: Predictor) -> str:
    """``model: RUN (onnx, layout ucla20)``."""
    return (
        f"model: {predictor.run_dir} ({predictor.backend}, layout {predictor.layout})"
    )


def _converted_from(seq: SkeletonSequence) -> str:
    """ " (from mp33)" for a recording read in another layout than it was made in."""
    made = seq.meta.get("recorded_layout")
    return f" (from {made})" if made and made != seq.layout else ""


def _intervals_text(
    intervals: Sequence[tuple[int, int, int]], labels: Sequence[str]
) -> str:
    """The predicted intervals, as "doffing 17-36, carry 37-102" (frames, inclusive),
    at most a dozen of them."""
    if not intervals:
        return "no confident answer in any window"
    shown = [f"{labels[k]} {start}-{end}" for k, start, end in intervals[:12]]
    more = len(intervals) - len(shown)
    return ", ".join(shown) + (f", … ({more} more in --json)" if more > 0 else "")


def _why_no_window(
    seq: SkeletonSequence, predictor: Predictor, settings: LiveSettings
) -> str:
    """Why the live recogniser gave no answer on a whole sequence."""
    window = settings.window_seconds or predictor.window_seconds
    seconds = seq.num_frames / (seq.fps or 30.0)
    if seconds < window * settings.min_fill:
        return (
            f"the clip ({seconds:.1f} s) is shorter than {settings.min_fill:.0%} of the "
            f"model's {window:.2f} s window, which a live answer needs (the whole-clip "
            "answer above reads it all)"
        )
    return (
        f"no {window:.2f} s window was {settings.min_fill:.0%} filled with a person "
        "(the whole-clip answer above reads what there is)"
    )


def _print_score(score: FrameScore) -> None:
    head = f"  frame accuracy vs {count(score.intervals, 'labelled interval')}: "
    if not score.shared_classes:  # every labelled frame would count as wrong
        print(
            head + "not scored, the model's classes do not include this recording's "
            "labelled actions (use a model trained on its dataset)"
        )
        return
    scored = score.frames - score.first_scored
    if scored <= 0:  # no answer at all ("nan% of 0 frames": a review)
        print(head + "not scored, no answer was given")
        return
    span = (
        f"all {score.frames} frames"
        if not score.first_scored
        else f"the {scored} frames from frame {score.first_scored}, the first answer"
    )
    print(
        head + f"{score.on_labelled:.1%} of {score.labelled_frames} labelled frames, "
        f"{score.overall:.1%} of {span} (no action = background)"
    )
