"""Can the novelty check tell actions outside the model's classes from its own?

Issue 14 asks that no class take more than 35 % of a video's windows unless the video
shows that action, and that "no action" be used where nothing of the model's classes
happens. The live path's only "none of these" is the novelty check
(:mod:`core.inference.novelty`): a window farther (Mahalanobis, on the encoder's clip
features) from every class mean than a threshold. This bench asks whether *any*
threshold could do the job, by placing each input's live windows among the NW-UCLA
view-3 clips (the model's ten classes, a view it was not trained on):

- *rank*: the share of view-3 clips closer to a class mean than the window (0.5 = as
  familiar as a typical clip of the model's own classes, 0.99 = stranger than 99 %);
- the share of windows flagged at the model's threshold, and at thresholds that would
  flag 10 % or 5 % of the view-3 clips (the price, in clips of the model's own classes
  answered "no action").

Inputs: the shared videos through MediaPipe (the NTU drinking take, flipped back as the
sensor-gap bench does, and tai chi), the NTU Kinect files (drinking, reading, punching,
handshaking) and the PKU-MMD sequence (two-person interactions: punching, kicking,
pushing, hugging, pointing, giving, handshaking) — none of them shows an NW-UCLA action.

    OMP_NUM_THREADS=1 .venv/bin/python bench/novelty_rank.py \\
        --run resources/checkpoints/nw-ucla-ms2l --run resources/checkpoints/nw-ucla-ms2l-gcn
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from mirror_check import test_clips  # noqa: E402
from report import write_report  # noqa: E402
from sensor_gap import KINECT_FILES, VIDEOS, kinect_clip, mp_clip, windows  # noqa: E402

from core.inference import Predictor  # noqa: E402

STRIDE = 4  # frames between two windows, as the sensor-gap bench cuts them
MP_INPUTS = ("ntu_video", "ta_chi")


def distances(p: Predictor, clips: list[np.ndarray]) -> np.ndarray:
    """Novelty distance of every clip (the check's own reading of the features)."""
    assert p.novelty is not None
    out = []
    for i in range(0, len(clips), 64):
        prepared = [p._prepare(c) for c in clips[i : i + 64]]
        batch = np.stack([q[0] for q in prepared])
        lengths = np.array([q[1] for q in prepared], dtype=np.int64)
        _, feats = p._classify(batch, lengths)
        out.append(p.novelty.distance(feats))
    return np.concatenate(out)


def inputs(p: Predictor) -> dict[str, list[np.ndarray]]:
    """The live windows of every input, in the model's layout (windows with nobody in
    view left out, as the live recogniser never predicts on them)."""
    length = int(round(p.window_seconds * 30)) + 1
    clips: dict[str, np.ndarray] = {}
    for name in MP_INPUTS:
        clips[f"MediaPipe: {VIDEOS[name][0]}"], _ = mp_clip(name, p.layout)
    for rel in KINECT_FILES:
        clip, _ = kinect_clip(rel, p.layout)
        clips[f"Kinect: {Path(rel).name}"] = clip[:, :1]
    out = {}
    for name, clip in clips.items():
        ws = [w for _, w in windows(clip, length, STRIDE)]
        out[name] = [w for w in ws if np.isfinite(w).all() and np.any(w)]
    return out


def measure(run: str) -> dict:
    p = Predictor.from_run(run, device="cpu")
    if p.novelty is None:
        raise SystemExit(f"{run}: the run has no novelty check (novelty.npz)")
    ucla, _ = test_clips("xview")
    known = distances(p, ucla)
    cuts = {
        "model": float(p.novelty.threshold),
        "p90": float(np.percentile(known, 90)),
        "p95": float(np.percentile(known, 95)),
    }
    res: dict = {
        "run": run,
        "percentile": p.novelty.percentile,
        "view3_clips": len(known),
        "view3_flagged": {k: float(np.mean(known > t)) for k, t in cuts.items()},
        "inputs": {},
    }
    for name, ws in inputs(p).items():
        d = distances(p, ws)
        rank = np.mean(known[None, :] < d[:, None], axis=1)
        res["inputs"][name] = {
            "windows": len(ws),
            "median_rank": float(np.median(rank)),
            "flagged": {k: float(np.mean(d > t)) for k, t in cuts.items()},
        }
    return res


def markdown(results: list[dict], command: str) -> str:
    lines = [
        "# Novelty check: where do actions outside the classes sit?",
        "",
        f"Made by `{command}`.",
        "",
        "Rank = share of the NW-UCLA view-3 clips (the model's ten classes) that are "
        "more familiar than a window (median over the input's windows). *flagged* = "
        'share of windows answered "no action" by the check at the model\'s threshold '
        "(99th percentile of its training clips), and at thresholds that would flag 10 % "
        "(p90) or 5 % (p95) of the view-3 clips.",
        "",
    ]
    for res in results:
        f3 = res["view3_flagged"]
        lines += [
            f"## `{res['run']}`",
            "",
            f"View-3 clips flagged: {100 * f3['model']:.1f} % at the model's threshold, "
            f"{100 * f3['p90']:.1f} % at p90, {100 * f3['p95']:.1f} % at p95.",
            "",
            "| input (no NW-UCLA action in any) | windows | median rank | flagged, "
            "model | flagged, p95 | flagged, p90 |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for name, r in res["inputs"].items():
            f = r["flagged"]
            lines.append(
                f"| {name} | {r['windows']} | {r['median_rank']:.2f} | "
                f"{100 * f['model']:.0f} % | {100 * f['p95']:.0f} % | "
                f"{100 * f['p90']:.0f} % |"
            )
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--run", action="append", required=True, help="a run folder")
    ap.add_argument("--out", type=Path, help="write OUT.md and OUT.json")
    ap.add_argument("--notes", type=Path, help="Markdown printed after the tables")
    args = ap.parse_args(argv)
    results = [measure(r) for r in args.run]
    command = "OMP_NUM_THREADS=1 .venv/bin/python bench/novelty_rank.py " + shlex.join(
        argv if argv is not None else sys.argv[1:]
    )
    doc = {"command": command, "results": results}
    write_report(markdown(results, command), doc, args.out, args.notes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
