"""Networks for skeleton sequences; chosen by name from :data:`MODELS`.

Every model takes ``(N, T, M, V, C)`` float32 input (plus optional ``lengths``) and is
built with keyword arguments ``num_joints``, ``num_bodies``, ``num_classes``, ``channels``
and its own architecture options. A model owns its encoder, its heads and the losses that
train them (:mod:`models.objective`); ``core`` only drives it. ``models`` never imports
``core`` or any GUI package.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from models.ms2l import MS2L

MODELS: dict[str, type[nn.Module]] = {"ms2l": MS2L}
"""Model classes by the name used in ``ModelConfig.name``."""


def build_model(
    name: str,
    *,
    num_joints: int,
    num_bodies: int,
    num_classes: int,
    channels: int = 3,
    **arch: Any,
) -> nn.Module:
    """Instantiate ``MODELS[name]``.

    Args:
        name: Key in :data:`MODELS`.
        num_joints: Joints ``V`` of the input layout.
        num_bodies: Bodies ``M``.
        num_classes: Actions ``K``.
        channels: Coordinates per joint ``C``.
        **arch: The model class's architecture options.

    Returns:
        The new model (freshly initialised).

    Raises:
        KeyError: If the model name is unknown.
    """
    try:
        cls = MODELS[name]
    except KeyError:
        raise KeyError(f"unknown model {name!r}; known: {sorted(MODELS)}") from None
    return cls(
        num_joints=num_joints,
        num_bodies=num_bodies,
        num_classes=num_classes,
        channels=channels,
        **arch,
    )


__all__ = ["MODELS", "MS2L", "build_model"]
