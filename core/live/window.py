"""The sliding window of the live recogniser: the last seconds of skeletons, by timestamp.

Frames without a person are bridged when the gap is short (the missing frames are filled by
linear interpolation once the person is seen again, and the window is held meanwhile) and
empty the window when the gap is long, so a prediction never mixes two people or two takes.
"""

from __future__ import annotations

import collections

import numpy as np

from core.preprocess import resample


class SlidingWindow:
    """The last ``seconds`` of skeletons, indexed by timestamp, with gap handling.

    Args:
        seconds: Window duration.
        max_gap: Longest stretch without a person (seconds) that is bridged; a longer
            one empties the window.
    """

    def __init__(self, seconds: float, max_gap: float = 0.5) -> None:
        if not seconds > 0:
            raise ValueError(f"window duration must be > 0, got {seconds}")
        self.seconds = float(seconds)
        self.max_gap = float(max_gap)
        self._times: collections.deque[float] = collections.deque()
        self._frames: collections.deque[np.ndarray] = collections.deque()
        self._missing: list[float] = []
        self.resets = 0

    def __len__(self) -> int:
        return len(self._frames)

    @property
    def duration(self) -> float:
        """Seconds between the first and last skeleton held (0 with fewer than two)."""
        return self._times[-1] - self._times[0] if len(self._times) > 1 else 0.0

    @property
    def fill(self) -> float:
        """Covered share of the window duration, in ``[0, 1]``."""
        return min(1.0, self.duration / self.seconds)

    def reset(self) -> None:
        """Forget every skeleton."""
        self._times.clear()
        self._frames.clear()
        self._missing.clear()
        self.resets += 1

    def push(self, timestamp: float, skeleton: np.ndarray | None) -> bool:
        """Add one frame's skeleton, or record that nobody was seen.

        Args:
            timestamp: Seconds; must not decrease.
            skeleton: ``(M, V, C)`` joints, or ``None`` (no person, or joints not finite).

        Returns:
            ``False`` if this frame emptied the window (a long gap or a time jump).
        """
        if skeleton is not None and not np.isfinite(skeleton).all():
            skeleton = None
        last = self._times[-1] if self._times else None
        if last is not None and (
            timestamp < last or timestamp - last > self.max_gap + 1e-9
        ):
            self.reset()
            if skeleton is None:
                return False
            last = None
        if skeleton is None:
            if last is not None:
                self._missing.append(timestamp)
            return True
        skeleton = np.asarray(skeleton, dtype=np.float32)
        if last is not None and self._missing:
            # Bridge the gap: the person moved from the last pose to this one meanwhile.
            prev = self._frames[-1]
            for t in self._missing:
                w = (t - last) / (timestamp - last) if timestamp > last else 1.0
                self._times.append(t)
                self._frames.append(prev + np.float32(w) * (skeleton - prev))
        self._missing.clear()
        self._times.append(timestamp)
        self._frames.append(skeleton)
        while self._times and self._times[0] < timestamp - self.seconds - 1e-9:
            self._times.popleft()
            self._frames.popleft()
        return True

    def clip(self) -> np.ndarray | None:
        """The held skeletons ``(t, M, V, C)`` float32, oldest first, or ``None``."""
        if not self._frames:
            return None
        return np.stack(self._frames)

    def resampled(self, length: int) -> np.ndarray | None:
        """The held skeletons resampled to ``length`` frames, or ``None`` if empty."""
        x = self.clip()
        return None if x is None else resample(x, length)
