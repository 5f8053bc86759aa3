"""The headless engine must never pull in Qt: core and models stay importable on servers."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO

HEADLESS_MODULES = [
    "core.cli",
    "core.preprocess",
    "core.skeleton",
    "core.datasets.cache",
    "core.training.loop",
    "core.inference",
    "core.live.pipeline",
    "core.inference.sequences",
    "models",
]


@pytest.mark.parametrize("module", HEADLESS_MODULES)
def test_module_imports_without_qt(module):
    code = (
        "import importlib, sys\n"
        f"importlib.import_module({module!r})\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PyQt6', 'pyqtgraph', 'app')]\n"
        "assert not bad, bad\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
