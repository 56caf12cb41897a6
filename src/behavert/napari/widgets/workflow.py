"""The docks of the BehaVERT menu, laid out to leave the video room.

:class:`WorkflowWidget` is one dock with a tab per step, Import -> Annotate ->
Train (pretrain, then train the classifier) -> Classify -> Analyze; each step
is the same panel as its own dock, in a scroll area. The ``*PanelWidget`` and
``*ViewWidget`` classes are the menu's single docks: the same widgets, fitted
(:func:`~.layout.fit_panel`) and placed (:func:`~.layout.place_dock`) so that
with every dock open the canvas keeps at least half of a 1366x768 window and
the window never grows past the screen: panels tabbed on the right, the
Timeline and the Embedding map side by side under the canvas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qtpy.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from .analyze import AnalyzeWidget
from .annotate import AnnotateWidget
from .classify import ClassifyWidget
from .embedding import EmbeddingWidget
from .import_widget import ImportPosesWidget
from .layout import SIDE_WIDTH, VIEW_WIDTH, fit_panel, place_dock
from .pretrain import PretrainWidget
from .timeline import TimelineWidget
from .train import TrainClassifierWidget

if TYPE_CHECKING:
    import napari

__all__ = [
    "STEPS",
    "AnalyzePanelWidget",
    "AnnotatePanelWidget",
    "ClassifyPanelWidget",
    "EmbeddingViewWidget",
    "ImportPanelWidget",
    "PretrainPanelWidget",
    "TimelineViewWidget",
    "TrainPanelWidget",
    "WorkflowWidget",
]

#: The workflow's tabs, in order, with what each one is for (their tooltips).
STEPS = {
    "Import": "Open a pose file (and its video)",
    "Annotate": "Define behaviours and mark bouts (keys 1-9), or load labels",
    "Train": "Pretrain on unlabelled poses (optional), then train a classifier",
    "Classify": "Label every frame with a trained classifier",
    "Analyze": "Attention, motifs, embedding, tables and figures",
}


class WorkflowWidget(QWidget):
    """One dock for the whole loop: a tab per step, each panel scrolling.

    The panels are the step docks' own widgets: ``import_poses``, ``annotate``,
    ``pretrain``, ``train``, ``classify`` and ``analyze``. ``steps`` is the
    tab widget (object name ``workflow_steps``); the Train tab holds Pretrain
    and Train classifier as two tabs (``training_steps``).

    Parameters
    ----------
    viewer
        The napari viewer the panels work on.
    """

    def __init__(self, viewer: napari.viewer.Viewer) -> None:
        super().__init__()
        self.import_poses = ImportPosesWidget(viewer)
        self.annotate = AnnotateWidget(viewer)
        self.pretrain = PretrainWidget(viewer)
        self.train = TrainClassifierWidget(viewer)
        self.classify = ClassifyWidget(viewer)
        self.analyze = AnalyzeWidget(viewer)
        training = _tabs(
            "training_steps",
            {"Pretrain": self.pretrain.native, "Train classifier": self.train.native},
        )
        pages = [
            self.import_poses.native,
            self.annotate.native,
            training,
            self.classify.native,
            self.analyze.native,
        ]
        self.steps = _tabs("workflow_steps", dict(zip(STEPS, pages, strict=True)))
        for index, tip in enumerate(STEPS.values()):
            self.steps.setTabToolTip(index, tip)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.steps)
        self.setMaximumWidth(SIDE_WIDTH)
        place_dock(self, "side")


def _tabs(name: str, pages: dict[str, QWidget]) -> QTabWidget:
    tabs = QTabWidget()
    tabs.setObjectName(name)
    tabs.setDocumentMode(True)
    tabs.setUsesScrollButtons(True)
    for title, page in pages.items():
        if page.objectName() != "training_steps":
            fit_panel(page)
        tabs.addTab(page, title)
    return tabs


class _SidePanel:
    """Mixin: a step dock fitted as a side panel, tabbed with the others."""

    native: QWidget

    def __init__(self, viewer: napari.viewer.Viewer) -> None:
        super().__init__(viewer)  # type: ignore[call-arg]
        fit_panel(self.native)
        place_dock(self.native, "side")


class _View:
    """Mixin: a view dock placed under the canvas beside the other views."""

    view_width = 0  # px beside the other views; 0: the width they leave

    def __init__(self, viewer: napari.viewer.Viewer) -> None:
        super().__init__(viewer)  # type: ignore[call-arg]
        place_dock(self, "view", self.view_width)  # type: ignore[arg-type]


class ImportPanelWidget(_SidePanel, ImportPosesWidget):
    """The Import poses dock of the menu (see :class:`ImportPosesWidget`)."""


class AnnotatePanelWidget(_SidePanel, AnnotateWidget):
    """The Annotate behaviour dock of the menu (see :class:`AnnotateWidget`)."""


class PretrainPanelWidget(_SidePanel, PretrainWidget):
    """The Pretrain dock of the menu (see :class:`PretrainWidget`)."""


class TrainPanelWidget(_SidePanel, TrainClassifierWidget):
    """The Train classifier dock of the menu (see :class:`TrainClassifierWidget`)."""


class ClassifyPanelWidget(_SidePanel, ClassifyWidget):
    """The Classify dock of the menu (see :class:`ClassifyWidget`)."""


class AnalyzePanelWidget(_SidePanel, AnalyzeWidget):
    """The Analyze dock of the menu (see :class:`AnalyzeWidget`)."""


class TimelineViewWidget(_View, TimelineWidget):
    """The Timeline dock of the menu, under the canvas (see :class:`TimelineWidget`)."""


class EmbeddingViewWidget(_View, EmbeddingWidget):
    """The Embedding map dock of the menu, beside the Timeline."""

    view_width = VIEW_WIDTH
