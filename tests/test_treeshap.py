from __future__ import annotations

import warnings

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
import shap

from segmentation._treeshap import (
    _CATEGORICAL,
    _MISSING_NAN,
    _MISSING_NONE,
    _MISSING_ZERO,
    encode_rows,
    flatten_trees,
    tree_shap,
)
from segmentation.explain import shap_values


def _customers(n: int, seed: int, n_jobs: int = 6) -> tuple[pd.DataFrame, np.ndarray]:
    """Numeric and categorical columns with four planted segments."""
    rng = np.random.default_rng(seed)
    jobs = [f"job{i:02d}" for i in range(n_jobs)]
    frame = pd.DataFrame(
        {
            "age": rng.normal(45, 12, n),
            "balance": rng.exponential(1000, n),
            "job": pd.Categorical(rng.choice(jobs, n), categories=jobs),
            "housing": pd.Categorical(rng.choice(["no", "yes"], n)),
        }
    )
    codes = frame["job"].cat.codes.to_numpy()
    labels = (
        (frame["age"].to_numpy() > 45).astype(int)
        + 2 * (codes % 3 == 0)
        + (frame["balance"].to_numpy() > 1500) * (codes % 2)
    ) % 4
    flip = rng.random(n) < 0.1
    labels[flip] = rng.integers(0, 4, flip.sum())
    return frame, labels


def _fit(frame: pd.DataFrame, labels: np.ndarray, **params) -> lgb.LGBMClassifier:
    settings = dict(
        n_estimators=30,
        num_leaves=15,
        min_child_samples=5,
        random_state=0,
        n_jobs=1,
        verbose=-1,
    )
    settings.update(params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return lgb.LGBMClassifier(**settings).fit(frame, labels)


def _reference(model: lgb.LGBMClassifier, X: pd.DataFrame):
    """LightGBM's pred_contrib as (values (n, p, k), bias (k,))."""
    contrib = np.asarray(model.booster_.predict(X, pred_contrib=True))
    n, p = X.shape
    contrib = contrib.reshape(n, -1, p + 1)
    return contrib[:, :, :p].transpose(0, 2, 1), contrib[0, :, p]


def _assert_equal_to_lightgbm(model: lgb.LGBMClassifier, X: pd.DataFrame) -> None:
    values, expected = tree_shap(model.booster_, X)
    reference, bias = _reference(model, X)
    np.testing.assert_allclose(values, reference, rtol=0, atol=1e-9)
    np.testing.assert_allclose(expected, bias, rtol=0, atol=1e-9)
    raw = model.booster_.predict(X, raw_score=True).reshape(len(X), -1)
    np.testing.assert_allclose(values.sum(axis=1) + expected, raw, rtol=0, atol=1e-9)


@pytest.fixture(scope="module")
def multiclass():
    frame, labels = _customers(800, seed=0)
    return _fit(frame, labels), frame


def test_multiclass_equals_lightgbm_and_tree_explainer(multiclass):
    """Four classes, numeric and categorical columns: pred_contrib and shap values."""
    model, frame = multiclass
    _assert_equal_to_lightgbm(model, frame)
    reference = np.asarray(shap.TreeExplainer(model).shap_values(frame))
    np.testing.assert_allclose(shap_values(model, frame), reference, atol=1e-9)
    assert shap_values(model, frame).shape == (800, 4, 4)


def test_missing_values_in_training(multiclass):
    """NaN in a numeric and a categorical column at training and prediction."""
    frame, labels = _customers(800, seed=1)
    rng = np.random.default_rng(1)
    frame.loc[rng.random(800) < 0.15, "age"] = np.nan
    frame.loc[rng.random(800) < 0.15, "job"] = np.nan
    model = _fit(frame, labels)
    kinds = flatten_trees(model.booster_).kind
    assert (kinds == _MISSING_NAN).any() and (kinds == _CATEGORICAL).any()
    _assert_equal_to_lightgbm(model, frame)


def test_missing_values_unseen_in_training(multiclass):
    """NaN where training had none: numeric as 0 (missing type None), category right."""
    model, frame = multiclass
    frame = frame.copy()
    frame.loc[::3, "age"] = np.nan
    frame.loc[::4, "balance"] = np.nan
    frame.loc[::5, "job"] = np.nan
    assert (flatten_trees(model.booster_).kind == _MISSING_NONE).any()
    _assert_equal_to_lightgbm(model, frame)


def test_zero_as_missing():
    """zero_as_missing=True: zeros, tiny values and NaN take the default branch."""
    frame, labels = _customers(800, seed=2)
    frame.loc[::4, "balance"] = 0.0
    model = _fit(frame, labels, zero_as_missing=True)
    assert (flatten_trees(model.booster_).kind == _MISSING_ZERO).any()
    X = frame.copy()
    X.loc[1::7, "balance"] = np.nan
    X.loc[2::7, "balance"] = 1e-36
    X.loc[3::7, "age"] = 0.0
    _assert_equal_to_lightgbm(model, X)


def test_binary_model():
    """Two classes: one LightGBM output, returned as (-v, v) by shap_values."""
    frame, labels = _customers(600, seed=3)
    model = _fit(frame, labels % 2)
    _assert_equal_to_lightgbm(model, frame)
    values = shap_values(model, frame)
    with warnings.catch_warnings():
        # shap notes that its binary LightGBM output format changed
        warnings.simplefilter("ignore", UserWarning)
        reference = np.asarray(shap.TreeExplainer(model).shap_values(frame))
    assert values.shape == (600, 4, 2)
    np.testing.assert_allclose(values[:, :, 1], reference, atol=1e-9)
    np.testing.assert_array_equal(values[:, :, 0], -values[:, :, 1])


def test_many_categories():
    """70 categories: split sets reach past the first 32-bit word of the bitset."""
    frame, labels = _customers(3000, seed=4, n_jobs=70)
    model = _fit(frame, labels, min_data_per_group=5, cat_smooth=1.0)
    trees = flatten_trees(model.booster_)
    assert (trees.cat_end - trees.cat_begin).max() >= 2
    _assert_equal_to_lightgbm(model, frame)


def test_single_leaf_trees():
    """Trees without a split add to the expected value only."""
    frame, labels = _customers(200, seed=5)
    model = _fit(frame, labels, n_estimators=20, min_split_gain=2.0)
    trees = flatten_trees(model.booster_)
    n_splits = np.diff(trees.split_start)
    assert (n_splits == 0).any() and (n_splits > 0).any()
    _assert_equal_to_lightgbm(model, frame)


def test_encoding_uses_category_codes(multiclass):
    """Categories become their codes, a missing category NaN, numbers unchanged."""
    model, frame = multiclass
    X = frame.iloc[:3].copy()
    X.loc[X.index[0], "job"] = np.nan
    encoded = encode_rows(model.booster_, X)
    assert np.isnan(encoded[0, 2])
    np.testing.assert_array_equal(encoded[1:, 2], X["job"].cat.codes.iloc[1:])
    np.testing.assert_array_equal(encoded[:, 0], X["age"])


def test_other_categories_are_refused(multiclass):
    """A category column with other categories than in training names the fix."""
    model, frame = multiclass
    X = frame.copy()
    X["housing"] = X["housing"].cat.add_categories(["maybe"])
    with pytest.raises(ValueError, match=r"'housing' has categories.*set_categories"):
        tree_shap(model.booster_, X)


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda X: X.drop(columns="age"), ValueError, "X has 3 columns but.*4"),
        (
            lambda X: X.assign(job=X["job"].astype(str).astype("category")).assign(
                housing=X["housing"].astype(str)
            ),
            ValueError,
            "1 category columns but the model was trained with 2",
        ),
        (
            lambda X: X.assign(age=X["age"].astype(str)).assign(housing=X["housing"]),
            TypeError,
            "'age' has dtype",
        ),
    ],
    ids=["columns", "category-columns", "text-column"],
)
def test_bad_columns_are_refused(multiclass, change, error, message):
    """Wrong column count, category columns or dtypes are refused with the fix."""
    model, frame = multiclass
    with pytest.raises(error, match=message):
        tree_shap(model.booster_, change(frame))


def test_trees_with_more_than_64_splits():
    """Trees of over 65 leaves need several mask words; values still match."""
    frame, labels = _customers(3000, seed=7)
    model = _fit(frame, labels, n_estimators=5, num_leaves=120, min_child_samples=2)
    splits = flatten_trees(model.booster_).split_start
    assert np.diff(splits).max() > 64
    _assert_equal_to_lightgbm(model, frame.iloc[:300])
