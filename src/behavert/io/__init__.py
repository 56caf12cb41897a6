"""Reading and writing poses, labels and videos (no torch, napari or Qt).

``load_poses`` dispatches to the readers registered with ``register_loader``
(DeepLabCut, SLEAP, SLEAP analysis, Anipose, SimBA); the readers themselves are
imported on first use, so importing this package stays light.
"""

from .keypoints import default_edges
from .load import get_loader, load_poses, loader_names, register_loader
from .movement import from_movement, to_movement
from .poses import Poses
from .project import Project, find_project, load_project
from .video_lookup import find_video

__all__ = [
    "Poses",
    "Project",
    "default_edges",
    "find_project",
    "find_video",
    "from_movement",
    "get_loader",
    "load_project",
    "load_poses",
    "loader_names",
    "register_loader",
    "to_movement",
]
