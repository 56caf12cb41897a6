"""``load_poses``: one entry point that dispatches to the format readers.

Readers register themselves with :func:`register_loader` (like ``register_loader``
in ``movement/io/load.py``): a name, the file suffixes it claims and an optional
``sniff(path) -> bool`` that looks at the content. ``load_poses(path)`` with
``source="auto"`` asks every reader that claims the suffix to sniff the file and
uses the first that recognises it.

After parsing, ``load_poses`` checks the poses (``validate.check_poses``),
makes them frame-exact (``validate.repair_frames``: row ``t`` is frame
``frame_index[t]``; duplicated, unsorted or gapped frame numbers are repaired
with a warning, negative ones refused), sets corrupt coordinates missing
(``validate.mask_far_points``), adds default skeleton edges when the file has
none, finds the video and applies a likelihood threshold.
"""

from __future__ import annotations

import importlib
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import (
    BehavertError,
    ConfigError,
    CorruptFileError,
    NotAPoseTableError,
    UnknownFormatError,
)
from .keypoints import default_edges
from .poses import Poses
from .validate import check_file, check_poses, mask_far_points, repair_frames
from .video_lookup import VIDEO_SUFFIXES, find_video, locate_video

log = logging.getLogger(__name__)

__all__ = [
    "VIDEO_SUFFIXES",
    "LoaderSpec",
    "find_video",
    "get_loader",
    "load_poses",
    "loader_names",
    "register_loader",
]

Loader = Callable[[Path], Poses]


@dataclass(frozen=True)
class LoaderSpec:
    """A registered reader.

    Attributes
    ----------
    name
        The ``source`` name (``"dlc"``, ``"sleap"`` ...).
    func
        ``func(path) -> Poses``; stores a video path found in the file in
        ``metadata["stored_video"]``. Readers that can stitch track fragments
        also take the keyword ``max_individuals``.
    suffixes
        Lower-case file suffixes the reader claims (``".h5"``).
    sniff
        ``sniff(path) -> bool``: True when the content is this format; None means
        the suffix is enough.
    """

    name: str
    func: Loader
    suffixes: tuple[str, ...]
    sniff: Callable[[Path], bool] | None = None

    def claims(self, path: Path) -> bool:
        """Return True when the file name ends with one of the suffixes."""
        name = path.name.lower()
        return any(name.endswith(s) for s in self.suffixes)


_LOADERS: dict[str, LoaderSpec] = {}
#: Built-in reader modules, imported on first use; their order is the sniffing order.
_BUILTIN_MODULES = ("dlc", "sleap", "anipose", "simba", "calms21")
_BUILTINS_LOADED = False


def register_loader(
    name: str,
    *,
    suffixes: tuple[str, ...] | list[str] | str,
    sniff: Callable[[Path], bool] | None = None,
) -> Callable[[Loader], Loader]:
    """Register a pose reader under ``name`` (decorator).

    Parameters
    ----------
    name
        The ``source`` name users pass to :func:`load_poses`.
    suffixes
        File suffixes the reader claims, e.g. ``(".h5", ".csv")``.
    sniff
        Optional ``sniff(path) -> bool`` looking at the content; may raise a
        :class:`~behavert.errors.FileProblemError` for a damaged file.

    Examples
    --------
    >>> @register_loader("mine", suffixes=(".mine",))
    ... def load_mine(path): ...
    """
    if isinstance(suffixes, str):
        suffixes = (suffixes,)
    norm = tuple(s.lower() if s.startswith(".") else f".{s.lower()}" for s in suffixes)

    def decorator(func: Loader) -> Loader:
        _LOADERS[name] = LoaderSpec(name, func, norm, sniff)
        return func

    return decorator


def _ensure_builtin_loaders() -> None:
    """Import the built-in readers (they register on import), in sniffing order."""
    global _BUILTINS_LOADED
    if _BUILTINS_LOADED:
        return
    for module in _BUILTIN_MODULES:
        importlib.import_module(f"{__package__}.{module}")
    _BUILTINS_LOADED = True


def loader_names() -> list[str]:
    """Return the registered ``source`` names."""
    _ensure_builtin_loaders()
    return list(_LOADERS)


def get_loader(path: str | Path, source: str = "auto") -> LoaderSpec:
    """Return the reader for ``path``: by name, or by suffix and content sniffing.

    Raises
    ------
    UnknownFormatError
        No reader claims the suffix, or ``source`` is not a registered name.
    NotAPoseTableError
        Readers claim the suffix but none recognises a pose table inside.
    """
    _ensure_builtin_loaders()
    path = Path(path)
    if source != "auto":
        if source not in _LOADERS:
            raise UnknownFormatError(
                path, f"unknown source {source!r}; choose one of {sorted(_LOADERS)}"
            )
        return _LOADERS[source]
    candidates = [spec for spec in _LOADERS.values() if spec.claims(path)]
    if not candidates:
        suffixes = sorted({s for spec in _LOADERS.values() for s in spec.suffixes})
        raise UnknownFormatError(
            path,
            f"unknown pose file type {path.suffix or '(no suffix)'!r}; "
            f"readers exist for {', '.join(suffixes)}",
        )
    for spec in candidates:
        if spec.sniff is None or spec.sniff(path):
            return spec
    tried = ", ".join(spec.name for spec in candidates)
    raise NotAPoseTableError(
        path, f"no pose table found: the content is not a {tried} file"
    )


def load_poses(
    path: str | Path,
    *,
    source: str = "auto",
    video: str | Path | None = None,
    likelihood_threshold: float | None = None,
    max_individuals: int | None = None,
) -> Poses:
    """Load tracked poses from a DeepLabCut, SLEAP, Anipose or SimBA file.

    Parameters
    ----------
    path
        The pose file (``.h5``, ``.csv``, ``.slp``).
    source
        ``"auto"`` (sniff the content) or one of ``"dlc"``, ``"sleap"``,
        ``"sleap_analysis"``, ``"anipose"``, ``"simba"``.
    video
        The recording the poses belong to; found automatically when None.
    likelihood_threshold
        Points whose confidence is below it become NaN.
    max_individuals
        SLEAP files only (``"sleap"``, ``"sleap_analysis"``): stitch fragmented
        tracks (one animal split over several track IDs) into at most this many
        identities, named ``individual_0 ..``. Frame by frame, the fragments
        present are matched to identities by the distance between their
        centroid and each identity's last known centroid
        (``scipy.optimize.linear_sum_assignment``); a fragment keeps its
        identity while it lasts, one identity never holds two fragments in the
        same frame, and in frames with more fragments than identities the
        unmatched (usually new, spurious) fragments are left out. Points are
        copied, never invented. ``metadata["stitching"]`` reports which
        fragment went to which identity in which frames, and which were left
        out (see :func:`behavert.io.sleap.stitch_tracks`). None (default)
        keeps one individual per track, as stored.

    Returns
    -------
    Poses
        ``position (time, individual, keypoint, space)`` with NaN where missing.

    Raises
    ------
    FileProblemError
        Or one of its subclasses (``UnknownFormatError``, ``CorruptFileError``,
        ``NotAPoseTableError``, ``NoFramesError``), naming the file.
    ConfigError
        ``max_individuals`` is not a positive integer, or the file's reader
        does not stitch tracks.

    Warns
    -----
    AllNaNKeypointWarning, MissingVideoWarning, VideoMismatchWarning
    DataRepairWarning
        Frames were deduplicated, sorted or inserted into gaps
        (`~behavert.io.validate.repair_frames`), or points with corrupt
        coordinates set missing (`~behavert.io.validate.mask_far_points`);
        the message names the file and the counts.
    """
    path = check_file(path)
    spec = get_loader(path, source)
    options = {}
    if max_individuals is not None:
        if "max_individuals" not in inspect.signature(spec.func).parameters:
            raise ConfigError(
                f"{path}: max_individuals applies to SLEAP files; the {spec.name} "
                "reader does not stitch tracks"
            )
        options["max_individuals"] = max_individuals
    try:
        poses = spec.func(path, **options)
    except BehavertError:
        raise
    except Exception as exc:  # wrap library errors: never a bare KeyError/OSError
        raise CorruptFileError(
            path,
            f"cannot be read as a {spec.name} file ({type(exc).__name__}: {exc})",
        ) from exc
    check_poses(poses, path)
    poses = mask_far_points(repair_frames(poses, path), path)
    source_name = poses.source if poses.source not in ("", "unknown") else spec.name
    changes: dict = {"path": path, "source": source_name}
    if not poses.edges:
        changes["edges"] = default_edges(poses.keypoints)
    metadata = dict(poses.metadata)
    found, info = locate_video(path, metadata.get("stored_video"), poses, video=video)
    changes["video"] = found
    if info is not None:
        metadata["video_info"] = info
        if poses.fps is None:
            changes["fps"] = info.fps
    changes["metadata"] = metadata
    poses = poses.replace(**changes)
    return poses.with_likelihood_threshold(likelihood_threshold)
