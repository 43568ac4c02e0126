"""Tests of segmentation.methods and segmentation.outliers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from segmentation.data import prepare_customers
from segmentation.features import encode_mixed, encode_ordinal_power, encode_shared
from segmentation.methods import build_space, fit_segments, segment_customers
from segmentation.outliers import find_outliers


def test_kmeans_finds_planted_segments(planted):
    """K-Means recovers three well-separated planted segments exactly."""
    table, truth = planted
    _, result = segment_customers(table, "kmeans", 3, remove_outliers=False)
    assert adjusted_rand_score(truth, result.labels) == 1.0


def test_kprototypes_finds_planted_segments(planted):
    """K-Prototypes recovers the planted segments exactly."""
    table, truth = planted
    space, result = segment_customers(
        table, "kprototypes", 3, remove_outliers=False, n_init=3
    )
    assert space.X.shape[1] == 2 and space.X_cat.shape[1] == 2
    assert adjusted_rand_score(truth, result.labels) == 1.0


def test_same_seed_same_labels(planted):
    """The same space and seed give the same labels."""
    table, _ = planted
    space = build_space(table, "kmeans", remove_outliers=False)
    first = fit_segments(space, 4, random_state=7, n_init=2)
    second = fit_segments(space, 4, random_state=7, n_init=2)
    np.testing.assert_array_equal(first.labels, second.labels)


def test_planted_outliers_are_removed(planted_with_outliers):
    """ECOD marks the five planted far-away customers, and they get label -1."""
    table, truth = planted_with_outliers
    space, result = segment_customers(table, "kmeans", 3, contamination=0.02)
    planted_rows = np.flatnonzero(truth == -1)
    assert space.is_outlier[planted_rows].all()
    assert (result.labels[planted_rows] == -1).all()
    assert space.n_outliers == 7  # the top 2% of 305 scores, rounded up
    assert (result.labels >= 0).sum() == len(truth) - space.n_outliers


def test_find_outliers_counts_share():
    """ECOD marks about the contamination share of customers."""
    X = np.random.default_rng(0).normal(size=(1000, 4))
    assert find_outliers(X, contamination=0.1).sum() == 100


@pytest.mark.parametrize(
    ("contamination", "message"),
    [(0.0, r"contamination=0.0 must be in \(0, 0.5\]"), (0.7, "must be in")],
)
def test_find_outliers_rejects_bad_share(contamination, message):
    """A contamination outside (0, 0.5] is refused with the rule."""
    with pytest.raises(ValueError, match=message):
        find_outliers(np.zeros((50, 2)), contamination=contamination)


def test_outlier_removal_leaving_too_few_is_refused():
    """Removing outliers from 10 customers would leave too few: refused with the count."""
    X = np.random.default_rng(0).normal(size=(10, 2))
    with pytest.raises(ValueError, match="would leave about 9 of 10 customers"):
        find_outliers(X, contamination=0.1)


def test_ordinal_power_is_standardized(planted):
    """The K-Means space has one standardized column per feature."""
    table, _ = planted
    X = encode_ordinal_power(table)
    assert X.shape == (table.n_customers, 4)
    np.testing.assert_allclose(X.mean(axis=0), 0, atol=1e-9)
    np.testing.assert_allclose(X.std(axis=0), 1, atol=1e-6)


def test_mixed_and_shared_spaces(planted):
    """Codes index the sorted categories; the shared space has one column per level."""
    table, _ = planted
    mixed = encode_mixed(table)
    assert mixed.categories[0] == ("manager", "retired", "student")
    assert mixed.categories[0][mixed.X_cat[0, 0]] == table.frame["job"].iloc[0]
    shared = encode_shared(table)
    assert shared.shape == (table.n_customers, 2 + 3 + 3)
    np.testing.assert_allclose(np.unique(shared[:, 2:]), [0, 1 / np.sqrt(2)])


def test_kprototypes_space_matches_its_dissimilarity(planted):
    """Squared distances in Space.euclidean equal squared distance + gamma * mismatches."""
    table, _ = planted
    space = build_space(table, "kprototypes", remove_outliers=False, gamma=0.7)
    E = space.euclidean()
    i, j = 0, len(E) - 1
    expected = np.sum((space.X[i] - space.X[j]) ** 2) + 0.7 * np.sum(
        space.X_cat[i] != space.X_cat[j]
    )
    assert np.sum((E[i] - E[j]) ** 2) == pytest.approx(expected)


def test_only_categorical_becomes_kmodes():
    """With no numeric column, K-Prototypes runs as K-Modes and says so."""
    frame = pd.DataFrame({"a": list("xxyyzz") * 5, "b": list("ppqqrr") * 5})
    table = prepare_customers(frame)
    space, result = segment_customers(table, "kprototypes", 3, remove_outliers=False)
    assert any("K-Modes" in note for note in result.notes)
    assert len(np.unique(result.labels)) == 3


def test_only_numeric_kprototypes_is_kmeans():
    """With no categorical column, K-Prototypes runs on the numbers alone and says so."""
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"x": np.r_[rng.normal(0, 1, 30), rng.normal(20, 1, 30)]})
    table = prepare_customers(frame)
    _, result = segment_customers(table, "kprototypes", 2, remove_outliers=False)
    assert any("reduces to K-Means" in note for note in result.notes)
    assert adjusted_rand_score(np.repeat([0, 1], 30), result.labels) == 1.0


def test_k_larger_than_distinct_customers_is_refused():
    """k above the number of distinct customers is refused with the maximum allowed."""
    frame = pd.DataFrame({"a": ["x", "y", "z"] * 10, "b": [1, 2, 3] * 10})
    table = prepare_customers(frame)
    with pytest.raises(ValueError, match="maximum allowed is k=3"):
        segment_customers(table, "kmeans", 4, remove_outliers=False)


def test_k_larger_than_customers_is_refused(planted):
    """More clusters than customers is refused, naming both numbers."""
    table, _ = planted
    space = build_space(table, "kmeans", remove_outliers=False)
    with pytest.raises(ValueError, match="k=500 is more than the 180 customers"):
        fit_segments(space, 500)


def test_identical_customers_are_refused():
    """Customers that are all identical cannot be segmented."""
    frame = pd.DataFrame({"a": ["x", "y"] * 10, "b": [1.0, 2.0] * 10})
    table = prepare_customers(frame)
    space = build_space(table, "kmeans", remove_outliers=False)
    same = type(space)(method="kmeans", X=np.zeros((20, 2)))
    with pytest.raises(ValueError, match="Every customer is identical"):
        fit_segments(same, 2)


@pytest.mark.parametrize(
    ("k", "error", "message"),
    [(1, ValueError, "k=1 must be at least 2"), (2.5, TypeError, "whole number")],
)
def test_bad_k_is_refused(planted, k, error, message):
    """k must be a whole number of at least 2."""
    table, _ = planted
    space = build_space(table, "kmeans", remove_outliers=False)
    with pytest.raises(error, match=message):
        fit_segments(space, k)


def test_unknown_method_is_refused(planted):
    """An unknown method name lists the valid ones."""
    table, _ = planted
    with pytest.raises(
        ValueError, match="Unknown method 'dbscan'; choose one of kmeans"
    ):
        build_space(table, "dbscan")


def test_progress_is_reported(planted):
    """fit_segments reports its end through the progress callback."""
    table, _ = planted
    calls = []
    segment_customers(
        table,
        "kmeans",
        3,
        remove_outliers=False,
        progress=lambda f, m: calls.append((f, m)),
    )
    assert calls[-1][0] == 1.0 and "3 clusters" in calls[-1][1]
