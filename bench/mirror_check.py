"""Does a model give one answer to a motion and to its mirror image?

For every run given, on the NW-UCLA test split of a protocol (``xview``: view 3;
``xview-val``: view 2, for models trained on view 1), the classifier's accuracy on the
clips as recorded and on their mirror images (``core.preprocess.mirror``: the same motion
by the other side of the body, or through a mirrored camera), how often the two answers
agree, and the accuracy of averaging the probabilities of both (mirror test-time
augmentation). The classifier's own answers: no novelty check.

    OMP_NUM_THREADS=1 .venv/bin/python bench/mirror_check.py --protocol xview \
        resources/checkpoints/nw-ucla-ms2l resources/checkpoints/nw-ucla-ms2l-gcn
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.config import DataConfig  # noqa: E402
from core.datasets.splits import split_indices  # noqa: E402
from core.inference import Predictor  # noqa: E402
from core.inference.predictor import softmax  # noqa: E402
from core.preprocess import mirror  # noqa: E402
from core.training.data import open_dataset_store  # noqa: E402

DATA = Path(os.environ.get("MS2L_DATA", ROOT.parent / "shared" / "data"))


def test_clips(protocol: str) -> tuple[list[np.ndarray], np.ndarray]:
    """The raw NW-UCLA clips of the protocol's test split and their labels."""
    cfg = DataConfig(dataset="nw-ucla", root=str(DATA / "nw-ucla" / "all_sqe.zip"))
    store = open_dataset_store(cfg)
    idx = split_indices("nw-ucla", protocol, store.metas)["test"]
    clips = [np.asarray(store[int(i)]) for i in idx]
    return clips, np.array([store.labels[int(i)] for i in idx])


def raw_logits(p: Predictor, clips: list[np.ndarray]) -> np.ndarray:
    """The classifier's logits for raw clips in the model's layout (no novelty
    check); NW-UCLA's clips are ``ucla20``, the shipped models' layout."""
    return p.logits(np.stack([p.prepare(x) for x in clips]))


def check(run: str, clips: list[np.ndarray], labels: np.ndarray) -> dict[str, float]:
    """Accuracy as recorded, mirrored, averaged over both; agreement of the two."""
    p = Predictor.from_run(run, device="cpu", novelty=False)
    layout = p.layout
    as_is = raw_logits(p, clips)
    flipped = raw_logits(p, [mirror(c, "ucla20") for c in clips])
    both = softmax(as_is) + softmax(flipped)
    return {
        "layout": layout,
        "accuracy": float((as_is.argmax(1) == labels).mean()),
        "mirrored": float((flipped.argmax(1) == labels).mean()),
        "averaged": float((both.argmax(1) == labels).mean()),
        "agreement": float((as_is.argmax(1) == flipped.argmax(1)).mean()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", help="run folders (NW-UCLA models)")
    parser.add_argument("--protocol", default="xview", choices=("xview", "xview-val"))
    args = parser.parse_args()
    clips, labels = test_clips(args.protocol)
    print(f"{len(clips)} test clips ({args.protocol})")
    print("| run | as recorded | mirrored | averaged over both | same top-1 |")
    print("|---|---:|---:|---:|---:|")
    for run in args.runs:
        r = check(run, clips, labels)
        print(f"| {run} | {100 * r['accuracy']:.2f} | {100 * r['mirrored']:.2f} | "
              f"{100 * r['averaged']:.2f} | {100 * r['agreement']:.1f} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
