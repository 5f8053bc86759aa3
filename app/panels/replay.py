"""Replay panel: open a dataset or one file, pick a clip, play it and compare labels.

A dataset is opened through its clip store (:func:`core.datasets.cache.prepare`, parsed
once and memory-mapped), one file through :func:`core.datasets.read_file`; both run in a
worker thread. The clip list filters by class and by the protocol's split. The player
steps through frames at the recording's frame rate with a ``QTimer``; the skeleton view
can be rotated. The chosen model (a run folder, the shipped one by default) predicts the
clip in a worker with :func:`core.inference.sequences.predict_clip`: the whole clip for a
trimmed sample and, for a continuous PKU-MMD sequence, every frame through the live
recogniser (the same algorithm and settings as ``ms2l infer`` and the Live panel), whose
labelled and predicted intervals are then shown on a timeline.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PyQt6.QtCore import QSignalBlocker, Qt, QTimer, pyqtSignal, pyqtSlot
from PyQt6.QtGui import QMouseEvent
from PyQt6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSplitter,
    QStyle,
    QStyleOptionSlider,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.widgets.elided_label import ElidedLabel
from app.widgets.prob_bars import UNFAMILIAR_NOTE, ProbabilityBars
from app.widgets.shipped_button import ShippedModelButton, model_dialog_start
from app.widgets.shortcuts import press_on_key
from app.widgets.skeleton_view import SkeletonView
from app.widgets.timeline import IntervalTimeline
from app.workers import USER_ERRORS, Job
from core import runs
from core.datasets.base import SkeletonSequence
from core.datasets.registry import dataset_held
from core.datasets.splits import PROTOCOLS, split_indices
from core.inference.sequences import still_pose_problem
from core.labels import class_ids, names_for_sequence
from core.live.recogniser import LiveSettings, ranked
from core.paths import shared_data_dir
from core.runs import shipped_model_dir
from core.skeleton import get_layout
from core.text import count

if TYPE_CHECKING:
    from core.datasets.cache import ClipStore
    from core.inference import Predictor
    from core.inference.sequences import ClipPrediction


@dataclass(frozen=True)
class _Predicted:
    """A prediction made in the worker, tagged with the clip and the model it is for
    (another clip or model may have been chosen while it ran)."""

    clip: SkeletonSequence
    model_dir: Path
    prediction: ClipPrediction


@dataclass(frozen=True)
class PredictProgress:
    """How far the frame-by-frame prediction of a clip has come (from the worker)."""

    clip: SkeletonSequence
    model_dir: Path
    done: int
    total: int


@dataclass(frozen=True)
class _ModelFailed:
    """A model that did not load in the worker (its run folder and why)."""

    model_dir: Path
    message: str


@dataclass(frozen=True)
class _Loaded:
    """A model loaded in the worker, tagged with its run folder."""

    model_dir: Path
    predictor: Predictor


class ReplayPanel(QWidget):
    """Dataset / file browser, player and label comparison.

    Signals:
        predict_progress(PredictProgress): Frames of a clip predicted so far, once the
            predicted line shows it (a long recording takes a while).
    """

    predict_progress = pyqtSignal(object)

    def __init__(
        self,
        ctx: AppContext,
        model_dir: Path | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.store: ClipStore | None = None
        self.sequences: list[SkeletonSequence] = []
        self.class_names: list[str] = []
        # (dataset, class list, their ids): what _class_ids worked out for them
        self._ids_for: tuple[str, list[str], tuple[str, ...] | None] | None = None
        # the classes are a user's own actions (a custom dataset or recording)
        self._users_actions = False
        self._loading = False  # an open whose data is not shown yet
        # The current clip's labelled intervals (frames inclusive) and whether it is a
        # continuous sequence (PKU-MMD, a recording) whose headers follow the cursor.
        self.true_intervals: list[tuple[int, int, int]] = []
        self.continuous = False
        self.splits: np.ndarray = np.zeros(0, dtype=object)
        self.labels: np.ndarray = np.zeros(0, dtype=np.int64)
        self.names: list[str] = []
        self.current: SkeletonSequence | None = None
        self.current_index = -1
        self.frame = 0
        self.predictor: Predictor | None = None
        self.prediction: ClipPrediction | None = None
        self.load_job: Job | None = None
        self.predict_job: Job | None = None
        self._pending_predict: int | None = None
        self._shown: tuple | None = None  # what was open, for a failed open to restore
        self._split_protocol = ""  # the protocol the open dataset's splits follow
        self._opening: tuple[str, Path] | None = None  # a dataset being opened
        self._store_root: Path | None = None  # the folder or zip of the open store
        self._next_dataset: str | None = None  # picked for the next open
        self._protocol_before = ""  # the Protocol box's before a Dataset pick
        self._loading_name = ""  # the file or folder being opened
        # The model to go back to should the one chosen not load.
        self._previous_model: Path | None = None
        self.model_dir = (
            model_dir
            # Its own model, not Live's last one (both kept "model/run" before).
            or _path_or_none(ctx.recall(MODEL_KEY))
            or _path_or_none(ctx.recall("model/run"))
            or shipped_model_dir()
        )

        # --- source row --------------------------------------------------------------
        self.dataset = QComboBox()
        self.dataset.addItems(list(PROTOCOLS))
        self.dataset.setCurrentText(ctx.recall("replay/dataset", "nw-ucla"))
        self.protocol = QComboBox()
        # Its items change (a dataset's protocols, or "none (one file)"): fit each.
        self.protocol.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        open_folder = QPushButton("Open dataset folder…")
        open_folder.clicked.connect(self._on_open_folder_clicked)
        open_zip = QPushButton("Open zip…")
        open_zip.setToolTip(
            "A dataset's released zip, read in place: NW-UCLA's all_sqe.zip, or an NTU "
            "RGB+D skeletons zip when Dataset is ntu60 or ntu120"
        )
        open_zip.clicked.connect(self._on_open_zip_clicked)
        open_file = QPushButton("Open file…")
        open_file.clicked.connect(self._on_open_file_clicked)
        self.source_label = QLabel("No data opened.")
        # A long error wraps instead of widening the window past the screen.
        self.source_label.setWordWrap(True)
        self.source_label.setSizePolicy(
            QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred
        )
        source_row = QHBoxLayout()
        source_row.addWidget(QLabel("Dataset"))
        source_row.addWidget(self.dataset)
        source_row.addWidget(QLabel("Protocol"))
        source_row.addWidget(self.protocol)
        source_row.addWidget(open_folder)
        source_row.addWidget(open_zip)
        source_row.addWidget(open_file)
        source_row.addWidget(self.source_label, 1)
        # The bad files of a dataset, for the keyboard too (the label's tooltip needs
        # the mouse).
        self.bad_files_button = QPushButton("Bad files…")
        self.bad_files_button.clicked.connect(self._on_bad_files_clicked)
        self.bad_files_button.setVisible(False)
        source_row.addWidget(self.bad_files_button)
        self.bad_files_dialog: QMessageBox | None = None

        model_button = QPushButton("Model…")
        model_button.clicked.connect(self._on_model_clicked)
        self.shipped_button = ShippedModelButton()
        self.shipped_button.chosen.connect(self.set_model)
        self.model_label = QLabel()
        model_row = QHBoxLayout()
        model_row.addWidget(QLabel("Model"))
        model_row.addWidget(self.model_label, 1)
        model_row.addWidget(model_button)
        model_row.addWidget(self.shipped_button)

        # --- clip list ---------------------------------------------------------------
        self.class_filter = QComboBox()
        self.class_filter.addItem("all classes")
        self.split_filter = QComboBox()
        self.split_filter.addItems(["all splits", "train", "test"])
        self.clip_list = QListWidget()
        self.count_label = QLabel("")
        filters = QGridLayout()
        filters.addWidget(QLabel("Class"), 0, 0)
        filters.addWidget(self.class_filter, 0, 1)
        filters.addWidget(QLabel("Split"), 1, 0)
        filters.addWidget(self.split_filter, 1, 1)
        # The model's best answers with their probabilities, as Live shows them: of
        # the whole clip, or at the cursor for a continuous sequence (the top answer
        # alone hid how close the second one came: a trial). Under the list, where a
        # single file leaves room, not beside the labels, which it cut short.
        self.top_bars = ProbabilityBars(k=TOP_K, with_note=True)
        top_box = QGroupBox("Top answers")
        QVBoxLayout(top_box).addWidget(self.top_bars)
        list_box = QVBoxLayout()
        list_box.addLayout(filters)
        list_box.addWidget(self.clip_list, 1)
        list_box.addWidget(self.count_label)
        list_box.addWidget(top_box)
        list_widget = QWidget()
        list_widget.setLayout(list_box)

        # --- player ------------------------------------------------------------------
        self.view = SkeletonView()
        self.view.show_message(_OPEN_SOMETHING)
        self.timeline = IntervalTimeline()
        # One line each, cut with "…" to the panel's width: side by side, a long true
        # label ran into the predicted one, which moved as the cursor changed it.
        self.true_label = ElidedLabel("True: –")
        self.pred_label = ElidedLabel("Predicted: –")
        for label in (self.true_label, self.pred_label):
            font = label.font()
            font.setPointSizeF(font.pointSizeF() * 1.4)
            font.setBold(True)
            label.setFont(font)
        labels_box = QGroupBox("Labels")
        labels_rows = QVBoxLayout(labels_box)
        labels_rows.addWidget(self.true_label)
        labels_rows.addWidget(self.pred_label)
        self.play_button = QPushButton("Play")
        self.play_button.clicked.connect(self._on_play_clicked)
        back = QPushButton("◀ Step")
        back.clicked.connect(self._on_step_back_clicked)
        forward = QPushButton("Step ▶")
        forward.clicked.connect(self._on_step_forward_clicked)
        # The timeline's actions by keyboard too (they were the mouse's: a click on
        # a bar, its name on hover; the headers name the action the cursor is in).
        self.previous_action = QPushButton("◀ Action")
        self.previous_action.setToolTip(
            "Go to the start of this action, or of the one before"
        )
        self.previous_action.clicked.connect(self._on_previous_action_clicked)
        self.next_action = QPushButton("Action ▶")
        self.next_action.setToolTip("Go to the start of the next action")
        self.next_action.clicked.connect(self._on_next_action_clicked)
        self._show_timeline(False)
        press_on_key(self, Qt.Key.Key_Space, self.play_button)
        press_on_key(self, Qt.Key.Key_Left, back)
        press_on_key(self, Qt.Key.Key_Right, forward)
        self.slider = SeekSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        # a list pages with them itself; the seek slider, focused by a click, paged
        # ten frames (back, for Page Down) instead (a review)
        for key, button in (
            (Qt.Key.Key_PageUp, self.previous_action),
            (Qt.Key.Key_PageDown, self.next_action),
        ):
            press_on_key(self, key, button, in_lists=False, over=(self.slider,))
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        self.timeline.frame_clicked.connect(self.show_frame)
        self.frame_label = QLabel(_NO_FRAME)
        controls = QHBoxLayout()
        controls.addWidget(self.previous_action)
        controls.addWidget(back)
        controls.addWidget(self.play_button)
        controls.addWidget(forward)
        controls.addWidget(self.next_action)
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.frame_label)
        self.info = QLabel("")
        self.info.setWordWrap(True)
        # Two lines kept for it: a clip whose line wraps moved Play under the mouse
        # (a trial); an error that needs more still gets them.
        self.info.setMinimumHeight(2 * self.info.fontMetrics().lineSpacing() + 2)
        player_box = QVBoxLayout()
        player_box.addWidget(labels_box)
        player_box.addWidget(self.view, 1)
        player_box.addWidget(self.timeline)
        player_box.addLayout(controls)
        player_box.addWidget(self.info)
        player_widget = QWidget()
        player_widget.setLayout(player_box)

        splitter = QSplitter()
        splitter.addWidget(list_widget)
        splitter.addWidget(player_widget)
        splitter.setSizes([360, 1000])
        box = QVBoxLayout(self)
        box.addLayout(source_row)
        box.addLayout(model_row)
        box.addWidget(splitter, 1)

        self.timer = QTimer(self)
        self.timer.timeout.connect(self._on_timer_timeout)
        self.dataset.currentTextChanged.connect(self._on_dataset_changed)
        self.dataset.textActivated.connect(self._on_dataset_chosen)
        self.protocol.currentTextChanged.connect(self._on_protocol_changed)
        self.class_filter.currentIndexChanged.connect(self._on_filter_changed)
        self.split_filter.currentIndexChanged.connect(self._on_filter_changed)
        self.clip_list.currentRowChanged.connect(self._on_clip_list_row_changed)
        self._on_dataset_changed(self.dataset.currentText())
        self._show_model()

    # --- opening data ----------------------------------------------------------------
    def open_dataset(self, dataset: str, root: Path) -> Job:
        """Open a whole dataset (building its clip store if needed) in a worker.

        Args:
            dataset: Dataset name (``"nw-ucla"``, ``"ntu60"``, ...).
            root: Its folder (or the NW-UCLA zip).

        Returns:
            The loading job.
        """
        from core.datasets.base import DataFormatError
        from core.datasets.cache import (
            CacheReady,
            ClipStore,
            empty_store_problem,
            prepare,
        )

        def make(stop: threading.Event) -> Iterator[object]:
            for event in prepare(dataset, root):
                if stop.is_set():
                    return
                if isinstance(event, CacheReady) and event.num_clips == 0:
                    # failed: what is open stays, and the reasons are said
                    raise DataFormatError(root, empty_store_problem(dataset, event))
                yield event
                if isinstance(event, CacheReady):
                    yield ClipStore.open(event.path)

        self._remember_source()
        self._opening = (dataset, root)  # kept as the next session's once it opens
        blocker = self.dataset.blockSignals(True)
        self.dataset.setCurrentText(dataset)
        self.dataset.blockSignals(blocker)
        self._on_dataset_changed(dataset)
        self.source_label.setText(f"Opening {root} …")
        self._loading_name = root.name
        return self._start_load(make)

    def open_file(self, path: Path) -> Job:
        """Open one skeleton file of any supported format in a worker.

        Args:
            path: A ``.skeleton``, NW-UCLA ``.json`` or PKU-MMD ``.txt`` file.

        Returns:
            The loading job.
        """
        from core.datasets import read_file

        def make(stop: threading.Event) -> Iterator[object]:
            yield [read_file(path)]

        self._remember_source()
        self.ctx.remember("replay/file_dir", str(path.parent))
        self.source_label.setText(f"Reading {path.name} …")
        self._loading_name = path.name
        return self._start_load(make)

    def _start_load(self, make) -> Job:
        if self.load_job is not None:
            self.load_job.stop()
        self._loading = True  # until its data is shown or it fails
        job = self.ctx.jobs.start("replay loading", make)
        job.worker.item_produced.connect(self._on_load_item_produced)
        job.worker.failed.connect(self._on_load_failed)
        self.load_job = job
        job.start()
        return job

    @pyqtSlot(object)
    def _on_load_item_produced(self, item: object) -> None:
        from core.datasets.cache import (
            CacheBadFile,
            CacheNote,
            CacheProgress,
            CacheReady,
            ClipStore,
        )

        if self.load_job is not None and self.sender() is not self.load_job.worker:
            # An earlier open, replaced by a newer one: what it had already sent
            # arrives after it was stopped (its store shown over the newer open's
            # outcome, a failure's message wiped).
            return
        if isinstance(item, CacheProgress):
            self.source_label.setText(f"Reading files: {item.done} / {item.total}")
        elif isinstance(item, CacheBadFile):
            self.ctx.status(f"Skipped a bad file: {item.error}")
        elif isinstance(item, CacheNote):
            self.ctx.status(item.message)
        elif isinstance(item, CacheReady):
            self.source_label.setText(f"{item.num_clips} clips ({item.seconds:.1f} s)")
        elif isinstance(item, ClipStore):
            self._loading = False
            self._set_store(item)
        elif isinstance(item, list):
            self._loading = False
            self._set_sequences(item)

    @pyqtSlot(str)
    def _on_load_failed(self, message: str) -> None:
        if self.load_job is not None and self.sender() is not self.load_job.worker:
            return  # an earlier request, replaced by a newer one
        self._opening = None  # not the next session's dataset
        self._loading = False
        # What was open stays open (nothing the user was looking at is lost); the
        # error says it is about the other file, and what is still shown.
        before = self._shown_source
        if before and self.names:
            self._restore_source()
            # Above the shown clip's own line, which stays.
            shown = self.info.text().split("\n")[-1]
            error = f"Could not open: {message} (still showing {before})"
            self.info.setText(f"{error}\n{shown}" if shown else error)
            self.ctx.status(f"Could not open it; still showing {before}")
        else:
            # The whole message once, under the player (the status bar and the
            # dialog say it too); the top line only names what did not open.
            self.source_label.setText(f"Could not open {self._loading_name}")
            self._show_bad_files([])
            self._clear_data()
            self.info.setText(f"Could not open: {message}")

    def _show_bad_files(self, bad: list[str]) -> None:
        """The source line's tooltip and the Bad files… button list ``bad``."""
        self.source_label.setToolTip("\n".join(bad))
        self.bad_files_button.setVisible(bool(bad))

    @pyqtSlot()
    def _on_bad_files_clicked(self) -> None:
        bad = self.source_label.toolTip()
        if not bad:
            return
        # The source line's own summary: bad files and skipped items (label rows,
        # names past a dataset's) apart; all were counted as files (a trial).
        said = re.search(r"\((.*): see Bad files…\)", self.source_label.text())
        head = (
            f"Of this dataset, {said.group(1)}"
            if said
            else f"{count(len(bad.splitlines()), 'line')} of this dataset left out"
        )
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "MS²L Studio — bad files left out",
            f"{head} (each with the file and why):\n\n" + bad,
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setModal(False)
        box.show()
        self.bad_files_dialog = box

    def _remember_source(self) -> None:
        """Note what is open (the source line, Dataset and Protocol boxes) before
        another open replaces it, so that a failed open can put it back."""
        if not self.names:
            return  # nothing open to go back to (keep an earlier note, if any)
        if self._loading:
            # the line and boxes are the open in progress's: keep the note (not the
            # job's running: an open whose data was shown ran on a moment, and a
            # second open then noted nothing, cleared all on failing: a flaky test)
            return
        # The boxes may name what the user chose to open next, not what is open:
        # the open data's own dataset and protocol are put back.
        if self.store is not None:
            dataset = self.store.dataset
            protocols = list(PROTOCOLS.get(dataset, ()))
            protocol, enabled = self._split_protocol, True
        else:
            dataset = dataset_of(self.sequences[0]) or self.dataset.currentText()
            protocols, protocol, enabled = [_NO_PROTOCOL], _NO_PROTOCOL, False
        self._shown = (
            self.source_label.text(),
            self.source_label.toolTip(),
            dataset,
            protocols,
            protocol,
            enabled,
        )

    @property
    def _shown_source(self) -> str:
        """The source line of what is open (without its hover hint), ``""`` when
        nothing is."""
        if self._shown is None or not self.names:
            return ""
        return self._shown[0].split(" (")[0]

    def _restore_source(self) -> None:
        """Put back the source line and boxes noted by :meth:`_remember_source`."""
        assert self._shown is not None
        text, tip, dataset, protocols, protocol, enabled = self._shown
        self.source_label.setText(text)
        self._show_bad_files(tip.splitlines())
        with QSignalBlocker(self.dataset):
            self.dataset.setCurrentText(dataset)
        self._set_protocols(protocols, protocol, enabled)

    def _set_protocols(self, items: list[str], current: str, enabled: bool) -> None:
        """Fill the Protocol box without its change signal (no splits recomputed)."""
        with QSignalBlocker(self.protocol):
            self.protocol.clear()
            self.protocol.addItems(items)
            if current:
                self.protocol.setCurrentText(current)
        self.protocol.setEnabled(enabled)

    def _clear_data(self) -> None:
        """Show no data: no clips, no clip, no labels (after a failed open)."""
        self.store = None
        self.sequences = []
        self.names = []
        self.labels = np.zeros(0, dtype=np.int64)
        self.splits = np.zeros(0, dtype=object)
        self.class_names = []
        self._users_actions = False
        self._fill_class_filter()
        with QSignalBlocker(self.clip_list):
            self.clip_list.clear()
        self.count_label.setText("")
        self._clear_clip()

    def _clear_clip(self) -> None:
        """Show no clip: no skeleton, no labels, no timeline."""
        self.pause()
        self.current, self.current_index = None, -1
        self.prediction = None
        self.true_intervals = []
        self.continuous = False
        self.info.setText("")
        self.view.show_message(
            "Select a clip in the list" if self.names else _OPEN_SOMETHING
        )
        self._show_timeline(False)
        with QSignalBlocker(self.slider):
            self.slider.setRange(0, 0)
        self.frame_label.setText(_NO_FRAME)
        self.true_label.setText("True: –")
        self._show_predicted("Predicted: –")

    def _set_store(self, store: ClipStore) -> None:
        self.info.setText("")  # an earlier "Could not open" is not about this data
        self.store = store
        if self._opening is not None:
            dataset, root = self._opening
            self._store_root = Path(root)
            self.ctx.remember("replay/root", str(root))
            self.ctx.remember("replay/dataset", dataset)
            if Path(root).is_dir():  # Open file… goes on in the folder just opened
                self.ctx.remember("replay/file_dir", str(root))  # (a lab's trial)
            self._opening = None
        self.sequences = []
        self.names = list(store.names)
        self.labels = np.asarray(store.labels)
        self.class_names = list(store.class_names)
        self._users_actions = store.dataset == "custom"
        text = f"{store.dataset}: {count(len(store), 'clip')}"
        bad = list(store.bad_files)
        skipped = list(store.skipped)  # no skeleton, an NTU name past NTU-120's, …
        if bad or skipped:  # each bad file was in the status bar, one at a time
            parts = [f"{count(len(bad), 'bad file')} left out"] if bad else []
            parts += [f"{count(len(skipped), 'item')} skipped"] if skipped else []
            text += f" ({' and '.join(parts)}: see Bad files…)"
        self.ctx.status(f"Opened {text}")  # an earlier failure's line stayed up
        if store.dataset.startswith("pkummd"):
            # a folder gives the actions cut out; where the timeline is was unsaid
            # (the README's "a continuous sequence shows a timeline": a trial)
            text += (
                ", each an action cut from its sequence (Open file… on a "
                "skeleton/*.txt shows a whole sequence with its timeline)"
            )
        self.source_label.setText(text)
        self._show_bad_files([*bad, *skipped])
        self._compute_splits()
        # The last data's split filter could hide every clip of this one (NTU's four
        # samples are all training clips), beside the last data's clip still shown.
        with QSignalBlocker(self.split_filter):
            self.split_filter.setCurrentIndex(0)
        self._fill_class_filter()
        self._apply_filter()

    def _set_sequences(self, sequences: list[SkeletonSequence]) -> None:
        self._show_bad_files([])  # a dataset's bad files are not this file's
        self.info.setText("")  # nor is an earlier "Could not open"
        if not sequences:
            self.source_label.setText("The file holds no clip.")
            return
        self.store: ClipStore | None = None
        self.sequences = sequences
        self.names = [s.name for s in sequences]
        self.labels = np.array([-1 if s.label is None else s.label for s in sequences])
        self.class_names = names_for_sequence(sequences[0])
        self._users_actions = "class_names" in sequences[0].meta
        self.splits = np.array(["–"] * len(sequences), dtype=object)
        # A single file has no split: a split chosen for a dataset would hide it.
        with QSignalBlocker(self.split_filter):
            self.split_filter.setCurrentIndex(0)
        src = (
            Path(sequences[0].source.split(":")[0]).name if sequences[0].source else ""
        )
        self.source_label.setText(f"{src}: {count(len(sequences), 'clip')}")
        self.ctx.status(f"Opened {src}")  # an earlier failure's line stayed up
        problem = sequences[0].meta.get("labels_problem")
        if problem:  # shown without its true actions: said why
            self.source_label.setText(
                f"{src}: {count(len(sequences), 'clip')}; labels not read: {problem}"
            )
        self._show_file_source(sequences[0])
        self._fill_class_filter()
        self._apply_filter()

    def _show_file_source(self, seq: SkeletonSequence) -> None:
        """Dataset and Protocol for one file: its dataset, and no protocol (a file
        on its own has no split), instead of whatever a dataset opened before had."""
        dataset = dataset_of(seq)
        if dataset is not None:
            with QSignalBlocker(self.dataset):
                self.dataset.setCurrentText(dataset)
        self._set_protocols([_NO_PROTOCOL], _NO_PROTOCOL, False)

    def _compute_splits(self) -> None:
        if self.store is None:
            return
        sides = np.array(["–"] * len(self.names), dtype=object)
        try:
            split = split_indices(
                self.store.dataset,
                self.protocol.currentText(),
                self.store.metas,
                **self._custom_split_of_model(),
            )
        except (KeyError, ValueError) as exc:
            self.ctx.status(str(exc.args[0] if exc.args else exc))
        else:
            for side, idx in split.items():
                sides[idx] = side
            self._split_protocol = self.protocol.currentText()
        self.splits = sides

    def _custom_split_of_model(self) -> dict[str, object]:
        """For one's own dataset, the split the loaded model trained with (its share,
        seed and recorded held-out takes), so that "test" lists the takes it did not
        train on; ``{}`` (the default draw) otherwise."""
        if self.store is None or self.store.dataset != "custom" or not self.model_dir:
            return {}
        try:
            cfg = runs.read_run(self.model_dir).config
        except (OSError, ValueError):
            return {}
        if (
            cfg.data.dataset != "custom"
            or cfg.data.protocol != self.protocol.currentText()
        ):
            return {}
        return {
            "val_fraction": cfg.data.val_fraction,
            "seed": cfg.run.seed,
            "held_out": cfg.data.held_out,
        }

    def _fill_class_filter(self) -> None:
        blocker = self.class_filter.blockSignals(True)
        self.class_filter.clear()
        self.class_filter.addItem("all classes")
        present = sorted({int(v) for v in self.labels if v >= 0})
        for label in present:
            self.class_filter.addItem(self._class_name(label), label)
        self.class_filter.blockSignals(blocker)

    def _class_name(self, label: int | None) -> str:
        """A class as the dataset's own files name it beside its name: "throw (a11)",
        "punching/slapping other person (26)", not the 0-based index (PKU-MMD's 26 read
        "(25)", NW-UCLA's a11 "(8)": a trial)."""
        if label is None or label < 0:
            return "unlabelled"
        if label < len(self.class_names):
            ids = self._class_ids()
            if ids is None and self._users_actions:
                # a user's actions have no ids: their sorted order's number moved
                # with every action added (a trial)
                return self.class_names[label]
            return f"{self.class_names[label]} ({label if ids is None else ids[label]})"
        return str(label)

    def _class_ids(self) -> tuple[str, ...] | None:
        """:func:`class_ids` of the shown data, worked out once per class list (the
        clip list asks for every clip)."""
        dataset, names = self.dataset.currentText(), self.class_names
        memo = self._ids_for
        if memo is None or memo[0] != dataset or memo[1] is not names:
            memo = self._ids_for = (dataset, names, class_ids(dataset, names))
        return memo[2]

    def _clip_labels(self, index: int) -> str:
        """What the clip list says of a clip's labels: its class, or for a continuous
        sequence (a PKU-MMD file, a recording: no one label) its labelled actions."""
        label = int(self.labels[index])
        if label < 0 and self.store is None:
            intervals = self.sequences[index].meta.get("intervals") or []
            if intervals:
                return f"{len(intervals)} labelled action{'s' * (len(intervals) > 1)}"
        return self._class_name(label)

    def visible_clips(self) -> list[int]:
        """Indices of the clips the filters let through."""
        keep = np.ones(len(self.names), dtype=bool)
        label = self.class_filter.currentData()
        if label is not None:
            keep &= self.labels == label
        side = self.split_filter.currentText()
        if side in ("train", "test"):
            keep &= self.splits == side
        return np.flatnonzero(keep).tolist()

    def _apply_filter(self) -> None:
        clips = self.visible_clips()
        blocker = self.clip_list.blockSignals(True)
        self.clip_list.clear()
        for i in clips:
            item = QListWidgetItem(f"{self.names[i]}  ·  {self._clip_labels(i)}")
            item.setData(Qt.ItemDataRole.UserRole, i)
            self.clip_list.addItem(item)
        if clips:
            self.clip_list.setCurrentRow(0)  # signals blocked: selected once, below
        self.clip_list.blockSignals(blocker)
        self.count_label.setText(f"{len(clips)} of {count(len(self.names), 'clip')}")
        if clips:
            self._on_clip_list_row_changed(0)
        else:  # the clip shown is one the filters now hide (or of other data)
            self._clear_clip()

    # --- choosing and playing a clip -------------------------------------------------
    def select_clip(self, index: int) -> None:
        """Show clip ``index`` (an index into the whole list, not the filtered one)."""
        self.timer.stop()
        self.play_button.setText("Play")
        seq = (
            self.store.sequence(index)
            if self.store is not None
            else self.sequences[index]
        )
        self.current, self.current_index = seq, index
        self.view.set_sequence(seq.joints, get_layout(seq.layout))
        with QSignalBlocker(self.slider):
            self.slider.setRange(0, max(0, seq.num_frames - 1))
        # The counter as wide as its widest text for this clip: as it grew ("frame 0"
        # to "frame 232 / 1493") the slider beside it shrank under the mouse.
        last = seq.num_frames - 1
        widest = _frame_text(int("8" * len(str(last))), last, seq.fps)
        self.frame_label.setMinimumWidth(
            self.frame_label.fontMetrics().horizontalAdvance(widest) + 4
        )
        self.timer.setInterval(max(1, round(1000 / (seq.fps or 30.0))))
        label = None if seq.label is None else int(seq.label)
        self.true_label.setText(f"True: {self._class_name(label)}")
        self._show_predicted(
            "Predicted: …" if self.model_dir else "Predicted: (no model)"
        )
        # an action cut at frames [start, end): shown as the timeline's caption
        # shows it, "frames 983-1082" (both inclusive), where it read "start 983, end
        # 1083" (a trial)
        span = seq.meta.get("start"), seq.meta.get("end")
        frames = all(isinstance(v, int) and not isinstance(v, bool) for v in span)
        meta = ", ".join(
            "cut short (no end line)"
            if k == "complete"
            else f"frames {span[0]}-{span[1] - 1}"
            if frames and k == "start"
            else f"{k.replace('_', ' ')} {_shown_value(v)}"
            for k, v in seq.meta.items()
            if k not in _NOT_SHOWN
            and not (frames and k == "end")
            and not _empty(v)
            and not (k == "complete" and v is True)  # the normal case: nothing to say
            # NTU's performer is its subject (the protocols' name), said once
            and not (k == "subject" and seq.meta.get("performer") == v)
        )
        # A file opened on its own has no protocol, so no split to name (its view or
        # setup is in the metadata that follows).
        split = "" if self.store is None else f" · split {self.splits[index]}"
        # A webcam take is stored as MediaPipe's 33 landmarks and read as a Kinect
        # layout: both said (its "ntu25" beside a file saying mp33: a trial).
        made = seq.meta.get("recorded_layout")
        layout = seq.layout + (f" (from {made})" if made and made != seq.layout else "")
        self.info.setText(
            f"{seq.name} · {count(seq.num_frames, 'frame')} at {seq.fps:.4g} fps · "
            f"{count(seq.num_bodies, 'body slot')} · {layout}{split}"
            + (f" · {meta}" if meta else "")
        )
        # The data's intervals end exclusive; the timeline's (and the predicted
        # ones) end inclusive.
        self.true_intervals = [
            (int(label), int(start), int(end) - 1)
            for label, start, end in seq.meta.get("intervals") or []
            if end > start
        ]
        self.continuous = "intervals" in seq.meta
        self._show_timeline(self.continuous)
        if self.continuous:
            self.timeline.set_intervals(
                self.true_intervals,
                [],
                self.class_names,
                seq.num_frames,
                captions=self._captions(),
                colour_order=self._colour_order(),
                ids=self._class_ids(),
            )
        self.prediction = None
        self.show_frame(0)
        self._request_prediction(index)

    def show_frame(self, frame: int) -> None:
        """Move the player to ``frame`` (clamped)."""
        if self.current is None:
            return
        frame = int(np.clip(frame, 0, self.current.num_frames - 1))
        self.frame = frame
        self.view.set_frame(self.current.joints[frame])
        with QSignalBlocker(self.slider):
            self.slider.setValue(frame)
        self.frame_label.setText(
            _frame_text(frame, self.current.num_frames - 1, self.current.fps)
        )
        self.timeline.set_cursor(frame)
        if self.continuous:
            self._show_frame_labels(frame)
            self._enable_action_buttons()

    def _show_timeline(self, visible: bool) -> None:
        """Show or hide the timeline and its action buttons (a clip cut from its
        sequence has one action: nothing to go to)."""
        for widget in (self.timeline, self.previous_action, self.next_action):
            widget.setVisible(visible)

    def _enable_action_buttons(self) -> None:
        """Each action button on while there is an action to go to from here."""
        for button, step in ((self.previous_action, -1), (self.next_action, 1)):
            button.setEnabled(self.timeline.action_start(self.frame, step) is not None)

    def _go_to_action(self, step: int) -> None:
        start = self.timeline.action_start(self.frame, step)
        if start is not None:
            self.pause()
            self.show_frame(start)

    @pyqtSlot()
    def _on_previous_action_clicked(self) -> None:
        self._go_to_action(-1)

    @pyqtSlot()
    def _on_next_action_clicked(self) -> None:
        self._go_to_action(1)

    def _show_frame_labels(self, frame: int) -> None:
        """True and predicted action at ``frame`` of a continuous sequence.

        A continuous sequence (PKU-MMD, a recording) has no one label: the headers follow
        the cursor, the true action from the interval under it, the predicted one from
        the streaming recogniser's state at that frame.
        """
        assert self.current is not None
        truth = interval_at(self.true_intervals, frame)
        if not self.true_intervals:
            self.true_label.setText("True: unlabelled")
        elif truth is None:
            self.true_label.setText("True: no labelled action here")
        else:
            label, start, end = truth
            self.true_label.setText(
                f"True: {self._class_name(label)} · frames {start}-{end}"
            )
        sequence = None if self.prediction is None else self.prediction.sequence
        if sequence is None or frame >= len(sequence):
            return
        state = sequence.state(frame)
        if not state.top_k:  # before the first window: no answer yet, not "no action"
            self._show_predicted("Predicted: – (the first window is filling)")
            return
        top = f" ({100 * state.top_k[0][1]:.1f} %)" if state.action is not None else ""
        verdict = ""
        labels = [] if self.predictor is None else list(self.predictor.labels)
        if self._same_classes() and state.action is not None:
            # By name: the data may have classes the model was not trained on.
            right = truth is not None and self._class_label(truth[0]) == state.action
            verdict = "  ✓" if right else "  ✗"
        elif truth is not None and labels and self._class_label(truth[0]) not in labels:
            # as a clip of the folder says it (a file opened alone said nothing: a
            # trial)
            verdict = "  (its true action is none of this model's)"
        self._show_predicted(f"Predicted: {state.shown}{top}{verdict}", state.top_k)

    def _start_folder(self, key: str) -> str:
        """Where an Open dialog starts: the last place opened, else the shared data
        folder when there is one, else the home folder (it started in the folder the
        app was launched from: the source tree)."""
        last = self.ctx.recall(key)
        if last:
            return last
        shared, _ = shared_data_dir()
        return str(shared if shared.is_dir() else Path.home())

    def _captions(self) -> str:
        """How the timeline captions the shown clip's bars: a recording of one's own
        actions by name (a few of them, named by the user; it read "2" for "no
        action"), a dataset's classes by number (PKU-MMD has 51)."""
        custom = self.current is not None and dataset_of(self.current) == "custom"
        return "names" if custom else "numbers"

    def _colour_order(self) -> list[str] | None:
        """A recording's actions in the order Teach colours them (``None``: a
        dataset's classes, coloured by number)."""
        if self.current is None:
            return None
        return self.current.meta.get("action_order")

    def _class_label(self, label: int) -> str | None:
        """The data's name of class ``label`` (``None`` if it has none)."""
        return self.class_names[label] if 0 <= label < len(self.class_names) else None

    def _same_classes(self) -> bool:
        """Whether every class of the model is one of the data's, so that answers can
        be marked right or wrong by name (a model taught on a folder that has had an
        action added since, or a dataset's model on its own data)."""
        labels = [] if self.predictor is None else list(self.predictor.labels)
        return bool(labels) and set(labels) <= set(self.class_names)

    def play(self) -> None:
        """Start playing at the recording's frame rate (from the start if at the end)."""
        if self.current is None:
            return
        if self.frame >= self.current.num_frames - 1:
            self.show_frame(0)
        self.timer.start()
        self.play_button.setText("Pause")

    def pause(self) -> None:
        """Stop playing."""
        self.timer.stop()
        self.play_button.setText("Play")

    @pyqtSlot()
    def _on_timer_timeout(self) -> None:
        if self.current is None or self.frame >= self.current.num_frames - 1:
            self.pause()
            return
        self.show_frame(self.frame + 1)

    @pyqtSlot()
    def _on_play_clicked(self) -> None:
        if self.timer.isActive():
            self.pause()
        else:
            self.play()

    @pyqtSlot()
    def _on_step_back_clicked(self) -> None:
        self.pause()
        self.show_frame(self.frame - 1)

    @pyqtSlot()
    def _on_step_forward_clicked(self) -> None:
        self.pause()
        self.show_frame(self.frame + 1)

    @pyqtSlot(int)
    def _on_slider_value_changed(self, value: int) -> None:
        self.show_frame(value)

    @pyqtSlot(int)
    def _on_clip_list_row_changed(self, row: int) -> None:
        item = self.clip_list.item(row)
        if item is not None:
            self.select_clip(int(item.data(Qt.ItemDataRole.UserRole)))

    @pyqtSlot(int)
    def _on_filter_changed(self, _index: int) -> None:
        self._apply_filter()

    @pyqtSlot(str)
    def _on_dataset_changed(self, dataset: str) -> None:
        # the open data's protocol, for a pick that does not go ahead to put back
        self._protocol_before = self.protocol.currentText()
        self._set_protocols(list(PROTOCOLS.get(dataset, ())), "", True)

    @pyqtSlot(str)
    def _on_dataset_chosen(self, dataset: str) -> None:
        """Another dataset chosen while one is open: the open folder is read as that
        one (NTU's as NTU-120 instead of NTU-60, say); if it cannot be, what is open
        stays and so do its boxes. The boxes named the chosen dataset and its
        protocols beside the other's clips, split by neither (a trial)."""
        self._next_dataset = None  # this pick replaces one waiting for an open
        if self._loading:
            # an open in progress keeps its dataset: the box said the pick beside
            # its clips, split by neither (a review)
            opening = self._opening[0] if self._opening else None
            opening = opening or (self.store.dataset if self.store else None)
            if opening and opening != dataset:
                with QSignalBlocker(self.dataset):
                    self.dataset.setCurrentText(opening)
                self._on_dataset_changed(opening)
                self.ctx.status("Opening data: choose the dataset once it is open")
            return
        if self.store is None:
            if self.sequences:  # a file is shown: the pick is for the next open
                self._set_protocols([_NO_PROTOCOL], _NO_PROTOCOL, False)
                self.ctx.status(
                    f"Open folder… and Open zip… read as {dataset}; the file shown "
                    "keeps its own"
                )
            return
        if self._store_root is None or dataset == self.store.dataset:
            return
        if dataset_held(self._store_root, dataset) != dataset:
            # Not this data's kind (NW-UCLA's zip as NTU): what is open stays, and the
            # pick waits for the next open. An error, and the box back, made the pick
            # impossible while NW-UCLA was open (a trial).
            self._next_dataset = dataset
            with QSignalBlocker(self.dataset):
                self.dataset.setCurrentText(self.store.dataset)
            self._set_protocols(
                list(PROTOCOLS.get(self.store.dataset, ())), self._protocol_before, True
            )
            self.ctx.status(
                f"{self._store_root.name} holds no {dataset} files: it stays open as "
                f"{self.store.dataset}; the next Open folder… or Open zip… of "
                f"{dataset} data reads it as {dataset}"
            )
            return
        self.ctx.status(f"Opening {self._store_root.name} as {dataset}")
        self.open_dataset(dataset, self._store_root)

    @pyqtSlot(str)
    def _on_protocol_changed(self, _protocol: str) -> None:
        if self.store is not None:
            self._compute_splits()
            self._apply_filter()

    @pyqtSlot()
    def _on_open_folder_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Dataset folder", self._start_folder("replay/root")
        )
        if folder:
            self._open_as_held(Path(folder), self._wanted_dataset())

    def _wanted_dataset(self) -> str:
        """The dataset the next open is meant as: one picked while other data was
        open, else the box's."""
        wanted, self._next_dataset = self._next_dataset, None
        return wanted or self.dataset.currentText()

    def _open_as_held(self, root: Path, chosen: str) -> None:
        """Open ``root`` as the dataset its files are (``chosen`` when they are its,
        or when they tell none), saying so when that is not ``chosen``."""
        dataset = dataset_held(root, chosen)
        self.open_dataset(dataset, root)
        if dataset != chosen:  # said (the box changed by itself: a GUI trial)
            self.ctx.status(
                f"Opening {root.name} as {dataset}: its files are {dataset}'s, not "
                f"{chosen}'s"
            )

    @pyqtSlot()
    def _on_open_zip_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Dataset archive",
            self._start_folder("replay/root"),
            "Zip archives (*.zip)",
        )
        if not path:
            return
        chosen = self._wanted_dataset()
        readable = zip_dataset(chosen)
        dataset = zip_dataset(dataset_held(path, readable))
        self.open_dataset(dataset, Path(path))
        if dataset != chosen:  # said (the box changed by itself: a GUI trial)
            why = (
                f"its files are {dataset}'s"
                if dataset != readable
                else "a zip is read as NTU's skeleton archive (ntu60, ntu120) or "
                f"NW-UCLA's all_sqe.zip, not as {chosen}"
            )
            self.ctx.status(f"Opening {Path(path).name} as {dataset}: {why}")

    @pyqtSlot()
    def _on_open_file_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Skeleton file",
            self._start_folder("replay/file_dir"),
            "Skeleton files and recordings (*.skeleton *.json *.txt *.jsonl);;"
            "All files (*)",
        )
        if path:
            self.open_file(Path(path))

    # --- the model -------------------------------------------------------------------
    def set_model(self, run_dir: Path | None) -> None:
        """Use another run folder for predictions (``None`` = no predictions).

        Should its model not load, the panel goes back to the model it had (the
        error says so) instead of failing again on every clip.
        """
        if run_dir != self.model_dir:
            self._previous_model = self.model_dir
        self.model_dir = run_dir
        self.predictor = None
        self.prediction = None  # the other model's answers are not this one's
        if self.current is not None and self.continuous:
            # The predicted row was the other model's: empty until this one answers.
            self.timeline.set_intervals(
                self.true_intervals,
                [],
                self.class_names,
                self.current.num_frames,
                captions=self._captions(),
                colour_order=self._colour_order(),
                ids=self._class_ids(),
            )
            self._enable_action_buttons()
        self._show_predicted("Predicted: …" if run_dir else "Predicted: (no model)")
        self._show_model()
        if self.store is not None and self.store.dataset == "custom":
            self._compute_splits()  # the held-out takes are the model's
            self._apply_filter()
        if self.current is not None:
            self._request_prediction(self.current_index)

    def _show_model(self) -> None:
        self.shipped_button.mark_in_use(self.model_dir)
        if self.model_dir is None:
            self.model_label.setText(
                "none (no shipped model found; choose a run folder)"
            )
        else:
            self.model_label.setText(str(self.model_dir))

    @pyqtSlot()
    def _on_model_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Model run folder", model_dialog_start(self.model_dir)
        )
        if folder:
            self.set_model(Path(folder))

    def _request_prediction(self, index: int) -> None:
        if self.model_dir is None:
            return
        if self.predict_job is not None and self.predict_job.is_running():
            # One prediction at a time; the newest request wins when it finishes.
            self._pending_predict = index
            self.predict_job.stop()
            return
        seq = self.current
        if seq is None:
            return
        if problem := still_pose_problem(seq):  # said here, not as a failed job
            self._show_predicted("Predicted: – (1 frame only)", why_empty=problem)
            return
        model_dir, predictor = self.model_dir, self.predictor

        def make(stop: threading.Event) -> Iterator[object]:
            nonlocal predictor
            from core.inference.sequences import predict_clip

            if predictor is None:
                from core.inference import Predictor

                try:
                    predictor = Predictor.from_run(model_dir)
                except USER_ERRORS as exc:  # the folder, not the clip: say it once
                    yield _ModelFailed(model_dir, str(exc))
                    return
                yield _Loaded(model_dir, predictor)

            def report(done: int, total: int) -> None:
                # through the job's own signal: a worker never touches the panel
                job.worker.item_produced.emit(
                    PredictProgress(seq, model_dir, done, total)
                )

            result = predict_clip(
                predictor, seq, LiveSettings(top_k=TOP_K), stop=stop, progress=report
            )
            if not stop.is_set():  # a cancelled prediction is stale: a newer one comes
                yield _Predicted(seq, model_dir, result)

        job = self.ctx.jobs.start("replay prediction", make)
        job.worker.item_produced.connect(self._on_predict_item_produced)
        job.worker.failed.connect(self._on_predict_failed)
        job.ended.connect(self._on_predict_job_ended)
        self.predict_job = job
        job.start()

    @pyqtSlot(object)
    def _on_predict_item_produced(self, item: object) -> None:
        if isinstance(item, PredictProgress):
            self._on_predict_progress(item)
            self.predict_progress.emit(item)
        elif isinstance(item, _Predicted):
            if item.clip is self.current and item.model_dir == self.model_dir:
                self.show_prediction(item.prediction)
        elif isinstance(item, _Loaded) and item.model_dir == self.model_dir:
            self.predictor = item.predictor  # loaded on first use
            # a model of three actions has no fourth and fifth answer
            self.top_bars.show_rows(min(TOP_K, len(item.predictor.labels)))
            self.ctx.status(f"Replay: model {item.model_dir.name} loaded")
            # Remembered once it loads: a folder that fails is not offered next time.
            self.ctx.remember(MODEL_KEY, str(item.model_dir))
        elif isinstance(item, _ModelFailed) and item.model_dir == self.model_dir:
            self._model_failed(item)

    def _model_failed(self, item: _ModelFailed) -> None:
        """The chosen model did not load: say so, and go back to the one before."""
        back = self._previous_model
        kept = f"; back to {back}" if back is not None else ""
        self.ctx.error("Replay", f"Could not load the model: {item.message}{kept}")
        self.set_model(back)
        # Should that one fail too: no model, not a loop between two that fail
        # (set_model took the failed one as the model to go back to).
        self._previous_model = None

    def _on_predict_progress(self, item: PredictProgress) -> None:
        if (
            item.clip is self.current
            and item.model_dir == self.model_dir
            and self.prediction is None
            and item.done < item.total
        ):
            self._show_predicted(
                f"Predicted: … {100 * item.done // item.total} % of "
                f"{item.total:,} frames"
            )

    def _show_predicted(
        self, text: str, top: Sequence[tuple[str, float]] = (), why_empty: str = ""
    ) -> None:
        """The predicted-label line and the best answers under the clip list (none while
        there is no answer to show: the bars never keep another clip's)."""
        self.pred_label.setText(text)
        self.top_bars.set_probabilities(top, why_empty)

    def show_prediction(self, pred: ClipPrediction) -> None:
        """Show the predicted label (and intervals) of the current clip."""
        self.prediction = pred
        labels = [] if self.predictor is None else list(self.predictor.labels)
        names = labels or [str(i) for i in range(len(pred.probabilities))]
        best = ranked(pred.probabilities, names, TOP_K)
        name, p = best[0]
        truth = None if self.current is None else self.current.label
        verdict = ""
        if truth is not None and labels and self._class_label(truth) not in labels:
            # An NTU clip under an NW-UCLA model: a confident answer, no mark, and
            # nothing said why (a trial); an NTU-120 action under an NTU-60 model,
            # whose classes are all the data's, was marked ✗ (another)
            verdict = "  (its true action is none of this model's)"
        elif truth is not None and self._same_classes():
            right = name == self._class_label(truth) and not pred.unfamiliar
            verdict = "  ✓" if right else "  ✗"
        if pred.unfamiliar:  # the novelty check: no class is the answer
            # five blank rows, unexplained, where Live says why, and Evaluate
            # counting the clip by the model's best class all the same (a trial)
            self._show_predicted(
                f"Predicted: no action (unfamiliar motion){verdict}",
                why_empty=f"{UNFAMILIAR_NOTE} Evaluate scores the model's best class "
                "without the check.",
            )
        else:
            self._show_predicted(f"Predicted: {name} ({100 * p:.1f} %){verdict}", best)
        if self.current is not None and self.continuous:
            self.timeline.set_intervals(
                self.true_intervals,
                list(pred.intervals),
                self.class_names,
                self.current.num_frames,
                captions=self._captions(),
                colour_order=self._colour_order(),
                ids=self._class_ids(),
                predicted_names=labels or self.class_names,
            )
            self._show_frame_labels(self.frame)
            self._enable_action_buttons()  # unlabelled: the predicted actions

    @pyqtSlot(str)
    def _on_predict_failed(self, message: str) -> None:
        self._show_predicted("Predicted: (failed)")

    @pyqtSlot()
    def _on_predict_job_ended(self) -> None:
        pending, self._pending_predict = self._pending_predict, None
        if pending is not None and pending == self.current_index:
            self._request_prediction(pending)


class SeekSlider(QSlider):
    """A slider whose left click on the groove jumps to the click (a plain one moved
    a page, 10 frames, towards it)."""

    def mousePressEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802
        if event is not None and event.button() == Qt.MouseButton.LeftButton:
            option = QStyleOptionSlider()
            self.initStyleOption(option)
            style = self.style()
            assert style is not None
            handle = style.subControlRect(
                QStyle.ComplexControl.CC_Slider,
                option,
                QStyle.SubControl.SC_SliderHandle,
                self,
            )
            if not handle.contains(event.position().toPoint()):  # the groove
                length = self.width() - handle.width()
                x = int(event.position().x()) - handle.width() // 2
                self.setValue(
                    QStyle.sliderValueFromPosition(
                        self.minimum(), self.maximum(), x, max(1, length)
                    )
                )
        super().mousePressEvent(event)


# The frame counter with no clip.
MODEL_KEY = "replay/model"
# Rows of the "Top answers" bars (Live shows five too).
TOP_K = 5


def _frame_text(frame: int, last: int, fps: float | None) -> str:
    """The player's counter: "frame 45 / 71 · 1.50 s".

    Numbered from 0, as the label headers, the timeline, the data files' labels and
    ms2l infer number them (from 1 it read one more than the header); the last frame's
    number after the slash (it read "frame 45 of 0–71", an odd range: a trial), and
    the time into the recording, in which a custom dataset's labels.csv is written.
    """
    text = f"frame {frame} / {last}"
    return f"{text} · {frame / fps:.2f} s" if fps else text


"""Settings key of the model Replay uses (its own; Live keeps another)."""
_NO_FRAME = "frame –"
_OPEN_SOMETHING = (
    "Open a dataset folder, a zip or a skeleton file (above) to replay its clips"
)

# What the Protocol box shows for a single file.
_NO_PROTOCOL = "none (one file)"


def dataset_of(seq: SkeletonSequence) -> str | None:
    """The dataset (a key of :data:`PROTOCOLS`) a file opened on its own came from.

    Its reader's ``meta["dataset"]`` when it says; else a recording of the user's own
    dataset (``class_names``), NW-UCLA for the ``ucla20`` layout, PKU-MMD for a sequence
    with labelled intervals, NTU RGB+D 60 or 120 by the NTU action and setup numbers.

    Returns:
        The dataset name, or ``None`` when nothing tells.
    """
    named = seq.meta.get("dataset")
    if named in PROTOCOLS:
        return str(named)
    if "class_names" in seq.meta:
        return "custom"
    if seq.layout == "ucla20":
        return "nw-ucla"
    if "intervals" in seq.meta:
        return "pkummd1"
    action = str(seq.meta.get("action", ""))
    if seq.layout == "ntu25" and action[1:].isdigit():
        setup = seq.meta.get("setup")
        ntu60 = int(action[1:]) <= 60 and (not isinstance(setup, int) or setup <= 17)
        return "ntu60" if ntu60 else "ntu120"
    return None


# Metadata the info line leaves out: drawn on the timeline, or too long to read.
_NOT_SHOWN = (
    "intervals",
    "label_intervals",
    "class_names",
    "timestamps",
    "recorded_layout",
    "action_order",  # (a list read as code, in an order that was not the numbers')
    "labels_problem",  # said on the source line
    "pieces",  # "piece 2 of 3" says it ("pieces 3" read oddly: a trial)
)


def zip_dataset(chosen: str) -> str:
    """The dataset a zip is opened as: the one chosen when its reader reads zips (NTU
    RGB+D's skeleton archives), else NW-UCLA (its ``all_sqe.zip``)."""
    return chosen if chosen in ("ntu60", "ntu120") else "nw-ucla"


def _shown_value(value: object) -> str:
    """A metadata value as the info line shows it: a mapping as ``key value`` pairs
    (PKU-MMD's ``splits``: "xsub train / xview test"), not Python's dict syntax, and a
    number of seconds to the millisecond."""
    if isinstance(value, dict):
        return " / ".join(f"{k} {v}" for k, v in value.items())
    if isinstance(value, float):  # a span's end read "4.733333333333333" (a trial)
        return f"{value:.3f}".rstrip("0").rstrip(".")
    if isinstance(value, list | tuple):
        # PKU-MMD's notes read "['/work/…/labels/0006-L.txt:9: end 1700 …', …]" (a
        # trial): each by its file's name, one after the other
        return "; ".join(_LEADING_FOLDERS.sub("", str(v)) for v in value)
    return str(value)


_LEADING_FOLDERS = re.compile(r"^(?:[A-Za-z]:[/\\]|/)[^:]*[/\\](?=[^/\\:]+:)")
"""The folders before a file's name that starts a note ("/a/b/x.txt:9: …")."""


def _empty(value: object) -> bool:
    """``None`` or an empty string or container (not compared with ``==``: a value
    may be an array)."""
    return value is None or (isinstance(value, str | list | tuple | dict) and not value)


def interval_at(
    intervals: Sequence[Sequence[int]], frame: int
) -> tuple[int, int, int] | None:
    """The ``(label, start, end)`` interval (frames inclusive) holding ``frame``, if any
    (the first, should labelled intervals overlap)."""
    for label, start, end in intervals:
        if start <= frame <= end:
            return int(label), int(start), int(end)
    return None


def _path_or_none(text: str) -> Path | None:
    path = Path(text).expanduser() if text else None
    return path if runs.is_run_dir(path) else None
