"""Per-frame kinematic measures from poses, and how embedding axes relate to them.

Pure numpy on positions ``(time, individual, keypoint, space)`` (NaN where
missing) plus keypoint names. Keypoint names are matched case-, space- and
punctuation-insensitively with fallbacks: the nose is ``nose``, ``snout`` or
``head``; the tail base ``tail_base``, ``tailbase``, ``tail`` (or a name
containing them); the centre is the mean of the available keypoints.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from itertools import combinations

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.decomposition import PCA

from ..io.keypoints import NOSE_NAMES, TAIL_NAMES, find_keypoint

__all__ = ["axis_correlations", "describe_axes", "find_keypoint", "kinematic_measures"]


def _angle(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Angle in degrees between vectors ``(..., space)``; NaN if either is 0."""
    nu = np.linalg.norm(u, axis=-1)
    nv = np.linalg.norm(v, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.einsum("...s,...s->...", u, v) / (nu * nv)
    cos = np.where((nu > 0) & (nv > 0), cos, np.nan)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def kinematic_measures(
    position,
    keypoints: Sequence[str],
    fps: float,
    individuals: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Speed, facing angle and inter-animal distances per frame.

    Parameters
    ----------
    position
        ``(time, individual, keypoint, space)`` float positions, NaN where
        missing (e.g. ``Poses.position``).
    keypoints
        Keypoint names, one per keypoint axis entry.
    fps
        Frames per second (speeds are in position units per second).
    individuals
        Individual names used in column names (default ``animal0``, ...).

    Returns
    -------
    pandas.DataFrame
        Index ``frame`` (``0 .. time - 1``). Columns:

        - ``"<ind> speed"``: speed of the individual's centre (mean of its
          available keypoints), central differences;
        - with several individuals, ``"<ind> facing partner"``: angle in degrees
          (0 = facing, 180 = facing away) between the heading (tail base ->
          nose, or centre -> nose without a tail base) and the direction from
          its centre to the partner's centre (the nearest other individual);
        - ``"centre distance"`` and, when a nose exists, ``"nose distance"``
          for two individuals; ``"<a>-<b> centre distance"`` etc. for more.
    """
    pos = np.asarray(position, dtype=np.float64)
    if pos.ndim != 4:
        raise ValueError(
            f"position must be (time, individual, keypoint, space); got {pos.shape}"
        )
    n_time, n_ind, n_kp, _ = pos.shape
    if len(keypoints) != n_kp:
        raise ValueError(f"{len(keypoints)} keypoint names for {n_kp} keypoints")
    if not fps or fps <= 0:
        raise ValueError(f"fps must be positive; got {fps}")
    names = [str(n) for n in individuals] if individuals is not None else None
    names = names or [f"animal{i}" for i in range(n_ind)]
    if len(names) != n_ind:
        raise ValueError(f"{len(names)} individual names for {n_ind} individuals")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN frames
        centre = np.nanmean(pos, axis=2)  # (time, individual, space)
    nose_i = find_keypoint(keypoints, NOSE_NAMES)
    tail_i = find_keypoint(keypoints, TAIL_NAMES)
    if tail_i == nose_i:
        tail_i = None
    out: dict[str, np.ndarray] = {}
    if n_time >= 2:
        velocity = np.gradient(centre, axis=0) * fps
    else:
        velocity = np.full_like(centre, np.nan)
    speed = np.linalg.norm(velocity, axis=-1)  # (time, individual)
    for i, name in enumerate(names):
        out[f"{name} speed"] = speed[:, i]
    if n_ind >= 2:
        dist = np.linalg.norm(centre[:, :, None] - centre[:, None, :], axis=-1)
        for i in range(n_ind):
            dist[:, i, i] = np.inf
        partner = np.argmin(np.where(np.isnan(dist), np.inf, dist), axis=2)
        if nose_i is not None:
            back = pos[:, :, tail_i] if tail_i is not None else centre
            heading = pos[:, :, nose_i] - back  # (time, individual, space)
            rows = np.arange(n_time)[:, None]
            to_partner = centre[rows, partner] - centre
            facing = _angle(heading, to_partner)
            for i, name in enumerate(names):
                out[f"{name} facing partner"] = facing[:, i]
        for a, b in combinations(range(n_ind), 2):
            prefix = "" if n_ind == 2 else f"{names[a]}-{names[b]} "
            out[f"{prefix}centre distance"] = np.linalg.norm(
                centre[:, a] - centre[:, b], axis=-1
            )
            if nose_i is not None:
                out[f"{prefix}nose distance"] = np.linalg.norm(
                    pos[:, a, nose_i] - pos[:, b, nose_i], axis=-1
                )
    frame = pd.RangeIndex(n_time, name="frame")
    return pd.DataFrame(out, index=frame)


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3:
        return float("nan")
    rx, ry = rankdata(x[ok]), rankdata(y[ok])
    rx, ry = rx - rx.mean(), ry - ry.mean()
    denom = np.sqrt((rx**2).sum() * (ry**2).sum())
    return float((rx * ry).sum() / denom) if denom > 0 else float("nan")


def axis_correlations(
    tokens,
    measures: pd.DataFrame,
    n_axes: int = 5,
    seed: int = 0,
    fit_sample: int | None = 50_000,
) -> pd.DataFrame:
    """Spearman correlation of each principal axis of the tokens with each measure.

    Parameters
    ----------
    tokens
        ``(time, hidden)`` frame tokens, aligned with ``measures`` rows; rows
        with NaN/inf are left out.
    measures
        ``(time, measure)`` table, e.g. from `kinematic_measures`; NaN values
        are left out pair by pair.
    n_axes
        Number of principal axes.
    seed, fit_sample
        The PCA is fitted on a random subsample of at most ``fit_sample``
        frames.

    Returns
    -------
    pandas.DataFrame
        Index ``PC1 .. PCn``, one column per measure, Spearman's rho (NaN where
        fewer than 3 frames are valid or a variable is constant).
        ``attrs["explained_variance_ratio"]`` holds each axis's variance share.
    """
    x = np.asarray(tokens, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"tokens must be (time, hidden); got shape {x.shape}")
    if len(measures) != len(x):
        raise ValueError(
            f"tokens have {len(x)} frames but measures have {len(measures)} rows"
        )
    ok = np.isfinite(x).all(axis=1)
    n_axes = int(min(n_axes, x.shape[1], ok.sum()))
    if n_axes < 1:
        raise ValueError("no finite frame tokens to fit principal axes on")
    idx = np.flatnonzero(ok)
    rng = np.random.default_rng(seed)
    if fit_sample is not None and len(idx) > fit_sample:
        fit = np.sort(rng.choice(idx, size=fit_sample, replace=False))
    else:
        fit = idx
    pca = PCA(n_components=n_axes, random_state=seed).fit(x[fit])
    scores = np.full((len(x), n_axes), np.nan)
    scores[ok] = pca.transform(x[ok])
    table = {
        col: [
            _spearman(scores[:, a], measures[col].to_numpy(dtype=np.float64))
            for a in range(n_axes)
        ]
        for col in measures.columns
    }
    out = pd.DataFrame(table, index=[f"PC{a + 1}" for a in range(n_axes)])
    out.attrs["explained_variance_ratio"] = pca.explained_variance_ratio_.tolist()
    return out


def describe_axes(
    correlations: pd.DataFrame, min_abs: float = 0.3, top: int = 3
) -> pd.DataFrame:
    """Name the measures each embedding axis carries.

    Parameters
    ----------
    correlations
        Output of `axis_correlations` (axes x measures).
    min_abs
        Smallest ``|rho|`` for a measure to be named.
    top
        Most measures named per axis.

    Returns
    -------
    pandas.DataFrame
        Index = axis; columns ``top_measure`` (largest ``|rho|``, missing if none
        reaches ``min_abs``), ``rho``, ``explained_variance`` (if known) and
        ``description`` such as ``"resident speed (+0.82), intruder speed
        (+0.64)"``.
    """
    evr = correlations.attrs.get("explained_variance_ratio")
    rows = {}
    for a, (axis, row) in enumerate(correlations.iterrows()):
        r = row.astype(float).dropna()
        r = r.reindex(r.abs().sort_values(ascending=False, kind="stable").index)
        named = r[r.abs() >= min_abs].head(top)
        rows[axis] = {
            "top_measure": named.index[0] if len(named) else None,
            "rho": float(named.iloc[0]) if len(named) else np.nan,
            "explained_variance": evr[a] if evr is not None else np.nan,
            "description": ", ".join(f"{m} ({v:+.2f})" for m, v in named.items())
            or f"no measure with |rho| >= {min_abs}",
        }
    return pd.DataFrame.from_dict(rows, orient="index")
