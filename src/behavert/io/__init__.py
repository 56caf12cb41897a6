"""Reading and writing poses, labels and videos (no torch, napari or Qt)."""

from .load import load_poses, register_loader
from .poses import Poses

__all__ = ["Poses", "load_poses", "register_loader"]
