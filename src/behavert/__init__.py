"""napari-behavert: BehaVERT, a BERT-style transformer that reads animal behaviour.

The package root imports neither torch, napari nor Qt, so ``import behavert`` and
``behavert.load_poses`` stay light. Model code lives in ``behavert.model`` and
the napari shell in ``behavert.napari``.
"""

from __future__ import annotations

try:
    from ._version import version as __version__
except ImportError:  # pragma: no cover - not installed
    __version__ = "0.0.0+unknown"

from .errors import BehavertError
from .io.load import load_poses
from .io.poses import Poses
from .io.project import load_project

__all__ = ["BehavertError", "Poses", "__version__", "load_poses", "load_project"]
