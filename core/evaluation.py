"""Evaluate a trained run on a dataset split: accuracy, per-class accuracy, confusion.

:func:`evaluate_run` loads the run's model with :class:`core.inference.Predictor`, reads the
split of the run's dataset through the same clip store and preprocessing as training, and
returns an :class:`EvalResult`. :func:`evaluate_fused` evaluates several runs (for example
one per input stream: joints, bones, motion) on the same clips and averages their class
probabilities. :func:`save_eval` writes ``eval.json``, ``confusion.csv`` and
``confusion.png`` into the run folder (atomically).
"""

from __future__ import annotations

import dataclasses
import functools
import io
import json
import os
import textwrap
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from core import runs
from core.config import DataConfig
from core.datasets.base import DataFormatError
from core.datasets.scanning import OPEN_AS
from core.datasets.splits import PROTOCOL_SUMMARY, held_out_name
from core.fileio import atomic_write_bytes, atomic_write_text
from core.inference import Predictor, novelty
from core.metrics import accuracy, confusion_matrix, per_class_accuracy
from core.paths import REPO_DIR
from core.tempfiles import remove_stale
from core.text import count
from core.training.data import (
    ClipSet,
    bad_files_why,
    drain,
    load_data,
    load_split,
    open_dataset_store,
    resolve_data_root,
)


@dataclass(frozen=True)
class EvalResult:
    """Result of evaluating a run on one split.

    Attributes:
        accuracy: Top-1 accuracy in [0, 1].
        per_class_accuracy: ``(K,)`` recall of every class (NaN where a class is absent).
        confusion: ``(K, K)`` int64 counts, rows = true class, columns = prediction.
        labels: Class names.
        split: ``"train"`` or ``"test"``.
        num_clips: Clips evaluated.
        run_dir: The run folder.
        dataset: The dataset evaluated on.
        protocol: Its protocol.
        notes: What a reader of the figure should know (e.g. held-out takes gone).
        weights: The scored weights file's :func:`core.runs.weights_stamp`.
    """

    accuracy: float
    per_class_accuracy: np.ndarray
    confusion: np.ndarray
    labels: list[str]
    split: str
    num_clips: int
    run_dir: Path
    dataset: str = ""
    protocol: str = ""
    notes: tuple[str, ...] = ()
    weights: tuple[int, int] | None = None

    @property
    def split_name(self) -> str:
        """The split as a reader should see it: ``"validation"`` where the held-out
        side is one (a custom dataset, ``xview-val``), else :attr:`split`."""
        if self.split == "test":
            return held_out_name(self.dataset, self.protocol)
        return self.split

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (NaN per-class values become ``null``)."""
        return {
            "run_dir": str(self.run_dir),  # the model scored (exported files name it)
            "accuracy": self.accuracy,
            "per_class_accuracy": {
                name: (None if np.isnan(a) else float(a))
                for name, a in zip(self.labels, self.per_class_accuracy)
            },
            "confusion": self.confusion.tolist(),
            "labels": list(self.labels),
            "split": self.split,
            "split_name": self.split_name,
            "dataset": self.dataset,
            "protocol": self.protocol,
            "num_clips": self.num_clips,
            "notes": list(self.notes),
        }


def _data_config(
    data: DataConfig, data_root: str | os.PathLike[str] | None
) -> DataConfig:
    """A run's data settings with ``data_root`` (or the run's own, or ``$MS2L_DATA``)."""
    if data_root is None:
        return resolve_data_root(data)
    return dataclasses.replace(data, root=str(data_root))


def _other_root(run: DataConfig, used: DataConfig) -> tuple[str, ...]:
    """A note when the run's own data folder was not found and ``$MS2L_DATA``'s copy
    of its dataset is scored instead (a run trained on a subset, its folder deleted
    since, was scored on all 464 NW-UCLA clips, unsaid: a trial); nothing when the
    run's root was only read from the repository's folder."""
    if not run.root or used.root == run.root:
        return ()
    if Path(used.root).resolve() == (REPO_DIR / run.root).resolve():
        return ()
    return (
        f"the run's data folder {run.root} is not found: this scores the "
        f"{run.dataset} data in {used.root} instead, which may not be the data the "
        "run was trained and validated on (give the run's data with --root, or the "
        "Data root field)",
    )


def _labelled_clips(
    predictor: Predictor, split: str, data_root: str | os.PathLike[str] | None
) -> tuple[ClipSet, DataConfig, tuple[str, ...]]:
    """The labelled clips of a split of the run's dataset, the data settings, and
    notes for a reader of the figure (:func:`_missing_held_out`)."""
    cfg = predictor.config
    data_cfg = dataclasses.replace(_data_config(cfg.data, data_root), max_clips=0)
    # (a shipped model's data is wherever $MS2L_DATA says: nothing to warn of)
    shipped = runs.in_shipped_folder(predictor.run_dir)
    notes = _other_root(cfg.data, data_cfg) if data_root is None and not shipped else ()
    try:
        store = open_dataset_store(data_cfg)
    except DataFormatError as exc:
        if OPEN_AS not in exc.problem:
            raise
        # "open it as ntu60" where a run is scored on its own dataset only, and
        # Evaluate has no dataset to choose (a trial)
        raise DataFormatError(
            exc.path,
            exc.problem.split(OPEN_AS)[0]
            + f": {predictor.run_dir.name} was trained on {cfg.data.dataset} and is "
            f"scored on {cfg.data.dataset} data (choose such a folder: Data root in "
            "Evaluate, --root in ms2l eval)",
            line=exc.line,
        ) from None
    # The run's seed: a custom dataset's validation split is drawn with it.
    clips = load_split(
        data_cfg, split, predictor.layout, predictor.num_bodies, store, cfg.run.seed
    )
    unknown = _to_model_classes(clips, list(store.class_names), list(predictor.labels))
    keep = np.flatnonzero(clips.labels >= 0)
    # a custom dataset's held-out split is its validation (said "test": a trial)
    shown = (
        held_out_name(cfg.data.dataset, cfg.data.protocol) if split == "test" else split
    )
    if keep.size == 0 and unknown:
        # with why it may be so (a held-out take deleted since: its note was lost)
        why = "".join(f"; {n}" for n in _missing_held_out(data_cfg, split, store.metas))
        raise ValueError(
            f"{cfg.data.dataset} {shown}: every labelled clip is of an action this "
            f"model was not trained on ({unknown}); train again to score them{why}"
        )
    if keep.size == 0:
        hint = (
            " (the run trained on every recording and held none out for validation: "
            "--val-fraction 0, or too few takes per action, as Teach holds some out "
            "only when every action has three or more; evaluate the training split "
            "(--split train, or Split 'train' in the Evaluate panel), or record more "
            "takes and train again)"
            if split == "test"
            and cfg.data.dataset == "custom"
            and cfg.data.val_fraction == 0
            else ""
        )
        if not hint and not len(store):
            # every file bad: "nw-ucla test: no labelled clips" named neither the
            # folder nor the files (a trial)
            hint = f" in {data_cfg.root}" + bad_files_why(store.bad_files)
        if not hint and len(clips) == 0 and len(store):
            # an NW-UCLA folder of views 1 and 2 only read "no labelled clips" (a
            # trial): the split is empty, and why
            rule = PROTOCOL_SUMMARY.get((cfg.data.dataset, cfg.data.protocol), "")
            hint = (
                f" (none of the {len(store)} clips of {data_cfg.root} is on that side "
                f"of protocol {cfg.data.protocol}"
                + (f": {rule}" if rule else "")
                + (
                    "; score the training split (--split train, or Split 'train' in "
                    "the Evaluate panel), or give the folder that holds those clips)"
                    if split == "test"
                    else "; give the folder that holds those clips)"
                )
            )
        raise ValueError(f"{cfg.data.dataset} {shown}: no labelled clips{hint}")
    notes += _missing_held_out(data_cfg, split, store.metas)
    part = (
        f"{100 * cfg.data.label_fraction:g} %"
        if cfg.data.label_fraction < 1
        else f"{cfg.data.labels_per_class} a class"
        if cfg.data.labels_per_class
        else ""
    )
    if split == "train" and part:
        # a semi run taught on 30 of 1020 said all were "trained on" (a trial)
        notes += (
            f"these are the clips of the model's training side, but it learnt the "
            f"labels of only some of them ({part}); the others it saw without their "
            "labels or not at all, so the figure mixes both",
        )
    elif split == "train":
        # 100 % on a taught model's own takes read as a result (a re-trial).
        notes += (
            "these are the clips the model was trained on: the figure says how well "
            "it learnt them, not how it does on new ones",
        )
    if 0 < cfg.data.max_clips < keep.size:
        notes += (
            # which run (of several fused, "the run" named none: a GUI trial)
            f"{predictor.run_dir.name} trained and validated on at most "
            f"{cfg.data.max_clips} clips a "
            f"split (--max-clips, the Train panel's Max clips); this scores all "
            f"{keep.size}, so it differs from the figure the run gave at its last "
            "epoch",
        )
    if unknown:
        notes += (
            f"clips of actions this model was not trained on were left out ({unknown}): "
            "train again to score them",
        )
    if store.bad_files:
        # Said as training and data info say it: a damaged file scored one clip
        # fewer, unsaid (a trial).
        more = len(store.bad_files) - 1
        notes += (
            f"{count(len(store.bad_files), 'file')} of the dataset could not be read "
            f"and {'is' if not more else 'are'} left out: {store.bad_files[0]}"
            + (f" (and {more} more: ms2l data info lists them)" if more else ""),
        )
    gone = [n for n in predictor.labels if n not in store.class_names]
    if gone:
        notes += (
            "the dataset has no action "
            + ", ".join(repr(n) for n in gone)
            + " any more (this model's classes: n/a below)",
        )
    return clips.subset(keep), data_cfg, notes


def _to_model_classes(clips: ClipSet, names: list[str], model: list[str]) -> str:
    """Renumber the clips' labels from the dataset's classes (``names``, as the
    dataset reads now) to the model's, by name; clips of an action the model does not
    know become unlabelled. A custom dataset's actions change as takes are recorded
    (a new action sorts in, an old one goes): its numbers are not the run's.

    Returns:
        The actions not known to the model that had clips, ``""`` for none.
    """
    if names == model:
        return ""
    index = {n: i for i, n in enumerate(model)}
    mapping = np.array([index.get(n, -1) for n in names], dtype=np.int64)
    labelled = clips.labels >= 0
    new = np.full_like(clips.labels, -1)
    new[labelled] = mapping[clips.labels[labelled]]
    unknown = sorted({names[i] for i in clips.labels[labelled & (new < 0)]})
    clips.labels = new
    return ", ".join(repr(n) for n in unknown)


def fit_run_novelty(
    run_dir: str | os.PathLike[str],
    data_root: str | os.PathLike[str] | None = None,
    percentile: float = novelty.DEFAULT_PERCENTILE,
    device: str = "auto",
    stop: threading.Event | None = None,
) -> tuple[novelty.Novelty, Path]:
    """Fit a run's novelty check on its labelled training clips; write
    ``novelty.npz`` (for runs trained before the training loop did it).

    Args:
        run_dir: The run folder.
        data_root: Dataset location (as for :func:`evaluate_run`).
        percentile: Share of training clips (in %) under the threshold.
        device: Torch device for the model.
        stop: Checked between batches.

    Returns:
        The check and the file written.

    Raises:
        FileNotFoundError: Missing run files or dataset root.
        ValueError: Corrupt run folder, or too few labelled clips for a check.
        InterruptedError: If ``stop`` was set.
    """
    novelty.check_percentile(percentile)
    predictor = Predictor.from_run(run_dir, device=device, novelty=False)
    cfg = predictor.config
    data_cfg = _data_config(cfg.data, data_root)
    # The clips the run trained its classifier on: its split, label fraction and seed.
    data = drain(load_data(data_cfg, cfg.run.seed, stop))
    try:
        check = novelty.fit_clips(
            predictor.model,
            data.train.subset(data.labelled),
            data_cfg,
            predictor.torch_device,
            percentile,
            stop,
        )
    except ValueError as exc:  # "50 labelled clips are too few ...": of which run
        raise ValueError(f"{predictor.run_dir}: {exc}") from None
    return check, novelty.save(check, predictor.run_dir / novelty.NOVELTY_FILE)


def evaluate_run(
    run_dir: str | os.PathLike[str],
    split: str = "test",
    data_root: str | os.PathLike[str] | None = None,
    stop: threading.Event | None = None,
    device: str = "auto",
) -> EvalResult:
    """Classify every clip of a split with a run's model.

    Args:
        run_dir: The run folder.
        split: ``"test"`` (default) or ``"train"``.
        data_root: Dataset location; ``None`` = the root saved in the run's config, or
            when that does not exist, ``$MS2L_DATA`` joined with the dataset's usual
            sub-path.
        stop: Checked between batches.
        device: Torch device for the model.

    Returns:
        The result.

    Raises:
        FileNotFoundError: Missing run files or dataset root.
        ValueError: Corrupt run folder, a ``pretrain`` run (untrained classifier), or
            a split without labelled clips.
        KeyError: Unknown split.
        InterruptedError: If ``stop`` was set.
    """
    return _result(_score_run(run_dir, split, data_root, stop, device), split)


@dataclass(frozen=True)
class _Scores:
    """One run's class probabilities on the labelled clips of a split."""

    run_dir: Path
    labels: list[str]
    names: list[str]
    truth: np.ndarray
    proba: np.ndarray  # (N, K) softmax of the logits
    dataset: str = ""
    protocol: str = ""
    notes: tuple[str, ...] = ()
    weights: tuple[int, int] | None = None


def _score_run(
    run_dir: str | os.PathLike[str],
    split: str,
    data_root: str | os.PathLike[str] | None,
    stop: threading.Event | None,
    device: str,
) -> _Scores:
    # Taken before loading: a save in between reads as a change (never as none).
    weights = runs.weights_stamp(run_dir)
    predictor = Predictor.from_run(run_dir, device=device, novelty=False)
    clips, data_cfg, notes = _labelled_clips(predictor, split, data_root)
    proba = []
    model = predictor.model
    for start in range(0, len(clips), 256):
        if stop is not None and stop.is_set():
            raise InterruptedError("evaluation cancelled")
        x, lengths, _ = clips.batch(
            np.arange(start, min(start + 256, len(clips))), data_cfg
        )
        with torch.no_grad():
            logits = model(
                x.to(predictor.torch_device), lengths.to(predictor.torch_device)
            )
        proba.append(torch.softmax(logits.float(), dim=1).cpu().numpy())
    return _Scores(
        predictor.run_dir,
        list(predictor.labels),
        list(clips.names),
        clips.labels.copy(),
        np.concatenate(proba),
        data_cfg.dataset,
        data_cfg.protocol,
        notes,
        weights,
    )


def _missing_held_out(
    data_cfg: DataConfig, split: str, metas: Sequence[Mapping[str, Any]]
) -> tuple[str, ...]:
    """A note when some of the takes a custom run held out are no longer in its
    dataset folder (``metas``: the clips read; the figure then reads fewer of them
    than the run's own)."""
    if split != "test" or data_cfg.dataset != "custom" or not data_cfg.held_out:
        return ()
    present = {str(m.get(data_cfg.protocol) or "") for m in metas}
    missing = [u for u in data_cfg.held_out if u not in present]
    if not missing:
        return ()
    what = "recordings" if data_cfg.protocol == "recording" else "subjects"
    shown = ", ".join(missing[:4]) + (" ..." if len(missing) > 4 else "")
    return (
        f"{len(missing)} of the {len(data_cfg.held_out)} {what} this run held out for "
        f"validation are no longer in the dataset folder ({shown}): scored the others",
    )


def _result(scores: _Scores, split: str) -> EvalResult:
    y_pred = scores.proba.argmax(1)
    conf = confusion_matrix(scores.truth, y_pred, len(scores.labels))
    return EvalResult(
        accuracy=accuracy(scores.truth, y_pred),
        per_class_accuracy=per_class_accuracy(conf),
        confusion=conf,
        labels=scores.labels,
        split=split,
        num_clips=len(scores.truth),
        run_dir=scores.run_dir,
        dataset=scores.dataset,
        protocol=scores.protocol,
        notes=scores.notes,
        weights=scores.weights,
    )


@dataclass(frozen=True)
class FusedResult:
    """Several runs evaluated on the same clips, and their fusion.

    Attributes:
        members: Each run's own result, in the order given.
        fused: The result of the mean of the runs' class probabilities (equal
            weights); its ``run_dir`` is the first run's.
        streams: Each run's input stream (``"joint"``, ``"bone"``, ``"motion"``).
        names: The clips, in the order of ``proba``'s rows.
        proba: ``(N, K)`` the fused class probabilities.
    """

    members: list[EvalResult]
    fused: EvalResult
    streams: list[str]
    names: list[str]
    proba: np.ndarray

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form: the fused result plus each member's accuracy."""
        out = self.fused.to_dict()
        del out["run_dir"]  # the first run's: the members below are what was scored
        out["fusion"] = "mean of softmax probabilities, equal weights"
        out["members"] = [
            {"run_dir": str(m.run_dir), "stream": s, "accuracy": m.accuracy}
            for m, s in zip(self.members, self.streams)
        ]
        return out


def _classes(names: Sequence[str]) -> str:
    """'10 classes (a, b, c, ...)': a count and the first few names (a fusion of NTU
    and NW-UCLA runs listed all 70 before saying what was wrong)."""
    shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
    return f"{count(len(names), 'class')} ({shown})"


def evaluate_fused(
    run_dirs: list[str | os.PathLike[str]],
    split: str = "test",
    data_root: str | os.PathLike[str] | None = None,
    stop: threading.Event | None = None,
    device: str = "auto",
) -> FusedResult:
    """Evaluate several runs on the same split and fuse them (late fusion).

    The runs' softmax probabilities are averaged with equal weights, the way graph
    networks' multi-stream (joint, bone, motion) ensembles are reported. The runs must
    share the classes and be evaluated on the same clips (same dataset, protocol and,
    for a custom dataset, the same validation draw).

    Raises:
        ValueError: Fewer than two runs, or runs whose classes or clips differ; and
            as :func:`evaluate_run`.
    """
    if len(run_dirs) < 2:
        raise ValueError("fusion needs at least two runs")
    infos = [runs.read_run(r) for r in run_dirs]
    seen: dict[Path, Path] = {}
    for info in infos:
        key = info.run_dir.resolve()
        if key in seen:
            raise ValueError(f"{info.run_dir}: given twice; fuse different runs")
        seen[key] = info.run_dir
        if list(info.labels) != list(infos[0].labels):
            raise ValueError(
                f"only runs on the same classes can be fused: {info.run_dir} has "
                f"{_classes(info.labels)}, {infos[0].run_dir} {_classes(infos[0].labels)}"
            )
    scored: list[_Scores] = []
    for run_dir in run_dirs:
        s = _score_run(run_dir, split, data_root, stop, device)
        if scored:
            first = scored[0]  # classes were compared above, before any scoring
            if s.names != first.names or not np.array_equal(s.truth, first.truth):
                a, b = infos[len(scored)].config, infos[0].config
                why = "fuse runs of the same dataset and protocol"
                if (a.data.dataset, a.data.protocol) != (
                    b.data.dataset,
                    b.data.protocol,
                ):
                    # the cause, said (a trial fused xview with xview-val runs)
                    why = (
                        f"they are of other protocols ({a.data.dataset} "
                        f"{a.data.protocol} against {b.data.dataset} "
                        f"{b.data.protocol}): fuse runs of one protocol"
                    )
                elif a.data.dataset == b.data.dataset == "custom":
                    why = (
                        "a custom dataset's validation recordings are drawn with the "
                        f"run's seed and --val-fraction (here seed {a.run.seed} / "
                        f"{b.run.seed}, fraction {a.data.val_fraction:g} / "
                        f"{b.data.val_fraction:g}): train both with the same ones"
                    )
                named = held_out_name(a.data.dataset, a.data.protocol)
                raise ValueError(
                    f"{s.run_dir}: its {named if split == 'test' else split} split "
                    "is not the clips of "
                    f"{first.run_dir} ({len(s.names)} against {len(first.names)} "
                    f"clips); {why}"
                )
        scored.append(s)
    fused = _Scores(
        scored[0].run_dir,
        scored[0].labels,
        scored[0].names,
        scored[0].truth,
        np.mean([s.proba for s in scored], axis=0),
        scored[0].dataset,
        scored[0].protocol,
        # the members read the same clips: their notes (clips left out) are the fusion's
        tuple(dict.fromkeys(n for s in scored for n in s.notes)),
    )
    return FusedResult(
        [_result(s, split) for s in scored],
        _result(fused, split),
        [info.config.data.stream for info in infos],
        fused.names,
        fused.proba,
    )


def confusion_png(result: EvalResult, title: str = "") -> bytes:
    """The confusion matrix drawn as a PNG image (row-normalised colours, counts),
    titled with what was scored (``title``; default: the run folder's name)."""
    import warnings

    from matplotlib import rc_context

    names = [*result.labels, title]
    # Chinese or Japanese names were boxes here, and matplotlib's warnings reached the
    # terminal, where the app showed them (a trial): a font that has them, if any.
    # (a script no installed font has stays boxes, unwarned: nothing to do about it)
    families = ["DejaVu Sans", *_fallback_fonts(names)]
    with rc_context({"font.family": families}), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        return _draw_confusion(result, title)


@functools.cache
def _font_charmaps() -> tuple[tuple[str, str, frozenset[int]], ...]:
    """``(family, file, code points)`` of every font matplotlib knows or the system
    has (matplotlib's own list is a cache, which can predate a font installed since),
    read once; "Last Resort" fonts, whose every glyph is a box, left out."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    files = {entry.fname for entry in font_manager.fontManager.ttflist}
    files.update(font_manager.findSystemFonts())
    found = []
    for path in sorted(files):
        try:
            font = FT2Font(path)
            points = frozenset(font.get_charmap())
        except (OSError, RuntimeError, ValueError):
            continue
        if "last resort" not in font.family_name.lower():
            found.append((font.family_name, path, points))
    return tuple(found)


def _fallback_fonts(texts: Sequence[str]) -> list[str]:
    """Families that have the characters of ``texts`` DejaVu Sans lacks (CJK, say),
    made known to matplotlib."""
    from matplotlib import font_manager

    needed = {ord(ch) for text in texts for ch in text if ord(ch) > 0x24F}
    if not needed:
        return []
    fonts = _font_charmaps()
    for name, _, points in fonts:
        if name == "DejaVu Sans":
            needed -= points
    families: list[str] = []
    for name, path, points in fonts:
        if needed & points:
            if name not in families:
                families.append(name)
            font_manager.fontManager.addfont(path)
            needed -= points
        if not needed:
            break
    return families


def _draw_confusion(result: EvalResult, title: str) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    conf = result.confusion
    k = len(result.labels)
    rows = conf.sum(axis=1, keepdims=True)
    norm = np.divide(
        conf, rows, out=np.zeros(conf.shape, dtype=np.float64), where=rows > 0
    )
    size = max(5.0, 0.55 * k + 2.5)
    fig = Figure(figsize=(size, size), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    # the colours of Evaluate's heatmap, so that an export looks as what was seen
    ax.imshow(norm, cmap="viridis", vmin=0, vmax=1)
    if k <= 30:
        for i in range(k):
            for j in range(k):
                if conf[i, j]:
                    color = "black" if norm[i, j] > 0.6 else "white"
                    ax.text(
                        j,
                        i,
                        str(conf[i, j]),
                        ha="center",
                        va="center",
                        fontsize=7,
                        color=color,
                    )
        ax.set_xticks(range(k), result.labels, rotation=60, ha="right", fontsize=7)
        ax.set_yticks(range(k), result.labels, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    # the name on lines of its own, wrapped to the figure: a fusion's two run names
    # ran off its right edge, and the clip count with them (a trial)
    name = textwrap.fill(title or Path(result.run_dir).name, width=int(size * 10))
    ax.set_title(
        f"{name}\n{result.split_name}: accuracy {100 * result.accuracy:.2f}% "
        f"({result.num_clips} clips)",
        fontsize=9,
    )
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def eval_paths(
    run_dir: str | os.PathLike[str], split: str = "test", tag: str | None = None
) -> dict[str, Path]:
    """Where :func:`save_eval` writes a split's results in a run folder.

    Args:
        run_dir: The run folder.
        split: ``"test"`` (``eval.json``, ``confusion.csv/png``) or another split
            (``eval-<split>.json``, ``confusion-<split>.csv/png``).
        tag: Name the files ``eval-<tag>.json``, ``confusion-<tag>.*`` instead (a
            fusion's files, which must not pass for one run's).

    Returns:
        ``{"json": ..., "csv": ..., "png": ...}`` paths.
    """
    out = Path(run_dir)
    if tag is not None:
        tag = f"-{tag}"
    else:
        tag = "" if split == "test" else f"-{split}"
    return {
        "json": out / (runs.EVAL if not tag else f"eval{tag}.json"),
        "csv": out / f"confusion{tag}.csv",
        "png": out / f"confusion{tag}.png",
    }


def _report_tag(result: EvalResult | FusedResult) -> str | None:
    """The tag of a result's file names (:func:`eval_paths`): a fusion's."""
    if not isinstance(result, FusedResult):
        return None
    split = result.fused.split
    return "fused" + ("" if split == "test" else f"-{split}")


def replaced_report(
    folder: str | os.PathLike[str], result: EvalResult | FusedResult
) -> str:
    """The models whose evaluation in ``folder`` writing ``result`` there would
    replace (``""``: none, or the same ones): a second shipped model's export went
    over the first's, unsaid (a trial)."""
    split = (result.fused if isinstance(result, FusedResult) else result).split
    path = eval_paths(folder, split, _report_tag(result))["json"]
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    if not isinstance(doc, dict):
        return ""
    members = doc.get("members")
    theirs = (
        [str(m.get("run_dir", "")) for m in members if isinstance(m, dict)]
        if isinstance(members, list)
        else [str(doc.get("run_dir", ""))]
    )
    scored = result.members if isinstance(result, FusedResult) else [result]
    mine = [str(m.run_dir) for m in scored]
    if sorted(theirs) == sorted(mine):
        return ""
    return " + ".join(Path(t).name or "another model" for t in theirs)


def save_eval(
    result: EvalResult | FusedResult, run_dir: str | os.PathLike[str] | None = None
) -> dict[str, Path]:
    """Write ``eval.json``, ``confusion.csv`` and ``confusion.png`` (atomically).

    The test split keeps these names; another split's files carry its name
    (``eval-train.json``, ``confusion-train.csv``, ...) so they never overwrite the
    test results.

    A :class:`FusedResult` is written as ``eval-fused[-<split>].json`` and
    ``confusion-fused[-<split>].*``, its JSON listing the fused runs and their own
    accuracies, so it never passes for (or overwrites) a single run's results.

    Args:
        result: The evaluation.
        run_dir: Folder to write into (default: the result's run folder; a fusion's:
            its first run's).

    Returns:
        ``{"json": ..., "csv": ..., "png": ...}`` paths written.

    Raises:
        ValueError: If a scored run's weights changed since they were read (a run
            that trained on): the figures would pass for the new weights'.
    """
    scored = result.members if isinstance(result, FusedResult) else [result]
    for member in scored:
        if runs.weights_stamp(member.run_dir) != member.weights:
            raise ValueError(
                f"{member.run_dir}: its weights changed after they were scored (its "
                "training went on): these figures are of the earlier weights, so they "
                "were not written; evaluate it again"
            )
    doc = result.to_dict()
    tag = _report_tag(result)
    title = ""
    if isinstance(result, FusedResult):
        names = " + ".join(Path(m.run_dir).name for m in result.members)
        title = f"fusion of {len(result.members)} runs ({names})"
        result = result.fused
    out = Path(run_dir) if run_dir is not None else result.run_dir
    paths = eval_paths(out, result.split, tag)
    # temporaries a killed evaluation left for these files (only theirs: the folder
    # may be any folder the GUI exports into)
    remove_stale(out, {p.name for p in paths.values()})
    atomic_write_text(paths["json"], json.dumps(doc, indent=2) + "\n")
    header = "true\\pred," + ",".join(f'"{n}"' for n in result.labels)
    lines = [header] + [
        f'"{name}",' + ",".join(str(int(v)) for v in row)
        for name, row in zip(result.labels, result.confusion)
    ]
    atomic_write_text(paths["csv"], "\n".join(lines) + "\n")
    atomic_write_bytes(paths["png"], confusion_png(result, title))
    return paths


def default_report_folder(run_dir: str | os.PathLike[str]) -> Path:
    """Where a run's evaluation files go by default: the run folder; for a shipped
    model, or a folder this user cannot write, ``<runs folder>/eval-<name>``."""
    import hashlib

    from core.paths import default_runs_dir

    run_dir = Path(run_dir)
    if runs.in_shipped_folder(run_dir):
        return default_runs_dir() / f"eval-{run_dir.name}"
    if not os.access(run_dir, os.W_OK | os.X_OK):
        # Named after the folder's path too: /share/alice/run1 and /share/bob/run1.
        digest = hashlib.sha1(os.fsencode(run_dir.resolve())).hexdigest()[:8]
        return default_runs_dir() / f"eval-{run_dir.name}-{digest}"
    return run_dir


def report_folder_problem(
    out: str | os.PathLike[str], evaluated: Sequence[str | os.PathLike[str]]
) -> str:
    """Why ``out`` must not take the evaluation files of ``evaluated`` (``""``: it may).

    Another run's folder would have its own evaluation replaced by these scores; a
    shipped model's folder is the app's and stays as it came.
    """
    from core.commands.paths import same_file

    out = Path(out).expanduser()
    if runs.in_shipped_folder(out):
        return (
            "is inside the shipped models' folder, which stays as the app came; "
            "choose another folder"
        )
    if runs.is_run_dir(out) and not any(same_file(out, run) for run in evaluated):
        return (
            "is another run's folder; its own evaluation files would be replaced by "
            "these scores, choose a new or empty folder"
        )
    return ""


def training_note(run_dir: str | os.PathLike[str]) -> str:
    """A note when another process trains ``run_dir`` now (``""`` otherwise): the
    figure is of the weights of its last finished epoch."""
    import socket

    from core.training.loop import trained_by

    who = trained_by(Path(run_dir))
    if who is None:
        return ""
    if who == f"process {os.getpid()} on {socket.gethostname()}":
        who = "by this program"  # the app's own Train panel ("process 17613" read as another)
    from core.training.history import last_finished_epoch

    epoch = last_finished_epoch(Path(run_dir))
    which = f" (epoch {epoch})" if epoch else ""  # which one (unsaid: a GUI trial)
    return (
        f"note: {run_dir} is being trained now"
        + (f" ({who})" if who else "")
        + f": this scores the weights of its last finished epoch{which}, and the "
        "reports it writes into the run folder are removed when the run ends"
    )
