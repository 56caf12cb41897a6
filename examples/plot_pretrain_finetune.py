"""
Pretrain, fine-tune a frame classifier and plot an ethogram
===========================================================

The BehaVERT recipe in three calls: `behavert.train.pretrain` learns from
unlabelled poses by masked pose modelling, `behavert.train.finetune_frames`
fine-tunes that encoder into a classifier of every frame's behaviour, and
`behavert.inference.predict_frames` applies it to a new recording of any
length. Every training function is a generator of
`behavert.train.TrainEvent`\\ s (for progress bars and cancelling);
`behavert.train.run_to_end` drives it and returns the
`behavert.train.TrainedRun`.

The recordings are the synthetic resident-intruder mice embedded in the
package (`behavert.datasets.make_synthetic_dataset`), whose behaviour script
is known frame by frame. The model is the ``tiny`` preset trained for a few
dozen steps so the example runs in seconds on a CPU: it shows the calls, not
what BehaVERT reaches (see the benchmarks page for that).
"""

# sphinx_gallery_thumbnail_number = 2

# %%
# Synthetic recordings with known behaviour
# -----------------------------------------
import matplotlib.pyplot as plt
import numpy as np
import torch

from behavert.datasets import make_synthetic_dataset
from behavert.inference import predict_frames
from behavert.report import analyze_recording
from behavert.report.figures import ethogram
from behavert.train import (
    TrainConfig,
    finetune_frames,
    frame_metrics,
    pretrain,
    run_to_end,
)

# The tiny model of this example runs faster on one CPU thread than on several
# (its matrices are too small to share out); leave this out for larger models.
torch.set_num_threads(1)

recordings = make_synthetic_dataset(5, n_frames=1800, seed=0)
train, test = recordings[:4], recordings[4]
behaviours = list(test.behaviours)
print("behaviours:", behaviours)
print(train[0].poses)

# %%
# Pretraining without labels
# --------------------------
# Windows of 64 frames; 40 % of the frames of each window are hidden and the
# model learns to reconstruct them. ``run_to_end`` can report every event.
losses = []
settings = TrainConfig(lr=2e-3, batch_size=16, max_steps=60, warmup_steps=10, seed=0)
pretrained = run_to_end(
    pretrain([r.poses for r in train], config="tiny", train_config=settings),
    lambda event: losses.append(event.loss),
)
print(f"masked-pose loss: {losses[0]:.3f} -> {losses[-1]:.3f}")

# %%
# Fine-tuning a behaviour classifier
# ----------------------------------
# Labels are one ``(time,)`` integer array per recording here; label files
# (CSV, BORIS, SimBA, Caltech Behavior Annotator) are read by
# `behavert.io.labels.load_frame_labels` (see the labels example).
classifier = run_to_end(
    finetune_frames(
        [r.poses for r in train],
        [r.labels for r in train],
        pretrained,
        train_config=settings.replace(max_steps=120, class_weights="balanced"),
        class_names=behaviours,
    )
)

# %%
# Predict a held-out recording
# ----------------------------
# Windows are run with overlap and stitched, so every frame gets class
# probabilities whatever the recording's length.
prediction = predict_frames(classifier.model, classifier.tokenizer, test.poses)
print("probabilities:", prediction.probabilities.shape, "classes:", prediction.names)
scores = frame_metrics(
    test.labels,
    prediction.labels,
    probabilities=prediction.probabilities,
    names=list(prediction.names),
)
print(f"held-out accuracy {scores['accuracy']:.2f}, macro-F1 {scores['macro_f1']:.2f}")

# %%
# Probabilities of each behaviour over the first minute, with the true bouts
# shaded.
fps = test.poses.fps
t = np.arange(test.n_frames) / fps
first = t < 60
fig, axes = plt.subplots(len(behaviours), 1, figsize=(9, 6), sharex=True)
for k, (ax, name) in enumerate(zip(axes, prediction.names)):
    truth = test.labels == behaviours.index(name)
    ax.fill_between(t[first], 0, 1, where=truth[first], color="0.85", lw=0)
    ax.plot(t[first], prediction.probabilities[first, k], lw=0.8)
    ax.set_ylabel(name, rotation=0, ha="right", fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_yticks([])
axes[-1].set_xlabel("time (s)")
fig.suptitle("predicted probability (line) and true bouts (grey)")

# %%
# An ethogram
# -----------
# `behavert.report.analyze_recording` adds the predicted behaviour and motifs
# (clusters of the model's final-layer tokens) per frame;
# `behavert.report.figures.ethogram` draws them as bands under the annotated
# behaviour, with the colours napari and the timeline use.
analysis = analyze_recording(
    classifier.model,
    classifier.tokenizer,
    test.poses,
    frame_model=classifier.model,
    n_motifs=6,
)
annotated = np.asarray(behaviours)[test.labels]
fig = ethogram(
    analysis.frames,
    fps=fps,
    annotations=annotated,
    class_names=analysis.classes,
    title="Held-out synthetic recording",
)
