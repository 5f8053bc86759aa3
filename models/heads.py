"""The heads of MS²L on encoder features: motion decoder ``h_m`` and classifier ``C``,
and the small MLPs of the jigsaw ``h_j`` and contrastive ``h_c`` heads (paper section 3).
"""

from __future__ import annotations

import torch
from torch import nn

from models.encoders import last_valid, masked_mean


def mlp(in_dim: int, hidden: int, out_dim: int, layers: int) -> nn.Module:
    """One linear layer (``layers`` <= 1) or Linear-ReLU-Linear through ``hidden``."""
    if layers <= 1:
        return nn.Linear(in_dim, out_dim)
    return nn.Sequential(
        nn.Linear(in_dim, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, out_dim)
    )


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
