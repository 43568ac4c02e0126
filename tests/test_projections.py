"""Tests of segmentation.projections and segmentation.explain."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shap
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

from segmentation.explain import _as_lightgbm_frame, explain_segments, shap_values
from segmentation.projections import project, project_table


@pytest.fixture
def points():
    rng = np.random.default_rng(0)
    return np.vstack([rng.normal(c, 0.5, size=(60, 5)) for c in (0, 5)])


@pytest.mark.parametrize("n_components", [2, 3])
def test_pca_matches_scikit_learn(points, n_components):
    """PCA of the standardized features, with scikit-learn's explained shares."""
    result = project(points, "pca", n_components=n_components)
    expected = PCA(n_components).fit(StandardScaler().fit_transform(points))
    np.testing.assert_allclose(result.explained, expected.explained_variance_ratio_)
    assert list(result.coordinates.columns) == ["x", "y", "z"][:n_components]
    assert result.axis_titles()[0].startswith("PC1 (")


@pytest.mark.parametrize("n_components", [2, 3])
def test_tsne_separates_two_groups(points, n_components):
    """t-SNE keeps two far-apart groups apart (95% of nearest neighbours in-group)."""
    result = project(points, "tsne", n_components=n_components, random_state=0)
    coords = result.coordinates.to_numpy()
    assert coords.shape == (120, n_components) and result.explained is None
    dist = ((coords[:, None, :] - coords[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(dist, np.inf)
    nearest = dist.argmin(axis=1)
    assert np.mean((nearest < 60) == (np.arange(120) < 60)) >= 0.95


def test_projection_keeps_index(points):
    """Coordinates carry the customers' row numbers."""
    index = pd.Index(np.arange(100, 220))
    assert project(points, "pca", index=index).coordinates.index.equals(index)


@pytest.mark.parametrize(
    ("method", "kwargs", "message"),
    [
        ("umap", {}, "Unknown projection 'umap'"),
        ("pca", {"n_components": 4}, "n_components=4 must be 2 or 3"),
    ],
)
def test_projection_errors(points, method, kwargs, message):
    """Unknown methods and bad axis counts are refused with the choices."""
    with pytest.raises(ValueError, match=message):
        project(points, method, **kwargs)


@pytest.mark.parametrize("method", ["mca", "famd"])
def test_table_projections(planted, method):
    """MCA and FAMD give coordinates per customer and explained shares below 1."""
    table, _ = planted
    result = project_table(table.frame, method, n_components=2)
    assert result.coordinates.shape == (table.n_customers, 2)
    assert 0 < sum(result.explained) <= 1 + 1e-9


def test_famd_needs_both_kinds():
    """FAMD on only numeric columns points to PCA."""
    frame = pd.DataFrame({"a": np.arange(10.0), "b": np.arange(10.0) ** 2})
    with pytest.raises(ValueError, match="All columns are numeric.*use PCA"):
        project_table(frame, "famd")


def test_explanation_finds_the_deciding_feature():
    """When segments are decided by one column, it tops the SHAP ranking and accuracy is high."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "age": rng.integers(18, 90, 600),
            "noise": rng.normal(size=600),
            "colour": rng.choice(["red", "blue"], 600),
        }
    )
    labels = np.digitize(frame["age"], [40, 65])
    result = explain_segments(frame, labels, random_state=0)
    assert result.importance.index[0] == "age"
    assert result.accuracy > 0.95 and result.n_test == 150
    assert list(result.by_segment.index) == [0, 1, 2]
    assert (result.by_segment.idxmax(axis=1) == "age").all()


def test_shap_values_equal_tree_explainer():
    """LightGBM's own TreeSHAP gives the values shap.TreeExplainer computes."""
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=300),
            "y": rng.normal(size=300),
            "c": rng.choice(list("abc"), 300),
        }
    )
    labels = (frame["x"] > 0).astype(int) + (frame["c"] == "a")
    model = explain_segments(frame, labels.to_numpy(), n_estimators=30).model
    X = _as_lightgbm_frame(frame)
    reference = np.asarray(shap.TreeExplainer(model).shap_values(X))
    np.testing.assert_allclose(shap_values(model, X), reference, atol=1e-9)


def test_explanation_needs_two_segments():
    """One segment cannot be explained: refused with the fix."""
    frame = pd.DataFrame({"a": range(10)})
    with pytest.raises(ValueError, match="at least two segments; raise k"):
        explain_segments(frame, np.zeros(10, dtype=int))
