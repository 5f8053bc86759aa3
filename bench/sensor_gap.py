"""Sensor gap: does a model answer alike for Kinect skeletons and webcam (MediaPipe) ones?

For each model given with ``--run NAME=FOLDER`` it measures, through the model's own
preprocessing (``Predictor``) and the live recogniser with its default settings
(window = the model's ``window_seconds``, a prediction every 5 frames, EMA 0.5,
"no action" below 0.4):

1. **Paired NTU recording.** ``S001C001P001R001A001`` exists as a Kinect v2 skeleton and
   as the colour video of the same take, frame for frame. The Kinect joints (converted to
   the model's layout) and MediaPipe's landmarks from the video (flipped back, since the
   Kinect colour frame is mirrored) go through the same live recogniser; at every
   prediction we compare the top-1 class, the shown answer (with "no action"), and the
   Jensen-Shannon divergence (base 2, 0..1) of the two smoothed probability vectors.
2. **Answer spread.** On the shared videos (MediaPipe) and on Kinect recordings (the four
   NTU files, the PKU-MMD sequence through the same live window; NW-UCLA view-3 clips one
   answer each): the share of the most frequent answer and of "no action".
3. **Can a classifier tell the sensors apart?** A logistic regression (numpy, L2) on the
   model's preprocessed input (per joint and axis: mean, std and mean speed over the T
   frames). *paired*: Kinect vs MediaPipe windows of the same take (same motion), 5-fold
   CV in contiguous time blocks; *cross*: NW-UCLA view-3 clips + NTU Kinect windows vs
   the MediaPipe windows of both videos, trained with one video and tested on the other.
   50 % = the preprocessed input does not show the sensor.
4. **Ablations** on the paired take: the MediaPipe clip with one difference switched off
   by taking that part from the Kinect clip of the same frames (the body's travel; depth;
   the synthesised joints: torso, head, hands, feet; bone lengths, i.e. body
   proportions and scale; Kinect's frame-to-frame jitter; all together), plus MediaPipe
   at 15 FPS (a slow webcam). Each row gives top-1 agreement with Kinect and the paired
   classifier's accuracy. Swaps are made on clips centred, view-aligned and scaled the
   way the shipped model was trained (an honest re-combination of two real recordings of
   the same motion; nothing is simulated).

MediaPipe runs once per video; landmarks are cached in ``out/sensor_gap/`` (gitignored).

    OMP_NUM_THREADS=1 .venv/bin/python bench/sensor_gap.py \\
        --run before=out/before-model --run after=resources/checkpoints/nw-ucla-ms2l
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mirror_check import raw_logits, test_clips  # noqa: E402  (bench/ is on the path)

from core.datasets import read_file  # noqa: E402
from core.inference import Predictor  # noqa: E402
from core.live.pose import mediapipe_to_kinect  # noqa: E402
from core.live.recogniser import (  # noqa: E402
    LiveSettings,
    RealtimeRecognizer,
    flat_rows,
)
from core.preprocess import mirror, normalise_clip, retarget_bones  # noqa: E402
from core.skeleton import bone_vectors, convert, get_layout  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("MS2L_DATA", ROOT.parent / "shared" / "data"))
CACHE = ROOT / "out" / "sensor_gap"
PAIRED = "S001C001P001R001A001"
VIDEOS = {  # cache name -> (file, mirrored source)
    "ntu_video": (f"{PAIRED}_rgb.avi", True),
    "ntu_video_unflipped": (f"{PAIRED}_rgb.avi", False),
    "ta_chi": ("ta_chi.mp4", False),
}
KINECT_FILES = (
    "ntu/S001C001P001R001A001.skeleton",
    "ntu/S001C001P001R001A011.skeleton",
    "ntu/S001C001P001R001A050.skeleton",
    "ntu/S001C003P008R002A058.skeleton",
    "pkummd/skeleton/0005-L.txt",
)
NO_ACTION = "no action"
# Joints MediaPipe cannot measure (synthesised by the converter), by layout.
SYNTHESISED = {
    "ucla20": ("HipCenter", "Spine", "ShoulderCenter", "Head", "HandLeft",
               "HandRight", "FootLeft", "FootRight"),
    "ntu25": ("SpineBase", "SpineMid", "SpineShoulder", "Neck", "Head", "HandLeft",
              "HandRight", "FootLeft", "FootRight", "HandTipLeft", "ThumbLeft",
              "HandTipRight", "ThumbRight"),
}  # fmt: skip


# ------------------------------------------------------------------------- MediaPipe


def mediapipe_landmarks(name: str) -> tuple[np.ndarray, float]:
    """World landmarks ``(T, 33, 3)`` (NaN where nobody was found) and fps of a video."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{name}.npz"
    if not path.exists():
        import cv2

        from core.live.capture import VideoSource
        from core.live.pose import MediaPipePose

        video, mirrored = VIDEOS[name]
        world = []
        with VideoSource(DATA / "videos" / video) as src, MediaPipePose() as pose:
            fps = src.fps
            for frame in src:
                image = cv2.flip(frame.image, 1) if mirrored else frame.image
                r = pose.estimate(image)
                world.append(
                    np.full((33, 3), np.nan, np.float32) if r is None else r.world
                )
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, world=np.stack(world), fps=fps)
        tmp.replace(path)
    d = np.load(path)
    return d["world"], float(d["fps"])


def mp_clip(name: str, layout: str) -> tuple[np.ndarray, float]:
    """A video's MediaPipe skeletons in ``layout``, ``(T, 1, V, 3)`` (NaN = nobody)."""
    world, fps = mediapipe_landmarks(name)
    return convert(mediapipe_to_kinect(world), "mp33", layout)[:, None], fps


def kinect_clip(rel: str, layout: str) -> tuple[np.ndarray, float]:
    """A Kinect recording's joints in ``layout``, ``(T, M, V, 3)``."""
    seq = read_file(DATA / rel)
    seq = seq[0] if isinstance(seq, list) else seq
    return convert(seq.joints, seq.layout, layout), float(seq.fps)


# ---------------------------------------------------------------------------- live


def live(
    p: Predictor, clip: np.ndarray, fps: float
) -> list[tuple[int, np.ndarray, str]]:
    """Run a clip through the live recogniser: ``(frame, smoothed probs, answer)``."""
    out = []
    rec = RealtimeRecognizer(p, LiveSettings(asynchronous=False))
    try:
        for i, sk in enumerate(clip):
            sk = None if not np.isfinite(sk).all() or not np.any(sk) else sk
            state = rec.push(i / fps, sk)
            if state.fresh and state.probabilities is not None:
                out.append((i, state.probabilities.copy(), state.action or NO_ACTION))
    finally:
        rec.close()
    return out


def js(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen-Shannon divergence, base 2 (0 = same, 1 = disjoint)."""
    p = np.clip(p, 1e-12, None) / np.clip(p, 1e-12, None).sum()
    q = np.clip(q, 1e-12, None) / np.clip(q, 1e-12, None).sum()
    m = 0.5 * (p + q)
    return float(0.5 * (p * np.log2(p / m)).sum() + 0.5 * (q * np.log2(q / m)).sum())


def paired(p: Predictor, kin: np.ndarray, mp: np.ndarray, fps: float) -> dict:
    """Window-by-window comparison of two frame-aligned clips."""
    a, b = live(p, kin, fps), live(p, mp, fps)
    common = sorted({f for f, _, _ in a} & {f for f, _, _ in b})
    da = {f: (pr, ans) for f, pr, ans in a}
    db = {f: (pr, ans) for f, pr, ans in b}

    def top1(p: np.ndarray) -> int:  # -1: flat (the novelty check's "no class")
        return -1 if flat_rows(p) else int(p.argmax())

    top = [int(top1(da[f][0]) == top1(db[f][0])) for f in common]
    ans = [int(da[f][1] == db[f][1]) for f in common]
    return {
        "windows": len(common),
        "top1_agreement": float(np.mean(top)) if common else float("nan"),
        "answer_agreement": float(np.mean(ans)) if common else float("nan"),
        "js_mean": float(np.mean([js(da[f][0], db[f][0]) for f in common]))
        if common
        else float("nan"),
        "kinect_answers": dict(Counter(da[f][1] for f in common).most_common()),
        "mediapipe_answers": dict(Counter(db[f][1] for f in common).most_common()),
    }


def spread(answers: list[str]) -> dict:
    """Share of the most frequent answer and of "no action"."""
    c = Counter(answers)
    top, n = c.most_common(1)[0] if c else ("", 0)
    total = max(len(answers), 1)
    return {
        "windows": len(answers),
        "top_answer": top,
        "top_share": n / total,
        "no_action_share": c.get(NO_ACTION, 0) / total,
        "top_class": (Counter(a for a in answers if a != NO_ACTION).most_common(1)
                      or [("", 0)])[0][0],
        "top_class_share": (Counter(a for a in answers if a != NO_ACTION).most_common(1)
                            or [("", 0)])[0][1] / total,
    }  # fmt: skip


# ------------------------------------------------------------------ sensor classifier


def windows(clip: np.ndarray, length: int, stride: int) -> list[tuple[int, np.ndarray]]:
    """``(start, window)`` of every complete window without missing frames."""
    out = []
    for s in range(0, len(clip) - length + 1, stride):
        w = clip[s : s + length]
        if np.isfinite(w).all() and np.any(w[:, 0], axis=(1, 2)).all():
            out.append((s, w))
    return out


def features(p: Predictor, clips: list[np.ndarray]) -> np.ndarray:
    """Per joint and axis: mean, std and mean |speed| of the model's input."""
    rows = []
    for c in clips:
        x = p.prepare(c)[:, 0]  # (T, V, 3)
        speed = np.abs(np.diff(x, axis=0)).mean(0)
        rows.append(
            np.concatenate([x.mean(0).ravel(), x.std(0).ravel(), speed.ravel()])
        )
    return np.asarray(rows, np.float64)


def logreg_accuracy(
    xtr: np.ndarray, ytr: np.ndarray, xte: np.ndarray, yte: np.ndarray, l2: float = 1e-2
) -> float:
    """Balanced accuracy of an L2 logistic regression (full-batch gradient descent)."""
    mu, sd = xtr.mean(0), xtr.std(0) + 1e-6
    a, b = (xtr - mu) / sd, (xte - mu) / sd
    w, bias = np.zeros(a.shape[1]), 0.0
    wpos = 0.5 / max(ytr.mean(), 1e-9)
    wneg = 0.5 / max(1 - ytr.mean(), 1e-9)
    sw = np.where(ytr == 1, wpos, wneg) / len(ytr)
    for _ in range(500):
        z = np.clip(a @ w + bias, -30, 30)
        g = sw * (1 / (1 + np.exp(-z)) - ytr)
        w -= 0.5 * (a.T @ g + l2 * w)
        bias -= 0.5 * g.sum()
    pred = (b @ w + bias) > 0
    accs = [np.mean(pred[yte == k] == k) for k in (0, 1) if np.any(yte == k)]
    return float(np.mean(accs))


def paired_classifier(
    p: Predictor, kin: np.ndarray, mp: np.ndarray, fps: float
) -> float:
    """Kinect vs MediaPipe windows of the same take; 5 contiguous time blocks."""
    length = int(round(p.window_seconds * fps)) + 1
    wk, wm = windows(kin, length, 2), windows(mp, length, 2)
    starts = sorted({s for s, _ in wk} & {s for s, _ in wm})
    dk, dm = dict(wk), dict(wm)
    if len(starts) < 10:
        return float("nan")
    x = features(p, [dk[s] for s in starts] + [dm[s] for s in starts])
    y = np.r_[np.zeros(len(starts)), np.ones(len(starts))]
    block = np.array_split(np.arange(len(starts)), 5)
    fold = np.empty(len(starts), int)
    for i, idx in enumerate(block):
        fold[idx] = i
    fold = np.r_[fold, fold]
    accs = [logreg_accuracy(x[fold != k], y[fold != k], x[fold == k], y[fold == k])
            for k in range(5)]  # fmt: skip
    return float(np.mean(accs))


def cross_classifier(
    p: Predictor, kinect_clips: list[np.ndarray], mp_videos: list[list[np.ndarray]]
) -> float:
    """Train on one MediaPipe video (+ half the Kinect clips), test on the other."""
    xk = features(p, kinect_clips)
    half = np.arange(len(xk)) % 2
    accs = []
    for test in range(len(mp_videos)):
        xm_tr = features(
            p, [c for i, v in enumerate(mp_videos) if i != test for c in v]
        )
        xm_te = features(p, mp_videos[test])
        xtr = np.r_[xk[half == 0], xm_tr]
        ytr = np.r_[np.zeros((half == 0).sum()), np.ones(len(xm_tr))]
        xte = np.r_[xk[half == 1], xm_te]
        yte = np.r_[np.zeros((half == 1).sum()), np.ones(len(xm_te))]
        accs.append(logreg_accuracy(xtr, ytr, xte, yte))
    return float(np.mean(accs))


# ----------------------------------------------------------------------- ablations


def _legacy(x: np.ndarray, layout: str) -> np.ndarray:
    """Centre, align and scale, joints as measured (how the shipped model was trained)."""
    return normalise_clip(x, layout)


def _smooth(x: np.ndarray, width: int = 5) -> np.ndarray:
    k = np.ones(width) / width
    pad = np.concatenate([x[:1].repeat(width // 2, 0), x, x[-1:].repeat(width // 2, 0)])
    return np.apply_along_axis(lambda s: np.convolve(s, k, mode="valid"), 0, pad)


def hybrids(kin: np.ndarray, mp: np.ndarray, layout: str) -> dict[str, np.ndarray]:
    """The MediaPipe take with one difference switched off (taken from Kinect)."""
    lay = get_layout(layout)
    k, m = _legacy(kin, layout), _legacy(mp, layout)
    hips = list(lay.hips)
    root_k = k[:, :, hips].mean(2, keepdims=True)
    root_m = m[:, :, hips].mean(2, keepdims=True)
    out = {"MediaPipe as is": m}
    out["+ Kinect travel (root motion)"] = m - root_m + root_k
    d = m.copy()
    d[..., 2] = (m - root_m)[..., 2] + (k - root_k)[..., 2] + root_m[..., 2]
    out["+ Kinect depth (z)"] = d
    j = m.copy()
    parent = {c: q for c, q in lay.bones}
    for name in SYNTHESISED[layout]:
        v = lay.index(name)
        if v == 0:  # the root: Kinect's offset from the hip midpoint
            j[:, :, v] = m[:, :, hips].mean(2) + (k[:, :, v] - k[:, :, hips].mean(2))
        else:
            j[:, :, v] = j[:, :, parent[v]] + (k[:, :, v] - k[:, :, parent[v]])
    out["+ Kinect synthesised joints"] = j
    lengths = np.linalg.norm(bone_vectors(k[:, 0], lay), axis=-1)  # (T, B)
    out["+ Kinect bone lengths (proportions, scale)"] = np.concatenate(
        [retarget_bones(m[t : t + 1], lay, lengths[t]) for t in range(len(m))]
    )
    out["+ Kinect jitter"] = m + (k - _smooth(k))
    a = out["+ Kinect synthesised joints"]
    a = np.concatenate(
        [retarget_bones(a[t : t + 1], lay, lengths[t]) for t in range(len(a))]
    )
    ra = a[:, :, hips].mean(2, keepdims=True)
    a = a - ra + root_k
    a[..., 2] = (a - root_k)[..., 2] + (k - root_k)[..., 2] + root_k[..., 2]
    out["+ all of the above"] = a + (k - _smooth(k))
    return out


def ablations(p: Predictor, kin: np.ndarray, mp: np.ndarray, fps: float) -> list[dict]:
    """Agreement with Kinect and sensor-classifier accuracy for each hybrid."""
    rows = []
    k = _legacy(kin, p.layout)
    for name, h in hybrids(kin, mp, p.layout).items():
        r = paired(p, k, h, fps)
        rows.append(
            {
                "variant": name,
                "top1_agreement": r["top1_agreement"],
                "js_mean": r["js_mean"],
                "classifier": paired_classifier(p, k, h, fps),
            }
        )
    # A slow webcam: every other frame, at half the rate.
    r = paired(p, k[::2], _legacy(mp, p.layout)[::2], fps / 2)
    rows.append(
        {
            "variant": "MediaPipe at 15 FPS (both sides)",
            "top1_agreement": r["top1_agreement"],
            "js_mean": r["js_mean"],
            "classifier": paired_classifier(
                p, k[::2], _legacy(mp, p.layout)[::2], fps / 2
            ),
        }
    )
    return rows


# --------------------------------------------------------------------------- main


def measure(p: Predictor) -> dict:
    """Every figure for one model."""
    lay = p.layout
    kin, fps = kinect_clip(f"ntu/{PAIRED}.skeleton", lay)
    kin = kin[:, :1]
    mp, _ = mp_clip("ntu_video", lay)
    res: dict = {"paired": paired(p, kin, mp, fps)}
    unflipped, _ = mp_clip("ntu_video_unflipped", lay)
    res["paired_unflipped"] = paired(p, kin, unflipped, fps)

    res["spread"] = {}
    mp_windows = []
    length = int(round(p.window_seconds * 30)) + 1
    for name in ("ntu_video", "ta_chi"):
        clip, vfps = mp_clip(name, lay)
        res["spread"][f"MediaPipe: {VIDEOS[name][0]}"] = spread(
            [a for _, _, a in live(p, clip, vfps)]
        )
        mp_windows.append([w for _, w in windows(clip, length, 4)])
    kin_windows = []
    for rel in KINECT_FILES:
        clip, kfps = kinect_clip(rel, lay)
        res["spread"][f"Kinect: {Path(rel).name}"] = spread(
            [a for _, _, a in live(p, clip, kfps)]
        )
        if rel.startswith("ntu/"):
            kin_windows += [w for _, w in windows(clip[:, :1], length, 4)]
    ucla, _ = test_clips("xview")  # NW-UCLA view 3, raw
    probs = p.predict_proba(ucla)
    thr = LiveSettings().threshold
    answers = [p.labels[i] if pr.max() >= thr else NO_ACTION
               for i, pr in zip(probs.argmax(1), probs)]  # fmt: skip
    res["spread"]["Kinect: NW-UCLA view 3 (one answer per clip)"] = spread(answers)
    # The same motion done with the other side of the body (or seen in a mirror): one
    # answer for both is what a left-handed user, or a mirrored camera, needs.
    # The classifier's own answers (logits: the novelty check's uniform answer would
    # count as agreement).
    as_is = raw_logits(p, ucla).argmax(1)
    flipped = raw_logits(p, [mirror(c, "ucla20") for c in ucla]).argmax(1)
    res["mirror_agreement"] = float((flipped == as_is).mean())

    res["classifier_paired"] = paired_classifier(p, kin, mp, fps)
    rng = np.random.default_rng(0)
    pick = rng.choice(len(ucla), size=min(120, len(ucla)), replace=False)
    res["classifier_cross"] = cross_classifier(
        p, [ucla[i][:, :1] for i in pick] + kin_windows, mp_windows
    )
    res["ablations"] = ablations(p, kin, mp, fps)
    res["depth_offset"] = depth_offset(p, kin, mp)
    return res


def depth_offset(p: Predictor, kin: np.ndarray, mp: np.ndarray) -> dict[str, float]:
    """MediaPipe's depth error against Kinect on the paired take, frame by frame, after
    the model's normalisation and without the whole-body shift: the RMS of the lasting
    per-joint offset, its largest joint, and the RMS of what changes from frame to
    frame (in spine lengths, the unit of ``--augment depth=``)."""
    n = min(len(kin), len(mp))
    k, m = kin[:n], mp[:n]
    ok = np.isfinite(m).all(axis=(1, 2, 3)) & (np.abs(k).sum(axis=(1, 2, 3)) > 0)
    d = p.config.data
    kn, mn = (
        normalise_clip(c[ok], p.layout, joints=d.joints, root_motion=d.root_motion)
        for c in (k, m)
    )
    dz = (mn - kn)[..., 0, :, 2]  # (T, V), the one body
    dz = dz - dz.mean(axis=1, keepdims=True)
    lasting = dz.mean(axis=0)
    return {
        "rms": float(np.sqrt((lasting**2).mean())),
        "max": float(np.abs(lasting).max()),
        "residual": float(np.sqrt(((dz - lasting) ** 2).mean())),
    }


def _depth_cell(res: dict) -> str:
    d = res.get("depth_offset")
    return "n/a" if d is None else f"{d['rms']:.3f} / {d['max']:.3f}"


def pct(v: float) -> str:
    return "n/a" if v != v else f"{100 * v:.1f}%"


def markdown(results: dict[str, dict], command: str, notes: str = "") -> str:
    """The results as a Markdown report (``notes``, hand-written, go after the goals)."""
    names = list(results)
    lines = [
        "# Sensor gap: Kinect vs MediaPipe skeletons",
        "",
        f"Made by `bench/sensor_gap.py` ({time.strftime('%Y-%m-%d')}):",
        "",
        f"```\n{command}\n```",
        "",
        "Models: " + ", ".join(f"**{n}** = `{results[n]['run']}` "
                               f"({results[n]['preprocessing']})" for n in names) + ".",
        "",
        "## Goals",
        "",
        "| goal | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
        "| paired NTU take, same top-1 from both sensors (>= 80%) | "
        + " | ".join(pct(results[n]["paired"]["top1_agreement"]) for n in names) + " |",
        "| paired NTU take, same shown answer incl. 'no action' | "
        + " | ".join(pct(results[n]["paired"]["answer_agreement"]) for n in names) + " |",
        "| paired NTU take, mean JS divergence (0 = same) | "
        + " | ".join(f"{results[n]['paired']['js_mean']:.3f}" for n in names) + " |",
        "| paired NTU take, video left mirrored: same top-1 from both sensors | "
        + " | ".join(pct(results[n]["paired_unflipped"]["top1_agreement"])
                     for n in names) + " |",
        "| NW-UCLA view 3: same top-1 for a clip and its mirror image | "
        + " | ".join(pct(results[n].get("mirror_agreement", float("nan")))
                     for n in names) + " |",
        "| paired NTU take, MediaPipe's lasting per-joint depth offset after the "
        "model's normalisation (RMS / max, spine lengths) | "
        + " | ".join(_depth_cell(results[n]) for n in names) + " |",
        "| Kinect-vs-MediaPipe classifier, paired take (<= 65%) | "
        + " | ".join(pct(results[n]["classifier_paired"]) for n in names) + " |",
        "| Kinect-vs-MediaPipe classifier, across recordings | "
        + " | ".join(pct(results[n]["classifier_cross"]) for n in names) + " |",
        "",
    ]  # fmt: skip
    if notes:
        lines += [notes.strip(), ""]
    lines += ["## Paired take, answers per sensor", ""]
    for n in names:
        for key, title in (("paired", "video flipped back (`--mirrored`)"),
                           ("paired_unflipped", "video as is (mirrored)")):  # fmt: skip
            r = results[n][key]
            lines.append(
                f"- **{n}**, {title}: {r['windows']} windows; top-1 agreement "
                f"{pct(r['top1_agreement'])}, JS {r['js_mean']:.3f}; Kinect "
                f"{r['kinect_answers']}; MediaPipe {r['mediapipe_answers']}"
            )
    lines += ["", "## Answer spread (share of windows)", ""]
    lines.append(
        "| input | "
        + " | ".join(f"{n}: top answer | {n}: no action" for n in names)
        + " |"
    )
    lines.append("|---|" + "---|---:|" * len(names))
    for src in results[names[0]]["spread"]:
        cells = []
        for n in names:
            s = results[n]["spread"][src]
            cells.append(f"{s['top_answer']} {pct(s['top_share'])} ({s['windows']})")
            cells.append(pct(s["no_action_share"]))
        lines.append(f"| {src} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Ablations on the paired take",
        "",
        "The MediaPipe clip with one difference switched off (taken from the Kinect clip "
        "of the same frames). Agreement = same top-1 as Kinect; classifier = paired "
        "Kinect-vs-this accuracy.",
        "",
        "| variant | " + " | ".join(f"{n}: agreement | {n}: JS | {n}: classifier"
                                    for n in names) + " |",
        "|---|" + "---:|---:|---:|" * len(names),
    ]  # fmt: skip
    for i, row in enumerate(results[names[0]]["ablations"]):
        cells = []
        for n in names:
            r = results[n]["ablations"][i]
            cells += [pct(r["top1_agreement"]), f"{r['js_mean']:.3f}",
                      pct(r["classifier"])]  # fmt: skip
        lines.append(f"| {row['variant']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--run",
        action="append",
        default=[],
        metavar="NAME=FOLDER",
        help="a model to measure (repeatable); default: shipped=<the shipped model>",
    )
    parser.add_argument("--out", default=str(ROOT / "docs/results/sensor-gap.md"))
    parser.add_argument(
        "--notes",
        default=str(ROOT / "bench/sensor_gap_notes.md"),
        help="Markdown inserted after the goals table (the interpretation)",
    )
    parser.add_argument(
        "--from-json",
        action="store_true",
        help="only re-render the Markdown from the JSON next to --out (e.g. new notes)",
    )
    args = parser.parse_args()
    out = Path(args.out)
    notes = Path(args.notes)
    if args.from_json:
        saved = json.loads(out.with_suffix(".json").read_text())
        text = notes.read_text() if notes.is_file() else ""
        out.write_text(markdown(saved["results"], saved["command"], text))
        print(f"wrote {out}")
        return
    runs = args.run or [f"shipped={ROOT / 'resources/checkpoints/nw-ucla-ms2l'}"]
    results: dict[str, dict] = {}
    for item in runs:
        name, _, folder = item.partition("=")
        p = Predictor.from_run(folder, device="cpu")
        t0 = time.perf_counter()
        res = measure(p)
        d = p.config.data
        res["run"] = folder
        res["preprocessing"] = f"joints={d.joints}, root_motion={d.root_motion}" + (
            f", depth_weight={d.depth_weight:g}" if d.depth_weight != 1.0 else ""
        )
        res["seconds"] = round(time.perf_counter() - t0, 1)
        results[name] = res
        print(f"{name}: paired top-1 agreement {pct(res['paired']['top1_agreement'])}, "
              f"classifier paired {pct(res['classifier_paired'])} "
              f"cross {pct(res['classifier_cross'])}", flush=True)  # fmt: skip
    command = "OMP_NUM_THREADS=1 .venv/bin/python bench/sensor_gap.py " + " ".join(
        f"--run {r}" for r in runs
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    doc = {"command": command, "results": results}
    out.with_suffix(".json").write_text(json.dumps(doc, indent=2) + "\n")
    out.write_text(
        markdown(results, command, notes.read_text() if notes.is_file() else "")
    )
    print(f"wrote {out} and {out.with_suffix('.json')}")


if __name__ == "__main__":
    main()
