"""``PoseTokenizer``: poses -> one normalised feature vector per frame.

Per animal: egocentric keypoints (centred on the body centre, rotated so the
heading points along +x, scaled by the body length), keypoint velocities, centre
speed, angular velocity and one mask channel per keypoint (1 = missing). Per
pair of animals: relative position and heading, nose-to-nose,
nose-to-tail-base and centre-to-centre distances (in body lengths). Features
are normalised with robust statistics (median / IQR) fitted on training poses,
clipped, and missing values become 0.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import (
    BehavertError,
    ConfigError,
    CorruptFileError,
    ModelFileError,
    SkeletonMismatchError,
)
from ..io.poses import Poses
from .features import References, body_lengths, compute_features
from .gaps import fill_gaps

logger = logging.getLogger(__name__)

TOKENIZER_FILE = "tokenizer.json"
FORMAT = "behavert-tokenizer"
VERSION = 1

NOSE = ("nose", "snout", "head", "beak", "mouth")
FRONT = ("neck", "nose", "snout", "head", "headcentre", "headcenter")
TAIL_BASE = (
    "tail_base", "tailbase", "tail_root", "tailroot", "base_of_tail", "tail_1",
    "tail", "butt/proximal tail", "butt", "rump", "abdomen",
    "left_hip+right_hip", "lefthip+righthip", "left_bhip+right_bhip",
    "hip_left+hip_right", "left_hindpaw+right_hindpaw", "hind_paw_l+hind_paw_r",
)  # fmt: skip
CENTRE = (
    "center", "centre", "centroid", "body", "body_center", "mid", "spine",
    "spine_1", "spine_2", "spine_3", "spine1", "spine2", "spine3", "back",
    "thorax", "neck", "tail_base", "tailbase", "tail", "left_hip", "right_hip",
    "lefthip", "righthip", "left_bhip", "right_bhip", "left_fhip", "right_fhip",
    "lat_left", "lat_right",
)  # fmt: skip


@dataclass(frozen=True)
class TokenizerConfig:
    """How poses become features.

    Parameters
    ----------
    egocentric
        Express keypoints in each animal's own frame (centre + heading); if
        False, arena coordinates divided by the body length.
    relations
        Add pairwise features between animals.
    velocities
        Add keypoint velocities, centre speed and angular velocity.
    velocity_lag
        Frames between the two positions of a velocity.
    clip
        Normalised features are clipped to ``[-clip, clip]``.
    nose_keypoints, front_keypoints, tail_base_keypoints, centre_keypoints
        Reference keypoint names in order of preference (``"a+b"`` = mean of
        two keypoints). Matching ignores case and punctuation. The nose falls
        back to the first keypoint, the heading front (``front_keypoints``) to
        the first keypoint, the tail base to the last; the body centre is the
        mean of the available ``centre_keypoints`` (torso), else the centroid.
    max_fit_frames
        At most this many frames (evenly subsampled) feed the statistics.
    max_gap
        Gaps in a keypoint's track of up to this many frames, between two
        tracked frames, are filled by linear interpolation before features are
        computed (``behavert.data.gaps.fill_gaps``); 0 (the default) fills
        nothing. 300 helped on the rat sessions (a third of the keypoints
        untracked; ``behavert pretrain --max-gap 300``) and broke the synthetic
        genotype recipe, so it is not the default. Tokenizer files saved before
        this setting existed load with 0.
    """

    egocentric: bool = True
    relations: bool = True
    velocities: bool = True
    velocity_lag: int = 1
    clip: float = 10.0
    nose_keypoints: tuple[str, ...] = NOSE
    front_keypoints: tuple[str, ...] = FRONT
    tail_base_keypoints: tuple[str, ...] = TAIL_BASE
    centre_keypoints: tuple[str, ...] = CENTRE
    max_fit_frames: int = 200_000
    max_gap: int = 0

    def __post_init__(self) -> None:
        for name in (
            "nose_keypoints",
            "front_keypoints",
            "tail_base_keypoints",
            "centre_keypoints",
        ):
            value = getattr(self, name)
            if isinstance(value, str):
                value = (value,)
            object.__setattr__(self, name, tuple(str(v) for v in value))
        if int(self.velocity_lag) != self.velocity_lag or self.velocity_lag < 1:
            raise ConfigError(
                f"velocity_lag must be an integer >= 1, got {self.velocity_lag}"
            )
        if not self.clip > 0:
            raise ConfigError(f"clip must be > 0, got {self.clip}")
        if int(self.max_gap) != self.max_gap or self.max_gap < 0:
            raise ConfigError(f"max_gap must be an integer >= 0, got {self.max_gap}")
        object.__setattr__(self, "max_gap", int(self.max_gap))
        if self.max_fit_frames < 1:
            raise ConfigError(f"max_fit_frames must be >= 1, got {self.max_fit_frames}")
        object.__setattr__(self, "velocity_lag", int(self.velocity_lag))
        object.__setattr__(self, "clip", float(self.clip))

    def to_dict(self) -> dict:
        """JSON-ready dictionary."""
        return {k: list(v) if isinstance(v, tuple) else v
                for k, v in dataclasses.asdict(self).items()}  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict) -> TokenizerConfig:
        """Inverse of ``to_dict``; unknown keys are an error."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ConfigError(f"unknown TokenizerConfig keys {sorted(unknown)}")
        return cls(**data)


class PoseTokenizer:
    """Turn ``Poses`` into ``(time, feature)`` float32 arrays.

    Parameters
    ----------
    config
        Feature options; defaults to ``TokenizerConfig()``.

    Examples
    --------
    >>> tokenizer = PoseTokenizer().fit([poses])  # doctest: +SKIP
    >>> features = tokenizer.transform(poses)     # (time, feature) float32
    """

    def __init__(self, config: TokenizerConfig | None = None) -> None:
        self.config = config or TokenizerConfig()
        self.keypoints: tuple[str, ...] | None = None
        self.individuals: tuple[str, ...] | None = None
        self.n_space: int | None = None
        self.body_length: float | None = None
        self.median: np.ndarray | None = None
        self.scale: np.ndarray | None = None
        self._names: list[str] = []
        self._groups: dict[str, list[int]] = {}

    # ------------------------------------------------------------ properties
    @property
    def is_fitted(self) -> bool:
        """Whether statistics were fitted or loaded."""
        return self.median is not None

    def _require_fitted(self) -> None:
        if not self.is_fitted:
            raise BehavertError(
                "the PoseTokenizer is not fitted: call .fit(list_of_poses) or "
                "PoseTokenizer.load(folder) first"
            )

    @property
    def feature_size(self) -> int:
        """Length of one frame's feature vector."""
        self._require_fitted()
        return len(self._names)

    @property
    def feature_names(self) -> list[str]:
        """Human-readable name of every feature (``feature`` axis)."""
        self._require_fitted()
        return list(self._names)

    @property
    def feature_groups(self) -> dict[str, list[int]]:
        """Group name -> feature indices.

        Body parts (``"resident/nose"``), animals (``"resident"``), pairs
        (``"resident-intruder"``) and kinds (``"egocentric position"``,
        ``"keypoint velocity"``, ``"missing keypoint"``, ``"centre speed"``,
        ``"angular velocity"``, ``"relative position"``, ``"relative heading"``,
        ``"nose-to-nose distance"``, ``"nose-to-tail-base distance"``,
        ``"centre-to-centre distance"``). Groups overlap.
        """
        self._require_fitted()
        return {k: list(v) for k, v in self._groups.items()}

    @property
    def skeleton(self) -> dict:
        """The expected skeleton: keypoints, individuals and space."""
        self._require_fitted()
        return {
            "keypoints": list(self.keypoints),
            "individuals": list(self.individuals),
            "n_individuals": len(self.individuals),
            "n_space": self.n_space,
        }

    def _references(self, keypoints: Sequence[str]) -> References:
        c = self.config
        return References.from_names(
            keypoints,
            nose=c.nose_keypoints,
            front=c.front_keypoints,
            back=c.tail_base_keypoints,
            centre=c.centre_keypoints,
        )

    # ---------------------------------------------------------- compatibility
    def _mismatch(self, poses: Poses) -> list[str]:
        problems = []
        missing = [k for k in self.keypoints if k not in poses.keypoints]
        extra = [k for k in poses.keypoints if k not in self.keypoints]
        if missing:
            problems.append(f"missing keypoints {missing}")
        if extra:
            problems.append(f"extra keypoints {extra}")
        if poses.n_individuals != len(self.individuals):
            problems.append(
                f"{poses.n_individuals} individuals {list(poses.individuals)} "
                f"instead of {len(self.individuals)} {list(self.individuals)}"
            )
        if poses.n_space != self.n_space:
            problems.append(f"{poses.n_space}D instead of {self.n_space}D")
        return problems

    def check_compatible(self, poses: Poses) -> None:
        """Raise ``SkeletonMismatchError`` if ``poses`` differ from the fitted skeleton.

        Keypoint order and individual names may differ (keypoints are matched
        by name; individuals by name when the names match, else by order).
        """
        self._require_fitted()
        problems = self._mismatch(poses)
        if problems:
            where = poses.path or poses.source
            raise SkeletonMismatchError(
                f"{where}: poses do not fit this tokenizer: " + "; ".join(problems)
            )

    def _aligned_position(self, poses: Poses) -> np.ndarray:
        """``(time, individual, keypoint, space)`` in the fitted order."""
        position = poses.position
        kp_order = [poses.keypoints.index(k) for k in self.keypoints]
        if list(kp_order) != list(range(poses.n_keypoints)):
            position = position[:, :, kp_order]
        if set(poses.individuals) == set(self.individuals):
            ind_order = [poses.individuals.index(i) for i in self.individuals]
            if ind_order != list(range(poses.n_individuals)):
                position = position[:, ind_order]
        return np.where(np.isfinite(position), position, np.nan)

    # ------------------------------------------------------------- fit/apply
    def _raw(self, position: np.ndarray) -> tuple[np.ndarray, list, dict]:
        """Raw features; short gaps are bridged, the mask channels keep them."""
        c = self.config
        missing = np.isnan(position[..., 0])
        if c.max_gap:
            position = fill_gaps(position, c.max_gap)[0]
        return compute_features(
            position,
            self.keypoints,
            self.individuals,
            self._references(self.keypoints),
            self.body_length,
            egocentric=c.egocentric,
            relations=c.relations,
            velocities=c.velocities,
            lag=c.velocity_lag,
            missing=missing,
        )

    def fit(self, poses_list: Sequence[Poses] | Poses) -> PoseTokenizer:
        """Fit the body length and feature statistics on training poses.

        Parameters
        ----------
        poses_list
            Recordings sharing one skeleton (the first one defines it).

        Returns
        -------
        PoseTokenizer
            ``self``, fitted.
        """
        if isinstance(poses_list, Poses):
            poses_list = [poses_list]
        poses_list = list(poses_list)
        if not poses_list:
            raise ValueError("fit needs at least one Poses")
        first = poses_list[0]
        self.keypoints = first.keypoints
        self.individuals = first.individuals
        self.n_space = first.n_space
        for poses in poses_list[1:]:
            problems = self._mismatch(poses)
            if problems:
                raise SkeletonMismatchError(
                    f"{poses.path or poses.source}: skeleton differs from the first "
                    "recording given to fit: " + "; ".join(problems) + " (map "
                    "every recording onto one skeleton first: behavert pretrain "
                    "--skeleton REF, or behavert.data.skeleton.to_skeleton)"
                )
        positions = [self._aligned_position(p) for p in poses_list]
        refs = self._references(self.keypoints)
        lengths = np.concatenate([body_lengths(p, refs) for p in positions])
        lengths = lengths[np.isfinite(lengths) & (lengths > 0)]
        self.body_length = float(np.median(lengths)) if lengths.size else 1.0
        total = sum(p.shape[0] for p in positions)
        step = max(1, int(np.ceil(total / self.config.max_fit_frames)))
        samples = []
        for position in positions:
            raw, names, groups = self._raw(position)
            samples.append(raw[::step])
        self._names, self._groups = names, groups
        self.median, self.scale = robust_statistics(
            np.concatenate(samples), groups.get("missing keypoint", [])
        )
        logger.info(
            "fitted PoseTokenizer on %d frames: %d features, body length %.3g",
            total,
            len(names),
            self.body_length,
        )
        return self

    def transform(self, poses: Poses) -> np.ndarray:
        """Features of every frame.

        Parameters
        ----------
        poses
            A recording with the fitted skeleton.

        Returns
        -------
        np.ndarray
            ``(time, feature)`` float32, normalised and clipped, 0 where a
            feature is undefined (see the ``missing`` mask channels); never NaN.
        """
        self.check_compatible(poses)
        raw, _, _ = self._raw(self._aligned_position(poses))
        out = (raw - self.median) / self.scale
        np.clip(out, -self.config.clip, self.config.clip, out=out)
        out[np.isnan(out)] = 0.0
        assert np.isfinite(out).all(), "PoseTokenizer produced non-finite features"
        return out

    def fit_transform(self, poses_list: Sequence[Poses]) -> list[np.ndarray]:
        """``fit`` then ``transform`` each recording."""
        self.fit(poses_list)
        return [self.transform(p) for p in poses_list]

    # ----------------------------------------------------------- save/load
    def to_dict(self) -> dict:
        """JSON-ready state: config, skeleton, body length and statistics."""
        self._require_fitted()
        return {
            "format": FORMAT,
            "version": VERSION,
            "config": self.config.to_dict(),
            "skeleton": self.skeleton,
            "body_length": self.body_length,
            "feature_names": self._names,
            "statistics": {
                "median": self.median.astype(float).tolist(),
                "scale": self.scale.astype(float).tolist(),
            },
        }

    def save(self, folder: str | Path) -> Path:
        """Write ``folder/tokenizer.json`` (creating the folder); return its path."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / TOKENIZER_FILE
        path.write_text(json.dumps(self.to_dict(), indent=1))
        return path

    @classmethod
    def load(cls, folder: str | Path) -> PoseTokenizer:
        """Read a tokenizer saved by ``save`` (a folder or the json file itself)."""
        path = Path(folder)
        if path.is_dir():
            path = path / TOKENIZER_FILE
        if not path.is_file():
            raise ModelFileError(path, f"no {TOKENIZER_FILE} (tokenizer) found")
        try:
            data = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise CorruptFileError(path, f"unreadable tokenizer file: {err}") from err
        try:
            return cls._from_dict(data)
        except (KeyError, TypeError, ValueError) as err:
            raise ModelFileError(path, f"invalid tokenizer file: {err}") from err

    @classmethod
    def _from_dict(cls, data: dict) -> PoseTokenizer:
        if data.get("format") != FORMAT:
            raise ValueError(f"format is {data.get('format')!r}, not {FORMAT!r}")
        if data.get("version", 0) > VERSION:
            raise ValueError(f"version {data['version']} is newer than {VERSION}")
        # files written before max_gap existed did not fill gaps
        self = cls(TokenizerConfig.from_dict({"max_gap": 0, **data["config"]}))
        skeleton = data["skeleton"]
        self.keypoints = tuple(skeleton["keypoints"])
        self.individuals = tuple(skeleton["individuals"])
        self.n_space = int(skeleton["n_space"])
        self.body_length = float(data["body_length"])
        if not (np.isfinite(self.body_length) and self.body_length > 0):
            raise ValueError(f"body_length must be > 0, got {self.body_length}")
        dummy = np.zeros((2, len(self.individuals), len(self.keypoints), self.n_space))
        _, self._names, self._groups = self._raw(dummy)
        stats = data["statistics"]
        self.median = np.asarray(stats["median"], dtype=np.float32)
        self.scale = np.asarray(stats["scale"], dtype=np.float32)
        _check_statistics(self.median, self.scale, len(self._names))
        if data.get("feature_names", self._names) != self._names:
            raise ValueError("feature names differ from this version's features")
        return self

    def __repr__(self) -> str:
        if not self.is_fitted:
            return "PoseTokenizer(unfitted)"
        return (
            f"PoseTokenizer({len(self.individuals)} individuals, "
            f"{len(self.keypoints)} keypoints, {self.n_space}D, "
            f"{self.feature_size} features)"
        )


def _check_statistics(median: np.ndarray, scale: np.ndarray, n: int) -> None:
    """Refuse statistics that would give wrong or NaN features (ValueError)."""
    if median.shape != (n,) or scale.shape != (n,):
        raise ValueError(f"statistics do not have {n} features")
    if not np.isfinite(median).all():
        raise ValueError("statistics: a median is not finite")
    bad = np.flatnonzero(~(np.isfinite(scale) & (scale > 0)))
    if bad.size:
        raise ValueError(
            f"statistics: {bad.size} scales are zero, negative or not finite "
            f"(features {bad[:5].tolist()}); a feature divided by them is NaN"
        )


def robust_statistics(
    features: np.ndarray, mask_columns: Sequence[int] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature median and robust scale (IQR / 1.349) ignoring NaN.

    Parameters
    ----------
    features
        ``(time, feature)`` raw features, NaN where undefined.
    mask_columns
        Indices of 0/1 mask channels, left unnormalised (median 0, scale 1).

    Returns
    -------
    median, scale
        ``(feature,)`` float32 each. The scale falls back to the standard
        deviation, then to 1, where the IQR is (near) zero; all-NaN features get
        median 0 and scale 1.
    """
    n = features.shape[1]
    median = np.zeros(n, dtype=np.float64)
    scale = np.ones(n, dtype=np.float64)
    data = features.astype(np.float64)
    has = ~np.isnan(data).all(axis=0)
    if has.any():
        q25, q50, q75 = np.nanpercentile(data[:, has], [25, 50, 75], axis=0)
        std = np.nanstd(data[:, has], axis=0)
        iqr = (q75 - q25) / 1.349
        median[has] = q50
        scale[has] = np.where(iqr > 1e-6, iqr, np.where(std > 1e-6, std, 1.0))
    median[list(mask_columns)] = 0.0
    scale[list(mask_columns)] = 1.0
    return median.astype(np.float32), scale.astype(np.float32)
