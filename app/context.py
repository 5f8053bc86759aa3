"""What every panel is given: the job manager, the settings store and ways to report.

Panels receive one :class:`AppContext` instead of reaching for globals, so a test can build
a panel with its own settings file and see the errors it reports.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PyQt6.QtCore import QSettings, QUrl
from PyQt6.QtGui import QDesktopServices, QGuiApplication
from PyQt6.QtWidgets import QDoubleSpinBox, QSpinBox

from app.workers import JobManager


@dataclass
class AppContext:
    """Shared services of the main window.

    Attributes:
        jobs: Starts and tracks worker threads; stopped on quit.
        settings: Remembers last folders, camera and model (``QSettings`` lives only in
            the app).
        error: Shows an error (title, message) to the user without blocking.
        status: Shows a transient message in the status bar.
        errors: Every error reported so far (title, message), newest last.
    """

    jobs: JobManager
    settings: QSettings
    error: Callable[[str, str], None]
    status: Callable[[str], None]
    errors: list[tuple[str, str]] = field(default_factory=list)

    def remember(self, key: str, value: object) -> None:
        """Store a setting (paths are stored as strings)."""
        self.settings.setValue(key, str(value) if isinstance(value, Path) else value)

    def recall(self, key: str, default: str = "") -> str:
        """Read a string setting, or ``default``."""
        value = self.settings.value(key, default)
        return default if value is None else str(value)

    def keep_value(self, spin: QSpinBox | QDoubleSpinBox, key: str) -> None:
        """Give ``spin`` the value it had in the last session, and keep its changes."""
        saved = self.recall(key)
        with contextlib.suppress(ValueError):  # never set, or not a number: default
            spin.setValue(type(spin.value())(float(saved)))
        spin.valueChanged.connect(lambda value: self.remember(key, value))

    def open_folder(self, path: Path) -> bool:
        """Show ``path`` in the desktop's file manager; where none opens it (no
        desktop, no ``xdg-open``), copy the path to the clipboard and say so.

        Returns:
            Whether a file manager was started.
        """
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            return True
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None:
            clipboard.setText(str(path))
        self.status(f"No file manager could open the folder; path copied: {path}")
        return False
