"""Train panel: configure a run, start / cancel / resume it, and watch it learn.

The form builds a :class:`core.config.TrainConfig` with
:func:`core.config.make_config` (the same function behind ``ms2l train``), and
:func:`core.training.loop.run` runs in a worker thread. Each event it yields arrives here
as a signal: batch losses feed the curves (redrawn by their own timer), epochs feed the
accuracy curve and the log, and the progress bar shows an ETA from the average step time.
A resumed run first shows what its folder's ``metrics.jsonl`` holds of the earlier
sessions, so its curves and log continue instead of starting over.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from PyQt6.QtCore import QSignalBlocker, Qt, pyqtSignal, pyqtSlot
from PyQt6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.session_log import note_run
from app.widgets.curves import TrainingCurves, loss_terms
from app.widgets.layout import (
    field_row,
    hand_over,
    pinned_below,
    scrolling_column,
)
from app.widgets.shipped_button import ShippedModelButton
from app.workers import Job
from core import runs
from core.commands.paths import run_folder
from core.config import (
    NEEDS_INIT,
    PRESETS,
    STRATEGIES,
    STRATEGY_SUMMARY,
    TAKES_INIT,
    USES_CLS,
    TrainConfig,
    make_config,
    model_preset,
    optim_preset,
)
from core.datasets.splits import PROTOCOL_SUMMARY, PROTOCOLS
from core.paths import default_runs_dir
from core.preprocess import STREAMS
from core.text import count, format_seconds
from core.training.events import (
    BatchDone,
    CheckpointSaved,
    DataProgress,
    EpochDone,
    Event,
    Log,
    RunFinished,
    RunStarted,
)
from core.training.history import read_history
from core.training.strategies import inherit_from_run
from models.encoders import ENCODERS

# How the training clips keep their labels (data.label_fraction / labels_per_class).
ALL_LABELS, LABEL_FRACTION, LABELS_PER_CLASS = "all", "fraction", "per class"
SEMI_LABEL_PERCENT = 10.0
"""The share of labelled clips offered for ``semi`` (the paper reports 1 % and 10 %)."""


class TrainPanel(QWidget):
    """Training form, controls, progress, curves and log.

    Signals:
        run_finished(object): A run ended (its run folder as a :class:`Path`).
    """

    run_finished = pyqtSignal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.job: Job | None = None
        self.run_dir: Path | None = None
        self._steps_total = 0
        self._steps_done = 0
        self._steps_at_start = 0
        self._t_start = 0.0
        self._steps_per_epoch = 1
        self.last_event: object | None = None
        self._per_step = 0.0
        self.events_seen = 0

        # --- form --------------------------------------------------------------------
        self.dataset = QComboBox()
        self.dataset.addItems(list(PROTOCOLS))
        self.root = QLineEdit(ctx.recall("train/root"))
        self.root.setPlaceholderText("dataset folder or zip (NW-UCLA, NTU RGB+D)")
        browse_root = QPushButton("Folder…")
        browse_root.clicked.connect(self._on_browse_root_clicked)
        browse_zip = QPushButton("Zip…")
        browse_zip.clicked.connect(self._on_browse_zip_clicked)
        root_row = field_row(self.root, browse_root, browse_zip)
        self.protocol = QComboBox()
        self.strategy = QComboBox()
        self.strategy.addItems(list(STRATEGIES))
        for i, name in enumerate(STRATEGIES):  # what each does, on the list's rows
            self.strategy.setItemData(
                i, STRATEGY_SUMMARY[name], Qt.ItemDataRole.ToolTipRole
            )
        self.strategy.setCurrentText(ctx.recall("train/strategy", "scratch"))
        self.init_from = QLineEdit()
        self.init_from.setPlaceholderText(
            "pretrained run folder (linear: empty = a random encoder)"
        )
        self.init_from.setToolTip(
            "The run whose encoder this run starts from: finetune, moving, semi and "
            "transfer need one; linear evaluates its frozen encoder (without one, a "
            "random encoder: the paper's Rand-U baseline). A shipped model's name "
            "(nw-ucla-ms2l) is enough."
        )
        browse_init = QPushButton("Browse…")
        browse_init.clicked.connect(self._on_browse_init_clicked)
        shipped_init = ShippedModelButton()
        shipped_init.chosen.connect(lambda path: self.init_from.setText(str(path)))
        self.init_row = QWidget()
        init_box = field_row(self.init_from, browse_init, shipped_init)
        init_box.setContentsMargins(0, 0, 0, 0)
        self.init_row.setLayout(init_box)
        self.preset = QComboBox()
        self.preset.addItems(list(PRESETS))
        self.preset.setToolTip(
            "official: as the authors' released code (2-layer BiGRU of 300, 7.6 M "
            "parameters); paper: as written in the paper (1-layer BiGRU of 30, 76 k "
            "parameters, ~8x faster on a CPU)"
        )
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 10_000)
        self.epochs.setValue(60)
        self.batch_size = QSpinBox()
        self.batch_size.setRange(1, 4096)
        self.batch_size.setValue(32)
        self.lr = QDoubleSpinBox()
        self.lr.setRange(0.0, 1.0)
        self.lr.setDecimals(5)
        self.lr.setSingleStep(0.0005)
        self.lr.setSpecialValueText("preset")
        self.lr.setToolTip(
            "Adam's learning rate at the start (0 = the preset's, with its schedule)"
        )
        self.encoder_lr = QDoubleSpinBox()
        self.encoder_lr.setRange(0.01, 1.0)
        self.encoder_lr.setDecimals(2)
        self.encoder_lr.setSingleStep(0.05)
        self.encoder_lr.setValue(1.0)
        self.encoder_lr.setSuffix(" × learning rate")
        self.encoder_lr.setToolTip(
            "The encoder's learning rate as a fraction of the classifier's, for a run "
            "that starts from a pretrained encoder: below 1 keeps more of it "
            "(--encoder-lr-scale)"
        )
        self.device = QComboBox()
        self.device.addItems(["auto", "cpu", "cuda"])
        self.encoder = QComboBox()
        self.encoder.addItems(sorted(ENCODERS))
        self.encoder.setCurrentText("bigru")
        self.encoder.setToolTip(
            "bigru: the paper's bidirectional GRU; gcn: graph convolution over the "
            "skeleton's bones (6 blocks of 32-128 channels)"
        )
        self.stream = QComboBox()
        self.stream.addItems(list(STREAMS))
        self.stream.setToolTip(
            "What the model reads: joints; bones (each joint's vector from its "
            "parent); motion (each joint's step to the next frame). Runs on "
            "different streams fuse at evaluation: ms2l eval RUN RUN. A run that "
            "starts from another reads that run's stream."
        )
        self.hidden = QSpinBox()
        self.hidden.setRange(0, 2048)
        self.hidden.setSpecialValueText("preset")
        self.hidden.setToolTip(
            "Encoder GRU units per direction, or the gcn's first channels "
            "(0 = the preset's)"
        )
        self.frames = QSpinBox()
        self.frames.setRange(6, 1000)
        self.frames.setValue(64)
        self.frames.setToolTip("Frames per clip given to the model (T)")
        self.max_clips = QSpinBox()
        self.max_clips.setRange(0, 1_000_000)
        self.max_clips.setSpecialValueText("all")
        self.max_clips.setToolTip("Use at most this many clips per split (quick runs)")
        self.labels_mode = QComboBox()
        self.labels_mode.addItems([ALL_LABELS, LABEL_FRACTION, LABELS_PER_CLASS])
        self.label_percent = QDoubleSpinBox()
        self.label_percent.setRange(0.1, 99.9)
        self.label_percent.setDecimals(1)
        self.label_percent.setSuffix(" %")
        self.label_percent.setValue(SEMI_LABEL_PERCENT)
        self.label_percent.setToolTip("Share of the training clips that keep labels")
        self.labels_per_class = QSpinBox()
        self.labels_per_class.setRange(1, 100_000)
        self.labels_per_class.setValue(5)
        self.labels_per_class.setSuffix(" per class")
        self.labels_per_class.setToolTip("Training clips per class that keep labels")
        self.labels_row = QWidget()
        self.labels_row.setToolTip(
            "Which training clips keep their labels: all of them; a seeded fraction "
            "(semi-supervised: the paper's 1 % and 10 %); or N clips per class "
            "(few-shot). The other clips still train the self-supervised tasks "
            "where the strategy has them. Pretraining uses no labels."
        )
        labels_box = QHBoxLayout(self.labels_row)
        labels_box.setContentsMargins(0, 0, 0, 0)
        labels_box.addWidget(self.labels_mode)
        labels_box.addWidget(self.label_percent, 1)
        labels_box.addWidget(self.labels_per_class, 1)
        # Set for semi by the panel, not by the user: undone when leaving semi.
        self._labels_auto = False
        self._pretrained: Path | None = None  # finished here, offered to "Start from"
        self.runs_dir = QLineEdit(ctx.recall("train/runs_dir", str(default_runs_dir())))
        form = QFormLayout()
        form.addRow("Dataset", self.dataset)
        form.addRow("Root", root_row)
        form.addRow("Protocol", self.protocol)
        form.addRow("Strategy", self.strategy)
        form.addRow("Start from", self.init_row)
        form.addRow("Labels", self.labels_row)
        form.addRow("Preset", self.preset)
        form.addRow("Epochs", self.epochs)
        form.addRow("Batch size", self.batch_size)
        form.addRow("Learning rate", self.lr)
        form.addRow("Encoder rate", self.encoder_lr)
        form.addRow("Device", self.device)
        form.addRow("Encoder", self.encoder)
        form.addRow("Input stream", self.stream)
        form.addRow("Hidden units", self.hidden)
        form.addRow("Frames (T)", self.frames)
        form.addRow("Max clips", self.max_clips)
        form.addRow("Runs folder", self.runs_dir)
        settings_box = QGroupBox("Run settings")
        settings_box.setLayout(form)
        # Read-only while a run trains: a strategy changed meanwhile showed its fields
        # beside the running run's curves, as if it were that run's.
        self.settings_box = settings_box

        self.start_button = QPushButton("Start")
        self.start_button.clicked.connect(self._on_start_clicked)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.resume_button = QPushButton("Resume…")
        self.resume_button.setToolTip(
            "Continue a run folder from its last.pt, or train a finished run longer"
        )
        self.resume_button.clicked.connect(self._on_resume_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.resume_button)

        self.progress = QProgressBar()
        self.progress.setValue(0)  # at -1 (reset) the bar showed no text, not "idle"
        self.progress.setFormat("idle")
        self.eta = QLabel("")
        self.run_label = QLabel("Run folder: –")
        self.run_label.setWordWrap(True)
        self.run_label.setTextInteractionFlags(
            self.run_label.textInteractionFlags()
            | self.run_label.textInteractionFlags().TextSelectableByMouse
        )
        self.open_run_button = QPushButton("Show run folder")
        self.open_run_button.setEnabled(False)
        self.open_run_button.clicked.connect(self._on_open_run_clicked)
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(5000)

        left = QVBoxLayout()
        left.addWidget(settings_box)
        left.addStretch(1)
        left_widget = QWidget()
        left_widget.setLayout(left)

        self.curves = TrainingCurves()
        # The log under the curves, in view beside the form: in the form's column it
        # sat below the fold at 1366x768 (a trial).
        self.log.setMinimumHeight(60)
        self.log.setPlaceholderText(
            "The run's log: its data, settings, epochs and notes, as a run says them"
        )
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.curves)
        right.addWidget(self.log)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 1)
        right.setChildrenCollapsible(False)
        splitter = QSplitter()
        # Start, the progress and the run folder stay in view below the settings (at
        # the column's end they were below the fold of a laptop screen: pinned_below).
        run_row = QHBoxLayout()
        run_row.addWidget(self.run_label, 1)
        run_row.addWidget(self.open_run_button)
        splitter.addWidget(
            pinned_below(
                scrolling_column(left_widget),
                left,
                buttons,
                self.progress,
                self.eta,
                run_row,
            )
        )
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([460, 900])
        box = QVBoxLayout(self)
        box.addWidget(splitter)

        self.dataset.currentTextChanged.connect(self._on_dataset_changed)
        self.protocol.currentTextChanged.connect(self._on_protocol_changed)
        self.strategy.currentTextChanged.connect(self._on_strategy_changed)
        self.labels_mode.currentTextChanged.connect(self._on_labels_mode_changed)
        self.label_percent.valueChanged.connect(self._on_label_amount_changed)
        self.labels_per_class.valueChanged.connect(self._on_label_amount_changed)
        self._show_labels_mode()
        self.dataset.setCurrentText(ctx.recall("train/dataset", "nw-ucla"))
        self._on_dataset_changed(self.dataset.currentText())
        self._on_strategy_changed(self.strategy.currentText())
        self._restore_fields()
        # The settings a run takes from its Start-from run, shown as taken (the form
        # said "official" while the run used that run's "paper" model).
        self._inheritable = (
            self.preset, self.encoder, self.stream, self.hidden, self.frames,
        )  # fmt: skip
        self._tips = {w: w.toolTip() for w in self._inheritable}
        self._own_values: list[object] | None = None
        self.init_from.textChanged.connect(self._show_inherited)
        self.strategy.currentTextChanged.connect(self._show_inherited)
        self._show_inherited()
        # "preset" with the preset's value: a resumed official run read "Hidden
        # units: preset" where it has 300 (a trial)
        self.preset.currentTextChanged.connect(self._show_preset_values)
        self.encoder.currentTextChanged.connect(self._show_preset_values)
        self._show_preset_values()

    @pyqtSlot()
    def _show_preset_values(self) -> None:
        """Name the chosen preset's size and rate in the fields' "preset" text."""
        preset = self.preset.currentText()
        if preset not in PRESETS:
            return
        hidden = model_preset(preset, encoder=self.encoder.currentText()).hidden
        self.hidden.setSpecialValueText(f"preset ({hidden})")
        self.lr.setSpecialValueText(f"preset ({optim_preset(preset).lr:g})")

    # --- building the config -------------------------------------------------------------
    def build_config(self) -> TrainConfig:
        """The config described by the form.

        Returns:
            A validated config for a new run folder under the runs folder.

        Raises:
            ValueError: If a field is missing or inconsistent (the message says which).
        """
        root = self.root.text().strip()
        if not root:
            raise ValueError(
                "choose the dataset root (a folder, or a zip: NW-UCLA, NTU RGB+D)"
            )
        if not Path(root).expanduser().exists():
            raise ValueError(f"dataset root not found: {root}")
        dataset, strategy = self.dataset.currentText(), self.strategy.currentText()
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        folder = Path(self.runs_dir.text().strip() or default_runs_dir()).expanduser()
        if runs.is_run_dir(folder):
            raise ValueError(
                f"runs folder {folder} is itself a run's folder: a new run would be "
                "made inside it; choose the folder that holds your runs"
            )
        if runs.in_shipped_folder(folder):
            raise ValueError(
                f"runs folder {folder}: inside the shipped models' folder, whose every "
                "run is offered as a model that comes with the app; choose another"
            )
        run_dir = folder / f"{dataset}-{strategy}-{stamp}"
        model: dict[str, object] = {"encoder": self.encoder.currentText()}
        if self.hidden.value():
            model["hidden"] = self.hidden.value()
        data: dict[str, object] = {
            "frames": self.frames.value(),
            "stream": self.stream.currentText(),
        }
        if self.max_clips.value():
            data["max_clips"] = self.max_clips.value()
        data.update(self.label_settings())
        options = {}
        optim: dict[str, object] = {
            "epochs": self.epochs.value(),
            "batch_size": self.batch_size.value(),
        }
        if self.lr.value():
            optim["lr"] = self.lr.value()
        preset = self.preset.currentText()
        init_from = run_folder(self.init_from.text().strip())
        if strategy in NEEDS_INIT and not init_from:  # said in the form's words
            raise ValueError(
                f"strategy {strategy!r} starts from a pretrained encoder: choose its "
                "run in 'Start from' (a 'pretrain' run folder, or a Shipped model)"
            )
        if strategy in NEEDS_INIT:
            optim["encoder_lr_scale"] = self.encoder_lr.value()
        if strategy in TAKES_INIT and (init_from or strategy in NEEDS_INIT):
            options["init_from"] = init_from
            if runs.is_run_dir(Path(init_from).expanduser()):
                # the starting run's architecture and input (as `ms2l train` does)
                data.pop("frames")
                data.pop("stream")
                preset, model, data = inherit_from_run(init_from, {}, data)
        return make_config(
            dataset=dataset,
            root=str(Path(root).expanduser()),
            protocol=self.protocol.currentText(),
            strategy=strategy,
            preset=preset,
            data=data,
            model=model,
            optim=optim,
            run={
                "run_dir": str(run_dir),
                "device": self.device.currentText(),
                # Leave one core to the GUI thread so the window stays responsive.
                "threads": max(1, (os.cpu_count() or 2) - 1),
            },
            strategy_options=options,
        )

    def label_settings(self) -> dict[str, float | int]:
        """The Labels setting as :class:`core.config.DataConfig` overrides (none for
        "all", or for a strategy that uses no labels)."""
        if self.strategy.currentText() not in USES_CLS:
            return {}
        mode = self.labels_mode.currentText()
        if mode == LABEL_FRACTION:
            return {"label_fraction": round(self.label_percent.value() / 100, 6)}
        if mode == LABELS_PER_CLASS:
            return {"labels_per_class": self.labels_per_class.value()}
        return {}

    def start(
        self,
        cfg: TrainConfig,
        history: list[Event] | None = None,
        epochs: int | None = None,
    ) -> Job:
        """Start training ``cfg`` in a worker thread.

        Args:
            cfg: The run's configuration.
            history: Events of the run's earlier sessions (a resumed run), shown
                before the new ones.
            epochs: Total epochs, extending a resumed run (as
                :func:`core.training.loop.run`'s ``epochs``).

        Returns:
            The running job.
        """
        from core.training.loop import run as run_training

        def make(stop: threading.Event) -> Iterator[object]:
            return run_training(cfg, stop, epochs=epochs)

        self.curves.clear()
        self.curves.set_accuracy_note(
            ""
            if cfg.strategy.name in USES_CLS
            else "no accuracy: pretraining trains no classifier (evaluate it by "
            "linear evaluation or fine-tuning from this run)"
        )
        self.log.clear()
        self._show_history(history or [])
        # The run folder is named when the run starts: until then (and should it fail
        # before) the last run's folder is not this one's.
        self.run_label.setText(f"Run folder: {cfg.run.run_dir or '–'} (starting)")
        self.open_run_button.setEnabled(False)
        self.progress.setValue(0)
        self.progress.setFormat("starting…")
        self.eta.setText("")
        self._steps_done = 0
        self._per_step = 0.0
        self.events_seen = 0
        job = self.ctx.jobs.start("training", make)
        job.worker.item_produced.connect(self._on_worker_item_produced)
        job.worker.failed.connect(self._on_worker_failed)
        job.ended.connect(self._on_job_ended)
        self.job = job
        self._set_running(True)
        job.start()
        self.ctx.status("Training started")
        return job

    def is_running(self) -> bool:
        """Whether a training job is under way (until its last event has been shown)."""
        return self.job is not None

    # --- slots -----------------------------------------------------------------------
    @pyqtSlot(str)
    def _on_dataset_changed(self, dataset: str) -> None:
        self.protocol.clear()
        for protocol in PROTOCOLS.get(dataset, ()):  # each with what it splits
            self.protocol.addItem(protocol)
            self.protocol.setItemData(
                self.protocol.count() - 1,
                PROTOCOL_SUMMARY.get((dataset, protocol), ""),
                Qt.ItemDataRole.ToolTipRole,
            )
        # Each dataset's own root, as last started (NTU's folder stayed in Root when
        # NW-UCLA was chosen back: a trial); a root typed for none is left as it is.
        mine = self.ctx.recall(f"train/root/{dataset}", "")
        if mine:
            self.root.setText(mine)
        elif self.root.text().strip() in {
            self.ctx.recall(f"train/root/{other}", "") for other in PROTOCOLS
        } - {""}:  # another dataset's root: not this one's (Start would refuse it)
            self.root.clear()

    @pyqtSlot(str)
    def _on_protocol_changed(self, protocol: str) -> None:
        self.protocol.setToolTip(
            PROTOCOL_SUMMARY.get((self.dataset.currentText(), protocol), "")
        )

    def _on_strategy_changed(self, strategy: str) -> None:
        self.strategy.setToolTip(STRATEGY_SUMMARY.get(strategy, ""))
        pretrained = self._pretrained
        if strategy in TAKES_INIT and pretrained and not self.init_from.text().strip():
            self.init_from.setText(str(pretrained))
            self._pretrained = None  # offered once: cleared, it stays cleared
            self.ctx.status(
                f"Start from: the pretraining run just finished ({pretrained.name})"
            )
        self.init_row.setEnabled(strategy in TAKES_INIT)
        self.encoder_lr.setEnabled(strategy in NEEDS_INIT)
        self.labels_row.setEnabled(strategy in USES_CLS)
        # semi cannot run on every label: offer the paper's 10 % instead of an error,
        # and take it back when another strategy is chosen before the user changed it.
        if strategy == "semi" and self.labels_mode.currentText() == ALL_LABELS:
            with QSignalBlocker(self.labels_mode), QSignalBlocker(self.label_percent):
                self.labels_mode.setCurrentText(LABEL_FRACTION)
                self.label_percent.setValue(SEMI_LABEL_PERCENT)
            self._labels_auto = True
        elif strategy != "semi" and self._labels_auto:
            with QSignalBlocker(self.labels_mode):
                self.labels_mode.setCurrentText(ALL_LABELS)
            self._labels_auto = False
        self._show_labels_mode()

    def _start_from_config(self) -> TrainConfig | None:
        """The config of the run the form's run would start from (``None``: none, or
        not a readable run folder yet)."""
        text = self.init_from.text().strip()
        if self.strategy.currentText() not in TAKES_INIT or not text:
            return None
        path = Path(run_folder(text)).expanduser()
        if not runs.is_run_dir(path):
            return None
        try:
            return runs.read_run(path).config
        except (OSError, ValueError):
            return None

    @pyqtSlot()
    def _show_inherited(self) -> None:
        """Show the model and input settings a run takes from its Start-from run in
        their fields, which the user cannot change then; give the user's own values
        back when there is no such run."""
        cfg = self._start_from_config()
        if cfg is None:
            if self._own_values is not None:
                self._set_inheritable(self._own_values)
                self._own_values = None
            for widget in self._inheritable:
                widget.setEnabled(True)
                widget.setToolTip(self._tips[widget])
            return
        if self._own_values is None:
            self._own_values = [
                self.preset.currentText(), self.encoder.currentText(),
                self.stream.currentText(), self.hidden.value(), self.frames.value(),
            ]  # fmt: skip
        self._set_inheritable(
            [cfg.model.preset, cfg.model.encoder, cfg.data.stream, cfg.model.hidden,
             cfg.data.frames]
        )  # fmt: skip
        for widget in self._inheritable:
            widget.setEnabled(False)
            widget.setToolTip("Taken from the Start-from run, whose encoder this run "
                              "continues")  # fmt: skip

    def _set_inheritable(self, values: list[object]) -> None:
        preset, encoder, stream, hidden, frames = values
        self.preset.setCurrentText(str(preset))
        self.encoder.setCurrentText(str(encoder))
        self.stream.setCurrentText(str(stream))
        self.hidden.setValue(int(hidden))  # type: ignore[call-overload]
        self.frames.setValue(int(frames))  # type: ignore[call-overload]

    @pyqtSlot(str)
    def _on_labels_mode_changed(self, _mode: str) -> None:
        self._labels_auto = False
        self._show_labels_mode()

    @pyqtSlot()
    def _on_label_amount_changed(self) -> None:
        self._labels_auto = False

    def _show_labels_mode(self) -> None:
        mode = self.labels_mode.currentText()
        self.label_percent.setVisible(mode == LABEL_FRACTION)
        self.labels_per_class.setVisible(mode == LABELS_PER_CLASS)

    @pyqtSlot()
    def _on_browse_init_clicked(self) -> None:
        start = self.init_from.text().strip() or self.runs_dir.text().strip()
        path = QFileDialog.getExistingDirectory(self, "Run to start from", start)
        if path:
            self.init_from.setText(path)

    @pyqtSlot()
    def _on_browse_root_clicked(self) -> None:
        path = QFileDialog.getExistingDirectory(
            self, "Dataset folder", self.root.text()
        )
        if path:
            self.root.setText(path)

    @pyqtSlot()
    def _on_browse_zip_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Dataset archive", self.root.text(), "Zip archives (*.zip)"
        )
        if path:
            self.root.setText(path)

    @pyqtSlot()
    def _on_start_clicked(self) -> None:
        if self.is_running():
            return
        try:
            cfg = self.build_config()
        except (ValueError, KeyError) as exc:
            self.ctx.error("Training settings", str(exc.args[0] if exc.args else exc))
            return
        self.ctx.remember("train/root", self.root.text().strip())
        root_key = f"train/root/{self.dataset.currentText()}"
        self.ctx.remember(root_key, self.root.text().strip())
        self.ctx.remember("train/dataset", self.dataset.currentText())
        self.ctx.remember("train/strategy", self.strategy.currentText())
        self.ctx.remember("train/runs_dir", self.runs_dir.text().strip())
        for key, widget in self._kept_fields().items():
            self.ctx.remember_field(f"train/{key}", widget)
        self.start(cfg)

    def _kept_fields(self) -> dict[str, QWidget]:
        """Form fields kept between sessions (set at Start, read back when the panel
        opens; the preset and epochs went back to their defaults). Max clips is not:
        a quick run's cut should not carry over unseen. In the order they are set
        back (the protocol after the dataset, the labels after the strategy)."""
        return {
            "protocol": self.protocol,
            "labels_mode": self.labels_mode,
            "label_percent": self.label_percent,
            "labels_per_class": self.labels_per_class,
            "init_from": self.init_from,
            "preset": self.preset,
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "lr": self.lr,
            "encoder_lr": self.encoder_lr,
            "device": self.device,
            "encoder": self.encoder,
            "stream": self.stream,
            "hidden": self.hidden,
            "frames": self.frames,
        }

    def _restore_fields(self) -> None:
        for key, widget in self._kept_fields().items():
            self.ctx.restore_field(f"train/{key}", widget)
        self._labels_auto = False  # the labels chosen at the last Start are the user's

    @pyqtSlot()
    def _on_resume_clicked(self) -> None:
        if self.is_running():
            return
        folder = QFileDialog.getExistingDirectory(
            self, "Run folder to resume", self.resume_start_folder()
        )
        if not folder:
            return
        from core.training.loop import RunComplete, check_resumable

        epochs = None
        try:
            check_resumable(folder)
        except RunComplete as done:
            # A finished run has nothing to resume, but it can be trained longer.
            epochs, ok = QInputDialog.getInt(
                self,
                "Train the run longer",
                f"{Path(folder).name} finished its {count(done.planned, 'epoch')}.\n"
                "Train it on, to how many epochs in all?",
                value=2 * done.planned,
                min=done.planned + 1,
                max=100_000,
            )
            if not ok:
                return
        except (OSError, ValueError):
            pass  # resume() reports it
        self.resume(Path(folder), epochs)

    def resume_start_folder(self) -> str:
        """Where Resume…'s folder dialog opens: the last run's folder (this session's,
        or the last session's) while it can be resumed, else the runs folder (the
        dialog had to be walked to a cancelled run every time)."""
        for run in (self.run_dir, Path(self.ctx.recall("train/last_run") or "-")):
            if run is not None and (run / runs.LAST).is_file():
                return str(run)
        return self.runs_dir.text()

    def resume(self, run_dir: Path, epochs: int | None = None) -> Job | None:
        """Continue the run in ``run_dir`` from its ``last.pt``.

        Args:
            run_dir: A run folder written by an earlier (possibly cancelled) run.
            epochs: Total epochs to extend the run to (more than its own); a finished
                run is resumed only with them.

        Returns:
            The running job, or ``None`` if the folder cannot be resumed (reported).
        """
        from core.training.loop import check_resumable

        try:
            # Checked before the display is cleared: a finished or damaged run keeps
            # its curves and log on screen.
            check_resumable(run_dir, epochs)
            cfg = TrainConfig.load(run_dir / runs.CONFIG)
            cfg = cfg.replace(run={"run_dir": str(run_dir), "resume": True})
        except (OSError, ValueError) as exc:
            self.ctx.error("Resume", str(exc))
            return None
        self.show_config(cfg, epochs)
        # Read before the worker starts: it rewrites the file (dropping the epoch that
        # was cut short) and appends to it.
        return self.start(cfg, history=read_history(run_dir), epochs=epochs)

    def show_config(self, cfg: TrainConfig, epochs: int | None = None) -> None:
        """Fill the form with a run's settings (a resumed run: the form showed the
        next new run's, official / 60 epochs beside a paper / 30-epoch run going on).

        Args:
            cfg: The run's config.
            epochs: The epochs it is extended to, if it is.
        """
        data, optim = cfg.data, cfg.optim
        self.dataset.setCurrentText(data.dataset)
        self.root.setText(data.root)
        self.protocol.setCurrentText(data.protocol)
        self.strategy.setCurrentText(cfg.strategy.name)
        self.init_from.setText(cfg.strategy.init_from)
        self.preset.setCurrentText(cfg.model.preset)
        self.epochs.setValue(epochs or optim.epochs)
        self.batch_size.setValue(optim.batch_size)
        # the preset's own rate is shown as "preset", as it was chosen (it came back
        # as 0.00100 and stayed for the next run, of another preset: a trial)
        preset_lr = (
            optim_preset(cfg.model.preset).lr if cfg.model.preset in PRESETS else None
        )
        self.lr.setValue(0.0 if optim.lr == preset_lr else optim.lr)
        self.encoder_lr.setValue(optim.encoder_lr_scale)
        self.encoder.setCurrentText(cfg.model.encoder)
        self.stream.setCurrentText(data.stream)
        # the preset's own size is shown as "preset" too: a resumed official run's
        # 300 stayed and gave the next "paper" run a 300-unit encoder (a trial)
        preset_hidden = (
            model_preset(cfg.model.preset, encoder=cfg.model.encoder).hidden
            if cfg.model.preset in PRESETS
            else None
        )
        self.hidden.setValue(
            0 if cfg.model.hidden == preset_hidden else cfg.model.hidden
        )
        self.frames.setValue(data.frames)
        self.max_clips.setValue(data.max_clips)
        if data.label_fraction < 1:
            self.labels_mode.setCurrentText(LABEL_FRACTION)
            self.label_percent.setValue(100 * data.label_fraction)
        elif data.labels_per_class:
            self.labels_mode.setCurrentText(LABELS_PER_CLASS)
            self.labels_per_class.setValue(data.labels_per_class)
        else:
            self.labels_mode.setCurrentText(ALL_LABELS)
        self._labels_auto = False  # the run's own choice, not the panel's

    @pyqtSlot()
    def _on_cancel_clicked(self) -> None:
        # The button stays enabled while the run winds down, as in Teach and Evaluate:
        # disabling it sent the keyboard focus down the column and scrolled it.
        if self.job is not None and not self.job.stop_event.is_set():
            self.job.stop()
            self.progress.setFormat("cancelling…")
            self._append_log("Cancelling: the run stops after the current batch.")

    @pyqtSlot()
    def _on_open_run_clicked(self) -> None:
        if self.run_dir is not None:
            self.ctx.open_folder(self.run_dir)

    @pyqtSlot(object)
    def _on_worker_item_produced(self, event: object) -> None:
        self.events_seen += 1
        self.last_event = event
        if isinstance(event, BatchDone):
            self._on_batch_done(event)
        elif isinstance(event, EpochDone):
            self._on_epoch_done(event)
        elif isinstance(event, RunStarted):
            self._on_run_started(event)
        elif isinstance(event, CheckpointSaved | Log):
            self._append_log(log_line(event))
            if isinstance(event, Log) and event.level == "warning":
                self.ctx.status(log_line(event))
        elif isinstance(event, DataProgress):
            self._on_data_progress(event)
        elif isinstance(event, RunFinished):
            self._on_run_finished(event)

    def _on_data_progress(self, event: DataProgress) -> None:
        self.progress.setRange(0, max(1, event.total))
        self.progress.setValue(min(event.done, event.total))
        what = {
            "reading": "reading files",
            "pseudo-labelling": "teacher labelling",
        }.get(event.stage, "preparing clips")
        self.progress.setFormat(f"{what} %v / %m")

    def _on_run_started(self, event: RunStarted) -> None:
        self.run_dir = Path(event.run_dir)
        note_run(self.run_dir)  # named at the next start, should the app die now
        self.ctx.remember("train/last_run", self.run_dir)
        self.run_label.setText(f"Run folder: {self.run_dir}")
        self.open_run_button.setEnabled(True)
        if event.start_epoch > 1:  # the epoch cut short is trained again
            self.curves.truncate(event.start_epoch - 1)
        self._steps_per_epoch = max(1, event.steps_per_epoch)
        self._steps_total = event.total_epochs * self._steps_per_epoch
        self._steps_at_start = (event.start_epoch - 1) * self._steps_per_epoch
        self._steps_done = self._steps_at_start
        self._t_start = time.monotonic()
        self.progress.setRange(0, max(1, self._steps_total))
        self.progress.setValue(self._steps_done)
        self.progress.setFormat("epoch %v / %m steps")
        what = "resuming" if event.start_epoch > 1 else "starting"
        self._append_log(
            f"{what} {event.config.strategy.name} on {event.config.data.dataset}: "
            f"{count(event.total_epochs, 'epoch')} x {count(event.steps_per_epoch, 'step')}"
            f" -> {self.run_dir}"
        )

    def _on_batch_done(self, event: BatchDone) -> None:
        spe = max(1, event.steps_per_epoch)
        self._steps_done = (event.epoch - 1) * spe + event.step
        self.progress.setValue(min(self._steps_done, self.progress.maximum()))
        self.progress.setFormat(f"epoch {event.epoch} · step {event.step}/{spe} · %p%")
        done_here = self._steps_done - self._steps_at_start
        if done_here > 0:
            per_step = (time.monotonic() - self._t_start) / done_here
            left = max(0, self._steps_total - self._steps_done) * per_step
            self._per_step = per_step
            self.eta.setText(
                f"ETA {format_seconds(left)} · {per_step * 1000:.0f} ms/step · lr {event.lr:.2g}"
            )
        self.curves.add_event(event)

    def _on_epoch_done(self, event: EpochDone) -> None:
        self.curves.add_event(event)
        self._append_log(log_line(event))

    def _show_history(self, events: list[Event]) -> None:
        """Curves and log of a run's earlier sessions (their lines marked "earlier")."""
        for event in events:
            self.curves.add_event(event)
            line = log_line(event)
            if line:
                self._append_log(line, when="earlier")

    def _on_run_finished(self, event: RunFinished) -> None:
        note_run(event.run_dir, ended=True)
        state = "cancelled" if event.cancelled else "finished"
        self._append_log(log_line(event))
        # A cancelled run has no time left to estimate; a finished one keeps its pace.
        pace = f"{self._per_step * 1000:.0f} ms/step" if self._per_step else ""
        self.eta.setText("" if event.cancelled else pace)
        acc = event.accuracy_text()
        acc = f", {acc}" if acc else ""
        self.progress.setFormat(f"{state} · %p%")
        self.ctx.status(f"Training {state}{acc}")
        # Offered as the start of the next run (after a pretraining, linear left
        # "Start from" empty, a random encoder: a GUI trial).
        if not event.cancelled and self.strategy.currentText() == "pretrain":
            self._pretrained = Path(event.run_dir)
        self.run_finished.emit(Path(event.run_dir))

    @pyqtSlot(str)
    def _on_worker_failed(self, message: str) -> None:
        self._append_log(f"error: {message}")
        if not self._steps_done:  # failed before training: a full data bar read "done"
            self.progress.setValue(self.progress.minimum())
        self.progress.setFormat("failed")
        self.eta.setText("")

    @pyqtSlot()
    def _on_job_ended(self) -> None:
        self.job = None
        self._set_running(False)
        if self.run_label.text().endswith("(starting)"):  # failed or cancelled early:
            self.run_label.setText("Run folder: – (none made)")  # no folder was made

    def _set_running(self, running: bool) -> None:
        self.settings_box.setEnabled(not running)
        if running:
            for button in (self.start_button, self.resume_button):
                hand_over(button, self.cancel_button)
        else:
            hand_over(self.cancel_button, self.start_button)
            self.resume_button.setEnabled(True)

    def _append_log(self, line: str, when: str | None = None) -> None:
        self.log.appendPlainText(f"{when or f'{datetime.now():%H:%M:%S}':>8}  {line}")


def log_line(event: Event) -> str:
    """The log line of a training event (``""`` for events not logged: batches, data
    progress, run starts, which the panel words itself)."""
    if isinstance(event, EpochDone):
        terms = ", ".join(f"{k} {v:.4f}" for k, v in loss_terms(event.losses).items())
        acc = (
            ""
            if event.val_acc is None
            else f", {event.split} acc {100 * event.val_acc:.1f}%"
        )
        return f"epoch {event.epoch}: {terms}{acc} ({event.seconds:.1f} s)"
    if isinstance(event, CheckpointSaved):
        best = " (best so far)" if event.is_best else ""
        return f"saved {event.path.name}{best} (epoch {event.epoch})"
    if isinstance(event, Log):
        return ("warning: " if event.level == "warning" else "") + event.message
    if isinstance(event, RunFinished):
        acc = event.accuracy_text()
        acc = f", {acc}" if acc else ""
        state = "cancelled" if event.cancelled else "finished"
        return f"run {state} at epoch {event.epoch}{acc}: {event.run_dir}"
    return ""
