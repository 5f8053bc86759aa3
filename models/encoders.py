"""Sequence encoders ``f`` of MS²L, chosen by name from :data:`ENCODERS`.

An encoder maps clips ``x (N, T, M, V, C)`` float32 with valid lengths ``(N,)`` to
per-frame features ``h (N, T, D)`` (zero past each length) and a clip summary
``last (N, D)``; it says its feature width ``out_dim`` and which of its parameters read
the flattened frame (``input_weights``), so that the recognizer
(:class:`models.ms2l.MS2L`), its heads and its losses work with any of them. The paper's
encoder is the bidirectional GRU (:class:`BiGRUEncoder`), each frame flattened in
``(M, V, C)`` order; :class:`GraphEncoder` is an ST-GCN-style graph convolution network
over the skeleton's joints, which needs the skeleton (:class:`Skeleton`: joints, bodies,
coordinates and bones) as well.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from models.gcn import STBlock, adjacency, block_plan


@dataclass(frozen=True)
class Skeleton:
    """What a graph encoder needs to know of its input beyond the frame size.

    Attributes:
        num_joints: Joints ``V``.
        num_bodies: Bodies ``M``.
        channels: Coordinates per joint ``C``.
        edges: ``(child, parent)`` 0-based joint pairs (the layout's bones).
    """

    num_joints: int
    num_bodies: int
    channels: int
    edges: tuple[tuple[int, int], ...]


class SequenceEncoder(nn.Module, abc.ABC):
    """Base of every encoder: what the recognizer, its heads and the engine rely on.

    Subclasses set :attr:`input_weights`, provide :attr:`out_dim` and implement
    ``forward(x, lengths) -> (h (N, T, D), last (N, D))``.
    """

    input_weights: tuple[str, ...] = ()
    """Parameters whose last axis is the flattened frame ``M*V*C``."""

    needs_skeleton: bool = False
    """True when the constructor takes a keyword ``skeleton`` (:class:`Skeleton`)."""

    layout_bound: bool = False
    """True when weights other than :attr:`input_weights` depend on the joints (a
    graph encoder): such an encoder cannot be reused on another layout."""

    takes_fewer_bodies: bool = False
    """True when, in evaluation mode, the input may hold fewer bodies than ``M`` (the
    missing ones absent) with the same result: the caller may drop trailing bodies that
    are all zero (a webcam gives one person to a two-body model) and save their cost."""

    @property
    @abc.abstractmethod
    def out_dim(self) -> int:
        """Feature width ``D``."""


def flatten_frames(x: torch.Tensor) -> torch.Tensor:
    """Flatten each frame of ``(N, T, M, V, C)`` in ``(M, V, C)`` order to ``(N, T, M*V*C)``.

    Raises:
        ValueError: If ``x`` is not 5-D.
    """
    if x.ndim != 5:
        raise ValueError(f"expected input (N, T, M, V, C), got shape {tuple(x.shape)}")
    n, t = x.shape[:2]
    return x.reshape(n, t, -1)


def _full_length(lengths: torch.Tensor, t: int) -> bool:
    return bool((lengths == t).all())


def reverse_valid(h: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    """Reverse each sequence of ``(N, T, D)`` within its first ``lengths[i]`` frames.

    Padding frames stay where they are, so a forward GRU run over the result reads each
    clip backwards from its own last frame and meets the padding only afterwards. The
    operation is its own inverse.
    """
    t = h.shape[1]
    if lengths is None or _full_length(lengths, t):
        return h.flip(1)
    time = torch.arange(t, device=h.device)[None, :]
    lens = lengths.to(h.device)[:, None]
    index = torch.where(time < lens, lens - 1 - time, time)
    return torch.gather(h, 1, index[..., None].expand_as(h))


def last_valid(h: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    """Features at each sequence's last valid frame: ``(N, T, D)`` -> ``(N, D)``."""
    if lengths is None or _full_length(lengths, h.shape[1]):
        return h[:, -1]
    index = (lengths.to(h.device) - 1).clamp_min(0)
    return h[torch.arange(h.shape[0], device=h.device), index]


def _zero_padding(h: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    if lengths is None or _full_length(lengths, h.shape[1]):
        return h
    mask = (
        torch.arange(h.shape[1], device=h.device)[None, :]
        < lengths.to(h.device)[:, None]
    )
    return h * mask[..., None].to(h.dtype)


def masked_mean(h: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    """Average ``(N, T, D)`` features over each sequence's valid frames -> ``(N, D)``."""
    if lengths is None or _full_length(lengths, h.shape[1]):
        return h.mean(dim=1)
    mask = torch.arange(h.shape[1], device=h.device)[None, :] < lengths[:, None].to(
        h.device
    )
    m = mask.to(h.dtype).unsqueeze(-1)
    return (h * m).sum(dim=1) / m.sum(dim=1).clamp_min(1.0)


class BiGRUEncoder(SequenceEncoder):
    """The shared encoder ``f``: a bidirectional GRU over flattened frames.

    Each layer is a forward GRU over the clip and a second GRU over the clip reversed
    within its valid length (:func:`reverse_valid`); their outputs are concatenated. This
    is exactly a bidirectional GRU on variable-length clips, computed on the padded batch:
    on CPU it trains about four times faster than packed sequences, and the full-length
    path (a plain ``flip``) exports to ONNX with dynamic batch and time axes.

    Args:
        in_features: Numbers per frame ``M*V*C``.
        hidden: Units per direction.
        layers: Stacked bidirectional layers.
    """

    input_weights = ("fwd.0.weight_ih_l0", "bwd.0.weight_ih_l0")
    """Parameters whose last axis is the flattened frame (``M*V*C``): what changes when
    a trained encoder is reused on another layout (``core.training.strategies``)."""

    def __init__(self, in_features: int, hidden: int, layers: int = 1) -> None:
        super().__init__()
        self.in_features = in_features
        self.hidden = hidden
        dims = [in_features] + [2 * hidden] * (layers - 1)
        self.fwd = nn.ModuleList(nn.GRU(d, hidden, batch_first=True) for d in dims)
        self.bwd = nn.ModuleList(nn.GRU(d, hidden, batch_first=True) for d in dims)

    @property
    def out_dim(self) -> int:
        """Feature width ``2 * hidden``."""
        return 2 * self.hidden

    def forward(
        self, x: torch.Tensor, lengths: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Encode clips.

        Args:
            x: ``(N, T, M, V, C)`` float32.
            lengths: ``(N,)`` valid frames, or ``None`` when every clip fills ``T``.

        Returns:
            ``(h, last)``: per-frame features ``(N, T, 2H)`` (zero past each length) and the
            final states of both directions of the top layer ``(N, 2H)`` (forward at the
            last valid frame, backward at the first).

        Raises:
            ValueError: If the frame size is not ``in_features``.
        """
        h = flatten_frames(x)
        if h.shape[-1] != self.in_features:
            raise ValueError(
                f"encoder expects {self.in_features} numbers per frame (M*V*C), got "
                f"{h.shape[-1]} from input shape {tuple(x.shape)}"
            )
        for fwd, bwd in zip(self.fwd, self.bwd):
            hf, _ = fwd(h)
            hb, _ = bwd(reverse_valid(h, lengths))
            h = _zero_padding(
                torch.cat([hf, reverse_valid(hb, lengths)], dim=-1), lengths
            )
        last = torch.cat(
            [last_valid(h[..., : self.hidden], lengths), h[:, 0, self.hidden :]], -1
        )
        return h, last


class GraphEncoder(SequenceEncoder):
    """ST-GCN-style encoder: graph convolution over the bones, temporal convolution.

    Input ``(N, T, M, V, C)`` is normalised per (body, joint, coordinate) by a
    BatchNorm (as ST-GCN does), the bodies are folded into the batch, ``layers`` blocks
    (:class:`models.gcn.STBlock`) run over ``(C, T, V)`` with the channel plan of
    :func:`models.gcn.block_plan` (temporal stride 2 where the channels double), the
    joints are averaged, then the bodies that are present (a body whose coordinates are
    all zero, the padding of a one-person clip, is left out of the average; a clip
    without any body averages them all). So in evaluation mode a two-body model given a
    single body (``M' = 1 < M``) answers exactly as for that body plus an absent one, at
    half the cost (:attr:`takes_fewer_bodies`). Per-frame features are brought back to ``T``
    frames (nearest neighbour), so every head of MS²L reads them as it reads the BiGRU's.
    Frames past a clip's length are zeroed before every block, so in evaluation mode a
    padded clip's valid frames get the same features as the clip alone.

    Args:
        in_features: Numbers per frame ``M*V*C`` (checked against ``skeleton``).
        hidden: Channels of the first blocks (doubled twice).
        layers: Number of blocks.
        skeleton: Joints, bodies, coordinates and bones of the input.
    """

    needs_skeleton = True
    layout_bound = True
    takes_fewer_bodies = True

    def __init__(
        self, in_features: int, hidden: int, layers: int = 6, *, skeleton: Skeleton
    ) -> None:
        super().__init__()
        s = skeleton
        if s.num_bodies * s.num_joints * s.channels != in_features:
            raise ValueError(
                f"graph encoder: {in_features} numbers per frame do not match "
                f"{s.num_bodies} bodies x {s.num_joints} joints x {s.channels}"
            )
        if not s.edges:
            raise ValueError("graph encoder needs the layout's bones (edges), got none")
        self.skeleton = s
        self.register_buffer(
            "adjacency", adjacency(s.num_joints, s.edges), persistent=False
        )
        self.data_bn = nn.BatchNorm1d(in_features)
        plan = block_plan(hidden, layers)
        self.blocks = nn.ModuleList(
            STBlock(
                s.channels if i == 0 else cin,
                cout,
                s.num_joints,
                stride=stride,
                residual=i > 0,
            )
            for i, (cin, cout, stride) in enumerate(plan)
        )
        self.width = plan[-1][1]
        self.strides = [stride for _, _, stride in plan]
        self.stride = math.prod(self.strides)

    @property
    def out_dim(self) -> int:
        """Feature width: channels of the last block."""
        return self.width

    def forward(
        self, x: torch.Tensor, lengths: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Encode clips.

        Args:
            x: ``(N, T, M, V, C)`` float32.
            lengths: ``(N,)`` valid frames, or ``None`` when every clip fills ``T``.

        Returns:
            ``(h, last)``: per-frame features ``(N, T, D)`` (zero past each length) and
            their mean over each clip's valid frames ``(N, D)``.

        Raises:
            ValueError: If the input shape does not match the skeleton (fewer bodies
                than ``M`` are accepted in evaluation mode only).
        """
        s = self.skeleton
        if (
            x.ndim != 5
            or tuple(x.shape[3:]) != (s.num_joints, s.channels)
            or not 1 <= x.shape[2] <= s.num_bodies
            or (self.training and x.shape[2] != s.num_bodies)
        ):
            raise ValueError(
                f"graph encoder expects (N, T, {s.num_bodies}, {s.num_joints}, "
                f"{s.channels}), got shape {tuple(x.shape)}"
            )
        n, t, m, v, c = x.shape
        if self.training:  # (N, T, M*V*C) -> BatchNorm over M*V*C (batch statistics)
            y = self.data_bn(x.reshape(n, t, m * v * c).transpose(1, 2))
            y = y.reshape(n, m, v, c, t).permute(0, 1, 3, 4, 2)
        else:  # the same BatchNorm as an affine map, for the first m bodies
            bn = self.data_bn
            assert bn.running_mean is not None and bn.running_var is not None
            scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
            shift = bn.bias - bn.running_mean * scale
            per_body = (s.num_bodies, v, c)
            y = (
                x * scale.view(per_body)[: x.size(2)]
                + shift.view(per_body)[: x.size(2)]
            )
            y = y.permute(0, 2, 4, 1, 3)  # (N, M, C, T, V)
        y = y.reshape(n * m, c, t, v)
        present = x.flatten(3).ne(0).any(dim=3).any(dim=1).to(x.dtype)  # (N, M)
        nobody = present.sum(dim=1, keepdim=True) == 0
        present = torch.where(nobody, torch.ones_like(present), present)
        lens = None if lengths is None or _full_length(lengths, t) else lengths
        body_lens = None if lens is None else lens.to(x.device).repeat_interleave(m)
        for block, stride in zip(self.blocks, self.strides):
            keep = None if body_lens is None else _valid(body_lens, y.shape[2], y)
            if keep is not None:
                y = y * keep[:, None, :, None]
            y = block(y, self.adjacency, keep)
            if body_lens is not None and stride > 1:
                body_lens = torch.div(
                    body_lens + stride - 1, stride, rounding_mode="floor"
                )
        if body_lens is not None:
            y = y * _valid(body_lens, y.shape[2], y)[:, None, :, None]
        y = y.mean(dim=3).reshape(n, m, self.width, -1)  # joints: (N, M, D, T')
        w = present[:, :, None, None]
        y = (y * w).sum(dim=1) / w.sum(dim=1)  # present bodies: (N, D, T')
        if self.stride > 1:  # frame i of the clip reads step i // stride
            y = y.unsqueeze(-1).expand(-1, -1, -1, self.stride).flatten(2)[:, :, :t]
        h = _zero_padding(y.transpose(1, 2), lens)
        return h, masked_mean(h, lens)


def _valid(lengths: torch.Tensor, t: int, like: torch.Tensor) -> torch.Tensor:
    """``(N, T)`` of 1 at frames before ``lengths (N,)``, 0 after, in ``like``'s dtype."""
    time = torch.arange(t, device=like.device)[None, :]
    return (time < lengths[:, None]).to(like.dtype)


ENCODERS: dict[str, type[SequenceEncoder]] = {
    "bigru": BiGRUEncoder,
    "gcn": GraphEncoder,
}
"""Encoder classes by the name used in ``ModelConfig.encoder``."""


def build_encoder(
    name: str,
    in_features: int,
    hidden: int,
    layers: int = 1,
    *,
    num_joints: int = 0,
    num_bodies: int = 1,
    channels: int = 3,
    edges: Sequence[tuple[int, int]] | None = None,
) -> SequenceEncoder:
    """Instantiate ``ENCODERS[name]``.

    Args:
        name: Key in :data:`ENCODERS`.
        in_features: Numbers per frame ``M*V*C``.
        hidden: Width (units per direction for the BiGRU, first channels for the GCN).
        layers: Stacked layers (blocks for the GCN).
        num_joints: Joints ``V`` (encoders that need the skeleton).
        num_bodies: Bodies ``M``.
        channels: Coordinates per joint ``C``.
        edges: The layout's bones as ``(child, parent)`` 0-based joint pairs.

    Returns:
        The encoder.

    Raises:
        KeyError: If the name is unknown.
        ValueError: If the encoder needs the skeleton and ``edges`` are missing.
    """
    try:
        cls = ENCODERS[name]
    except KeyError:
        raise KeyError(f"unknown encoder {name!r}; known: {sorted(ENCODERS)}") from None
    if not cls.needs_skeleton:
        return cls(in_features, hidden, layers)
    if not edges:
        raise ValueError(
            f"encoder {name!r} needs the layout's bones (edges); none were given"
        )
    skeleton = Skeleton(
        num_joints, num_bodies, channels, tuple((int(a), int(b)) for a, b in edges)
    )
    return cls(in_features, hidden, layers, skeleton=skeleton)
