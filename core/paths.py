"""Where things live: the shipped resources and the default folder for runs.

Nothing here has side effects at import time; callers pass the results on explicitly.
"""

from __future__ import annotations

import os
from pathlib import Path

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
LABELS_DIR = RESOURCES / "labels"
CHECKPOINTS_DIR = RESOURCES / "checkpoints"


def default_runs_dir() -> Path:
    """Folder for new runs: ``$MS2L_RUNS`` or ``~/ms2l-runs``."""
    return Path(os.environ.get("MS2L_RUNS", Path.home() / "ms2l-runs")).expanduser()


def shipped_model_dir() -> Path | None:
    """The run folder of the model shipped with the app, or ``None`` if there is none."""
    if not CHECKPOINTS_DIR.is_dir():
        return None
    # Not core.runs.is_run_dir: core.runs loads torch, and this is called while the GUI
    # builds its panels.
    runs = sorted(p for p in CHECKPOINTS_DIR.iterdir() if (p / "config.json").is_file())
    return runs[0] if runs else None
