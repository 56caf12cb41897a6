"""
Attention and motifs of a genotype classifier
=============================================

A sequence classifier decides something about a whole recording, here the
genotype of synthetic resident mice: the ``ko`` genotype has about a quarter
of the ``wt`` share of nose-to-nose contact (the Shank3B pattern) and
behaves normally otherwise. `behavert.train.finetune_sequences` trains one;
`behavert.report.analyze_runs` then asks it *why*:

- **frame importance**: which frames drove the decision (gradient-weighted
  attention; `behavert.inference.frame_importance`);
- **attribution**: which body parts and relations (integrated gradients,
  ranked by `behavert.inference.rank_feature_groups`);
- **motifs**: clusters of the final-layer tokens, pooled over recordings so
  motif numbers mean the same everywhere, with usage per group.

The ``tiny`` model and its 40 steps keep the example under a minute, and
they are far too little to learn the genotype: the calls are the point here,
not the numbers. ``behavert demo`` trains the full recipe (a frame classifier
first, then the genotype classifier from its encoder, on 12 recordings of two
minutes), which is right for every held-out recording; the benchmarks page
has its attention on nose-to-nose frames (4.6-6.8 times their share).
"""

# sphinx_gallery_thumbnail_number = 2

# %%
# Recordings of two genotypes
# ---------------------------
import numpy as np
import torch

from behavert.analysis import attention_enrichment
from behavert.datasets import make_synthetic_dataset
from behavert.inference import predict_sequences, sequence_attributions
from behavert.report import analyze_runs, pooled_transitions
from behavert.report.figures import attention_curve, embedding_map, motif_statistics
from behavert.train import TrainConfig, finetune_sequences, run_to_end

# The tiny model of this example runs faster on one CPU thread than on several
# (its matrices are too small to share out); leave this out for larger models.
torch.set_num_threads(1)

recordings = make_synthetic_dataset(6, n_frames=1500, seed=1)
behaviours = list(recordings[0].behaviours)
nose_to_nose = behaviours.index("nose_to_nose")
for r in recordings:
    share = np.mean(r.labels == nose_to_nose)
    print(f"{r.genotype}: nose_to_nose on {share:.1%} of frames")

# %%
# Train the genotype classifier
# -----------------------------
# Windows of 128 frames, each labelled with its recording's genotype; a
# quarter of every recording is held out to calibrate the recording-level
# decision. Four recordings train it, two are kept for the analysis.
train, test = recordings[:4], recordings[4:]
genotype_model = run_to_end(
    finetune_sequences(
        [r.poses for r in train],
        [r.genotype for r in train],
        config="tiny",
        train_config=TrainConfig(
            lr=2e-3,
            batch_size=8,
            max_steps=40,
            warmup_steps=5,
            seed=0,
            val_fraction=0.25,
        ),
        group_names=("ko", "wt"),
        window=128,
    )
)
probabilities = predict_sequences(
    genotype_model.model, genotype_model.tokenizer, [r.poses for r in test]
)
for r, p in zip(test, probabilities):
    print(f"true {r.genotype}: P(ko) = {p[0]:.2f}, P(wt) = {p[1]:.2f}")
# near 0.5 after so few steps: this model has not learned the genotype yet

# %%
# Why: frame importance, attributions and motifs
# ----------------------------------------------
# The labels only name the motifs after the behaviour each overlaps most; they
# play no part in finding them. Attributions are computed below, on fewer
# windows than the report's default, to stay quick.
result = analyze_runs(
    genotype_model.model,
    genotype_model.tokenizer,
    [r.poses for r in test],
    groups=[r.genotype for r in test],
    labels=[(r.labels, behaviours) for r in test],
    n_motifs=7,
    attribution=False,
)
first = result.recordings[0]
print(first.name, f"({test[0].genotype}) motifs:", first.motif_names)
enrichment = attention_enrichment(
    first.frames["attention"], test[0].labels == nose_to_nose
)
print(f"attention on nose_to_nose frames: {enrichment:.1f}x their share")

# %%
# Body parts and relations ranked by integrated gradients (the ``relation``
# kind: distances and relative positions of the two animals), on 8 windows
# with 8 integration nodes.
attribution = sequence_attributions(
    genotype_model.model,
    genotype_model.tokenizer,
    test[0].poses,
    steps=8,
    max_windows=8,
)
table = attribution.groups
print(table[table["kind"] == "relation"][["attribution", "share", "rank"]])

# %%
# The importance of every frame for the decision, nose_to_nose frames shaded.
fig = attention_curve(
    first.frames,
    fps=test[0].poses.fps,
    highlight=test[0].labels == nose_to_nose,
    highlight_label="nose_to_nose",
    title=f"Frame importance for the genotype decision ({test[0].genotype})",
)

# %%
# The final-layer tokens of every frame on their first two principal axes,
# coloured by motif.
fig = embedding_map(first.frames, title="Motifs of the genotype classifier's tokens")

# %%
# Motif usage per genotype and the bout-to-bout transitions, pooled over the
# two recordings.
fig = motif_statistics(
    result.usage, pooled_transitions(result.recordings), result.groups
)
