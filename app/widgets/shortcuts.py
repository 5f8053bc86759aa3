"""Keyboard shortcuts that press a panel's buttons.

A shortcut belongs to its panel (window context: only the panel on screen answers, so
Space can be Live's Start/Stop and Replay's Play/Pause) and clicks a button, so it does
exactly what the button does and nothing while the button is disabled. A text field with
the focus keeps its keys: Qt gives a typed space to a line edit before any shortcut.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QKeySequence, QShortcut
from PyQt6.QtWidgets import QAbstractButton, QWidget


def press_on_key(
    panel: QWidget,
    key: Qt.Key | QKeySequence.StandardKey | str,
    *buttons: QAbstractButton,
) -> QShortcut:
    """Make ``key`` click the first enabled one of ``buttons`` while ``panel`` is shown.

    Args:
        panel: The panel the shortcut belongs to.
        key: The key (``Qt.Key.Key_Space``) or sequence (``"Ctrl+R"``).
        buttons: Buttons in order of preference, e.g. ``(start, stop)``: whichever is
            enabled is clicked. Each gets the key in its tooltip.

    Returns:
        The shortcut (owned by ``panel``).
    """
    sequence = QKeySequence(key)
    shortcut = QShortcut(sequence, panel)
    shortcut.setContext(Qt.ShortcutContext.WindowShortcut)

    def press() -> None:
        for button in buttons:
            if button.isEnabled() and button.isVisible():
                button.click()
                return

    shortcut.activated.connect(press)
    name = sequence.toString(QKeySequence.SequenceFormat.NativeText)
    for button in buttons:
        tip = button.toolTip()
        button.setToolTip(f"{tip} ({name})" if tip else f"Key: {name}")
    return shortcut
