"""Cluster final-layer frame tokens into motifs (scikit-learn on arrays).

Every fit runs on a random subsample of frames (``fit_sample``) and then
labels all frames, so ~100k frames cluster in seconds. Frames whose token holds
a NaN/inf are labelled ``-1`` (as is HDBSCAN noise).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from sklearn.cluster import HDBSCAN, KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import NearestNeighbors

__all__ = ["ClusterResult", "cluster_embeddings", "pca_map", "umap_embedding"]

log = logging.getLogger(__name__)

_CRITERIA = {
    "kmeans": "silhouette (higher is better, on a subsample of frames)",
    "gmm": "BIC (lower is better, on the fitted subsample)",
    "hdbscan": "none (HDBSCAN picks the number of clusters itself)",
}


@dataclass
class ClusterResult:
    """Motif labels of every frame and how they were chosen.

    Attributes
    ----------
    labels
        ``(time,)`` int motif per frame, ``0 .. n_clusters - 1`` ordered by
        decreasing size; ``-1`` for noise or non-finite tokens.
    n_clusters
        Number of motifs.
    method
        ``"kmeans"``, ``"gmm"`` or ``"hdbscan"``.
    criterion
        Name of the criterion used to choose ``n_clusters`` (``"fixed"`` when
        ``n_clusters`` was given).
    scores
        Criterion value per tried k (empty when k was not searched).
    pca
        The fitted `sklearn.decomposition.PCA` (``None`` without reduction).
    centres
        ``(n_clusters, hidden)`` mean token of each motif.
    model
        The fitted scikit-learn estimator.
    """

    labels: np.ndarray
    n_clusters: int
    method: str
    criterion: str
    scores: dict[int, float] = field(default_factory=dict)
    pca: PCA | None = None
    centres: np.ndarray | None = None
    model: Any = None


def _check_tokens(tokens) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(tokens, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"tokens must be (time, hidden); got shape {x.shape}")
    ok = np.isfinite(x).all(axis=1)
    if ok.sum() < 2:
        raise ValueError(f"need at least 2 finite frame tokens; got {int(ok.sum())}")
    return x, ok


def _subsample(n: int, size: int | None, rng: np.random.Generator) -> np.ndarray:
    if size is None or n <= size:
        return np.arange(n)
    return np.sort(rng.choice(n, size=size, replace=False))


def _reduce(x, ok, pca_components, fit_idx, seed):
    if not pca_components or pca_components >= x.shape[1]:
        return None, x[ok]
    n_comp = min(int(pca_components), len(fit_idx))
    pca = PCA(n_components=n_comp, random_state=seed).fit(x[ok][fit_idx])
    return pca, pca.transform(x[ok])


def _relabel_by_size(labels: np.ndarray) -> tuple[np.ndarray, int]:
    kept = labels[labels >= 0]
    values, counts = np.unique(kept, return_counts=True)
    order = values[np.lexsort((values, -counts))]
    lut = {int(v): i for i, v in enumerate(order)}
    out = np.array([lut.get(int(v), -1) for v in range(labels.max(initial=-1) + 1)])
    relabelled = np.where(labels >= 0, out[np.clip(labels, 0, None)], -1)
    return relabelled, len(order)


def cluster_embeddings(
    tokens,
    method: Literal["kmeans", "gmm", "hdbscan"] = "kmeans",
    n_clusters: int | None = None,
    pca_components: int | None = 16,
    k_range: tuple[int, int] = (2, 12),
    seed: int = 0,
    fit_sample: int | None = 20_000,
    search_sample: int = 5_000,
    score_sample: int = 3_000,
    min_cluster_size: int | None = None,
) -> ClusterResult:
    """Cluster frame tokens into motifs, choosing k by a stated criterion.

    Parameters
    ----------
    tokens
        ``(time, hidden)`` final-layer tokens (rows with NaN/inf get ``-1``).
    method
        ``"kmeans"`` (k chosen by maximal silhouette on ``score_sample``
        frames), ``"gmm"`` (full-covariance Gaussian mixture, k chosen by
        minimal BIC) or ``"hdbscan"`` (density clustering; k not searched,
        ``n_clusters`` not allowed).
    n_clusters
        Fix k instead of searching ``k_range``.
    pca_components
        Reduce to this many principal components first (``None``/0: no PCA).
    k_range
        Inclusive range of k to try.
    seed
        Seed of the subsampling, PCA and the estimators.
    fit_sample
        Frames used to fit (all frames are then labelled); ``None``: all.
    search_sample
        Frames (out of the fitted ones) on which each k is tried; the chosen
        k is then refitted on all ``fit_sample`` frames.
    score_sample
        Frames (out of ``search_sample``) used for the silhouette score.
    min_cluster_size
        HDBSCAN's minimum cluster size (default ``max(5, fitted frames // 50)``).
        HDBSCAN fits at most 10,000 frames whatever ``fit_sample`` says.

    Returns
    -------
    ClusterResult
    """
    if method not in _CRITERIA:
        raise ValueError(f"method must be kmeans, gmm or hdbscan; got {method!r}")
    x, ok = _check_tokens(tokens)
    rng = np.random.default_rng(seed)
    n_ok = int(ok.sum())
    if method == "hdbscan":
        fit_sample = min(fit_sample or n_ok, 10_000)
    fit_idx = _subsample(n_ok, fit_sample, rng)
    pca, z = _reduce(x, ok, pca_components, fit_idx, seed)
    z_fit = z[fit_idx]
    scores: dict[int, float] = {}
    if method == "hdbscan":
        if n_clusters is not None:
            raise ValueError("hdbscan chooses the number of clusters; pass None")
        labels_ok, model = _fit_hdbscan(z, z_fit, min_cluster_size)
        criterion = _CRITERIA[method]
    else:
        lo, hi = int(k_range[0]), int(k_range[1])
        if n_clusters is not None:
            ks, criterion = [int(n_clusters)], "fixed"
        else:
            if not 2 <= lo <= hi:
                raise ValueError(
                    f"k_range must satisfy 2 <= low <= high; got {k_range}"
                )
            ks, criterion = (
                list(range(lo, min(hi, len(z_fit) - 1) + 1)),
                _CRITERIA[method],
            )
        if not ks or ks[0] < 1 or ks[0] > len(z_fit):
            raise ValueError(f"cannot fit {ks} clusters to {len(z_fit)} frames")
        search = z_fit[_subsample(len(z_fit), search_sample, rng)]
        score_idx = rng.choice(
            len(search), size=min(score_sample, len(search)), replace=False
        )
        if len(ks) > 1:
            for k in ks:
                trial = _fit_one(method, search, k, seed)
                scores[k] = _score(method, trial, search, score_idx, seed)
        best = ks[0] if len(ks) == 1 else _best_k(method, scores)
        model = _fit_one(method, z_fit, best, seed)
        labels_ok = model.predict(z)
        log.debug("cluster_embeddings: %s chose k=%d (%s)", method, best, criterion)
    labels = np.full(len(x), -1, dtype=int)
    labels[ok] = labels_ok
    labels, k_found = _relabel_by_size(labels)
    centres = (
        np.stack([x[labels == c].mean(axis=0) for c in range(k_found)])
        if k_found
        else np.empty((0, x.shape[1]))
    )
    return ClusterResult(
        labels=labels,
        n_clusters=k_found,
        method=method,
        criterion=criterion,
        scores=scores,
        pca=pca,
        centres=centres,
        model=model,
    )


def _fit_one(method: str, z: np.ndarray, k: int, seed: int):
    if method == "kmeans":
        return KMeans(n_clusters=k, n_init=3, random_state=seed).fit(z)
    return GaussianMixture(
        n_components=k,
        covariance_type="full",
        reg_covar=1e-4,
        init_params="k-means++",
        random_state=seed,
    ).fit(z)


def _score(method: str, model, z: np.ndarray, idx: np.ndarray, seed: int) -> float:
    if method == "gmm":
        return float(model.bic(z))
    labels = model.labels_[idx]
    if len(np.unique(labels)) < 2:
        return float("nan")
    return float(silhouette_score(z[idx], labels, random_state=seed))


def _best_k(method: str, scores: dict[int, float]) -> int:
    ks = np.array(list(scores))
    vals = np.array([scores[k] for k in ks])
    vals = np.where(np.isfinite(vals), vals, -np.inf if method == "kmeans" else np.inf)
    return int(ks[np.argmax(vals)] if method == "kmeans" else ks[np.argmin(vals)])


def _fit_hdbscan(z, z_fit, min_cluster_size):
    size = min_cluster_size or max(5, len(z_fit) // 50)
    model = HDBSCAN(min_cluster_size=int(size), copy=True).fit(z_fit)
    fit_labels = model.labels_
    # label every frame like its nearest fitted neighbour (noise stays noise)
    nn = NearestNeighbors(n_neighbors=1).fit(z_fit)
    _, nearest = nn.kneighbors(z)
    return fit_labels[nearest[:, 0]], model


def pca_map(tokens, seed: int = 0, fit_sample: int | None = 20_000) -> np.ndarray:
    """Two-dimensional PCA map of frame tokens (the always-available fallback).

    Parameters
    ----------
    tokens
        ``(time, hidden)`` tokens; rows with NaN/inf map to NaN.
    seed, fit_sample
        Subsample of frames the PCA is fitted on.

    Returns
    -------
    numpy.ndarray
        ``(time, 2)`` coordinates.
    """
    x, ok = _check_tokens(tokens)
    idx = _subsample(int(ok.sum()), fit_sample, np.random.default_rng(seed))
    n_comp = min(2, x.shape[1])
    pca = PCA(n_components=n_comp, random_state=seed).fit(x[ok][idx])
    out = np.full((len(x), 2), np.nan)
    out[ok, :n_comp] = pca.transform(x[ok])
    if n_comp < 2:
        out[ok, 1] = 0.0
    return out


def umap_embedding(
    tokens,
    n_components: int = 2,
    n_neighbors: int = 15,
    min_dist: float = 0.1,
    seed: int = 0,
    fit_sample: int | None = 20_000,
    **kwargs: Any,
) -> np.ndarray:
    """UMAP map of frame tokens (needs the optional ``umap`` extra).

    Parameters
    ----------
    tokens
        ``(time, hidden)`` tokens; rows with NaN/inf map to NaN.
    n_components, n_neighbors, min_dist, kwargs
        Passed to ``umap.UMAP``.
    seed, fit_sample
        UMAP is fitted on a subsample of frames, then all frames are
        transformed.

    Returns
    -------
    numpy.ndarray
        ``(time, n_components)`` coordinates.

    Raises
    ------
    ImportError
        If umap-learn is not installed.
    """
    try:
        import umap
    except ImportError as err:
        raise ImportError(
            "umap_embedding needs umap-learn: pip install napari-behavert[umap] "
            "(or use pca_map for a PCA map)"
        ) from err
    x, ok = _check_tokens(tokens)
    idx = _subsample(int(ok.sum()), fit_sample, np.random.default_rng(seed))
    reducer = umap.UMAP(
        n_components=n_components,
        n_neighbors=n_neighbors,
        min_dist=min_dist,
        random_state=seed,
        **kwargs,
    )
    reducer.fit(x[ok][idx])
    out = np.full((len(x), n_components), np.nan)
    out[ok] = reducer.transform(x[ok])
    return out
