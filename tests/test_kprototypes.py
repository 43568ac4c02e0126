"""Tests of the compiled K-Prototypes and of the row-wise silhouette kernel."""

from __future__ import annotations

import numpy as np
import pytest
from kmodes.kmodes import KModes as RefKModes
from kmodes.kprototypes import KPrototypes as RefKPrototypes
from sklearn.cluster import KMeans
from sklearn.exceptions import NotFittedError
from sklearn.metrics import adjusted_rand_score, silhouette_samples

from segmentation._silhouette import silhouette_samples_fast
from segmentation.kprototypes import (
    KPrototypes,
    _assign,
    _iterate,
    default_gamma,
    kprototypes_cost,
)


def make_mixed(
    n: int = 300,
    k: int = 3,
    *,
    spread: float = 1.0,
    purity: float = 0.8,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Customers with ``k`` planted segments: 2 numeric and 3 categorical columns.

    Segment ``s`` is centred at ``(4 s, -4 s)`` with standard deviation
    ``spread``; each categorical column takes level ``s`` with probability
    ``purity`` and a uniform level otherwise.
    """
    rng = np.random.default_rng(seed)
    truth = np.arange(n) % k
    rng.shuffle(truth)
    centres = np.column_stack([4.0 * truth, -4.0 * truth])
    X_num = centres + spread * rng.normal(size=(n, 2))
    noise = rng.integers(0, k + 1, size=(n, 3))
    X_cat = np.where(rng.random((n, 3)) < purity, truth[:, None], noise)
    return X_num, X_cat.astype(np.int64), truth


def fit_reference(X_num, X_cat, k, *, n_init, seed, gamma=None):
    """kmodes' KPrototypes on the same data (numeric columns first)."""
    p, q = X_num.shape[1], X_cat.shape[1]
    model = RefKPrototypes(
        n_clusters=k, init="Huang", n_init=n_init, gamma=gamma, random_state=seed
    )
    return model.fit(np.hstack([X_num, X_cat]), categorical=list(range(p, p + q)))


def brute_cost(X_num, X_cat, labels, cent_num, cent_cat, gamma) -> float:
    """The K-Prototypes cost written out with numpy."""
    num = ((X_num - cent_num[labels]) ** 2).sum(axis=1)
    cat = (X_cat != cent_cat[labels]).sum(axis=1)
    return float((num + gamma * cat).sum())


# ---------------------------------------------------------------------------
# Agreement with kmodes
# ---------------------------------------------------------------------------


def test_cost_no_worse_than_kmodes_on_average():
    """Over several seeds the best cost is within 1% of kmodes' on overlapping data."""
    ours, ref = [], []
    for seed in range(4):
        X_num, X_cat, _ = make_mixed(300, 4, spread=2.5, purity=0.5, seed=seed)
        ref.append(fit_reference(X_num, X_cat, 4, n_init=4, seed=seed).cost_)
        model = KPrototypes(4, n_init=4, random_state=seed).fit(X_num, X_cat)
        ours.append(model.cost_)
    relative = (np.array(ours) - np.array(ref)) / np.array(ref)
    assert relative.mean() <= 0.01


def test_same_seed_as_kmodes_gives_the_same_result():
    """With the same random_state, labels and cost equal kmodes' (same draws)."""
    for seed in (10, 11):
        X_num, X_cat, _ = make_mixed(200, 4, spread=2.5, purity=0.5, seed=seed)
        ref = fit_reference(X_num, X_cat, 4, n_init=3, seed=seed)
        model = KPrototypes(4, n_init=3, random_state=seed).fit(X_num, X_cat)
        assert adjusted_rand_score(ref.labels_, model.labels_) == 1.0
        assert model.cost_ == pytest.approx(ref.cost_, rel=1e-12)


def test_iteration_matches_kmodes_from_the_same_start():
    """From the same initial centroids, kmodes and ours end with the same result."""
    X_num, X_cat, _ = make_mixed(300, 4, spread=2.5, purity=0.5, seed=20)
    gamma = default_gamma(X_num)
    offsets = np.arange(4, dtype=np.int64) * 5  # 3 columns with codes 0..4
    rng = np.random.default_rng(0)
    for _ in range(3):
        start = rng.choice(300, 4, replace=False)
        cent_num = X_num[start] + rng.normal(scale=0.3, size=(4, 2))
        cent_cat = X_cat[start].copy()
        ref = RefKPrototypes(4, init=[cent_num.copy(), cent_cat.copy()], gamma=gamma)
        ref.fit(np.hstack([X_num, X_cat]), categorical=[2, 3, 4])
        labels = np.empty(300, dtype=np.int64)
        _assign(X_num, X_cat, cent_num, cent_cat, gamma, labels)
        closest, cost, n_iter = _iterate(
            X_num, X_cat, offsets, gamma, cent_num, cent_cat, labels, 100, np.zeros(1)
        )
        np.testing.assert_array_equal(closest, ref.labels_)
        assert cost == pytest.approx(ref.cost_, rel=1e-12)
        assert n_iter == ref.n_iter_


def test_planted_partition_equals_kmodes_and_truth():
    """On well-separated planted segments both find the planted partition."""
    X_num, X_cat, truth = make_mixed(300, 3, spread=0.5, purity=0.9, seed=1)
    ref = fit_reference(X_num, X_cat, 3, n_init=5, seed=0)
    model = KPrototypes(3, n_init=5, random_state=0).fit(X_num, X_cat)
    assert adjusted_rand_score(truth, model.labels_) == 1.0
    assert adjusted_rand_score(ref.labels_, model.labels_) == 1.0
    assert model.cost_ == pytest.approx(ref.cost_, rel=1e-9)


def test_default_gamma_matches_kmodes_estimate():
    """default_gamma and the fitted gamma_ equal kmodes' estimate when gamma=None."""
    X_num, X_cat, _ = make_mixed(200, 3, spread=1.7, seed=2)
    X_num[:, 1] *= 10.0
    ref = fit_reference(X_num, X_cat, 3, n_init=1, seed=0)
    model = KPrototypes(3, n_init=1, random_state=0).fit(X_num, X_cat)
    # equal up to the summation order of numpy's std on differently laid out arrays
    assert default_gamma(X_num) == pytest.approx(ref.gamma, rel=1e-12)
    assert model.gamma_ == default_gamma(X_num)


def test_default_gamma_by_hand():
    """default_gamma is half the mean population std, and 1.0 without numeric columns."""
    assert default_gamma([[0.0, 0.0], [2.0, 4.0]]) == 0.75
    assert default_gamma(np.zeros((5, 0))) == 1.0


# ---------------------------------------------------------------------------
# Fitted attributes
# ---------------------------------------------------------------------------


def test_cost_equals_kprototypes_cost_and_brute_force():
    """cost_ is kprototypes_cost of labels_ and centroids, and the numpy formula."""
    X_num, X_cat, _ = make_mixed(250, 4, spread=2.0, purity=0.6, seed=3)
    model = KPrototypes(4, n_init=3, gamma=0.8, random_state=1).fit(X_num, X_cat)
    args = (X_num, X_cat, model.labels_, model.centroids_num_, model.centroids_cat_)
    assert model.cost_ == kprototypes_cost(*args, model.gamma_)
    assert model.cost_ == pytest.approx(brute_cost(*args, 0.8), rel=1e-12)
    assert model.cost_ == min(model.cost_per_init_)
    assert len(model.cost_per_init_) == 3


def test_fitted_shapes_and_types():
    """Fitted attributes have the documented shapes and dtypes."""
    X_num, X_cat, _ = make_mixed(120, 3, seed=4)
    model = KPrototypes(3, n_init=2, random_state=0).fit(X_num, X_cat)
    assert model.labels_.shape == (120,) and model.labels_.dtype == np.int64
    assert model.centroids_num_.shape == (3, 2)
    assert model.centroids_cat_.shape == (3, 3)
    assert isinstance(model.cost_, float) and isinstance(model.n_iter_, int)
    assert 1 <= model.n_iter_ <= model.max_iter


def test_same_seed_same_labels():
    """The same random_state gives the same labels, cost and centroids."""
    X_num, X_cat, _ = make_mixed(300, 4, spread=2.5, purity=0.5, seed=5)
    first = KPrototypes(4, n_init=6, random_state=7).fit(X_num, X_cat)
    second = KPrototypes(4, n_init=6, random_state=7).fit(X_num, X_cat)
    np.testing.assert_array_equal(first.labels_, second.labels_)
    np.testing.assert_array_equal(first.centroids_num_, second.centroids_num_)
    assert first.cost_per_init_ == second.cost_per_init_


def test_predict_returns_the_fitted_labels():
    """predict on the training customers gives labels_; unseen codes still work."""
    X_num, X_cat, _ = make_mixed(200, 3, spread=1.5, seed=6)
    model = KPrototypes(3, n_init=2, random_state=0).fit(X_num, X_cat)
    np.testing.assert_array_equal(model.predict(X_num, X_cat), model.labels_)
    unseen = X_cat.copy()
    unseen[:, 0] = 99
    assert model.predict(X_num, unseen).shape == (200,)


def test_codes_need_not_be_contiguous():
    """Sparse codes (e.g. 10, 20, 30) give the same partition as 0, 1, 2."""
    X_num, X_cat, _ = make_mixed(200, 3, spread=1.5, seed=7)
    dense = KPrototypes(3, n_init=2, random_state=0).fit(X_num, X_cat)
    sparse = KPrototypes(3, n_init=2, random_state=0).fit(X_num, 10 * X_cat + 10)
    np.testing.assert_array_equal(dense.labels_, sparse.labels_)
    np.testing.assert_array_equal(10 * dense.centroids_cat_ + 10, sparse.centroids_cat_)


def test_random_init_and_progress():
    """init='random' works and progress is called once per init, ending at 1."""
    X_num, X_cat, truth = make_mixed(200, 3, spread=0.5, purity=0.9, seed=8)
    calls = []
    model = KPrototypes(
        3,
        init="random",
        n_init=4,
        random_state=0,
        progress=lambda fraction, message: calls.append((fraction, message)),
    ).fit(X_num, X_cat)
    assert adjusted_rand_score(truth, model.labels_) == 1.0
    assert [fraction for fraction, _ in calls] == [0.25, 0.5, 0.75, 1.0]
    assert all(isinstance(message, str) for _, message in calls)


def test_emptied_cluster_is_refilled_and_centroids_stay_means():
    """A cluster emptied by a move gets a customer back; centroids are the means."""
    # The only member of cluster 2 ties with cluster 0 and leaves it first
    X_num = np.array([[0.2], [0.2], [0.2], [10.0], [10.1], [10.2]])
    X_cat = np.zeros((6, 0), dtype=np.int64)
    labels = np.array([0, 0, 2, 1, 1, 1], dtype=np.int64)
    cent_num = np.zeros((3, 1))
    cent_cat = np.zeros((3, 0), dtype=np.int64)
    offsets = np.zeros(1, dtype=np.int64)
    draws = np.array([0.0, 0.5, 0.99])
    _iterate(X_num, X_cat, offsets, 1.0, cent_num, cent_cat, labels, 10, draws)
    counts = np.bincount(labels, minlength=3)
    assert counts.min() >= 1
    means = np.array([X_num[labels == c].mean() for c in range(3)])
    np.testing.assert_allclose(cent_num[:, 0], means)


# ---------------------------------------------------------------------------
# Degenerate cases
# ---------------------------------------------------------------------------


def test_kmodes_only_when_no_numeric_columns():
    """With p == 0 the cost counts mismatches and matches kmodes' KModes."""
    # Four columns equal to the segment, one of them replaced by noise
    _, _, truth = make_mixed(300, 3, seed=9)
    rng = np.random.default_rng(9)
    X_cat = np.repeat(truth[:, None], 4, axis=1)
    X_cat[np.arange(300), rng.integers(0, 4, 300)] = rng.integers(0, 5, 300)
    model = KPrototypes(3, n_init=4, random_state=0).fit(np.zeros((300, 0)), X_cat)
    ref = RefKModes(3, init="Huang", n_init=4, random_state=0).fit(X_cat)
    assert model.gamma_ == 1.0
    assert model.centroids_num_.shape == (3, 0)
    assert adjusted_rand_score(truth, model.labels_) == 1.0
    assert model.cost_ <= ref.cost_ * 1.01
    mismatches = (X_cat != model.centroids_cat_[model.labels_]).sum()
    assert model.cost_ == mismatches
    assert KPrototypes(3, n_init=1).fit(None, X_cat).centroids_cat_.shape == (3, 4)


def test_kmeans_like_when_no_categorical_columns():
    """With q == 0 the clustering is K-Means-like: planted partition, KMeans inertia."""
    X_num, _, truth = make_mixed(300, 3, spread=0.7, seed=10)
    model = KPrototypes(3, n_init=5, random_state=0).fit(X_num, np.zeros((300, 0)))
    reference = KMeans(3, n_init=5, random_state=0).fit(X_num)
    assert model.centroids_cat_.shape == (3, 0)
    assert adjusted_rand_score(truth, model.labels_) == 1.0
    assert model.cost_ == pytest.approx(reference.inertia_, rel=1e-9)
    assert KPrototypes(3, n_init=1).fit(X_num, None).labels_.shape == (300,)


def test_float_codes_from_ordinal_encoder_are_accepted():
    """Whole-number float codes (as OrdinalEncoder returns) give the same result."""
    X_num, X_cat, _ = make_mixed(150, 3, seed=11)
    ints = KPrototypes(3, n_init=2, random_state=0).fit(X_num, X_cat)
    floats = KPrototypes(3, n_init=2, random_state=0).fit(X_num, X_cat.astype(float))
    np.testing.assert_array_equal(ints.labels_, floats.labels_)


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "X_num", "X_cat", "match"),
    [
        (
            {"n_clusters": 4},
            np.zeros((6, 1)),
            np.array([[0], [0], [1], [1], [2], [2]]),
            r"n_clusters=4 is more than the 3 distinct customers.*n_clusters <= 3",
        ),
        (
            {"n_clusters": 2},
            np.zeros((5, 1)),
            np.zeros((4, 1), dtype=int),
            r"X_num has 5 rows but X_cat has 4",
        ),
        (
            {"n_clusters": 2},
            np.array([[0.0], [np.nan], [1.0]]),
            np.zeros((3, 1), dtype=int),
            r"1 missing value\(s\) \(NaN\); impute them first",
        ),
        (
            {"n_clusters": 2},
            np.array([[0.0], [np.inf], [1.0]]),
            np.zeros((3, 1), dtype=int),
            r"infinite values",
        ),
        (
            {"n_clusters": 2},
            np.zeros((3, 1)),
            np.array([[0], [-1], [1]]),
            r"negative codes \(smallest -1\).*integers >= 0",
        ),
        (
            {"n_clusters": 2},
            np.zeros((3, 1)),
            np.array([[0.0], [0.5], [1.0]]),
            r"not whole numbers",
        ),
        (
            {"n_clusters": 2},
            np.zeros((3, 0)),
            np.zeros((3, 0), dtype=int),
            r"no columns",
        ),
        (
            {"n_clusters": 0},
            np.zeros((3, 1)),
            None,
            r"n_clusters=0 must be >= 1",
        ),
        (
            {"n_clusters": 2, "init": "Cao"},
            np.zeros((3, 1)),
            None,
            r"init='Cao' is not supported; use 'Huang' or 'random'",
        ),
        (
            {"n_clusters": 2, "gamma": -1.0},
            np.zeros((3, 1)),
            None,
            r"gamma=-1.0 must be a finite number >= 0",
        ),
        (
            {"n_clusters": 2},
            np.zeros(3),
            None,
            r"X_num has 1 dimension\(s\).*reshape\(-1, 1\)",
        ),
    ],
    ids=[
        "too-many-clusters",
        "row-mismatch",
        "nan",
        "inf",
        "negative-code",
        "fractional-code",
        "no-features",
        "zero-clusters",
        "bad-init",
        "negative-gamma",
        "1d-numeric",
    ],
)
def test_fit_errors_name_value_rule_and_fix(params, X_num, X_cat, match):
    """Bad input to fit raises ValueError with an actionable message."""
    with pytest.raises(ValueError, match=match):
        KPrototypes(**params).fit(X_num, X_cat)


def test_fit_rejects_text_categories():
    """String categories raise TypeError pointing to an encoder."""
    with pytest.raises(TypeError, match=r"must hold integer codes.*OrdinalEncoder"):
        KPrototypes(2).fit(np.zeros((3, 1)), np.array([["a"], ["b"], ["a"]]))


def test_predict_errors():
    """predict needs a fitted model and the same number of columns."""
    X_num, X_cat, _ = make_mixed(60, 2, seed=12)
    with pytest.raises(NotFittedError, match=r"not fitted yet; call fit"):
        KPrototypes(2).predict(X_num, X_cat)
    model = KPrototypes(2, n_init=1, random_state=0).fit(X_num, X_cat)
    with pytest.raises(ValueError, match=r"fitted on 2 and 3; pass the same features"):
        model.predict(X_num, X_cat[:, :2])


def test_kprototypes_cost_errors():
    """kprototypes_cost rejects labels outside the centroids and shape mismatches."""
    X_num, X_cat = np.zeros((3, 1)), np.zeros((3, 1), dtype=int)
    cent_num, cent_cat = np.zeros((2, 1)), np.zeros((2, 1), dtype=int)
    with pytest.raises(ValueError, match=r"labels range from 0 to 2 .* 0\.\.1"):
        kprototypes_cost(X_num, X_cat, [0, 1, 2], cent_num, cent_cat, 1.0)
    with pytest.raises(ValueError, match=r"centroids have 2 numeric"):
        kprototypes_cost(X_num, X_cat, [0, 1, 1], np.zeros((2, 2)), cent_cat, 1.0)
    with pytest.raises(ValueError, match=r"one integer cluster index per customer"):
        kprototypes_cost(X_num, X_cat, [0, 1], cent_num, cent_cat, 1.0)


# ---------------------------------------------------------------------------
# Silhouette kernel
# ---------------------------------------------------------------------------


def kprototypes_matrix(X_num, X_cat, gamma):
    """Full K-Prototypes dissimilarity matrix (for the reference only)."""
    num = ((X_num[:, None, :] - X_num[None, :, :]) ** 2).sum(axis=-1)
    cat = (X_cat[:, None, :] != X_cat[None, :, :]).sum(axis=-1)
    return num + gamma * cat


@pytest.fixture(scope="module")
def sil_data():
    """Overlapping mixed segments plus one singleton cluster."""
    X_num, X_cat, truth = make_mixed(240, 4, spread=2.0, purity=0.6, seed=13)
    labels = truth.copy()
    labels[7] = 9
    return X_num, X_cat, labels


def test_silhouette_euclidean_equals_sklearn(sil_data):
    """Euclidean silhouette equals sklearn's, singleton included (0)."""
    X_num, _, labels = sil_data
    ours = silhouette_samples_fast(X_num, labels)
    np.testing.assert_allclose(ours, silhouette_samples(X_num, labels), atol=1e-9)
    assert ours[7] == 0.0


def test_silhouette_kprototypes_equals_sklearn_precomputed(sil_data):
    """K-Prototypes silhouette equals sklearn's on the precomputed dissimilarity."""
    X_num, X_cat, labels = sil_data
    D = kprototypes_matrix(X_num, X_cat, 0.7)
    ours = silhouette_samples_fast(
        X_num, labels, X_cat=X_cat, gamma=0.7, metric="kprototypes"
    )
    reference = silhouette_samples(D, labels, metric="precomputed")
    np.testing.assert_allclose(ours, reference, atol=1e-9)


@pytest.mark.parametrize("metric", ["euclidean", "kprototypes"])
def test_silhouette_rows_are_measured_against_everyone(sil_data, metric):
    """With rows, each requested customer gets its full-data silhouette."""
    X_num, X_cat, labels = sil_data
    extra = {"X_cat": X_cat, "gamma": 0.7} if metric == "kprototypes" else {}
    full = silhouette_samples_fast(X_num, labels, metric=metric, **extra)
    rows = np.array([0, 7, 7, 100, 239])
    part = silhouette_samples_fast(X_num, labels, metric=metric, rows=rows, **extra)
    np.testing.assert_array_equal(part, full[rows])


@pytest.mark.parametrize("metric", ["euclidean", "kprototypes"])
def test_silhouette_clusters_larger_than_one_block(metric):
    """Clusters spanning several blocks of customers (and a partial one) are exact."""
    X_num, X_cat, truth = make_mixed(700, 2, spread=1.0, purity=0.7, seed=15)
    assert np.bincount(truth).min() > 2 * 128
    extra = {"X_cat": X_cat, "gamma": 0.4} if metric == "kprototypes" else {}
    ours = silhouette_samples_fast(X_num, truth, metric=metric, **extra)
    if metric == "kprototypes":
        D = kprototypes_matrix(X_num, X_cat, 0.4)
        reference = silhouette_samples(D, truth, metric="precomputed")
    else:
        reference = silhouette_samples(X_num, truth)
    np.testing.assert_allclose(ours, reference, atol=1e-9)


@pytest.mark.parametrize("metric", ["euclidean", "kprototypes"])
def test_silhouette_single_precision_is_close(sil_data, metric):
    """precision='single' moves values by well under 1e-5."""
    X_num, X_cat, labels = sil_data
    extra = {"X_cat": X_cat, "gamma": 0.7} if metric == "kprototypes" else {}
    double = silhouette_samples_fast(X_num, labels, metric=metric, **extra)
    single = silhouette_samples_fast(
        X_num, labels, metric=metric, precision="single", **extra
    )
    assert single.dtype == np.float64
    np.testing.assert_allclose(single, double, atol=1e-5)
    assert not np.array_equal(single, double)


def test_silhouette_categorical_only():
    """metric='kprototypes' works without numeric columns (mismatch counts)."""
    _, X_cat, truth = make_mixed(120, 3, seed=14)
    D = kprototypes_matrix(np.zeros((120, 0)), X_cat, 1.0)
    ours = silhouette_samples_fast(
        np.zeros((120, 0)), truth, X_cat=X_cat, gamma=1.0, metric="kprototypes"
    )
    reference = silhouette_samples(D, truth, metric="precomputed")
    np.testing.assert_allclose(ours, reference, atol=1e-9)


@pytest.mark.parametrize(
    ("labels", "kwargs", "match"),
    [
        (np.zeros(5), {}, r"1 distinct value\(s\) for 5 customers.*between 2 and"),
        (np.arange(5), {}, r"5 distinct value\(s\).* = 4 clusters"),
        ([0, 0, 1, 1, 1], {"rows": [0, 5]}, r"rows contains index 5 .* 0\.\.4"),
        ([0, 0, 1, 1, 1], {"metric": "cosine"}, r"metric='cosine' is not supported"),
        (
            [0, 0, 1, 1, 1],
            {"precision": "half"},
            r"precision='half' is not supported; use 'double' or 'single'",
        ),
        (
            [0, 0, 1, 1, 1],
            {"X_cat": np.zeros((5, 1))},
            r"X_cat is only used with metric='kprototypes'",
        ),
        ([0, 1], {}, r"labels has shape \(2,\) but X_num has 5 rows"),
    ],
    ids=[
        "one-cluster",
        "all-singletons",
        "row-out-of-range",
        "metric",
        "precision",
        "x-cat",
        "len",
    ],
)
def test_silhouette_errors(labels, kwargs, match):
    """Bad silhouette input raises ValueError naming the problem."""
    X_num = np.arange(5.0).reshape(-1, 1)
    with pytest.raises(ValueError, match=match):
        silhouette_samples_fast(X_num, labels, **kwargs)
