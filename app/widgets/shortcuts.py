"""Keyboard shortcuts that press a panel's buttons.

A shortcut belongs to its panel (window context: only the panel on screen answers, so
Space can be Live's Start/Stop and Replay's Play/Pause) and clicks a button, so it does
exactly what the button does and nothing while the button is disabled. A widget with the
focus keeps the keys it uses itself: a text field its typed space (Qt gives it to a line
edit before any shortcut), and, since Qt would not, another button or a check box its
Space (pressing it), a combo box its Space, arrows and Page Up / Down, a slider or spin
box its arrows and Page Up / Down: the shortcut is off while such a widget has the
focus. A shortcut that makes something (Teach's Record) is off in a list too: Space on
a take, meant to play it, recorded a new one labelled with whatever action was chosen
(a trial); so is one whose key a list uses itself (Replay's Page Up / Down).
"""

from __future__ import annotations

from PyQt6.QtCore import QObject, Qt, pyqtSlot
from PyQt6.QtGui import QKeySequence, QShortcut
from PyQt6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QWidget,
)

_ARROWS = {Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down}
# a slider's, spin box's, combo box's and list's big steps
_PAGES = {Qt.Key.Key_PageUp, Qt.Key.Key_PageDown}


def keeps_key(
    widget: QWidget | None,
    key: Qt.Key,
    buttons: tuple,
    in_lists: bool = True,
    over: tuple = (),
) -> bool:
    """Whether ``widget``, having the focus, uses ``key`` itself.

    Args:
        widget: The focus widget (``None``: nothing has the focus).
        key: The shortcut's key.
        buttons: The shortcut's own buttons (Space on one of them is the shortcut's).
        in_lists: Whether the shortcut also works in a list (off: a list keeps it).
        over: Widgets whose own use of the key the shortcut takes over.
    """
    if widget is not None and widget in over:
        return False
    if not in_lists and isinstance(widget, QAbstractItemView):
        return True
    if isinstance(widget, QComboBox):
        return key == Qt.Key.Key_Space or key in _ARROWS | _PAGES
    if key == Qt.Key.Key_Space:
        return isinstance(widget, QAbstractButton) and widget not in buttons
    if key in _ARROWS | _PAGES:
        return isinstance(widget, QAbstractSlider | QAbstractSpinBox)
    return False


class _FocusGate(QObject):
    """Turns a shortcut off while the focus widget uses its key itself."""

    def __init__(
        self,
        shortcut: QShortcut,
        key: Qt.Key,
        buttons: tuple,
        in_lists: bool,
        over: tuple,
    ) -> None:
        super().__init__(shortcut)  # goes away with the shortcut (and its panel)
        self.shortcut, self.key, self.buttons = shortcut, key, buttons
        self.in_lists, self.over = in_lists, over
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self.on_focus_changed)

    @pyqtSlot("QWidget*", "QWidget*")
    def on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        self.shortcut.setEnabled(
            not keeps_key(new, self.key, self.buttons, self.in_lists, self.over)
        )


def press_on_key(
    panel: QWidget,
    key: Qt.Key,
    *buttons: QAbstractButton,
    in_lists: bool = True,
    over: tuple[QWidget, ...] = (),
) -> QShortcut:
    """Make ``key`` click the first enabled one of ``buttons`` while ``panel`` is shown.

    Args:
        panel: The panel the shortcut belongs to.
        key: The key (``Qt.Key.Key_Space``).
        buttons: Buttons in order of preference, e.g. ``(start, stop)``: whichever is
            enabled is clicked. Each gets the key in its tooltip.
        in_lists: Whether the key works while a list has the focus (off for a key
            that makes something: in a list it is taken for the list's own use).
        over: Widgets whose own use of the key this shortcut takes over (a player's
            seek slider: its Page Down stepped ten frames back, where the key meant
            the next action: a review).

    Returns:
        The shortcut (owned by ``panel``).
    """
    sequence = QKeySequence(key)
    shortcut = QShortcut(sequence, panel)
    shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
    _FocusGate(shortcut, key, buttons, in_lists, over)

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
