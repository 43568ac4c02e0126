"""Tests of segmentation.metrics and segmentation.selection."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import (
    calinski_harabasz_score,
    davies_bouldin_score,
    pairwise_distances,
    silhouette_samples,
)

from segmentation.methods import build_space, fit_segments
from segmentation.metrics import score_labels, score_segmentation, silhouette_values
from segmentation.selection import parse_k_range, scan_k, silhouette_by_customer


@pytest.fixture
def blobs():
    rng = np.random.default_rng(3)
    X = np.vstack([rng.normal(c, 1.0, size=(80, 3)) for c in (0, 4, 8)])
    labels = np.repeat([0, 1, 2], 80)
    labels[5] = 1  # one customer in the wrong cluster, for a negative silhouette
    return X, labels


def test_silhouette_matches_scikit_learn(blobs):
    """Chunked silhouette equals scikit-learn's per customer."""
    X, labels = blobs
    np.testing.assert_allclose(
        silhouette_values(X, labels), silhouette_samples(X, labels)
    )


def test_squared_silhouette_matches_precomputed(blobs):
    """squared=True equals scikit-learn on a squared-distance matrix."""
    X, labels = blobs
    D = pairwise_distances(X) ** 2
    expected = silhouette_samples(D, labels, metric="precomputed")
    np.testing.assert_allclose(silhouette_values(X, labels, squared=True), expected)


def test_silhouette_of_chosen_rows(blobs):
    """Rows are measured against all customers (in single precision: within 1e-5)."""
    X, labels = blobs
    rows = np.array([0, 5, 100, 239])
    np.testing.assert_allclose(
        silhouette_values(X, labels, rows=rows),
        silhouette_samples(X, labels)[rows],
        rtol=0,
        atol=1e-5,
    )


def test_singleton_cluster_has_zero_silhouette(blobs):
    """A customer alone in its cluster gets 0, as in scikit-learn."""
    X, labels = blobs
    labels = labels.copy()
    labels[0] = 9
    assert silhouette_values(X, labels)[0] == 0.0


def test_silhouette_needs_two_clusters():
    """One cluster has no silhouette: refused with the count."""
    with pytest.raises(ValueError, match="labels has 1 distinct value"):
        silhouette_values(np.zeros((4, 2)), np.zeros(4, dtype=int))
    with pytest.raises(ValueError, match="got 1 clusters for 4 customers"):
        silhouette_values(np.zeros((4, 80)), np.zeros(4, dtype=int))


def test_wide_space_silhouette_matches_scikit_learn():
    """Wide spaces (matrix-product path), float64 and float32, equal scikit-learn."""
    rng = np.random.default_rng(5)
    X = np.vstack([rng.normal(c, 1.0, size=(50, 80)) for c in (0, 1)])
    labels = np.repeat([0, 1], 50)
    expected = silhouette_samples(X, labels)
    np.testing.assert_allclose(silhouette_values(X, labels), expected, atol=1e-10)
    single = silhouette_values(X.astype(np.float32), labels)
    np.testing.assert_allclose(single, expected, atol=1e-4)
    rows = np.array([3, 70])
    np.testing.assert_allclose(
        silhouette_values(X, labels, rows=rows), expected[rows], atol=1e-10
    )


def test_score_labels_matches_scikit_learn(blobs):
    """All three metrics equal scikit-learn's on every customer."""
    X, labels = blobs
    scores = score_labels(X, labels)
    assert scores.silhouette == pytest.approx(silhouette_samples(X, labels).mean())
    assert scores.calinski_harabasz == pytest.approx(calinski_harabasz_score(X, labels))
    assert scores.davies_bouldin == pytest.approx(davies_bouldin_score(X, labels))
    assert scores.silhouette_rows == len(X)


def test_sampled_silhouette_is_close(blobs):
    """A 120-customer sample estimates the mean silhouette within 0.05 here."""
    X, labels = blobs
    exact = score_labels(X, labels).silhouette
    sampled = score_labels(X, labels, sample_size=120, random_state=1)
    assert sampled.silhouette_rows == 120
    assert abs(sampled.silhouette - exact) < 0.05


def test_kprototypes_silhouette_uses_its_dissimilarity(planted):
    """K-Prototypes' silhouette uses squared distance + gamma * mismatches."""
    table, _ = planted
    space = build_space(table, "kprototypes", remove_outliers=False, gamma=0.5)
    result = fit_segments(space, 3, n_init=2)
    D = (
        pairwise_distances(space.X) ** 2
        + 0.5 * pairwise_distances(space.X_cat, metric="hamming") * space.X_cat.shape[1]
    )
    expected = silhouette_samples(D, result.labels, metric="precomputed").mean()
    assert score_segmentation(space, result).silhouette == pytest.approx(expected)


def test_parse_k_range():
    """k ranges are read from text or sequences, sorted and deduplicated."""
    assert parse_k_range("2-4,8") == [2, 3, 4, 8]
    assert parse_k_range([5, 3, 3]) == [3, 5]


@pytest.mark.parametrize(
    ("text", "message"),
    [("two-nine", "Cannot read k range"), ("1-3", "k=1 is too small"), ("", "empty")],
)
def test_parse_k_range_errors(text, message):
    """Unreadable or too small k ranges are refused with the fix."""
    with pytest.raises(ValueError, match=message):
        parse_k_range(text)


def test_scan_k_on_planted_segments(planted):
    """The scan has one row per k and the silhouette peaks at the planted k=3."""
    table, _ = planted
    space = build_space(table, "kmeans", remove_outliers=False)
    scan = scan_k(space, "2-5", n_init=3, silhouette_sample=None)
    assert list(scan["k"]) == [2, 3, 4, 5]
    assert list(scan.columns) == [
        "k",
        "inertia_or_cost",
        "silhouette",
        "calinski_harabasz",
        "davies_bouldin",
    ]
    assert scan.loc[scan["silhouette"].idxmax(), "k"] == 3
    assert scan["inertia_or_cost"].is_monotonic_decreasing


def test_scan_k_kprototypes_cost_decreases(planted):
    """The K-Prototypes scan reports a cost that falls as k grows."""
    table, _ = planted
    space = build_space(table, "kprototypes", remove_outliers=False)
    scan = scan_k(space, [2, 3, 4], n_init=3)
    assert scan["inertia_or_cost"].is_monotonic_decreasing
    assert scan.loc[scan["silhouette"].idxmax(), "k"] == 3


def test_silhouette_by_customer(planted):
    """One silhouette per kept customer, sorted by cluster."""
    table, _ = planted
    space = build_space(table, "kmeans", remove_outliers=False)
    result = fit_segments(space, 3, n_init=2)
    frame = silhouette_by_customer(space, result.labels)
    assert isinstance(frame, pd.DataFrame) and len(frame) == table.n_customers
    assert frame["cluster"].is_monotonic_increasing
    assert frame["silhouette"].between(-1, 1).all()
