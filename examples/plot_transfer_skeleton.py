"""
Transfer a model to another skeleton
====================================

A BehaVERT model reads one feature vector per frame, built from one skeleton.
`behavert.train.transfer.transfer` reuses a model of skeleton A for the poses
of skeleton B: keypoints are matched by name and synonyms
(`behavert.data.mapping.map_keypoints`), the transformer is copied unchanged,
the token projection is rebuilt for B's features (columns of matched
keypoints start from A's), a short *realign* phase trains only that projection,
then the whole model is fine-tuned on B's labels.

Here A is the synthetic mouse skeleton (12 keypoints, ``nose``, ``left_ear``,
``tail_base``...) and B a synthetic rat-like one
(`behavert.datasets.synthetic_species`: 11 keypoints named ``Snout``,
``Ear_left``, ``TailRoot``..., no paws, a body 1.8 times larger). The models
are tiny and briefly trained, so the example runs in seconds; the transfer
guide and the benchmarks page say when transfer helps and when it does not.
"""

# %%
# Two skeletons
# -------------
import matplotlib.pyplot as plt
import numpy as np
import torch

from behavert.data.mapping import map_keypoints
from behavert.datasets import make_synthetic_dataset
from behavert.datasets.synthetic_species import rat_dataset
from behavert.inference import predict_frames
from behavert.train import (
    TrainConfig,
    finetune_frames,
    frame_metrics,
    pretrain,
    run_to_end,
)
from behavert.train.transfer import transfer

# The tiny models of this example run faster on one CPU thread than on several
# (their matrices are too small to share out); leave this out for larger models.
torch.set_num_threads(1)

mice = make_synthetic_dataset(3, n_frames=1800, seed=0)
rats = rat_dataset(3, n_frames=1800, seed=0)
print("mouse:", mice[0].poses.keypoints)
print("rat:  ", rats[0].poses.keypoints)

# %%
# How the keypoints match: same names after normalisation, synonyms
# (``Snout`` = ``nose``, ``TailRoot`` = ``tail_base``), merged keypoints
# (averaged) and the rat keypoints nothing feeds (left missing, never invented).
mapping = map_keypoints(mice[0].poses.keypoints, rats[0].poses.keypoints)
print(mapping)  # mapping.report() gives the same as a table

# %%
# Pretrain on the mice (skeleton A)
# ---------------------------------
settings = TrainConfig(lr=2e-3, batch_size=16, max_steps=60, warmup_steps=10, seed=0)
mouse_model = run_to_end(
    pretrain([m.poses for m in mice], config="tiny", train_config=settings)
)

# %%
# Transfer to the rats (skeleton B)
# ---------------------------------
# Two labelled rat recordings train, the third is held out. ``mapping=None``
# would find the same mapping automatically (and refuse one that feeds less
# than half of the new skeleton).
behaviours = list(rats[0].behaviours)
train, test = rats[:2], rats[2]
budget = settings.replace(max_steps=80)
rat_model = run_to_end(
    transfer(
        mouse_model,
        target_poses_list=[r.poses for r in train],
        mapping=mapping,
        labels_list=[r.labels for r in train],
        class_names=behaviours,
        realign_steps=20,
        train_config=budget,
    )
)
mapped = rat_model.metrics["transfer/mapped_features"]
print(f"share of B's features that start from A's: {mapped:.0%}")

# %%
# The same fine-tuning budget from scratch, for comparison.
scratch = run_to_end(
    finetune_frames(
        [r.poses for r in train],
        [r.labels for r in train],
        config="tiny",
        train_config=budget,
        class_names=behaviours,
    )
)

# %%
# Both on the held-out rat
# ------------------------
f1 = {}
for name, run in (("transferred from mice", rat_model), ("from scratch", scratch)):
    pred = predict_frames(run.model, run.tokenizer, test.poses)
    scores = frame_metrics(test.labels, pred.labels, names=behaviours)
    f1[name] = [scores.get(f"f1/{b}", np.nan) for b in behaviours]
    print(f"{name}: macro-F1 {scores['macro_f1']:.2f}")
# With tiny models and a few steps either may come out ahead; the transfer
# guide and the benchmarks page hold the measured comparison.

fig, ax = plt.subplots(figsize=(8, 3.5))
x = np.arange(len(behaviours))
for i, (name, values) in enumerate(f1.items()):
    ax.bar(x + (i - 0.5) * 0.4, values, width=0.4, label=name)
ax.set_xticks(x, behaviours, rotation=30, ha="right")
ax.set_ylabel("F1 on the held-out rat")
ax.set_ylim(0, 1)
ax.legend(fontsize=8)
fig.tight_layout()
