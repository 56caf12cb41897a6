"""The "Analyze" dock widget: attention and motif layers, and exported reports.

The dock runs only the steps of `behavert.report.steps` its layers need: the
frame importance (`recording_importance`) for the attention layers, the
tokens and their clustering (`embed_recordings`, `cluster_motifs`) for the
motif layers, the frame classifier's prediction for the behaviour layers, and
the attribution of the first recording for the status line. With an export
folder it runs the whole `behavert.report.analyze_runs` (whose tables and
figures it writes) and draws the same layers from its result.

The motif layer carries the frames' 2-D map (``pc1, pc2``: `map_tokens`, the
``*_frames.csv`` columns) in ``metadata["embedding"]``, so the Embedding map
dock shows one dot per frame. Under the status line, one line says what the
attention layer means for the model it came from (`attention_caption`) and a
legend gives each motif's colour (`behavert.colors.motif_legend`, the colours
of the motif layer, the timeline and the figures).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from magicgui.widgets import CheckBox, ComboBox, FileEdit, Select, SpinBox

from ...colors import motif_legend
from ...errors import BehavertError
from ...io.labels import FrameLabels
from ...io.poses import Poses
from .._notify import notify_error
from ..convert.behaviour import prediction_to_layer
from ..convert.overlays import (
    attention_caption,
    attention_to_layer,
    motifs_to_layer,
    show_colorbar,
)
from ..workers import Job
from ._common import (
    ANNOTATIONS_KEY,
    JobWidget,
    annotation_names,
    base_name,
    optional_path,
    poses_of,
    set_layer,
)
from .legend import AnalysisNotes

if TYPE_CHECKING:
    import napari

log = logging.getLogger(__name__)

__all__ = ["AnalyzeWidget"]

METHODS = ("kmeans", "gmm", "hdbscan")


@dataclass
class _Overlays:
    """What the layers of one recording show."""

    attention: np.ndarray  # (time,) frame importance, sums to 1
    motif: np.ndarray  # (time,) int, -1 = none
    motif_names: list[str]
    prediction: tuple | None = None  # (classes, labels (time,), probs (time, class))
    embedding: np.ndarray | None = None  # (time, 2) pc1, pc2 of the frames


@dataclass
class _Analysed:
    poses: list[Poses]
    bases: list[str]
    overlays: list[_Overlays]
    attribution: Any  # ranked feature groups of the first recording, or None
    kind: str  # the model: "sequence", "frame" (classifier) or "encoder"
    method: str  # the frame importance method ("grad", "rollout")
    result: Any = None  # behavert.report.RunsAnalysis when exported
    written: Path | None = None


def _export(result: Any, out: Path, annotations: list) -> Path:
    """Write the analysis tables and figures (``behavert.report.write_analysis``)."""
    from ...report import write_analysis

    out.mkdir(parents=True, exist_ok=True)
    write_analysis(result, out, annotations=annotations)
    return out


def _load(folder: Path, frame_folder: Path | None) -> tuple:
    """``(model, tokenizer, frame_model or None)`` of the chosen run folders."""
    from ...train.run import load_run, resolve_run

    model, tokenizer, _ = load_run(resolve_run(folder))
    frame_model = None
    if frame_folder is not None:
        frame_model, _, _ = load_run(resolve_run(frame_folder))
    return model, tokenizer, frame_model


def _model_kind(model: Any) -> str:
    """``"sequence"``, ``"frame"`` (classifiers) or ``"encoder"`` (pretrained)."""
    from ...inference import is_sequence_model
    from ...model import BehavertForFrameClassification

    if is_sequence_model(model):
        return "sequence"
    return "frame" if isinstance(model, BehavertForFrameClassification) else "encoder"


def _overlays_of(rec: Any) -> _Overlays:
    """The layers' inputs from a ``RecordingAnalysis`` (exported runs)."""
    frames = rec.frames
    prediction = None
    if rec.classes:
        index = {c: j for j, c in enumerate(rec.classes)}
        labels = np.array([index[b] for b in frames["behaviour"]], dtype=np.int64)
        probs = frames[[f"p_{c}" for c in rec.classes]].to_numpy()
        prediction = (rec.classes, labels, probs)
    return _Overlays(
        frames["attention"].to_numpy(),
        frames["motif"].to_numpy(),
        list(rec.motif_names),
        prediction,
        frames[["pc1", "pc2"]].to_numpy(),
    )


def _layer_steps(model, tokenizer, frame_model, poses_list, options, ctx) -> tuple:
    """Only the steps the layers need: ``(overlays, attribution, method)``."""
    from ...inference import predict_frames
    from ...report import (
        cluster_motifs,
        embed_recordings,
        map_tokens,
        recording_attribution,
        recording_importance,
    )

    total = 2 * len(poses_list) + 1
    done = iter(range(1, total + 1))

    def tick() -> None:
        ctx.progress(next(done), total)

    tokens = embed_recordings(model, tokenizer, poses_list, tick=tick)
    motifs = cluster_motifs(
        tokens,
        method=options["method"],
        n_motifs=options["n_motifs"],
        min_bout=options["min_bout"],
    )
    maps = map_tokens(tokens)
    tick()
    overlays, method = [], ""
    for poses, motif, xy in zip(poses_list, motifs.labels, maps):
        attention, method = recording_importance(model, tokenizer, poses)
        prediction = None
        if frame_model is not None:
            pred = predict_frames(frame_model, tokenizer, poses)
            prediction = (pred.names, pred.labels, pred.probabilities)
        overlays.append(_Overlays(attention, motif, motifs.names, prediction, xy))
        tick()
    attribution = None
    if options["attribution"]:
        attribution = recording_attribution(model, tokenizer, poses_list[0])
    return overlays, attribution, method


class AnalyzeWidget(JobWidget):
    """Explain a trained run on the chosen recordings, on the video.

    Adds or updates, per recording, the ``"<recording> attention"`` layer
    (keypoints coloured and sized by each frame's importance for the model's
    decision) and the ``"<recording> motifs"`` layer (keypoints coloured by
    motif, one clustering shared by all chosen recordings, with the frames'
    2-D map for the Embedding map dock); with a frame
    classifier run also ``"<recording> behaviour"``. Only the steps these
    layers need are run (module docstring); with an export folder the whole
    ``behavert.report.analyze_runs`` runs and its CSV tables and PNG/SVG
    figures are written there (``behavert.report.write_analysis``).

    Parameters
    ----------
    viewer
        The napari viewer whose pose layers are read.
    """

    def __init__(self, viewer: napari.viewer.Viewer) -> None:
        super().__init__(viewer)
        self._run_folder = FileEdit(mode="d", label="Model run")
        self._frame_run = FileEdit(mode="d", label="Classifier run (optional)")
        self._pose_layers = Select(choices=self._pose_choices, label="Pose layers")
        self._n_motifs = SpinBox(value=0, min=0, max=100, label="Motifs (0 = auto)")
        self._method = ComboBox(choices=METHODS, value="kmeans", label="Clustering")
        self._min_bout = SpinBox(value=5, min=1, max=10_000, label="Min bout (frames)")
        self._attribution = CheckBox(value=True, text="Attribution (sequence models)")
        self._export_folder = FileEdit(mode="d", label="Export folder (optional)")
        controls = {
            "run_folder": self._run_folder,
            "frame_run": self._frame_run,
            "pose_layers": self._pose_layers,
            "n_motifs": self._n_motifs,
            "method": self._method,
            "min_bout": self._min_bout,
            "attribution": self._attribution,
            "export_folder": self._export_folder,
        }
        self._name_controls(controls)
        self.extend(list(controls.values()))
        self._compact(self._pose_layers)
        self._add_job_controls("Analyze")
        self._notes = AnalysisNotes()  # the full width, under the status line
        self.native.layout().addWidget(self._notes)
        self._watch_layers()
        self.last_result: _Analysed | None = None

    def _on_run_button_clicked(self, *_: object) -> Job | None:
        """Start the analysis in a worker; returns the job (None on bad input)."""
        try:
            folder = optional_path(self._run_folder.value)
            if folder is None:
                raise ValueError("choose the folder of a trained run")
            frame_folder = optional_path(self._frame_run.value)
            names = list(self._pose_layers.value)
            if not names:
                raise ValueError("choose at least one pose layer")
            poses_list = [poses_of(self._viewer, n) for n in names]
        except (ValueError, BehavertError) as exc:
            notify_error(exc, "Analyze")
            return None
        options = {
            "n_motifs": int(self._n_motifs.value) or None,
            "method": self._method.value,
            "min_bout": int(self._min_bout.value),
            "attribution": bool(self._attribution.value),
        }
        out = optional_path(self._export_folder.value)
        bases = [base_name(n) for n in names]
        annotations = self._annotations(names, poses_list)

        def body(ctx):
            model, tokenizer, frame_model = _load(folder, frame_folder)  # torch
            kind = _model_kind(model)
            ctx.check()
            if out is None:
                overlays, attribution, method = _layer_steps(
                    model, tokenizer, frame_model, poses_list, options, ctx
                )
                return _Analysed(poses_list, bases, overlays, attribution, kind, method)
            from ...report import analyze_runs

            result = analyze_runs(
                model,
                tokenizer,
                poses_list,
                frame_model=frame_model,
                progress=ctx.progress,
                **options,
            )
            ctx.check()
            written = _export(result, out, annotations)
            overlays = [_overlays_of(rec) for rec in result.recordings]
            first = result.recordings[0]
            method = first.info["importance"]
            return _Analysed(
                poses_list,
                bases,
                overlays,
                first.attribution,
                kind,
                method,
                result,
                written,
            )

        return self._start(body, "Analyze", self._on_analysed)

    def _annotations(self, names: list[str], poses_list: list[Poses]) -> list | None:
        """Per recording the ``(time,)`` annotated names (None: not annotated)."""
        annotations = []
        for n, poses in zip(names, poses_list):
            labels = self._viewer.layers[n].metadata.get(ANNOTATIONS_KEY)
            ok = isinstance(labels, FrameLabels) and labels.n_frames == poses.n_frames
            annotations.append(annotation_names(labels) if ok else None)
        return None if all(a is None for a in annotations) else annotations

    def _on_analysed(self, analysed: _Analysed) -> None:
        for poses, base, shown in zip(
            analysed.poses, analysed.bases, analysed.overlays
        ):
            layer = set_layer(
                self._viewer,
                attention_to_layer(poses, shown.attention, name=f"{base} attention"),
            )
            show_colorbar(layer)
            set_layer(
                self._viewer,
                motifs_to_layer(
                    poses,
                    shown.motif,
                    shown.motif_names,
                    name=f"{base} motifs",
                    embedding=shown.embedding,
                ),
            )
            if shown.prediction is not None:
                set_layer(
                    self._viewer,
                    prediction_to_layer(
                        poses, *shown.prediction, name=f"{base} behaviour"
                    ),
                )
        self.last_result = analysed
        text = f"Analyze: {len(analysed.overlays[0].motif_names)} motifs"
        attribution = analysed.attribution
        if attribution is not None and len(attribution):
            top = attribution.sort_values("attribution", ascending=False)
            text += f"; top cue {top.index[0]}"
        if analysed.written is not None:
            text += f"; written to {analysed.written}"
        self._status.value = text
        first = analysed.overlays[0]
        self._notes.show_caption(
            attention_caption(analysed.kind, analysed.method, first.attention),
            attention_caption(
                analysed.kind, analysed.method, first.attention, details=True
            ),
        )
        self._notes.show_legend(motif_legend(first.motif_names))
