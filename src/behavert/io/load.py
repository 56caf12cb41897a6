"""``load_poses``: one entry point that dispatches to the format readers.

Readers register themselves with :func:`register_loader` (like ``register_loader``
in ``movement/io/load.py``): a name, the file suffixes it claims and an optional
``sniff(path) -> bool`` that looks at the content. ``load_poses(path)`` with
``source="auto"`` asks every reader that claims the suffix to sniff the file and
uses the first that recognises it.

After parsing, ``load_poses`` checks the poses (``validate.check_poses``), adds
default skeleton edges when the file has none, finds the video and applies a
likelihood threshold.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from ..errors import (
    BehavertError,
    ConfigError,
    CorruptFileError,
    FileProblemError,
    MissingVideoWarning,
    NotAPoseTableError,
    UnknownFormatError,
    VideoMismatchWarning,
)
from .poses import Poses
from .validate import check_file, check_poses

log = logging.getLogger(__name__)

__all__ = [
    "VIDEO_SUFFIXES",
    "LoaderSpec",
    "default_edges",
    "find_video",
    "get_loader",
    "load_poses",
    "loader_names",
    "register_loader",
]

#: Suffixes tried when looking for a video next to a pose file.
VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv")

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
    source_name = poses.source if poses.source not in ("", "unknown") else spec.name
    changes: dict = {"path": path, "source": source_name}
    if not poses.edges:
        changes["edges"] = default_edges(poses.keypoints)
    metadata = dict(poses.metadata)
    found = find_video(
        path,
        metadata.get("stored_video"),
        video=video,
        n_frames=int(poses.frame_index[-1]) + 1,
    )
    changes["video"] = found
    if found is not None:
        _check_video(found, poses, path)
        if poses.fps is None:
            changes["fps"] = _video_fps(found)
    changes["metadata"] = metadata
    poses = poses.replace(**changes)
    return poses.with_likelihood_threshold(likelihood_threshold)


# ------------------------------------------------------------------ videos
_DLC_NAME = re.compile(r"^(?P<video>.+?)(?:DLC|DeepCut)_", re.IGNORECASE)


def _pure(stored: str) -> PurePosixPath | PureWindowsPath:
    return PureWindowsPath(stored) if "\\" in stored else PurePosixPath(stored)


def find_video(
    pose_path: str | Path,
    stored: str | Path | None = None,
    *,
    video: str | Path | None = None,
    n_frames: int | None = None,
) -> Path | None:
    """Find the video that belongs to a pose file.

    Order: an explicit ``video``; the ``stored`` path (as stored, relative to the
    pose file, then by file name next to the pose file); DeepLabCut naming
    ``<video>DLC_<scorer>.h5`` -> ``<video>.mp4/.avi/.mov/.mkv`` next to it, or
    the pose file's own stem. When none of these names exists and ``n_frames``
    is given, the video in the same folder is used only if it is the single
    video there and its frame count equals ``n_frames`` (the choice, or why
    nothing was chosen, is logged at INFO).

    Parameters
    ----------
    pose_path
        The pose file.
    stored
        The video path stored inside the pose file (SLEAP), if any.
    video
        A video path given by the user; it must exist.
    n_frames
        Number of pose frames (last ``frame_index`` + 1); enables the
        single-video fallback.

    Returns
    -------
    Path or None
        The video, or None when none was found.

    Raises
    ------
    FileProblemError
        An explicit ``video`` does not exist.

    Warns
    -----
    MissingVideoWarning
        The pose file names a video that cannot be found.
    """
    pose_path = Path(pose_path)
    folder = pose_path.parent
    if video is not None:
        video = Path(video).expanduser()
        if not video.is_file():
            raise FileProblemError(video, "video file does not exist")
        return video
    if stored is not None and str(stored).strip():
        text = str(stored).strip()
        pure = _pure(text)
        tries = [Path(text), folder / text, folder / pure.name]
        for candidate in tries:
            if candidate.is_file():
                return candidate
    match = _DLC_NAME.match(pose_path.name)
    stems = [match.group("video")] if match else []
    stems.append(pose_path.name.split(".")[0])
    for stem in stems:
        for suffix in VIDEO_SUFFIXES:
            candidate = folder / f"{stem}{suffix}"
            if candidate.is_file():
                return candidate
    if n_frames is not None:
        single = _single_video_with_frames(pose_path, n_frames)
        if single is not None:
            return single
    if stored is not None and str(stored).strip():
        warnings.warn(
            f"{pose_path.name}: video {str(stored)!r} named in the file was not "
            f"found (looked as stored and next to the pose file); poses still load",
            MissingVideoWarning,
            stacklevel=3,
        )
    return None


def _single_video_with_frames(pose_path: Path, n_frames: int) -> Path | None:
    """The only video next to ``pose_path``, if its frame count is ``n_frames``."""
    folder = pose_path.parent
    try:
        videos = sorted(
            p
            for p in folder.iterdir()
            if p.suffix.lower() in VIDEO_SUFFIXES and p.is_file()
        )
    except OSError as exc:
        log.info("%s: cannot list %s for a video (%s)", pose_path.name, folder, exc)
        return None
    if len(videos) != 1:
        if videos:
            log.info(
                "%s: no video named after it and %d videos in %s; none chosen",
                pose_path.name,
                len(videos),
                folder,
            )
        return None
    count = getattr(_video_module(), "count_frames", None)
    if count is None:
        return None
    try:
        n_video = int(count(videos[0]))
    except Exception as exc:
        log.info("%s: cannot count frames of %s: %s", pose_path.name, videos[0], exc)
        return None
    if n_video != n_frames:
        log.info(
            "%s: not using %s, the only video in its folder: it has %d frames, "
            "the poses %d",
            pose_path.name,
            videos[0].name,
            n_video,
            n_frames,
        )
        return None
    log.info(
        "%s: using %s, the only video in its folder, whose %d frames equal the "
        "pose frames (no video is named after the pose file)",
        pose_path.name,
        videos[0].name,
        n_video,
    )
    return videos[0]


def _video_module():
    try:
        from . import video as module
    except Exception as exc:  # the video reader is optional here
        log.debug("behavert.io.video unavailable: %s", exc)
        return None
    return module


def _check_video(video: Path, poses: Poses, path: Path) -> None:
    module = _video_module()
    count = getattr(module, "count_frames", None)
    if count is None:
        return
    try:
        n_video = int(count(video))
    except Exception as exc:
        log.warning("could not count the frames of %s: %s", video, exc)
        return
    n_poses = int(poses.frame_index[-1]) + 1
    if n_video != n_poses:
        warnings.warn(
            f"{path.name}: video {video.name} has {n_video} frames but the poses "
            f"end at frame {n_poses - 1} ({n_poses} frames expected)",
            VideoMismatchWarning,
            stacklevel=3,
        )


def _video_fps(video: Path) -> float | None:
    fps = getattr(_video_module(), "video_fps", None)
    if fps is None:
        return None
    try:
        return fps(video)
    except Exception as exc:
        log.warning("could not read the frame rate of %s: %s", video, exc)
        return None


# ------------------------------------------------------------------ skeleton
def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


#: (role, pattern on the normalised name); the first matching role wins.
_ROLES: tuple[tuple[str, str], ...] = (
    ("tailtip", r"^tail(tip|end)$|^(tip|end)(of)?tail$"),
    ("tailbase", r"^(tailbase|basetail|tailroot|butt.*|.*proximaltail|tail0?)$"),
    ("tail", r"^tail(mid|middle|center|centre|\d+)$|^(mid|middle)tail$"),
    ("ear", r"^(left|right|l|r)?ear(left|right|l|r)?\d*$"),
    ("nose", r"^(nose|snout)$"),
    ("head", r"^head(center|centre)?$"),
    ("neck", r"^(neck|nape)$"),
    ("spine", r"^(spine|back)\d*$"),
    ("center", r"^(center|centre|centroid|body|bodycenter|bodycentre|mid|midback)$"),
    ("front", r".*(fhip|forepaw|frontpaw|forelimb|foreleg|shoulder).*"),
    ("back", r".*(bhip|hip|hindpaw|backpaw|hindlimb|hindleg).*"),
    ("lateral", r"^lat(eral)?(left|right|l|r)$|^(left|right)(side|lateral)$"),
)
_AXIS_RANK = {"nose": 0, "head": 1, "neck": 2, "center": 4, "tailbase": 20}


def default_edges(
    keypoints: tuple[str, ...] | list[str],
) -> tuple[tuple[int, int], ...]:
    """Guess skeleton edges from mouse body-part names.

    Names are matched case-, space- and punctuation-insensitively: ``nose``/
    ``snout`` to the ears, ears to ``neck`` (else ``head``), the axial chain
    nose-head-neck-spine/center-tail base-tail-tail tip, front limbs/hips to the
    front of the spine, hind limbs/hips to the tail base and lateral points to
    the body center. Names that match nothing stay unconnected; when no name
    matches at all the keypoints are linked as a chain in file order.

    Parameters
    ----------
    keypoints
        Keypoint names, one per ``keypoint`` index.

    Returns
    -------
    tuple of (int, int)
        Edges as pairs of keypoint indices.
    """
    roles: dict[str, list[int]] = {}
    spine_rank: dict[int, float] = {}
    for i, name in enumerate(keypoints):
        norm = _norm(str(name))
        for role, pattern in _ROLES:
            if re.match(pattern, norm):
                roles.setdefault(role, []).append(i)
                if role in ("spine", "tail"):
                    digits = re.findall(r"\d+", norm)
                    spine_rank[i] = float(digits[-1]) if digits else 1.5
                break
    # ordered axial chain: (rank, index)
    axis: list[tuple[float, int]] = []
    for role, rank in _AXIS_RANK.items():
        axis.extend((rank, i) for i in roles.get(role, []))
    for i in roles.get("spine", []):  # spine_1 before center, spine_2 after
        axis.append((3.0 if spine_rank[i] <= 1 else 4 + spine_rank[i], i))
    for i in roles.get("tail", []):
        axis.append((21 + spine_rank[i], i))
    axis.extend((100, i) for i in roles.get("tailtip", []))
    chain = [i for _, i in sorted(axis)]
    edges = list(zip(chain[:-1], chain[1:]))

    def first(*names: str) -> int | None:
        for role in names:
            if roles.get(role):
                return roles[role][0]
        return None

    spine = sorted(roles.get("spine", []), key=spine_rank.get)
    for ear in roles.get("ear", []):
        edges.extend(
            (a, ear) for a in (first("nose"), first("neck", "head")) if a is not None
        )
    anchors = {
        "front": first("neck")
        if "neck" in roles
        else (spine[0] if spine else first("center", "head", "nose")),
        "back": first("tailbase")
        if "tailbase" in roles
        else (spine[-1] if spine else first("center")),
        "lateral": first("center")
        if "center" in roles
        else (spine[len(spine) // 2] if spine else first("neck", "tailbase")),
    }
    for role, anchor in anchors.items():
        if anchor is not None:
            edges.extend((anchor, i) for i in roles.get(role, []))
    edges = list(dict.fromkeys((a, b) for a, b in edges if a != b))
    if not edges and len(keypoints) > 1:
        edges = [(i, i + 1) for i in range(len(keypoints) - 1)]
    return tuple(edges)
