"""Late fusion of runs on different input streams or encoders: a table.

Graph-network papers report NW-UCLA and NTU figures as multi-stream ensembles: one
network per input stream, trained alike, their class scores averaged at test time. This
script evaluates finished run folders on their test split and fuses them with
:func:`core.evaluation.evaluate_fused` (mean of softmax probabilities, equal weights;
nothing is tuned), seed by seed::

    OMP_NUM_THREADS=1 .venv/bin/python bench/stream_fusion.py --seeds 0,1,2 \\
        --row 'T3 MS²L Pretrain|/runs/joint/seed{seed}/t3|/runs/bone/seed{seed}/t3' \\
        --out docs/results/gcn-streams

A row is ``NAME|RUN|RUN[|RUN...]``; ``{seed}`` in a run path is the seed and ``{next}``
the next seed of ``--seeds`` (cyclically), so that a control row can fuse two runs of
the same stream from different seeds. The runs may also differ in encoder (a graph
network and a BiGRU trained on the same clips, say); each run's column then names its
encoder as well as its stream. Writes ``OUT.md`` and ``OUT.json``.
"""

from __future__ import annotations

import argparse
import platform
import shlex
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.evaluation import evaluate_fused  # noqa: E402
from core.runs import read_run  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import write_report  # noqa: E402


def _mean_std(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.mean(values):.2f} ± {statistics.pstdev(values):.2f}"


def parse_row(text: str) -> tuple[str, list[str]]:
    """``NAME|RUN|RUN...`` -> ``(name, run templates)``."""
    name, *paths = [p.strip() for p in text.split("|")]
    if not name or len(paths) < 2:
        raise SystemExit(f"--row {text!r}: expected NAME|RUN|RUN[|RUN...]")
    return name, paths


def fuse_row(
    name: str, templates: list[str], seeds: list[int], log: Any = sys.stderr
) -> dict[str, Any]:
    """Evaluate one row for every seed: each member's accuracy and the fusion's (%)."""
    per_seed = []
    for i, seed in enumerate(seeds):
        nxt = seeds[(i + 1) % len(seeds)]
        paths = [t.format(seed=seed, next=nxt) for t in templates]
        for path in paths:
            if read_run(path).config.run.select != "last":
                raise SystemExit(
                    f"{path}: keeps its best test epoch (--select best); this table "
                    "reads last-epoch runs only"
                )
        t0 = time.perf_counter()
        res = evaluate_fused(paths, device="cpu")
        per_seed.append(
            {
                "seed": seed,
                "runs": paths,
                "streams": res.streams,
                "encoders": [read_run(p).config.model.encoder for p in paths],
                "members": [100 * m.accuracy for m in res.members],
                "fused": 100 * res.fused.accuracy,
                "clips": res.fused.num_clips,
            }
        )
        print(
            f"{name} seed {seed}: "
            + " + ".join(f"{a:.2f}" for a in per_seed[-1]["members"])
            + f" -> {per_seed[-1]['fused']:.2f} ({time.perf_counter() - t0:.0f} s)",
            file=log,
            flush=True,
        )
    return {"name": name, "templates": templates, "seeds": per_seed}


def _member(seed_row: dict[str, Any], i: int, encoders: bool) -> str:
    """What sets run ``i`` apart: its stream, and its encoder when the rows mix them."""
    stream = seed_row["streams"][i]
    return f"{seed_row['encoders'][i]}, {stream}" if encoders else stream


def render(
    rows: list[dict[str, Any]],
    command: str,
    title: str = "Late fusion of input streams",
) -> str:
    """The Markdown table."""
    width = max(len(r["templates"]) for r in rows)
    head = ["row", *[f"run {i + 1}" for i in range(width)], "fused", "per seed (fused)"]
    mixed = any(len(set(s.get("encoders", ()))) > 1 for r in rows for s in r["seeds"])
    lines = [
        f"# {title}",
        "",
        f"Made by `{command}` ({time.strftime('%Y-%m-%d')}, "
        f"{platform.machine()} CPU). Fusion: mean of the runs' softmax probabilities, "
        "equal weights; each run's accuracy is its last epoch's. Mean ± std (population, as in the other results files) over the seeds.",
        "",
        "| " + " | ".join(head) + " |",
        "|---|" + "---:|" * (len(head) - 1),
    ]
    for r in rows:
        seeds = r["seeds"]
        cells = [r["name"]]
        for i in range(width):
            if i < len(r["templates"]):
                accs = [s["members"][i] for s in seeds]
                cells.append(f"{_mean_std(accs)} ({_member(seeds[0], i, mixed)})")
            else:
                cells.append("")
        cells.append(f"**{_mean_std([s['fused'] for s in seeds])}**")
        cells.append(", ".join(f"{s['fused']:.2f}" for s in seeds))
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Runs (seed 0):", ""]
    for r in rows:
        lines.append(
            f"- {r['name']}: " + ", ".join(f"`{p}`" for p in r["seeds"][0]["runs"])
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--row", action="append", required=True, metavar="NAME|RUN|RUN")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--out", type=Path, help="write OUT.md and OUT.json")
    ap.add_argument(
        "--title", default="Late fusion of input streams", help="the table's heading"
    )
    ap.add_argument(
        "--notes",
        type=Path,
        help="a Markdown file (what the figures show, the rule they were run under) "
        "to print after the table",
    )
    args = ap.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    if not seeds:
        raise SystemExit("--seeds: give at least one seed, e.g. 0,1,2")
    rows = [fuse_row(*parse_row(r), seeds) for r in args.row]
    command = "OMP_NUM_THREADS=1 .venv/bin/python bench/stream_fusion.py " + shlex.join(
        argv if argv is not None else sys.argv[1:]
    )
    doc = {"command": command, "rows": rows}
    write_report(render(rows, command, args.title), doc, args.out, args.notes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
