"""The README's Python example runs as it is written (a developer's trial found the
API section a table without one example)."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

from core.paths import REPO_DIR
from tests.conftest import require_data

SECTION = "### Teaching and predicting from Python"


def _example() -> str:
    text = (REPO_DIR / "README.md").read_text(encoding="utf-8")
    after = text[text.index(SECTION) :]
    found = re.search(r"```python\n(.*?)```", after, re.S)
    assert found, f"no python block after {SECTION!r}"
    return found.group(1)


def test_the_readme_python_example_teaches_and_predicts(tmp_path, monkeypatch):
    monkeypatch.setenv("MS2L_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    # two real videos of people under the example's names (links, not copies)
    Path("wave.mp4").symlink_to(require_data("videos", "ta_chi.mp4"))
    Path("clap.mp4").symlink_to(require_data("videos", "S001C001P001R001A001_rgb.avi"))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(_example(), "README.md", "exec"), {"__name__": "__readme__"})
    said = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in said[:5]] == [
        f"epoch {e}" for e in range(1, 6)
    ], said
    assert "model in runs/mine" in said, said
    take = next(line for line in said if line.startswith("the take: "))
    assert take.split()[2] in ("wave", "clap"), take
    live = [
        line.split(" s ", 1)[1] for line in said if re.match(r"\s*\d+\.\d\d s ", line)
    ]
    # every window of the 3.4 s video answered once half of its 2 s is seen; the
    # video the "clap" takes were recorded from is mostly "clap"
    assert len(live) >= 10 and set(live) <= {"wave", "clap", "no action"}, said
    assert max(set(live), key=live.count) == "clap", said
    assert sorted(p.name for p in Path("my-actions").glob("*.jsonl")) == [
        "clap-001.jsonl", "clap-002.jsonl", "wave-001.jsonl", "wave-002.jsonl",
    ]  # fmt: skip
