"""The configuration of one training run: nested frozen dataclasses saved as ``config.json``.

A :class:`TrainConfig` holds parameters only (no objects): what data and how it is
preprocessed (:class:`DataConfig`), which model (:class:`ModelConfig`, built from a preset),
the optimiser schedule (:class:`OptimConfig`), the training strategy
(:class:`StrategyConfig`) and where/how to run (:class:`RunConfig`). It round-trips through
JSON exactly (``TrainConfig.from_json(cfg.to_json()) == cfg``), and :func:`make_config`
builds one from the same arguments the ``ms2l train`` flags give. Values filled in at
training time (the median clip duration ``window_seconds``, the layout) are written back
into the run folder's copy so that the folder alone reproduces the preprocessing.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.fileio import atomic_write_text
from core.preprocess import STREAMS, AugmentConfig, can_mirror, has_bone_tree

STRATEGIES: tuple[str, ...] = (
    "pretrain",
    "linear",
    "finetune",
    "moving",
    "joint",
    "scratch",
    "semi",
    "transfer",
)
"""Training strategies (paper section 3.3 and the baselines of section 4)."""

STRATEGY_SUMMARY: dict[str, str] = {
    "pretrain": "self-supervised MS²L pretraining on its pretext tasks (motion "
    "prediction, temporal jigsaw, contrastive), no labels",
    "linear": "a classifier on a frozen encoder, a pretrained run's or a random one "
    "(Table 1, Rand-U)",
    "finetune": "a pretrained run's encoder trained further, with a classifier, on "
    "the labels (Table 3, Pretrain)",
    "moving": "from a pretrained run, the pretext losses handed over to the classifier "
    "(Eq. 4, Table 3, Moving)",
    "joint": "the pretext losses beside the classifier, from random weights (Eq. 5, "
    "Table 3, Jointly)",
    "scratch": "supervised from random weights (Rand-S, or Rand-SS with fewer labels)",
    "semi": "finetune on a share of the labels (Table 2): the same as finetune with "
    "a label fraction or a number per class, one of which semi requires",
    "transfer": "finetune from a run on another dataset or layout (Table 6)",
}
"""One line per strategy: ``ms2l train --help`` and the Train panel's tooltips."""

TASKS: tuple[str, ...] = ("motion", "jigsaw", "contrastive")
"""Self-supervised tasks: motion prediction (Eq. 1), jigsaw (Eq. 2), contrastive (Eq. 3)."""

PRESETS: tuple[str, ...] = ("official", "paper")
"""Model presets: as the authors' released code does it, or as written in the paper."""

DEFAULT_PRESET = "official"
"""The preset used when none is given: on NW-UCLA (cross-view, same recipe, seed 0) a
supervised ``official`` model reached 87.3% on view 3 against 80.4% for ``paper``
(``docs/results/nw-ucla-official.md``); ``paper`` trains ~8x faster on a CPU."""

# Strategies that start from another run's encoder and cannot run without one.
NEEDS_INIT: tuple[str, ...] = ("finetune", "moving", "semi", "transfer")
# Strategies that may start from a run: those above, and linear evaluation (of that
# run's frozen encoder; without one, of a random encoder: the paper's Rand-U).
TAKES_INIT: tuple[str, ...] = (*NEEDS_INIT, "linear")
# Strategies whose loss includes the self-supervised tasks.
USES_SSL: tuple[str, ...] = ("pretrain", "moving", "joint")
# Strategies whose loss includes the classifier.
USES_CLS: tuple[str, ...] = tuple(s for s in STRATEGIES if s != "pretrain")


MAX_FRAMES = 2000
"""The most frames a clip is resampled to (``--frames``): over a minute at 30 fps, ten
times the paper's 200; each clip's tensor grows with it."""


@dataclass(frozen=True)
class DataConfig:
    """Which clips, and how they are turned into model input.

    Attributes:
        dataset: Dataset name (``"nw-ucla"``, ``"ntu60"``, ``"ntu120"``, ``"pkummd1"``, ...).
        root: Dataset folder or archive.
        protocol: Evaluation protocol (``"xview"``, ``"xsub"``, ``"xset"``).
        layout: Layout the model sees; ``""`` = the dataset's own (clips are converted).
        num_bodies: Bodies the model sees; ``0`` = the dataset's own.
        frames: Frames per clip ``T`` given to the model.
        time_mode: ``"resample"`` (stretch every clip to ``frames``) or ``"pad"`` (crop or
            zero-pad, keeping the true length).
        align: Rotate each clip to its first frame's body axes (view alignment).
        scale: Divide by the mean spine length.
        joints: ``"sensor"`` (joints as the sensor gives them; runs from before this
            setting) or ``"shared"`` (one joint definition for Kinect and MediaPipe:
            torso joints rebuilt by the MediaPipe rules, bones set to reference
            lengths; see :func:`core.preprocess.normalise_clip`).
        root_motion: ``"keep"`` the body's travel through the scene (runs from before
            this setting); ``"remove"``: centre every frame on the hip midpoint, as
            MediaPipe's world landmarks are; ``"height"``: the same, but keep the hips'
            height above the lower ankle (sitting, bending), which MediaPipe also gives.
        depth_weight: Factor on the depth axis of the view-aligned body frame (z: towards
            and away from the camera for a person facing it), applied last, after
            augmentation and timing; ``1`` = as measured (runs from before this setting),
            ``0`` = the model sees the skeleton's front view only. Depth is what a webcam
            skeleton estimates worst (:func:`core.model_input.fit_time`).
        stream: What the model reads of the clip (:func:`core.preprocess.to_stream`,
            applied last): ``"joint"`` the joints (runs from before this setting),
            ``"bone"`` each joint's vector from its parent, ``"motion"`` each joint's
            displacement to the next frame. Separate runs on separate streams can be
            fused at evaluation (``ms2l eval RUN RUN ...``), as graph-network papers
            report their multi-stream ensembles.
        augment: Training-time augmentation (applied before resampling).
        label_fraction: Share of training clips whose labels are used (semi-supervised).
        labels_per_class: Use the labels of only this many training clips per class
            (a seeded few-shot draw; 0 = off; exclusive with ``label_fraction < 1``).
        pseudo_labels_from: Self-training: a classifying run (the teacher, usually one
            trained on the same few labels) whose surest answers label the training
            clips whose labels are not used (:mod:`core.training.pseudo`); ``""`` = off.
        pseudo_per_class: Clips per class the teacher labels (with
            ``pseudo_labels_from``).
        pseudo_clips: The clips the teacher labelled, written when the run starts (a
            resumed run reads them here instead of asking the teacher again).
        pseudo_actions: Their classes (names), in the same order.
        val_fraction: Custom datasets: share of the recordings (or subjects) of every
            action held out for validation (0 = train on everything, no validation).
        held_out: Custom datasets: the recordings (or subjects, by ``protocol``) that
            validate, written when a run starts; the run's evaluation and resumption
            read them instead of drawing again, so that takes added to the folder later
            never move a clip the run trained on into validation. Empty: drawn from
            ``val_fraction`` and the seed (runs from before this setting).
        max_clips: Use at most this many clips per split (0 = all); for quick runs.
        cache_dir: Clip cache folder; ``""`` = ``$MS2L_CACHE`` or ``~/.cache/ms2l``.
        window_seconds: Median training-clip duration, filled in at training time and used
            by the live window.
    """

    dataset: str = "nw-ucla"
    root: str = ""
    protocol: str = "xview"
    layout: str = ""
    num_bodies: int = 0
    frames: int = 64
    time_mode: str = "resample"
    align: bool = True
    scale: bool = True
    joints: str = "sensor"
    root_motion: str = "keep"
    depth_weight: float = 1.0
    stream: str = "joint"
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    label_fraction: float = 1.0
    labels_per_class: int = 0
    pseudo_labels_from: str = ""
    pseudo_per_class: int = 0
    pseudo_clips: tuple[str, ...] = ()
    pseudo_actions: tuple[str, ...] = ()
    val_fraction: float = 0.2
    held_out: tuple[str, ...] = ()
    max_clips: int = 0
    cache_dir: str = ""
    window_seconds: float = 0.0


@dataclass(frozen=True)
class ModelConfig:
    """Architecture (see :func:`model_preset` for the two presets).

    Attributes:
        name: Key in ``models.MODELS``.
        preset: Preset the values came from (informative).
        encoder: Encoder name in ``models.encoders.ENCODERS`` (``"bigru"``, the paper's,
            or ``"gcn"``, graph convolution over the layout's bones).
        hidden: Encoder GRU units per direction (gcn: channels of the first blocks).
        layers: Encoder GRU layers (gcn: blocks).
        head_dim: Width of the jigsaw / contrastive heads.
        head_layers: 1 = one FC layer, 2 = an MLP with one hidden layer of ``head_dim``.
        proj_dim: Output width of the contrastive projection.
        decoder_hidden: Units of the motion-prediction GRU decoder.
        classifier: ``"gru"`` (GRU + MLP, the paper) or ``"linear"`` (on the time-averaged
            encoder features, the released code).
        classifier_hidden: Units of the classifier GRU.
        temperature: Contrastive temperature (the paper's Eq. 3 has none, i.e. 1).
        mask_ratio: Share of the valid frames masked (predicted) in motion prediction.
        noise_std: Std of the Gaussian noise added to the observed past, in the units
            of the input stream (spine lengths; a bone is ~0.3 of them, one frame's
            motion ~0.04, so a motion-stream run wants less).
        jigsaw_segments: Number of segments ``P`` of the temporal jigsaw.
        dropout: Dropout on encoder features.
        jigsaw_feature: What the jigsaw head sees of the shuffled clip: ``"last"`` (the
            encoder's final states, forward at the last frame and backward at the first:
            an order-sensitive summary) or ``"mean"`` (features averaged over time, which
            blurs where each segment sits; the head stayed at chance with it).
        pretext_rotate: Max angle (degrees) by which the masked and the jigsaw views are
            each turned about the vertical axis, independently (0 = off); the
            contrastive task then pairs views of a clip seen from different directions.
        pretext_shear: Max off-diagonal entry of the random linear map applied to each
            of the masked and the jigsaw views, independently (0 = off; after
            ``pretext_rotate``).
        contrastive_positive: ``"others"`` (each view against the mean of the clip's
            other views) or ``"all"`` (Eq. 3 as printed: the mean includes the view
            itself, which makes the task trivial); see
            :func:`models.losses.contrastive_loss`.
    """

    name: str = "ms2l"
    preset: str = "paper"
    encoder: str = "bigru"
    hidden: int = 30
    layers: int = 1
    head_dim: int = 60
    head_layers: int = 1
    proj_dim: int = 60
    decoder_hidden: int = 60
    classifier: str = "gru"
    classifier_hidden: int = 60
    temperature: float = 1.0
    mask_ratio: float = 0.75
    noise_std: float = 0.05
    jigsaw_segments: int = 3
    dropout: float = 0.0
    jigsaw_feature: str = "last"
    contrastive_positive: str = "others"
    pretext_rotate: float = 0.0
    pretext_shear: float = 0.0

    def arch(self) -> dict[str, Any]:
        """The architecture options passed to ``models.build_model`` (no task settings).

        Returns:
            ``{option: value}`` for the model class's keyword arguments.
        """
        return {k: getattr(self, k) for k in ARCH_FIELDS}


# Model fields that shape the network (the rest are pretext-task settings).
ARCH_FIELDS = (
    "encoder",
    "hidden",
    "layers",
    "head_dim",
    "head_layers",
    "proj_dim",
    "decoder_hidden",
    "classifier",
    "classifier_hidden",
    "jigsaw_segments",
    "dropout",
)


@dataclass(frozen=True)
class OptimConfig:
    """Optimiser and schedule (Adam; step decay or cosine).

    Attributes:
        epochs: Training epochs.
        batch_size: Global batch size (split across processes under DDP).
        lr: Initial learning rate.
        weight_decay: Adam weight decay.
        lr_step: Decay the learning rate every ``lr_step`` units (0 = constant).
        lr_step_unit: ``"iter"`` (optimiser steps, the paper) or ``"epoch"`` (released code).
        lr_gamma: Decay factor.
        min_lr: Floor of the learning rate (step decay), or where the cosine ends.
        lr_schedule: ``"step"`` (x ``lr_gamma`` every ``lr_step`` units, floored at
            ``min_lr``) or ``"cosine"`` (from ``lr`` down to ``min_lr`` along half a
            cosine over all the run's steps; ``lr_step`` is ignored).
        grad_clip: Max gradient norm (0 = off).
        encoder_lr_scale: The encoder's learning rate as a fraction of ``lr`` (the
            classifier and the pretext heads keep ``lr``): below 1 keeps more of a
            pretrained encoder when fine-tuning on few labels.
        balance_classes: Weight the classification loss by class, inversely to the
            labelled training clips of each, so that every class counts alike (a
            user's actions come in unequal numbers of takes and lengths).
    """

    epochs: int = 60
    batch_size: int = 32
    lr: float = 0.01
    weight_decay: float = 0.0
    lr_step: int = 100
    lr_step_unit: str = "iter"
    lr_gamma: float = 0.1
    min_lr: float = 1e-4
    grad_clip: float = 5.0
    lr_schedule: str = "step"
    encoder_lr_scale: float = 1.0
    balance_classes: bool = False


@dataclass(frozen=True)
class StrategyConfig:
    """How the encoder and classifier are trained.

    Attributes:
        name: One of :data:`STRATEGIES`.
        tasks: Self-supervised tasks used (subset of :data:`TASKS`).
        omega: Weight of the self-supervised loss in ``joint`` (Eq. 5).
        moving_epochs: Epochs over which theta of Eq. 4 rises linearly from 0 to 1.
        init_from: Run folder whose encoder initialises this run (``""`` = random).
    """

    name: str = "scratch"
    tasks: tuple[str, ...] = TASKS
    omega: float = 1.0
    moving_epochs: int = 10
    init_from: str = ""


@dataclass(frozen=True)
class RunConfig:
    """Where and how the run executes.

    Attributes:
        run_dir: Run folder (``""`` = a new folder under :func:`core.paths.default_runs_dir`).
        device: ``"auto"`` (CUDA when present), ``"cpu"`` or ``"cuda[:i]"``.
        seed: Seed of every random choice (initialisation, order, augmentation, pretexts).
        amp: Mixed precision on CUDA (ignored on CPU).
        resume: Continue the run found in ``run_dir`` from its ``last.pt``.
        eval_every: Validate every this many epochs (and always at the last one).
        threads: Torch CPU threads (0 = leave torch's default).
        select: Which weights ``weights.pt`` keeps: ``"last"`` (the final epoch, the
            default) or ``"best"`` (highest validation accuracy). Validation uses the
            protocol's test split, so ``"best"`` selects on the test set and its
            accuracy is optimistic.
    """

    run_dir: str = ""
    device: str = "auto"
    seed: int = 0
    amp: bool = True
    resume: bool = False
    eval_every: int = 1
    threads: int = 0
    select: str = "last"


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run.

    Attributes:
        data: Data selection and preprocessing.
        model: Architecture.
        optim: Optimiser and schedule.
        run: Run folder, device, seed.
        strategy: Training strategy and self-supervised tasks.
        version: Config format version.
    """

    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    run: RunConfig = field(default_factory=RunConfig)
    strategy: StrategyConfig = field(default_factory=StrategyConfig)
    version: int = 1

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (tuples become lists)."""
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        """JSON text of the whole config (indented, stable key order)."""
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """Build a config from plain data, checking every key.

        Raises:
            ValueError: On an unknown key or a value of the wrong type.
        """
        cfg = _build(cls, data, "config")
        section = data.get("data")
        if isinstance(section, dict) and "protocol" not in section:
            from core.datasets.splits import PROTOCOLS

            # A hand-written config without a protocol gets its dataset's first, as
            # the command line gives it ("custom has no protocol 'xview'", a
            # protocol nobody chose: a trial).
            first = PROTOCOLS.get(cfg.data.dataset, (cfg.data.protocol,))[0]
            cfg = dataclasses.replace(
                cfg, data=dataclasses.replace(cfg.data, protocol=first)
            )
        validate(cfg)
        return cfg

    @classmethod
    def from_json(cls, text: str) -> TrainConfig:
        """Parse JSON text produced by :meth:`to_json` (or written by hand).

        Raises:
            ValueError: If the text is not valid JSON or not a valid config.
        """
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"config is not valid JSON: {exc}") from None
        except RecursionError:
            raise ValueError("config is not valid JSON: nested too deeply") from None
        if not isinstance(data, dict):
            raise ValueError("config JSON must be an object")
        return cls.from_dict(data)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write ``config.json`` atomically."""
        atomic_write_text(Path(path), self.to_json() + "\n")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> TrainConfig:
        """Read a config file.

        Raises:
            FileNotFoundError: If the file is missing.
            ValueError: Naming the file, if it is not a valid config.
        """
        path = Path(path)
        if path.is_dir():  # a run folder given for its config
            inside = path / "config.json"
            raise FileNotFoundError(
                f"{path}: a folder, not a config file"
                + (f" (give {inside})" if inside.is_file() else "")
            )
        if not path.is_file():
            raise FileNotFoundError(f"{path}: config file not found")
        try:
            return cls.from_json(path.read_text(encoding="utf-8-sig"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValueError(f"{path}: {exc}") from None

    def differences(self, wanted: TrainConfig) -> list[str]:
        """The settings in which this (saved) config differs from ``wanted``.

        Where a run folder is, which dataset copy it read, where the encoder it started
        from lies, the device and thread count it ran on, and the values filled in at
        training time when ``wanted`` leaves them
        to the run (``layout``, ``num_bodies``, ``window_seconds``, ``held_out``) are not settings of
        the recipe and are not compared; nor are the step decay's fields when both
        configs use the cosine schedule, which does not read them. A finished run can
        be reused for ``wanted`` when the list is empty.

        Returns:
            ``"section.field: saved != wanted"`` strings, in field order.
        """
        ignored = {"run.run_dir", "run.device", "run.threads", "data.root",
                   "data.cache_dir", "strategy.init_from",
                   "data.pseudo_labels_from"}  # fmt: skip
        filled = {"data.layout", "data.num_bodies", "data.window_seconds",
                  "data.held_out", "data.pseudo_clips",
                  "data.pseudo_actions"}  # fmt: skip
        if self.optim.lr_schedule == wanted.optim.lr_schedule == "cosine":
            ignored |= {"optim.lr_step", "optim.lr_step_unit", "optim.lr_gamma"}
        out = []
        mine, theirs = self.to_dict(), wanted.to_dict()
        for section, values in theirs.items():
            if not isinstance(values, dict):  # the format version
                if mine[section] != values:
                    out.append(f"{section}: {mine[section]!r} != {values!r}")
                continue
            for key, value in values.items():
                name = f"{section}.{key}"
                if name in ignored or (name in filled and not value):
                    continue
                if mine[section].get(key) != value:
                    out.append(f"{name}: {mine[section].get(key)!r} != {value!r}")
        return out

    def replace(self, **sections: Any) -> TrainConfig:
        """Copy with some sections' fields replaced, e.g. ``replace(run={"seed": 1})``."""
        updates = {}
        for name, values in sections.items():
            current = getattr(self, name)
            if isinstance(values, dict):
                updates[name] = dataclasses.replace(current, **values)
            else:
                updates[name] = values
        return dataclasses.replace(self, **updates)


def _build(cls: type, data: Any, where: str) -> Any:
    """Recursively build dataclass ``cls`` from a dict, with readable errors."""
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected an object, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {unknown}; known: {sorted(names)}")
    kwargs = {}
    for key, value in data.items():
        kwargs[key] = _coerce(hints[key], value, f"{where}.{key}")
    return cls(**kwargs)


def _coerce(tp: Any, value: Any, where: str) -> Any:
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _build(tp, value, where)
    origin = typing.get_origin(tp)
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise ValueError(f"{where}: expected a list, got {value!r}")
        return tuple(str(v) for v in value)
    if tp is bool:
        if not isinstance(value, bool):
            raise ValueError(f"{where}: expected true/false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{where}: expected an integer, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ValueError(f"{where}: expected a string, got {value!r}")
        return value
    return value


def model_preset(preset: str, **overrides: Any) -> ModelConfig:
    """The model of a preset, with optional field overrides.

    ``paper``: 1-layer BiGRU of 30 units per direction, one-FC heads of 60, a GRU-60 + MLP
    classifier, 75% of the frames masked (150 of 200), no temperature.
    ``official`` (the authors' released code): 2-layer BiGRU of 300 per direction, MLP heads
    600 -> 2048 -> out, temperature 0.9, the last 30% of valid frames masked, a linear
    classifier on time-averaged features.

    Raises:
        ValueError: If the preset is unknown.
    """
    if preset == "paper":
        base = ModelConfig(preset="paper")
    elif preset == "official":
        base = ModelConfig(
            preset="official",
            hidden=300,
            layers=2,
            head_dim=2048,
            head_layers=2,
            proj_dim=128,
            decoder_hidden=600,
            classifier="linear",
            classifier_hidden=600,
            temperature=0.9,
            mask_ratio=0.3,
            noise_std=0.05,
        )
    else:
        raise ValueError(f"unknown preset {preset!r}; known: {list(PRESETS)}")
    if overrides.get("encoder") == "gcn":
        # The preset's hidden / layers size a GRU; the graph encoder's light preset
        # (6 blocks of 32-64-128 channels) unless the caller sizes it.
        base = dataclasses.replace(base, hidden=GCN_HIDDEN, layers=GCN_BLOCKS)
    return dataclasses.replace(base, **overrides)


GCN_HIDDEN = 32
"""Default channels of the graph encoder's first blocks (``ModelConfig.hidden``)."""
GCN_BLOCKS = 6
"""Default blocks of the graph encoder (``ModelConfig.layers``): with
:data:`GCN_HIDDEN`, 32-32-64-64-128-128 channels, sized for a 2-core CPU."""


def optim_preset(preset: str, **overrides: Any) -> OptimConfig:
    """The optimiser schedule of a preset (paper: Adam 0.01, x0.1 every 100 iterations
    down to 1e-4, batch 32; official: Adam 1e-3, x0.1 every 30 epochs).

    Raises:
        ValueError: If the preset is unknown.
    """
    if preset == "paper":
        base = OptimConfig()
    elif preset == "official":
        base = OptimConfig(lr=1e-3, lr_step=30, lr_step_unit="epoch", min_lr=0.0)
    else:
        raise ValueError(f"unknown preset {preset!r}; known: {list(PRESETS)}")
    return dataclasses.replace(base, **overrides)


def make_config(
    *,
    dataset: str = "nw-ucla",
    root: str = "",
    protocol: str = "",
    strategy: str = "scratch",
    preset: str = DEFAULT_PRESET,
    data: dict[str, Any] | None = None,
    model: dict[str, Any] | None = None,
    optim: dict[str, Any] | None = None,
    run: dict[str, Any] | None = None,
    strategy_options: dict[str, Any] | None = None,
) -> TrainConfig:
    """Build a validated config from a preset plus overrides (what ``ms2l train`` does).

    Args:
        dataset: Dataset name.
        root: Dataset folder or archive.
        protocol: Evaluation protocol; ``""`` = the dataset's first
            (:data:`core.datasets.splits.PROTOCOLS`: ``xview`` for NW-UCLA, ``xsub``
            for NTU and PKU-MMD, ``recording`` for a custom dataset), as ``ms2l data
            info`` and the GUI take it.
        strategy: One of :data:`STRATEGIES`.
        preset: One of :data:`PRESETS`; sets model and optimiser defaults.
        data: Overrides of :class:`DataConfig` fields (``augment`` may be a dict).
        model: Overrides of :class:`ModelConfig` fields.
        optim: Overrides of :class:`OptimConfig` fields.
        run: Overrides of :class:`RunConfig` fields.
        strategy_options: Overrides of :class:`StrategyConfig` fields other than ``name``.

    Returns:
        The config.

    Raises:
        ValueError: On an unknown strategy, preset, task or field, or inconsistent values.
    """
    if not protocol:
        from core.datasets.splits import PROTOCOLS

        protocol = PROTOCOLS.get(dataset, ("xview",))[0]
    data = dict(data or {})
    if isinstance(data.get("augment"), dict):
        data["augment"] = AugmentConfig(**data["augment"])
    strategy_options = dict(strategy_options or {})
    if "tasks" in strategy_options:
        strategy_options["tasks"] = tuple(strategy_options["tasks"])
    try:
        cfg = TrainConfig(
            data=DataConfig(dataset=dataset, root=str(root), protocol=protocol, **data),
            model=model_preset(preset, **(model or {})),
            optim=optim_preset(preset, **(optim or {})),
            run=RunConfig(**(run or {})),
            strategy=StrategyConfig(name=strategy, **strategy_options),
        )
    except TypeError as exc:  # an unknown keyword in one of the overrides
        raise ValueError(str(exc)) from None
    validate(cfg)
    return cfg


def validate(cfg: TrainConfig) -> None:
    """Check values that do not depend on the data (the loop checks the rest).

    Raises:
        ValueError: Naming the bad field and the allowed values.
    """
    from core.datasets.splits import PROTOCOLS

    known = PROTOCOLS.get(cfg.data.dataset)
    if known is not None and cfg.data.protocol not in known:
        raise ValueError(
            f"{cfg.data.dataset} has no protocol {cfg.data.protocol!r}; known: "
            + ", ".join(known)
        )
    s = cfg.strategy
    if s.name not in STRATEGIES:
        raise ValueError(f"unknown strategy {s.name!r}; known: {list(STRATEGIES)}")
    bad = [t for t in s.tasks if t not in TASKS]
    if bad:
        raise ValueError(f"unknown task(s) {bad}; known: {list(TASKS)}")
    if s.name in USES_SSL and not s.tasks:
        raise ValueError(f"strategy {s.name!r} needs at least one self-supervised task")
    if s.name in NEEDS_INIT and not s.init_from:
        raise ValueError(
            f"strategy {s.name!r} starts from a pretrained encoder: give init_from "
            "(--init-from RUN, a 'pretrain' run folder)"
        )
    if (
        s.name == "semi"
        and not 0 < cfg.data.label_fraction < 1
        and not cfg.data.labels_per_class
    ):
        raise ValueError(
            "strategy 'semi' needs a label fraction in (0, 1), e.g. 0.01 or 0.1, "
            "or labels per class"
        )
    if cfg.data.labels_per_class < 0:
        raise ValueError(
            f"labels_per_class must be >= 0, got {cfg.data.labels_per_class}"
        )
    if cfg.data.pseudo_per_class < 0:
        raise ValueError(
            f"pseudo_per_class must be >= 0, got {cfg.data.pseudo_per_class}"
        )
    if bool(cfg.data.pseudo_labels_from) != bool(cfg.data.pseudo_per_class):
        raise ValueError(
            "self-training needs both the teacher run and the clips per class it "
            "labels (--pseudo-labels RUN --pseudo-per-class N)"
        )
    if cfg.data.pseudo_labels_from and s.name not in USES_CLS:
        raise ValueError(
            f"--pseudo-labels: strategy {s.name!r} trains no classifier, labels are "
            "of no use to it"
        )
    if len(cfg.data.pseudo_clips) != len(cfg.data.pseudo_actions):
        raise ValueError("pseudo_clips and pseudo_actions must have the same length")
    if cfg.data.labels_per_class and cfg.data.label_fraction < 1:
        raise ValueError("give either labels_per_class or label_fraction, not both")
    if not 0 <= cfg.data.val_fraction < 1:
        raise ValueError(f"val_fraction must be in [0, 1), got {cfg.data.val_fraction}")
    if not 0 < cfg.data.label_fraction <= 1:
        raise ValueError(
            f"label_fraction must be in (0, 1], got {cfg.data.label_fraction}"
        )
    if cfg.model.preset not in PRESETS:
        raise ValueError(f"unknown preset {cfg.model.preset!r}; known: {list(PRESETS)}")
    if cfg.model.classifier not in ("gru", "linear"):
        raise ValueError(
            f"classifier must be 'gru' or 'linear', got {cfg.model.classifier!r}"
        )
    if cfg.data.time_mode not in ("resample", "pad"):
        raise ValueError(
            f"time_mode must be 'resample' or 'pad', got {cfg.data.time_mode!r}"
        )
    if cfg.data.joints not in ("sensor", "shared"):
        raise ValueError(
            f"joints must be 'sensor' or 'shared', got {cfg.data.joints!r}"
        )
    if cfg.data.root_motion not in ("keep", "remove", "height"):
        raise ValueError(
            "root_motion must be 'keep', 'remove' or 'height', got "
            f"{cfg.data.root_motion!r}"
        )
    if not 0.0 <= cfg.data.augment.mirror <= 1.0:
        raise ValueError(
            f"augment mirror is a probability in [0, 1], got {cfg.data.augment.mirror}"
        )
    layout = cfg.data.layout
    if cfg.data.augment.mirror > 0 and layout and not can_mirror(layout):
        raise ValueError(
            f"augment mirror: {layout} clips cannot be mirrored (their centre or "
            "spine joints are not on the body's midline); train on a Kinect layout "
            "(--layout ntu25 or ucla20)"
        )
    if not 0.0 <= cfg.data.depth_weight <= 1.0:
        raise ValueError(f"depth_weight must be in [0, 1], got {cfg.data.depth_weight}")
    if cfg.data.stream not in STREAMS:
        raise ValueError(
            f"stream must be one of {', '.join(STREAMS)}, got {cfg.data.stream!r}"
        )
    if cfg.data.stream == "bone" and layout and not has_bone_tree(layout):
        raise ValueError(
            f"stream bone: the {layout} layout's bones are not a tree, so it has no "
            "bone stream; train on a Kinect layout (--layout ntu25 or ucla20)"
        )
    if cfg.optim.lr_step_unit not in ("iter", "epoch"):
        raise ValueError(
            f"lr_step_unit must be 'iter' or 'epoch', got {cfg.optim.lr_step_unit!r}"
        )
    if cfg.optim.lr_schedule not in ("step", "cosine"):
        raise ValueError(
            f"lr_schedule must be 'step' or 'cosine', got {cfg.optim.lr_schedule!r}"
        )
    if cfg.model.jigsaw_feature not in ("last", "mean"):
        raise ValueError(
            f"jigsaw_feature must be 'last' or 'mean', got {cfg.model.jigsaw_feature!r}"
        )
    if cfg.model.contrastive_positive not in ("others", "all"):
        raise ValueError(
            "contrastive_positive must be 'others' or 'all', got "
            f"{cfg.model.contrastive_positive!r}"
        )
    if cfg.run.select not in ("best", "last"):
        raise ValueError(f"select must be 'best' or 'last', got {cfg.run.select!r}")
    if cfg.data.frames < 2 * cfg.model.jigsaw_segments:
        raise ValueError(
            f"frames must be >= {2 * cfg.model.jigsaw_segments}, got {cfg.data.frames}"
        )
    if cfg.data.frames > MAX_FRAMES:
        # 100 000 000 frames ran the machine out of memory (a trial).
        raise ValueError(
            f"frames must be <= {MAX_FRAMES} (the paper's windows are 200 frames), "
            f"got {cfg.data.frames}"
        )
    if not 0 < cfg.model.mask_ratio < 1:
        raise ValueError(f"mask_ratio must be in (0, 1), got {cfg.model.mask_ratio}")
    for name, value in (
        ("epochs", cfg.optim.epochs),
        ("batch_size", cfg.optim.batch_size),
        ("hidden", cfg.model.hidden),
        ("layers", cfg.model.layers),
        ("head_dim", cfg.model.head_dim),
        ("proj_dim", cfg.model.proj_dim),
        ("decoder_hidden", cfg.model.decoder_hidden),
        ("classifier_hidden", cfg.model.classifier_hidden),
        ("eval_every", cfg.run.eval_every),
    ):
        if value < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")
    for name, value in (
        ("threads", cfg.run.threads),
        ("max_clips", cfg.data.max_clips),
        ("num_bodies", cfg.data.num_bodies),
        ("lr_step", cfg.optim.lr_step),
        ("moving_epochs", cfg.strategy.moving_epochs),
        ("seed", cfg.run.seed),
    ):
        if value < 0:
            zero = f" (0 = {_ZERO_MEANS[name]})" if name in _ZERO_MEANS else ""
            raise ValueError(f"{name} must be >= 0{zero}, got {value}")
    # Real numbers: NaN fails every comparison, so each test is written to fail on it.
    for name, real, ok, allowed in (
        ("lr", cfg.optim.lr, cfg.optim.lr > 0, "> 0"),
        ("temperature", cfg.model.temperature, cfg.model.temperature > 0, "> 0"),
        ("weight_decay", cfg.optim.weight_decay, cfg.optim.weight_decay >= 0, ">= 0"),
        ("lr_gamma", cfg.optim.lr_gamma, 0 < cfg.optim.lr_gamma <= 1, "in (0, 1]"),
        ("min_lr", cfg.optim.min_lr, cfg.optim.min_lr >= 0, ">= 0"),
        (
            "encoder_lr_scale",
            cfg.optim.encoder_lr_scale,
            0 < cfg.optim.encoder_lr_scale <= 1,
            "in (0, 1]",
        ),
        ("grad_clip", cfg.optim.grad_clip, cfg.optim.grad_clip >= 0, ">= 0"),
        ("omega", cfg.strategy.omega, cfg.strategy.omega >= 0, ">= 0"),
        ("noise_std", cfg.model.noise_std, cfg.model.noise_std >= 0, ">= 0"),
        ("dropout", cfg.model.dropout, 0 <= cfg.model.dropout < 1, "in [0, 1)"),
        (
            "pretext_rotate",
            cfg.model.pretext_rotate,
            cfg.model.pretext_rotate >= 0,
            ">= 0",
        ),
        (
            "pretext_shear",
            cfg.model.pretext_shear,
            0 <= cfg.model.pretext_shear < 1,
            "in [0, 1)",
        ),
    ):
        if not ok or not math.isfinite(real):
            raise ValueError(f"{name} must be a finite number {allowed}, got {real}")


# What 0 means for the settings that allow it (for the error message).
_ZERO_MEANS = {
    "threads": "torch's default",
    "max_clips": "all",
    "num_bodies": "the dataset's",
    "lr_step": "constant",
    "moving_epochs": "no ramp",
}
