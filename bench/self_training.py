"""Self-training on NW-UCLA few-shot, on the validation protocol (issue 10's notes).

For each seed: a teacher trained on k labelled clips per class (fine-tuned from a view-1
self-supervised encoder, and from scratch), then a student trained again from the same
start on the same k clips plus the teacher's N surest answers per class among the
unlabelled training clips (``--pseudo-labels``), for about the same number of steps.
Accuracy is the last epoch's on view 2 (``xview-val``); view 3 is never read.

    OMP_NUM_THREADS=1 .venv/bin/python bench/self_training.py --work /tmp/st
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import few_shot as fs  # noqa: E402 - the few-shot bench's configs and recipes

K = 5
STEPS = 525  # the selected finetune k=5 recipe: 175 epochs of 3 steps
TEACHER = {"lr": 0.01, "epochs": 175, "head": "linear"}  # few-shot.md's selection


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--root", default=str(fs.REPO.parent / "shared/data/nw-ucla/all_sqe.zip")
    )
    p.add_argument("--work", default="/tmp/ms2l-self-training")
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--per-class", default="10,20", help="pseudo-labels per class (N)")
    args = p.parse_args(argv)
    work = Path(args.work)
    encoder = work / "enc-v1"
    fs.train(fs._pretrain_config(args.root, encoder, "xview-val", "bigru"))
    rows: dict[str, list[float]] = {}
    for seed in (int(s) for s in args.seeds.split(",")):
        for method in ("finetune", "scratch"):
            init = encoder if method == "finetune" else None
            teacher = work / "val" / f"{method}-teacher-s{seed}"
            cfg = fs._config(args.root, teacher, method, protocol="xview-val", k=K,
                             seed=seed, init_from=init, **TEACHER)  # fmt: skip
            acc = fs.train(cfg)["acc"]
            rows.setdefault(f"{method} (teacher)", []).append(acc[max(acc)])
            for n in (int(x) for x in args.per_class.split(",")):
                clips = 10 * (K + n)  # NW-UCLA's ten classes
                epochs = max(1, round(STEPS / max(1, clips // fs.BATCH)))
                student = work / "val" / f"{method}-student{n}-s{seed}"
                cfg = fs._config(
                    args.root, student, method, protocol="xview-val", k=K, seed=seed,
                    init_from=init, lr=TEACHER["lr"], epochs=epochs, head="linear",
                ).replace(data={"pseudo_labels_from": str(teacher),
                                "pseudo_per_class": n})  # fmt: skip
                acc = fs.train(cfg)["acc"]
                name = f"{method} + self-training, {n} a class"
                rows.setdefault(name, []).append(acc[max(acc)])
    print(f"| k = {K}, xview-val (view 2) | per seed | mean ± std |")
    print("|---|---|---:|")
    for name, values in rows.items():
        spread = statistics.stdev(values) if len(values) > 1 else 0.0
        each = ", ".join(f"{v:.2f}" for v in values)
        print(f"| {name} | {each} | {statistics.mean(values):.2f} ± {spread:.2f} |")
    (work / "self-training.json").write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
