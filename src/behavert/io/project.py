"""Projects, not only files: a DeepLabCut project or a folder of SLEAP files.

A DeepLabCut user thinks in projects (``config.yaml``, ``videos/``, one or more
prediction files per video); a SLEAP user in a folder of ``.slp`` files.
`find_project` lists a project's recordings (one pose file per video) and
`load_project` loads them with their videos.

DeepLabCut: prediction tables (``.h5``, else ``.csv``) are looked for in the
project folder and its ``videos/`` (never in ``labeled-data/``,
``training-datasets/`` or ``dlc-models*/``). Files of one video share the name
before ``DLC``/``DeepCut`` (``<video>DLC_<network>...``); for each video the
``*_filtered`` file is preferred when present, then the newest. A file named
otherwise is a recording of its own. The videos are found by `load_poses`
(the naming rules of `behavert.io.video_lookup`).

SLEAP: every ``.slp`` in the folder (recursively); a SLEAP analysis ``.h5`` is
used only where no ``.slp`` of the same name exists.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import FileProblemError

log = logging.getLogger(__name__)

__all__ = ["Project", "find_project", "load_project"]

_SKIP = ("labeled-data", "training-datasets", "dlc-models", "dlc-models-pytorch")
_VIDEO_OF = re.compile(r"^(?P<video>.+?)(?:DLC|DeepCut)_", re.IGNORECASE)


@dataclass(frozen=True)
class Project:
    """A project's recordings.

    Attributes
    ----------
    path
        The project folder.
    kind
        ``"dlc"`` (a ``config.yaml``) or ``"sleap"`` (a folder of SLEAP files).
    files
        One pose file per recording, sorted by name.
    config
        The DeepLabCut ``config.yaml`` as a dict (empty for SLEAP).
    """

    path: Path
    kind: str
    files: tuple[Path, ...]
    config: dict

    def __len__(self) -> int:
        return len(self.files)


def _read_config(path: Path) -> dict:
    import yaml

    try:
        with open(path, encoding="utf-8") as fh:
            config = yaml.safe_load(fh) or {}
    except (OSError, yaml.YAMLError) as error:
        raise FileProblemError(
            path, f"unreadable DeepLabCut config: {error}"
        ) from error
    if not isinstance(config, dict):
        raise FileProblemError(path, "is not a DeepLabCut config (not a mapping)")
    return config


def _dlc_tables(folder: Path) -> list[Path]:
    from .dlc import sniff_dlc

    found = []
    for where in (folder, folder / "videos"):
        for path in sorted(where.glob("*")) if where.is_dir() else []:
            if path.suffix.lower() not in (".h5", ".csv") or not path.is_file():
                continue
            try:
                if sniff_dlc(path):
                    found.append(path)
            except FileProblemError:  # not a table: not a recording
                log.info("project %s: %s is not a DLC table", folder, path.name)
    return found


def _newest_per_video(tables: list[Path]) -> list[Path]:
    """One table per video: ``*_filtered`` first, then the newest, .h5 before .csv."""
    groups: dict[str, list[Path]] = {}
    for path in tables:
        match = _VIDEO_OF.match(path.stem)
        key = match.group("video") if match else path.stem
        groups.setdefault(f"{path.parent}/{key}", []).append(path)

    def rank(path: Path):
        filtered = path.stem.endswith("_filtered")
        return (filtered, path.stat().st_mtime_ns, path.suffix.lower() == ".h5")

    return sorted(max(group, key=rank) for group in groups.values())


def _sleap_files(folder: Path) -> list[Path]:
    slp = sorted(p for p in folder.rglob("*.slp") if p.is_file())
    have = {p.with_suffix("") for p in slp}
    analysis = [
        p
        for p in sorted(folder.rglob("*.analysis.h5"))
        if Path(str(p)[: -len(".analysis.h5")]) not in have
    ]
    return sorted(slp + analysis)


def find_project(path: str | Path) -> Project:
    """The recordings of a DeepLabCut project or a folder of SLEAP files.

    Parameters
    ----------
    path
        A DeepLabCut project folder (with ``config.yaml``), its ``config.yaml``,
        or a folder holding SLEAP ``.slp`` / analysis ``.h5`` files.

    Raises
    ------
    FileProblemError
        Naming the folder when it does not exist or holds no recording.
    """
    path = Path(path)
    if path.is_file() and path.name == "config.yaml":
        path = path.parent
    if not path.is_dir():
        raise FileProblemError(path, "is not a project folder (it does not exist)")
    if (path / "config.yaml").is_file():
        config = _read_config(path / "config.yaml")
        files = _newest_per_video(_dlc_tables(path))
        kind = "dlc"
        what = "no DeepLabCut prediction table (.h5/.csv) in it or in videos/"
    else:
        config, files, kind = {}, _sleap_files(path), "sleap"
        what = "no config.yaml (DeepLabCut) and no SLEAP .slp or analysis .h5 files"
    if not files:
        raise FileProblemError(path, f"holds no recording: {what}")
    return Project(path=path, kind=kind, files=tuple(files), config=config)


def load_project(path: str | Path, **kwargs) -> list:
    """Load every recording of a project with its video (`find_project`).

    Keywords go to `behavert.io.load_poses` (``likelihood_threshold``,
    ``max_individuals``, ...). A DeepLabCut project's ``skeleton`` becomes the
    poses' edges (as for a single file); a recording whose body parts differ
    from the config's is loaded and reported in the log.
    """
    from .load import load_poses

    project = find_project(path)
    poses_list = [load_poses(f, **kwargs) for f in project.files]
    parts = project.config.get("bodyparts") or project.config.get(
        "multianimalbodyparts"
    )
    for poses in poses_list:
        if isinstance(parts, list) and parts and set(parts) != set(poses.keypoints):
            log.warning(
                "%s: body parts %s differ from %s's %s",
                poses.path,
                list(poses.keypoints),
                project.path / "config.yaml",
                parts,
            )
    return poses_list
