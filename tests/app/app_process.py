"""``python -m app`` in a fresh process, offscreen, with its own home, settings and
session records (never the developer's)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def app_env(tmp_path: Path, state: Path | None = None) -> dict[str, str]:
    """The environment of an app process kept inside ``tmp_path``."""
    return dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        HOME=str(tmp_path),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_STATE_HOME=str(state if state is not None else tmp_path / "state"),
    )


def run_app(
    env: dict[str, str], quit_after_ms: int = 1500
) -> subprocess.CompletedProcess[str]:
    """Run the app until it quits by itself after ``quit_after_ms``."""
    return subprocess.run(
        [sys.executable, "-m", "app", "--quit-after", str(quit_after_ms)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
