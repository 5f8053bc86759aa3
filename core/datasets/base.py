"""The one record type every reader returns, the one error type they raise, and the registry.

Every dataset reader turns its files into :class:`SkeletonSequence` records: joints as a
``(T, M, V, 3)`` float32 array (frames, bodies, joints, xyz in metres, Kinect camera space),
the layout name, the label (0-based, or ``None`` when unlabelled) and the metadata the format
carries. Readers are registered in :data:`core.datasets.registry.READERS` under a dataset name so that the CLI,
the cache and the GUI can open any dataset by name.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

MAX_COORDINATE = 1e4
"""The largest coordinate a reader takes (metres, or pixels for image positions): no
sensor gives a person 10 km away, so beyond it a value is damaged (1e30 in a file went
through as a confident answer, and drew every frame as a single dot: a trial)."""


class DataFormatError(ValueError):
    """A dataset file is malformed. The message names the file, and the line when known."""

    def __init__(
        self, path: str | os.PathLike[str], problem: str, line: int | None = None
    ):
        self.path = str(path)
        self.line = line
        self.problem = problem
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {problem}")


def has_a_skeleton(joints: np.ndarray) -> bool:
    """Whether any frame of a clip holds a coordinate that is neither zero nor
    missing (NaN): a Kinect body of all-zero joints, or a clip of no person, is no
    skeleton and nothing to recognise."""
    return bool(np.nan_to_num(np.asarray(joints, dtype=np.float64), nan=0.0).any())


@dataclass(frozen=True, eq=False)
class SkeletonSequence:
    """One skeleton clip.

    Attributes:
        name: Sample name (file stem, e.g. ``"S001C001P001R001A001"``).
        joints: ``(T, M, V, 3)`` float32, metres, camera space; absent bodies are zeros.
        layout: Layout name (``"ntu25"``, ``"ucla20"``).
        label: 0-based class index, or ``None`` when the clip is unlabelled.
        meta: Format metadata: subject, view, camera, setup, performer, replication, ...
        fps: Frame rate of the recording.
        source: File (or ``zip:member``) the clip came from.
        color_xy: Optional ``(T, M, V, 2)`` pixel coordinates in the RGB video (NTU).
    """

    name: str
    joints: np.ndarray
    layout: str
    label: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    fps: float = 30.0
    source: str = ""
    color_xy: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.joints.ndim != 4 or self.joints.shape[-1] != 3:
            raise ValueError(
                f"{self.name}: joints must be (T, M, V, 3), got {self.joints.shape}"
            )

    @property
    def num_frames(self) -> int:
        """Number of frames ``T``."""
        return int(self.joints.shape[0])

    @property
    def num_bodies(self) -> int:
        """Number of body slots ``M``."""
        return int(self.joints.shape[1])


class DatasetReader(Protocol):
    """What a registered dataset reader provides."""

    name: str
    layout: str
    num_bodies: int
    fps: float

    def scan(
        self,
        root: str | os.PathLike[str],
        on_error: Callable[[DataFormatError], None] | None = None,
    ) -> Iterator[SkeletonSequence]:
        """Yield every clip under ``root``; bad files go to ``on_error`` (or raise)."""
        ...

    def class_names(self) -> list[str]:
        """Class names in label order."""
        ...
