"""Issue 3 acceptance on synthetic two-mouse data (fixed seeds, tiny preset, CPU).

Pretrain -> fine-tune reaches per-frame macro-F1 >= 0.90 on held-out synthetic
recordings, and genotype (wt vs ko) accuracy >= 0.90 per recording.
"""

from __future__ import annotations

import numpy as np

from behavert.inference import predict_frames, predict_sequences
from behavert.train.metrics import frame_metrics, sequence_metrics


def test_frame_macro_f1_on_held_out_recordings(synthetic_runs, record_property):
    run = synthetic_runs.frames
    truth, pred = [], []
    for rec in synthetic_runs.held_out:
        truth.append(rec.labels)
        pred.append(predict_frames(run.model, run.tokenizer, rec.poses).labels)
    names = list(synthetic_runs.train[0].behaviours)
    m = frame_metrics(np.concatenate(truth), np.concatenate(pred), names=names)
    print({k: round(v, 3) for k, v in m.items() if isinstance(v, float)})
    record_property("macro_f1", m["macro_f1"])  # read by bench_synthetic.py
    record_property("frames", int(sum(len(t) for t in truth)))
    assert m["macro_f1"] >= 0.90, m


def test_genotype_accuracy_on_held_out_recordings(synthetic_runs, record_property):
    run = synthetic_runs.genotype
    order = list(run.model.config.sequence_labels)
    truth = np.array([order.index(r.genotype) for r in synthetic_runs.held_out])
    assert sorted(set(truth)) == [0, 1]
    probs = predict_sequences(
        run.model, run.tokenizer, [r.poses for r in synthetic_runs.held_out]
    )
    m = sequence_metrics(truth, probs, names=order)
    print(m)
    record_property("accuracy", m["accuracy"])
    record_property("roc_auc", m["roc_auc"])
    record_property("recordings", len(truth))
    assert m["accuracy"] >= 0.90, m
    assert m["roc_auc"] >= 0.90, m
