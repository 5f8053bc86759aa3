"""MS²L Studio desktop app (PyQt6 + pyqtgraph): Live, Replay, Train and Evaluate panels.

The app is a thin consumer of the core iterators: every long job runs in a worker thread
(:mod:`app.workers`) and reaches the widgets only through Qt signals.
"""
