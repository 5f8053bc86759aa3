"""Writing a bench's results: ``OUT.md`` (with hand-written notes after the tables) and
``OUT.json`` beside it, atomically, and the Markdown on standard output."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.fileio import atomic_write_text  # noqa: E402


def write_report(
    text: str, doc: dict[str, Any], out: Path | None, notes: Path | None = None
) -> str:
    """Append ``notes`` to ``text``, write ``out``.md/.json when ``out`` is given,
    print the Markdown, and return it."""
    if notes is not None:
        text += "\n" + notes.read_text(encoding="utf-8").strip() + "\n"
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(out.with_suffix(".md"), text)
        atomic_write_text(out.with_suffix(".json"), json.dumps(doc, indent=2) + "\n")
    print(text)
    return text
