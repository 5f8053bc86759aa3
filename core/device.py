"""Choosing the torch device: CUDA when present and asked for, the CPU otherwise."""

from __future__ import annotations

import warnings

import torch


def resolve_device(name: str) -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; ``"cuda"`` falls back to CPU
    (with a warning: a run asked for a GPU should not look as if it had one).

    Args:
        name: ``"auto"``, ``"cpu"``, ``"cuda"`` or ``"cuda:<i>"``.

    Returns:
        The device to use (the CPU when CUDA is asked for but absent).

    Raises:
        ValueError: If the name is not a device torch knows.
    """
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(name)
    except RuntimeError:  # torch's own list names a dozen backends the app never uses
        raise ValueError(
            f"unknown device {name!r}: use auto, cpu or cuda[:index]"
        ) from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        warnings.warn(
            f"device {name!r} asked for, but CUDA is not available here: running on "
            "the CPU",
            stacklevel=2,
        )
        return torch.device("cpu")
    return dev
