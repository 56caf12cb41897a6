"""
Train on BORIS and Caltech Behavior Annotator labels, and evaluate
==================================================================

`behavert.io.labels.load_frame_labels` reads the label files people have:
BORIS event tables, Caltech Behavior Annotator (CBA) files, SimBA tables and
CSVs with one 0/1 column per behaviour. Labels are aligned on the poses' own
frame numbers (``frame_index=``), never on row order.

Two public recordings from ``../shared/data/labelled`` (or
``$BEHAVERT_SHARED_DATA``):

- **ethome**: a resident and a juvenile intruder mouse (DeepLabCut, 7
  keypoints each, 5,700 frames at 30 fps) with human BORIS labels of
  ``interact``. A classifier is trained on the first 70 % of the frames and
  evaluated on the last 30 %, against a distance threshold tuned on the same
  frames;
- **rats**: two rats per session with CBA annotations in two streams, ``S1``
  (social, nonsocial, aggression; ``base`` marks the unscored lead-in) and
  ``S2`` (aggression sub-types). A classifier of ``S1`` is trained on one
  session and evaluated on another.

The models are tiny and trained for 150 steps so the example runs in well
under a minute; the benchmarks page has the full runs (ethome: F1 0.91 for
BehaVERT against 0.63 for the threshold).
"""

# %%
# Where the data is
# -----------------
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

import behavert
from behavert.colors import category_colors
from behavert.inference import predict_frames
from behavert.io.labels import drop_unscored, load_frame_labels, to_class_indices
from behavert.train import (
    TrainConfig,
    bout_recall,
    finetune_frames,
    frame_metrics,
    run_to_end,
    smooth_bouts,
)
from behavert.train.baselines import fit_threshold, min_distance, predict_threshold

# The tiny models of this example run faster on one CPU thread than on several
# (their matrices are too small to share out); leave this out for larger models.
torch.set_num_threads(1)

try:
    HERE = Path(__file__).resolve().parent
except NameError:  # sphinx-gallery runs the examples in their folder
    HERE = Path.cwd()
DATA = Path(os.environ.get("BEHAVERT_SHARED_DATA", HERE.parents[1] / "shared" / "data"))
if not DATA.is_dir():
    raise FileNotFoundError(f"{DATA} not found: set BEHAVERT_SHARED_DATA")
ETHOME = DATA / "labelled" / "ethome_resident_intruder"
RATS = DATA / "labelled" / "rat_social_cba"

# %%
# BORIS labels
# ------------
# BORIS stores bouts as START / STOP times in seconds; they become frames
# ``round(t * fps)`` with the table's own ``FPS`` column.
poses = behavert.load_poses(next(ETHOME.glob("*DLC*_el_filtered.csv")))
labels = load_frame_labels(
    next(ETHOME.glob("*_reencode.csv")), frame_index=poses.frame_index
)
print(poses)
print("behaviours:", labels.names, "| frames of each:", labels.counts())
interact = labels.values[:, labels.names.index("interact")]
classes = ["other", "interact"]  # 0 and 1 below

# %%
# Train on the first 70 %, evaluate on the last 30 %
# --------------------------------------------------
cut = int(0.7 * poses.n_frames)
train_poses = poses.select_frames(slice(0, cut))
test_poses = poses.select_frames(slice(cut, None))
settings = TrainConfig(
    lr=1e-3,
    batch_size=16,
    max_steps=150,
    warmup_steps=10,
    seed=0,
    class_weights="balanced",
)
classifier = run_to_end(
    finetune_frames(
        [train_poses],
        [interact[:cut].astype(np.int64)],
        config="tiny",
        train_config=settings,
        class_names=classes,
    )
)
prediction = predict_frames(classifier.model, classifier.tokenizer, test_poses)
# bouts shorter than half a second are merged into their neighbours
behavert_pred = smooth_bouts(prediction.labels, 15) == 1

# the simplest baseline: one threshold on the animals' closest keypoints
distance = min_distance(poses)
threshold = fit_threshold(distance[:cut], interact[:cut])
threshold_pred = predict_threshold(distance[cut:], threshold)

truth = interact[cut:]
for name, pred in (("BehaVERT (tiny)", behavert_pred), ("threshold", threshold_pred)):
    scores = frame_metrics(truth.astype(int), pred.astype(int), names=classes)
    bouts = bout_recall(truth, pred)
    print(
        f"{name:>16}: F1 {scores['f1/interact']:.2f}, "
        f"bouts found {bouts['n_found']:.0f} of {bouts['n_bouts']:.0f}"
    )

# %%
# The test frames: the human labels, the two methods and the distance.
t = np.arange(cut, poses.n_frames) / 30.0  # the BORIS table's frame rate
fig, (ax0, ax1) = plt.subplots(2, 1, figsize=(9, 4), sharex=True)
rows = (
    ("labels (BORIS)", truth),
    ("BehaVERT", behavert_pred),
    ("threshold", threshold_pred),
)
for y, (_, on) in enumerate(rows):
    ax0.fill_between(t, y - 0.4, y + 0.4, where=on, color=f"C{y}", lw=0)
ax0.set_yticks(range(len(rows)), [r[0] for r in rows])
ax0.set_ylim(len(rows) - 0.5, -0.5)
ax0.set_title("interact on the held-out 30 %")
ax1.plot(t, distance[cut:], lw=0.6, color="0.3")
ax1.axhline(threshold, color="C2", ls="--", lw=0.8, label="tuned threshold")
ax1.set_ylabel("closest keypoints (px)")
ax1.set_xlabel("time (s)")
ax1.legend(fontsize=8)
fig.tight_layout()


# %%
# Caltech Behavior Annotator labels
# ---------------------------------
# A CBA file holds several streams; ``stream=`` picks one. In ``S1`` the
# ``base`` class marks frames nobody scored: `drop_unscored` turns them into
# ignored frames (left out of training and metrics) instead of a behaviour.
# Bouts past the last pose frame are dropped with a warning.
def load_rat_session(number: int, stream: str):
    """The poses of one rat session and the labels of one of its streams."""
    poses = behavert.load_poses(next((RATS / "dlc_csv").glob(f"{number}DLC*.csv")))
    labels = load_frame_labels(
        RATS / "annotations" / f"{number}_annot.txt",
        frame_index=poses.frame_index,
        stream=stream,
    )
    return poses, labels


rat_poses, s1 = load_rat_session(1, "S1")
_, s2 = load_rat_session(1, "S2")
print(rat_poses)
print("S1:", s1.counts())
print("S2:", s2.counts())
s1 = drop_unscored(s1, ["base"])
print(f"S1 after drop_unscored: {s1.names}, {s1.scored.mean():.0%} of frames scored")

# %%
# Both streams of session 1 as bands over time.
# The colours are the project's behaviour palette (`behavert.colors`), the
# same as in the report's figures and the napari layers.
colours = category_colors([n for n in (*s1.names, *s2.names) if n != "base"])
fig, ax = plt.subplots(figsize=(9, 3.2))
for y, (stream, lab) in enumerate([("S1", s1), ("S2", s2)]):
    for k, name in enumerate(lab.names):
        if name == "base":
            continue
        ax.fill_between(
            np.arange(lab.n_frames),
            y - 0.4,
            y + 0.4,
            where=lab.values[:, k] > 0.5,
            color=colours[name],
            lw=0,
            label=f"{stream} {name}",
        )
ax.set_yticks([0, 1], ["S1", "S2"])
ax.set_ylim(1.5, -0.5)
ax.set_xlabel("frame")
ax.legend(fontsize=6, ncol=2, loc="upper left", bbox_to_anchor=(1.0, 1.0))
ax.set_title("Rat session 1: CBA streams")
fig.tight_layout()


# %%
# A classifier of S1 trained on session 1, evaluated on session 2 (scored
# frames only). `to_class_indices` numbers the classes after a background
# class (index 0, which S1 never needs: every scored frame has a behaviour)
# and gives ``-100`` to unscored frames, which training and metrics ignore.
def s1_classes(labels):
    """``(time,)`` indices into ``labels.names``; -100 for unscored frames."""
    index = to_class_indices(labels)
    return np.where(index > 0, index - 1, -100)


names = list(s1.names)
rat_model = run_to_end(
    finetune_frames(
        [rat_poses],
        [s1_classes(s1)],
        config="tiny",
        train_config=settings,
        class_names=names,
    )
)
test_rat, test_s1 = load_rat_session(2, "S1")
truth = s1_classes(drop_unscored(test_s1, ["base"]))
pred = predict_frames(rat_model.model, rat_model.tokenizer, test_rat)
scored = truth >= 0
scores = frame_metrics(truth[scored], pred.labels[scored], names=names)
print(f"session 2, S1: macro-F1 {scores['macro_f1']:.2f}")
print({name: round(scores[f"f1/{name}"], 2) for name in names})
