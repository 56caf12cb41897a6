"""Tests for behavert.analysis.clustering on synthetic (seeded) blobs."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from behavert.analysis.clustering import cluster_embeddings, pca_map, umap_embedding


@pytest.fixture(scope="module")
def synthetic_blobs():
    x, y = make_blobs(
        n_samples=600, centers=4, n_features=24, cluster_std=1.0, random_state=0
    )
    return x, y


@pytest.mark.parametrize("method", ["kmeans", "gmm"])
def test_recovers_blobs_and_picks_k(synthetic_blobs, method):
    x, y = synthetic_blobs
    res = cluster_embeddings(x, method=method, pca_components=8, k_range=(2, 7))
    assert res.n_clusters == 4
    assert sorted(res.scores) == [2, 3, 4, 5, 6, 7]
    best = max if method == "kmeans" else min
    assert best(res.scores, key=res.scores.get) == 4
    assert ("silhouette" if method == "kmeans" else "BIC") in res.criterion
    assert adjusted_rand_score(y, res.labels) >= 0.9
    assert res.centres.shape == (4, 24)
    sizes = np.bincount(res.labels)
    assert (np.diff(sizes) <= 0).all()  # labels ordered by decreasing size


def test_hdbscan_finds_blobs(synthetic_blobs):
    x, y = synthetic_blobs
    res = cluster_embeddings(x, method="hdbscan", pca_components=8)
    assert res.n_clusters == 4
    keep = res.labels >= 0
    assert keep.mean() > 0.8
    assert adjusted_rand_score(y[keep], res.labels[keep]) >= 0.9
    with pytest.raises(ValueError, match="hdbscan chooses"):
        cluster_embeddings(x, method="hdbscan", n_clusters=3)


def test_subsample_fit_labels_all_frames_and_nan_rows():
    x, y = make_blobs(n_samples=3000, centers=3, n_features=8, random_state=1)
    x[5] = np.nan
    res = cluster_embeddings(x, n_clusters=3, fit_sample=300, pca_components=None)
    assert res.criterion == "fixed" and res.scores == {}
    assert res.labels.shape == (3000,)
    assert res.labels[5] == -1
    keep = np.arange(3000) != 5
    assert adjusted_rand_score(y[keep], res.labels[keep]) >= 0.95
    again = cluster_embeddings(x, n_clusters=3, fit_sample=300, pca_components=None)
    np.testing.assert_array_equal(res.labels, again.labels)


def test_pca_map_and_umap_fallback(synthetic_blobs):
    x, _ = synthetic_blobs
    m = pca_map(x)
    assert m.shape == (600, 2) and np.isfinite(m).all()
    assert m[:, 0].var() >= m[:, 1].var()
    if importlib.util.find_spec("umap") is None:
        with pytest.raises(ImportError, match=r"napari-behavert\[umap\]"):
            umap_embedding(x)


def test_rejects_bad_input():
    with pytest.raises(ValueError, match="time, hidden"):
        cluster_embeddings(np.zeros(10))
    with pytest.raises(ValueError, match="method"):
        cluster_embeddings(np.zeros((10, 2)), method="dbscan")
