"""The Analyze dock's notes: what the attention layer means, and the motif legend.

A plain Qt panel the full width of the dock (no form label column): one
word-wrapped line (``attention_caption``; its tooltip holds the details) and
one colour swatch and name per motif, ``columns`` to a row. The colours and
names come from `behavert.colors.motif_legend`, the same as the motif layer,
the timeline and the report's figures.
"""

from __future__ import annotations

from collections.abc import Sequence

from qtpy.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

__all__ = ["AnalysisNotes"]

SWATCH = 14  # px
#: The attention line before the first analysis.
WAITING = "After Analyze: what the attention layer shows, and the motif colours."


class AnalysisNotes(QWidget):
    """The attention line and the motif legend of the Analyze dock.

    Child object names: ``attention_caption`` (QLabel), ``motif_legend`` (the
    grid), and per motif ``k`` ``motif_swatch_<k>`` (a QLabel filled with the
    motif's colour) and ``motif_name_<k>`` (its ``"M<k>: <name>"``).

    Parameters
    ----------
    columns
        Motifs per row of the legend.
    """

    def __init__(self, columns: int = 2) -> None:
        super().__init__()
        self.setObjectName("analysis_notes")
        self._columns = columns
        self.caption = QLabel(WAITING)
        self.caption.setObjectName("attention_caption")
        self.caption.setWordWrap(True)
        self._grid_widget = QWidget()
        self._grid_widget.setObjectName("motif_legend")
        self._grid = QGridLayout(self._grid_widget)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(10)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.caption)
        layout.addWidget(self._grid_widget)

    def show_caption(self, text: str, details: str = "") -> None:
        """Show the attention line (``details`` as its tooltip)."""
        self.caption.setText(text)
        self.caption.setToolTip(details)

    def show_legend(self, entries: Sequence[tuple[str, str]]) -> None:
        """Show ``(label, hex colour)`` entries (`behavert.colors.motif_legend`)."""
        while self._grid.count():
            widget = self._grid.takeAt(0).widget()
            if widget is not None:
                widget.setParent(None)  # gone now, not at the next event loop
                widget.deleteLater()
        for k, (text, color) in enumerate(entries):
            swatch = QLabel("")
            swatch.setObjectName(f"motif_swatch_{k}")
            swatch.setFixedSize(SWATCH, SWATCH)
            swatch.setStyleSheet(
                f"background-color: {color}; border: 1px solid #202020;"
            )
            name = QLabel(text)
            name.setObjectName(f"motif_name_{k}")
            name.setToolTip(text)
            cell = QWidget()
            row = QHBoxLayout(cell)
            row.setContentsMargins(0, 0, 0, 0)
            row.addWidget(swatch)
            row.addWidget(name, 1)
            self._grid.addWidget(cell, k // self._columns, k % self._columns)
