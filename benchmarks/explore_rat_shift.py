"""Exploration (issue 11, session 7): a LISBET-style "shift" target added to
``PRETRAIN_RECIPE``: in a share of the windows the second rat is taken from
another time of the same session (90-900 frames away), and a linear head on the
[CLS] state says whether it was; then fine-tuned like bench_rat's pretrained arm.

    python benchmarks/explore_rat_shift.py SEED P_SHIFT WEIGHT STEPS BUDGETS [--probe]
    python benchmarks/explore_rat_shift.py 0 0.5 1.0 4000 1,3 --probe

A one-seed search tool (docs/benchmarks.md), not a product feature.
"""

import sys
import time

import numpy as np
import torch

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
import bench_rat as B

from behavert.inference.runner import features_of
from behavert.model import BehavertForMaskedPoseModeling
from behavert.train import TrainConfig, run_to_end
from behavert.train import tasks as T
from behavert.train.build import augmented_features, model_config, seed_everything
from behavert.train.loop import Task, train_task

torch.set_num_threads(2)
seed = int(sys.argv[1])
p_shift = float(sys.argv[2])
weight = float(sys.argv[3])
steps = int(sys.argv[4]) if len(sys.argv) > 4 else 4000
budgets = (
    sys.argv[5].split(",")
    if len(sys.argv) > 5 and sys.argv[5] != "-"
    else ([] if len(sys.argv) > 5 else ["1", "3"])
)


def shifted(poses, k):
    pos = poses.position.copy()
    conf = poses.confidence.copy()
    pos[:, 1] = np.roll(pos[:, 1], k, axis=0)
    conf[:, 1] = np.roll(conf[:, 1], k, axis=0)
    return poses.replace(position=pos, confidence=conf)


t0 = time.time()
sess = B.train_sessions()
poses = [B.poses_of(n) for n in sess]
tok = B.tokenizer_for(sess)
tc = TrainConfig(seed=seed, **{**B.PRETRAIN, "max_steps": steps}, **B.PRETRAIN_MASK)
seed_everything(seed)
settings = model_config(B.model_config(), tok, tc)
feats = [features_of(tok, p) for p in poses]
model = BehavertForMaskedPoseModeling(settings)
model.shift_head = torch.nn.Linear(settings.hidden_size, 1)
variants = augmented_features(tok, poses, tc.augment)
rng = np.random.default_rng(seed)
shift_vars = []
for _ in range(2):
    ks = rng.integers(90, 900, size=len(poses)) * rng.choice([-1, 1], size=len(poses))
    sv = [shifted(p, int(k)) for p, k in zip(poses, ks)]
    shift_vars.append([features_of(tok, p) for p in sv])
    # swapped+mirrored variants of the shifted recordings too
    extra = augmented_features(tok, sv, tc.augment)
    shift_vars.extend(extra)
print("features", time.time() - t0, "shift variants", len(shift_vars), flush=True)
base = T.masked_pose_task("pretrain", model, tok, feats, tc, variants)
lengths = [len(f) for f in feats]
window, stride = T.window_settings(model)
every = [feats, *variants]
hiding = T._animal_hiding(tok, tc)


def make_batch(step, gen, rank, world):
    from behavert.data.hiding import hide_animals
    from behavert.data.masking import mask_frames
    from behavert.data.windows import sample_windows

    picks = sample_windows(lengths, window, stride, tc.batch_size, gen)
    x, valid = T.draw_windows(every, picks, window, gen)
    xs, _ = T.draw_windows(shift_vars, picks, window, gen)
    lab = torch.rand(len(picks), generator=gen) < p_shift
    x = np.where(lab.numpy()[:, None, None], xs, x)
    masks = mask_frames(
        len(picks),
        window,
        tc.mask_ratio,
        tc.mask_mode,
        tc.span_length,
        valid=torch.from_numpy(valid),
        generator=gen,
    )
    shown, hidden = hide_animals(
        torch.from_numpy(x), *hiding, tc.hide_animal, torch.from_numpy(valid), gen
    )
    hid = hidden.flatten(1).any(1)
    return {
        "inputs": shown,
        "attention_mask": torch.from_numpy(valid.astype(np.int64)),
        "frame_mask": masks,
        "targets": torch.from_numpy(x),
        "target_mask": hidden,
        "shifted": lab.float(),
        "use_shift": (~hid).float(),
    }


stats = {"n": 0, "acc": 0.0}


def compute_loss(m, batch):
    b = dict(batch)
    y = b.pop("shifted")
    use = b.pop("use_shift")
    out = m(**b)
    logit = m.shift_head(out.cls_state).squeeze(-1)
    bce = torch.nn.functional.binary_cross_entropy_with_logits(
        logit, y, reduction="none"
    )
    bce = (bce * use).sum() / use.sum().clamp(min=1)
    stats["n"] += 1
    acc = (((logit > 0).float() == y).float() * use).sum() / use.sum().clamp(min=1)
    stats["acc"] = 0.98 * stats["acc"] + 0.02 * float(acc)
    if stats["n"] % 500 == 0:
        print(
            "step",
            stats["n"],
            "recon",
            float(out.loss),
            "bce",
            float(bce),
            "acc~",
            round(stats["acc"], 3),
            flush=True,
        )
    return out.loss + weight * bce


task = Task(
    phase="pretrain",
    model=model,
    tokenizer=tok,
    n_windows=base.n_windows,
    make_batch=make_batch,
    compute_loss=compute_loss,
    info=base.info,
)
run = run_to_end(train_task(task, tc))
print("pretrained", time.time() - t0, flush=True)
del run.model.shift_head
B.pretrained = lambda s: (run, 0.0)
for budget in budgets:
    r = B.run_one("S1", budget, seed, "pretrained")
    print(
        f"SHIFT p={p_shift} w={weight} seed {seed} budget {budget}: "
        f"macro-F1 {r['macro_f1']:.3f} mAP {r['mean_ap']:.3f}",
        {k: round(v, 3) for k, v in r.items() if k[:3] == "f1/"},
        flush=True,
    )
if "--probe" in sys.argv:
    r = B.run_one("S1", "3", seed, "probe-pretrained")
    print(f"SHIFT probe seed {seed}: {r['macro_f1']:.3f}", flush=True)
