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
from PyQt6.QtWidgets import QComboBox, QDoubleSpinBox, QLineEdit, QSpinBox, QWidget

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

    def remember_field(self, key: str, field: QWidget) -> None:
        """Store a form field's value (a combo box's choice, a spin box's number, a
        line edit's text)."""
        if isinstance(field, QComboBox):
            self.remember(key, field.currentText())
        elif isinstance(field, QSpinBox | QDoubleSpinBox):
            self.remember(key, repr(field.value()))
        elif isinstance(field, QLineEdit):
            self.remember(key, field.text().strip())

    def restore_field(self, key: str, field: QWidget) -> None:
        """Give a form field the value :meth:`remember_field` stored (nothing stored,
        an unknown choice or a value that is not a number leaves it as it is)."""
        saved = self.recall(key)
        if not saved:
            return
        if isinstance(field, QComboBox):
            if field.findText(saved) >= 0:
                field.setCurrentText(saved)
        elif isinstance(field, QSpinBox | QDoubleSpinBox):
            with contextlib.suppress(ValueError):
                field.setValue(type(field.value())(float(saved)))
        elif isinstance(field, QLineEdit):
            field.setText(saved)

    def keep_value(self, spin: QSpinBox | QDoubleSpinBox, key: str) -> None:
        """Give ``spin`` the value it had in the last session, and keep its changes."""
        self.restore_field(key, spin)
        spin.valueChanged.connect(lambda _value: self.remember_field(key, spin))

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
