"""Live panel: recognise actions from a camera or a video file as they happen.

Choosing a model loads a :class:`core.inference.Predictor` in a worker (the default shipped
model at first; the "Shipped" button offers every shipped model when there are several) and
shows its encoder, layout, classes and window duration. Start runs
:func:`core.live.pipeline.run_live` in a worker in *latest-only* mode: while the GUI draws one
frame, newer frames replace each other instead of queueing, so the picture never lags
behind. A source that is itself a mirror image (a selfie camera) can be flipped back
before pose estimation ("Mirrored" beside the source); the optional mirrored preview flips
only what is drawn. Without a camera the panel says so and offers a video
file.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
from PyQt6.QtCore import Qt, pyqtSignal, pyqtSlot
from PyQt6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.widgets.layout import (
    field_row,
    pinned_below,
    return_presses,
    scrolling_column,
)
from app.widgets.prob_bars import UNFAMILIAR_NOTE, ProbabilityBars
from app.widgets.shipped_button import ShippedModelButton, model_dialog_start
from app.widgets.shortcuts import press_on_key
from app.widgets.source_picker import SourcePicker
from app.widgets.video_view import VideoView
from app.widgets.window_spin import WindowSpinBox
from app.workers import Job
from core import runs
from core.live.capture import describe_source, is_live, truncation_note
from core.live.recogniser import LiveSettings, LiveTuning, frames_too_far_apart
from core.runs import shipped_model_dir
from core.sensors import describe_input
from core.skeleton import MP33
from core.training.teach import NO_ACTION

if TYPE_CHECKING:
    from core.inference import Predictor
    from core.live.pipeline import LiveUpdate


class LivePanel(QWidget):
    """Source and model choice, settings, the annotated frame and the predictions.

    Signals:
        update_shown(object): A live update was drawn (the ``LiveUpdate``).
        model_loaded(object): A predictor finished loading.
    """

    update_shown = pyqtSignal(object)
    model_loaded = pyqtSignal(object)

    def __init__(
        self,
        ctx: AppContext,
        model_dir: Path | None = None,
        video: Path | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.predictor: Predictor | None = None
        self.job: Job | None = None
        self.model_job: Job | None = None
        self.updates_shown = 0
        self.predictions_shown = 0  # updates of this run that carried a prediction
        self.person_frames = 0  # updates of this run that showed a person
        self.max_fill = 0.0  # the fullest the window got in this run
        self._first_index: int | None = None
        self._ended_by = ""
        self._source_name = ""  # what the running job reads, for the status bar
        self._running_source: int | str = ""  # and that source itself
        self._settings = LiveSettings()  # those of the running (or last) job
        self.last_update: LiveUpdate | None = None
        self._start_when_loaded = False
        self._restart_when_stopped = False
        self.tuning: LiveTuning | None = None  # the running job's, while it runs
        # The loaded model, its folder and what the panel said of it: kept should the
        # next model asked for not load.
        self._kept: tuple[Predictor, str, str, str] | None = None

        # --- source ------------------------------------------------------------------
        self.picker = SourcePicker(ctx, "live", video)
        self.picker.cameras_found.connect(self._on_picker_cameras_found)
        self.picker.video_path.textChanged.connect(self._show_idle_message)
        source_form = QFormLayout()
        source_form.addRow(self.picker)
        source_box = QGroupBox("Input")
        source_box.setLayout(source_form)

        # --- model -------------------------------------------------------------------
        initial = (
            model_dir
            # Its own model, not Replay's last one (both kept "model/run" before).
            or _run_or_none(ctx.recall(MODEL_KEY))
            or _run_or_none(ctx.recall("model/run"))
            or shipped_model_dir()
        )
        self.model_path = QLineEdit("" if initial is None else str(initial))
        # A folder typed or pasted loads on Enter (or leaving the field): the field
        # named it while another model answered.
        self.model_path.editingFinished.connect(self._on_model_path_editing_finished)
        self._asked_model = ""  # the folder in use or loading
        # A remembered model that no longer loads (damaged, deleted since) gives way
        # to the shipped one: it left Live without a model, with an error at every
        # start (a trial). One given by the caller is not replaced.
        shipped = shipped_model_dir()
        self._fallback = (
            shipped if model_dir is None and initial is not None and initial != shipped
            else None
        )  # fmt: skip
        browse_model = QPushButton("Browse…")
        browse_model.clicked.connect(self._on_browse_model_clicked)
        self.shipped_button = ShippedModelButton()
        self.shipped_button.chosen.connect(self.load_model)
        model_row = field_row(self.model_path, browse_model, self.shipped_button)
        self.model_info = QLabel("No model loaded.")
        self.model_info.setWordWrap(True)
        # Room for the shipped model's description (six lines) whatever the model:
        # a taught model's three lines moved Start and Stop 40 px up, under the mouse
        # (a GUI trial); a longer one (sixty classes) still grows it.
        self._model_info_least = self.model_info.fontMetrics().lineSpacing() * 6 + 2
        self.model_info.setMinimumHeight(self._model_info_least)
        model_form = QFormLayout()
        model_form.addRow("Run folder", model_row)
        model_form.addRow("", self.model_info)
        self.input_info = QLabel("")  # which sensor the model was trained on vs now
        self.input_info.setWordWrap(True)
        # three lines, the shipped model's: a taught model's two moved Start up again
        # (a trial)
        self.input_info.setMinimumHeight(
            self.input_info.fontMetrics().lineSpacing() * 3 + 2
        )
        model_form.addRow("Sensors", self.input_info)
        model_box = QGroupBox("Model")
        model_box.setLayout(model_form)

        # --- settings (defaults: LiveSettings, shared with ms2l infer) -----------------
        defaults = LiveSettings()
        self.window_seconds = WindowSpinBox()
        self.window_seconds.setToolTip(
            "Duration of the sliding window; by default the median duration of the "
            "model's training clips"
        )
        self.smoothing = QDoubleSpinBox()
        self.smoothing.setRange(0.05, 1.0)
        self.smoothing.setSingleStep(0.05)
        self.smoothing.setValue(defaults.smoothing)
        self.smoothing.setToolTip(
            "Weight of a new prediction in the moving average (1 = none)"
        )
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.0, 1.0)
        self.threshold.setSingleStep(0.05)
        self.threshold.setValue(defaults.threshold)
        self.threshold.setToolTip('Below this confidence the panel shows "no action"')
        self.predict_every = QSpinBox()
        self.predict_every.setRange(1, 60)
        self.predict_every.setValue(defaults.predict_every)
        self.predict_every.setSuffix(" frames")
        self.mirror = QCheckBox("Mirrored preview")
        self.mirror.setToolTip(
            "Flip the picture only; what the model sees does not change (for a source "
            'that is itself a mirror image, tick "Mirrored" beside the source)'
        )
        self.mirror.toggled.connect(self._on_mirror_toggled)
        self.show_video = QCheckBox("Show video (off: skeleton on a dark background)")
        self.show_video.setChecked(True)
        self.show_video.toggled.connect(self._on_show_video_toggled)
        for spin, key in (  # kept between sessions, as Teach keeps its own
            (self.window_seconds, "live/window_seconds"),
            (self.smoothing, "live/smoothing"),
            (self.threshold, "live/threshold"),
            (self.predict_every, "live/predict_every"),
        ):
            ctx.keep_value(spin, key)
        self.threshold.valueChanged.connect(self._on_tuning_changed)
        self.smoothing.valueChanged.connect(self._on_tuning_changed)
        settings_form = QFormLayout()
        settings_form.addRow("Window", self.window_seconds)
        settings_form.addRow("Smoothing", self.smoothing)
        settings_form.addRow("Threshold", self.threshold)
        settings_form.addRow("Predict every", self.predict_every)
        self.settings_box = QGroupBox("Settings")
        self.settings_box.setLayout(settings_form)

        self.start_button = QPushButton("Start")
        self.start_button.clicked.connect(self._on_start_clicked)
        # Return in Video plays that video (with a camera chosen, it started the
        # camera: a review)
        return_presses(
            self.picker.video_path,
            self.start_button,
            before=self.picker.choose_video_file,
        )
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self._on_stop_clicked)
        press_on_key(self, Qt.Key.Key_Space, self.start_button, self.stop_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.stop_button)

        controls = QVBoxLayout()
        controls.addWidget(source_box)
        controls.addWidget(model_box)
        controls.addWidget(self.settings_box)
        controls.addWidget(self.mirror)
        controls.addWidget(self.show_video)
        controls.addStretch(1)
        controls_widget = QWidget()
        controls_widget.setLayout(controls)
        # One width whatever the model: a word-wrapped label's preferred width follows
        # its text, and the column jumped between ~410 and 520 px on each model change.
        controls_widget.setFixedWidth(420)
        # Scrolls on a short window: squeezed, the model's word-wrapped description
        # lost its lines (drawn over each other, and still after growing again).
        # Start and Stop stay in view below it (at the column's end they were below
        # the fold of a 1024x600 screen: pinned_below).
        controls_area = pinned_below(
            scrolling_column(controls_widget), controls, buttons
        )

        # --- display -----------------------------------------------------------------
        self.video = VideoView()
        self.video.show_message("Press Start")
        self.action = QLabel("–")  # nothing recognised yet
        font = self.action.font()
        font.setPointSizeF(font.pointSizeF() * 2.0)
        font.setBold(True)
        self.action.setFont(font)
        self.action.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # A long answer ("no action  (pick up with two hands 80 % < threshold 95 %)")
        # wraps instead of widening the window past the screen.
        self.action.setWordWrap(True)
        self.action.setSizePolicy(
            QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred
        )
        # two lines kept for it: "collecting… 44 % of the window (answers at 50 %)"
        # wrapped at 125 % and the video jumped at every change (a UI review)
        self.action.setMinimumHeight(2 * self.action.fontMetrics().lineSpacing())
        self.bars = ProbabilityBars(k=5, with_note=True)
        self.stats = QLabel(_NO_STATS)
        self.stats.setWordWrap(True)  # a note after the timings (a video cut short)
        self.stats.setSizePolicy(
            QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred
        )
        display = QVBoxLayout()
        display.addWidget(self.video, 1)
        display.addWidget(self.action)
        display.addWidget(self.bars)
        display.addWidget(self.stats)
        box = QHBoxLayout(self)
        box.addWidget(controls_area)
        box.addLayout(display, 1)

        self.picker.scan_cameras()
        self._starting = True  # the model opened with the window (said nowhere)
        if self.model_path.text():
            self.load_model(Path(self.model_path.text()))
        else:
            self.model_info.setText("No shipped model found: choose a run folder.")

    # --- cameras ---------------------------------------------------------------------
    @pyqtSlot(object)
    def _on_picker_cameras_found(self, cameras: list[int]) -> None:
        self._show_idle_message()

    @pyqtSlot()
    def _show_idle_message(self) -> None:
        """Without a camera, say what to do next (the video chosen, or not yet)."""
        if self.picker.cameras == [] and self.job is None and self.last_update is None:
            chosen = self.picker.video_path.text().strip()
            self.video.show_message(
                "No camera found: press Start to play the video"
                if chosen
                else "No camera found: choose a video file"
            )

    # --- model -----------------------------------------------------------------------
    def load_model(self, run_dir: Path) -> Job:
        """Load the predictor of ``run_dir`` in a worker and show what it knows.

        Args:
            run_dir: A run folder (``config.json``, ``labels.json``, ``weights.pt``).

        Returns:
            The loading job.
        """

        def make(stop: threading.Event) -> Iterator[object]:
            from core.inference import Predictor

            # ONNX on a CPU (the network several times faster), torch on CUDA
            yield Predictor.from_run(run_dir, backend="auto")

        if self.predictor is not None:
            self._kept = (
                self.predictor,
                # Its own folder, not the field's text, which may be a folder typed
                # since ("still using <the folder that failed>": a trial).
                str(self.predictor.run_dir),
                self.model_info.text(),
                self.input_info.text(),
            )
        self.predictor = None
        self.start_button.setEnabled(False)
        if self.job is None:  # the last answer, timings and frame were another model's
            self._clear_answer()
            if self.video.image.image is not None:
                self.video.clear_frame()
            # and so was a refusal to start ("Not started: video file not found"
            # stayed up over a new model: a trial)
            self.video.show_message("Press Start")
            self._show_idle_message()
        # The one-line "Loading" would shrink the column for a moment, and a column
        # scrolled down (a short window) jumped back to its top (Stop out of view).
        if self.model_info.isVisible():
            self.model_info.setMinimumHeight(self.model_info.height())
        self.model_info.setText(f"Loading {run_dir} …")
        job = self.ctx.jobs.start("model loading", make)
        job.worker.item_produced.connect(self._on_model_item_produced)
        job.worker.failed.connect(self._on_model_failed)
        job.ended.connect(self._on_model_job_ended)
        self.model_job = job
        self.model_path.setText(str(run_dir))
        self._asked_model = str(run_dir)
        job.start()
        return job

    @pyqtSlot(object)
    def _on_model_item_produced(self, predictor: Predictor) -> None:
        if self.model_job is None or self.sender() is not self.model_job.worker:
            return  # a model asked for earlier finished loading after a newer request
        self.predictor = predictor
        self._kept = None
        self._fallback = None  # only for the model remembered from last time
        self.shipped_button.mark_in_use(Path(self.model_path.text()))
        self.ctx.remember(MODEL_KEY, self.model_path.text())
        labels = list(predictor.labels)
        self.bars.show_rows(len(labels))
        check = (
            "unfamiliar motion → no action"
            if getattr(predictor, "novelty", None) is not None
            else "no novelty check"
        )
        encoder = runs.encoder_title(predictor.config.model.encoder)
        if predictor.config.data.stream != "joint":
            encoder += f" ({predictor.config.data.stream} stream)"
        self.model_info.setText(
            # "trained on": the Window box may set another (a trial read "window
            # 3.53 s" beside a Window of 1.50 s as a contradiction)
            f"{encoder} · layout {predictor.layout} · {len(labels)} classes · trained "
            f"on {predictor.window_seconds:.2f} s windows · {_runs_on(predictor)} · "
            f"{check}\n" + ", ".join(labels)
        )
        if predictor.backend_note:
            self.ctx.status(f"Model {self.model_path.text()}: {predictor.backend_note}")
        elif not self._starting:  # said when asked for, as Replay says it (a trial
            # saw nothing change but the line); not the one opened with the window
            self.ctx.status(f"Model {Path(self.model_path.text()).name} loaded")
        self._starting = False
        # Usable now; the job's "ended" signal may come a moment later.
        self.start_button.setEnabled(self.job is None)
        self.input_info.setText(describe_input(predictor.config).summary())
        self.window_seconds.set_model_default(predictor.window_seconds)
        self.model_loaded.emit(predictor)
        if self.job is not None:
            # The running job holds the model it started with: start again with this
            # one (the panel would otherwise name one model and show another's answers).
            self._restart_when_stopped = True
            self.stop()
            self.ctx.status(f"Live: restarting with {self.model_path.text()} …")
        elif self._start_when_loaded:
            self._start_when_loaded = False
            self.start()

    @pyqtSlot(str)
    def _on_model_failed(self, message: str) -> None:
        if self.model_job is None or self.sender() is not self.model_job.worker:
            return
        # Start was pressed (or a restart was under way) for the model that failed.
        waiting, self._start_when_loaded = self._start_when_loaded, False
        fallback, self._fallback = self._fallback, None
        if self._kept is None and fallback is not None:
            self.ctx.status(
                f"Could not load the model used last time; using {fallback.name}"
            )
            self.load_model(fallback)
            return
        if self._kept is None:
            self.model_info.setText(f"Could not load the model: {message}")
            return
        # The model in use before stays in use: its folder, description and Start.
        self.predictor, folder, info, sensors = self._kept
        self._kept = None
        self.model_path.setText(folder)
        self._asked_model = folder
        self.model_info.setText(info)
        self.input_info.setText(sensors)
        self.shipped_button.mark_in_use(Path(folder))
        self.ctx.status(f"Could not load the model; still using {folder}")
        if waiting:  # Live was to start (or start again): with the model kept
            self.start()

    @pyqtSlot()
    def _on_model_job_ended(self) -> None:
        if self.model_job is not None and self.sender() is not self.model_job:
            return  # an earlier load, replaced by the one running (its "Loading …")
        self.start_button.setEnabled(self.job is None)
        # the description's own height again, or the room kept for one
        self.model_info.setMinimumHeight(self._model_info_least)

    @pyqtSlot()
    def _on_model_path_editing_finished(self) -> None:
        text = self.model_path.text().strip()
        if text and text != self._asked_model:
            self.load_model(Path(text).expanduser())

    @pyqtSlot()
    def _on_browse_model_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Model run folder", model_dialog_start(self.model_path.text())
        )
        if folder:
            self.load_model(Path(folder))

    # --- running ---------------------------------------------------------------------
    def live_settings(self) -> LiveSettings:
        """The :class:`core.live.recogniser.LiveSettings` described by the form."""
        return LiveSettings(
            window_seconds=self.window_seconds.seconds(),
            predict_every=self.predict_every.value(),
            smoothing=self.smoothing.value(),
            threshold=self.threshold.value(),
            top_k=len(self.bars.bars),
            mirrored=self.picker.mirrored.isChecked(),
            realtime=True,
        )

    def start(self) -> Job | None:
        """Start recognising from the selected source.

        Returns:
            The live job, or ``None`` if something is missing (reported to the user).
        """
        if self.job is not None:
            return self.job
        if self.predictor is None:
            if self.model_job is not None and self.model_job.is_running():
                self._start_when_loaded = True
                return None
            self.ctx.error("Live", "no model loaded: choose a run folder")
            return None
        try:
            source = self.picker.selected_source()
            settings = self.live_settings()
        except ValueError as exc:
            # The last run's frame and answer would read as this source's.
            self._clear_answer()
            self.video.clear_frame()
            self.video.show_message("Not started: " + str(exc))
            self.ctx.error("Live", str(exc))
            return None
        from core.live.pipeline import run_live

        predictor = self.predictor
        # Threshold and smoothing stay adjustable while Live runs (the worker reads
        # them at every frame).
        tuning = LiveTuning(settings.threshold, settings.smoothing)
        self.tuning = tuning

        def make(stop: threading.Event) -> Iterator[object]:
            for update in run_live(source, predictor, settings, stop, tuning=tuning):
                yield for_display(update)

        self.updates_shown = 0
        self.predictions_shown = 0
        self.person_frames = 0
        self.max_fill = 0.0
        self._first_index = None  # the first frame number shown
        self._ended_by = ""  # "stop" (the user) or "failure"
        self._settings = settings
        self._running_source = source if isinstance(source, int) else str(source)
        self._source_name = describe_source(self._running_source)
        self.last_update = None
        # Nothing of the previous run stays up: should this source fail to open, its
        # error must not sit above the last run's answer, bars and frame number.
        self._clear_answer()
        self.video.show_message("Starting…")
        self.ctx.status(f"Live: starting {self._source_name} …")
        job = self.ctx.jobs.start("live", make, latest_only=True)
        job.worker.item_produced.connect(self._on_live_item_produced)
        job.worker.failed.connect(self._on_live_failed)
        job.ended.connect(self._on_live_job_ended)
        self.job = job
        self._set_running(True)
        job.start()
        return job

    def stop(self) -> None:
        """Ask the live job to stop (it ends after the current frame)."""
        if self.job is not None:
            self._ended_by = "stop"
            self.job.stop()

    @pyqtSlot()
    def _on_start_clicked(self) -> None:
        self.start()

    @pyqtSlot()
    def _on_stop_clicked(self) -> None:
        self._restart_when_stopped = False  # Stop wins over a pending model restart
        self.stop()

    @pyqtSlot(object)
    def _on_live_item_produced(self, _marker: object) -> None:
        job = self.job
        update = job.worker.take_latest() if job is not None else None
        if update is not None:
            self.show_update(update)

    def show_update(self, update: LiveUpdate) -> None:
        """Draw one ``LiveUpdate``: frame, skeleton, bars, action and timings."""
        self.last_update = update
        self.updates_shown += 1
        if self.updates_shown == 1 and self.job is not None:
            self.ctx.status(f"Live: playing {self._source_name}")
        self.video.set_frame(
            update.frame,
            update.landmarks,
            MP33 if update.landmarks is not None else None,
        )
        pred = update.prediction
        # Unfamiliar motion has (nearly) flat probabilities: bars of 10 % each would
        # look like a ranking of classes the model did not consider.
        self.bars.set_probabilities(
            [] if pred.unfamiliar else list(pred.top_k),
            # not under "no person" (it stayed there from the last window: a trial)
            why_empty=UNFAMILIAR_NOTE
            if pred.unfamiliar and update.landmarks is not None
            else "",
        )
        self.predictions_shown += bool(pred.top_k)
        self.person_frames += update.landmarks is not None
        self.max_fill = max(self.max_fill, pred.window_fill)
        if update.landmarks is None:
            self.action.setText("no person")
        elif not pred.top_k:
            sparse = frames_too_far_apart(update.source_fps, self._settings)
            if sparse is not None:  # the window can never fill: say so, not "0 %"
                need = 1.0 / self._settings.max_gap_seconds
                self.action.setText(
                    f"no prediction: {update.source_fps:.3g} FPS input, "
                    f"needs ≥ {need:.3g} FPS"
                )
            else:
                # when it answers, said (it answered at half full, unsaid: a trial)
                self.action.setText(
                    f"collecting… {100 * pred.window_fill:.0f} % of the window "
                    f"(answers at {100 * self._settings.min_fill:.0f} %)"
                )
        elif (
            pred.action is None
            and not pred.unfamiliar
            and pred.top_k[0][0] != NO_ACTION
        ):
            # Below the threshold: say by how much (the bars alone showed a top answer
            # of 88 % under a "no action" headline).
            name, p = pred.top_k[0]
            self.action.setText(
                f"no action  ({name} {100 * p:.1f} % < threshold "
                f"{100 * self._settings.threshold:.0f} %)"
            )
        elif pred.action is None:
            self.action.setText(pred.shown)
        else:
            # to a tenth, as its bar gives it ("80 %" over a bar of 81.3 %: a trial)
            self.action.setText(f"{pred.action}  {100 * pred.top_k[0][1]:.1f} %")
        t = update.timings
        parts = [f"FPS {update.fps:.1f}"]
        for name, value in (
            ("latency", t.total),
            ("pose", t.pose),
            ("predict", t.predict),
        ):
            if value is not None and not math.isnan(value):
                parts.append(f"{name} {value:.0f} ms")
        dropped = self.job.worker.dropped if self.job is not None else 0
        if self._first_index is None:
            self._first_index = update.index
        # frames the source went past while MediaPipe was busy (a 60 FPS video read
        # in real time: a third were never looked at, and the line said 0 dropped);
        # not the pose's fault alone: a 4K video's decoding takes its share of the
        # two cores (a trial read "faster than the pose" there)
        skipped = update.index - self._first_index + 1 - self.updates_shown - dropped
        parts.append(f"frame {update.index}")
        if skipped > 0:
            parts.append(
                f"{skipped} skipped (the recogniser is slower than the source)"
            )
        parts.append(f"{dropped} dropped in the GUI")
        self.stats.setText(" · ".join(parts))
        self.update_shown.emit(update)

    def _clear_answer(self) -> None:
        self.action.setText("–")
        self.bars.set_probabilities([])
        self.stats.setText(_NO_STATS)

    @pyqtSlot(str)
    def _on_live_failed(self, message: str) -> None:
        self._ended_by = "failure"
        self.video.clear_frame()
        self.video.show_message("Stopped: " + message)

    @pyqtSlot()
    def _on_live_job_ended(self) -> None:
        self.job = None
        self._set_running(False)
        if self._restart_when_stopped:
            self._restart_when_stopped = False
            job = self.start()
            source = self._running_source
            if job is not None and isinstance(source, str) and not is_live(source):
                # a file starts over: said (frame 124 went back to frame 7 under
                # "playing video" alone: a trial)
                model = Path(self.model_path.text()).name
                self.video.show_message(f"Starting the video again for {model}…")
                self.ctx.status(
                    f"Live: {model} answers from the start of the video (a new "
                    "model starts on a fresh window)"
                )
            return
        if self._ended_by == "failure":
            self.ctx.status("Live stopped by an error")  # shown in the view
            return
        cut = self._truncation_note()
        if cut:  # under the picture too (the status bar's line gives way to the next)
            self.stats.setText(f"{self.stats.text()}\n{cut}")
        if self.predictions_shown and not self.action.text().startswith(LAST_ANSWER):
            # no longer live: the last answer stayed up at full strength, as if the
            # video still played (a trial)
            self.action.setText(LAST_ANSWER + self.action.text())
        if self.last_update is not None and not self.predictions_shown:
            # A short video ended before the model's window was filled: say so
            # instead of leaving "collecting…" up.
            self.action.setText("no prediction")
            if self._ended_by == "stop":
                self.ctx.status("Live stopped before any prediction")
                return
            if cut:
                why = cut
            elif not self.person_frames:
                why = "no person was seen"
            elif (
                sparse := frames_too_far_apart(
                    self.last_update.source_fps, self._settings
                )
            ) is not None:
                why = f"{sparse} (changing the window cannot help)"
            elif (short := self._shorter_than_window()) is not None:
                why = short
            else:
                why = (
                    f"the input ended with the window at most "
                    f"{100 * self.max_fill:.0f} % filled with a person"
                )
            self.ctx.status(f"Live stopped before any prediction: {why}")
        elif self._ended_by == "stop" or self.last_update is None:
            self.ctx.status("Live stopped")
        else:
            self.ctx.status(f"Live ended: {cut}" if cut else "Live: the video ended")

    def _shorter_than_window(self) -> str | None:
        """Why a video gave no prediction when it was shorter than the window in all
        (``None`` when it was not, or its frame rate is unknown)."""
        last, predictor = self.last_update, self.predictor
        if last is None or predictor is None or not last.source_fps:
            return None
        window = self._settings.window_seconds or predictor.window_seconds
        seconds = (last.index + 1) / last.source_fps
        if seconds >= window * self._settings.min_fill:
            return None
        return (
            f"the video ({seconds:.1f} s) is shorter than the {window:.2f} s window "
            "the model answers on"
        )

    def _truncation_note(self) -> str:
        """What to say when a video ended far before the frames its header claims
        (a copy cut short), else ``""``."""
        last = self.last_update
        if self._ended_by or last is None:
            return ""
        return truncation_note(
            self._source_name, last.frame_count, last.index + 1, last.late_start
        )

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running and self.predictor is not None)
        self.stop_button.setEnabled(running)
        # The window and the prediction rate shape the running window: fixed while
        # Live runs; threshold and smoothing are taken at every frame.
        self.window_seconds.setEnabled(not running)
        self.predict_every.setEnabled(not running)
        self.picker.setEnabled(not running)  # a new source takes effect at Start

    @pyqtSlot()
    def _on_tuning_changed(self) -> None:
        """Threshold or smoothing changed: a running Live takes it at its next frame."""
        if self.job is None or self.tuning is None:
            return
        self.tuning.threshold = self.threshold.value()
        self.tuning.smoothing = self.smoothing.value()
        self._settings = dataclasses.replace(
            self._settings,
            threshold=self.threshold.value(),
            smoothing=self.smoothing.value(),
        )

    @pyqtSlot(bool)
    def _on_mirror_toggled(self, checked: bool) -> None:
        self.video.mirrored = checked

    @pyqtSlot(bool)
    def _on_show_video_toggled(self, checked: bool) -> None:
        self.video.show_video = checked


MODEL_KEY = "live/model"
"""Settings key of the model Live uses (its own; Replay keeps another)."""
_NO_STATS = "FPS – · latency –"
LAST_ANSWER = "last: "
"""Before the answer left up once Live has ended or been stopped."""


def _run_or_none(text: str) -> Path | None:
    path = Path(text).expanduser() if text else None
    return path if runs.is_run_dir(path) else None


DISPLAY_WIDTH = 1280
"""Frames wider than this are shrunk for the view, in the worker thread: a 4K frame
took the GUI thread long enough to skip more than half the frames of a 4K video (its
pose and answer come from the full frame all the same)."""


def for_display(update: LiveUpdate) -> LiveUpdate:
    """``update`` with its frame (and landmarks) at most :data:`DISPLAY_WIDTH` wide."""
    h, w = update.frame.shape[:2]
    if w <= DISPLAY_WIDTH:
        return update
    scale = DISPLAY_WIDTH / w
    size = (DISPLAY_WIDTH, max(1, round(h * scale)))
    frame = cv2.resize(update.frame, size, interpolation=cv2.INTER_AREA)
    points = None if update.landmarks is None else update.landmarks * scale
    return dataclasses.replace(update, frame=frame, landmarks=points)


def _runs_on(predictor: Predictor) -> str:
    """What runs the model: "ONNX Runtime on the CPU" or "PyTorch on cuda:0" ("device
    onnx" named a format as a device: a trial)."""
    if predictor.backend == "onnx":
        return "ONNX Runtime on the CPU"
    return f"PyTorch on {predictor.device}"
