"""Keypoint mapping between skeletons, and 3D -> top-view projection.

Labs name the same body part differently (``snout`` / ``Nose``,
``Tail_base`` / ``Butt/Proximal Tail``, ``leftear`` / ``Ear_L``). A
:class:`KeypointMapping` says which *source* keypoint feeds which *target*
keypoint: several source keypoints may feed one target keypoint (they are
*merged*: averaged), a source keypoint may be *left out*, and a target keypoint
without any source keypoint is *missing*: it stays NaN, so the tokenizer masks
it. Nothing is ever invented.

Matching (:func:`map_keypoints`), in order, for every source keypoint:

1. a user map entry (``user_map``; ``None`` / empty target = leave out);
2. the same normalised name (case, spaces, ``_``, ``-``, ``/``, ``.`` and
   camel case ignored; left/right as words, single-letter ``l``/``r`` prefixes
   or suffixes, or glued ``left``/``right`` prefixes: ``leftear`` = ``Ear_L`` =
   ``ear_left`` = ``Left ear``);
3. the same synonym group (:data:`DEFAULT_SYNONYMS`) on the same side;

then, for source keypoints still unmatched and only onto target keypoints that
no rule above fed:

4. a weak synonym (:data:`WEAK_SYNONYMS`, either direction, e.g. ``head`` <->
   ``neck``, ``tail_base`` <-> ``tail``);
5. a sided source keypoint (``left_hip``) onto an unsided target of the same
   part (``hips``): merged with its other side (the midpoint).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import SkeletonMismatchError
from ..io.keypoints import (
    DEFAULT_SYNONYMS,
    WEAK_SYNONYMS,
    canonical_part,
    name_tokens,
    normalise_keypoint,
)
from ..io.poses import Poses

__all__ = [
    "DEFAULT_SYNONYMS",
    "WEAK_SYNONYMS",
    "KeypointMapping",
    "apply_mapping",
    "map_keypoints",
    "normalise_keypoint",
    "project_top_view",
]


@dataclass(frozen=True)
class KeypointMapping:
    """Which source keypoint feeds which target keypoint.

    Attributes
    ----------
    source, target
        Keypoint names of the two skeletons.
    pairs
        ``(source name, target name, rule)`` for every mapped source keypoint;
        ``rule`` is ``"user"``, ``"name"``, ``"synonym"``, ``"weak synonym"``
        or ``"side merge"``.
    """

    source: tuple[str, ...]
    target: tuple[str, ...]
    pairs: tuple[tuple[str, str, str], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "source", tuple(map(str, self.source)))
        object.__setattr__(self, "target", tuple(map(str, self.target)))
        pairs = tuple((str(s), str(t), str(r)) for s, t, r in self.pairs)
        seen = set()
        for s, t, _ in pairs:
            if s not in self.source:
                raise ValueError(
                    f"mapped source keypoint {s!r} is not in {self.source}"
                )
            if t not in self.target:
                raise ValueError(
                    f"mapped target keypoint {t!r} is not in {self.target}"
                )
            if s in seen:
                raise ValueError(f"source keypoint {s!r} is mapped twice")
            seen.add(s)
        object.__setattr__(self, "pairs", pairs)

    @property
    def mapped(self) -> dict[str, str]:
        """Source name -> target name of every mapped source keypoint."""
        return {s: t for s, t, _ in self.pairs}

    def sources_of(self, target: str) -> tuple[str, ...]:
        """Source keypoints feeding ``target`` (empty: missing, masked)."""
        return tuple(s for s, t, _ in self.pairs if t == target)

    @property
    def merged(self) -> dict[str, tuple[str, ...]]:
        """Target name -> its sources, for targets fed by several (averaged)."""
        out = {t: self.sources_of(t) for t in self.target}
        return {t: s for t, s in out.items() if len(s) > 1}

    @property
    def left_out(self) -> tuple[str, ...]:
        """Source keypoints that feed no target keypoint."""
        mapped = self.mapped
        return tuple(s for s in self.source if s not in mapped)

    @property
    def missing(self) -> tuple[str, ...]:
        """Target keypoints no source feeds: NaN after mapping (masked)."""
        fed = {t for _, t, _ in self.pairs}
        return tuple(t for t in self.target if t not in fed)

    def report(self):
        """One row per source keypoint and per missing target keypoint.

        Returns
        -------
        pandas.DataFrame
            Columns ``source``, ``target``, ``status`` (``"mapped"``,
            ``"merged"``, ``"left out"`` or ``"missing (masked)"``) and
            ``rule``.
        """
        import pandas as pd

        rules = {s: r for s, _, r in self.pairs}
        merged = self.merged
        rows = []
        for s in self.source:
            t = self.mapped.get(s)
            if t is None:
                rows.append((s, "", "left out", ""))
            else:
                rows.append((s, t, "merged" if t in merged else "mapped", rules[s]))
        rows += [("", t, "missing (masked)", "") for t in self.missing]
        return pd.DataFrame(rows, columns=["source", "target", "status", "rule"])

    def __str__(self) -> str:
        lines = [f"{s} -> {t} ({r})" for s, t, r in self.pairs]
        lines += [f"{s} -> (left out)" for s in self.left_out]
        lines += [f"(none) -> {t} (missing, masked)" for t in self.missing]
        head = (
            f"KeypointMapping: {len(self.pairs)} of {len(self.source)} source "
            f"keypoints mapped onto {len(self.target) - len(self.missing)} of "
            f"{len(self.target)} target keypoints, {len(self.merged)} merged"
        )
        return "\n".join([head, *("  " + line for line in lines)])

    def to_dict(self) -> dict:
        """JSON/YAML-ready: ``source``, ``target`` and ``map`` (source -> target)."""
        return {
            "source": list(self.source),
            "target": list(self.target),
            "map": {s: self.mapped.get(s) for s in self.source},
        }


def _key(name: str, synonyms) -> tuple[str, str, str]:
    """(side, part, canonical part or the part itself)."""
    side, part = normalise_keypoint(name)
    return side, part, canonical_part(part, synonyms) or part


def _strong_match(source_name, target_names, synonyms):
    """(target name, rule) by normalised name or synonym, or None."""
    side, part, canon = _key(source_name, synonyms)
    keys = [_key(t, synonyms) for t in target_names]
    for (t_side, t_part, _), name in zip(keys, target_names):
        if (t_side, t_part) == (side, part):
            return name, "name"
    for (t_side, _, t_canon), name in zip(keys, target_names):
        if t_side == side and t_canon == canon:
            return name, "synonym"
    return None


def _weak_match(source_name, target_names, synonyms, weak):
    """(target name, rule) by a weak synonym or by dropping the side, or None."""
    side, part, canon = _key(source_name, synonyms)
    keys = [_key(t, synonyms) for t in target_names]
    for (t_side, _, t_canon), name in zip(keys, target_names):
        if t_side != side:
            continue
        if t_canon in weak.get(canon, ()) or canon in weak.get(t_canon, ()):
            return name, "weak synonym"
    if side:
        for (t_side, _, t_canon), name in zip(keys, target_names):
            if not t_side and t_canon == canon:
                return name, "side merge"
    return None


def map_keypoints(
    source_names: Sequence[str],
    target_names: Sequence[str],
    synonyms: Mapping[str, Sequence[str]] | None = None,
    user_map: Mapping[str, str | None] | None = None,
    *,
    weak_synonyms: Mapping[str, Sequence[str]] | None = None,
) -> KeypointMapping:
    """Match source keypoint names onto target keypoint names.

    Parameters
    ----------
    source_names, target_names
        Keypoint names of the two skeletons.
    synonyms
        Canonical part -> names (default :data:`DEFAULT_SYNONYMS`); names are
        compared after :func:`normalise_keypoint`.
    user_map
        Source name -> target name (None or ``""``: leave out; a user's file
        is read first with `behavert.io.mapping_file.load_mapping`); it
        overrides automatic matches. Names are matched exactly, else by
        normalised name.
    weak_synonyms
        Fallback stand-ins (default :data:`WEAK_SYNONYMS`).

    Returns
    -------
    KeypointMapping

    Raises
    ------
    SkeletonMismatchError
        When ``user_map`` names a keypoint that is in neither skeleton.
    """
    synonyms = DEFAULT_SYNONYMS if synonyms is None else synonyms
    synonyms = {k: tuple(_tokens_join(n) for n in v) for k, v in synonyms.items()}
    weak = WEAK_SYNONYMS if weak_synonyms is None else weak_synonyms
    source, target = tuple(map(str, source_names)), tuple(map(str, target_names))
    user = _resolve_user_map(user_map or {}, source, target)
    weak = {
        canonical_part(_tokens_join(k), synonyms) or _tokens_join(k): tuple(
            canonical_part(_tokens_join(n), synonyms) or _tokens_join(n) for n in v
        )
        for k, v in weak.items()
    }
    found: dict[str, tuple[str, str]] = {}
    for name in source:
        if name in user:
            if user[name] is not None:
                found[name] = (user[name], "user")
            continue
        match = _strong_match(name, target, synonyms)
        if match is not None:
            found[name] = match
    # weak rules only reach target keypoints that no strong rule fed
    free = tuple(t for t in target if t not in {t for t, _ in found.values()})
    for name in source:
        if name in user or name in found:
            continue
        match = _weak_match(name, free, synonyms, weak)
        if match is not None:
            found[name] = match
    pairs = tuple((s, *found[s]) for s in source if s in found)
    return KeypointMapping(source, target, pairs)


def _tokens_join(name: str) -> str:
    return "".join(name_tokens(name))


def _lookup(name: str, names: tuple[str, ...]) -> str | None:
    if name in names:
        return name
    key = normalise_keypoint(name)
    for other in names:
        if normalise_keypoint(other) == key:
            return other
    return None


def _resolve_user_map(user_map, source, target) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for s, t in user_map.items():
        s_name = _lookup(str(s), source)
        if s_name is None:
            raise SkeletonMismatchError(
                f"mapping names source keypoint {s!r}, which is not in the source "
                f"skeleton {list(source)}"
            )
        if t is None or str(t).strip() == "":
            out[s_name] = None
            continue
        t_name = _lookup(str(t), target)
        if t_name is None:
            raise SkeletonMismatchError(
                f"mapping sends {s!r} to {t!r}, which is not in the target "
                f"skeleton {list(target)}"
            )
        out[s_name] = t_name
    return out


# ------------------------------------------------------------ apply/project
def apply_mapping(
    poses: Poses,
    mapping: KeypointMapping,
    target_keypoints: Sequence[str] | None = None,
    *,
    edges: Sequence[tuple[int, int]] | None = None,
) -> Poses:
    """Express ``poses`` in the target skeleton.

    Parameters
    ----------
    poses
        Poses with the mapping's source keypoints (any order).
    mapping
        From :func:`map_keypoints`.
    target_keypoints
        Output keypoint order (default ``mapping.target``); names outside the
        mapping's target stay NaN.
    edges
        Skeleton edges of the output (index pairs into ``target_keypoints``);
        default: the source edges whose two ends map to two different targets.

    Returns
    -------
    Poses
        ``position (time, individual, target keypoint, space)``: a merged
        target is the mean of its available sources (its confidence the mean
        of theirs); a target without sources is NaN (the tokenizer masks it).
    """
    target = tuple(target_keypoints or mapping.target)
    absent = [s for s in mapping.mapped if s not in poses.keypoints]
    if absent:
        raise SkeletonMismatchError(
            f"{poses.path or poses.source}: poses lack the mapped source keypoints "
            f"{absent}"
        )
    n_time, n_ind, _, n_space = poses.position.shape
    position = np.full((n_time, n_ind, len(target), n_space), np.nan)
    confidence = np.full((n_time, n_ind, len(target)), np.nan)
    for j, name in enumerate(target):
        sources = [poses.keypoints.index(s) for s in mapping.sources_of(name)]
        if not sources:
            continue
        pos = poses.position[:, :, sources]
        ok = np.isfinite(pos).all(-1)
        count = ok.sum(-1)
        total = np.where(ok[..., None], pos, 0.0).sum(2)
        conf = np.where(ok, poses.confidence[:, :, sources], 0.0).sum(-1)
        has = count > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            position[:, :, j] = np.where(
                has[..., None], total / count[..., None], np.nan
            )
            confidence[:, :, j] = np.where(has, conf / count, np.nan)
    if edges is None:
        out_edges = set()
        for a, b in poses.edge_names:
            ta, tb = mapping.mapped.get(a), mapping.mapped.get(b)
            if ta in target and tb in target and ta != tb:
                ia, ib = target.index(ta), target.index(tb)
                out_edges.add((min(ia, ib), max(ia, ib)))
        edges = sorted(out_edges)
    metadata = dict(poses.metadata)
    metadata["keypoint_mapping"] = mapping.to_dict()
    return poses.replace(
        position=position,
        confidence=confidence,
        keypoints=target,
        edges=tuple(edges),
        metadata=metadata,
    )


def project_top_view(
    poses: Poses, floor_normal: Sequence[float] | None = None
) -> Poses:
    """Orthographic projection of 3D poses onto the floor plane (a top view).

    Parameters
    ----------
    poses
        ``position (time, individual, keypoint, 3)``; 2D poses are returned as
        they are.
    floor_normal
        The "up" direction in the poses' coordinates; default ``(0, 0, 1)``
        (z is height, so the projection drops z). Otherwise points are
        projected on the plane orthogonal to it, with in-plane axes chosen so
        that x stays as close as possible to the original x.

    Returns
    -------
    Poses
        ``(time, individual, keypoint, 2)``; ``metadata["projected_from_3d"]``
        is True and ``metadata["height"]`` holds the dropped coordinate
        ``(time, individual, keypoint)``.
    """
    if poses.n_space == 2:
        return poses
    position = poses.position
    if floor_normal is None:
        xy, height = position[..., :2], position[..., 2]
    else:
        up = np.asarray(floor_normal, dtype=np.float64)
        if up.shape != (3,) or not np.linalg.norm(up) > 0:
            raise ValueError(f"floor_normal must be a non-zero 3-vector, got {up}")
        up = up / np.linalg.norm(up)
        ex = np.array([1.0, 0.0, 0.0]) - up[0] * up
        if np.linalg.norm(ex) < 1e-6:
            ex = np.array([0.0, 1.0, 0.0]) - up[1] * up
        ex /= np.linalg.norm(ex)
        ey = np.cross(up, ex)
        xy = np.stack([position @ ex, position @ ey], axis=-1)
        height = position @ up
    metadata = dict(poses.metadata)
    metadata.update(projected_from_3d=True, height=np.array(height))
    return poses.replace(position=np.array(xy), metadata=metadata)
