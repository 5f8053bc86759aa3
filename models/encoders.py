"""Sequence encoders ``f`` of MS²L, chosen by name from :data:`ENCODERS`.

An encoder maps clips ``x (N, T, M, V, C)`` float32 with valid lengths ``(N,)`` to
per-frame features ``h (N, T, D)`` (zero past each length) and a clip summary
``last (N, D)``; it says its feature width ``out_dim`` and which of its parameters read
the flattened frame (``input_weights``), so that the recognizer
(:class:`models.ms2l.MS2L`), its heads and its losses work with any of them. The paper's
encoder is the bidirectional GRU (:class:`BiGRUEncoder`), each frame flattened in
``(M, V, C)`` order; a graph encoder over the joints is the next to register.
"""

from __future__ import annotations

import abc

import torch
from torch import nn


class SequenceEncoder(nn.Module, abc.ABC):
    """Base of every encoder: what the recognizer, its heads and the engine rely on.

    Subclasses set :attr:`input_weights`, provide :attr:`out_dim` and implement
    ``forward(x, lengths) -> (h (N, T, D), last (N, D))``.
    """

    input_weights: tuple[str, ...] = ()
    """Parameters whose last axis is the flattened frame ``M*V*C``."""

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


ENCODERS: dict[str, type[SequenceEncoder]] = {"bigru": BiGRUEncoder}
"""Encoder classes by the name used in ``ModelConfig.encoder``."""


def build_encoder(
    name: str, in_features: int, hidden: int, layers: int = 1
) -> SequenceEncoder:
    """Instantiate ``ENCODERS[name]``.

    Args:
        name: Key in :data:`ENCODERS`.
        in_features: Numbers per frame ``M*V*C``.
        hidden: Width (units per direction for the BiGRU).
        layers: Stacked layers.

    Returns:
        The encoder.

    Raises:
        KeyError: If the name is unknown.
    """
    try:
        cls = ENCODERS[name]
    except KeyError:
        raise KeyError(f"unknown encoder {name!r}; known: {sorted(ENCODERS)}") from None
    return cls(in_features, hidden, layers)
