"""Small layout helpers shared by the panels."""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtCore import QEvent, QObject, Qt
from PyQt6.QtGui import QKeyEvent
from PyQt6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)


def field_row(field: QWidget, *buttons: QWidget) -> QHBoxLayout:
    """A row with ``field`` taking the spare width and ``buttons`` beside it.

    Args:
        field: The stretching widget (a path edit, a combo box).
        buttons: Widgets placed after it at their natural size.

    Returns:
        The row layout.
    """
    row = QHBoxLayout()
    row.addWidget(field, 1)
    for button in buttons:
        row.addWidget(button)
    return row


def not_a_tab_stop(widget: QWidget) -> QWidget:
    """Leave ``widget`` out of the Tab order: a view that takes no keys (a plot, a
    video, a skeleton, the timeline) was a stop with no visible focus where the
    arrows did nothing (a keyboard trial: three such stops in a row in Teach).

    A click still focuses it, so that a value typed in a field is applied when the
    user clicks a view (with no focus at all it stayed in the field: a review).
    Returns ``widget``."""
    widget.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
    return widget


def _clicks_do_not_focus(parent: QWidget) -> None:
    """``parent``'s push buttons take focus from Tab only, not from a click.

    A clicked button that disables itself (Record, Start, Stop) hands its focus to the
    next widget: in a scrolling column the column then scrolls to it and jumps under
    the mouse, and anywhere Space then typed into that widget (Live's Model field after
    Stop: a review) instead of pressing the panel's button. Buttons that take focus
    from Tab only have none to hand on."""
    for button in parent.findChildren(QPushButton):
        if button.focusPolicy() == Qt.FocusPolicy.StrongFocus:
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)


def scrolling_column(column: QWidget) -> QScrollArea:
    """``column`` in a vertical scroll area: on a short screen it scrolls.

    A panel's column of settings is taller than a 1280x720 screen (a 1080p laptop at
    150 % scaling); without this its minimum height pushed the window's bottom, with
    the Start buttons and the log, off the screen.

    Its push buttons take focus from Tab only, not from a click (see below). Its spin
    boxes and combo boxes take the mouse wheel only once clicked (focused): scrolling
    the column over them changed their values unseen (a learning rate, the device).

    Args:
        column: The widget to scroll; its width is kept (no horizontal scrolling), and
            its maximum width, if any, is the area's.

    Returns:
        The scroll area to put in the layout instead of ``column``.
    """
    _clicks_do_not_focus(column)
    area = QScrollArea()
    guard = _ColumnInputGuard(area)
    for box in column.findChildren((QAbstractSpinBox, QComboBox)):
        box.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the wheel does not focus it
        box.installEventFilter(guard)
    area.setWidget(column)
    # Tab goes through its fields, and it scrolls to them
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    bar = area.verticalScrollBar()
    extra = bar.sizeHint().width() if bar is not None else 0
    # A fixed-width column (Live) has its width as minimum, not its layout's hint.
    least = max(column.minimumSizeHint().width(), column.minimumWidth())
    area.setMinimumWidth(least + extra)
    if column.maximumWidth() < 16_777_215:  # QWIDGETSIZE_MAX: no maximum set
        area.setMaximumWidth(column.maximumWidth() + extra)
    return area


def pinned_below(
    area: QScrollArea, column: QLayout, *pinned: QWidget | QLayout
) -> QWidget:
    """``area`` (a :func:`scrolling_column`) with ``pinned`` under it, always in view.

    The buttons that start a panel's work (Live's Start, Train's Start and progress,
    Teach's Train box) stay below the scrolling settings: at the bottom of the column
    they were below the fold of a laptop screen (1024x600, 1366x768) and had to be
    found by scrolling.

    Args:
        area: The scrolling column.
        column: The column's own layout, whose side margins the pinned part keeps (in
            line with the boxes above).
        pinned: Widgets and layouts, top to bottom.

    Returns:
        The widget to put in the panel instead of ``area``; its maximum width is the
        area's.
    """
    left = QVBoxLayout()
    left.setContentsMargins(0, 0, 0, 0)
    left.addWidget(area, 1)
    below = QVBoxLayout()
    margins = column.contentsMargins()
    below.setContentsMargins(margins.left(), 4, margins.right(), margins.bottom())
    for item in pinned:
        if isinstance(item, QLayout):
            below.addLayout(item)
        else:
            below.addWidget(item)
    left.addLayout(below)
    widget = QWidget()
    widget.setLayout(left)
    widget.setMaximumWidth(area.maximumWidth())
    _clicks_do_not_focus(widget)  # as in the column they came from
    return widget


def return_presses(
    field: QLineEdit | QComboBox,
    button: QPushButton,
    before: Callable[[], None] | None = None,
) -> None:
    """Return in ``field`` presses ``button`` when it is enabled: a path typed into
    Live's Video or Evaluate's Run, or an action typed for a span, and then Return,
    did nothing (a keyboard trial). An editable combo box's line edit is used.
    ``before`` is called first (when the button is enabled)."""
    if isinstance(field, QComboBox):
        # its own Return added the typed text to its list first, so that a typed
        # "PICK UP" was then found as a known action, not as "pick up" (a review)
        field.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    edit = field.lineEdit() if isinstance(field, QComboBox) else field
    if edit is None:
        return

    def press() -> None:
        if button.isEnabled():
            if before is not None:
                before()
            button.click()

    edit.returnPressed.connect(press)


def hand_over(done: QPushButton, following: QPushButton) -> None:
    """Disable ``done`` and enable ``following`` (Record -> Stop, Train -> Cancel).

    A disabled button hands the keyboard focus to whatever follows it in the tab
    order: Space pressed again then pressed that (a second take began while training
    ran), and a scroll area scrolled to show it. The focus, if ``done`` had it, goes
    to ``following`` instead.
    """
    following.setEnabled(True)
    if done.hasFocus():
        following.setFocus(Qt.FocusReason.OtherFocusReason)
    done.setEnabled(False)


class _ColumnInputGuard(QObject):
    """Passes the wheel over an unfocused spin or combo box on to the scroll area,
    and Space in a focused spin box on to the panel's shortcut (Record, Start): a spin
    box keeps its arrows only; its text field took the Space, turning Length's "until
    Stop" into " s", and no take started (a trial)."""

    def eventFilter(self, obj: QObject | None, event: QEvent | None) -> bool:  # noqa: N802
        if (
            event is not None
            and event.type() == QEvent.Type.ShortcutOverride
            and isinstance(obj, QAbstractSpinBox)
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Space
        ):
            event.ignore()  # not overridden: the shortcut takes the key
            return True
        if (
            event is not None
            and event.type() == QEvent.Type.Wheel
            and isinstance(obj, QWidget)
            and not obj.hasFocus()
        ):
            # Ignored and filtered: the box does not take it, its parents (up to the
            # scroll area) do.
            event.ignore()
            return True
        return False
