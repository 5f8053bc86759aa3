"""MS²L: a shared sequence encoder with three self-supervised heads and an action classifier.

Input at the boundary is ``(N, T, M, V, C)`` float32 (frames, bodies, joints, coordinates)
plus optional ``lengths (N,)``; frames past a clip's length are padding that never reaches
a valid frame's features. The parts follow paper section 3:

* encoder ``f`` -- by name from :data:`models.encoders.ENCODERS` (the paper's
  bidirectional GRU, :class:`models.encoders.BiGRUEncoder`, by default; or the graph
  encoder :class:`models.encoders.GraphEncoder`, which also needs the layout's bones);
* :class:`models.heads.MotionHead` ``h_m`` -- GRU decoder that generates the masked
  future frames from the encoded noisy past (Eq. 1);
* jigsaw head ``h_j`` -- classifies which of the ``P!`` segment orders was applied (Eq. 2);
* contrastive head ``h_c`` -- projection used by the contrastive loss (Eq. 3);
* :class:`models.heads.Classifier` ``C`` -- GRU + MLP (paper) or linear on
  time-averaged features (the authors' released code).

The losses that train them are in :mod:`models.objective` and :mod:`models.losses`, the
pretext transforms in :mod:`models.pretext`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from models.encoders import SequenceEncoder, build_encoder, flatten_frames, masked_mean
from models.heads import Classifier, MotionHead, mlp

__all__ = ["MS2L", "flatten_frames", "masked_mean"]


class MS2L(nn.Module):
    """The MS²L network: encoder, motion / jigsaw / contrastive heads, classifier.

    Args:
        num_joints: Joints ``V``.
        num_bodies: Bodies ``M``.
        num_classes: Actions ``K``.
        channels: Coordinates per joint ``C``.
        encoder: Encoder name in :data:`models.encoders.ENCODERS`.
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
        edges: The layout's bones as ``(child, parent)`` 0-based joint pairs; needed by
            encoders over the skeleton graph (``"gcn"``), ignored by the BiGRU.
    """

    def __init__(
        self,
        num_joints: int,
        num_bodies: int,
        num_classes: int,
        channels: int = 3,
        encoder: str = "bigru",
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
        edges: Sequence[tuple[int, int]] | None = None,
    ) -> None:
        super().__init__()
        self.num_joints = num_joints
        self.num_bodies = num_bodies
        self.channels = channels
        self.num_classes = num_classes
        self.frame_dim = num_bodies * num_joints * channels
        self.encoder: SequenceEncoder = build_encoder(
            encoder,
            self.frame_dim,
            hidden,
            layers,
            num_joints=num_joints,
            num_bodies=num_bodies,
            channels=channels,
            edges=edges,
        )
        feat = self.encoder.out_dim
        self.motion_head = MotionHead(feat, decoder_hidden, self.frame_dim)
        self.jigsaw_head = mlp(
            feat, head_dim, math.factorial(jigsaw_segments), head_layers
        )
        self.contrastive_head = mlp(feat, head_dim, proj_dim, head_layers)
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
        """Encoder ``f``: per-frame features and a clip summary (see
        :mod:`models.encoders`)."""
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

    def classify(
        self, x: torch.Tensor, lengths: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits and the clip's features, from one encoder pass.

        Args:
            x: ``(N, T, M, V, C)`` float32.
            lengths: ``(N,)`` valid frames, or ``None``.

        Returns:
            ``(logits (N, K), features (N, D))``; the features are the encoder's
            per-frame features averaged over the valid frames (what a novelty check
            compares with the training clips').
        """
        h, _ = self.encoder(x, lengths)
        return self.classifier(h, lengths), masked_mean(h, lengths)

    def export_module(self) -> nn.Module:
        """A module for ONNX export: ``forward(x (N, T, M, V, C)) -> (logits (N, K),
        features (N, D))``, the two outputs of :meth:`classify` on full-length clips
        (the features feed a novelty check).

        It runs the classification path on full-length clips (no packing), so the legacy
        exporter can keep the batch and time axes dynamic. The wrapper is in the model's
        own train/eval mode: the exporter puts the module back in the wrapper's mode
        afterwards, which must not switch an eval-mode model (BatchNorm) to training.
        """
        wrapper = _ExportWrapper(self)
        wrapper.train(self.training)
        return wrapper


class _ExportWrapper(nn.Module):
    """Classification path without lengths, for tracing/export."""

    def __init__(self, model: MS2L) -> None:
        super().__init__()
        self.model = model
        # The exported input may then hold fewer bodies than M (a dynamic body axis).
        self.takes_fewer_bodies = model.encoder.takes_fewer_bodies

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.model.classify(x, None)
