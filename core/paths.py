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


def shared_data_dir() -> tuple[Path, bool]:
    """The shared data folder: ``$MS2L_DATA``, else ``shared/data`` beside the
    repository (where the tests look too).

    Returns:
        The folder, and whether it was given by ``$MS2L_DATA``.
    """
    env = os.environ.get("MS2L_DATA", "")
    if env:
        return Path(env).expanduser(), True
    return REPO_DIR.parent / "shared" / "data", False
