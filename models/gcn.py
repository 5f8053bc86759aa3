"""Building blocks of the graph encoder: skeleton adjacency and ST-GCN-style blocks.

The adjacency comes from the layout's bones, given as ``(child, parent)`` 0-based joint
pairs (``models`` never imports ``core``; the caller passes them). It is split in three
partitions as in ST-GCN's spatial strategy: each joint itself, its parent (towards the
root, "inward") and its children ("outward"); each partition is normalised by the
receiving joint's degree in it, so a joint averages its neighbours. A block is a spatial
graph convolution (one 1x1 convolution per partition, summed after mixing over the
joints) followed by a temporal convolution over frames, both with BatchNorm, and a
residual connection.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

Edges = Sequence[tuple[int, int]]


def adjacency(num_joints: int, edges: Edges) -> torch.Tensor:
    """The three-partition adjacency ``(3, V, V)`` of a skeleton.

    ``A[k, i, j]`` is the weight with which joint ``i`` receives joint ``j``'s features in
    partition ``k``: 0 = itself, 1 = its parent (the second joint of a ``(child, parent)``
    pair), 2 = its children. Rows with any neighbour sum to 1.

    Args:
        num_joints: Joints ``V``.
        edges: ``(child, parent)`` 0-based joint pairs (the layout's bones).

    Returns:
        Float32 tensor ``(3, V, V)``.

    Raises:
        ValueError: If an edge names a joint outside ``0..V-1`` or joins a joint to itself.
    """
    a = torch.zeros(3, num_joints, num_joints)
    a[0] = torch.eye(num_joints)
    for child, parent in edges:
        if not (0 <= child < num_joints and 0 <= parent < num_joints):
            raise ValueError(
                f"edge ({child}, {parent}) names a joint outside 0..{num_joints - 1}"
            )
        if child == parent:
            raise ValueError(f"edge ({child}, {parent}) joins a joint to itself")
        a[1, child, parent] = 1.0
        a[2, parent, child] = 1.0
    degree = a.sum(dim=2, keepdim=True)
    return a / degree.clamp_min(1.0)


class GraphConv(nn.Module):
    """Spatial graph convolution: ``sum_k A_k`` applied over joints to ``W_k x``.

    Each partition has a learnable elementwise weight on its adjacency (ST-GCN's edge
    importance), initialised to 1.

    Args:
        in_channels: Input channels.
        out_channels: Output channels.
        num_partitions: ``K``, the leading size of the adjacency.
    """

    def __init__(
        self, in_channels: int, out_channels: int, num_partitions: int
    ) -> None:
        super().__init__()
        self.out_channels = out_channels
        self.conv = nn.Conv2d(in_channels, out_channels * num_partitions, 1)
        self.num_partitions = num_partitions

    def forward(self, x: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        """``x (N, C, T, V)``, ``a (K, V, V)`` -> ``(N, C_out, T, V)``.

        ``out[n, c, t, w] = sum_k sum_v y[n, k, c, t, v] * a[k, w, v]`` as one matrix
        product over ``(k, v)``: the same sum as ``einsum("nkctv,kwv->nctw")``, which
        onnxruntime ran 2x slower on one body (half of the live window's cost,
        ``bench/gcn_cost.py``).
        """
        n, _, t, v = x.shape
        k, c = self.num_partitions, self.out_channels
        y = (
            self.conv(x)
            .view(n, k, c, t, v)
            .permute(0, 2, 3, 1, 4)
            .reshape(n, c, t, k * v)
        )
        return torch.matmul(y, a.transpose(1, 2).reshape(k * v, a.shape[1]))


class STBlock(nn.Module):
    """Graph convolution over joints, then temporal convolution over frames, residual.

    Args:
        in_channels: Input channels.
        out_channels: Output channels.
        num_joints: Joints ``V`` (size of the edge-importance weights).
        num_partitions: Adjacency partitions ``K``.
        stride: Temporal stride (1 or 2).
        kernel: Temporal kernel size (odd).
        residual: Add a residual path.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        num_joints: int,
        num_partitions: int = 3,
        stride: int = 1,
        kernel: int = 9,
        residual: bool = True,
    ) -> None:
        super().__init__()
        self.stride = stride
        self.importance = nn.Parameter(
            torch.ones(num_partitions, num_joints, num_joints)
        )
        self.gcn = GraphConv(in_channels, out_channels, num_partitions)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.tcn = nn.Conv2d(
            out_channels,
            out_channels,
            (kernel, 1),
            stride=(stride, 1),
            padding=(kernel // 2, 0),
        )
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU()
        self.residual: nn.Module | None
        if not residual:
            self.residual = None
        elif in_channels == out_channels and stride == 1:
            self.residual = nn.Identity()
        else:
            self.residual = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=(stride, 1)),
                nn.BatchNorm2d(out_channels),
            )

    def forward(
        self, x: torch.Tensor, a: torch.Tensor, keep: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``x (N, C, T, V)`` -> ``(N, C_out, ceil(T / stride), V)``.

        ``keep (N, T)`` (1 = valid frame, 0 = padding) zeroes the padding frames before
        the temporal convolution reads them, so padding never reaches a valid frame.
        """
        y = self.relu(self.bn1(self.gcn(x, a * self.importance)))
        if keep is not None:
            y = y * keep[:, None, :, None]
        y = self.bn2(self.tcn(y))
        if self.residual is not None:
            y = y + self.residual(x)
        return self.relu(y)


def block_plan(width: int, blocks: int) -> list[tuple[int, int, int]]:
    """``(in, out, stride)`` of each block: ``width`` channels, doubled with temporal
    stride 2 at one and two thirds of the blocks (6 blocks of 32: 32 32 64 64 128 128).

    Raises:
        ValueError: If ``width`` or ``blocks`` is below 1.
    """
    if width < 1 or blocks < 1:
        raise ValueError(f"graph encoder needs width >= 1 and blocks >= 1, got "
                         f"{width} and {blocks}")  # fmt: skip
    plan: list[tuple[int, int, int]] = []
    channels = width
    steps = {blocks // 3, (2 * blocks) // 3} - {0}
    for i in range(blocks):
        out, stride = channels, 1
        if i in steps:
            out, stride = 2 * channels, 2
        plan.append((channels, out, stride))
        channels = out
    return plan
