"""Vectorised pose features: body centre, heading, egocentric frames, relations.

Everything here works on ``(time, individual, keypoint, space)`` float arrays
with NaN where a point is missing and returns NaN where a feature is undefined;
``PoseTokenizer`` normalises the features and turns NaN into 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..io.keypoints import normalise_name

AXES = ("x", "y", "z")


def resolve_candidates(
    keypoints: Sequence[str], candidates: Sequence[str]
) -> list[tuple[int, ...]]:
    """Keypoint index groups for the candidate names present in a skeleton.

    Parameters
    ----------
    keypoints
        The skeleton's keypoint names.
    candidates
        Names in order of preference; ``"a+b"`` means the mean of ``a`` and ``b``
        (both must exist). Matching ignores case, spaces and punctuation.

    Returns
    -------
    list of tuple of int
        One tuple of keypoint indices per candidate found, in preference order.
    """
    index: dict[str, int] = {}
    for i, name in enumerate(keypoints):
        index.setdefault(normalise_name(name), i)
    found: list[tuple[int, ...]] = []
    for candidate in candidates:
        parts = [normalise_name(p) for p in str(candidate).split("+")]
        if parts and all(p in index for p in parts):
            group = tuple(index[p] for p in parts)
            if group not in found:
                found.append(group)
    return found


@dataclass(frozen=True)
class References:
    """Keypoint index groups used as reference points (in preference order)."""

    nose: tuple[tuple[int, ...], ...]
    front: tuple[tuple[int, ...], ...]
    back: tuple[tuple[int, ...], ...]
    torso: tuple[int, ...]

    @classmethod
    def from_names(
        cls,
        keypoints: Sequence[str],
        *,
        nose: Sequence[str],
        front: Sequence[str],
        back: Sequence[str],
        centre: Sequence[str],
    ) -> References:
        """Resolve names; fall back to the first (nose, front) or last (back) point.

        The torso is every ``centre`` keypoint found, or all keypoints (the
        centroid) when none is found or the torso would only be the heading's
        front/back points (e.g. a tail base alone).
        """
        n = len(keypoints)
        nose_groups = resolve_candidates(keypoints, nose) or [(0,)]
        front_groups = resolve_candidates(keypoints, front) or [(0,)]
        back_groups = resolve_candidates(keypoints, back) or [(n - 1,)]
        torso = sorted({i for g in resolve_candidates(keypoints, centre) for i in g})
        if set(torso) <= set(front_groups[0]) | set(back_groups[0]):
            torso = []  # only the heading ends (e.g. tail base): use the centroid
        return cls(
            nose=tuple(nose_groups),
            front=tuple(front_groups),
            back=tuple(back_groups),
            torso=tuple(torso) if torso else tuple(range(n)),
        )


def pick_point(position: np.ndarray, groups: Sequence[Sequence[int]]) -> np.ndarray:
    """First available reference point per frame.

    Parameters
    ----------
    position
        ``(time, keypoint, space)`` of one individual.
    groups
        Keypoint index groups in preference order (a group's point is the mean
        of its keypoints, missing if any is missing).

    Returns
    -------
    np.ndarray
        ``(time, space)``; NaN where no candidate is available.
    """
    out = np.full((position.shape[0], position.shape[2]), np.nan)
    for group in groups:
        point = position[:, list(group)].mean(axis=1)
        missing = np.isnan(out[:, :1])
        out = np.where(missing, point, out)
    return out


def nan_mean_points(points: np.ndarray) -> np.ndarray:
    """Mean over the keypoint axis of ``(time, keypoint, space)``, ignoring NaN."""
    valid = ~np.isnan(points[..., 0])
    count = valid.sum(axis=1)
    total = np.where(valid[..., None], points, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count[:, None]
    return np.where(count[:, None] > 0, mean, np.nan)


def body_centre(position: np.ndarray, torso: Sequence[int]) -> np.ndarray:
    """``(time, space)`` mean of the available torso keypoints, else the centroid."""
    centre = nan_mean_points(position[:, list(torso)])
    if len(torso) < position.shape[1]:
        centroid = nan_mean_points(position)
        centre = np.where(np.isnan(centre), centroid, centre)
    return centre


def heading_angle(
    position: np.ndarray, refs: References, centre: np.ndarray
) -> np.ndarray:
    """``(time,)`` heading in the xy plane (radians), back -> front.

    Frames without a front/back pair use the principal axis of the available
    keypoints (PCA), oriented towards the lowest-index available keypoint
    (usually the head end). NaN where fewer than two keypoints are available.
    """
    vector = (
        pick_point(position, refs.front)[:, :2] - pick_point(position, refs.back)[:, :2]
    )
    length = np.hypot(vector[:, 0], vector[:, 1])
    angle = np.arctan2(vector[:, 1], vector[:, 0])
    bad = ~(length > 1e-9)
    angle[bad] = np.nan
    frames = np.flatnonzero(bad)
    if frames.size:
        pts = position[frames][..., :2] - centre[frames, None, :2]
        valid = ~np.isnan(pts[..., 0])
        p = np.where(valid[..., None], pts, 0.0)
        cxx = (p[..., 0] ** 2).sum(1)
        cyy = (p[..., 1] ** 2).sum(1)
        cxy = (p[..., 0] * p[..., 1]).sum(1)
        axis = 0.5 * np.arctan2(2 * cxy, cxx - cyy)
        first = np.argmax(valid, axis=1)
        lead = p[np.arange(frames.size), first]
        proj = lead[:, 0] * np.cos(axis) + lead[:, 1] * np.sin(axis)
        axis = np.where(proj < 0, axis + np.pi, axis)
        spread = cxx + cyy
        ok = (valid.sum(1) >= 2) & (spread > 1e-12)
        angle[frames] = np.where(ok, axis, np.nan)
    return angle


def rotate_xy(vectors: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Rotate ``(time, ..., space)`` vectors by ``-angle`` ``(time,)`` about z.

    Frames whose angle is NaN are not rotated; z (if any) is kept.
    """
    a = np.nan_to_num(angle)
    shape = (-1,) + (1,) * (vectors.ndim - 2)
    cos, sin = np.cos(a).reshape(shape), np.sin(a).reshape(shape)
    out = vectors.copy()
    out[..., 0] = cos * vectors[..., 0] + sin * vectors[..., 1]
    out[..., 1] = -sin * vectors[..., 0] + cos * vectors[..., 1]
    return out


def lagged_difference(values: np.ndarray, lag: int) -> np.ndarray:
    """``(values[t] - values[t - lag]) / lag`` along time; NaN for the first frames."""
    out = np.full(values.shape, np.nan)
    if values.shape[0] > lag:
        out[lag:] = (values[lag:] - values[:-lag]) / lag
    return out


def wrap_angle(angle: np.ndarray) -> np.ndarray:
    """Wrap radians into ``[-pi, pi)``."""
    return (angle + np.pi) % (2 * np.pi) - np.pi


def body_lengths(position: np.ndarray, refs: References) -> np.ndarray:
    """Per-frame, per-individual body lengths (nose to tail base), flattened.

    Falls back to twice the mean keypoint distance from the body centre when
    the nose and tail-base references are the same keypoint.
    """
    lengths = []
    same = set(refs.nose[0]) == set(refs.back[0])
    for a in range(position.shape[1]):
        pos = position[:, a]
        if not same:
            d = pick_point(pos, refs.nose) - pick_point(pos, refs.back)
            lengths.append(np.sqrt((d**2).sum(-1)))
        else:
            centre = body_centre(pos, refs.torso)
            d = np.sqrt(((pos - centre[:, None]) ** 2).sum(-1))
            lengths.append(2 * nan_mean_points(d[..., None])[:, 0])
    return np.concatenate(lengths) if lengths else np.empty(0)


class _Layout:
    """Collects feature blocks with their names and group memberships."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.groups: dict[str, list[int]] = {}
        self.blocks: list[np.ndarray] = []

    def add(self, values: np.ndarray, names: list[str], groups: list[str]) -> None:
        """Append ``(time, n)`` values, their ``n`` names and shared groups."""
        values = values.reshape(values.shape[0], -1)
        start = len(self.names)
        for j, name in enumerate(names):
            self.names.append(name)
            for group in groups if isinstance(groups[0], str) else groups[j]:
                self.groups.setdefault(group, []).append(start + j)
        self.blocks.append(values.astype(np.float32))


def compute_features(
    position: np.ndarray,
    keypoints: Sequence[str],
    individuals: Sequence[str],
    refs: References,
    scale: float,
    *,
    egocentric: bool = True,
    relations: bool = True,
    velocities: bool = True,
    lag: int = 1,
    missing: np.ndarray | None = None,
) -> tuple[np.ndarray, list[str], dict[str, list[int]]]:
    """Raw (unnormalised) per-frame features of one recording.

    Parameters
    ----------
    position
        ``(time, individual, keypoint, space)``, NaN where missing.
    keypoints, individuals
        Names used in the feature names.
    refs
        Reference keypoints (``References.from_names``).
    scale
        Body length; positions and distances are divided by it.
    egocentric, relations, velocities, lag
        Which feature families to compute; ``lag`` in frames.
    missing
        ``(time, individual, keypoint)`` bool, True where a keypoint was not
        tracked (its position may have been interpolated since); default:
        where ``position`` is NaN. The mask channels report it.

    Returns
    -------
    features
        ``(time, feature)`` float32, NaN where undefined (missing keypoints);
        mask channels are 1 where a keypoint is missing.
    names
        ``feature`` names.
    groups
        Group name -> feature indices: ``"<individual>/<keypoint>"``,
        ``"<individual>"``, ``"<a>-<b>"`` and feature kinds such as
        ``"egocentric position"`` or ``"nose-to-nose distance"``.
    """
    n_time, n_ind, n_kp, n_space = position.shape
    if missing is None:
        missing = np.isnan(position[..., 0])
    axes = AXES[:n_space]
    out = _Layout()
    centres, angles, noses, backs = [], [], [], []
    for a, ind in enumerate(individuals):
        pos = position[:, a]
        centre = body_centre(pos, refs.torso)
        angle = heading_angle(pos, refs, centre)
        centres.append(centre)
        angles.append(angle)
        noses.append(pick_point(pos, refs.nose))
        backs.append(pick_point(pos, refs.back))
        if egocentric:
            local = rotate_xy(pos - centre[:, None], angle) / scale
            kind = "egocentric position"
        else:
            local = pos / scale
            kind = "position"
        part = [f"{ind}/{kp}" for kp in keypoints]
        out.add(
            local,
            [f"{p} {ax}" for p in part for ax in axes],
            [[p, ind, kind] for p in part for _ in axes],
        )
        if velocities:
            out.add(
                lagged_difference(local, lag),
                [f"{p} velocity {ax}" for p in part for ax in axes],
                [[p, ind, "keypoint velocity"] for p in part for _ in axes],
            )
            step = lagged_difference(centre, lag)
            speed = np.sqrt((step**2).sum(-1)) / scale
            out.add(speed, [f"{ind} centre speed"], [ind, "centre speed"])
            turn = np.full(n_time, np.nan)
            if n_time > lag:
                turn[lag:] = wrap_angle(angle[lag:] - angle[:-lag]) / lag
            out.add(turn, [f"{ind} angular velocity"], [ind, "angular velocity"])
        out.add(
            missing[:, a].astype(np.float32),
            [f"{p} missing" for p in part],
            [[p, ind, "missing keypoint"] for p in part],
        )
    if relations and n_ind > 1:
        _add_relations(out, individuals, axes, centres, angles, noses, backs, scale)
    features = (
        np.concatenate(out.blocks, axis=1)
        if out.blocks
        else np.empty((n_time, 0), np.float32)
    )
    return features, out.names, out.groups


def _distance(a: np.ndarray, b: np.ndarray, scale: float) -> np.ndarray:
    return np.sqrt(((a - b) ** 2).sum(-1)) / scale


def _add_relations(out, individuals, axes, centres, angles, noses, backs, scale):
    """Pairwise features: relative position/heading and three distances."""
    n = len(individuals)
    for a in range(n):
        for b in range(n):
            if a == b:
                continue
            me, other = individuals[a], individuals[b]
            pair = f"{individuals[min(a, b)]}-{individuals[max(a, b)]}"
            rel = rotate_xy((centres[b] - centres[a])[:, None], angles[a])[:, 0]
            rel[np.isnan(angles[a])] = np.nan
            out.add(
                rel / scale,
                [f"{me}->{other} relative position {ax}" for ax in axes],
                [pair, "relative position"],
            )
            turn = angles[b] - angles[a]
            out.add(
                np.stack([np.cos(turn), np.sin(turn)], axis=1),
                [
                    f"{me}->{other} relative heading cos",
                    f"{me}->{other} relative heading sin",
                ],
                [pair, "relative heading"],
            )
            out.add(
                _distance(noses[a], backs[b], scale),
                [f"{me} nose to {other} tail base distance"],
                [pair, "nose-to-tail-base distance"],
            )
    for a in range(n):
        for b in range(a + 1, n):
            pair = f"{individuals[a]}-{individuals[b]}"
            out.add(
                _distance(noses[a], noses[b], scale),
                [f"{pair} nose-to-nose distance"],
                [pair, "nose-to-nose distance"],
            )
            out.add(
                _distance(centres[a], centres[b], scale),
                [f"{pair} centre-to-centre distance"],
                [pair, "centre-to-centre distance"],
            )
