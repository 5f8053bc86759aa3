"""``ms2l train``: train a run from a JSON config or from flags, with a progress bar.

Flags override the values of ``--config`` when both are given. ``--resume RUN`` continues a
run folder from its last completed epoch with its own config; ``--epochs N`` extends it, and
any other training flag is refused. Ctrl-C stops after the current batch (exit status 130)
and prints how to resume. Under ``torchrun`` every process runs this command; only rank 0
prints and writes the run folder.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from core import runs
from core.commands.paths import run_folder
from core.config import (
    DEFAULT_PRESET,
    PRESETS,
    STRATEGIES,
    STRATEGY_SUMMARY,
    TASKS,
    TrainConfig,
    make_config,
    validate,
)
from core.errors import UserError
from core.skeleton import LAYOUTS
from core.text import count
from core.training.events import (
    BatchDone,
    DataProgress,
    EpochDone,
    Log,
    RunFinished,
    RunStarted,
)
from core.training.strategies import inherit_from_run
from models.encoders import ENCODERS


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``ms2l train``."""
    p = subparsers.add_parser(
        "train",
        help="train a model (pretrain / linear / finetune / moving / joint / ...)",
        description="Train an MS²L model. Flags override --config values.",
    )
    p.add_argument("--config", help="JSON config file (as saved in a run folder)")
    p.add_argument(
        "--dataset",
        help="nw-ucla, ntu60, ntu120, pkummd1, pkummd2, or custom (your recordings)",
    )
    p.add_argument("--root", help="dataset folder or archive")
    p.add_argument(
        "--protocol",
        help="xview, xview-val, xsub or xset; custom: recording (default) or subject",
    )
    p.add_argument(
        "--strategy",
        choices=STRATEGIES,
        metavar="STRATEGY",
        help="; ".join(f"{k}: {v}" for k, v in STRATEGY_SUMMARY.items()),
    )
    p.add_argument(
        "--preset",
        choices=PRESETS,
        help=f"model and schedule preset (default {DEFAULT_PRESET}, or with "
        "--init-from the architecture of that run)",
    )
    p.add_argument("--tasks", help=f"comma-separated subset of {','.join(TASKS)}")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--lr-step", type=int, help="decay every N units (0 = constant)")
    p.add_argument("--lr-step-unit", choices=("iter", "epoch"))
    p.add_argument(
        "--lr-schedule",
        choices=("step", "cosine"),
        help="step decay (--lr-step) or cosine to the floor over the whole run",
    )
    p.add_argument(
        "--min-lr", type=float, help="floor of the step decay, or where the cosine ends"
    )
    p.add_argument(
        "--encoder-lr-scale",
        type=float,
        help="the encoder's learning rate as a fraction of --lr (default 1); the "
        "classifier keeps --lr. Below 1 keeps more of a pretrained encoder",
    )
    p.add_argument(
        "--balance-classes",
        action="store_true",
        default=None,
        help="weigh every class alike in the classification loss, whatever its "
        "number of labelled clips (ms2l teach does)",
    )
    p.add_argument("--frames", type=int, help="frames T per clip")
    p.add_argument("--time-mode", choices=("resample", "pad"))
    p.add_argument(
        "--layout",
        # A model reads a Kinect layout; MediaPipe's 33 landmarks are converted to
        # one (nothing converts to mp33: offered, it failed after the data loaded).
        choices=sorted(name for name in LAYOUTS if name != "mp33"),
        help="layout the model sees (converted from the dataset's)",
    )
    p.add_argument(
        "--joints",
        choices=("sensor", "shared"),
        help="joints as the sensor gives them, or one definition for Kinect and "
        "MediaPipe (torso rebuilt by MediaPipe's rules, reference bone lengths)",
    )
    p.add_argument(
        "--root-motion",
        choices=("keep", "remove", "height"),
        help="keep the body's travel, centre every frame on the hips as MediaPipe's "
        "world landmarks are (remove), or that but keep the hips' height (height)",
    )
    p.add_argument(
        "--depth-weight",
        type=float,
        help="factor on the body frame's depth axis in the model input (1 = as "
        "measured, 0 = front view only); depth is what a webcam estimates worst",
    )
    p.add_argument(
        "--stream",
        choices=("joint", "bone", "motion"),
        help="what the model reads: joints (default), bones (each joint's vector from "
        "its parent) or motion (frame-to-frame displacement); runs on different "
        "streams fuse with `ms2l eval RUN RUN ...`",
    )
    p.add_argument(
        "--encoder",
        choices=sorted(ENCODERS),
        help="sequence encoder: bigru (default, the paper's) or gcn (graph convolution "
        "over the layout's bones; 6 blocks of 32-128 channels unless --hidden)",
    )
    p.add_argument(
        "--hidden",
        type=int,
        help="encoder units per direction (gcn: channels of the first blocks)",
    )
    p.add_argument(
        "--classifier",
        choices=("gru", "linear"),
        help="the classifier on the encoder: gru (GRU + MLP, the paper's; the paper "
        "preset's) or linear (one layer on the time-averaged features, the usual "
        "linear evaluation)",
    )
    p.add_argument("--temperature", type=float, help="contrastive temperature")
    p.add_argument(
        "--omega", type=float, help="weight of the self-supervised loss (joint)"
    )
    p.add_argument(
        "--label-fraction", type=float, help="share of labelled training clips"
    )
    p.add_argument(
        "--labels-per-class",
        type=int,
        help="use the labels of only N training clips per class (seeded few-shot draw)",
    )
    p.add_argument(
        "--pseudo-labels",
        metavar="RUN",
        type=run_folder,
        help="self-training: a classifying run (the teacher) labels the training clips "
        "whose labels are not used; its surest answers become training labels",
    )
    p.add_argument(
        "--pseudo-per-class",
        type=int,
        metavar="N",
        help="with --pseudo-labels: clips per class the teacher labels",
    )
    p.add_argument(
        "--val-fraction",
        type=float,
        help="custom datasets: share of recordings (or subjects) of every action held "
        "out for validation (default 0.2; 0 = train on all)",
    )
    p.add_argument(
        "--init-from",
        type=run_folder,
        help="run folder whose encoder initialises this run (a shipped model's name "
        "works from anywhere: nw-ucla-ms2l, nw-ucla-ms2l-gcn); without --strategy, "
        "the run fine-tunes it",
    )
    p.add_argument(
        "--moving-epochs", type=int, help="epochs over which theta rises to 1"
    )
    p.add_argument(
        "--augment",
        help="e.g. rotate=30,scale=0.1,noise=0.01,speed=0.2,drop=0.1,depth=0.1,jitter=0.01,"
        "mirror=0.5",
    )
    p.add_argument(
        "--select",
        choices=("best", "last"),
        help="weights kept in weights.pt: last epoch (default) or best validation "
        "accuracy; validation uses the protocol's test split, so 'best' is optimistic "
        "(use --protocol xview-val to select without the test view)",
    )
    p.add_argument(
        "--max-clips", type=int, help="use at most N clips per split (0 = all)"
    )
    p.add_argument("--device", help="auto, cpu or cuda[:i]")
    p.add_argument("--threads", type=int, help="torch CPU threads")
    p.add_argument("--seed", type=int)
    p.add_argument("--run-dir", help="run folder to create")
    p.add_argument(
        "--resume",
        metavar="RUN",
        help="continue this run folder (with --epochs N: extend it to N epochs)",
    )
    p.add_argument(
        "--quiet", action="store_true", help="no progress bar, only epoch lines"
    )
    p.set_defaults(func=run)
    return p


def parse_augment(text: str) -> dict[str, float]:
    """Parse ``rotate=30,scale=0.1,...`` into :class:`AugmentConfig` fields.

    Raises:
        ValueError: On an unknown name or a value that is not a number.
    """
    from core.preprocess import AUGMENT_FLAGS

    out: dict[str, float] = {}
    for item in filter(None, (s.strip() for s in text.split(","))):
        key, _, value = item.partition("=")
        if key not in AUGMENT_FLAGS:
            raise ValueError(
                f"unknown augmentation {key!r}; known: {sorted(AUGMENT_FLAGS)}"
            )
        try:
            out[AUGMENT_FLAGS[key]] = float(value)
        except ValueError:
            raise ValueError(
                f"augmentation {key!r} needs a number, got {value!r}"
            ) from None
    return out


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """Build the run's config from ``--config`` and/or flags.

    Raises:
        ValueError: On inconsistent or unknown values.
        FileNotFoundError: If ``--config`` does not exist.
    """
    from core.preprocess import AugmentConfig

    data: dict[str, Any] = {}
    model: dict[str, Any] = {}
    optim: dict[str, Any] = {}
    run: dict[str, Any] = {}
    strategy: dict[str, Any] = {}
    for flag, section, key in (
        ("frames", data, "frames"),
        ("time_mode", data, "time_mode"),
        ("layout", data, "layout"),
        ("joints", data, "joints"),
        ("depth_weight", data, "depth_weight"),
        ("stream", data, "stream"),
        ("label_fraction", data, "label_fraction"),
        ("labels_per_class", data, "labels_per_class"),
        ("pseudo_labels", data, "pseudo_labels_from"),
        ("pseudo_per_class", data, "pseudo_per_class"),
        ("val_fraction", data, "val_fraction"),
        ("max_clips", data, "max_clips"),
        ("encoder", model, "encoder"),
        ("hidden", model, "hidden"),
        ("classifier", model, "classifier"),
        ("temperature", model, "temperature"),
        ("omega", strategy, "omega"),
        ("epochs", optim, "epochs"),
        ("batch_size", optim, "batch_size"),
        ("lr", optim, "lr"),
        ("lr_step", optim, "lr_step"),
        ("lr_step_unit", optim, "lr_step_unit"),
        ("lr_schedule", optim, "lr_schedule"),
        ("min_lr", optim, "min_lr"),
        ("encoder_lr_scale", optim, "encoder_lr_scale"),
        ("balance_classes", optim, "balance_classes"),
        ("device", run, "device"),
        ("threads", run, "threads"),
        ("seed", run, "seed"),
        ("run_dir", run, "run_dir"),
        ("select", run, "select"),
        ("init_from", strategy, "init_from"),
        ("moving_epochs", strategy, "moving_epochs"),
    ):
        value = getattr(args, flag)
        if value is not None:
            section[key] = value
    if args.root_motion is not None:
        data["root_motion"] = args.root_motion
    if args.tasks is not None:
        strategy["tasks"] = tuple(t.strip() for t in args.tasks.split(",") if t.strip())
    if args.augment is not None:
        data["augment"] = AugmentConfig(**parse_augment(args.augment))

    if args.config:
        # a run folder's config describes the run, not whether to continue it
        cfg = TrainConfig.load(args.config).replace(run={"resume": False})
        if args.run_dir is None and (
            runs.is_run_dir(Path(args.config).expanduser().resolve().parent)
            or (cfg.run.run_dir and runs.is_run_dir(Path(cfg.run.run_dir)))
        ):
            # A run folder's own config names that folder: re-running it makes a new
            # run (``--resume`` continues the old one).
            cfg = cfg.replace(run={"run_dir": ""})
        top = {"dataset": args.dataset, "root": args.root, "protocol": args.protocol}
        data.update({k: v for k, v in top.items() if v is not None})
        if args.dataset and args.protocol is None:
            from core.datasets.splits import PROTOCOLS

            known = PROTOCOLS.get(args.dataset, ())
            if known and cfg.data.protocol not in known:
                data["protocol"] = known[0]  # the file's is another dataset's
        if args.preset is not None:
            raise ValueError(
                "--preset cannot change a --config file's model; edit the file"
            )
        cfg = cfg.replace(
            data=data, model=model, optim=optim, run=run, strategy=strategy
        )
        if args.strategy is not None:
            cfg = cfg.replace(strategy={"name": args.strategy})
        elif args.init_from and cfg.strategy.name == "scratch":
            cfg = cfg.replace(strategy={"name": "finetune"})  # as without --config
        validate(cfg)
        return cfg
    preset = args.preset or DEFAULT_PRESET
    if args.init_from and args.preset is None:
        # Starting from another run: its architecture and input, unless asked otherwise.
        preset, model, data = inherit_from_run(args.init_from, model, data)
    return make_config(
        dataset=args.dataset or "nw-ucla",
        root=args.root or "",
        protocol=args.protocol or "",
        # --init-from alone means starting from that run: fine-tuning (it ran as
        # "scratch" with the run's encoder loaded: a trial)
        strategy=args.strategy or ("finetune" if args.init_from else "scratch"),
        preset=preset,
        data=data,
        model=model,
        optim=optim,
        run=run,
        strategy_options=strategy,
    )


class ProgressBar:
    """Text progress on a stream: a redrawn bar per batch (TTY) and a line per epoch."""

    def __init__(self, stream: TextIO, quiet: bool = False) -> None:
        self.stream = stream
        self.live = not quiet and stream.isatty()
        self.total_epochs = 0
        self.t0 = time.perf_counter()

    def handle(self, event: object) -> None:
        """Show one training event."""
        s = self.stream
        if isinstance(event, Log):
            warning = "warning: " if event.level == "warning" else ""
            print(f"{warning}{event.message}", file=s)
        elif isinstance(event, DataProgress):
            if self.live:
                print(
                    f"\r{event.stage} data {event.done}/{event.total}",
                    end="" if event.done < event.total else "\n",
                    file=s,
                    flush=True,
                )
        elif isinstance(event, RunStarted):
            self.total_epochs = event.total_epochs
            print(
                f"run {event.run_dir}: epochs {event.start_epoch}..{event.total_epochs}, "
                f"{count(event.steps_per_epoch, 'step')}/epoch",
                file=s,
            )
        elif isinstance(event, BatchDone) and self.live:
            width = 24
            done = int(width * event.step / max(event.steps_per_epoch, 1))
            bar = "#" * done + "." * (width - done)
            print(
                f"\repoch {event.epoch}/{self.total_epochs} [{bar}] "
                f"{event.step}/{event.steps_per_epoch} loss {event.losses['total']:.4f} "
                f"lr {event.lr:.2g}",
                end="",
                file=s,
                flush=True,
            )
        elif isinstance(event, EpochDone):
            if self.live:
                print("\r" + " " * 79 + "\r", end="", file=s)
            parts = [f"epoch {event.epoch}/{self.total_epochs}"]
            parts += [f"{k} {v:.4f}" for k, v in event.losses.items()]
            if event.val_acc is not None:
                split = event.split
                parts.append(
                    f"{split}_loss {event.val_loss:.4f} "
                    f"{split}_acc {100 * event.val_acc:.2f}%"
                )
            parts.append(f"{event.seconds:.1f}s")
            print("  ".join(parts), file=s, flush=True)
        elif isinstance(event, RunFinished):
            if event.cancelled:
                if self.live:
                    print("\r" + " " * 79 + "\r", end="", file=s)
                if event.epoch == 0 and not runs.is_run_dir(event.run_dir):
                    print("cancelled before training started", file=s, flush=True)
                    return
                from core.training import distributed

                again = distributed.relaunch(distributed.launched())
                print(
                    f"cancelled at epoch {event.epoch}; resume with: "
                    f"{again} --resume {shlex.quote(str(event.run_dir))}",
                    file=s,
                    flush=True,
                )
                return
            acc = event.accuracy_text()
            acc = f", {acc}" if acc else ""
            print(
                f"finished at epoch {event.epoch}{acc} in "
                f"{time.perf_counter() - self.t0:.0f}s: {event.run_dir}",
                file=s,
            )


# Flags that only say where/how to run; everything else defines the run and is fixed
# once it exists, so giving it with --resume is an error rather than silently ignored.
_RESUME_FLAGS = {
    "resume",
    "device",
    "threads",
    "quiet",
    "epochs",
    "func",
    "command",
    "debug",
}


def _check_resume_flags(args: argparse.Namespace) -> None:
    """Reject training flags given with ``--resume`` (only ``--epochs`` may extend it).

    Raises:
        ValueError: Naming the offending flags.
    """
    given = sorted(
        f"--{name.replace('_', '-')}"
        for name, value in vars(args).items()
        if name not in _RESUME_FLAGS and value is not None and value is not False
    )
    if given:
        raise ValueError(
            f"--resume continues a run with its own settings; {', '.join(given)} "
            "cannot be changed (only --epochs N, to extend it, and --device/--threads)"
        )


def run(args: argparse.Namespace) -> int:
    """Train; Ctrl-C stops after the current batch and leaves a resumable folder.

    The first Ctrl-C (SIGINT) sets the stop flag: the loop finishes its batch, writes
    ``last.pt`` and reports a cancelled run (exit status 130). A second Ctrl-C aborts at
    once with :class:`KeyboardInterrupt`.
    """
    epochs = None
    if args.resume:  # the run folder's own config is used; only where to run changes
        _check_resume_flags(args)
        epochs = args.epochs
        cfg = TrainConfig().replace(
            run={
                "run_dir": args.resume,
                "resume": True,
                "device": args.device or "auto",
                "threads": args.threads or 0,
            }
        )
    else:
        cfg = config_from_args(args)
    finished = train_with_progress(cfg, quiet=args.quiet, epochs=epochs)
    return 130 if finished is not None and finished.cancelled else 0


def train_with_progress(
    cfg: TrainConfig, quiet: bool = False, epochs: int | None = None
) -> RunFinished | None:
    """Run :func:`core.training.loop.run` with a progress bar on stderr (rank 0 only);
    the first Ctrl-C stops after the current batch, leaving a resumable run.

    Returns:
        The run's last event (``None`` if it never got that far).
    """
    from core.training import distributed
    from core.training.loop import run as train

    launched = distributed.launched()
    main = launched.is_main
    bar = ProgressBar(sys.stderr, quiet=quiet or not main)
    stop = threading.Event()
    finished: RunFinished | None = None
    started = cfg.run.resume  # a resumed run folder exists from the start
    run_dir = cfg.run.run_dir
    with _stop_on_sigint(stop):
        try:
            for event in train(cfg, stop, epochs=epochs):
                if main:
                    bar.handle(event)
                if isinstance(event, RunStarted):
                    started, run_dir = True, str(event.run_dir)
                if isinstance(event, RunFinished):
                    finished = event
        except KeyboardInterrupt:
            # A second stop, a second or more after the first: aborted at once, but
            # the epochs finished before it are kept and resume as after one stop.
            if main and started and run_dir and (Path(run_dir) / "last.pt").is_file():
                os.write(
                    2,
                    (
                        "aborted; the run keeps its last finished epoch: resume with: "
                        f"{distributed.relaunch(launched)} --resume "
                        f"{shlex.quote(run_dir)}\n"
                    ).encode(),
                )
            raise
        except RuntimeError as exc:
            if not (launched.enabled and _peer_failure(exc)):
                raise
            lines = str(exc).strip().splitlines() or [type(exc).__name__]
            then = (
                "the run keeps its last completed epoch: resume with: "
                f"{distributed.relaunch(launched)} --resume {shlex.quote(run_dir)}"
                if started
                else "nothing was trained yet: start the run again"
            )
            why = lines[0]
            if len(why) > 200:  # at a word, marked: it ended "…of the remote w)"
                why = why[:200].rsplit(" ", 1)[0] + " …"
            raise UserError(
                f"another process of this {launched.world}-process job stopped "
                f"({why}); {then}"
            ) from None
    if stop.is_set() and threading.current_thread() is threading.main_thread():
        # Stopped by a signal: the process now ends (130). A second SIGTERM within
        # the second, meant as the same stop, killed it as it shut down (143).
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    return finished


def _peer_failure(exc: RuntimeError) -> bool:
    """Whether a training error is a collective failing because another process of
    the job died (its connection reset or closed), not a bug of this one."""
    import torch.distributed as dist

    text = str(exc).lower()
    return isinstance(exc, dist.DistNetworkError) or any(
        sign in text
        for sign in ("connection reset", "connection closed", "broken pipe", "by peer")
    )


SAME_STOP_SECONDS = 1.0
"""A second stop signal this soon after the first is the same request delivered twice
(a terminal's Ctrl-C reaches every process of ``torchrun``, and ``torchrun`` passes
it on), not a second Ctrl-C."""


@contextlib.contextmanager
def _stop_on_sigint(
    stop: threading.Event, doing: str = "stopping after this batch"
) -> Iterator[None]:
    """Make the first SIGINT (Ctrl-C) or SIGTERM (``kill``, ``docker stop``, a batch
    scheduler) set ``stop`` (saying what happens now: ``doing``); one more after
    :data:`SAME_STOP_SECONDS` raises KeyboardInterrupt.

    Python only lets the main thread install signal handlers; elsewhere (e.g. a test
    runner's worker thread) this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    first: list[float] = []

    def handle(signum: int, frame: object) -> None:
        if stop.is_set():
            if time.monotonic() - first[0] < SAME_STOP_SECONDS:
                return
            raise KeyboardInterrupt
        first.append(time.monotonic())  # before stop is set: a signal in between
        stop.set()  # finds the time it compares with
        # os.write, not print: the handler may interrupt a print to the same stream,
        # and buffered streams refuse re-entrant writes.
        what = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
        again = (
            "Ctrl-C again a second or more later aborts"
            if signum == signal.SIGINT
            else f"another {what} a second or more later aborts"
        )
        os.write(2, f"\n{what}: {doing} ({again})\n".encode())

    previous = {
        sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
