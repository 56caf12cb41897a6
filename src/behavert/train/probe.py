"""Linear probe: what a frozen encoder's tokens already say about behaviour.

The standard diagnostic of self-supervised pretraining: embed every frame with
the frozen encoder (`behavert.inference.embed`, final layer), fit a logistic
regression per frame on training frames, score macro-F1 on held-out frames.
Nothing of the encoder is trained, so a pretrained encoder that beats a
randomly initialised one of the same size has learned something about the
behaviour from unlabelled poses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ConfigError, LabelFileError
from ..io.labels import FrameLabels, class_names_with_background, to_class_indices
from ..io.poses import Poses
from .metrics import frame_metrics

__all__ = ["linear_probe", "probe_split"]


def probe_split(n_frames: Sequence[int], test_fraction: float = 0.3):
    """Which frames train and which test the probe, per recording.

    Several recordings: the last ``ceil(test_fraction * n)`` recordings test
    (whole recordings, never frames of one recording on both sides). One
    recording: its last ``test_fraction`` of frames tests.

    Returns
    -------
    list of (numpy.ndarray, numpy.ndarray)
        ``(train, test)`` ``(time,)`` bool masks per recording.
    """
    if not 0 < test_fraction < 1:
        raise ConfigError(f"test_fraction must be in (0, 1), got {test_fraction}")
    n = len(n_frames)
    if n == 1:
        cut = int(round(n_frames[0] * (1 - test_fraction)))
        train = np.arange(n_frames[0]) < cut
        return [(train, ~train)]
    n_test = min(n - 1, max(1, int(np.ceil(test_fraction * n))))
    return [
        (np.full(t, i < n - n_test), np.full(t, i >= n - n_test))
        for i, t in enumerate(n_frames)
    ]


def linear_probe(
    model: Any,
    tokenizer: Any,
    poses_list: Sequence[Poses],
    labels_list: Sequence[FrameLabels],
    *,
    test_fraction: float = 0.3,
    background: str = "other",
    seed: int = 0,
) -> dict[str, float]:
    """Macro-F1 of a logistic regression on the frozen encoder's frame tokens.

    Parameters
    ----------
    model, tokenizer
        Any BehaVERT model (its encoder is used, frozen) and its tokenizer.
    poses_list, labels_list
        Labelled recordings; frames with no behaviour get ``background``,
        unscored frames (``FrameLabels.scored``) are left out.
    test_fraction
        Held-out share (`probe_split`).
    seed
        Seeds the logistic regression's solver.

    Returns
    -------
    dict
        `behavert.train.metrics.frame_metrics` on the test frames (``macro_f1``,
        ``f1/<class>``, ``n_frames`` ...) plus ``n_train_frames``.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from ..inference import embed

    names = class_names_with_background(labels_list[0], background)
    for labels in labels_list[1:]:
        if class_names_with_background(labels, background) != names:
            raise LabelFileError(
                labels.path,
                f"its classes differ from {labels_list[0].path}'s "
                f"({list(labels.names)} vs {list(labels_list[0].names)})",
            )
    parts = {"train": ([], []), "test": ([], [])}
    splits = probe_split([p.n_frames for p in poses_list], test_fraction)
    for poses, labels, masks in zip(poses_list, labels_list, splits):
        tokens = embed(model, tokenizer, poses)
        y = to_class_indices(labels, background)
        for key, mask in zip(("train", "test"), masks):
            keep = mask & (y >= 0) & np.isfinite(tokens).all(axis=1)
            parts[key][0].append(tokens[keep])
            parts[key][1].append(y[keep])
    x_train, y_train = (np.concatenate(a) for a in parts["train"])
    x_test, y_test = (np.concatenate(a) for a in parts["test"])
    if len(np.unique(y_train)) < 2:
        raise ConfigError("the probe's training frames hold fewer than two classes")
    probe = make_pipeline(
        StandardScaler(), LogisticRegression(max_iter=1000, random_state=seed)
    )
    probe.fit(x_train, y_train)
    metrics = frame_metrics(y_test, probe.predict(x_test), names=list(names))
    metrics["n_train_frames"] = float(len(y_train))
    return metrics
