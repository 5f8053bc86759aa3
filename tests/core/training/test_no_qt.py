"""The engine imports without Qt (core and models never import PyQt6 or pyqtgraph)."""

from __future__ import annotations

import subprocess
import sys


def test_engine_modules_do_not_import_qt():
    code = (
        "import sys, core.training.loop, core.inference, core.evaluation, "
        "core.commands.train, core.commands.eval, models; "
        "bad = [m for m in ('PyQt6', 'pyqtgraph', 'app') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
