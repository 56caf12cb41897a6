"""Pure converters of behaviour per frame (predicted or annotated) to napari layers.

Like :mod:`behavert.napari.convert.overlays`, each returns ``(data, kwargs,
layer_type)`` with rows ``(frame, y, x)`` on the time axis; colours are
`behavert.colors.category_colors` of the class list, the same as the
report's ethogram and the timeline.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ...colors import NONE_COLOR, category_colors, hex_to_rgba
from ...io.poses import Poses
from .layers import FRAME_AXES
from .rows import anchor_keypoint, keypoint_rows, label_text, per_frame

__all__ = ["annotations_to_layer", "behaviour_to_layer", "prediction_to_layer"]

LayerData = tuple[Any, dict, str]


def behaviour_to_layer(
    poses: Poses,
    names_per_frame: np.ndarray | Sequence[str],
    *,
    name: str = "behaviour",
    probabilities: np.ndarray | None = None,
    classes: Sequence[str] | None = None,
    individual: int | str = 0,
    size: float | None = None,
) -> LayerData:
    """The behaviour of each frame as colour and text on one animal.

    Parameters
    ----------
    names_per_frame
        ``(time,)`` behaviour names ("" for none), or int class indices into
        ``classes`` (negative for none).
    probabilities
        Optional ``(time, class)`` probabilities (column order ``classes``); the
        text then reads ``"name 0.87"`` with the predicted class probability,
        and a ``probability`` feature holds it.
    classes
        Class names: the colour order (`behavert.colors.category_colors`) and
        the meaning of integer labels; default the sorted names present.
    individual
        The animal (index or name) whose keypoints carry colour and text.

    Returns
    -------
    (data, kwargs, "points")
        Features ``behaviour`` (str), ``label`` (text on the neck), optional
        ``probability``, ``individual``, ``keypoint``, ``confidence``,
        ``frame``.
    """
    values = per_frame(poses, names_per_frame, "names_per_frame")
    if np.issubdtype(values.dtype, np.integer):
        if classes is None:
            raise ValueError("integer behaviour labels need classes=")
        table = np.array([*map(str, classes), ""], dtype=object)
        values = table[np.where(values < 0, len(classes), values)]
    values = np.array(["" if v is None else str(v) for v in values], dtype=object)
    if classes is None:
        classes = sorted(set(values) - {""})
    data, kwargs, t = keypoint_rows(poses, individual, name, size)
    features = kwargs["features"]
    anchor = features["keypoint"].cat.codes.to_numpy() == anchor_keypoint(poses)
    text = values  # per frame, then per point
    if probabilities is not None:
        prob = per_frame(poses, probabilities, "probabilities").astype(float)
        top = np.nanmax(prob, axis=1)
        features.insert(0, "probability", top[t])
        text = np.array(
            [f"{v} {p:.2f}" if v else "" for v, p in zip(values, top, strict=True)],
            dtype=object,
        )
    text = text[t].astype(str)
    features.insert(0, "behaviour", values[t].astype(str))
    features.insert(1, "label", np.where(anchor, text, "").astype(str))
    palette = {k: hex_to_rgba(c) for k, c in category_colors(classes).items()}
    none = hex_to_rgba(NONE_COLOR)
    colors = np.array([palette.get(v, none) for v in values])[t].reshape(-1, 4)
    kwargs.pop("face_color_cycle")
    kwargs.update(
        face_color=colors,
        text=label_text(12.0),
        metadata={
            "behavert_role": "behaviour",
            "behaviour": values,
            "classes": tuple(classes),
            "frames": np.asarray(poses.frame_index),
            "poses": poses,
            "timeline_tracks": {name: values},
        },
    )
    return data, kwargs, "points"


def prediction_to_layer(
    poses: Poses,
    classes: Sequence[str],
    labels: np.ndarray,
    probabilities: np.ndarray,
    *,
    name: str = "behaviour",
) -> LayerData:
    """A frame classifier's prediction as a behaviour layer.

    Parameters
    ----------
    classes
        Class names in the order of the ``probabilities`` columns (e.g.
        ``FramePrediction.names`` or ``RecordingAnalysis.classes``).
    labels
        ``(time,)`` int predicted class of each frame.
    probabilities
        ``(time, class)`` class probabilities.

    Returns
    -------
    (data, kwargs, "points")
        :func:`behaviour_to_layer` of the predicted names, with the features
        of `behavert.report.prediction_columns` (``p_<class>`` and
        ``uncertainty``) on every point.
    """
    from ...report.steps import prediction_columns

    columns = prediction_columns(classes, labels, probabilities)
    data, kwargs, kind = behaviour_to_layer(
        poses,
        columns.pop("behaviour"),
        name=name,
        probabilities=probabilities,
        classes=list(classes),
    )
    t = np.searchsorted(poses.frame_index, kwargs["features"]["frame"].to_numpy())
    for key, values in columns.items():
        kwargs["features"][key] = np.asarray(values)[t]
    return data, kwargs, kind


def annotations_to_layer(
    poses: Poses,
    names_per_frame: np.ndarray | Sequence[str],
    *,
    name: str = "annotations",
    classes: Sequence[str] | None = None,
    size: float = 4.0,
) -> LayerData:
    """Annotated frames as one text point each, at the top left of the poses.

    Parameters
    ----------
    names_per_frame
        ``(time,)`` annotated behaviour of each frame ("" for none; frames
        without one get no point).
    classes
        The annotation classes: the colour order (`category_colors`);
        default the sorted names present.

    Returns
    -------
    (data, kwargs, "points")
        Rows ``(frame, y0, x0)``; features ``frame`` and ``behaviour``; the
        text is the behaviour.
    """
    values = per_frame(poses, names_per_frame, "names_per_frame").astype(str)
    keep = np.flatnonzero(values != "")
    xy = poses.position[..., :2]
    finite = np.isfinite(xy).all(-1)
    y0 = float(xy[..., 1][finite].min()) if finite.any() else 0.0
    x0 = float(xy[..., 0][finite].min()) if finite.any() else 0.0
    frames = np.asarray(poses.frame_index)[keep]
    data = np.column_stack(
        [frames.astype(np.float64), np.full(len(keep), y0), np.full(len(keep), x0)]
    ).reshape(-1, 3)
    palette = category_colors(classes if classes is not None else sorted(set(values)))
    colors = [hex_to_rgba(palette.get(v, NONE_COLOR)) for v in values[keep]]
    features = pd.DataFrame({"frame": frames, "behaviour": values[keep]})
    kwargs = {
        "name": name,
        "ndim": 3,
        "axis_labels": FRAME_AXES,
        "features": features,
        "face_color": np.array(colors) if colors else NONE_COLOR,
        "size": size,
        "text": {"string": "{behaviour}", "color": "white", "size": 12},
        "metadata": {"behavert_role": "annotations", "poses": None},
    }
    return data, kwargs, "points"
