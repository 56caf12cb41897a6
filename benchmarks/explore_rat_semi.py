"""Exploration (issue 11, session 7): fine-tuning that keeps the pretraining
loss (masked frames + one hidden rat, weight LAMBDA) on unlabelled windows of
the training sessions next to the labelled loss.

    python benchmarks/explore_rat_semi.py SEED LAMBDA BUDGETS ARMS
    python benchmarks/explore_rat_semi.py 0 1.0 1,3 pretrained,scratch

A one-seed search tool (docs/benchmarks.md), not a product feature.
"""

import copy
import sys
import time

import numpy as np
import torch

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
import bench_rat as B

from behavert.data.hiding import hide_animals
from behavert.data.masking import mask_frames
from behavert.data.windows import sample_windows
from behavert.inference.runner import features_of
from behavert.model.modeling import _reconstruction
from behavert.train import TrainConfig
from behavert.train import finetuning as FT
from behavert.train import tasks as T
from behavert.train.build import augmented_features

torch.set_num_threads(2)
seed = int(sys.argv[1])
lam = float(sys.argv[2])
budgets = sys.argv[3].split(",")
arms = sys.argv[4].split(",") if len(sys.argv) > 4 else ["pretrained"]
t0 = time.time()
pre_run, _ = B.pretrained(seed)
print("pretrained", time.time() - t0, flush=True)
tok = pre_run.tokenizer
sess = B.train_sessions()
poses = [B.poses_of(n) for n in sess]
ufeats = [features_of(tok, p) for p in poses]
uvars = augmented_features(tok, poses, ("swap", "mirror"))
print("unlabelled features", time.time() - t0, flush=True)
orig_frame_task = FT.frame_task
ptc = TrainConfig(seed=seed, **B.PRETRAIN, **B.PRETRAIN_MASK)


def semi_frame_task(model, tokenizer, *a, **k):
    task = orig_frame_task(model, tokenizer, *a, **k)
    if lam == 0:
        return task
    if tokenizer is not tok:  # scratch arm: its own tokenizer
        uf = [features_of(tokenizer, p) for p in poses]
        uv = augmented_features(tokenizer, poses, ("swap", "mirror"))
        model.recon_head = copy.deepcopy(type(pre_run.model)(model.config).head)
    else:
        uf, uv = ufeats, uvars
        model.recon_head = copy.deepcopy(pre_run.model.head)
    every = [uf, *uv]
    lengths = [len(f) for f in uf]
    window, stride = T.window_settings(model)
    hiding = T._animal_hiding(tokenizer, ptc)
    inner = task.make_batch
    ce = T._smoothed_loss(0.1)

    def make_batch(step, gen, rank, world):
        b = inner(step, gen, rank, world)
        picks = sample_windows(lengths, window, stride, 16, gen)
        x, valid = T.draw_windows(every, picks, window, gen)
        masks = mask_frames(
            len(picks),
            window,
            ptc.mask_ratio,
            ptc.mask_mode,
            ptc.span_length,
            valid=torch.from_numpy(valid),
            generator=gen,
        )
        shown, hidden = hide_animals(
            torch.from_numpy(x), *hiding, ptc.hide_animal, torch.from_numpy(valid), gen
        )
        b.update(
            u_inputs=shown,
            u_mask=torch.from_numpy(valid.astype(np.int64)),
            u_frames=masks,
            u_targets=torch.from_numpy(x),
            u_hidden=hidden,
        )
        return b

    def compute_loss(m, b):
        sup = ce(m, b)
        out = m.behavert(b["u_inputs"], b["u_mask"], b["u_frames"])
        pred = m.recon_head(out.last_hidden_state)
        sel = b["u_frames"].bool() & b["u_mask"].bool()
        where = (sel[..., None] | b["u_hidden"]).to(pred.dtype)
        per = _reconstruction("mse", pred, b["u_targets"].to(pred.dtype), "none")
        rec = (per * where).sum() / where.sum().clamp(min=1.0)
        return sup + lam * rec

    task.make_batch = make_batch
    task.compute_loss = compute_loss
    return task


FT.frame_task = semi_frame_task
for budget in budgets:
    for arm in arms:
        s = time.time()
        r = B.run_one("S1", budget, seed, arm)
        print(
            f"SEMI lam={lam} seed {seed} budget {budget} {arm}: "
            f"macro-F1 {r['macro_f1']:.3f} mAP {r['mean_ap']:.3f}",
            {k: round(v, 3) for k, v in r.items() if k[:3] == "f1/"},
            f"({time.time() - s:.0f} s)",
            flush=True,
        )
