"""The run-folder contract: file names, atomic writes, config/labels/weights I/O.

A run folder holds ``config.json`` (the full :class:`TrainConfig`, layout included),
``labels.json`` (class names), ``weights.pt`` (the model's state dict, best or last by the
run's selection rule), ``last.pt`` (everything needed to resume), ``metrics.jsonl`` and,
after evaluation, ``eval.json``. Every file is written to a temporary name and moved into
place with :func:`os.replace`, so a killed process never leaves half a checkpoint. Loading
uses ``torch.load(weights_only=True)``: a checkpoint cannot run code.
"""

from __future__ import annotations

import json
import os
import shlex
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.config import ModelConfig, TrainConfig
from core.fileio import atomic_path, atomic_write_text
from core.labels import load_class_table, parse_class_table
from core.paths import CHECKPOINTS_DIR
from core.skeleton import LAYOUTS, SkeletonLayout, get_layout

if TYPE_CHECKING:
    import torch
    from torch import nn

# torch (and the models built on it) are imported inside the functions that need them:
# the GUI asks "is this a run folder?" while it builds its panels, and importing torch
# there would double the window's start-up time.

CONFIG = "config.json"
LABELS = "labels.json"
WEIGHTS = "weights.pt"
LAST = "last.pt"
# The metadata key of an ONNX export that names the run folder it was exported from
# (an exported file holds the network only: classes and preprocessing are the run's).
ONNX_ORIGIN_KEY = "ms2l.run"
METRICS = "metrics.jsonl"
EVAL = "eval.json"
MODEL_CARD = "MODEL_CARD.md"  # beside a shipped model's weights


def remove_evaluations(run_dir: str | os.PathLike[str]) -> list[str]:
    """Delete the evaluation reports in a run folder whose weights are about to change
    (``eval.json``, ``eval-<split or fused>.json``, ``confusion*.csv/png``), so that no
    figure of the earlier weights passes for the new ones.

    Returns:
        The names removed, sorted.
    """
    folder = Path(run_dir)
    removed = []
    for pattern in ("eval.json", "eval-*.json", "confusion.*", "confusion-*.*"):
        for path in folder.glob(pattern):
            if path.suffix in (".json", ".csv", ".png") and path.is_file():
                path.unlink(missing_ok=True)
                removed.append(path.name)
    return sorted(removed)


def weights_stamp(run_dir: str | os.PathLike[str]) -> tuple[int, int] | None:
    """What tells one save of a run's weights from the next: ``(mtime_ns, size)`` of
    its ``weights.pt`` (``None`` when it has none)."""
    try:
        st = (Path(run_dir) / WEIGHTS).stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def atomic_save(obj: Any, path: str | os.PathLike[str]) -> Path:
    """``torch.save`` through :func:`core.fileio.atomic_path`.

    Args:
        obj: What to save (a state dict, or a dict of them).
        path: The destination file.

    Returns:
        The path written.
    """
    import torch

    path = Path(path)
    with atomic_path(path) as tmp:
        torch.save(obj, tmp)
    return path


def is_run_dir(path: str | os.PathLike[str] | None) -> bool:
    """Whether ``path`` is a run folder (it holds a ``config.json``).

    Args:
        path: A folder, or ``None``.

    Returns:
        ``True`` for a folder with a config file.
    """
    return path is not None and (Path(path) / CONFIG).is_file()


def shipped_model_dir() -> Path | None:
    """The run folder of the default model shipped with the app, or ``None``.

    Returns:
        The first run folder (by name) under ``resources/checkpoints``.
    """
    found = shipped_models()
    return found[0] if found else None


def shipped_models() -> list[Path]:
    """Every model shipped with the app, the default first.

    Returns:
        The run folders under ``resources/checkpoints``, sorted by name.
    """
    return find_runs(CHECKPOINTS_DIR)


def named_run(path: str | os.PathLike[str]) -> Path:
    """A run folder, where a shipped model may be named from any folder.

    ``nw-ucla-ms2l-gcn`` or ``resources/checkpoints/nw-ucla-ms2l-gcn`` (the README's
    spelling, which otherwise works only from the project's folder) name the shipped
    model of that name when no such path exists here, in Python as on the command line
    (``Predictor.from_run("nw-ucla-ms2l")`` read "run folder not found": a trial).

    Returns:
        The shipped model's folder, or ``path`` as given (``~`` expanded) for the
        caller to check.
    """
    given = Path(path).expanduser()
    if given.exists():
        return given
    parts = given.parts
    if len(parts) == 1 or (
        len(parts) == 3 and parts[:2] == ("resources", "checkpoints")
    ):
        shipped = CHECKPOINTS_DIR / parts[-1]
        if (shipped / CONFIG).is_file():
            return shipped
    return given


def in_shipped_folder(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` lies in the shipped models' folder, which stays as the app
    came (nothing is written there: a file in it would change or become a shipped
    model).

    Another checkout's shipped models count too: a clone run with this install's
    ``ms2l`` had ``ms2l eval resources/checkpoints/...`` rewrite its tracked files
    (a trial). A folder ``resources/checkpoints/<name>`` holding a ``MODEL_CARD.md``
    is taken for one.
    """
    resolved = Path(path).expanduser().resolve()
    if resolved.is_relative_to(CHECKPOINTS_DIR.resolve()):
        return True
    return any(
        folder.parent.name == CHECKPOINTS_DIR.name
        and folder.parent.parent.name == CHECKPOINTS_DIR.parent.name
        and (folder / MODEL_CARD).is_file()
        for folder in (resolved, *resolved.parents)
    )


_ENCODER_TITLES = {"bigru": "BiGRU encoder", "gcn": "graph encoder"}


def encoder_title(name: str) -> str:
    """How the GUI names an encoder of ``models.encoders.ENCODERS``."""
    return _ENCODER_TITLES.get(name, f"{name} encoder")


def find_runs(folder: str | os.PathLike[str]) -> list[Path]:
    """The run folders directly inside ``folder``, sorted by name.

    Args:
        folder: A folder of runs (e.g. ``~/ms2l-runs``); a missing one has none.

    Returns:
        The run folders.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if is_run_dir(p))


# torch's "Detected pickle protocol 4 … please file an issue" came before the error
# naming a plain-pickle file (a trial): the error says what matters. A filter for the
# process, not catch_warnings around the load: that one restores every filter when
# it ends, undoing another thread's (an ONNX export's TracerWarning filter, while a
# model loaded beside it).
warnings.filterwarnings(
    "ignore", message="Detected pickle protocol", category=UserWarning
)


def safe_load(path: str | os.PathLike[str]) -> Any:
    """Load a checkpoint file with ``weights_only=True`` onto the CPU.

    Raises:
        FileNotFoundError: If the file is missing.
        ValueError: Naming the file, if it is truncated, corrupt or not a checkpoint.
    """
    import torch

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: checkpoint file not found")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for damaged files
        raise ValueError(f"{path}: {_why_unreadable(path, exc)}") from None


def _why_unreadable(path: Path, exc: Exception) -> str:
    """One line on why ``torch.load`` failed (its own messages run to many lines and,
    for a damaged file, advise loading without ``weights_only``, which is never done)."""
    if path.stat().st_size == 0:
        return "corrupt checkpoint (empty file)"
    text = str(exc).strip()
    if "Weights only load failed" in text or "pickle" in type(exc).__name__.lower():
        return (
            "corrupt checkpoint, or not one of weights (it is read with "
            "weights_only=True, which never runs code from the file)"
        )
    first = text.splitlines()[0] if text else type(exc).__name__
    sentence = first.split(". ")[0].rstrip(".")  # torch's advice follows the first
    if len(sentence) > 200:
        sentence = sentence[:199].rsplit(" ", 1)[0] + "…"
    return f"corrupt or unreadable checkpoint ({sentence})"


def save_labels(run_dir: Path, names: list[str], dataset: str) -> None:
    """Write ``labels.json``: the dataset's shipped class table (ids and names) when it
    matches ``names``, otherwise the same form without ids."""
    try:
        table = load_class_table(dataset)
        doc = table.to_json() if list(table.names) == list(names) else None
    except (KeyError, ValueError):
        doc = None
    if doc is None:
        doc = {
            "dataset": dataset,
            "classes": [{"index": i, "name": n} for i, n in enumerate(names)],
        }
    atomic_write_text(run_dir / LABELS, json.dumps(doc, indent=2) + "\n")


def load_labels(run_dir: Path) -> list[str]:
    """Class names from a run's ``labels.json``.

    Args:
        run_dir: The run folder.

    Returns:
        The class names in label order.

    Raises:
        FileNotFoundError: If the file is missing.
        ValueError: If it is not a class table (see :func:`core.labels.parse_class_table`)
            or lists no class.
    """
    path = Path(run_dir) / LABELS
    if not path.is_file():
        raise FileNotFoundError(f"{path}: labels file not found")
    names = list(parse_class_table(path).names)
    if not names:
        raise ValueError(f"{path}: not a class table (no classes)")
    return names


@dataclass(frozen=True)
class RunInfo:
    """What a run folder says about its model.

    Attributes:
        run_dir: The folder.
        config: Its config.
        labels: Class names.
        layout: Layout the model sees.
        num_bodies: Bodies the model sees.
    """

    run_dir: Path
    config: TrainConfig
    labels: list[str]
    layout: str
    num_bodies: int


def read_run(run_dir: str | os.PathLike[str]) -> RunInfo:
    """Read a run folder's config and labels (not its weights).

    Raises:
        FileNotFoundError: If the folder, ``config.json`` or ``labels.json`` is missing.
        ValueError: If either file is corrupt, or the config lacks the resolved layout.
    """
    bare = len(Path(run_dir).parts) == 1  # a name: perhaps a shipped one mistyped
    run_dir = named_run(run_dir)
    if run_dir.is_file():
        if run_dir.suffix.lower() == ".onnx":
            raise FileNotFoundError(_onnx_file_problem(run_dir))
        # the folder beside it, when that is a run (a data file's was suggested: a
        # trial)
        beside = f": {run_dir.parent}" if is_run_dir(run_dir.parent) else ""
        raise FileNotFoundError(
            f"{run_dir}: a file, not a run folder (give the folder that holds "
            f"{CONFIG} and {WEIGHTS}{beside})"
        )
    if not run_dir.is_dir():
        names = ", ".join(p.name for p in shipped_models())
        raise FileNotFoundError(
            f"{run_dir}: run folder not found"
            + (f" (the shipped models are named {names})" if names and bare else "")
        )
    if not (run_dir / CONFIG).exists():
        raise FileNotFoundError(
            f"{run_dir}: not a run folder (no {CONFIG}; a run folder holds {CONFIG} "
            f"and {WEIGHTS})"
        )
    cfg = TrainConfig.load(run_dir / CONFIG)
    labels = load_labels(run_dir)
    if not cfg.data.layout or not cfg.data.num_bodies:
        raise ValueError(
            f"{run_dir / CONFIG}: layout/num_bodies not recorded (unfinished run?)"
        )
    return RunInfo(run_dir, cfg, labels, cfg.data.layout, cfg.data.num_bodies)


def onnx_origin(path: str | os.PathLike[str]) -> Path | None:
    """The run folder an ONNX file says it was exported from (``ms2l export``), or
    ``None`` for a file that names none or cannot be read as ONNX."""
    try:
        import onnx

        model = onnx.load(os.fspath(path), load_external_data=False)
    except Exception:  # onnx raises its own untyped errors on a damaged file
        return None
    for prop in model.metadata_props:
        if prop.key == ONNX_ORIGIN_KEY and prop.value:
            return Path(prop.value)
    return None


def _onnx_file_problem(path: Path) -> str:
    """Why an ``.onnx`` file is not a model to open, and the folder to open instead
    (an export written elsewhere with ``--out`` was given to Live: a trial)."""
    origin = onnx_origin(path)
    where = "the run folder it was exported from"
    if origin is not None and is_run_dir(origin):
        where += f", {origin}"
    elif origin is not None:
        where += f" ({origin}, which is no longer a run folder)"
    return (
        f"{path}: an ONNX export holds the network only, not its classes or "
        f"preprocessing; open {where} (Live and ms2l infer use its ONNX export "
        "themselves)"
    )


def new_model(
    cfg: ModelConfig,
    num_joints: int,
    num_bodies: int,
    num_classes: int,
    channels: int = 3,
    layout: str = "",
) -> nn.Module:
    """A freshly initialised model as a run's config describes it.

    Encoders over the skeleton graph (``cfg.encoder == "gcn"``) get the layout's bones
    from :mod:`core.skeleton`; the layout is the run's ``DataConfig.layout``.

    Args:
        cfg: The run's model settings (``cfg.name`` picks the class in ``models.MODELS``).
        num_joints: Joints ``V`` of the run's layout.
        num_bodies: Bodies ``M``.
        num_classes: Actions ``K``.
        channels: Coordinates per joint ``C``.
        layout: The run's layout name; ``""`` = the only layout with ``num_joints``
            joints.

    Returns:
        The model.

    Raises:
        KeyError: If the model name or the layout is unknown, or no layout has
            ``num_joints`` joints.
        ValueError: If the layout's joint count is not ``num_joints``.
    """
    from models import build_model
    from models.encoders import ENCODERS

    arch = cfg.arch()
    if cfg.encoder in ENCODERS and ENCODERS[cfg.encoder].needs_skeleton:
        arch["edges"] = _layout_for(layout, num_joints).bones
    return build_model(
        cfg.name,
        num_joints=num_joints,
        num_bodies=num_bodies,
        num_classes=num_classes,
        channels=channels,
        **arch,
    )


def load_model(info: RunInfo) -> nn.Module:
    """The model of a read run folder with its saved weights (in training mode).

    Raises:
        FileNotFoundError: If the weights file is missing.
        ValueError: If it is corrupt or does not fit the config (see
            :func:`load_state_into`).
    """
    model = new_model(
        info.config.model,
        get_layout(info.layout).num_joints,
        info.num_bodies,
        len(info.labels),
        layout=info.layout,
    )
    weights = require_weights(info.run_dir)
    try:
        load_state_into(model, safe_load(weights), weights)
    except ValueError as exc:
        if "class count mismatch" not in str(exc):
            raise
        # The model's classes are labels.json's: say which file disagrees with the
        # weights (only the weights were named: a trial).
        raise ValueError(
            f"{exc} ({LABELS} lists {len(info.labels)} classes: it does not belong to "
            "these weights)"
        ) from None
    return model


def require_weights(run_dir: Path) -> Path:
    """``run_dir``'s weights file.

    Raises:
        FileNotFoundError: If it has none, saying what that means: a run cancelled (or
            killed) before its first epoch ended ("weights.pt: checkpoint file not
            found" read as a broken install).
    """
    weights = run_dir / WEIGHTS
    if not weights.is_file():
        raise FileNotFoundError(
            f"{run_dir}: no {WEIGHTS}: the run never finished an epoch"
            + (
                f" (resume it: ms2l train --resume {shlex.quote(str(run_dir))})"
                if (run_dir / LAST).is_file()
                else " (train it again)"
            )
        )
    return weights


def other_encoder(theirs: Iterable[str], ours: Iterable[str]) -> str:
    """``"the weights are of a graph (gcn) encoder, this model's is a BiGRU one"``
    when two state dicts' keys are of different encoder families, else ``""`` (named
    by family, not by lists of weight names: a trial)."""
    a, b = encoder_kind(theirs), encoder_kind(ours)
    if a and b and a != b:
        return f"the weights are of a {a} encoder, this model's is a {b} one"
    return ""


def _layout_for(name: str, num_joints: int) -> SkeletonLayout:
    """The named layout (checked against ``num_joints``), or the one with that count."""
    if name:
        lay = get_layout(name)
        if lay.num_joints != num_joints:
            raise ValueError(
                f"layout {name!r} has {lay.num_joints} joints, the model {num_joints}"
            )
        return lay
    found = [lay for lay in LAYOUTS.values() if lay.num_joints == num_joints]
    if len(found) != 1:
        raise KeyError(
            f"no single layout has {num_joints} joints; give the layout by name"
        )
    return found[0]


def load_state_into(
    model: nn.Module, state: dict[str, torch.Tensor], source: Path
) -> None:
    """Load a full state dict, turning shape mismatches into a clear error.

    Raises:
        ValueError: Naming ``source`` and what does not match (input size = joints x
            bodies x coordinates, class count, or architecture).
    """
    if not isinstance(state, dict):
        raise ValueError(f"{source}: not a state dict")
    own = model.state_dict()
    encoder = getattr(model, "encoder", None)
    inputs = {f"encoder.{k}" for k in getattr(encoder, "input_weights", ())}
    missing = sorted(set(own) - set(state))
    extra = sorted(set(state) - set(own))
    if missing or extra:
        if family := other_encoder(state, own):
            raise ValueError(
                f"{source}: {family} (as config.json describes it): the file belongs "
                "to another run folder"
            )
        raise ValueError(
            f"{source}: weights do not fit this model: the file lacks "
            f"{len(missing)} of its weights ({', '.join(missing[:2]) or '-'}) and "
            f"holds {len(extra)} others ({', '.join(extra[:2]) or '-'}): it was saved "
            "with another preset, number of layers or encoder than config.json "
            "describes"
        )
    for key, value in state.items():
        if own[key].shape != value.shape:
            raise ValueError(
                f"{source}: "
                f"{_mismatch(key, tuple(value.shape), tuple(own[key].shape), inputs)}"
            )
    model.load_state_dict(state)


def encoder_kind(names: Iterable[str]) -> str:
    """``"BiGRU"`` or ``"graph (gcn)"`` by the names of a state dict's encoder
    weights (its keys), ``""`` when neither."""
    names = list(names)
    if any(k.startswith(("encoder.fwd.", "encoder.bwd.")) for k in names):
        return "BiGRU"
    if any(k.startswith("encoder.blocks.") for k in names):
        return "graph (gcn)"
    return ""


def _mismatch(
    key: str, got: tuple[int, ...], want: tuple[int, ...], inputs: set[str]
) -> str:
    if key in inputs and len(got) > 1 and len(want) > 1 and got[1] != want[1]:
        return (
            f"input size mismatch: checkpoint expects {got[1]} numbers per frame "
            f"(bodies x joints x 3), the model has {want[1]} (different layout or bodies)"
        )
    if key.startswith("classifier.") and got[0] != want[0] and len(got) >= 1:
        return f"class count mismatch in {key}: checkpoint {got}, model {want}"
    return (
        f"shape mismatch in {key}: checkpoint {got}, model {want} (the weights are of "
        "another architecture than config.json describes: another hidden size, preset "
        "or encoder)"
    )
