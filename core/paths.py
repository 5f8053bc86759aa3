"""Where things live: the shipped resources and the default folder for runs.

Nothing here has side effects at import time; callers pass the results on explicitly.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
RESOURCES = REPO_DIR / "resources"
LABELS_DIR = RESOURCES / "labels"
CHECKPOINTS_DIR = RESOURCES / "checkpoints"


def default_runs_dir() -> Path:
    """Folder for new runs: ``$MS2L_RUNS`` or ``~/ms2l-runs``."""
    return Path(os.environ.get("MS2L_RUNS", Path.home() / "ms2l-runs")).expanduser()
