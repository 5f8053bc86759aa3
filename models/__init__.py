"""Networks for skeleton sequences; chosen by name from :data:`MODELS`.

Every model takes ``(N, T, M, V, C)`` float32 input (plus optional ``lengths``) and is
built with keyword arguments ``num_joints``, ``num_bodies``, ``num_classes``, ``channels``
and its own architecture options. ``models`` never imports ``core`` or any GUI package.
"""

from __future__ import annotations

from torch import nn

from models.ms2l import MS2L

MODELS: dict[str, type[nn.Module]] = {"ms2l": MS2L}
"""Model classes by the name used in ``ModelConfig.name``."""

__all__ = ["MODELS", "MS2L"]
