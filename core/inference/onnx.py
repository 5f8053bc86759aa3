"""ONNX export of a trained model, and an onnxruntime backend for the classifier.

:func:`ensure_onnx` writes ``model.onnx`` into a run folder with the legacy TorchScript-based
exporter (``dynamo=False``), which exports the BiGRU as ONNX ``GRU`` nodes and keeps the
batch and time axes dynamic. :class:`OnnxBackend` runs it on the CPU; for the small BiGRU
this is about 20x faster than eager PyTorch (see ``bench/realtime.py``), which is why the
live pipeline prefers it. Input and outputs follow the core -> models boundary: ``x`` is
``(N, T, M, V, C)`` float32, already normalised exactly as in training; the outputs are
logits ``(N, K)`` and the clip's features ``(N, D)`` (what a novelty check reads, so that
the check runs on the ONNX path too). Files exported before the features output give
logits only; they still load, and a run folder's own is replaced by a fresh export.

Files are written atomically with the permissions of an ordinary new file (``0644`` less
the umask). A run folder that cannot be written (a read-only install) gets its export in
the per-user cache instead, ``$MS2L_CACHE/onnx`` or ``~/.cache/ms2l/onnx``, keyed by a hash
of the run's config and weights. An existing ``model.onnx`` that does not reproduce the
weights (stale or corrupt) is never replaced silently: :class:`OnnxModelWarning` says which
file was replaced, or that the cache is used because the run folder is read-only (the
``ms2l`` command prints it as one ``warning:`` line).
"""

from __future__ import annotations

import errno
import hashlib
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import torch
from torch import nn

from core import runs
from core.datasets.cache import default_cache_dir
from core.fileio import atomic_path, temporary_path
from core.tempfiles import remove_stale

ONNX_FILE = "model.onnx"
INPUT_NAME = "x"
OUTPUT_NAME = "logits"
FEATURES_NAME = "features"
OPSET = 17
# Errors meaning "this folder cannot be written", as opposed to a bad path.
_READ_ONLY_ERRNOS = (errno.EACCES, errno.EPERM, errno.EROFS)


class OnnxModelWarning(UserWarning):
    """An existing ONNX file did not match its run and was not used as is."""


@runtime_checkable
class ExportableModel(Protocol):
    """What :func:`ensure_onnx` needs of a model (``models.ms2l.MS2L`` has it)."""

    num_joints: int
    channels: int

    def export_module(self) -> nn.Module:
        """A module mapping ``x (N, T, M, V, C)`` to logits ``(N, K)`` and features
        ``(N, D)``."""
        ...


def exportable(model: nn.Module) -> ExportableModel:
    """``model`` as an :class:`ExportableModel`, checked at run time.

    Raises:
        TypeError: If the model lacks ``export_module``, ``num_joints`` or ``channels``.
    """
    if not isinstance(model, ExportableModel):
        raise TypeError(f"{type(model).__name__} cannot be exported to ONNX")
    return model


def export_module(
    module: nn.Module, out: Path, example: np.ndarray, opset: int = OPSET
) -> Path:
    """Export a ``forward(x (N, T, M, V, C)) -> (logits (N, K), features (N, D))``
    module to ONNX atomically.

    Args:
        module: A module (e.g. ``MS2L.export_module()``), in eval mode. When it has a
            true ``takes_fewer_bodies`` (a graph encoder), the body axis is dynamic too.
        out: Destination ``.onnx`` path.
        example: Example input ``(N, T, M, V, C)`` float32 used for tracing.
        opset: ONNX opset version.

    Returns:
        The written path.
    """
    out = Path(out)
    axes = {0: "batch", 1: "time"}
    if getattr(module, "takes_fewer_bodies", False):
        axes[2] = "bodies"
    with atomic_path(out) as tmp:
        # Created with mode 0644 (less the umask), unlike mkstemp's 0600, so the model
        # is readable by whoever may read the run folder; the exporter writes into it.
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        with torch.no_grad(), warnings.catch_warnings():
            # The legacy exporter warns that GRUs with batch_first need a transpose and
            # that it is deprecated; both are expected and harmless here.
            warnings.simplefilter("ignore")
            torch.onnx.export(
                module,
                (torch.from_numpy(np.ascontiguousarray(example, np.float32)),),
                str(tmp),
                input_names=[INPUT_NAME],
                output_names=[OUTPUT_NAME, FEATURES_NAME],
                dynamic_axes={
                    INPUT_NAME: axes,
                    OUTPUT_NAME: {0: "batch"},
                    FEATURES_NAME: {0: "batch"},
                },
                opset_version=opset,
                dynamo=False,
            )
    return out


def _torch_outputs(module: nn.Module, x: np.ndarray) -> list[np.ndarray]:
    with torch.no_grad():
        return [t.float().cpu().numpy() for t in module(torch.from_numpy(x))]


def _matches_torch(
    module: nn.Module, path: Path, example_shape: tuple[int, ...]
) -> bool:
    """Whether the ONNX file at ``path`` reproduces ``module``'s logits and features
    to 1e-4 (a file without the features output does not).

    The probe batch differs in size and length from the traced example, so a model
    exported without dynamic axes fails too; a module that takes fewer bodies is also
    probed with one body.
    """
    rng = np.random.default_rng(1)
    shape = (3, max(2, example_shape[1] // 2)) + tuple(example_shape[2:])
    probes = [rng.normal(size=shape).astype(np.float32)]
    if getattr(module, "takes_fewer_bodies", False) and shape[2] > 1:
        probes.append(probes[0][:, :, :1].copy())
    try:
        backend = OnnxBackend(path)
        if not backend.has_features:
            return False
        for probe in probes:
            for want, got in zip(
                _torch_outputs(module, probe), backend.classify(probe), strict=True
            ):
                if got.shape != want.shape or not np.allclose(
                    got, want, atol=1e-4, rtol=1e-4
                ):
                    return False
    except ValueError:
        return False
    return True


def cached_onnx_path(run_dir: str | os.PathLike[str]) -> Path:
    """Where the ONNX export of a run goes when its folder cannot be written.

    Args:
        run_dir: A run folder (``config.json``, ``weights.pt``).

    Returns:
        ``<cache>/onnx/<hash>.onnx``, with ``<cache>`` = ``$MS2L_CACHE`` or
        ``~/.cache/ms2l`` and ``<hash>`` covering the config, the weights and the opset
        (so retrained weights never reuse an old export).

    Raises:
        FileNotFoundError: If ``config.json`` or ``weights.pt`` is missing.
    """
    run_dir = Path(run_dir)
    digest = hashlib.sha256(f"opset{OPSET}".encode())
    for name in (runs.CONFIG, runs.WEIGHTS):
        digest.update((run_dir / name).read_bytes())
    return default_cache_dir() / "onnx" / f"{digest.hexdigest()[:20]}.onnx"


def _export_verified(
    module: nn.Module, target: Path, shape: tuple[int, ...], run_dir: Path
) -> None:
    """Export, check against torch, and only then move the file to ``target``."""
    example = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    remove_stale(target.parent, {target.name})  # left by a killed export
    staged = temporary_path(target)
    try:
        export_module(module, staged, example)
        _stamp_origin(staged, run_dir)
        if not _matches_torch(module, staged, shape):
            raise ValueError(
                f"ONNX export of {run_dir} does not reproduce torch to 1e-4"
            )
        os.replace(staged, target)
    finally:
        staged.unlink(missing_ok=True)


def _stamp_origin(path: Path, run_dir: Path) -> None:
    """Name the run folder in the file's metadata (:data:`core.runs.ONNX_ORIGIN_KEY`),
    so that a copy given where a run folder is expected can say which one."""
    import onnx

    model = onnx.load(str(path))
    entry = model.metadata_props.add()
    entry.key = runs.ONNX_ORIGIN_KEY
    entry.value = str(run_dir.resolve())
    onnx.save(model, str(path))


def _example_shape(
    model: ExportableModel, frames: int, num_bodies: int
) -> tuple[int, ...]:
    """The input an export is traced with (a batch of 2) and checked against."""
    return (2, frames, num_bodies, model.num_joints, model.channels)


def reproduces(
    model: ExportableModel, path: str | os.PathLike[str], frames: int, num_bodies: int
) -> bool:
    """Whether the ONNX file at ``path`` reproduces ``model`` (as :func:`ensure_onnx`
    checks a file before reusing it); writes nothing."""
    shape = _example_shape(model, frames, num_bodies)
    return Path(path).is_file() and _matches_torch(
        model.export_module().eval(), Path(path), shape
    )


def ensure_onnx(
    run_dir: str | os.PathLike[str],
    model: ExportableModel,
    frames: int,
    num_bodies: int,
    out: str | os.PathLike[str] | None = None,
    force: bool = False,
    say: Callable[[str], None] | None = None,
) -> Path:
    """Export a run's classifier (``model.export_module()``) to ONNX, verified.

    onnxruntime must reproduce the torch logits and features to 1e-4 on a batch whose
    size and length differ from the traced example; the file is only put in place if it
    does.
    Without ``out``, a run folder that cannot be written (read-only install) gets its
    export in :func:`cached_onnx_path` instead, reused there on later calls.

    Args:
        run_dir: The run folder the model was loaded from.
        model: The run's model with its weights loaded.
        frames: Frames ``T`` of the example input.
        num_bodies: Bodies ``M`` of the model's input.
        out: Destination; defaults to ``<run_dir>/model.onnx``.
        force: Export even if ``out`` already holds a model that reproduces the
            run's torch outputs. By default such a file is reused untouched (so loading
            a shipped model with the ONNX backend writes nothing), and a file that
            does not reproduce them (stale, corrupt, or exported before the features
            output) is replaced with an :class:`OnnxModelWarning` naming it.
        say: Receives that message instead of the warning (the warnings machinery is
            process-wide, so a worker thread passes its own sink).

    Returns:
        Path of the ``.onnx`` file that reproduces the run's torch logits.

    Raises:
        ValueError: If the exported model does not reproduce the torch logits.
        OSError: If neither the destination nor (without ``out``) the cache can be
            written.
    """
    run_dir = Path(run_dir)
    target = Path(out) if out is not None else run_dir / ONNX_FILE
    module = model.export_module().eval()

    def tell(message: str) -> None:
        if say is not None:
            say(message)
        else:
            warnings.warn(message, OnnxModelWarning, stacklevel=3)

    shape = _example_shape(model, frames, num_bodies)
    stale = False
    if not force and target.is_file():
        if _matches_torch(module, target, shape):
            return target
        stale = True
    try:
        _export_verified(module, target, shape, run_dir)
    except OSError as exc:
        if out is not None or exc.errno not in _READ_ONLY_ERRNOS:
            raise
    else:
        if stale:
            tell(
                f"{target}: did not reproduce {run_dir}'s weights (stale, corrupt, or "
                "exported before the features output); replaced it with a fresh export"
            )
        return target
    # The run folder is read-only: use (or fill) the per-user cache.
    cached = cached_onnx_path(run_dir)
    if stale:
        tell(
            f"{target}: does not reproduce {run_dir}'s weights (stale, corrupt, or "
            f"exported before the features output) and the folder is read-only; using "
            f"{cached} instead"
        )
    if not (cached.is_file() and _matches_torch(module, cached, shape)):
        _export_verified(module, cached, shape, run_dir)
    return cached


class OnnxBackend:
    """Classifier logits from an exported ``.onnx`` file with onnxruntime on the CPU.

    Args:
        path: The ``.onnx`` file.
        threads: Intra-op threads; 1 suits the small BiGRU and leaves the other cores to
            pose estimation.

    Raises:
        FileNotFoundError: If the file does not exist.
        ValueError: If onnxruntime cannot load it.
    """

    def __init__(self, path: str | os.PathLike[str], threads: int = 1) -> None:
        import onnxruntime as ort

        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"no such ONNX model: {self.path}")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(
                str(self.path), sess_options=opts, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ValueError(f"{self.path}: not a loadable ONNX model ({exc})") from exc
        inp = self._session.get_inputs()[0]
        self.input_name = inp.name
        self.input_shape = tuple(inp.shape)
        names = [o.name for o in self._session.get_outputs()]
        # Exports from before the features output have the logits alone.
        self.has_features = names[:2] == [OUTPUT_NAME, FEATURES_NAME]

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Logits for a batch.

        Args:
            x: ``(N, T, M, V, C)`` float32, normalised as in training.

        Returns:
            ``(N, K)`` float32 logits.

        Raises:
            ValueError: If ``x`` is not 5-D or does not match the model's ``M, V, C``.
        """
        return self._run(x, [OUTPUT_NAME])[0]

    def classify(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Logits ``(N, K)`` and features ``(N, D)`` for a batch (as
        :meth:`models.ms2l.MS2L.classify` on full-length clips).

        Raises:
            ValueError: As :meth:`logits`, or if the file has no features output (an
                export from before it; export again with ``ms2l export RUN --onnx``).
        """
        if not self.has_features:
            raise ValueError(
                f"{self.path}: exported without the features output; export it again "
                "(ms2l export RUN --onnx)"
            )
        logits, features = self._run(x, [OUTPUT_NAME, FEATURES_NAME])
        return logits, features

    def _run(self, x: np.ndarray, outputs: list[str]) -> list[np.ndarray]:
        x = np.ascontiguousarray(x, dtype=np.float32)
        if x.ndim != 5:
            raise ValueError(f"expected input (N, T, M, V, C), got shape {x.shape}")
        fixed = self.input_shape[2:]
        if all(isinstance(d, int) for d in fixed) and tuple(x.shape[2:]) != fixed:
            raise ValueError(
                f"model expects (N, T, {fixed}) input, got shape {x.shape}"
            )
        return list(self._session.run(outputs, {self.input_name: x}))
