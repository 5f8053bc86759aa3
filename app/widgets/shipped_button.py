"""The "Shipped" button: choose one of the models shipped with the app."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import pyqtSignal, pyqtSlot
from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import QMenu, QPushButton, QWidget

from core import runs


class ShippedModelButton(QPushButton):
    """A button that chooses a model of ``resources/checkpoints``.

    With several shipped models it opens a menu of them, the default first, each named
    with its encoder (a folder that cannot be read is listed, disabled, with the reason
    as its tooltip); with one, a click chooses it; with none it is disabled.

    Signals:
        chosen(Path): The run folder the user picked.
    """

    chosen = pyqtSignal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Shipped", parent)
        self.models = runs.shipped_models()
        if not self.models:
            self.setEnabled(False)
            self.setToolTip("No model is shipped in resources/checkpoints")
        elif len(self.models) == 1:
            self.setToolTip(
                f"Use the model shipped with the app ({self.models[0].name})"
            )
            self.clicked.connect(self._on_clicked)
        else:
            self.setToolTip("Use one of the models shipped with the app")
            self.setMenu(self._menu())

    def _menu(self) -> QMenu:
        menu = QMenu(self)
        menu.setToolTipsVisible(True)
        for i, folder in enumerate(self.models):
            action = menu.addAction(folder.name)
            action.setData(str(folder))
            try:
                encoder = runs.encoder_title(runs.read_run(folder).config.model.encoder)
            except (OSError, ValueError) as exc:
                action.setText(f"{folder.name} (unreadable)")
                action.setToolTip(str(exc))
                action.setEnabled(False)
                continue
            action.setText(
                f"{folder.name} ({encoder})" + (" · default" if i == 0 else "")
            )
            action.setCheckable(True)  # ticked while it is the model in use
        menu.triggered.connect(self._on_triggered)
        return menu

    def mark_in_use(self, folder: Path | None) -> None:
        """Tick the shipped model in use (none when the model is not a shipped one)."""
        menu = self.menu()
        if menu is None:
            return
        where = None if folder is None else Path(folder).resolve()
        for action in menu.actions():
            if action.isCheckable():
                action.setChecked(Path(action.data()).resolve() == where)

    @pyqtSlot()
    def _on_clicked(self) -> None:
        self.chosen.emit(self.models[0])

    @pyqtSlot(QAction)
    def _on_triggered(self, action: QAction) -> None:
        self.chosen.emit(Path(action.data()))


def model_dialog_start(current: str | Path | None) -> str:
    """Where a "choose a run folder" dialog starts: beside the model in use (its
    folder's parent lists the other runs), or the runs folder when that model is a
    shipped one (the dialog opened inside ``resources/checkpoints``, away from the
    user's own runs: a trial) or there is none."""
    from core.paths import default_runs_dir

    text = str(current or "").strip()
    if text and not runs.in_shipped_folder(text) and Path(text).expanduser().is_dir():
        return str(Path(text).expanduser().parent)
    folder = default_runs_dir()
    return str(folder if folder.is_dir() else Path.home())
