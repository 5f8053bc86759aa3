"""Load a trained run folder and classify clips with exactly the training preprocessing.

:class:`Predictor` reads ``config.json``, ``labels.json`` and ``weights.pt`` of a run,
rebuilds the model on the chosen device (or loads its ONNX export for onnxruntime), and
turns raw camera-space clips into class probabilities through the same steps as training:
:func:`core.training.data.prepare_clip` (bodies, normalisation) then
:func:`core.training.data.fit_time` (resample or pad to ``T``). Clips must already be in the
model's layout (``predictor.layout``); the live pipeline converts MediaPipe landmarks first.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch

from core import runs
from core.config import TrainConfig
from core.datasets.base import has_a_skeleton
from core.device import resolve_device
from core.inference.novelty import NOVELTY_FILE, Novelty, temper
from core.inference.novelty import load as load_novelty
from core.inference.onnx import OnnxBackend, ensure_onnx, exportable, reproduces
from core.model_input import fit_time, prepare_clip


class Predictor:
    """A trained model ready to classify clips.

    Attributes:
        run_dir: The run folder it was loaded from.
        config: The run's config.
        labels: Class names in label order.
        layout: Layout the clips must be in.
        num_bodies: Bodies the model sees (extra bodies are dropped, missing ones zero).
        T: Frames the model sees.
        window_seconds: Median duration of the training clips (the live window length).
        device: ``"cpu"``, ``"cuda:0"`` or ``"onnx"``.
        backend: ``"torch"`` or ``"onnx"``.
        backend_note: Why the ``"auto"`` backend is not ONNX on a CPU, or what the ONNX
            export said (a stale file replaced); ``""`` when there is nothing to say.
        novelty: The run's novelty check (``novelty.npz``; :mod:`core.inference.novelty`)
            or ``None``. With a check, :meth:`predict_proba` flattens the probabilities
            of a clip unlike every training clip to uniform (the check reads the
            encoder's features, which the ONNX backend gives too; an ONNX file exported
            before them falls back to torch); set it to ``None`` to switch that off.
            :meth:`logits` never uses it.
    """

    def __init__(
        self,
        run_dir: Path,
        config: TrainConfig,
        labels: list[str],
        model: torch.nn.Module | None,
        device: torch.device,
        onnx: OnnxBackend | None = None,
        novelty: Novelty | None = None,
    ) -> None:
        self.run_dir = run_dir
        self.novelty = novelty
        self.config = config
        self.labels = list(labels)
        self.layout = config.data.layout
        self.num_bodies = config.data.num_bodies
        self.T = config.data.frames
        self.window_seconds = float(config.data.window_seconds)
        self._model = model
        self._onnx = onnx
        self._device = device
        self.backend = "onnx" if onnx is not None else "torch"
        self.backend_note = ""
        self.device = "onnx" if onnx is not None else str(device)

    @classmethod
    def from_run(
        cls,
        run_dir: str | os.PathLike[str],
        device: str = "auto",
        backend: str = "torch",
        novelty: bool = True,
    ) -> Predictor:
        """Load a run folder.

        Args:
            run_dir: Folder with ``config.json``, ``labels.json``, ``weights.pt``, or
                a shipped model's name (``"nw-ucla-ms2l"``, :func:`core.runs.named_run`).
            device: ``"auto"``, ``"cpu"`` or ``"cuda[:i]"`` (CUDA falls back to CPU).
            backend: ``"torch"``, ``"onnx"`` (:mod:`core.inference.onnx`; exports the
                model first when the folder has no up-to-date ``model.onnx``), or
                ``"auto"``: ONNX when the model runs on the CPU (several times faster
                for these small models), torch on CUDA or when the export fails
                (:attr:`backend_note` says why).
            novelty: Load the run's novelty check (``novelty.npz``) when it has one.

        Returns:
            The predictor.

        Raises:
            FileNotFoundError: If the folder or one of its files is missing.
            ValueError: If a file is corrupt (``novelty.npz`` included), the weights do
                not fit the config (layout, input size, class count), the backend is
                unknown, or the run is a ``pretrain`` run (its classifier was never
                trained).
        """
        info = runs.read_run(run_dir)
        cfg = info.config
        refuse_pretraining_run(info.run_dir, cfg)
        if backend not in ("torch", "onnx", "auto"):
            raise ValueError(
                f"unknown backend {backend!r}; use 'torch', 'onnx' or 'auto'"
            )
        dev = resolve_device(device)
        model = runs.load_model(info)
        model.eval().to(dev)
        onnx = None
        note = ""
        if backend == "onnx":
            onnx = _onnx_backend(info.run_dir, model, cfg)
        elif backend == "auto" and dev.type == "cpu":
            said: list[str] = []
            try:
                import onnxruntime  # noqa: F401  (an optional extra: pip install .[onnx])
            except ImportError as exc:
                said.append(f"onnxruntime is not installed, running in torch ({exc})")
            else:
                try:
                    onnx = _onnx_backend(info.run_dir, model, cfg, said.append)
                # the exporter raises RuntimeError on an operator it cannot export
                except (RuntimeError, OSError, ValueError, TypeError) as exc:
                    said.append(f"ONNX export failed, running in torch: {exc}")
            note = "; ".join(said)
        novelty_file = info.run_dir / NOVELTY_FILE
        check = None
        if novelty and novelty_file.is_file():
            try:
                check = load_novelty(novelty_file)
            except ValueError as exc:
                raise ValueError(
                    f"{exc}; fit it again with `ms2l novelty {info.run_dir}` or delete "
                    "it"
                ) from None
        if check is not None and (
            check.classes.min() < 0 or check.classes.max() >= len(info.labels)
        ):
            raise ValueError(
                f"{novelty_file}: class {int(check.classes.max())} does not exist, "
                f"the run has {len(info.labels)} classes (a check of another run?); "
                f"fit it again with `ms2l novelty {info.run_dir}` or delete it"
            )
        predictor = cls(info.run_dir, cfg, info.labels, model, dev, onnx, check)
        predictor.backend_note = note
        return predictor

    @property
    def torch_device(self) -> torch.device:
        """The torch device the model is on."""
        return self._device

    @property
    def model(self) -> torch.nn.Module:
        """The torch model (also loaded for the ONNX backend, e.g. for export)."""
        assert self._model is not None
        return self._model

    def _prepare(self, clip: np.ndarray) -> tuple[np.ndarray, int]:
        x = prepare_clip(
            clip, self.layout, self.layout, self.num_bodies, self.config.data
        )
        return fit_time(x, self.config.data)

    def prepare(self, clip: np.ndarray) -> np.ndarray:
        """Preprocess one raw clip as in training.

        Args:
            clip: ``(t, M', V, 3)`` camera-space clip in :attr:`layout`.

        Returns:
            ``(T, M, V, 3)`` float32 model input.

        Raises:
            ValueError: If the clip is not 4-D or has the wrong joint count.
        """
        return self._prepare(clip)[0]

    def logits(
        self, batch: np.ndarray, lengths: np.ndarray | None = None
    ) -> np.ndarray:
        """Raw scores of prepared clips.

        Args:
            batch: ``(N, T, M, V, C)`` float32 prepared clips.
            lengths: ``(N,)`` valid frames (torch backend; ``None`` = all ``T``).

        Returns:
            ``(N, K)`` float32 logits.

        Raises:
            ValueError: If the batch is not 5-D.
        """
        batch = np.ascontiguousarray(batch, dtype=np.float32)
        if batch.ndim != 5:
            raise ValueError(
                f"expected a batch (N, T, M, V, C), got shape {batch.shape}"
            )
        batch = self._drop_absent_bodies(batch)
        if self._onnx is not None and (
            lengths is None or np.all(lengths == batch.shape[1])
        ):
            return np.asarray(self._onnx.logits(batch), dtype=np.float32)
        with torch.no_grad():
            x = torch.from_numpy(batch).to(self._device)
            lens = (
                None if lengths is None else torch.as_tensor(lengths, dtype=torch.int64)
            )
            return self.model(x, lens).float().cpu().numpy()

    def predict_proba(self, clips: Sequence[np.ndarray]) -> np.ndarray:
        """Class probabilities of raw clips.

        Args:
            clips: Raw camera-space clips ``(t_i, M, V, 3)`` in :attr:`layout`
                (:func:`core.inference.sequences.sequence_joints` converts a clip of
                another layout). A frame whose coordinates are not all finite counts
                as missing, as in live use; any length is read, one frame too (the
                clip is resampled to the model's frames).

        Returns:
            ``(N, K)`` float32 probabilities (rows sum to 1); ``(0, K)`` for no clips.
            With a :attr:`novelty` check, a clip unlike every training clip gets
            uniform probabilities ``1 / K`` (the model does not know it).

        Raises:
            ValueError: If a clip has no skeleton in any frame (all NaN or all zero),
                since any answer for it would be made up.
        """
        if len(clips) == 0:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        prepared = []
        for i, clip in enumerate(clips):
            prepared.append(self._prepare(clip))  # checks the shape first
            if not has_a_skeleton(clip):
                raise ValueError(
                    f"clip {i} has no skeleton in any frame (all coordinates are "
                    "missing or zero)"
                )
        batch = np.stack([p[0] for p in prepared])
        lengths = np.array([p[1] for p in prepared], dtype=np.int64)
        if self.novelty is None:
            return softmax(self.logits(batch, lengths))
        # The check reads the encoder's features: logits and features come from one
        # pass, ONNX's when its export has them (it agrees with torch to 1e-4).
        z, feats = self._classify(batch, lengths)
        return temper(softmax(z), self.novelty.unfamiliar(feats))

    def _classify(
        self, batch: np.ndarray, lengths: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Logits and features (:meth:`models.ms2l.MS2L.classify`) of a batch: from
        the ONNX backend for full-length clips when its export has the features
        output, from torch otherwise."""
        batch = self._drop_absent_bodies(np.ascontiguousarray(batch, np.float32))
        onnx = self._onnx
        if onnx is not None and onnx.has_features and np.all(lengths == batch.shape[1]):
            z, f = onnx.classify(batch)
            return np.asarray(z, np.float32), np.asarray(f, np.float32)
        with torch.no_grad():
            x = torch.from_numpy(batch)
            lens = torch.as_tensor(lengths, dtype=torch.int64)
            z, f = self.model.classify(x.to(self._device), lens)  # type: ignore[operator]
        return z.float().cpu().numpy(), f.float().cpu().numpy()

    def _drop_absent_bodies(self, batch: np.ndarray) -> np.ndarray:
        """``batch`` without its trailing bodies that are all zero in every clip, when
        the encoder gives the same answer without them (a graph encoder): a webcam's
        one person costs a two-body model half as much. Other encoders get it as is."""
        encoder = getattr(self.model, "encoder", None)
        if batch.shape[2] < 2 or not getattr(encoder, "takes_fewer_bodies", False):
            return batch
        present = np.flatnonzero(np.any(batch != 0, axis=(0, 1, 3, 4)))
        keep = int(present[-1]) + 1 if present.size else 1
        return batch[:, :, :keep] if keep < batch.shape[2] else batch


def _onnx_backend(
    run_dir: Path,
    model: torch.nn.Module,
    cfg: TrainConfig,
    say: Callable[[str], None] | None = None,
) -> OnnxBackend:
    """The run's verified ONNX export (written first if needed), loaded; ``say``
    receives what :func:`ensure_onnx` has to report (a stale file replaced)."""
    path = ensure_onnx(
        run_dir, exportable(model), cfg.data.frames, cfg.data.num_bodies, say=say
    )
    return OnnxBackend(path)


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of logits ``(N, K)``, float32."""
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def refuse_pretraining_run(run_dir: Path, cfg: TrainConfig) -> None:
    """Refuse to classify with a self-supervised ``pretrain`` run.

    Such a run trains only the encoder and its pretext heads; its classifier keeps its
    random initialisation, so its predictions would be meaningless.

    Args:
        run_dir: The run folder (named in the message).
        cfg: Its config.

    Raises:
        ValueError: If ``cfg`` is a ``pretrain`` run, saying how to fine-tune it.
    """
    if cfg.strategy.name == "pretrain":
        # The dataset and root of the pretraining itself: the command pastes as it is
        # (without --root it failed: "no data root given").
        data = cfg.data
        where = (
            f"--dataset {data.dataset} --root {shlex.quote(data.root)} "
            if data.root
            else ""
        )
        # the app's way first (the Evaluate and Replay panels led with a command
        # line: a trial), then the command, which pastes as it is
        raise ValueError(
            f"{run_dir} is a self-supervised pretraining run (its classifier was never "
            "trained): train one on it first, in the Train panel (strategy finetune, "
            "or linear to keep its encoder as it is, with Start from this run), or "
            f"with: ms2l train {where}--strategy finetune "
            f"--init-from {shlex.quote(str(run_dir))}"
        )


def onnx_reproduces(
    run_dir: str | os.PathLike[str], path: str | os.PathLike[str]
) -> bool:
    """Whether the ONNX file ``path`` reproduces the run's torch logits and features
    to 1e-4 (nothing is written)."""
    predictor = Predictor.from_run(run_dir, device="cpu", backend="torch")
    return reproduces(
        exportable(predictor.model), path, predictor.T, predictor.num_bodies
    )


def export_onnx(
    run_dir: str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    force: bool = False,
) -> Path:
    """Export a run's classifier to ONNX, verified against torch (see :func:`ensure_onnx`).

    Args:
        run_dir: A run folder (``config.json``, ``labels.json``, ``weights.pt``).
        out: Destination; defaults to ``<run_dir>/model.onnx`` (or the per-user cache
            when the run folder is read-only).
        force: Export even if the destination already reproduces the weights.

    Returns:
        Path of the ``.onnx`` file that reproduces the run's torch logits.

    Raises:
        FileNotFoundError: If the run folder or its files are missing.
        ValueError: If a file is corrupt or the export does not reproduce torch.
        OSError: If nothing can be written.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise FileNotFoundError(f"no such run folder: {run_dir}")
    predictor = Predictor.from_run(run_dir, device="cpu", backend="torch")
    return ensure_onnx(
        predictor.run_dir,
        exportable(predictor.model),
        predictor.T,
        predictor.num_bodies,
        out,
        force,
    )
