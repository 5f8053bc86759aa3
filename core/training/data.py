"""From a dataset's clip store to model batches: the one preprocessing path of the engine.

A clip goes through the same steps at training and at inference time:
:func:`core.model_input.prepare_clip` -> [training only: :func:`core.preprocess.augment`]
-> :func:`core.model_input.fit_time`; the Predictor calls the same two functions. Normalised clips are computed once when the data is loaded and kept in memory;
without augmentation the whole split is stacked into one tensor once.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import torch

from core import preprocess
from core.config import DataConfig, ModelConfig
from core.datasets.cache import ClipStore
from core.model_input import fit_time, prepare_clip
from core.paths import REPO_DIR, shared_data_dir
from core.skeleton import conversion_matrix, get_layout, torso_matrix
from core.text import count
from core.training.events import DataProgress, Log

T = TypeVar("T")


@dataclass
class ClipSet:
    """Normalised clips of one split, kept in memory.

    Attributes:
        clips: ``(t_i, M, V, 3)`` float32 normalised clips.
        labels: int64 ``(N,)``; -1 where the label is not used.
        names: Clip names.
        store_index: Position of each clip in the store.
    """

    clips: list[np.ndarray]
    labels: np.ndarray
    names: list[str]
    store_index: np.ndarray
    _fixed: tuple[torch.Tensor, torch.Tensor] | None = field(default=None, repr=False)
    _fixed_for: DataConfig | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.clips)

    def subset(self, positions: np.ndarray) -> ClipSet:
        """The clips at ``positions`` (a new set)."""
        positions = np.asarray(positions, dtype=np.int64)
        return ClipSet(
            [self.clips[i] for i in positions],
            self.labels[positions].copy(),
            [self.names[i] for i in positions],
            self.store_index[positions].copy(),
        )

    def batch(
        self,
        positions: Sequence[int] | np.ndarray,
        cfg: DataConfig,
        seed: tuple[int, ...] | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Model input for some clips.

        Args:
            positions: Which clips.
            cfg: Data settings (frames, time mode, augmentation).
            seed: Augment with generators seeded ``(*seed, store_index)`` per clip (so a
                clip's augmentation depends only on the seed and the clip); ``None`` = no
                augmentation.

        Returns:
            ``(x (B, T, M, V, 3) float32, lengths (B,) int64, labels (B,) int64)``.
        """
        positions = np.asarray(positions, dtype=np.int64)
        labels = torch.from_numpy(self.labels[positions])
        if seed is None or not cfg.augment.enabled:
            x, lengths = self._fixed_tensor(cfg)
            idx = torch.from_numpy(positions)
            return x[idx], lengths[idx], labels
        xs, ls = [], []
        for i in positions:
            rng = np.random.default_rng([*seed, int(self.store_index[i])])
            y, n = fit_time(
                preprocess.augment(self.clips[i], rng, cfg.augment, cfg.layout), cfg
            )
            xs.append(y)
            ls.append(n)
        return (
            torch.from_numpy(np.stack(xs)),
            torch.tensor(ls, dtype=torch.int64),
            labels,
        )

    def _fixed_tensor(self, cfg: DataConfig) -> tuple[torch.Tensor, torch.Tensor]:
        # Kept for the config it was made with: another one (other frames or time
        # mode) makes it again instead of reading clips fitted for the first.
        if self._fixed is None or self._fixed_for != cfg:
            fitted = [fit_time(c, cfg) for c in self.clips]
            x = torch.from_numpy(np.stack([f[0] for f in fitted]))
            lengths = torch.tensor([f[1] for f in fitted], dtype=torch.int64)
            self._fixed, self._fixed_for = (x, lengths), cfg
        return self._fixed


@dataclass
class PreparedData:
    """The data of one run.

    Attributes:
        train: Training clips (labels -1 outside the labelled subset).
        test: Test clips.
        class_names: Class names in label order.
        layout: Layout the model sees.
        num_bodies: Bodies the model sees.
        fps: Frame rate of the dataset.
        window_seconds: Median training-clip duration in seconds.
        labelled: Positions in ``train`` whose labels are used.
        notes: One line per file or clip left out (bad files found when the cache was
            built, clips the protocol cannot place), for the run's log.
        held_out: Custom datasets: the recordings (or subjects) of the validation
            clips, for the run's config (``DataConfig.held_out``).
        pseudo_clips, pseudo_actions: Self-training: the clips the teacher labelled
            and their classes, for the run's config (``DataConfig.pseudo_clips``).
    """

    train: ClipSet
    test: ClipSet
    class_names: list[str]
    layout: str
    num_bodies: int
    fps: float
    window_seconds: float
    labelled: np.ndarray
    notes: list[str] = field(default_factory=list)
    held_out: tuple[str, ...] = ()
    pseudo_clips: tuple[str, ...] = ()
    pseudo_actions: tuple[str, ...] = ()

    def new_model(self, cfg: ModelConfig) -> torch.nn.Module:
        """A freshly initialised model (``cfg``) for this data: its layout's joints,
        its bodies and its classes (seed torch first for a reproducible draw)."""
        from core import runs  # core.runs builds the models; not needed to read data

        return runs.new_model(
            cfg,
            get_layout(self.layout).num_joints,
            self.num_bodies,
            len(self.class_names),
            layout=self.layout,
        )


def open_dataset_store(
    cfg: DataConfig, on_event: Callable[[object], None] | None = None
) -> ClipStore:
    """Open (building if needed) the clip store of ``cfg.dataset`` at ``cfg.root``.

    Args:
        cfg: Data settings (dataset, root, cache folder).
        on_event: Receives the cache build events.

    Returns:
        The opened store.

    Raises:
        ValueError: If no dataset root is given.
        KeyError: If the dataset is unknown.
        FileNotFoundError: If the root does not exist.
    """
    from core.datasets.cache import open_store

    root, cache = _store_location(cfg)
    return open_store(cfg.dataset, root, cache, on_event)


def _store_location(cfg: DataConfig) -> tuple[Path, Path | None]:
    """``(dataset root, cache folder or None)`` of ``cfg``, checked.

    Raises:
        KeyError: If the dataset is unknown.
        ValueError: If no root is given.
        FileNotFoundError: If the root does not exist.
    """
    from core.datasets.registry import get_reader

    get_reader(cfg.dataset)  # unknown names fail here, with the known ones listed
    if not cfg.root:
        raise ValueError(f"no data root given for dataset {cfg.dataset!r} (--root)")
    root = Path(cfg.root).expanduser()
    if not root.exists():
        raise FileNotFoundError(f"{root}: dataset root not found")
    return root, Path(cfg.cache_dir).expanduser() if cfg.cache_dir else None


# Where each dataset usually sits inside a shared data folder (``$MS2L_DATA``).
DATA_SUBPATHS: dict[str, str] = {
    "nw-ucla": "nw-ucla/all_sqe.zip",
    "ntu60": "ntu",
    "ntu120": "ntu",
    "pkummd1": "pkummd",
    "pkummd2": "pkummd",
}


def resolve_data_root(cfg: DataConfig) -> DataConfig:
    """The data settings with a root that exists, for evaluating a saved run.

    A run folder records the root it was trained from, which may not exist on this
    machine or from this working directory. Then a relative root is tried from the
    repository's folder (the shipped models record ``../shared/data/...`` from there),
    then ``$MS2L_DATA`` (default: ``shared/data`` beside the repository, where the
    tests look too) joined with the dataset's usual sub-path (:data:`DATA_SUBPATHS`);
    nothing else is guessed.

    Args:
        cfg: The run's data settings.

    Returns:
        ``cfg`` itself when its root exists, else a copy with the ``$MS2L_DATA`` root.

    Raises:
        FileNotFoundError: If neither exists; the message suggests ``--root``.
    """
    if cfg.root and Path(cfg.root).expanduser().exists():
        return cfg
    tried = [cfg.root] if cfg.root else []
    if cfg.root and not Path(cfg.root).expanduser().is_absolute():
        candidate = REPO_DIR / cfg.root
        if candidate.exists():
            return dataclasses.replace(cfg, root=str(candidate.resolve()))
        tried.append(f"{candidate} (from the repository)")
    shared, env = shared_data_dir()
    sub = DATA_SUBPATHS.get(cfg.dataset)
    if sub:
        candidate = shared / sub
        if candidate.exists():
            return dataclasses.replace(cfg, root=str(candidate))
        tried.append(f"{candidate} (from {'$MS2L_DATA' if env else 'the default'})")
    where = ", ".join(tried) if tried else "no root recorded"
    raise FileNotFoundError(
        f"{cfg.dataset} dataset not found ({where}); give its location (--root, or "
        "the Data root field) or set MS2L_DATA to the folder holding it"
    )


def load_split(
    cfg: DataConfig,
    split: str,
    layout: str,
    num_bodies: int,
    store: ClipStore | None = None,
    seed: int = 0,
    unplaced: list[int] | None = None,
) -> ClipSet:
    """Load and normalise one split (``"train"`` or ``"test"``) of the configured dataset.

    Args:
        cfg: Data settings.
        split: ``"train"`` or ``"test"``.
        layout: Layout the model sees.
        num_bodies: Bodies the model sees.
        store: An open store (opened from ``cfg`` when ``None``).
        seed: Seed of the split of a custom dataset (the run's seed).
        unplaced: When given, clips the protocol cannot place (their metadata lacks
            what it needs) are left out and their store indices collected here; when
            ``None`` such a clip fails the split (see
            :func:`core.datasets.splits.split_indices`).

    Returns:
        The split's normalised clips.

    Raises:
        KeyError: If the split or protocol is unknown.
    """
    store = store if store is not None else open_dataset_store(cfg)
    return drain(
        _split_events(cfg, split, layout, num_bodies, store, seed, None, 0, 0, unplaced)
    )


class LoadCancelled(Exception):
    """The stop flag was set while the data was being loaded."""


# Progress events are yielded at most this often while clips are normalised.
_PROGRESS_SECONDS = 0.25


def _parent_hint(cfg: DataConfig) -> str:
    """A PKU-MMD root given as its ``skeleton`` sub-folder finds its labels in the
    folder above but not its split files: say which folder to choose."""
    if not cfg.dataset.startswith("pkummd") or not cfg.root:
        return ""
    parent = Path(cfg.root).expanduser().absolute().parent
    if (parent / "split").is_dir():
        return f" (choose the dataset's own folder, {parent}, which holds them)"
    return ""


def _split_indices(
    cfg: DataConfig,
    split: str,
    store: ClipStore,
    seed: int,
    unplaced: list[int] | None = None,
) -> np.ndarray:
    from core.datasets.custom import labels_path as custom_labels_path
    from core.datasets.splits import split_indices

    try:
        splits = split_indices(
            cfg.dataset,
            cfg.protocol,
            store.metas,
            unplaced,
            val_fraction=cfg.val_fraction,
            seed=seed,
            held_out=cfg.held_out,
            labels_file=custom_labels_path(cfg.root)
            if cfg.dataset == "custom" and cfg.root
            else None,
        )
    except KeyError as exc:  # the data, not the code: said, not a traceback (a trial)
        raise ValueError(
            f"{cfg.root}: {exc.args[0] if exc.args else exc}{_parent_hint(cfg)}"
        ) from None
    if split not in splits:
        raise KeyError(f"unknown split {split!r}; known: {sorted(splits)}")
    idx = splits[split]
    if cfg.max_clips:
        idx = _spread(idx, store.labels[idx], cfg.max_clips)
    return idx


def _split_events(
    cfg: DataConfig,
    split: str,
    layout: str,
    num_bodies: int,
    store: ClipStore,
    seed: int,
    stop: threading.Event | None,
    done: int,
    total: int,
    unplaced: list[int] | None = None,
) -> Generator[DataProgress, None, ClipSet]:
    """Normalise one split, yielding progress and honouring ``stop`` every clip."""
    idx = _split_indices(cfg, split, store, seed, unplaced)
    clips = []
    last = time.monotonic()
    for n, i in enumerate(idx, 1):
        if stop is not None and stop.is_set():
            raise LoadCancelled
        clips.append(prepare_clip(store[int(i)], store.layout, layout, num_bodies, cfg))
        if time.monotonic() - last >= _PROGRESS_SECONDS:
            last = time.monotonic()
            yield DataProgress("preparing", done + n, total)
    return ClipSet(
        clips, store.labels[idx].copy(), [store.names[int(i)] for i in idx], idx
    )


def drain(gen: Generator[object, None, T]) -> T:
    """Run a loading generator to its end, dropping its events, and return its result.

    Args:
        gen: E.g. ``load_data(cfg, seed)``.

    Returns:
        What the generator returns.
    """
    while True:
        try:
            next(gen)
        except StopIteration as end:
            return end.value


def _spread(idx: np.ndarray, labels: np.ndarray, limit: int) -> np.ndarray:
    """At most ``limit`` indices, taken round-robin over classes (deterministic)."""
    if len(idx) <= limit:
        return idx
    groups = [list(idx[labels == c]) for c in np.unique(labels)]
    out: list[int] = []
    while len(out) < limit:
        for g in groups:
            if g and len(out) < limit:
                out.append(g.pop(0))
    return np.sort(np.array(out, dtype=np.int64))


def load_data(
    cfg: DataConfig, seed: int, stop: threading.Event | None = None
) -> Generator[DataProgress | Log, None, PreparedData]:
    """Load the training and test clips of a run, normalised, with the labelled subset.

    A generator: it yields :class:`DataProgress` (source files read into the clip cache,
    clips normalised) and :class:`Log` (bad files, cache reuse) while it works, checks
    ``stop`` before every file and every clip, and *returns* the data (use
    ``data = yield from load_data(...)``).

    Args:
        cfg: Data settings.
        seed: Seed of the labelled subset.
        stop: Cancels the loading when set.

    Returns:
        The prepared data.

    Raises:
        LoadCancelled: If ``stop`` was set (a half-built cache is discarded, never used).
        ValueError: If the training split is empty, has no labels where labels are needed,
            or the labelled subset would be empty.
    """
    from core.datasets.cache import (
        CacheNote,
        CacheProgress,
        CacheReady,
        prepare,
    )
    from core.datasets.splits import labelled_subset, per_class_subset

    root, cache = _store_location(cfg)
    ready: CacheReady | None = None
    events = prepare(cfg.dataset, root, cache)
    try:
        for event in events:
            if stop is not None and stop.is_set():
                raise LoadCancelled
            if isinstance(event, CacheProgress):
                yield DataProgress("reading", event.done, event.total)
            elif isinstance(event, CacheNote):
                yield Log(event.message)
            elif isinstance(event, CacheReady):
                ready = event
            # A CacheBadFile is listed once below, from the store (built now or
            # before), with the clips the protocol cannot place.
    finally:
        events.close()  # a cancelled build removes its temporary files
    assert ready is not None  # prepare always ends with CacheReady
    store = ClipStore.open(ready.path)
    how = "built" if ready.rebuilt else "reused"
    yield Log(f"clip cache {how}: {ready.num_clips} clips ({ready.path})")
    if store.skipped:
        # (a file with no skeleton was left out unsaid, where data info lists it: a
        # trial) one line, the first named
        more = len(store.skipped) - 1
        yield Log(
            f"note: {count(len(store.skipped), 'item')} skipped (no skeleton, a "
            f"copy of a sample, a label row that gives no clip): {store.skipped[0]}"
            + (f" (and {more} more: ms2l data info lists them)" if more else "")
        )

    layout = cfg.layout or store.layout
    get_layout(layout)
    num_bodies = cfg.num_bodies or store.num_bodies
    sizes = {s: len(_split_indices(cfg, s, store, seed, [])) for s in ("train", "test")}
    total = sum(sizes.values())
    unplaced: list[int] = []
    train = yield from _split_events(
        cfg, "train", layout, num_bodies, store, seed, stop, 0, total, unplaced
    )
    test = yield from _split_events(
        cfg, "test", layout, num_bodies, store, seed, stop, sizes["train"], total, []
    )
    yield DataProgress("preparing", total, total)
    notes = _left_out(
        [f"bad file left out: {line}" for line in store.bad_files]
        + [
            f"{store.sources[i]}: left out, its metadata does not say which side of "
            f"{cfg.protocol} it is on"
            for i in unplaced
        ]
    )
    if len(train) == 0:
        # the left-out files are why, when there are any: say so here
        why = bad_files_why(store.bad_files)
        if not why and unplaced:
            why = f" ({notes[0]})"
        raise ValueError(
            f"{cfg.dataset} {cfg.protocol}: the training split is empty{why}"
        )
    has_label = np.flatnonzero(train.labels >= 0)
    labelled = has_label
    if cfg.label_fraction < 1.0 and has_label.size:
        labelled = has_label[
            labelled_subset(train.labels[has_label], cfg.label_fraction, seed)
        ]
        share = labelled.size / has_label.size
        if share > 1.5 * cfg.label_fraction:
            # "1 %" of 96 clips trained on 10, as "10 %" did, unsaid (a trial)
            notes = [
                *notes,
                f"note: {cfg.label_fraction:.3g} of the labels is under one clip "
                f"for some classes here: {labelled.size} of {has_label.size} "
                f"labelled training clips are kept ({100 * share:.1f} %), at least "
                "one a class",
            ]
    elif cfg.labels_per_class and has_label.size:
        labelled = has_label[
            per_class_subset(train.labels[has_label], cfg.labels_per_class, seed)
        ]
        notes = [
            *notes,
            *_short_classes(train.labels[has_label], cfg, store.class_names),
        ]
    hidden = np.setdiff1d(np.arange(len(train)), labelled)
    notes = [
        *notes,
        *_layout_note(
            store.layout, layout, cfg.joints == "shared", _recorded_as(store.metas)
        ),
        *_untaught_classes(train.labels[labelled], test.labels, store),
        # every side's: the held-out long takes went uncounted (a trial)
        *_cut_spans(store.metas),
        *_label_notes(cfg, store.class_names),
    ]
    train.labels[hidden] = -1
    picks: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
    if cfg.pseudo_labels_from:
        labelled, note, picks = yield from _pseudo_label(
            cfg, seed, store, train, labelled, hidden, stop
        )
        notes = [*notes, *note]
    # The live window matches the labelled actions (unlabelled spans of a custom
    # dataset are cut into windows of their own length); every clip when none is.
    timed = has_label if has_label.size else np.arange(len(train))
    durations = np.array([train.clips[i].shape[0] for i in timed], dtype=np.float64)
    return PreparedData(
        train=train,
        test=test,
        class_names=list(store.class_names),
        layout=layout,
        num_bodies=num_bodies,
        fps=float(store.fps),
        window_seconds=float(np.median(durations) / store.fps),
        labelled=labelled,
        notes=notes,
        held_out=_held_out(cfg, store, seed),
        pseudo_clips=picks[0],
        pseudo_actions=picks[1],
    )


def _pseudo_label(
    cfg: DataConfig,
    seed: int,
    store: ClipStore,
    train: ClipSet,
    labelled: np.ndarray,
    hidden: np.ndarray,
    stop: threading.Event | None,
) -> Generator[
    DataProgress,
    None,
    tuple[np.ndarray, list[str], tuple[tuple[str, ...], tuple[str, ...]]],
]:
    """Self-training (:mod:`core.training.pseudo`): label some of the ``hidden``
    training clips with the teacher's answers (or, resuming, with the run's own pick
    from its config), in ``train.labels``.

    Returns:
        ``(labelled positions, log lines, (clip names, class names) of the pick)``.
    """
    from core.training import pseudo

    classes = np.unique(train.labels[labelled])
    names = store.class_names
    lines = []
    if cfg.pseudo_clips:  # a resumed run: the pick it made when it started
        picked = pseudo.saved(
            cfg.pseudo_clips, cfg.pseudo_actions, train.names, hidden, names
        )
    else:
        teacher = pseudo.teacher(cfg.pseudo_labels_from, cfg.dataset, cfg.protocol)
        probabilities = yield from pseudo.teacher_probabilities(
            teacher, store, train.store_index[hidden], stop
        )
        if probabilities is None:
            raise LoadCancelled
        picked = pseudo.pick(probabilities, hidden, cfg.pseudo_per_class)
        note = pseudo.label_note(teacher, cfg, seed)
        lines += [note] if note else []
    train.labels[picked.positions] = picked.labels
    lines.append(
        pseudo.summary(
            cfg.pseudo_labels_from,
            picked,
            cfg.pseudo_per_class,
            classes,
            len(hidden),
            store.labels[train.store_index[picked.positions]],
        )
    )
    clips = tuple(train.names[int(p)] for p in picked.positions)
    actions = tuple(names[int(c)] for c in picked.labels)
    return np.union1d(labelled, picked.positions), lines, (clips, actions)


def _held_out(cfg: DataConfig, store: ClipStore, seed: int) -> tuple[str, ...]:
    """A custom dataset's validating recordings (or subjects), all of them (also when
    ``max_clips`` reads only some); ``()`` for the other datasets."""
    if cfg.dataset != "custom":
        return ()
    from core.datasets.custom import held_out_units

    whole = dataclasses.replace(cfg, max_clips=0)
    return held_out_units(
        store.metas, _split_indices(whole, "test", store, seed), cfg.protocol
    )


def _untaught_classes(
    taught: np.ndarray, tested: np.ndarray, store: ClipStore
) -> list[str]:
    """A warning when classes of the held-out clips have no labelled training clip:
    they cannot be learnt, and every clip of theirs counts as an error (a 4-file NTU
    folder trained on one clip and scored 0 %, unsaid: a trial)."""
    missing = sorted(set(tested[tested >= 0].tolist()) - set(taught.tolist()))
    if not missing:
        return []
    names = store.class_names
    shown = ", ".join(repr(names[c]) for c in missing[:3])
    more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
    n_test = int(np.isin(tested, missing).sum())
    return [
        f"warning: {count(len(missing), 'class')} of the held-out clips ({shown}{more}: "
        f"{count(n_test, 'clip')}) {'has' if len(missing) == 1 else 'have'} no labelled "
        "training clip: the model cannot learn "
        f"{'it' if len(missing) == 1 else 'them'}, and {'its' if len(missing) == 1 else 'their'} "
        "clips all count as errors"
    ]


def _recorded_as(metas: Sequence[Mapping[str, Any]]) -> str:
    """The layout every clip of a custom dataset was recorded in (``"mp33"`` for
    webcam takes, stored in a Kinect layout), or ``""`` when not one or not said."""
    layouts = {m.get("recorded_layout") for m in metas}
    return str(layouts.pop()) if len(layouts) == 1 and None not in layouts else ""


def _layout_note(
    data_layout: str, model_layout: str, shared: bool, recorded: str = ""
) -> list[str]:
    """A note when the data's skeletons are read in another layout, naming the
    joints that are left out (a Kinect v2 lab's recordings, fine-tuned from the
    NW-UCLA model, lost five joints unsaid: a trial); with ``shared`` joints the
    torso joints the model rebuilds from the hips and shoulders count too (the note
    named six of the eight: a re-trial)."""
    if data_layout == model_layout:
        return []
    rebuilt = (
        " (its torso joints are rebuilt from the hips and shoulders, one joint "
        "definition for webcam and Kinect)"
        if shared
        else ""
    )
    if recorded == "mp33":
        # "the data's ntu25 skeletons" of webcam takes (a trial): MediaPipe's
        # landmarks become the model's joints by the sensor conversion
        return [
            "note: the data's MediaPipe (webcam) skeletons are read in the model's "
            f"{model_layout} layout{rebuilt}"
        ]
    try:
        weights = conversion_matrix(data_layout, model_layout)
    except KeyError:  # no converter: reading the clips says so
        return []
    if shared:
        weights = torso_matrix(model_layout) @ weights
    names = get_layout(data_layout).joints
    unused = [names[v] for v in range(weights.shape[1]) if not np.any(weights[:, v])]
    # (MediaPipe's landmarks become every Kinect joint by the sensor conversion: the
    # list would be most of the skeleton)
    made = [] if data_layout == "mp33" else made_up_joints(data_layout, model_layout)
    if shared:  # the torso joints are said below
        torso = torso_matrix(model_layout)
        rebuilt_joints = {
            get_layout(model_layout).joints[v]
            for v in range(len(torso))
            if not np.array_equal(torso[v], np.eye(len(torso))[v])
        }
        made = [j for j in made if j not in rebuilt_joints]
    said = [f"{', '.join(unused)} not used"] if unused else []
    # and what the model is given that the data never measured (Kinect v1 data read
    # by an NTU model: six joints copied or blended from their neighbours, unsaid)
    said += [f"{', '.join(made)} made up from neighbouring joints"] if made else []
    return [
        f"note: the data's {data_layout} skeletons are read in the model's "
        f"{model_layout} layout" + (": " + "; ".join(said) if said else "") + rebuilt
    ]


def made_up_joints(data_layout: str, model_layout: str) -> list[str]:
    """The model layout's joints that the data's layout does not measure: blended
    from several of its joints, or a copy of one that is already the model's own
    (``ThumbLeft`` from ``HandLeft``); a joint under another name (``SpineBase`` from
    ``HipCenter``) is measured."""
    weights = conversion_matrix(data_layout, model_layout)
    rows = [np.flatnonzero(w) for w in weights]
    single = [int(r[0]) for r in rows if len(r) == 1]
    names = get_layout(model_layout).joints
    source = get_layout(data_layout).joints
    made = []
    for v, r in enumerate(rows):
        if len(r) != 1:
            made.append(names[v])
        elif single.count(int(r[0])) > 1 and source[int(r[0])] != names[v]:
            made.append(names[v])  # a copy beside the joint's own
    return made


def _cut_spans(metas: list[dict[str, Any]]) -> list[str]:
    """A note when a custom dataset's long labelled spans were cut into pieces
    (:func:`core.datasets.custom.label_pieces`): the clip counts and the live window
    follow the pieces, not the rows of labels.csv."""
    from core.datasets.custom import LONG_LABEL, MAX_WINDOW

    cut = sorted(
        {(int(m.get("row") or 0), str(m.get("recording"))) for m in metas
         if m.get("pieces", 1) > 1}
    )  # fmt: skip
    if not cut:
        return []
    pieces = sum(1 for m in metas if m.get("pieces", 1) > 1)
    # which ones (a lab asked): labels.csv's rows, a few named
    shown = ", ".join(f"{row} ({rec})" for row, rec in cut[:3])
    more = f" and {len(cut) - 3} more" if len(cut) > 3 else ""
    return [
        f"note: {count(len(cut), 'labelled span')} longer than {LONG_LABEL:g} s "
        f"(labels.csv row{'s' if len(cut) > 1 else ''} {shown}{more}) "
        f"{'was' if len(cut) == 1 else 'were'} cut into {count(pieces, 'clip')} of "
        f"at most {MAX_WINDOW:g} s, so that the live window stays short and each "
        "action has more clips to learn from"
    ]


def _short_classes(labels: np.ndarray, cfg: DataConfig, names: list[str]) -> list[str]:
    """A note when some classes have fewer training clips than ``labels_per_class``
    asks for (all of theirs are used, so the classes are not balanced)."""
    counts = np.bincount(labels, minlength=len(names))
    short = [c for c in range(len(names)) if 0 < counts[c] < cfg.labels_per_class]
    if not short:
        return []
    fewest = min(short, key=lambda c: counts[c])
    return [
        f"note: {cfg.labels_per_class} labelled clips per class asked for, but "
        f"{len(short)} of the {int((counts > 0).sum())} classes have fewer training "
        f"clips (the fewest: {names[fewest]!r}, {counts[fewest]}); all of theirs are "
        "used"
    ]


# Lines of left-out files a run's log lists before summing up the rest.
MAX_LISTED = 10


def _label_notes(cfg: DataConfig, class_names: Sequence[str]) -> list[str]:
    """A custom dataset's rows of ``labels.csv`` that are likely mistakes (repeats,
    intervals of a frame or two) and its actions whose names differ only in case or
    spaces, as ``ms2l data info`` warns of them: a run trained on them said nothing
    (Teach's log either: a trial)."""
    if cfg.dataset != "custom" or not cfg.root:
        return []
    from core.datasets.custom import label_warnings, look_alike_actions

    names = [f"warning: {line}" for line in look_alike_actions(class_names)]
    lines = [f"warning: {line}" for line in label_warnings(cfg.root)]
    if len(lines) <= MAX_LISTED:
        return names + lines
    rest = len(lines) - MAX_LISTED
    return (
        names
        + lines[:MAX_LISTED]
        + [
            f"warning: ... and {rest} more rows like these ('ms2l data info' lists them)"
        ]
    )


def _left_out(lines: list[str]) -> list[str]:
    """The first :data:`MAX_LISTED` lines and a count of the rest."""
    if len(lines) <= MAX_LISTED:
        return lines
    rest = len(lines) - MAX_LISTED
    return lines[:MAX_LISTED] + [
        f"... and {rest} more left out ('ms2l data info' lists every one)"
    ]


def bad_files_why(bad_files: Sequence[str]) -> str:
    """`` (N bad files left out, the first: …; 'ms2l data info' lists every one)``
    for a split left empty, ``""`` when no file was bad."""
    if not bad_files:
        return ""
    return (
        f" ({count(len(bad_files), 'bad file')} left out, the first: "
        f"{bad_files[0]}; 'ms2l data info' lists every one)"
    )
