"""Evaluate panel: pick a run and a split, see accuracy, per-class accuracy and confusion.

:func:`core.evaluation.evaluate_run` runs in a worker thread (it reads the data and runs
the model over a whole split); its :class:`~core.evaluation.EvalResult` comes back as a
signal and fills the table and the heatmap. With other runs under "Fuse with" (runs on the
same classes, for example the same recipe on the bone stream),
:func:`core.evaluation.evaluate_fused` averages their class probabilities and the fusion
is shown, with each run's own accuracy in the summary. Self-supervised pretraining runs
are not offered (their classifier was never trained). Export writes the files
:func:`core.evaluation.save_eval` produces (``eval.json``, the confusion matrix as CSV and
PNG) into a folder the user picks.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from PyQt6.QtCore import QTimer, pyqtSignal, pyqtSlot
from PyQt6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.widgets.confusion import ConfusionHeatmap
from app.widgets.layout import field_row, return_presses
from app.workers import Job
from core import runs
from core.config import TrainConfig
from core.datasets.splits import held_out_name
from core.evaluation import default_report_folder
from core.inference.predictor import refuse_pretraining_run
from core.paths import default_runs_dir
from core.runs import shipped_models
from core.text import count

if TYPE_CHECKING:
    from core.evaluation import EvalResult, FusedResult


def find_runs(folders: list[Path]) -> list[Path]:
    """Run folders that can be evaluated, directly inside ``folders``.

    Pretraining runs are left out (:func:`why_not_evaluable`).

    Args:
        folders: Folders to look in (missing ones are skipped).

    Returns:
        Run folders, newest first within each folder.
    """
    found: list[Path] = []
    for folder in folders:
        if folder is not None:
            here = [p for p in runs.find_runs(folder) if not why_not_evaluable(p)]
            found += sorted(here, key=lambda p: p.stat().st_mtime, reverse=True)
    return found


def why_not_evaluable(run_dir: Path) -> str:
    """Why ``run_dir`` cannot be evaluated, checked before any work (``""``: it can).

    A folder without ``config.json`` is not a run; a self-supervised pretraining run
    never trained its classifier. A damaged config is left to the evaluation, which
    names what is wrong with it.
    """
    if not run_dir.exists():
        return f"{run_dir}: no such folder"
    if not runs.is_run_dir(run_dir):
        return f"not a run folder (no {runs.CONFIG}): {run_dir}"
    if not (run_dir / runs.WEIGHTS).is_file():
        return (
            f"{run_dir}: no {runs.WEIGHTS} yet (no epoch of the run has finished; "
            "resume it in the Train panel)"
        )
    try:
        cfg = TrainConfig.load(run_dir / runs.CONFIG)
    except (OSError, ValueError):
        return ""
    try:
        refuse_pretraining_run(run_dir, cfg)
    except ValueError as exc:
        return f"{exc} (or in the Train panel: strategy finetune, Start from this run)"
    return ""


class EvaluatePanel(QWidget):
    """Run and split choice, results table, confusion heatmap and export.

    Signals:
        evaluated(object): An evaluation finished (the ``EvalResult``).
    """

    evaluated = pyqtSignal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.job: Job | None = None
        self.result: EvalResult | None = None
        self.fused: FusedResult | None = None  # set when the result is a fusion
        self.result_run: Path | None = None
        self._training_notes: list[str] = []
        self._scored_epochs: dict[Path, int] = {}  # of the runs scored (0: none)
        # A shown result whose run trains on (here or elsewhere) goes out of date: said
        # within seconds (it stayed up, with its "being trained now" note, after the
        # run had ended with other figures).
        self._stale_check = QTimer(self)
        self._stale_check.setInterval(2000)
        self._stale_check.timeout.connect(self._mark_if_stale)

        self.run = QComboBox()
        self.run.setEditable(True)
        self.run.setMinimumContentsLength(40)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._on_browse_clicked)
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh_runs)
        run_row = field_row(self.run, browse, refresh)
        self.split = QComboBox()
        # Item 0 is the run's held-out split, named as its protocol names it (an
        # xview-val run's "test" scored view 2, its validation: a trial).
        self.split.addItem("test", "test")
        self.split.addItem("train", "train")
        self.fuse_with = QLineEdit()
        self.fuse_with.setPlaceholderText(
            "optional: other run folders on the same classes, separated by ;"
        )
        self.fuse_with.setToolTip(
            "Late fusion: the runs' class probabilities are averaged (for example a "
            "joint-stream and a bone-stream run of the same recipe)"
        )
        self.data_root = QLineEdit()
        self.data_root.setPlaceholderText(
            "dataset root (empty = the one in the run's config)"
        )
        self.evaluate_button = QPushButton("Evaluate")
        self.evaluate_button.clicked.connect(self._on_evaluate_clicked)
        return_presses(self.run, self.evaluate_button)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.export_button = QPushButton("Export PNG + CSV…")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self._on_export_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(self.evaluate_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        # A result stays on screen only while it is the result of what is chosen.
        self._split_for_run = False  # "train" was set for a run, not by the user
        self.split.activated.connect(self._on_split_activated)
        self.run.currentTextChanged.connect(self._on_run_chosen)
        self.run.currentTextChanged.connect(self._on_choice_changed)
        self.split.currentTextChanged.connect(self._on_choice_changed)
        self.fuse_with.textChanged.connect(self._on_choice_changed)
        self.data_root.textChanged.connect(self._on_choice_changed)
        self._on_run_chosen(self.run.currentText())  # the split named for it
        form = QFormLayout()
        form.addRow("Run", run_row)
        form.addRow("Fuse with", self.fuse_with)
        form.addRow("Split", self.split)
        form.addRow("Data root", self.data_root)

        self.summary = QLabel("Choose a run folder and press Evaluate.")
        # Long messages (a path, an error) wrap instead of widening the window.
        self.summary.setWordWrap(True)
        self.summary.setSizePolicy(
            QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred
        )
        font = self.summary.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.summary.setFont(font)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["class", "accuracy", "clips"])
        self.table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.Stretch
        )
        self.table.verticalHeader().setVisible(False)
        self.heatmap = ConfusionHeatmap()
        splitter = QSplitter()
        splitter.addWidget(self.table)
        splitter.addWidget(self.heatmap)
        splitter.setSizes([420, 800])

        box = QVBoxLayout(self)
        box.addLayout(form)
        box.addLayout(buttons)
        box.addWidget(self.summary)
        box.addWidget(splitter, 1)
        self.refresh_runs()
        last = ctx.recall("evaluate/run")
        if last:
            self.run.setCurrentText(last)
            self._on_run_chosen(last)  # (no signal when it was already shown)

    @pyqtSlot()
    def refresh_runs(self) -> None:
        """List the runs in the default runs folder, the Train panel's runs folder
        (when the user chose another) and the shipped models."""
        current = self.run.currentText()
        folders = [default_runs_dir()]
        chosen = self.ctx.recall("train/runs_dir").strip()
        if chosen and Path(chosen).expanduser().resolve() != folders[0].resolve():
            folders.append(Path(chosen).expanduser())
        found = find_runs(folders) + shipped_models()
        blocker = self.run.blockSignals(True)
        self.run.clear()
        self.run.addItems([str(p) for p in found])
        if current:
            self.run.setCurrentText(current)
        self.run.blockSignals(blocker)
        # The run shown may have changed unsignalled: its split named for it (a
        # custom run read "test" beside a result "on the validation split": a trial).
        self._on_run_chosen(self.run.currentText())

    @pyqtSlot(object)
    def add_run(self, run_dir: Path) -> None:
        """Offer a run folder (e.g. one that just finished training) and select it; a
        run that cannot be evaluated (a pretraining run) is not offered."""
        if why_not_evaluable(run_dir):
            return
        text = str(run_dir)
        if self.run.findText(text) < 0:
            self.run.insertItem(0, text)
        self.run.setCurrentText(text)

    def evaluate(
        self,
        run_dir: Path,
        split: str,
        data_root: str | None = None,
        fuse_with: list[Path] | None = None,
    ) -> Job:
        """Evaluate ``run_dir`` on ``split`` in a worker thread.

        Args:
            run_dir: Run folder.
            split: ``"test"`` or ``"train"``.
            data_root: Dataset root overriding the run's config, or ``None``.
            fuse_with: Other runs to fuse with it (mean of class probabilities).

        Returns:
            The running job.
        """
        from core.evaluation import evaluate_fused, evaluate_run, training_note
        from core.training.history import last_finished_epoch

        others = list(fuse_with or [])
        # Said with the result: a run being trained now scores its last finished epoch.
        self._training_notes = [
            note for note in map(training_note, [run_dir, *others]) if note
        ]
        self._scored_epochs = {
            Path(d): last_finished_epoch(Path(d)) for d in [run_dir, *others]
        }

        def make(stop: threading.Event) -> Iterator[object]:
            if others:
                yield evaluate_fused(
                    [run_dir, *others], split=split, data_root=data_root, stop=stop
                )
            else:
                yield evaluate_run(run_dir, split=split, data_root=data_root, stop=stop)

        what = (
            f"{run_dir.name} fused with {count(len(others), 'run')}"
            if others
            else run_dir.name
        )
        self.summary.setText(
            f"Evaluating {what} on the {_split_name(run_dir, split)} split…"
        )
        job = self.ctx.jobs.start("evaluation", make)
        job.worker.item_produced.connect(self._on_worker_item_produced)
        job.worker.failed.connect(self._on_worker_failed)
        job.ended.connect(self._on_job_ended)
        self.job = job
        self.result_run = run_dir
        self._clear_result()
        self.evaluate_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        job.start()
        return job

    def _clear_result(self) -> None:
        """Forget the shown result: a failed, refused or cancelled evaluation must not
        leave the previous one exportable, nor on screen under its message."""
        self._stale_check.stop()
        self.result = self.fused = None
        self.table.setRowCount(0)
        self.heatmap.clear_result()
        self.export_button.setEnabled(False)

    def _refuse(self, message: str) -> None:
        """Report why the chosen run(s) cannot be evaluated, in a dialog and in the
        summary (which would otherwise still show the previous result or error)."""
        self.ctx.error("Evaluate", message)
        self._clear_result()
        self.summary.setText(f"Cannot evaluate: {message}")

    def show_result(self, result: EvalResult, title: str = "") -> None:
        """Fill the summary, table and heatmap from an ``EvalResult``.

        Args:
            result: The result.
            title: What was scored (default: the run folder's name).
        """
        self.result = result
        labels = list(result.labels)
        confusion = result.confusion
        notes = [*result.notes, *self._training_notes]
        self.summary.setText(
            f"{title or result.run_dir.name}: accuracy {100 * result.accuracy:.2f} % "
            f"on {result.num_clips} clips ({result.split_name} split, "
            f"{len(labels)} classes)"
            + "".join(f"\nNote: {note.removeprefix('note: ')}" for note in notes)
        )
        counts = confusion.sum(axis=1)
        self.table.setRowCount(len(labels))
        for i, name in enumerate(labels):
            acc = result.per_class_accuracy[i]
            cells = (
                name,
                "–" if acc != acc else f"{100 * acc:.1f} %",
                str(int(counts[i])),
            )
            for j, text in enumerate(cells):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.table.resizeColumnToContents(1)
        self.heatmap.set_confusion(confusion, labels)
        self.export_button.setEnabled(True)
        self._stale_check.start()

    @pyqtSlot()
    def _mark_if_stale(self) -> None:
        """Say so, and take Export away, when a scored run's weights changed since."""
        result = self.result
        if result is None:
            return
        scored = self.fused.members if self.fused is not None else [result]
        changed = [
            m.run_dir for m in scored if runs.weights_stamp(m.run_dir) != m.weights
        ]
        if not changed:
            return
        self._stale_check.stop()
        self.export_button.setEnabled(False)
        # which epoch the figures are of, as the note it replaces said
        named = ", ".join(
            f"{d.name} (scored at epoch {self._scored_epochs[d]})"
            if self._scored_epochs.get(d)
            else d.name
            for d in changed
        )
        self.summary.setText(
            f"Out of date: {named} trained on after this evaluation (its "
            "weights changed); press Evaluate for its figures now.\n"
            + "\n".join(
                line
                for line in self.summary.text().splitlines()
                if "is being trained now" not in line
            )
        )

    def _evaluated(self) -> list[Path]:
        """The run folders the shown result scored."""
        if self.fused is not None:
            return [m.run_dir for m in self.fused.members]
        return [] if self.result is None else [self.result.run_dir]

    def export(self, folder: Path) -> list[Path]:
        """Write the current result's PNG, CSV and JSON into ``folder`` (a fusion's as
        ``eval-fused.json``, ``confusion-fused.*``, listing the fused runs).

        Returns:
            The files written.
        """
        from core.evaluation import report_folder_problem, save_eval

        result = self.fused if self.fused is not None else self.result
        assert result is not None
        problem = report_folder_problem(folder, self._evaluated())
        if problem:
            raise ValueError(f"{folder}: {problem}")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            return sorted(save_eval(result, folder).values())
        except OSError as exc:
            # Said of the folder, in words: the dialog showed "[Errno 30] Read-only
            # file system: '…/.eval.json.15777.16e5b240.tmp'" (a trial).
            why = exc.strerror or str(exc)
            raise ValueError(
                f"{folder}: the report could not be written there ({why.lower()}): "
                "choose another folder"
            ) from None

    @pyqtSlot()
    def _on_browse_clicked(self) -> None:
        start = self.run.currentText() or str(default_runs_dir())
        folder = QFileDialog.getExistingDirectory(self, "Run folder", start)
        if not folder:
            return
        why = why_not_evaluable(Path(folder))
        if why:
            self.run.setCurrentText(folder)
            self._refuse(why)
        else:
            self.add_run(Path(folder))

    @pyqtSlot()
    def _on_evaluate_clicked(self) -> None:
        text = self.run.currentText().strip()
        run_dir = Path(text).expanduser()
        if not text:
            self._refuse("choose a run folder")
            return
        why = why_not_evaluable(run_dir)
        if why:
            self._refuse(why)
            return
        others = [
            Path(t.strip()).expanduser()
            for t in self.fuse_with.text().split(";")
            if t.strip()
        ]
        bad = [why for why in map(why_not_evaluable, others) if why]
        if bad:
            self._refuse(f"fuse with: {bad[0]}")
            return
        self.ctx.remember("evaluate/run", str(run_dir))
        root = self.data_root.text().strip() or None
        self.evaluate(run_dir, self.split.currentData(), root, others)

    @pyqtSlot()
    def _on_cancel_clicked(self) -> None:
        if self.job is not None:
            self.job.stop()
            if self.result is None:  # a result that came in is not cancelled
                # It stops at its next batch, seconds away on a large split: say so.
                self.summary.setText(
                    "Cancelling… (the evaluation stops after this batch)"
                )

    @pyqtSlot()
    def _on_export_clicked(self) -> None:
        if self.result is None:
            return
        from core.evaluation import replaced_report, report_folder_problem

        start = default_runs_dir()
        made = None
        if self.result_run is not None:
            start = default_report_folder(self.result_run)
            # made now, so that the dialog proposes it (it proposed its parent, the
            # runs folder, and a shipped model's files went in loose: a trial)
            if not start.exists():
                try:
                    start.mkdir(parents=True)
                    made = start
                except OSError:
                    pass
        while not start.is_dir() and start != start.parent:
            start = start.parent  # a report folder that cannot be made: its parent
        folder = QFileDialog.getExistingDirectory(
            self, "Export into folder", str(start)
        )
        if made is not None and (not folder or Path(folder) != made):
            with contextlib.suppress(OSError):
                made.rmdir()  # not chosen, still empty: not left behind
        if not folder:
            return
        # (a folder refused anyway is said so first, by export)
        refused = report_folder_problem(folder, self._evaluated())
        other = "" if refused else replaced_report(folder, self.fused or self.result)
        if other:
            answer = QMessageBox.question(
                self,
                "Export",
                f"{folder} holds the evaluation of {other}: replace it with this "
                "one's?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,  # Return keeps the other evaluation
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        try:
            written = self.export(Path(folder))
        except (OSError, ValueError) as exc:
            self.ctx.error("Export", str(exc))
            return
        self.ctx.status(
            f"Exported into {folder}: " + ", ".join(p.name for p in written)
        )

    @pyqtSlot(object)
    def _on_worker_item_produced(self, result: EvalResult | FusedResult) -> None:
        from core.evaluation import FusedResult

        if isinstance(result, FusedResult):
            names = " + ".join(m.run_dir.name for m in result.members)
            # Named as a fusion: "Fusion of 2 runs: gcn: accuracy 90 %" read as the
            # first run's own figure.
            self.show_result(
                result.fused, f"Fusion of {len(result.members)} runs ({names})"
            )
            members = ", ".join(
                f"{m.run_dir.name} (input stream {s}) {100 * m.accuracy:.2f} %"
                for m, s in zip(result.members, result.streams)
            )
            self.summary.setText(f"{self.summary.text()}\neach run: {members}")
            self.fused = result
            self.ctx.status(f"Evaluated the fusion of {len(result.members)} runs")
            self.evaluated.emit(result.fused)
            return
        self.show_result(result)
        # The status bar follows (an earlier failure's line stayed up under a result).
        self.ctx.status(f"Evaluated {result.run_dir.name}")
        self.evaluated.emit(result)

    @pyqtSlot(int)
    def _on_split_activated(self, _index: int) -> None:
        self._split_for_run = False  # the user's own choice stays

    @pyqtSlot(str)
    def _on_run_chosen(self, text: str) -> None:
        """A run of one's own takes that held none out for validation (Teach with
        fewer than three takes of an action) is scored on its training split: its
        test split is empty (the default "test" failed with a long message)."""
        path = Path(text.strip()).expanduser()
        if not text.strip() or not runs.is_run_dir(path):
            return
        try:
            data = runs.read_run(path).config.data
        except (OSError, ValueError):
            return  # Evaluate says what is wrong with it
        self.split.setItemText(0, held_out_name(data.dataset, data.protocol))
        if data.dataset == "custom" and data.val_fraction == 0:
            self.split.setCurrentIndex(1)  # train
            self._split_for_run = True
        elif self._split_for_run:  # set for the run before: this one has a test split
            self.split.setCurrentIndex(0)
            self._split_for_run = False

    @pyqtSlot()
    def _on_choice_changed(self) -> None:
        """Another run, split, fusion or data root: the shown result (or error) is no
        longer the chosen one's (it stayed up, with Export, under another run's name)."""
        if self.job is not None or self.summary.text().startswith("Choose"):
            return  # a running evaluation reports the run it was started on
        self._clear_result()
        self.summary.setText("Choose a run folder and press Evaluate.")

    @pyqtSlot(str)
    def _on_worker_failed(self, message: str) -> None:
        self.summary.setText(f"Evaluation failed: {message}")

    @pyqtSlot()
    def _on_job_ended(self) -> None:
        self.job = None
        self.evaluate_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        if self.result is None and self.summary.text().startswith(
            ("Evaluating", "Cancelling")
        ):
            self.summary.setText("Evaluation cancelled.")


def _split_name(run_dir: Path, split: str) -> str:
    """The split as the run's protocol calls it ("validation" for ``xview-val`` or a
    custom dataset's held-out takes); ``split`` when the run cannot be read."""
    if split != "test":
        return split
    try:
        data = runs.read_run(run_dir).config.data
    except (OSError, ValueError):
        return split
    return held_out_name(data.dataset, data.protocol)
