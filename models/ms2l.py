"""MS²L: a shared BiGRU encoder with three self-supervised heads and an action classifier.

Input at the boundary is ``(N, T, M, V, C)`` float32 (frames, bodies, joints, coordinates)
plus optional ``lengths (N,)``: each frame is flattened in ``(M, V, C)`` order into one
vector of ``M*V*C`` numbers, and frames past a clip's length are padding that never reaches
a valid frame's features (causal forward GRUs, backward GRUs run on clips reversed within
their length, see :class:`Encoder`). The parts follow paper section 3:

* :class:`Encoder` ``f`` -- bidirectional GRU over frames;
* :class:`MotionHead` ``h_m`` -- GRU decoder that generates the masked future frames from
  the encoded noisy past (Eq. 1);
* jigsaw head ``h_j`` -- classifies which of the ``P!`` segment orders was applied (Eq. 2);
* contrastive head ``h_c`` -- projection used by the mean-feature loss (Eq. 3);
* :class:`Classifier` ``C`` -- GRU + MLP (paper) or linear on time-averaged features
  (the authors' released code).

The pretext transforms themselves live in ``models.pretext``; this module only maps
tensors to tensors.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def flatten_frames(x: torch.Tensor) -> torch.Tensor:
    """Flatten each frame of ``(N, T, M, V, C)`` in ``(M, V, C)`` order to ``(N, T, M*V*C)``.

    Raises:
        ValueError: If ``x`` is not 5-D.
    """
    if x.ndim != 5:
        raise ValueError(f"expected input (N, T, M, V, C), got shape {tuple(x.shape)}")
    n, t = x.shape[:2]
    return x.reshape(n, t, -1)


def _full_length(lengths: torch.Tensor | None, t: int) -> bool:
    return lengths is None or bool((lengths == t).all())


def reverse_valid(h: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    """Reverse each sequence of ``(N, T, D)`` within its first ``lengths[i]`` frames.

    Padding frames stay where they are, so a forward GRU run over the result reads each
    clip backwards from its own last frame and meets the padding only afterwards. The
    operation is its own inverse.
    """
    t = h.shape[1]
    if _full_length(lengths, t):
        return h.flip(1)
    time = torch.arange(t, device=h.device)[None, :]
    lens = lengths.to(h.device)[:, None]
    index = torch.where(time < lens, lens - 1 - time, time)
    return torch.gather(h, 1, index[..., None].expand_as(h))


def last_valid(h: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    """Features at each sequence's last valid frame: ``(N, T, D)`` -> ``(N, D)``."""
    if _full_length(lengths, h.shape[1]):
        return h[:, -1]
    index = (lengths.to(h.device) - 1).clamp_min(0)
    return h[torch.arange(h.shape[0], device=h.device), index]


def _zero_padding(h: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    if _full_length(lengths, h.shape[1]):
        return h
    mask = (
        torch.arange(h.shape[1], device=h.device)[None, :]
        < lengths.to(h.device)[:, None]
    )
    return h * mask[..., None].to(h.dtype)


def masked_mean(h: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    """Average ``(N, T, D)`` features over each sequence's valid frames -> ``(N, D)``."""
    if _full_length(lengths, h.shape[1]):
        return h.mean(dim=1)
    mask = torch.arange(h.shape[1], device=h.device)[None, :] < lengths[:, None].to(
        h.device
    )
    m = mask.to(h.dtype).unsqueeze(-1)
    return (h * m).sum(dim=1) / m.sum(dim=1).clamp_min(1.0)


def _mlp(in_dim: int, hidden: int, out_dim: int, layers: int) -> nn.Module:
    if layers <= 1:
        return nn.Linear(in_dim, out_dim)
    return nn.Sequential(
        nn.Linear(in_dim, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, out_dim)
    )


class Encoder(nn.Module):
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


class MotionHead(nn.Module):
    """Decoder ``h_m``: generates future frames from the encoding of the observed past.

    A GRU whose initial state is a projection of the encoder's final states, fed that
    encoding at every step (so every predicted frame depends on the encoder alone, never on
    ground-truth frames), emits one frame per step as an offset from the last observed
    frame. All steps run in one GRU call.

    Args:
        feat_dim: Encoder feature width.
        hidden: Decoder units.
        frame_dim: Numbers per frame ``M*V*C``.
    """

    def __init__(self, feat_dim: int, hidden: int, frame_dim: int) -> None:
        super().__init__()
        self.init = nn.Linear(feat_dim, hidden)
        self.gru = nn.GRU(feat_dim, hidden, batch_first=True)
        self.out = nn.Linear(hidden, frame_dim)

    def forward(
        self, code: torch.Tensor, last_frame: torch.Tensor, steps: int
    ) -> torch.Tensor:
        """Predict ``steps`` future frames.

        Args:
            code: ``(N, F)`` encoding of the observed past.
            last_frame: ``(N, D)`` last observed (noisy) frame, flattened.
            steps: Number of frames to generate.

        Returns:
            ``(N, steps, D)`` predicted frames.
        """
        h0 = torch.tanh(self.init(code)).unsqueeze(0)
        inp = code.unsqueeze(1).expand(-1, steps, -1).contiguous()
        y, _ = self.gru(inp, h0)
        return last_frame.unsqueeze(1) + self.out(y)


class Classifier(nn.Module):
    """Action classifier ``C`` on encoder features.

    Args:
        feat_dim: Encoder feature width.
        num_classes: Number of actions ``K``.
        kind: ``"gru"``: a unidirectional GRU over the per-frame features, then an MLP on its
            last state (the paper); ``"linear"``: one linear layer on the time-averaged
            features (the released code).
        hidden: GRU and MLP width for ``"gru"``.
        dropout: Dropout on the features.
    """

    def __init__(
        self,
        feat_dim: int,
        num_classes: int,
        kind: str = "gru",
        hidden: int = 60,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if kind not in ("gru", "linear"):
            raise ValueError(f"classifier must be 'gru' or 'linear', got {kind!r}")
        self.kind = kind
        self.num_classes = num_classes
        self.drop = nn.Dropout(dropout)
        if kind == "gru":
            self.gru = nn.GRU(feat_dim, hidden, batch_first=True)
            self.mlp = nn.Sequential(
                nn.Linear(hidden, hidden),
                nn.ReLU(inplace=True),
                nn.Linear(hidden, num_classes),
            )
        else:
            self.fc = nn.Linear(feat_dim, num_classes)

    def forward(
        self, h: torch.Tensor, lengths: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Logits ``(N, K)`` from per-frame features ``h (N, T, F)``."""
        h = self.drop(h)
        if self.kind == "gru":
            out, _ = self.gru(
                h
            )  # causal: padding after a clip cannot reach its last frame
            return self.mlp(last_valid(out, lengths))
        return self.fc(masked_mean(h, lengths))


class MS2L(nn.Module):
    """The MS²L network: encoder, motion / jigsaw / contrastive heads, classifier.

    Args:
        num_joints: Joints ``V``.
        num_bodies: Bodies ``M``.
        num_classes: Actions ``K``.
        channels: Coordinates per joint ``C``.
        hidden: Encoder units per direction.
        layers: Encoder layers.
        head_dim: Hidden width of the jigsaw / contrastive MLPs (when ``head_layers`` > 1).
        head_layers: 1 = a single FC layer per head, 2 = an MLP.
        proj_dim: Contrastive projection width.
        decoder_hidden: Motion decoder units.
        classifier: ``"gru"`` or ``"linear"``.
        classifier_hidden: Classifier GRU/MLP width.
        jigsaw_segments: ``P``; the jigsaw head scores ``P!`` permutations.
        dropout: Dropout before the classifier.
    """

    def __init__(
        self,
        num_joints: int,
        num_bodies: int,
        num_classes: int,
        channels: int = 3,
        hidden: int = 30,
        layers: int = 1,
        head_dim: int = 60,
        head_layers: int = 1,
        proj_dim: int = 60,
        decoder_hidden: int = 60,
        classifier: str = "gru",
        classifier_hidden: int = 60,
        jigsaw_segments: int = 3,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.num_joints = num_joints
        self.num_bodies = num_bodies
        self.channels = channels
        self.num_classes = num_classes
        self.frame_dim = num_bodies * num_joints * channels
        self.encoder = Encoder(self.frame_dim, hidden, layers)
        feat = self.encoder.out_dim
        self.motion_head = MotionHead(feat, decoder_hidden, self.frame_dim)
        self.jigsaw_head = _mlp(
            feat, head_dim, math.factorial(jigsaw_segments), head_layers
        )
        self.contrastive_head = _mlp(feat, head_dim, proj_dim, head_layers)
        self.classifier = Classifier(
            feat, num_classes, classifier, classifier_hidden, dropout
        )
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Uniform initialisation of every weight (paper: "random uniform"), zero biases.

        GRUs get ``U(-1/sqrt(H), 1/sqrt(H))`` (PyTorch's GRU default); linear layers
        Kaiming-uniform (PyTorch's default).
        """
        for module in self.modules():
            if isinstance(module, nn.GRU | nn.Linear):
                module.reset_parameters()

    def encode(
        self, x: torch.Tensor, lengths: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Encoder ``f``: see :meth:`Encoder.forward`."""
        return self.encoder(x, lengths)

    def forward(
        self, x: torch.Tensor, lengths: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Classification path ``C(f(x))``.

        Args:
            x: ``(N, T, M, V, C)`` float32.
            lengths: ``(N,)`` valid frames, or ``None``.

        Returns:
            Logits ``(N, K)``.
        """
        h, _ = self.encoder(x, lengths)
        return self.classifier(h, lengths)

    def export_module(self) -> nn.Module:
        """A module for ONNX export: ``forward(x (N, T, M, V, C)) -> logits (N, K)``.

        It runs the classification path on full-length clips (no packing), so the legacy
        exporter can keep the batch and time axes dynamic.
        """
        return _ExportWrapper(self)


class _ExportWrapper(nn.Module):
    """Classification path without lengths, for tracing/export."""

    def __init__(self, model: MS2L) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, _ = self.model.encoder(x, None)
        return self.model.classifier(h, None)
