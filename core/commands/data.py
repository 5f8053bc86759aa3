"""``ms2l data``: build a dataset's clip cache (``prepare``), summarise it (``info``), and
extract poses from labelled videos into a custom dataset (``extract``).

Both sub-commands consume the cache builder's events: a progress bar on stderr (redrawn in
place on a terminal, a line per tenth otherwise), a line per rejected file, then the
summary on stdout: clips per split and class under the chosen protocol and clip-length
statistics. ``info`` builds the cache first if it is missing or stale.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from core.datasets.cache import (
    CacheBadFile,
    CacheEvent,
    CacheNote,
    CacheProgress,
    CacheReady,
    ClipStore,
    length_stats,
    prepare,
)
from core.datasets.splits import held_out_name, protocols, split_indices
from core.errors import UserError
from core.labels import class_ids
from core.text import count, format_seconds, pad_to, terminal_width

BAR_WIDTH = 30


class ProgressBar:
    """A dependency-free progress bar written to a text stream (stderr by default).

    On a terminal it redraws one line in place; otherwise it writes a line each time
    another tenth of the work is done, so logs stay short.
    """

    def __init__(self, label: str, stream: TextIO | None = None, enabled: bool = True):
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_tenth = -1
        self._last_percent = -1
        self._last_note = ""
        self._drawn = False

    def update(self, done: int, total: int, note: str = "") -> None:
        """Show ``done`` of ``total``, and ``note`` after them (work within the current
        item, e.g. frames of a long video, or the time left)."""
        if not self.enabled or total <= 0:
            return
        frac = min(1.0, done / total)
        if self.tty:
            percent = int(frac * 100)
            if percent == self._last_percent and note == self._last_note:
                return  # redraw only when the shown figures change
            self._last_percent, self._last_note = percent, note
            filled = int(round(frac * BAR_WIDTH))
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            tail = f" · {note}" if note else ""
            self.stream.write(
                f"\r{self.label} [{bar}] {done}/{total} {frac:4.0%}{tail}\033[K"
            )
            self.stream.flush()
            self._drawn = True
        else:
            tenth = int(frac * 10)
            if tenth != self._last_tenth:
                self._last_tenth = tenth
                tail = f" · {note}" if note else ""
                self.stream.write(f"{self.label}: {done}/{total} ({frac:.0%}){tail}\n")

    def message(self, text: str) -> None:
        """Write a line above the bar."""
        if self.tty and self._drawn:
            self.stream.write("\r\033[K")
        self.stream.write(text + "\n")
        self._drawn = False

    def close(self) -> None:
        """End the bar's line."""
        if self.enabled and self.tty and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
        self._drawn = False


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``ms2l data`` with its ``prepare``, ``info`` and ``extract`` commands."""
    parser = subparsers.add_parser("data", help="prepare and inspect datasets")
    sub = parser.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    for name, help_text in (
        ("prepare", "parse a dataset once into the memory-mapped clip cache"),
        ("info", "counts per split and class, clip-length statistics"),
    ):
        p = sub.add_parser(name, help=help_text)
        p.add_argument(
            "--dataset",
            required=True,
            choices=sorted(DATASET_NAMES),
            help="dataset name",
        )
        p.add_argument("--root", required=True, help="dataset file or folder")
        p.add_argument(
            "--cache-dir",
            help="parent folder of caches (default $MS2L_CACHE or ~/.cache/ms2l)",
        )
        p.add_argument(
            "--force", action="store_true", help="rebuild even if up to date"
        )
        p.add_argument("--quiet", action="store_true", help="no progress bar")
        if name == "info":
            p.add_argument(
                "--protocol", help="split protocol (default: the dataset's usual one)"
            )
            p.add_argument(
                "--json", action="store_true", help="print the summary as JSON"
            )
        p.set_defaults(func=run)
    p = sub.add_parser(
        "extract",
        help="MediaPipe poses from videos into a custom dataset",
        description="Run MediaPipe over a folder of <action>/<video> files or a CSV "
        "video,start,end,action and write a custom dataset (recordings + labels.csv). "
        "Videos at the folder's top level, or one video given alone, are imported "
        "unlabelled, to be labelled afterwards. Resumable: videos already extracted "
        "are skipped.",
    )
    p.add_argument(
        "videos",
        help="folder of class sub-folders (and videos to label later), a CSV file, or "
        "one video to label later",
    )
    p.add_argument("--out", required=True, help="the dataset folder to write")
    p.add_argument(
        "--workers", type=int, default=2, help="processes (default 2; 1 = no pool)"
    )
    p.add_argument(
        "--mirrored", action="store_true", help="the videos are mirrored (selfie)"
    )
    p.add_argument("--max-frames", type=int, help="only the first N frames of each")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run_extract)


# Known dataset names for ``--dataset`` (kept literal so building the parser stays cheap).
DATASET_NAMES = ("nw-ucla", "ntu60", "ntu120", "pkummd1", "pkummd2", "custom")


def _build(args: argparse.Namespace) -> CacheReady:
    bar = ProgressBar(f"{args.dataset}", enabled=not args.quiet)
    ready: CacheReady | None = None
    event: CacheEvent
    try:
        cache_dir = Path(args.cache_dir).expanduser() if args.cache_dir else None
        for event in prepare(args.dataset, args.root, cache_dir, force=args.force):
            if isinstance(event, CacheProgress):
                bar.update(event.done, event.total)
            elif isinstance(event, CacheBadFile):
                bar.message(f"bad file: {event.error}")
            elif isinstance(event, CacheNote):
                bar.message(f"note: {event.message}")
            elif isinstance(event, CacheReady):
                ready = event
    finally:
        bar.close()
    assert ready is not None
    return ready


def summarize(store: ClipStore, protocol: str) -> dict[str, Any]:
    """Counts per split and class, and clip-length statistics of a store.

    Args:
        store: An opened clip store.
        protocol: Split protocol of the store's dataset.

    Returns:
        JSON-able summary.

    Raises:
        KeyError: If the protocol does not apply to the store's clips.
    """
    from core.datasets.custom import labels_path

    unplaced: list[int] = []
    labels = (
        labels_path(Path(store.sources[0]).parent)
        if store.dataset == "custom" and len(store.sources)
        else None
    )
    sides = split_indices(
        store.dataset, protocol, store.metas, unplaced, labels_file=labels
    )
    k = len(store.class_names)
    per_class = {
        side: np.bincount(
            store.labels[idx][store.labels[idx] >= 0], minlength=k
        ).tolist()
        for side, idx in sides.items()
    }
    lengths = store.lengths
    return {
        "dataset": store.dataset,
        "protocol": protocol,
        "store": str(store.path),
        "clips": len(store),
        "unlabelled": int((store.labels < 0).sum()),
        "frames": store.num_frames,
        "classes": k,
        "class_names": store.class_names,
        "splits": {side: int(idx.size) for side, idx in sides.items()},
        "per_class": per_class,
        "length": {side: length_stats(lengths[idx]) for side, idx in sides.items()}
        | {"all": length_stats(lengths)},
        "bad_files": store.bad_files,
        "skipped": len(store.skipped),
        "skipped_items": store.skipped,
        "unplaced": [store.sources[i] for i in unplaced],
    }


def _print_summary(summary: dict[str, Any], out: TextIO) -> None:
    s = summary
    unlabelled = (
        f" ({s['unlabelled']} unlabelled: self-supervised pretraining only)"
        if s["unlabelled"]
        else ""
    )
    # A custom dataset's held-out side validates the user's model; there is no test set.
    held_out = held_out_name(s["dataset"], s["protocol"])

    def side_count(side: str, n: int) -> str:
        labelled = sum(s["per_class"][side])
        extra = f" ({labelled} labelled)" if labelled != n else ""
        return f"{n} {held_out if side == 'test' else side}{extra}"

    out.write(
        f"{s['dataset']}: {s['clips']} clips{unlabelled}, {s['frames']} frames, "
        f"{count(s['classes'], 'class')}\n"
        f"store: {s['store']}\n"
        f"protocol {s['protocol']}: "
        + " / ".join(side_count(side, n) for side, n in s["splits"].items())
        + "\n"
    )
    out.write("length (frames)   min  median    mean     p95     max\n")
    for side, st in s["length"].items():
        name = held_out if side == "test" else side
        if side in s["splits"] and not s["splits"][side]:
            out.write(f"  {name:<14}   (no clip)\n")  # a row of zeros read as clips
            continue
        out.write(
            f"  {name:<14}{st['min']:5.0f}{st['median']:8.1f}{st['mean']:8.1f}"
            f"{st['p95']:8.1f}{st['max']:8.0f}\n"
        )
    w = max(6, len(held_out))
    empty = 0
    # The dataset's own ids after the names, as Replay shows them ("0 pick up with
    # one hand" here read "(a01)" there: a trial).
    ids = class_ids(s["dataset"], s["class_names"])
    labels = [
        name[:48] + (f" ({ids[i]})" if ids else "")
        for i, name in enumerate(s["class_names"])
    ]
    width = max([37, *(terminal_width(label) + 1 for label in labels)])
    out.write(f"{'class':<{width + 5}} {'train':>6} {held_out:>{w}}\n")
    for i, label in enumerate(labels):
        train, test = s["per_class"]["train"][i], s["per_class"]["test"][i]
        if train == test == 0:
            empty += 1
            continue
        out.write(f"  {i:3d} {pad_to(label, width)} {train:6d} {test:{w}d}\n")
    if empty:
        out.write(f"  ({empty} classes without clips not listed)\n")
    print_items(
        f"{count(s['skipped'], 'item')} skipped (files without skeletons, unusable "
        "label rows)",
        s.get("skipped_items", []),
        out,
    )
    if s["unplaced"]:
        out.write(
            f"{len(s['unplaced'])} clips left out: their metadata does not say which "
            f"side of {s['protocol']} they are on:\n"
        )
        for line in s["unplaced"]:
            out.write(f"  {line}\n")
    print_items(
        f"{count(len(s['bad_files']), 'bad file')} left out", s["bad_files"], out
    )
    row_warnings = s.get("label_warnings", [])
    for line in [*_class_warnings(s), *row_warnings[:LISTED]]:
        out.write(f"warning: {line}\n")
    # 8 000 repeated rows printed 8 000 lines (a trial): the first ones, and a count
    if len(row_warnings) > LISTED:
        out.write(
            f"warning: … and {len(row_warnings) - LISTED} more rows like these "
            "(--json lists them all)\n"
        )
    if s.get("cut_short"):
        out.write(
            f"{count(len(s['cut_short']), 'recording')} without an end line (the writing "
            "was cut short; read up to the last whole frame): "
            + ", ".join(s["cut_short"])
            + "\n"
        )


def _class_warnings(s: dict[str, Any]) -> list[str]:
    """Likely mistakes in a custom dataset's classes (labels.csv is the user's)."""
    if s["dataset"] != "custom":
        return []
    if not s["classes"]:
        # which of the two, by name (a trial read the warning past, the file's
        # absence unsaid, and 66 of 119 short recordings gone with no word)
        labels = s.get("labels_file", "labels.csv")
        what = "does not exist" if s.get("labels_missing") else "has no rows"
        return [
            f"no labelled interval ({labels} {what}): only self-supervised "
            "pretraining (--strategy pretrain) can use this dataset, and an "
            "unlabelled recording shorter than half a pretraining window gives it "
            "nothing (left out)"
        ]
    from core.datasets.custom import look_alike_actions

    warnings = look_alike_actions(s["class_names"])
    if not sum(s["per_class"]["test"]):  # training would refuse it: say so now
        from core.datasets.custom import empty_validation_reason

        warnings.append(
            "no labelled clip is held out for validation, so ms2l train refuses to "
            "start: " + empty_validation_reason(s["protocol"])
        )
    return warnings


#: Lines of a list (bad files, skipped items) printed before "… and N more".
LISTED = 20


def print_items(title: str, items: Sequence[str], out: TextIO) -> None:
    """``title`` and the first :data:`LISTED` of ``items``, one a line (nothing for
    none)."""
    if not items:
        return
    out.write(f"{title}:\n")
    for line in items[:LISTED]:
        out.write(f"  {line}\n")
    if len(items) > LISTED:
        out.write(f"  … and {len(items) - LISTED} more\n")


def run(args: argparse.Namespace) -> int:
    """Run ``ms2l data prepare`` or ``ms2l data info``; returns the exit status
    (2 when the dataset gives no clip at all: the reasons are listed)."""
    ready = _build(args)
    if ready.num_clips == 0:
        out = sys.stderr
        if not ready.rebuilt:  # a build printed each bad file as it found it
            bad = count(len(ready.bad_files), "bad file")
            print_items(bad, ready.bad_files, out)
        print_items(f"{count(len(ready.skipped), 'item')} skipped", ready.skipped, out)
        print(
            f"ms2l data {args.data_command}: error: {args.root}: no {args.dataset} clip "
            "in it",
            file=out,
        )
        return 2
    if args.data_command == "prepare":
        verb = "built" if ready.rebuilt else "up to date"
        print(
            f"{args.dataset}: {verb}: {ready.num_clips} clips, {ready.num_frames} frames "
            f"in {ready.path} ({ready.seconds:.1f} s)"
        )
        if ready.bad_files and ready.rebuilt:
            print(
                f"{count(len(ready.bad_files), 'bad file')} left out (see messages above)"
            )
        elif ready.bad_files:  # found when the cache was built, not printed now
            print_items(
                f"{count(len(ready.bad_files), 'bad file')} left out",
                ready.bad_files,
                sys.stdout,
            )
        print_items(
            f"{count(len(ready.skipped), 'item')} skipped (files without skeletons, "
            "label rows)",
            ready.skipped,
            sys.stdout,
        )
        return 0
    store = ClipStore.open(ready.path)
    protocol = args.protocol or protocols(args.dataset)[0]
    summary = summarize(store, protocol)
    if args.dataset == "custom":
        from core.datasets.custom import label_warnings, labels_path, list_recordings

        summary["cut_short"] = [
            i.name for i in list_recordings(args.root) if not i.complete and not i.error
        ]
        summary["label_warnings"] = label_warnings(args.root)
        labels = labels_path(args.root)
        summary["labels_file"] = str(labels)
        summary["labels_missing"] = not labels.exists()
    if args.json:
        json.dump(summary, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        _print_summary(summary, sys.stdout)
    return 0


def run_extract(args: argparse.Namespace) -> int:
    """Run ``ms2l data extract``; exit status 0, or 1 if a video failed."""
    import threading

    from core.commands.paths import check_output_folder
    from core.commands.train import _stop_on_sigint
    from core.extract import (
        ExtractDone,
        ExtractFailed,
        ExtractFinished,
        ExtractFrames,
        ExtractSkipped,
        ExtractStarted,
        extract,
        ignored_note,
    )

    # (0 and -5 imported one frame each, and --workers 0 ran one: a trial)
    if args.max_frames is not None and args.max_frames < 1:
        raise UserError(f"--max-frames must be >= 1, got {args.max_frames}")
    if args.workers < 1:
        raise UserError(f"--workers must be >= 1, got {args.workers}")
    # Before any video: into a read-only folder each one failed after MediaPipe had
    # run, "[Errno 30] Read-only file system" on a temporary file (a trial).
    check_output_folder(Path(args.out), "--out")
    bar = ProgressBar("videos", enabled=not args.quiet)
    stop = threading.Event()
    finished = None
    by_frames = False  # the headers gave every video's frame count
    try:
        with _stop_on_sigint(
            stop, "stopping the videos under way (run again to finish them)"
        ):
            for event in extract(
                args.videos, args.out, workers=args.workers, mirrored=args.mirrored,
                max_frames=args.max_frames, stop=stop,
            ):  # fmt: skip
                if isinstance(event, ExtractStarted):
                    bar.message(
                        f"{event.total} videos, {event.total - event.todo} already "
                        f"extracted, {event.workers} worker process(es)"
                    )
                    if event.ignored:
                        bar.message(ignored_note(event.ignored))
                    for line in event.same:
                        bar.message(f"warning: {line}")
                    # One long video read "0/1" until it ended (a trial): frames
                    # move the bar, with the percentage and the time left.
                    by_frames = event.expected > 0
                    bar.label = "frames" if by_frames else "videos"
                elif isinstance(event, ExtractFailed):
                    bar.message(f"failed (skipped): {event.error}")
                elif isinstance(event, ExtractDone | ExtractSkipped) and event.warning:
                    bar.message(f"{event.name}: {event.warning}")
                elif isinstance(event, ExtractFinished):
                    finished = event
                if isinstance(event, ExtractFrames) and by_frames:
                    note = f"{event.done}/{event.total} videos"
                    if event.seconds_left is not None:
                        note += f" · {format_seconds(event.seconds_left)} left"
                    bar.update(event.progress, event.expected, note)
                elif isinstance(event, ExtractFrames):
                    bar.update(event.done, event.total, f"{event.frames} frames")
                elif isinstance(event, ExtractDone | ExtractFailed) and not by_frames:
                    bar.update(event.done, event.total)
    finally:
        bar.close()
    assert finished is not None
    f = finished
    for line in f.warnings:
        print(f"ms2l data extract: warning: {line}", file=sys.stderr)
    print(
        f"{args.out}: {f.extracted} extracted, {f.skipped} already done, {f.failed} "
        f"failed; {f.frames} frames in {f.seconds:.1f} s"
        + (" (stopped: run again to continue)" if f.cancelled else "")
    )
    return 130 if f.cancelled else (1 if f.failed else 0)
