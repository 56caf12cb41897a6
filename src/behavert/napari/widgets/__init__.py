"""Dock widgets of napari-behavert (magicgui Containers)."""

from .import_widget import ImportPosesWidget

__all__ = ["ImportPosesWidget"]
