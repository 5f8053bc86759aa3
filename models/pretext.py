"""Pretext transforms of MS²L, vectorised over the batch in torch.

Two transforms make the self-supervised inputs from a padded batch ``x (N, T, M, V, C)``
with true lengths ``lengths (N,)``:

* :func:`mask_future` (motion prediction, Eq. 1): the last ``mask_ratio`` of each clip's
  valid frames are hidden and become the target; Gaussian noise is added to the observed
  past, which is what the encoder sees (its length is the past length).
* :func:`jigsaw` (Eq. 2): each clip's valid frames are cut into ``P`` equal segments that
  are reordered by one of the ``P!`` permutations; the permutation's index is the label.

Both work on the whole batch with index arithmetic and ``gather`` (no per-sample Python
loop), draw their randomness from a ``torch.Generator`` so that runs are repeatable, and
leave padding frames zero. :func:`make_pretext` builds both for one batch; with
``rotate_degrees`` each transform first turns its clip by its own random angle about the
vertical axis (:func:`rotate_vertical`), so that the contrastive task (Eq. 3) pairs views
of one action seen from different directions.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import torch


def permutations(segments: int) -> torch.Tensor:
    """All orders of ``segments`` segments, ``(P!, P)`` int64, identity first.

    Row ``k`` lists, for each output segment, which source segment it shows.
    """
    return torch.tensor(
        list(itertools.permutations(range(segments))), dtype=torch.int64
    )


def _present(x: torch.Tensor) -> torch.Tensor:
    """``(N, T, M, 1, 1)`` float mask of bodies with any non-zero joint in a frame."""
    return (x != 0).any(dim=(-1, -2), keepdim=True).to(x.dtype)


@dataclass(frozen=True)
class MaskedBatch:
    """Motion-prediction inputs and targets for one batch.

    Attributes:
        past: ``(N, T, M, V, C)`` noisy observed frames, zero from ``past_len`` on.
        past_len: ``(N,)`` observed frames per clip (>= 1).
        target: ``(N, F, M*V*C)`` the hidden future frames, ``F = max(lengths - past_len)``.
        target_mask: ``(N, F)`` bool, True where ``target`` is a real hidden frame.
        last_frame: ``(N, M*V*C)`` last observed noisy frame.
        future_index: ``(N, F)`` int64 time index of each target frame (clamped to T-1).
    """

    past: torch.Tensor
    past_len: torch.Tensor
    target: torch.Tensor
    target_mask: torch.Tensor
    last_frame: torch.Tensor
    future_index: torch.Tensor


def mask_future(
    x: torch.Tensor,
    lengths: torch.Tensor,
    mask_ratio: float,
    noise_std: float,
    generator: torch.Generator | None = None,
) -> MaskedBatch:
    """Hide the last ``mask_ratio`` of every clip's valid frames and add noise to the rest.

    A clip of ``L`` valid frames keeps ``round(L * (1 - mask_ratio))`` frames, at least 1
    and (when ``L >= 2``) at most ``L - 1``, so every clip of two or more frames has
    something to predict.

    Args:
        x: ``(N, T, M, V, C)`` clips, zero past each length.
        lengths: ``(N,)`` int64 valid frames (>= 1).
        mask_ratio: Share of valid frames hidden, in (0, 1).
        noise_std: Std of the Gaussian noise added to present joints of the past.
        generator: Source of the noise.

    Returns:
        The masked batch.
    """
    n, t = x.shape[:2]
    lengths = lengths.to(x.device)
    keep = torch.round(lengths.to(torch.float64) * (1.0 - mask_ratio)).to(torch.int64)
    past_len = torch.minimum(keep.clamp_min(1), (lengths - 1).clamp_min(1))
    time = torch.arange(t, device=x.device)
    observed = (time[None, :] < past_len[:, None]).to(x.dtype)[..., None, None, None]
    noise = torch.randn(x.shape, generator=generator, dtype=x.dtype).to(x.device)
    past = (x + noise_std * noise * _present(x)) * observed

    f = max(int((lengths - past_len).max().item()), 1)
    index = past_len[:, None] + torch.arange(f, device=x.device)[None, :]
    target_mask = index < lengths[:, None]
    index = index.clamp_max(t - 1)
    flat = x.reshape(n, t, -1)
    target = torch.gather(flat, 1, index[..., None].expand(-1, -1, flat.shape[-1]))
    target = target * target_mask[..., None].to(x.dtype)
    last = torch.gather(
        past.reshape(n, t, -1),
        1,
        (past_len - 1)[:, None, None].expand(-1, 1, flat.shape[-1]),
    ).squeeze(1)
    return MaskedBatch(past, past_len, target, target_mask, last, index)


def jigsaw(
    x: torch.Tensor,
    lengths: torch.Tensor,
    segments: int = 3,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Shuffle ``segments`` equal temporal segments of each clip's valid frames.

    Segment ``j`` of a clip of length ``L`` is frames ``[floor(jL/P), floor((j+1)L/P))``.
    The output shows the source segments in the order of the drawn permutation, each
    kept intact; frames past ``L`` stay as they were (padding).

    Args:
        x: ``(N, T, M, V, C)`` clips.
        lengths: ``(N,)`` valid frames.
        segments: ``P``.
        generator: Source of the permutation choice.

    Returns:
        ``(shuffled, labels)``: the shuffled clips ``(N, T, M, V, C)`` and the index of
        each clip's permutation in :func:`permutations` ``(N,)`` int64.
    """
    n, t = x.shape[:2]
    lengths = lengths.to(x.device)
    perms = permutations(segments).to(x.device)
    labels = torch.randint(math.factorial(segments), (n,), generator=generator).to(
        x.device
    )
    order = perms[labels]  # (N, P): source segment shown at each output slot
    j = torch.arange(segments + 1, device=x.device)
    bounds = (lengths[:, None] * j[None, :]) // segments  # (N, P+1) source boundaries
    src_start, seg_len = bounds[:, :-1], bounds[:, 1:] - bounds[:, :-1]
    out_len = torch.gather(seg_len, 1, order)
    out_start = torch.cumsum(out_len, dim=1) - out_len  # (N, P)
    time = torch.arange(t, device=x.device)
    slot = (time[None, :, None] >= out_start[:, None, :]).sum(-1) - 1  # (N, T)
    slot = slot.clamp(0, segments - 1)
    src_seg = torch.gather(order, 1, slot)
    offset = time[None, :] - torch.gather(out_start, 1, slot)
    src = torch.gather(src_start, 1, src_seg) + offset
    src = torch.where(time[None, :] < lengths[:, None], src, time[None, :])
    shuffled = torch.gather(x, 1, src.view(n, t, 1, 1, 1).expand_as(x))
    return shuffled, labels


def rotate_vertical(
    x: torch.Tensor,
    max_degrees: float,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Turn every clip of ``(N, T, M, V, 3)`` about the vertical (y) axis through the
    origin by its own angle drawn uniformly from ``[-max_degrees, max_degrees]``.

    Zero (padding) frames stay zero. With ``max_degrees <= 0`` the input is returned.
    """
    if max_degrees <= 0:
        return x
    n = x.shape[0]
    angle = (torch.rand(n, generator=generator, dtype=torch.float64) * 2 - 1) * (
        max_degrees * math.pi / 180.0
    )
    c, s = torch.cos(angle), torch.sin(angle)
    zero, one = torch.zeros_like(c), torch.ones_like(c)
    rot = torch.stack([c, zero, s, zero, one, zero, -s, zero, c], dim=-1).reshape(
        n, 3, 3
    )
    rot = rot.to(device=x.device, dtype=x.dtype)
    return torch.einsum("ntmvc,ndc->ntmvd", x, rot)


def shear(
    x: torch.Tensor,
    max_shear: float,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Apply to every clip of ``(N, T, M, V, 3)`` its own linear map ``I + S``, where
    the six off-diagonal entries of ``S`` are drawn uniformly from ``[-max_shear,
    max_shear]`` (the shear augmentation of contrastive skeleton learning).

    Zero (padding) frames stay zero. With ``max_shear <= 0`` the input is returned.
    """
    if max_shear <= 0:
        return x
    n = x.shape[0]
    off = (
        torch.rand(n, 3, 3, generator=generator, dtype=torch.float64) * 2 - 1
    ) * max_shear
    mat = torch.eye(3, dtype=torch.float64).expand(n, 3, 3) + off * (1 - torch.eye(3))
    mat = mat.to(device=x.device, dtype=x.dtype)
    return torch.einsum("ntmvc,ndc->ntmvd", x, mat)


def _view(
    x: torch.Tensor,
    rotate_degrees: float,
    shear_max: float,
    generator: torch.Generator | None,
) -> torch.Tensor:
    """One independently transformed copy of the batch (rotation, then shear)."""
    return shear(rotate_vertical(x, rotate_degrees, generator), shear_max, generator)


@dataclass(frozen=True)
class PretextBatch:
    """Everything the self-supervised losses need for one batch.

    Attributes:
        masked: Motion-prediction inputs and targets.
        shuffled: ``(N, T, M, V, C)`` jigsaw input.
        jigsaw_labels: ``(N,)`` permutation indices.
    """

    masked: MaskedBatch
    shuffled: torch.Tensor
    jigsaw_labels: torch.Tensor


def make_pretext(
    x: torch.Tensor,
    lengths: torch.Tensor,
    mask_ratio: float,
    noise_std: float,
    segments: int,
    generator: torch.Generator | None = None,
    rotate_degrees: float = 0.0,
    shear_max: float = 0.0,
) -> PretextBatch:
    """Build the masked/noisy and the jigsaw views of a batch.

    Args:
        x: ``(N, T, M, V, C)`` clips.
        lengths: ``(N,)`` valid frames.
        mask_ratio: Share of frames hidden for motion prediction.
        noise_std: Noise on the observed past.
        segments: Jigsaw segments ``P``.
        generator: Source of all randomness.
        rotate_degrees: Each of the two views is first turned about the vertical axis
            by its own angle up to this (0 = no turn; the motion targets turn with
            their view).
        shear_max: Each of the two views is then sheared by its own random matrix
            (:func:`shear`; 0 = off), so the contrastive task pairs differently
            distorted copies of a clip.

    Returns:
        The pretext batch.
    """
    if rotate_degrees > 0 or shear_max > 0:
        x_m = _view(x, rotate_degrees, shear_max, generator)
        x_j = _view(x, rotate_degrees, shear_max, generator)
    else:
        x_m = x_j = x
    masked = mask_future(x_m, lengths, mask_ratio, noise_std, generator)
    shuffled, labels = jigsaw(x_j, lengths, segments, generator)
    return PretextBatch(masked, shuffled, labels)
