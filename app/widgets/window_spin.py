"""The Live panel's window-duration box: "model default", or a duration in range."""

from __future__ import annotations

from PyQt6.QtWidgets import QDoubleSpinBox, QWidget

from core.live.recogniser import WINDOW_SECONDS_RANGE


class WindowSpinBox(QDoubleSpinBox):
    """Seconds of the sliding window; 0 shows as "model default (1.13 s)".

    Its range is the recogniser's (:data:`WINDOW_SECONDS_RANGE`, the CLI's too): a
    value between 0 and the shortest window moves to the shortest. Up from the model's
    default goes to the model's own duration (not to the shortest), down below the
    shortest comes back to the default.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shortest, longest = WINDOW_SECONDS_RANGE
        self.model_default: float | None = None
        self.setRange(0.0, longest)
        self.setSingleStep(0.1)
        self.setDecimals(2)
        self.setSuffix(" s")
        self.set_model_default(None)
        self.valueChanged.connect(self._out_of_range)

    def set_model_default(self, seconds: float | None) -> None:
        """The loaded model's window (``None``: no model yet)."""
        self.model_default = seconds
        self.setSpecialValueText(
            "model default" if seconds is None else f"model default ({seconds:.2f} s)"
        )

    def seconds(self) -> float | None:
        """The window asked for; ``None`` = the model's."""
        return self.value() or None

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt's name
        value = self.value()
        if value == 0 and steps > 0:
            self.setValue(max(self.shortest, self.model_default or self.shortest))
        elif value > 0 and value + steps * self.singleStep() < self.shortest:
            self.setValue(0.0)
        else:
            super().stepBy(steps)

    def _out_of_range(self, value: float) -> None:
        if 0 < value < self.shortest:
            self.setValue(self.shortest)
