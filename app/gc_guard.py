"""Python's cyclic garbage collection on the GUI thread only.

Python collects reference cycles in whichever thread happens to allocate when a
generation's threshold is passed. A worker thread (a model loading, a run training)
could so collect a cycle holding Qt objects of the GUI (a closed panel's widgets and
their signal connections), deleting them from the wrong thread: the process died of a
segmentation fault with "Garbage-collecting" on the worker's stack (once in ~15 runs of
the GUI tests). Automatic collection is turned off and a timer on the GUI thread does
it instead, generation by generation as Python's own thresholds would; reference
counting, which frees almost everything, is untouched.
"""

from __future__ import annotations

import gc

from PyQt6.QtCore import QCoreApplication, QObject, QTimer, pyqtSlot

INTERVAL_MS = 500
"""How often the GUI thread looks at the allocation counts."""


class _Collector(QObject):
    """Collects on its timer, on the thread it was made on (the GUI's)."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.collect)
        self.timer.start(INTERVAL_MS)

    @pyqtSlot()
    def collect(self) -> None:
        """Collect the generations whose counts passed their thresholds."""
        counts = gc.get_count()
        for generation in range(3):
            if counts[generation] <= self.thresholds[generation]:
                break
            gc.collect(generation)


def collect_on_gui_thread(app: QCoreApplication) -> None:
    """Turn automatic collection off and collect on ``app``'s thread instead (the
    timer is made once per application)."""
    if app.findChild(_Collector) is None:
        _Collector(app)
    gc.disable()
