"""MoCo-v2-style contrastive pretraining of the engine's encoder: an exploratory probe
for issue 10 (few-shot), recorded in ``docs/results/few-shot.md``.

Not one of the engine's pretext tasks: a two-view instance discrimination against a
queue of earlier keys, with a momentum copy of the encoder (as SkeletonCLR/AimCLR do),
tried because the engine's contrastive task compares views cut from one augmented clip.

The encoder is the one the engine builds for a run's config (``runs.new_model``). The
clips are that run's training split (protocol ``xview-val``: view 1, no label read for
training); view 2 serves only a 1-nearest-neighbour diagnostic (view-1 labels as the
memory), view 3 is never read. Per step: two augmented views of each clip
(``core.preprocess.augment``, then ``fit_time``, as the engine does), a query encoder and
projection MLP, a momentum key encoder and projection MLP, a queue of negative keys,
InfoNCE at temperature ``--tau``, symmetrised. The clip feature is the encoder's
per-frame output averaged over time (what the few-shot recipe's linear head reads).

At the end the query encoder's weights replace the ``encoder.*`` tensors of a copy of a
real engine pretraining run (``--shell``, made with ``ms2l train --strategy pretrain
--protocol xview-val --epochs 1``), so that ``ms2l train --init-from OUT`` runs the
engine's own downstream recipe unchanged::

    OMP_NUM_THREADS=1 .venv/bin/python bench/moco_probe.py --shell SHELL --out OUT \
        --epochs 200 --tau 0.1
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from core import preprocess, runs
from core.config import TrainConfig
from core.model_input import fit_time
from core.training.data import drain, load_data, open_dataset_store
from models.encoders import masked_mean


def digest(state: dict[str, torch.Tensor], prefix: str = "encoder.") -> str:
    h = hashlib.sha256()
    for k in sorted(state):
        if k.startswith(prefix):
            h.update(k.encode())
            h.update(state[k].detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


class Branch(nn.Module):
    """Encoder + projection MLP (MoCo v2: Linear-ReLU-Linear)."""

    def __init__(self, encoder: nn.Module, dim: int, proj: int) -> None:
        super().__init__()
        self.encoder = encoder
        d = encoder.out_dim
        self.proj = nn.Sequential(
            nn.Linear(d, dim), nn.ReLU(inplace=True), nn.Linear(dim, proj)
        )

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        h, _ = self.encoder(x, lengths)
        return F.normalize(self.proj(masked_mean(h, lengths)), dim=-1)


def make_views(clips, idx, dcfg, aug, layout, rng):
    xs, ls = [], []
    for i in idx:
        y, n = fit_time(preprocess.augment(clips[i], rng, aug, layout), dcfg)
        xs.append(y)
        ls.append(n)
    return torch.from_numpy(np.stack(xs)), torch.tensor(ls, dtype=torch.int64)


@torch.no_grad()
def features(encoder, clipset, dcfg) -> torch.Tensor:
    encoder.eval()
    x, lengths, _ = clipset.batch(np.arange(len(clipset)), dcfg)
    out = []
    for s in range(0, len(x), 128):
        h, _ = encoder(x[s : s + 128], lengths[s : s + 128])
        out.append(masked_mean(h, lengths[s : s + 128]))
    encoder.train()
    return torch.cat(out)


def knn_acc(encoder, train, memory_labels, test, dcfg, k: int = 1) -> float:
    """Diagnostic only: cosine k-NN, memory = all view-1 clips with labels, query = view 2."""
    a = F.normalize(features(encoder, train, dcfg), dim=-1)
    b = F.normalize(features(encoder, test, dcfg), dim=-1)
    ya = torch.from_numpy(memory_labels)
    yb = torch.from_numpy(test.labels)
    sim = b @ a.t()
    nn_idx = sim.topk(k, dim=1).indices
    votes = ya[nn_idx]
    pred = torch.mode(votes, dim=1).values
    return float((pred == yb).float().mean()) * 100


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument(
        "--shell",
        required=True,
        help="engine pretrain run folder (its config and weights file format)",
    )
    p.add_argument("--out", required=True)
    p.add_argument("--epochs", type=int, default=200)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--wd", type=float, default=1e-4)
    p.add_argument("--tau", type=float, default=0.1)
    p.add_argument("--queue", type=int, default=256)
    p.add_argument("--m", type=float, default=0.99)
    p.add_argument("--proj-hidden", type=int, default=128)
    p.add_argument("--proj", type=int, default=64)
    p.add_argument(
        "--aug",
        default="rotate=30,scale=0.15,shear=0.3,noise=0.01,speed=0.2,drop=0.1,crop=0.6",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--knn-every", type=int, default=50)
    args = p.parse_args()

    torch.set_num_threads(1)
    torch.set_flush_denormal(True)
    shell = Path(args.shell)
    cfg = TrainConfig.load(shell / runs.CONFIG)
    assert cfg.data.protocol == "xview-val", cfg.data.protocol
    names = {
        "rotate": "rotate_degrees",
        "scale": "scale",
        "shear": "shear",
        "noise": "noise_std",
        "speed": "speed",
        "drop": "drop_prob",
        "crop": "crop_min_ratio",
    }
    aug = preprocess.AugmentConfig(
        **{names[k]: float(v) for k, v in (kv.split("=") for kv in args.aug.split(","))}
    )
    dcfg = cfg.data
    t0 = time.time()
    data = drain(load_data(dcfg, cfg.run.seed))
    train, test = data.train, data.test
    assert all("_v01" in n for n in train.names), train.names[:3]
    assert all("_v02" in n for n in test.names), test.names[:3]
    # keep the true labels for the k-NN diagnostic only (load_data may hide some)
    store = open_dataset_store(dcfg)
    memory_labels = np.asarray(store.labels)[train.store_index].astype(np.int64)
    print(
        f"data: {len(train)} view-1 clips (pretraining, unlabelled), {len(test)} view-2 "
        f"clips (kNN diagnostic only); loaded in {time.time() - t0:.1f}s",
        flush=True,
    )

    torch.manual_seed(args.seed)
    model = data.new_model(cfg.model)
    q = Branch(model.encoder, args.proj_hidden, args.proj)
    k = copy.deepcopy(q)
    for prm in k.parameters():
        prm.requires_grad_(False)
    queue = F.normalize(torch.randn(args.queue, args.proj), dim=-1)
    ptr = 0
    opt = torch.optim.Adam(q.parameters(), lr=args.lr, weight_decay=args.wd)
    steps_per_epoch = len(train) // args.batch  # drop the last partial batch
    total = steps_per_epoch * args.epochs
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(
        opt, total, eta_min=args.lr * 0.01
    )
    rng = np.random.default_rng(args.seed)
    log = []
    knn0 = knn_acc(q.encoder, train, memory_labels, test, dcfg)
    print(f"kNN (view1->view2, 1-NN) at init: {knn0:.2f}%", flush=True)
    log.append({"epoch": 0, "knn1": knn0})

    def step_loss(zq, zk):
        pos = (zq * zk).sum(-1, keepdim=True)
        neg = zq @ queue.t()
        logits = torch.cat([pos, neg], 1) / args.tau
        return F.cross_entropy(logits, torch.zeros(len(zq), dtype=torch.long)), float(
            (logits.argmax(1) == 0).float().mean()
        )

    t_train = time.time()
    for epoch in range(1, args.epochs + 1):
        te = time.time()
        order = rng.permutation(len(train))
        tot, acc_sum = 0.0, 0.0
        for s in range(steps_per_epoch):
            idx = order[s * args.batch : (s + 1) * args.batch]
            x1, l1 = make_views(train.clips, idx, dcfg, aug, data.layout, rng)
            x2, l2 = make_views(train.clips, idx, dcfg, aug, data.layout, rng)
            with torch.no_grad():
                for pk, pq in zip(k.parameters(), q.parameters()):
                    pk.mul_(args.m).add_(pq.detach(), alpha=1 - args.m)
                k1, k2 = k(x1, l1), k(x2, l2)
            zq = q(torch.cat([x1, x2]), torch.cat([l1, l2]))
            q1, q2 = zq[: len(idx)], zq[len(idx) :]
            la, aa = step_loss(q1, k2)
            lb, ab = step_loss(q2, k1)
            loss = (la + lb) / 2
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(q.parameters(), 5.0)
            opt.step()
            sched.step()
            with torch.no_grad():
                keys = torch.cat([k1, k2])[
                    : args.batch
                ]  # one key per clip enters the queue
                n = len(keys)
                ids = (torch.arange(n) + ptr) % args.queue
                queue[ids] = keys
                ptr = (ptr + n) % args.queue
            tot += float(loss.detach())
            acc_sum += (aa + ab) / 2
        row = {
            "epoch": epoch,
            "loss": tot / steps_per_epoch,
            "inst_acc": acc_sum / steps_per_epoch,
            "lr": sched.get_last_lr()[0],
            "seconds": time.time() - te,
        }
        if args.knn_every and (epoch % args.knn_every == 0 or epoch == args.epochs):
            row["knn1"] = knn_acc(q.encoder, train, memory_labels, test, dcfg)
        log.append(row)
        print(
            json.dumps(
                {
                    kk: (round(v, 4) if isinstance(v, float) else v)
                    for kk, v in row.items()
                }
            ),
            flush=True,
        )
    train_seconds = time.time() - t_train

    # --- write the encoder into a copy of the shell run folder ---
    out = Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(shell, out)
    shell_state = runs.safe_load(shell / runs.WEIGHTS)
    enc_state = {
        f"encoder.{kk}": v.detach().clone() for kk, v in q.encoder.state_dict().items()
    }
    assert set(enc_state) == {kk for kk in shell_state if kk.startswith("encoder.")}
    new_state = dict(shell_state)
    for kk, v in enc_state.items():
        assert new_state[kk].shape == v.shape and new_state[kk].dtype == v.dtype, kk
        new_state[kk] = v
    runs.atomic_save(new_state, out / runs.WEIGHTS)
    if (
        out / runs.LAST
    ).exists():  # resume state: not used by --init-from; remove to avoid confusion
        (out / runs.LAST).unlink()
    back = runs.safe_load(out / runs.WEIGHTS)  # weights_only=True
    assert list(back) == list(shell_state)
    info = {
        "args": vars(args),
        "train_seconds": train_seconds,
        "shell_encoder_sha": digest(shell_state),
        "moco_encoder_sha": digest(back),
        "encoder_sha_in_memory": digest(enc_state),
        "log": log,
    }
    assert (
        info["moco_encoder_sha"]
        == info["encoder_sha_in_memory"]
        != info["shell_encoder_sha"]
    )
    (out / "moco.json").write_text(json.dumps(info, indent=1))
    runs.atomic_save(
        {"q": q.state_dict(), "k": k.state_dict(), "queue": queue}, out / "moco_full.pt"
    )
    print(
        f"saved {out}: encoder sha {info['moco_encoder_sha']} (shell {info['shell_encoder_sha']}); "
        f"MoCo training {train_seconds:.0f}s",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
