"""Teach panel: record takes of your own actions, label them, train, and use the model live.

The flow for a person at a webcam, on top of the self-supervised MS²L encoder:

1. **Record.** Pick the camera (or a video file), type an action name and press Record: a
   short countdown, then every frame's MediaPipe pose is written to the dataset folder
   (:func:`core.recorder.record` in a worker; the file is synced every second). A take is
   labelled with its action as a whole; a *continuous* recording is labelled afterwards.
2. **Review.** Takes are listed per action with counts. Selecting one plays its skeleton;
   it can be renamed or deleted. On the timeline (the Replay timeline) a span is dragged
   and given an action, which is how a continuous recording gets its labels.
3. **Train.** "Train on my actions" fine-tunes the base model's encoder (the shipped model
   by default) with a new classifier for the user's classes
   (:func:`core.training.teach.teach_config`), with progress, curves, cancel and resume.
4. **Use.** "Use in Live" hands the new run folder to the Live panel.

Every file operation goes through :mod:`core.datasets.custom`; every long job is a core
generator run by :class:`app.workers.IteratorWorker`.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PyQt6.QtCore import Qt, QTimer, pyqtSignal, pyqtSlot
from PyQt6.QtGui import QKeySequence, QShortcut, QShowEvent
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.session_log import note_run
from app.widgets.curves import TrainingCurves
from app.widgets.layout import (
    field_row,
    hand_over,
    pinned_below,
    return_presses,
    scrolling_column,
)
from app.widgets.shortcuts import press_on_key
from app.widgets.skeleton_view import SkeletonView
from app.widgets.source_picker import VIDEO_FILTER, SourcePicker
from app.widgets.timeline import (
    IntervalTimeline,
    SpanSeconds,
    frame_edges,
    nearest_index,
)
from app.widgets.video_view import VideoView
from app.workers import Job
from core import runs
from core.datasets import custom
from core.datasets.base import DataFormatError
from core.datasets.recording import (
    SPARSE_TAKE_SHARE,
    Recording,
    RecordingInfo,
    read_recording,
)
from core.fileio import FileKey, file_key, unwritable_folder
from core.skeleton import MP33, get_layout
from core.text import count, format_seconds
from core.training.events import (
    BatchDone,
    DataProgress,
    EpochDone,
    Log,
    RunFinished,
    RunStarted,
)
from core.training.teach import NO_ACTION

if TYPE_CHECKING:
    from core.recorder import RecordEvent

ROLE = Qt.ItemDataRole.UserRole  # a take row's recording name
SPAN_ROLE = Qt.ItemDataRole.UserRole + 1  # a labelled row's (start, end), seconds
ACTION_ROLE = Qt.ItemDataRole.UserRole + 2  # an action's row: its name
PLAYBACK_LAYOUT = (
    "ntu25"  # what a take is shown as: the Kinect layout of the model family
)
DEFAULT_DATASET = Path.home() / "ms2l-actions"
NO_ACTION_TIP = f'Tip: record "{NO_ACTION}" takes too (hover for why)'
NO_ACTION_HELP = (
    f'Takes of standing, walking about or fidgeting labelled "{NO_ACTION}" give the '
    "model a class for moments when none of your actions happens, instead of "
    "forcing one of them. Be in view in them: an empty scene has no skeleton to "
    'learn from (Live says "no person" there by itself).'
)


LABELS_PROBLEM = "⚠ labels not shown: "


class TeachPanel(QWidget):
    """Record, label and train on the user's own actions.

    Signals:
        model_ready(object): A training run finished; the run folder (a ``Path``).
        use_model(object): The user asked to use a run folder in Live.
        recording_saved(object): A recording was closed (its ``RecordFinished`` event).
    """

    model_ready = pyqtSignal(object)
    use_model = pyqtSignal(object)
    recording_saved = pyqtSignal(object)

    def __init__(
        self,
        ctx: AppContext,
        dataset: Path | None = None,
        base_model: Path | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.record_job: Job | None = None
        self.import_job: Job | None = None
        self._shown_label = ""  # the action a selected label row put in its box
        self.last_import_event: object = None
        self._import_by_frames = False  # the import bar counts frames, not videos
        self._import_failures: list[str] = []  # the running import's failed videos
        self._import_warnings: list[str] = []  # and what it warned of
        self.train_job: Job | None = None
        self.run_dir: Path | None = None
        self.trained_run: Path | None = None
        self._runs_root: Path | None = None  # the dataset the training display is of
        self._shown_root: Path | None = None  # the dataset the takes list is of
        self._previous_model: Path | None = None
        self.recording: Recording | None = None
        self._recording_root: Path | None = None  # the dataset folder it belongs to
        # the shown recording's file as read (core.fileio.file_key): showing it again
        # unchanged does not read it again
        self._recording_file: FileKey | None = None
        self._playback_joints: np.ndarray | None = None
        self._frame_of: str | None = None  # the take whose frame the view shows
        self._frame = 0
        # The frames Play loops over: a labelled row's span, else the whole take
        self._play_span: tuple[int, int] | None = None
        self.last_record_event: object = None

        # --- dataset -----------------------------------------------------------------
        folder = dataset or Path(ctx.recall("teach/dataset", str(DEFAULT_DATASET)))
        self.dataset_path = QLineEdit(str(folder))
        self.dataset_path.editingFinished.connect(self._sync_folder)
        # Enter reads the folder again even when it is the one shown: takes added by
        # another program are listed (the panel re-reads it only when shown again).
        self.dataset_path.returnPressed.connect(self.refresh)
        self._typed = QTimer(self)  # a pause in typing a folder shows it
        self._typed.setSingleShot(True)
        self._typed.setInterval(700)
        self._typed.timeout.connect(self._sync_folder)
        self.dataset_path.textEdited.connect(lambda _text: self._typed.start())
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._on_browse_dataset_clicked)
        self.open_folder_button = QPushButton("Show in files")
        self.open_folder_button.setToolTip(
            "Show the dataset folder in the file manager"
        )
        self.open_folder_button.clicked.connect(self._on_open_dataset_clicked)
        self.import_button = QPushButton("Import videos…")
        self.import_button.setToolTip(
            "Labelled videos: a folder of <action>/<video> sub-folders, or a CSV "
            "video,start,end,action; or a video to label afterwards on the timeline. "
            "MediaPipe runs over each (already imported videos are skipped)"
        )
        # Two kinds of input, each with its own dialog (a folder dialog whose Cancel
        # opened the CSV one hid the CSV, and made giving up open a second dialog).
        import_menu = QMenu(self.import_button)
        import_menu.addAction(
            "Folder of <action>/<video> sub-folders…", self._on_import_folder_chosen
        )
        import_menu.addAction(
            "CSV of video,start,end,action…", self._on_import_csv_chosen
        )
        # A long session labelled afterwards (recorded, it took as long as the video
        # plays: a coach's trial)
        import_menu.addAction(
            "A video to label afterwards…", self._on_import_unlabelled_chosen
        )
        self.import_button.setMenu(import_menu)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        dataset_form = QFormLayout()
        dataset_form.addRow(
            "Folder", field_row(self.dataset_path, browse, self.open_folder_button)
        )
        dataset_form.addRow("", self.import_button)
        dataset_form.addRow("", self.summary)
        dataset_box = QGroupBox("Your actions")
        dataset_box.setLayout(dataset_form)

        # --- recording ---------------------------------------------------------------
        self.source = SourcePicker(ctx, "teach")
        self.action = QComboBox()
        self.action.setEditable(True)
        self.action.setToolTip("An action you already recorded, or a new name")
        self.action.lineEdit().setPlaceholderText("action name, e.g. wave")
        suggest_without_completing(self.action)
        # Enter after the name goes on to Record (whose Space records): Enter did
        # nothing, and Space there typed a space into the name (a trial). The name
        # is not added to the list: the list is the folder's actions.
        self.action.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.action.lineEdit().returnPressed.connect(self._on_action_return_pressed)
        self.whole_take = QCheckBox("Label the whole take with this action")
        # remembered: ticked again at every start, a continuous session's next take
        # was labelled whole (a trial)
        self.whole_take.setChecked(ctx.recall("teach/whole_take", "true") == "true")
        self.whole_take.toggled.connect(
            lambda on: ctx.remember("teach/whole_take", "true" if on else "false")
        )
        self.whole_take.setToolTip(
            "Off: a continuous recording, labelled afterwards on the timeline"
        )
        self.subject = QLineEdit(ctx.recall("teach/subject"))
        self.subject.setPlaceholderText("optional: who is recorded")
        self.countdown = QSpinBox()
        self.countdown.setRange(0, 10)
        self.countdown.setValue(3)
        self.countdown.setSuffix(" s")
        self.max_seconds = QDoubleSpinBox()
        self.max_seconds.setRange(0.0, 600.0)
        self.max_seconds.setValue(0.0)
        self.max_seconds.setSuffix(" s")
        self.max_seconds.setSpecialValueText("until Stop")
        self.record_button = QPushButton("● Record")
        self.record_button.clicked.connect(self._on_record_clicked)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self._on_stop_clicked)
        press_on_key(
            self,
            Qt.Key.Key_Space,
            self.record_button,
            self.stop_button,
            in_lists=False,  # Space on a take recorded a new one
        )
        press_on_key(self, Qt.Key.Key_Escape, self.stop_button)
        self.record_status = QLabel("Choose a source and an action, then Record.")
        self.record_status.setWordWrap(True)
        # One line, the why in its tooltip: three wrapped lines pushed the list of
        # takes below the fold.
        help_label = self.no_action_tip = QLabel(NO_ACTION_TIP)
        help_label.setToolTip(NO_ACTION_HELP)
        help_label.setStyleSheet("color: #555555")  # gray on the grey panel: faint
        # Never wider than the column (a longer text widened it past the panel, its
        # buttons cut at the right: a re-trial); the whole of it is the tooltip's.
        help_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        help_label.setMinimumWidth(1)
        record_form = QFormLayout()
        record_form.addRow(self.source)
        record_form.addRow("Action", self.action)
        record_form.addRow("", self.whole_take)
        record_form.addRow("Subject", self.subject)
        # One row for both numbers: the panel's height goes to the list of takes.
        length_row = QHBoxLayout()
        length_row.addWidget(self.countdown, 1)
        length_row.addWidget(QLabel("Length"))
        length_row.addWidget(self.max_seconds, 1)
        record_form.addRow("Countdown", length_row)
        record_form.addRow(help_label)
        record_box = QGroupBox("Record")
        record_box.setLayout(record_form)

        # --- takes -------------------------------------------------------------------
        self.takes = QTreeWidget()
        self.takes.setHeaderLabels(["Action / take", "Seconds", "Frames"])
        # The name column takes the spare width: no sideways scrolling.
        header = self.takes.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.takes.itemSelectionChanged.connect(self._on_takes_selection_changed)
        # The list takes the column's spare height, not its own preferred 192 px: the
        # column (whose wrapped labels size it by height-for-width) added that to
        # the other boxes' and scrolled, its Play row and settings below the fold.
        self.takes.setSizePolicy(
            QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored
        )
        # Eight rows at least: at 1280x720 it had three, the rest scrolled inside a
        # list inside a scrolling column (a UI review); the column scrolls instead.
        rows = self.takes.fontMetrics().height() + 6
        self.takes.setMinimumHeight(rows * (TAKES_MIN_ROWS + 1))
        self.play_button = QPushButton("Play")
        self.play_button.clicked.connect(self._on_play_clicked)
        rename = QPushButton("Rename…")
        rename.clicked.connect(self._on_rename_clicked)
        delete = QPushButton("Delete")
        delete.clicked.connect(self._on_delete_clicked)
        # Keys of a list: Enter (or a double click) plays the take, Delete deletes it
        # (asking first); Delete did nothing, and Space, tried for Play, recorded.
        self.takes.itemActivated.connect(self._on_takes_item_activated)
        delete_key = QShortcut(
            QKeySequence(QKeySequence.StandardKey.Delete), self.takes
        )
        delete_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete_key.activated.connect(delete.click)
        takes_box = QGroupBox("Takes")
        takes_layout = QVBoxLayout(takes_box)
        takes_layout.addWidget(self.takes)
        takes_layout.addLayout(field_row(self.play_button, rename, delete))

        # --- training ----------------------------------------------------------------
        shipped = runs.shipped_model_dir()
        base = base_model or shipped
        self.base_path = QLineEdit("" if base is None else str(base))
        self.base_path.setToolTip(
            "The run whose self-supervised encoder your model starts from"
        )
        browse_base = QPushButton("Browse…")
        browse_base.clicked.connect(self._on_browse_base_clicked)
        self.epochs = QSpinBox()
        # As the Train panel's: 2000 typed here became 200, unsaid (a trial: the box
        # refuses the digit that passes its maximum).
        self.epochs.setRange(1, 10_000)
        from core.training.teach import TEACH_EPOCHS

        self.epochs.setValue(TEACH_EPOCHS)
        self.epochs.setToolTip(
            f"Passes over your takes (1-10000; {TEACH_EPOCHS} by default, seconds on a CPU)"
        )
        for spin, key in (
            (self.countdown, "teach/countdown"),
            (self.max_seconds, "teach/max_seconds"),
            (self.epochs, "teach/epochs"),
        ):
            ctx.keep_value(spin, key)
        self.train_button = QPushButton("Train on my actions")
        self.train_button.clicked.connect(self._on_train_clicked)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.resume_button = QPushButton("Resume")
        self.resume_button.setEnabled(False)
        self.resume_button.clicked.connect(self._on_resume_clicked)
        self.use_button = QPushButton("Use in Live")
        self.use_button.setEnabled(False)
        self.use_button.clicked.connect(self._on_use_clicked)
        self.progress = QProgressBar()
        self.progress.setFormat("idle")
        self.progress.setValue(0)
        # What training starts from scrolls with the column; its buttons and progress
        # stay in view below it (the whole box pinned hid the takes on a 1280x720
        # screen).
        settings_form = QFormLayout()
        settings_form.addRow("Start from", field_row(self.base_path, browse_base))
        settings_form.addRow("Epochs", self.epochs)
        settings_box = QGroupBox("Training settings")
        settings_box.setLayout(settings_form)
        train_form = QVBoxLayout()
        train_form.addLayout(
            field_row(
                self.train_button,
                self.cancel_button,
                self.resume_button,
                self.use_button,
            )
        )
        train_form.addWidget(self.progress)
        train_box = QGroupBox("Train")
        train_box.setLayout(train_form)

        controls = QVBoxLayout()
        controls.addWidget(dataset_box)
        controls.addWidget(record_box)
        controls.addWidget(takes_box, 1)
        controls.addWidget(settings_box)
        controls_widget = QWidget()
        controls_widget.setLayout(controls)
        controls_widget.setMaximumWidth(560)
        # The Train box stays below the scrolling column, always in view: at 1400x900
        # it was below the fold, and "Train on my actions", the flow's last step,
        # could only be found by scrolling.
        # Record, Stop and what the take is doing stay in view below it too (in the
        # Record box, Return in Action gave the focus to a Record half below the fold
        # of a 1366x768 screen at 125 %, and a take's status could not be seen while
        # recording: a trial).
        left_widget = pinned_below(
            scrolling_column(controls_widget),
            controls,
            field_row(self.record_button, self.stop_button),
            self.record_status,
            train_box,
        )
        # Tab from Length goes on to Record, as it did inside the Record box (it went
        # through the takes and settings first: a review)
        QWidget.setTabOrder(self.max_seconds, self.record_button)
        QWidget.setTabOrder(self.record_button, self.stop_button)

        # --- display -----------------------------------------------------------------
        self.video = VideoView()
        self.video.show_message("Record a take to see the camera here")
        self.skeleton = SkeletonView()
        self.skeleton.show_message(_SELECT_A_TAKE)
        self.timeline = IntervalTimeline()
        self.timeline.getAxis("left").setTicks([[(1, "labels"), (0, "")]])
        self.label_action = QComboBox()
        self.label_action.setEditable(True)
        self.label_action.setMinimumContentsLength(14)
        suggest_without_completing(self.label_action)
        # The span's ends in seconds, to read and to type: on a two-minute take a
        # pixel of the timeline is several frames, too coarse to drag a span to.
        self.span_seconds = SpanSeconds(self.timeline)
        add_label = QPushButton("Label selected span")
        add_label.setToolTip(
            "Drag the shaded span on the timeline (or type its seconds), pick an action"
        )
        add_label.clicked.connect(self._on_add_label_clicked)
        return_presses(self.label_action, add_label)
        self.remove_label_button = remove_label = QPushButton("Remove label")
        remove_label.clicked.connect(self._on_remove_label_clicked)
        # Shorter plots and log than the Train panel's, and shorter previews below:
        # the panel's least height (629 px) pushed the window past a 1366x768 screen
        # at a 1.25 scale (a UI review)
        self.curves = TrainingCurves(min_plot_height=80, side_by_side=True)
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(2000)
        self.log.setMinimumHeight(48)
        views = QSplitter()
        views.addWidget(self.video)
        views.addWidget(self.skeleton)
        # A short window squeezes the curves and the log before the previews; the
        # timeline (one row of labels here) keeps one height.
        views.setMinimumHeight(120)
        self.timeline.setFixedHeight(84)
        self.timeline.frame_clicked.connect(self._on_timeline_frame_clicked)
        right = QVBoxLayout()
        right.addWidget(views, 2)
        right.addWidget(self.timeline)
        # The span's seconds on a row of their own: beside the action's controls they
        # made the panel 1200 px wide at the least, and at 1366x768 with a 1.25 scale
        # the window grew past the screen (a UI review).
        seconds_row = QHBoxLayout()
        seconds_row.addWidget(self.span_seconds)
        seconds_row.addStretch(1)
        right.addLayout(seconds_row)
        span_row = field_row(self.label_action, add_label, remove_label)
        span_row.insertWidget(0, QLabel("Action of the span"))
        right.addLayout(span_row)
        right.addWidget(self.curves, 3)
        right.addWidget(self.log, 1)

        box = QHBoxLayout(self)
        box.addWidget(left_widget)
        box.addLayout(right, 1)

        self.playback = QTimer(self)
        self.playback.timeout.connect(self._on_playback_timeout)
        self.source.scan_cameras()
        self.refresh()

    # --- dataset ---------------------------------------------------------------------
    @property
    def root(self) -> Path:
        """The dataset folder."""
        return Path(self.dataset_path.text().strip() or DEFAULT_DATASET).expanduser()

    def set_dataset(self, folder: Path) -> None:
        """Show another dataset folder."""
        self.dataset_path.setText(str(folder))
        self.refresh()

    def _forget_recording(self) -> None:
        """Stop showing a take (another dataset folder, or the take deleted)."""
        self.playback.stop()
        self.play_button.setText("Play")
        self.recording = None
        self._recording_root = None
        self._recording_file = None
        self._playback_joints = None
        self._frame_of = None
        self.skeleton.show_message(_SELECT_A_TAKE)
        self.video.clear_frame()
        self.video.show_message("Record a take to see the camera here")
        self.timeline.set_intervals([], [], [NO_ACTION], 1)
        self.timeline.set_cursor(0)
        self.span_seconds.set_edges(None)

    @pyqtSlot()
    def showEvent(self, event: QShowEvent | None) -> None:  # noqa: N802 (Qt API)
        """Coming back to the panel re-reads the folder: takes added or labelled
        outside the app (``ms2l data extract``, a converter, an editor) are listed as
        training will use them."""
        super().showEvent(event)
        if self.record_job is None and self.import_job is None:
            self.refresh()

    def _sync_folder(self) -> None:
        """Show the folder typed in the field if it is not the one shown (typing
        ends with Enter or by leaving the field, and a click on a button does not
        take the focus from it)."""
        if self.root != self._shown_root:
            self.refresh()

    def refresh(self) -> None:
        """Re-read the dataset folder: takes per action, counts, actions to choose."""
        another_folder = self._shown_root is not None and self._shown_root != self.root
        if another_folder:
            # Another folder: a message about the one left (an error) goes, and so
            # does the last take's "Saved …" line (a re-trial).
            self.ctx.status(f"Dataset folder: {self.root}")
            self.record_status.setText("")
            self.curves.set_accuracy_note("")  # the last folder's run's (a trial)
        self._shown_root = self.root
        self.ctx.remember("teach/dataset", self.root)
        if self.train_job is None and self._runs_root != self.root:
            self._show_earlier_runs()
        if self.recording is not None and self._recording_root != self.root:
            self._forget_recording()  # the shown take belongs to another folder
        selected = self.selected_take()
        self.takes.clear()
        recordings = custom.list_recordings(self.root)
        try:
            labels = custom.read_labels(self.root)
            problem = ""
        except (ValueError, OSError) as exc:  # a hand-edited labels.csv can be wrong
            labels, problem = [], str(exc)
        infos = {r.name: r for r in recordings}
        # Rows training would refuse (past the take's end, overlapping another
        # action's) are marked, as unreadable takes are.
        refused = custom.row_problems(
            labels,
            {r.name: r.duration for r in recordings if not r.error},
            {r.name for r in recordings if not r.complete},
        )
        clashing = custom.overlapped_rows(labels, refused)
        by_action: dict[str, list[tuple[int, custom.LabelInterval]]] = {}
        for i, iv in enumerate(labels):
            by_action.setdefault(iv.action, []).append((i, iv))
        for action in sorted(by_action):
            rows = by_action[action]
            # what training will use: a label it refuses (⚠) is not counted (a
            # millimetre take counted as a take: a trial)
            good = [
                iv for i, iv in rows
                if i not in refused and i not in clashing
                and (info := infos.get(iv.recording)) is not None and not info.error
            ]  # fmt: skip
            seconds = sum(iv.duration for iv in good)
            takes = len({iv.recording for iv in good})
            noun = "take" if takes == 1 else "takes"
            # a bad label stops training, an unreadable take is left out: "refused"
            # for both read as "training goes on without them" (a trial)
            # (a label of no recording in the folder stops it too, and either of
            # two labels that clash is the one to mend)
            blocking = sum(
                i in refused or i in clashing or iv.recording not in infos
                for i, iv in rows
            )
            left_out = len(rows) - len(good) - blocking
            header = (
                f"{action} ({takes} {noun}"
                + (
                    f", ⚠ {count(blocking, 'label')} to mend before training"
                    if blocking
                    else ""
                )
                + (f", ⚠ {left_out} left out" if left_out else "")
                + ")"
            )

            top = QTreeWidgetItem([header, f"{seconds:.1f}", ""])
            top.setData(0, ACTION_ROLE, action)
            self.takes.addTopLevelItem(top)
            # a recording's labels in time order, not the order they were made in
            # ("[46.3–51.1 s]" before "[0.0–4.9 s]": a trial)
            for i, iv in sorted(rows, key=lambda r: (r[1].recording, r[1].start)):
                info = infos.get(iv.recording)
                frames = "" if info is None else str(_span_frames(info, iv))
                span = f"{iv.start:.1f}–{iv.end:.1f} s"
                # the take's note and the label's problem both (the take's hid
                # the label's: a review)
                problem = refused.get(i) or clashing.get(i)
                note = take_note(info) + (f"  ⚠ {problem}" if problem else "")
                item = QTreeWidgetItem(
                    [f"{iv.recording}  [{span}]{note}",
                     f"{iv.duration:.1f}", frames]
                )  # fmt: skip
                item.setData(0, ROLE, iv.recording)
                item.setData(0, SPAN_ROLE, (iv.start, iv.end, iv.action))
                item.setToolTip(0, item.text(0))  # its note is cut in a narrow list
                top.addChild(item)
            top.setExpanded(True)
        labelled = {iv.recording for iv in labels}
        loose = [r for r in recordings if r.name not in labelled]
        if loose:
            top = QTreeWidgetItem([f"unlabelled ({len(loose)})", "", ""])
            self.takes.addTopLevelItem(top)
            # Unlabelled time is cut into windows for pretraining: one shorter than
            # half a window gives none (data info lists it as skipped; the list did
            # not say: a re-trial).
            window = custom.unlabelled_window(labels)
            for info in loose:
                note = take_note(info) or (
                    f"  (too short to be used: under {window / 2:.1f} s)"
                    if not info.error and info.duration < window / 2
                    else ""
                )
                item = QTreeWidgetItem([info.name + note,
                                        f"{info.duration:.1f}", str(info.frames)])  # fmt: skip
                item.setData(0, ROLE, info.name)
                item.setToolTip(0, item.text(0))
                top.addChild(item)
            top.setExpanded(True)
        actions = sorted(set(by_action) | {NO_ACTION})
        for combo in (self.action, self.label_action):
            text = combo.currentText()
            if another_folder and combo is self.label_action and text not in actions:
                text = ""  # the last folder's label, none of this folder's actions
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(actions)
            combo.setEditText(text)
            combo.blockSignals(False)
        if not self.label_action.currentText():  # the action being recorded, say
            self.label_action.setEditText(self.action.currentText())
        counts = ", ".join(
            f"{a} {len({iv.recording for _, iv in rows})}"
            for a, rows in by_action.items()
        )
        # The takes per action in the tooltip (the list says them too): a summary that
        # grew a line with every action moved the Record box under the mouse (a trial).
        text = (
            f"{count(len(by_action), 'action')}, "
            f"{count(len(recordings), 'recording')}"
            + f" in {self.root}"
            + ("" if self.root.is_dir() else f" ({self._new_folder_note()})")
        )
        self.summary.setToolTip(f"Takes per action: {counts}" if counts else "")
        # The tip once it is followed says so, on the same one line (it stayed up
        # beside two "no action" takes: a trial).
        idle = len({iv.recording for _, iv in by_action.get(NO_ACTION, [])})
        self.no_action_tip.setText(
            f'"{NO_ACTION}": {count(idle, "take")} (hover for why)'
            if idle
            else NO_ACTION_TIP
        )
        if problem:
            text += f"\n⚠ {problem}"
        self.summary.setText(text)
        if selected:
            self.select_take(selected)

    def _new_folder_note(self) -> str:
        """What becomes of a dataset folder that does not exist: made by the first
        take, or why it cannot be (a path under a file was promised as "a new
        folder", refused only at Record: a trial)."""
        unwritable = unwritable_folder(self.root)
        if unwritable:
            return f"⚠ cannot be made: {unwritable}; choose another folder"
        return "a new folder: the first take makes it"

    def actions(self) -> dict[str, int]:
        """Labelled recordings per action, as the training will see them."""
        counts: dict[str, set[str]] = {}
        for iv in custom.read_labels(self.root):
            counts.setdefault(iv.action, set()).add(iv.recording)
        return {a: len(r) for a, r in sorted(counts.items())}

    # --- recording -------------------------------------------------------------------
    def start_recording(self) -> Job | None:
        """Start recording a take from the selected source.

        Returns:
            The recording job, or ``None`` if something is missing (reported).
        """
        if self.record_job is not None:
            return self.record_job
        self._sync_folder()
        typed = self.action.currentText().strip()
        action = self._known_spelling(self.action)
        whole = self.whole_take.isChecked()
        try:
            source = self.source.selected_source()
            if whole and not action:
                raise ValueError("type the name of the action you will perform")
            # Before the countdown: into a read-only folder the take failed at its
            # end, "[Errno 30] Read-only file system: '….tmp'" (a trial).
            unwritable = unwritable_folder(self.root)
            if unwritable:
                raise ValueError(
                    f"{self.root}: {unwritable}: choose another dataset folder"
                )
            name = custom.next_take_name(self.root, action if whole else "recording")
        except ValueError as exc:
            self.ctx.error("Record", str(exc))
            return None
        from core.recorder import record

        root = self.root
        subject = self.subject.text().strip()
        mirrored = self.source.mirrored.isChecked()
        countdown = float(self.countdown.value())
        limit = self.max_seconds.value() or None
        self.ctx.remember("teach/subject", subject)

        def make(stop: threading.Event) -> Iterator[RecordEvent]:
            return record(
                source, root, name, action=action if whole else None,
                subject=subject, stop=stop, countdown=countdown, max_seconds=limit,
                mirrored=mirrored, pace=True,
            )  # fmt: skip

        job = self.ctx.jobs.start("recording", make, latest_only=True)
        job.worker.item_produced.connect(self._on_record_item_produced)
        job.worker.failed.connect(self._on_record_failed)
        job.ended.connect(self._on_record_job_ended)
        self.record_job = job
        self._frame_of = name  # the frames the view shows from now on
        hand_over(self.record_button, self.stop_button)
        self.source.setEnabled(False)  # the take's source is fixed once it starts
        # (the status bar's word on the spelling gives way to the countdown's at once)
        same = f" as the action {action!r}" if whole and typed != action else ""
        self.record_status.setText(f"Starting {name}{same}…")
        self.video.show_message("Starting…")
        job.start()
        return job

    def stop_recording(self) -> None:
        """End the take after the current frame."""
        if self.record_job is not None:
            self.record_job.stop()

    @pyqtSlot()
    def _on_record_clicked(self) -> None:
        self.start_recording()

    @pyqtSlot()
    def _on_stop_clicked(self) -> None:
        self.stop_recording()

    @pyqtSlot(object)
    def _on_record_item_produced(self, _marker: object) -> None:
        from core.recorder import (
            RecordCountdown,
            RecordFinished,
            RecordProgress,
            RecordStarted,
        )

        job = self.record_job
        event = job.worker.take_latest() if job is not None else None
        if event is None:
            return
        self.last_record_event = event
        if isinstance(event, RecordCountdown):
            self.video.set_frame(event.frame)
            self.video.show_message(f"{event.seconds_left:.0f}…", large=True)
            self.record_status.setText(f"Get ready: {event.seconds_left:.1f} s")
        elif isinstance(event, RecordStarted):
            self.record_status.setText(f"Recording {event.name}…")
        elif isinstance(event, RecordProgress):
            self.video.set_frame(event.frame, event.landmarks, MP33)
            self.record_status.setText(
                f"● {event.seconds:.1f} s · {event.frames} frames · person in "
                f"{event.detected}"
            )
        elif isinstance(event, RecordFinished):
            self._on_record_finished(event)

    def _on_record_finished(self, event: object) -> None:
        from core.recorder import RecordFinished

        assert isinstance(event, RecordFinished)
        if event.reason == "cancelled":
            said = "Take cancelled during the countdown: nothing was saved"
            self.record_status.setText(said)
            self.ctx.status(said)
            self.video.show_message("Cancelled")
            return
        what = (
            f"labelled {event.label.action!r}"
            if event.label is not None
            else "unlabelled"
        )
        saved = (
            f"Saved {event.name}: {event.seconds:.1f} s, {event.frames} frames, {what}"
        )
        self.record_status.setText(saved)
        # An earlier take's error must not stay in the status line.
        self.ctx.status(saved)
        if event.warning:
            self.ctx.error("Record", event.warning)
        self.refresh()
        self.select_take(event.name)
        self.recording_saved.emit(event)

    @pyqtSlot(str)
    def _on_record_failed(self, message: str) -> None:
        self.record_status.setText(f"Recording failed: {message}")
        # Not the previous take's last frame under a message cut off at the view's edge:
        # the view says it failed, the status line below says why.
        self.video.clear_frame()
        self.video.show_message("Recording failed")
        self.refresh()  # whatever was synced before the failure is kept

    @pyqtSlot()
    def _on_record_job_ended(self) -> None:
        self.record_job = None
        hand_over(self.stop_button, self.record_button)
        self.source.setEnabled(True)

    # --- takes -----------------------------------------------------------------------
    def selected_take(self) -> str | None:
        """The recording of the selected row, or ``None``."""
        items = self.takes.selectedItems()
        name = items[0].data(0, ROLE) if items else None
        return str(name) if name else None

    def select_take(self, name: str, start: float | None = None) -> bool:
        """Select the row of recording ``name`` (and show it): its label starting at
        ``start`` seconds when given and listed, else its first row."""
        rows = [
            top.child(j)
            for i in range(self.takes.topLevelItemCount())
            if (top := self.takes.topLevelItem(i)) is not None
            for j in range(top.childCount())
            if top.child(j).data(0, ROLE) == name
        ]
        if start is not None:
            # labels.csv keeps a few decimals: the label made from a frame's exact
            # time is the row whose start is nearest it (an exact match missed it and
            # selected the take's other label: a trial).
            near = [
                (abs(span[0] - start), i) for i, r in enumerate(rows)
                if (span := r.data(0, SPAN_ROLE)) is not None
                and abs(span[0] - start) < 0.02
            ]  # fmt: skip
            rows = [rows[min(near)[1]]] if near else rows
        if not rows:
            return False
        self.takes.setCurrentItem(rows[0])
        self.takes.scrollToItem(rows[0])
        return True

    @pyqtSlot()
    def _on_takes_selection_changed(self) -> None:
        name = self.selected_take()
        if name is None:
            # Another action's row: not the last take's skeleton and timeline beside
            # it (read as that action's: a trial); a take of the action stays (its
            # timeline follows a rename), and so does a take being recorded.
            action, rec = self.selected_action(), self.recording
            if action is not None and rec is not None and self.record_job is None:
                rows = self._read_labels() or []
                if not any(
                    r.recording == rec.name and r.action == action for r in rows
                ):
                    self._forget_recording()
            return
        self.show_recording(name)
        # A labelled row: the timeline's span becomes that label's (Remove label and
        # a new label then act on it).
        items = self.takes.selectedItems()
        span = items[0].data(0, SPAN_ROLE) if items else None
        rec = self.recording
        if span is None and self.label_action.currentText() == self._shown_label:
            # the action a label row put there is not this take's: Label selected
            # span would have given it to an unlabelled take (a trial); what the
            # user typed stays
            self.label_action.setEditText("")
        self._shown_label = ""
        if span is not None and rec is not None and rec.name == name and rec.num_frames:
            # the frames whose edges are nearest the label's seconds (labels.csv keeps
            # three decimals: 10.067 s took the frame after 10.0667's, one off)
            edges = frame_edges(rec.timestamps, rec.duration)
            first = nearest_index(edges[:-1], span[0])
            last = nearest_index(edges[1:], span[1])
            self.timeline.enable_selection(first, max(first, last))
            self.label_action.setEditText(span[2])  # the action of the span shown
            self._shown_label = span[2]
            # Play shows the label's frames, from its start (it played the whole take
            # from frame 0, the label's motion somewhere in it: a trial)
            self._on_timeline_frame_clicked(first)
            self._play_span = (first, max(first, last))

    def show_recording(self, name: str) -> None:
        """Load a recording for playback and show its labels on the timeline."""
        self.playback.stop()
        self.play_button.setText("Play")
        self._play_span = None
        path = custom.recording_path(self.root, name)
        if not path.exists():
            # labels.csv names a recording the folder lacks (deleted or renamed by
            # hand): said where the take would show, not as an error for a click
            # (a dialog came at each selection: a trial)
            self._forget_recording()
            self.video.show_message(
                f"No recording {name!r} in the folder ({path.name}): labels.csv "
                "names it, and its labels stop training; Delete removes them"
            )
            self.skeleton.show_message(f"{name}: no skeleton to show")
            return
        try:
            stamp = file_key(path)
            # Labelling re-selects the take: a 65-minute one was read again for each
            # label, and Teach froze ~3 s a label (a trial). Not when its file changed
            # (a take being recorded, written again by an import).
            same = stamp is not None and stamp == self._recording_file
            shown = self.recording
            rec = shown if same and shown is not None else read_recording(path)
        except (ValueError, OSError) as exc:
            self.ctx.error("Take", str(exc))
            return
        if rec.num_frames == 0:
            # Nothing to show: not the last take's skeleton and timeline beside it (and
            # the view says so, not the Record box's status line, which stayed on it).
            self._forget_recording()
            self.video.show_message(f"{name} has no frames: nothing was recorded")
            self.recording = rec
            self._recording_root = self.root
            return
        self.recording = rec
        self._recording_root = self.root
        self._recording_file = stamp
        if self.record_job is None and name != self._frame_of:
            # the view's frame is the camera's, of the take just recorded, not this one's
            self._frame_of = None
            self.video.clear_frame()
            self.video.show_message(
                f"{name}: its skeleton, on the right (a take keeps the pose, not the "
                "video)"
            )
        joints = (
            self._playback_joints
            if same and self._playback_joints is not None
            else rec.kinect_joints(PLAYBACK_LAYOUT)
        )
        self._playback_joints = joints
        self.skeleton.set_sequence(joints, get_layout(PLAYBACK_LAYOUT))
        self._frame = 0
        self.skeleton.set_frame(joints[0])
        self.timeline.set_cursor(0)  # not where the last take's playback stopped
        self._show_labels()
        end = rec.num_frames - 1
        self.timeline.enable_selection(0, end, last=end)
        self.span_seconds.set_edges(frame_edges(rec.timestamps, rec.duration))

    def _read_labels(self) -> list[custom.LabelInterval] | None:
        """The dataset's labels; ``None`` (and the problem shown) if labels.csv is bad."""
        try:
            rows = custom.read_labels(self.root)
        except (ValueError, OSError) as exc:  # a hand-edited labels.csv can be wrong
            self.record_status.setText(f"{LABELS_PROBLEM}{exc}")
            return None
        if self.record_status.text().startswith(LABELS_PROBLEM):  # fixed since
            self.record_status.setText("")
        return rows

    def _show_labels(self) -> None:
        rec = self.recording
        if rec is None:
            return
        rows = self._read_labels() or []
        # A colour stays with its action when another is added, and is the one
        # Replay gives it (custom.action_order).
        names = custom.action_order(rows)
        mine = [iv for iv in rows if iv.recording == rec.name]
        spans = [custom.label_frames(rec.timestamps, iv.start, iv.end) for iv in mine]
        intervals = [  # the timeline's ends are inclusive
            (names.index(iv.action), first, max(stop - 1, first))
            for iv, (first, stop) in zip(mine, spans, strict=True)
        ]
        self.timeline.set_intervals(
            intervals, [], names, rec.num_frames, captions="names"
        )

    @pyqtSlot()
    def _on_action_return_pressed(self) -> None:
        if self.record_button.isEnabled():
            self.record_button.setFocus()

    @pyqtSlot()
    def _on_takes_item_activated(self) -> None:
        if self.selected_take() is not None and not self.playback.isActive():
            self.play_button.click()

    @pyqtSlot()
    def _on_play_clicked(self) -> None:
        if self.playback.isActive():
            self.playback.stop()
            self.play_button.setText("Play")
            if self.record_job is None and self.recording is not None:
                # not "Playing …" any more (it stayed: a trial)
                self.video.show_message(
                    f"{self.recording.name}: paused (its skeleton, on the right)"
                )
            return
        if self._playback_joints is None or self.recording is None:
            if self.recording is not None:  # a take of no frame: said, not nothing
                self.ctx.status(f"{self.recording.name} has no frames to play")
            else:
                self.ctx.status("Select a take to play it")
            return
        if self.record_job is None:  # the camera's last frame is not this take's
            self.video.clear_frame()
            self.video.show_message(
                f"Playing {self.recording.name}: its skeleton, on the right (a take "
                "keeps the pose, not the video)"
            )
        fps = self.recording.source.fps or 30.0
        self.playback.start(max(1, round(1000 / fps)))
        self.play_button.setText("Pause")

    @pyqtSlot(int)
    def _on_timeline_frame_clicked(self, frame: int) -> None:
        """Show the take's pose at the frame clicked on the timeline."""
        joints = self._playback_joints
        if joints is None or not len(joints):
            return
        self._frame = min(frame, len(joints) - 1)
        if self._play_span and not self._play_span[0] <= frame <= self._play_span[1]:
            self._play_span = None  # a frame outside the label: Play goes on from it
        self.skeleton.set_frame(joints[self._frame])
        self.timeline.set_cursor(self._frame)

    @pyqtSlot()
    def _on_playback_timeout(self) -> None:
        joints = self._playback_joints
        if joints is None:
            self.playback.stop()
            return
        first, last = self._play_span or (0, len(joints) - 1)
        self._frame = self._frame + 1 if first <= self._frame < last else first
        self.skeleton.set_frame(joints[self._frame])
        self.timeline.set_cursor(self._frame)

    def rename_take(self, old: str, new: str) -> bool:
        """Rename a recording (and its labels); errors are reported, not raised."""
        from core.training.teach import rename_take

        try:
            rename_take(self.root, old, new)
        except (ValueError, OSError) as exc:
            self.ctx.error("Rename", f"{exc}: {old!r} was not renamed")
            return False
        self.refresh()
        self.select_take(new)
        self.ctx.status(f"Renamed {old!r} to {new!r}")
        return True

    def select_action(self, action: str) -> bool:
        """Select the row of ``action`` and bring it into the list's view."""
        for i in range(self.takes.topLevelItemCount()):
            top = self.takes.topLevelItem(i)
            if top is not None and top.data(0, ACTION_ROLE) == action:
                self.takes.setCurrentItem(top)
                self.takes.scrollToItem(top)
                return True
        return False

    def selected_action(self) -> str | None:
        """The action of the selected action row (not a take's row), or ``None``."""
        items = self.takes.selectedItems()
        action = items[0].data(0, ACTION_ROLE) if items else None
        return str(action) if action else None

    def rename_action(self, old: str, new: str) -> bool:
        """Rename an action in every label (merging it into an existing one of that
        name); errors are reported, not raised."""
        try:
            n, new = custom.rename_action(self.root, old, new)
        except (ValueError, OSError) as exc:
            self.ctx.error("Rename action", str(exc))
            return False
        self.refresh()
        self.select_action(new)  # the merged row, in view (the list looked unchanged)
        # The shown take's timeline and the span's action say the new name (they
        # kept the old one: a trial).
        # So do the record box's action (Record brought the old name back: a trial).
        for box in (self.label_action, self.action):
            if box.currentText().strip().casefold() == old.casefold():
                box.setEditText(new)
        if self.recording is not None:
            self._show_labels()
        # The model trained before knows the old name ("Use in Live" answered it).
        retrain = (
            "; the model trained before keeps the old name: train again for the new one"
            if self.use_button.isEnabled()
            else ""
        )
        self.ctx.status(
            f"Renamed action {old!r} to {new!r} ({count(n, 'label')}){retrain}"
        )
        return True

    def delete_take(self, name: str) -> bool:
        """Delete a recording and its labels (the labels alone of one whose file is
        gone); errors are reported, not raised."""
        gone = not custom.recording_path(self.root, name).is_file()
        try:
            custom.delete_recording(self.root, name)
        except (ValueError, OSError) as exc:
            # Said to be kept: the message alone (a labels.csv row) left it unclear
            # whether the take was gone (a trial).
            self.ctx.error("Delete", f"{exc}: {name!r} was not deleted")
            return False
        if self.recording is not None and self.recording.name == name:
            self._forget_recording()
        if self.record_status.text().startswith(f"Saved {name}:"):  # of this take
            self.record_status.setText("")
        self.refresh()
        self.ctx.status(
            f"Removed the labels of {name!r} (its recording was not in the folder)"
            if gone
            else f"Deleted {name!r} and its labels"
        )
        return True

    @pyqtSlot()
    def _on_rename_clicked(self) -> None:
        action = self.selected_action()
        if action is not None:
            self._ask_name(
                "Rename action",
                f"New name of {action!r} for all its labels (an existing action's "
                "name merges the two)",
                action,
                str.strip,
                lambda new: self.rename_action(action, new),
            )
            return
        name = self.selected_take()
        if name is None:
            self.ctx.status("Select a take (or an action's row) to rename it")
            return
        # A take's name is its file's: spaces, refused after the typing, become _.
        self._ask_name(
            "Rename take",
            "New name (letters, digits, _ . + -; spaces become _)",
            name,
            lambda typed: "_".join(typed.split()),
            lambda new: self.rename_take(name, new),
        )

    def _ask_name(
        self,
        title: str,
        prompt: str,
        old: str,
        clean: Callable[[str], str],
        rename: Callable[[str], bool],
    ) -> None:
        """Ask for a new name until ``rename`` takes it (or nothing new is given):
        a name refused is asked for again with what was typed (it was lost, to be
        typed again from the start: a trial)."""
        typed = old
        while True:
            text, ok = QInputDialog.getText(self, title, prompt, text=typed)
            new = clean(text)
            if not ok or not new or new == old or rename(new):
                return
            typed = new

    @pyqtSlot()
    def _on_delete_clicked(self) -> None:
        name = self.selected_take()
        if name is None:  # an action's row, or none: nothing said did nothing
            self.ctx.status(
                "Select a take to delete it (an action goes with its takes)"
            )
            return
        gone = not custom.recording_path(self.root, name).is_file()
        answer = QMessageBox.question(
            self,
            "Delete take",
            f"Remove the labels of {name!r}? Its recording is not in the folder."
            if gone
            else f"Delete the recording {name!r} and its labels?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,  # Return keeps it (Yes deleted: a trial)
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.delete_take(name)

    def label_span(self, action: str) -> bool:
        """Label the timeline's selected span of the shown recording with ``action``.

        Returns:
            ``True`` if the label was written (a bad one is reported instead).
        """
        rec = self.recording
        span = self.timeline.selection()
        if rec is None or span is None or not action.strip():
            self.ctx.error("Label", "select a take, drag a span and name the action")
            return False
        first, last = (min(f, rec.num_frames - 1) for f in span)
        edges = frame_edges(rec.timestamps, rec.duration)  # as the span's fields say
        start, end = float(edges[first]), float(edges[last + 1])
        start, end, ceded = self._cede_shared_frame(rec, start, end, action.strip())
        try:
            custom.add_label(self.root, rec.name, start, end, action.strip(),
                             rec.subject)  # fmt: skip
        except DataFormatError as exc:  # the label's problem, not labels.csv's path
            # (the path came first: a trial); a bad row already in the file by its
            # number (it read "start 'abc' ..." of no row: a trial)
            bad = exc if self._read_labels() is None else None
            where = f"labels.csv row {bad.line}: " if bad and bad.line else ""
            self.ctx.error("Label", where + exc.problem)
            return False
        except (ValueError, OSError) as exc:
            self.ctx.error("Label", str(exc))
            return False
        name = rec.name
        self.refresh()
        self.select_take(name, start)  # the row of the label just made
        self.ctx.status(
            f"Labelled {start:.2f}-{end:.2f} s of {name!r} as {action.strip()!r}"
            + "".join(
                f" (the frames it shared with {other!r} stay with that label)"
                for other in ceded
            )
        )
        return True

    def _cede_shared_frame(
        self, rec: Recording, start: float, end: float, action: str
    ) -> tuple[float, float, list[str]]:
        """A span dragged from the frame where another action's label ends (or to the
        one where it starts) shares that frame with it, which the timeline does not
        show: it was refused as overlapping (a trial); on a long recording, where a
        pixel of the timeline is several frames, it shares a few (a re-trial: a
        "no action" gap could not be labelled in five tries). The new span gives up
        at most :data:`CEDED_FRAMES` frames at an edge, never half of itself; a wider
        overlap stays an error.

        Returns:
            ``(start, end, actions)``: the span, and the labels it gave frames to.
        """
        rows = [
            r
            for r in self._read_labels() or []
            if r.recording == rec.name and r.action != action
        ]
        stamps = np.asarray(rec.timestamps, dtype=float)
        own = int(np.count_nonzero((stamps >= start) & (stamps < end)))
        # labels.csv keeps three decimals: spans that only touch may overlap by less
        # than a frame, which is not a frame given up (it was said to be: a trial)
        period = float(np.median(np.diff(stamps))) if len(stamps) > 1 else 0.0
        ceded = []
        for row in rows:
            lo, hi = max(start, row.start), min(end, row.end)
            shared = int(np.count_nonzero((stamps >= lo) & (stamps < hi)))
            if hi <= lo or shared > CEDED_FRAMES or 2 * shared >= own:
                continue
            if row.start <= start < row.end:
                start = row.end
            elif row.start < end <= row.end:
                end = row.start
            else:
                continue
            if hi - lo >= period / 2:
                ceded.append(row.action)
        return start, end, ceded

    @pyqtSlot()
    def _on_add_label_clicked(self) -> None:
        self.label_span(self._known_spelling(self.label_action))

    def _known_spelling(self, combo: QComboBox) -> str:
        """The action typed in ``combo``; an action already in the folder written in
        other letter case is taken as that one (said in the status bar), so that
        "Wave" does not become a class of its own beside "wave"."""
        typed = combo.currentText().strip()
        known = [combo.itemText(i) for i in range(combo.count())]
        if typed in known:
            return typed
        same = next((k for k in known if k.casefold() == typed.casefold()), None)
        if same is None:
            return typed
        combo.setEditText(same)
        self.ctx.status(f"{typed!r} is the action {same!r} already in the folder")
        return same

    @pyqtSlot()
    def _on_remove_label_clicked(self) -> None:
        rec = self.recording
        if rec is None:
            return
        rows = self._read_labels()
        if rows is None:
            return
        # The label under the start of the span: selecting a labelled row in the list
        # sets the span to that label's (a span over a whole take started where no
        # label was, and nothing happened), and a span dragged since is the one meant.
        span = self.timeline.selection() or (0, rec.num_frames - 1)
        # the middle of the span's first frame: labels.csv's three decimals put a
        # label's start a hair after its first frame's time
        edges = frame_edges(rec.timestamps, rec.duration)
        first = min(span[0], rec.num_frames - 1)
        last = min(max(span[1], first), rec.num_frames - 1)
        t = float(edges[first] + edges[first + 1]) / 2
        under = [
            i
            for i, iv in enumerate(rows)
            if iv.recording == rec.name and iv.start <= t < iv.end
        ]
        # Of overlapping labels, the one of the span's action and extent: a row
        # selected in the list is that one (the first label under the span was
        # removed instead, another action's: a trial).
        action = self.label_action.currentText()
        span_interval = custom.LabelInterval(
            rec.name, float(edges[first]), float(edges[last + 1]), action
        )
        found = max(
            under,
            key=lambda i: (
                rows[i].action == action,
                custom.overlap_share(rows[i], span_interval),
            ),
            default=None,
        )
        if found is None:
            self.ctx.status(
                f"No label of {rec.name!r} at {t:.2f} s: select its row in the list, "
                "or drag a span that starts inside it"
            )
            return
        removed = rows[found]
        # where the user was: the list's scroll and the timeline's zoom (on a session
        # of 500 labels each removal went back to the top and the whole take: a trial)
        scrolled = self.takes.verticalScrollBar().value()
        shown = self.timeline.getViewBox().viewRange()[0]
        custom.remove_label(self.root, found)
        # The take stays shown with the span that was removed, and no row selected:
        # the take's next label was selected (its span and action put in place), so
        # a second press removed that one too (a trial).
        blocker = self.takes.blockSignals(True)
        self.refresh()
        self.takes.setCurrentItem(None)
        self.takes.clearSelection()
        self.takes.blockSignals(blocker)
        self.show_recording(rec.name)
        self.timeline.setXRange(*shown, padding=0)
        self.takes.verticalScrollBar().setValue(scrolled)
        self.timeline.enable_selection(*span)
        self.label_action.setEditText(action)
        self.ctx.status(
            f"Removed the label {removed.action!r} ({removed.start:.2f}-"
            f"{removed.end:.2f} s) of {rec.name!r}"
        )

    # --- importing labelled videos ----------------------------------------------------
    def import_videos(
        self, videos: Path, workers: int = 2, mirrored: bool = False
    ) -> Job | None:
        """Extract poses from labelled videos into the dataset folder, in a worker.

        Args:
            videos: A folder of ``<action>/<video>``, a CSV ``video,start,end,action``
                or one video, imported unlabelled (:func:`core.extract.plan`).
            workers: MediaPipe processes.
            mirrored: The videos are mirrored images: flipped back first.

        Returns:
            The import job (``None`` if one is already running).
        """
        if self.import_job is not None:
            return None
        self._sync_folder()
        from core.extract import extract

        root = self.root
        unwritable = unwritable_folder(root)
        if unwritable:  # said before MediaPipe runs on every video (a trial)
            self.ctx.error(
                "Import videos", f"{root}: {unwritable}: choose another dataset folder"
            )
            return None

        def make(stop: threading.Event) -> Iterator[object]:
            return extract(videos, root, workers=workers, mirrored=mirrored, stop=stop)

        job = self.ctx.jobs.start("import", make)
        job.worker.item_produced.connect(self._on_import_item_produced)
        job.worker.failed.connect(self._on_import_failed)
        job.ended.connect(self._on_import_job_ended)
        self.import_job = job
        self._import_failures, self._import_warnings = [], []
        self.import_button.setEnabled(False)
        self.cancel_button.setEnabled(True)  # stops the import (kept so far)
        self._append_log(
            f"importing {videos} into {root}" + (" (mirrored)" if mirrored else "")
        )
        job.start()
        return job

    @pyqtSlot()
    def _on_import_folder_chosen(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Folder of <action>/<video> sub-folders", self._import_start()
        )
        if folder:
            self._import_chosen(Path(folder))

    @pyqtSlot()
    def _on_import_csv_chosen(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "CSV of video,start,end,action", self._import_start(), "CSV (*.csv)"
        )
        if path:
            self._import_chosen(Path(path))

    @pyqtSlot()
    def _on_import_unlabelled_chosen(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "A video to label afterwards", self._import_start(), VIDEO_FILTER
        )
        if path:
            self._import_chosen(Path(path))

    def _import_start(self) -> str:
        """Where the import dialogs open: where the last import came from (they
        opened in the home folder every time: a trial)."""
        last = Path(self.ctx.recall("teach/import_dir", str(Path.home())))
        return str(last if last.is_dir() else Path.home())

    def _import_chosen(self, videos: Path) -> None:
        """Import what a dialog chose; with Mirrored ticked, ask whether the videos
        are mirrored (the box was not read: no way to import selfie videos here, a
        trial; nor taken without asking, as it is remembered for the camera)."""
        self.ctx.remember(
            "teach/import_dir", str(videos if videos.is_dir() else videos.parent)
        )
        mirrored = False
        if self.source.mirrored.isChecked():
            answer = QMessageBox.question(
                self,
                "Import videos",
                "Mirrored is ticked: are these videos mirrored (selfie) images, to be "
                "flipped back before MediaPipe?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            mirrored = answer == QMessageBox.StandardButton.Yes
        self.import_videos(videos, mirrored=mirrored)

    @pyqtSlot(object)
    def _on_import_item_produced(self, event: object) -> None:
        from core.extract import (
            ExtractDone,
            ExtractFailed,
            ExtractFinished,
            ExtractFrames,
            ExtractSkipped,
            ExtractStarted,
            ignored_note,
        )

        self.last_import_event = event
        if isinstance(event, ExtractStarted):
            # By frames when the videos' headers give them: one long video read
            # "0 / 1" until it ended, with no idea how long it would take (a trial).
            self._import_by_frames = event.expected > 0
            if self._import_by_frames:
                self.progress.setRange(0, event.expected)
                self.progress.setValue(0)
                self.progress.setFormat(
                    f"importing videos {event.total - event.todo} / {event.total} · %p%"
                )
            else:
                self.progress.setRange(0, max(1, event.total))
                self.progress.setValue(event.total - event.todo)
                self.progress.setFormat("importing videos %v / %m")
            if event.ignored:
                self._append_log(ignored_note(event.ignored))
            for line in event.same:
                self._append_log(f"⚠ {line}")
            self._import_warnings += event.same
        elif isinstance(event, ExtractFrames) and self._import_by_frames:
            # Within the range and never back, though a header's count is an
            # estimate: core.extract counts each video up to its header's count.
            self.progress.setValue(event.progress)
            left = event.seconds_left
            eta = f" · {format_seconds(left)} left" if left is not None else ""
            self.progress.setFormat(
                f"importing videos {event.done} / {event.total} · %p%{eta}"
            )
        elif isinstance(event, ExtractFrames):
            self.progress.setValue(event.done)
            # The frames as they go: a long video read "0 / 1" for a minute (a trial).
            self.progress.setFormat(
                f"importing videos %v / %m · {count(event.frames, 'frame')} read"
            )
        elif isinstance(event, ExtractDone):
            if not self._import_by_frames:
                self.progress.setValue(event.done)
            note = f" ({event.warning})" if event.warning else ""
            self._append_log(f"imported {event.video}: {event.frames} frames{note}")
        elif isinstance(event, ExtractSkipped) and event.warning:
            self._append_log(f"already imported {event.video} ({event.warning})")
        elif isinstance(event, ExtractFailed):
            self._append_log(f"failed (skipped): {event.error}")
            self._import_failures.append(str(event.error))
        elif isinstance(event, ExtractFinished):
            self._append_log(
                f"import {'cancelled' if event.cancelled else 'done'}: "
                f"{event.extracted} imported, {event.skipped} already there, "
                f"{event.failed} failed"
            )
            for line in event.warnings:
                self._append_log(f"warning: {line}")
            self._import_warnings += event.warnings
            # what it warned of was in the log alone, a video imported twice read as
            # a new take (a trial): the bar, the status bar and the dialog say it
            warned = self._import_warnings
            said = (
                f" · ⚠ {count(len(warned), 'warning')} (in the log)" if warned else ""
            )
            self.refresh()
            if event.cancelled:
                self.progress.setFormat(
                    "import cancelled: Import videos… again goes on from there"
                )
                return
            if not event.failed:
                self.progress.setFormat(f"import done{said}")
                if warned:
                    more = f" (and {len(warned) - 1} more in the log)"
                    self.ctx.status(
                        f"Import done: ⚠ {warned[0]}"
                        + (more if len(warned) > 1 else "")
                    )
                return
            # a full bar saying "import done" over a video that failed read as a
            # success (a trial): the bar says it, and so does a message
            self.progress.setFormat(
                f"import done: {event.failed} failed{said}"
                if event.extracted or event.skipped
                else f"import failed{said}"
            )
            failures = self._import_failures
            shown = "\n".join(failures[:LISTED_FAILURES]) + (
                f"\n… and {len(failures) - LISTED_FAILURES} more (in the log)"
                if len(failures) > LISTED_FAILURES
                else ""
            )
            warnings = "".join(f"\n⚠ {line}" for line in warned[:LISTED_FAILURES])
            self.ctx.error(
                "Import videos",
                f"{count(event.failed, 'video')} could not be imported "
                f"({event.extracted} imported, {event.skipped} already there):\n{shown}"
                + warnings,
            )

    @pyqtSlot(str)
    def _on_import_failed(self, message: str) -> None:
        self._append_log("import failed: " + message)
        self.progress.setFormat("import failed")

    @pyqtSlot()
    def _on_import_job_ended(self) -> None:
        self.import_job = None
        self.import_button.setEnabled(True)
        self.cancel_button.setEnabled(self.train_job is not None)
        self.refresh()

    # --- training --------------------------------------------------------------------
    def training_config(self) -> object:
        """The run configuration "Train on my actions" uses (see ``teach_config``).

        Raises:
            ValueError: If there is not enough to train on, or no base model.
        """
        from core.training.teach import teach_config, teach_run_dir, teach_val_fraction

        val_fraction = teach_val_fraction(self.root)
        base = self.base_path.text().strip()
        if not base or not runs.is_run_dir(Path(base).expanduser()):
            raise ValueError(f"not a run folder to start from: {base or '(empty)'}")
        return teach_config(
            self.root, teach_run_dir(self.root), init_from=Path(base).expanduser(),
            epochs=self.epochs.value(), val_fraction=val_fraction, eval_every=5,
        )  # fmt: skip

    def _show_earlier_runs(self) -> None:
        """Show the dataset folder's own training state instead of another folder's:
        its newest model (Use in Live) and a newer run that was cancelled or cut short
        by closing the app (Resume), with their curves, from this or an earlier
        session."""
        from core.training.history import read_history
        from core.training.teach import earlier_teach_runs

        self._runs_root = self.root
        found = earlier_teach_runs(self.root)
        self.run_dir, self.trained_run = found.resumable, found.finished
        self.resume_button.setEnabled(found.resumable is not None)
        self.use_button.setEnabled(found.finished is not None)
        self.curves.clear()
        self.log.clear()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("idle")
        shown = found.resumable or found.finished
        if shown is None:
            return
        history = read_history(shown)
        for event in history:
            self.curves.add_event(event)
        # and why its accuracy plot is empty, as while it trained (unsaid after a
        # restart: a GUI trial)
        try:
            val_fraction = runs.read_run(shown).config.data.val_fraction
        except (OSError, ValueError):
            val_fraction = None
        self.curves.set_accuracy_note(_no_accuracy_note(val_fraction))
        epochs = [e for e in history if isinstance(e, EpochDone)]
        done = epochs[-1].epoch if epochs else 0
        if found.resumable is not None:
            planned = runs.read_run(found.resumable).config.optim.epochs
            self.progress.setRange(0, planned)
            self.progress.setValue(min(done, planned))
            self.progress.setFormat(f"stopped at epoch {done} of {planned}: Resume")
            self._append_log(f"an unfinished run of this folder: {found.resumable}")
        if found.finished is not None:
            if found.resumable is None:
                kept = epochs[-1].val_acc if epochs else None
                acc = (
                    "" if kept is None else f", validation accuracy {100 * kept:.0f} %"
                )
                self.progress.setValue(1)
                self.progress.setFormat(f"your last model{acc}")
            self._append_log(f"your last model of this folder: {found.finished}")

    def start_training(self, resume: bool = False) -> Job | None:
        """Train (or resume) a model of the user's actions in a worker.

        Returns:
            The training job, or ``None`` if something is missing (reported).
        """
        if self.train_job is not None:
            return self.train_job
        if self.record_job is not None:  # its take would be left out, unsaid
            self.ctx.error(
                "Train on my actions",
                "a take is being recorded: stop it first (Stop, or Esc) and it is "
                "trained on too",
            )
            return None
        if self.import_job is not None:
            # it trained on the videos imported so far and said the model was ready
            # while more came in (a trial)
            self.ctx.error(
                "Train on my actions",
                "videos are being imported: train once the import is done (or "
                "cancelled), and they are trained on too",
            )
            return None
        self._sync_folder()
        from core.training.loop import run

        try:
            if resume:
                if self.run_dir is None:
                    raise ValueError("no cancelled run to resume")
                from core.config import make_config

                saved = runs.read_run(self.run_dir).config  # the run's own dataset
                cfg = make_config(run={"run_dir": str(self.run_dir), "resume": True})
                folder, val_fraction = Path(saved.data.root), saved.data.val_fraction
            else:
                cfg = self.training_config()
                folder, val_fraction = self.root, cfg.data.val_fraction
        except (ValueError, OSError, KeyError) as exc:
            self.ctx.error("Train on my actions", str(exc))
            return None

        def make(stop: threading.Event) -> Iterator[object]:
            return run(cfg, stop)

        if not resume:
            self.curves.clear()
            self._runs_root = self.root
        from core.training.teach import MIN_RECORDINGS_FOR_VALIDATION as enough

        if val_fraction == 0:
            from core.training.teach import few_takes

            # Which actions (a trial could not tell which of five it was), counting
            # the takes training reads, as the rule does.
            few = few_takes(folder)
            who = (
                f"{', '.join(few)} {'has' if len(few) == 1 else 'have'}"
                if few
                else "an action has"
            )
            self._append_log(
                f"every take trains: {who} fewer than {enough} takes, so none "
                "is held out and no validation accuracy is measured (record "
                f"{enough} or more takes of every action to see one; a continuous "
                "recording is one take however many labels it has)"
            )
        # The empty plot says why, as the Train panel's does (a trial).
        self.curves.set_accuracy_note(_no_accuracy_note(val_fraction))
        self._previous_model = self.trained_run  # offered again if this run stops
        self.trained_run = None
        self.use_button.setEnabled(False)
        self._t0 = time.monotonic()
        self._stepped = False  # no training step yet (a failure now trained nothing)
        self._first_step = (0, 0.0)  # (step, time) of this session's first step
        # Its own name: the Train panel's "training" failing or starting again is not
        # about this run (a new job of a name closes that name's error dialog).
        job = self.ctx.jobs.start("teach training", make)
        job.worker.item_produced.connect(self._on_train_item_produced)
        job.worker.failed.connect(self._on_train_failed)
        job.ended.connect(self._on_train_job_ended)
        self.train_job = job
        self._set_training(True)
        self._append_log(f"training on {folder}")
        # Not the last run's "stopped at epoch 19 of 300": data loading comes first.
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("starting…")
        job.start()
        return job

    @pyqtSlot()
    def _on_train_clicked(self) -> None:
        self.start_training()

    @pyqtSlot()
    def _on_resume_clicked(self) -> None:
        self.start_training(resume=True)

    @pyqtSlot()
    def _on_cancel_clicked(self) -> None:
        if self.train_job is not None:
            self.train_job.stop()
            self.progress.setFormat("cancelling…")
        elif self.import_job is not None:
            # an import could only be stopped by quitting the app (a trial); what
            # is done is kept, and importing again goes on from there
            self.import_job.stop()
            self.progress.setFormat("cancelling the import…")

    @pyqtSlot(object)
    def _on_train_item_produced(self, event: object) -> None:
        if isinstance(event, DataProgress):
            self.progress.setRange(0, max(1, event.total))
            self.progress.setValue(min(event.done, event.total))
            self.progress.setFormat(f"{event.stage} data %v / %m")
        elif isinstance(event, RunStarted):
            self.run_dir = Path(event.run_dir)
            note_run(self.run_dir)  # named at the next start, should the app die now
            if event.start_epoch > 1:  # the epoch cut short is trained again
                self.curves.truncate(event.start_epoch - 1)
            self._steps = max(1, event.total_epochs * event.steps_per_epoch)
            self.progress.setRange(0, self._steps)
            self._append_log(
                f"{count(event.total_epochs, 'epoch')} x "
                f"{count(event.steps_per_epoch, 'step')} -> {self.run_dir}"
            )
        elif isinstance(event, BatchDone):
            done = (event.epoch - 1) * event.steps_per_epoch + event.step
            now = time.monotonic()
            if not self._stepped:  # the pace is timed from the first step on
                self._first_step = (done, now)
            self._stepped = True
            self.progress.setValue(min(done, self.progress.maximum()))
            # The time left (a trial asked: 300 epochs gave no idea how long).
            first, then = self._first_step
            left = (now - then) / max(1, done - first) * (self._steps - done)
            eta = f" · {format_seconds(left)} left" if done - first >= 3 else ""
            self.progress.setFormat(f"epoch {event.epoch} · %p%{eta}")
            self.curves.add_event(event)
        elif isinstance(event, EpochDone):
            self.curves.add_event(event)
        elif isinstance(event, Log):
            self._append_log(plain_log(event.message))
        elif isinstance(event, RunFinished):
            self._on_run_finished(event)

    def _on_run_finished(self, event: RunFinished) -> None:
        note_run(event.run_dir, ended=True)
        seconds = time.monotonic() - self._t0
        if event.cancelled:
            self.progress.setFormat("cancelled · %p%")
            self._append_log("cancelled; Resume continues where it stopped")
            self.resume_button.setEnabled(runs.is_run_dir(event.run_dir))
            return
        kept = event.last_val_acc  # the model kept is the last epoch's
        acc = (
            ", no validation (too few takes)"
            if kept is None
            else f", validation accuracy {100 * kept:.0f} %"
        )
        self.progress.setValue(self.progress.maximum())
        self.progress.setFormat(f"done in {seconds:.0f} s{acc}")
        self._append_log(f"model ready in {seconds:.1f} s{acc}: {event.run_dir}")
        self.trained_run = Path(event.run_dir)
        self.use_button.setEnabled(True)
        self.resume_button.setEnabled(False)
        self.ctx.status(f"Your model is ready{acc}: press 'Use in Live'")
        self.model_ready.emit(self.trained_run)

    @pyqtSlot(str)
    def _on_train_failed(self, message: str) -> None:
        if not self._stepped:  # failed before training: a full data bar read "done"
            self.progress.setValue(self.progress.minimum())
            # no run to have no accuracy: the note stayed over a failed start (a trial)
            self.curves.set_accuracy_note("")
        self.progress.setFormat("failed")
        self._append_log("error: " + message)

    @pyqtSlot()
    def _on_train_job_ended(self) -> None:
        self.train_job = None
        self._set_training(False)
        if self._runs_root != self.root:  # another folder was opened meanwhile
            trained_for, made = self._runs_root, self.trained_run
            self._show_earlier_runs()
            if made is not None:  # this run finished (it is None while training)
                # Said, not only reset: the panel went quietly to "idle".
                self.ctx.status(
                    f"The model of {trained_for} is ready: open that folder to use "
                    "it in Live"
                )
        elif self.trained_run is None and self._previous_model is not None:
            # Cancelled or failed: the model from before is still there to use.
            self.trained_run = self._previous_model
            self.use_button.setEnabled(True)

    @pyqtSlot()
    def _on_use_clicked(self) -> None:
        if self.trained_run is not None:
            # Which model went to Live, and that a newer run is unfinished: after a
            # Cancel, Live got the run before it, unsaid (a trial).
            unfinished = (
                "; the newer run was stopped before its end: Resume it to use it"
                if self.resume_button.isEnabled()
                else ""
            )
            self.ctx.status(f"Live uses {self.trained_run.name}{unfinished}")
            self.use_model.emit(self.trained_run)

    def _set_training(self, running: bool) -> None:
        if running:
            hand_over(self.train_button, self.cancel_button)
            self.resume_button.setEnabled(False)
        else:
            hand_over(self.cancel_button, self.train_button)
            # an import still running keeps its Cancel (a review)
            self.cancel_button.setEnabled(self.import_job is not None)

    def _append_log(self, line: str) -> None:
        self.log.appendPlainText(f"{datetime.now():%H:%M:%S}  {line}")

    # --- file dialogs ----------------------------------------------------------------
    @pyqtSlot()
    def _on_browse_dataset_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Dataset folder", str(self.root)
        )
        if folder:
            self.set_dataset(Path(folder))

    @pyqtSlot()
    def _on_open_dataset_clicked(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.ctx.open_folder(self.root)

    @pyqtSlot()
    def _on_browse_base_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Run to start from", self.base_path.text()
        )
        if folder:
            self.base_path.setText(folder)


_PLAIN_LOG = (
    (
        re.compile(
            r"finetune preset=\S+ init_from=(?P<base>.+?): (?P<train>\d+) training "
            r"clips \(\d+ labelled\), (?P<val>\d+) validation clips, .*live window "
            r"(?P<window>[\d.]+) s"
        ),
        "starting from the self-supervised encoder of {base_name}: {train} labelled "
        "clips train, {val} are held out to measure accuracy; Live will read "
        "{window} s at a time (the median clip) and answer once half of it is seen",
    ),
    (
        re.compile(r"kept fresh \(not in that run or shape differs\): classifier$"),
        "a new classifier learns your actions on top of that encoder",
    ),
    (
        re.compile(
            r"optimiser: Adam, lr \S+ \(.*\), batch (?P<batch>\d+), "
            r"(?P<epochs>\d+) epochs?$"
        ),
        "{epochs} passes over your clips, {batch} at a time",
    ),
    (
        re.compile(r"the classification loss weighs the classes alike$"),
        "every action counts alike, however many takes it has",
    ),
    (
        re.compile(r"augmentation: --augment "),
        "each take is varied a little at every epoch (turned, resized, sped up or "
        "slowed down, a little noise) so that the model learns the action, not the take",
    ),
    (
        re.compile(
            r"note: the data's \S+ skeletons are read in the model's (?P<layout>\S+) "
            r"layout: (?P<joints>.+?) not used; (?P<made>.+?) made up from "
            r"neighbouring joints"
        ),
        "your takes are converted to the model's skeleton ({layout}), which does not "
        "use these joints: {joints}; and makes these, which your takes do not have, "
        "from the joints beside them: {made}",
    ),
    (
        re.compile(
            r"note: the data's \S+ skeletons are read in the model's (?P<layout>\S+) "
            r"layout: (?P<joints>.+?) not used"
        ),
        "your takes are converted to the model's skeleton ({layout}), which does not "
        "use these joints: {joints}",
    ),
    (
        re.compile(
            r"note: the data's MediaPipe \(webcam\) skeletons are read in the model's "
            r"(?P<layout>\S+) layout"
        ),
        "your takes' MediaPipe landmarks are converted to the model's skeleton "
        "({layout})",
    ),
    (
        re.compile(
            r"note: (?P<clips>\d+) labelled clips are too few for a novelty check"
        ),
        "with {clips} labelled clips, this model will have no check for unfamiliar "
        "motion (more takes give it one)",
    ),
    (
        re.compile(r"no novelty check: (?P<clips>\d+) labelled clips are too few"),
        "no check for unfamiliar motion: {clips} labelled clips are too few for it, so "
        "Live ranks your actions whatever the motion (below the threshold it says "
        "'no action')",
    ),
)


def _no_accuracy_note(val_fraction: float | None) -> str:
    """Why a model of one's takes has no accuracy curve (none held out), or ``""``."""
    from core.training.teach import MIN_RECORDINGS_FOR_VALIDATION as enough

    if val_fraction != 0:
        return ""
    # two lines: one was cut at the right of the half-width plot (a trial)
    return f"no accuracy: too few takes to hold any out\n({enough} of each action make one)"


CEDED_FRAMES = 8
"""The most frames a new label gives up at an edge it shares with another action's
label (about a pixel of the timeline on a two-minute recording)."""
_SELECT_A_TAKE = "Select a take in the list to see its skeleton here"


TAKES_MIN_ROWS = 8
"""Rows of the takes list always in view (the column scrolls to show them)."""
LISTED_FAILURES = 5
"""Videos that failed to import named in the message (the log has them all)."""


def plain_log(message: str) -> str:
    """A training log line as the Teach panel says it: the lines written for the
    command line's researchers ("kept fresh (not in that run or shape differs):
    classifier", "init_from=…") in words for a person teaching their own actions
    (a trial); the others as they are."""
    for pattern, text in _PLAIN_LOG:
        found = pattern.match(message)
        if found:
            fields = found.groupdict()
            if "base" in fields:
                fields["base_name"] = Path(fields["base"]).name
            return text.format(**fields)
    return message


def _span_frames(info: RecordingInfo, iv: custom.LabelInterval) -> int:
    """About how many of a take's frames a label covers (at the take's average
    rate): the Frames column gave the whole take's beside the label's seconds."""
    if info.duration <= 0:
        return info.frames
    return min(info.frames, round(iv.duration * info.frames / info.duration))


def take_note(info: RecordingInfo | None) -> str:
    """What the list of takes says after a take's name: why it will be refused, or
    that its writing was cut short (``""`` for a good, complete take)."""
    if info is None:  # its labels stop training: Delete removes them
        return "  ⚠ no such recording in the folder: Delete removes its labels"
    if info.error:
        return f"  ⚠ {info.error}"
    if not info.complete and info.source.kind == "video":
        # an import stopped part way: its stub read "cut short 0.0 s" with no way
        # on (a trial)
        return (
            "  (cut short: stopped part way; an imported video is finished by "
            "importing it again)"
        )
    if not info.complete:
        return "  (cut short: its recording process was stopped)"
    if info.frames and info.detected < SPARSE_TAKE_SHARE * info.frames:
        # the warning at its end is a box that gets closed; the list keeps saying it
        return f"  ⚠ a person in only {info.detected} of {info.frames} frames"
    return ""


def suggest_without_completing(combo: QComboBox) -> None:
    """An editable combo box that keeps what is typed: its own inline completion
    turned a new action "tai" into the existing "tai chi" under the cursor, and Record
    took it; a suggestion list instead took the next click (on Record) to close
    itself. The existing actions are in the box's own list."""
    combo.setCompleter(None)
