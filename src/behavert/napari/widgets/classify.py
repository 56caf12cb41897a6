"""The "Classify" dock widget: per-frame behaviour predictions as a layer.

After a prediction the widget lists the frames where the model is least
certain (uncertainty = 1 - the largest class probability), spread at least
``min_gap`` frames apart, so the next annotations go where they help most;
clicking a row moves the time slider there.

When the recording has labels (the Annotate dock's annotations of the pose
layer, or a label file chosen in "Labels"), the dock also shows how well the
prediction agrees with them: macro-F1, accuracy and per-class F1 over the
labelled frames (`behavert.train.metrics.frame_metrics`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from magicgui.widgets import ComboBox, FileEdit, Label, SpinBox, Table

from ...errors import BehavertError
from ...io.labels import (
    FrameLabels,
    class_names_with_background,
    to_class_indices,
)
from ...io.poses import Poses
from .._notify import notify_error
from ..convert.behaviour import prediction_to_layer
from ..workers import Job
from ._common import (
    ANNOTATIONS_KEY,
    JobWidget,
    base_name,
    labels_for_poses,
    optional_path,
    poses_of,
    set_layer,
)

if TYPE_CHECKING:
    import napari

log = logging.getLogger(__name__)

__all__ = [
    "ClassifyWidget",
    "agreement_text",
    "label_agreement",
    "least_certain_frames",
]

TABLE_COLUMNS = ["frame", "behaviour", "uncertainty"]


def least_certain_frames(
    probabilities: np.ndarray, n: int = 10, min_gap: int = 15
) -> np.ndarray:
    """Positions of the ``n`` least certain frames, ``min_gap`` frames apart.

    Parameters
    ----------
    probabilities
        ``(time, class)`` class probabilities.
    n
        Number of frames to return (fewer when the recording is short).
    min_gap
        Frames closer than this to an already chosen, less certain frame are
        skipped, so the list names separate moments rather than one bout.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` int positions on the ``time`` axis, least certain first.
    """
    uncertainty = 1.0 - np.asarray(probabilities).max(axis=1)
    chosen: list[int] = []
    for i in np.argsort(-uncertainty, kind="stable"):
        if all(abs(int(i) - j) >= min_gap for j in chosen):
            chosen.append(int(i))
            if len(chosen) == n:
                break
    return np.asarray(chosen, dtype=np.int64)


def label_agreement(labels: FrameLabels, prediction: Any) -> dict[str, float]:
    """Frame metrics of a prediction against the user's labels.

    Parameters
    ----------
    labels
        ``(time, class)`` labels of the predicted recording; frames without a
        behaviour are the model's background class (the class the labels do
        not name, e.g. ``other``), unscored frames are skipped.
    prediction
        A ``FramePrediction``: ``labels`` ``(time,)`` indices into ``names``.

    Returns
    -------
    dict
        `behavert.train.metrics.frame_metrics` over the labelled frames:
        ``n_frames``, ``accuracy``, ``macro_f1`` and ``f1/<class>`` for the
        model's classes, then any labelled class the model lacks.
    """
    from ...train.metrics import frame_metrics  # scikit-learn: imported when used

    names = [str(n) for n in prediction.names]
    background = next((n for n in names if n not in labels.names), "other")
    own = class_names_with_background(labels, background)
    classes = names + [n for n in own if n not in names]
    order = np.array([classes.index(n) for n in own])
    index = to_class_indices(labels, background)  # -100: unscored
    truth = np.where(index >= 0, order[np.clip(index, 0, None)], -100)
    return frame_metrics(truth, prediction.labels, names=classes)


def agreement_text(metrics: dict[str, float] | None, source: str = "") -> str:
    """One line on the agreement with the labels (or how to get labels)."""
    if metrics is None:
        return (
            "No labels to compare with: mark bouts in the Annotate dock "
            "or choose a label file in 'Labels'."
        )
    if "macro_f1" not in metrics:
        return f"Agreement with {source}: no labelled frame."
    per_class = ", ".join(
        f"{key[3:]} {value:.2f}" for key, value in metrics.items() if key[:3] == "f1/"
    )
    return (
        f"Agreement with {source} over {int(metrics['n_frames'])} labelled "
        f"frames: macro-F1 {metrics['macro_f1']:.2f}, accuracy "
        f"{metrics['accuracy']:.2f}. F1 per class: {per_class}."
    )


@dataclass
class _Classified:
    poses: Poses
    prediction: Any  # behavert.inference.FramePrediction
    layer_base: str
    agreement: dict[str, float] | None = None
    labels_source: str = ""


class ClassifyWidget(JobWidget):
    """Predict the behaviour of every frame of a pose layer with a trained run.

    Adds (or updates) the ``"<recording> behaviour"`` layer: the predicted
    behaviour as text and colour on every frame, with ``p_<class>`` and
    ``uncertainty`` features, and fills the table of least certain frames.

    Parameters
    ----------
    viewer
        The napari viewer whose pose layers are read.
    """

    def __init__(self, viewer: napari.viewer.Viewer) -> None:
        super().__init__(viewer)
        self._run_folder = FileEdit(mode="d", label="Classifier run")
        self._pose_layer = ComboBox(choices=self._pose_choices, label="Pose layer")
        self._n_uncertain = SpinBox(value=10, min=1, max=1000, label="Least certain")
        self._min_gap = SpinBox(value=15, min=1, max=100_000, label="Min gap (frames)")
        self._uncertain_table = Table(
            value={"data": [], "index": [], "columns": TABLE_COLUMNS}
        )
        self._uncertain_table.read_only = True
        self._labels_file = FileEdit(
            mode="r", filter="Label files (*.csv *.txt)", label="Labels (optional)"
        )
        self._labels_file.native.setToolTip(
            "Labels of this recording to compare the prediction with; empty: "
            "the Annotate dock's bouts, when there are any"
        )
        self._agreement = Label(value="")
        self._agreement.native.setWordWrap(True)
        controls = {
            "run_folder": self._run_folder,
            "pose_layer": self._pose_layer,
            "labels_file": self._labels_file,
            "n_uncertain": self._n_uncertain,
            "min_gap": self._min_gap,
        }
        self._name_controls(
            {
                **controls,
                "uncertain_table": self._uncertain_table,
                "agreement": self._agreement,
            }
        )
        self.extend(list(controls.values()))
        self._add_job_controls("Classify")
        self.extend([self._agreement, self._uncertain_table])
        self._uncertain_table.native.cellClicked.connect(
            self._on_uncertain_table_clicked
        )
        self._watch_layers()
        self.last_result: _Classified | None = None

    def _on_run_button_clicked(self, *_: object) -> Job | None:
        """Start the prediction in a worker; returns the job (None on bad input)."""
        try:
            folder = optional_path(self._run_folder.value)
            if folder is None:
                raise ValueError("choose the folder of a trained classifier run")
            name = self._pose_layer.value
            poses = poses_of(self._viewer, name)
            labels, source = self._labels_for(name, poses)
        except (ValueError, BehavertError) as exc:
            notify_error(exc, "Classify")
            return None

        def body(ctx):
            from ...inference import predict_frames  # torch, off the main thread
            from ...train.run import load_run, resolve_run

            model, tokenizer, _ = load_run(resolve_run(folder))
            ctx.check()
            prediction = predict_frames(model, tokenizer, poses, progress=ctx.progress)
            agreement = None if labels is None else label_agreement(labels, prediction)
            return _Classified(poses, prediction, base_name(name), agreement, source)

        return self._start(body, "Classify", self._on_classified)

    def _labels_for(self, name: str, poses: Poses) -> tuple[FrameLabels | None, str]:
        """The labels to compare with: the chosen file, else the annotations."""
        path = optional_path(self._labels_file.value)
        if path is not None:
            return labels_for_poses(path, poses), path.name
        stored = self._viewer.layers[name].metadata.get(ANNOTATIONS_KEY)
        if (
            isinstance(stored, FrameLabels)
            and stored.n_frames == poses.n_frames
            and (np.asarray(stored.values) > 0.5).any()  # classes but no bout: none
        ):
            return stored, "your annotations"
        return None, ""

    def _on_classified(self, result: _Classified) -> None:
        pred, poses = result.prediction, result.poses
        names = np.asarray(pred.names)
        uncertainty = 1.0 - pred.probabilities.max(axis=1)
        set_layer(
            self._viewer,
            prediction_to_layer(
                poses,
                pred.names,
                pred.labels,
                pred.probabilities,
                name=f"{result.layer_base} behaviour",
            ),
        )
        rows = least_certain_frames(
            pred.probabilities, int(self._n_uncertain.value), int(self._min_gap.value)
        )
        table = pd.DataFrame(
            {
                "frame": poses.frame_index[rows].astype(int),
                "behaviour": names[pred.labels[rows]],
                "uncertainty": np.round(uncertainty[rows], 3),
            }
        )
        self._uncertain_table.value = {
            "data": table.values.tolist(),
            "index": list(range(len(table))),
            "columns": TABLE_COLUMNS,
        }
        self.last_result = result
        self._agreement.value = agreement_text(result.agreement, result.labels_source)
        self._status.value = (
            f"Classify: {poses.n_frames} frames; least certain frame "
            f"{table['frame'].iloc[0]} ({table['uncertainty'].iloc[0]:.2f})"
            if len(table)
            else "Classify: done"
        )

    def _on_uncertain_table_clicked(self, row: int, _column: int = 0) -> Any:
        """Move the time slider to the frame of the clicked row."""
        frame = self._uncertain_table.data[row][0]
        self._viewer.dims.set_point(0, float(frame))
        return frame
