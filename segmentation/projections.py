"""2D and 3D projections of customers for plots.

* PCA of the standardized features, with the share of variance each axis
  explains (PCA on the correlation matrix, so no feature dominates by its
  scale).
* t-SNE from openTSNE on every core: in 2D the FFT-accelerated method for
  large tables (fast enough for every customer) and Barnes-Hut for small
  ones; Barnes-Hut in 3D.
* MCA (categorical columns only) and FAMD (mixed columns) from prince, with
  the share of inertia each axis explains.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

__all__ = ["Projection", "PROJECTIONS", "project", "project_table"]

logger = logging.getLogger(__name__)

PROJECTIONS = ("pca", "tsne", "mca", "famd")
# Up to this many features, t-SNE finds nearest neighbours exactly with a
# k-d tree, faster than openTSNE's approximate index on few columns; wider
# tables (embeddings) use the approximate index.
_EXACT_NEIGHBOURS_MAX_FEATURES = 16
# openTSNE's defaults: 250 early-exaggeration iterations, then 500.
_TSNE_ITERATIONS = 750


@dataclass(frozen=True)
class Projection:
    """Coordinates of customers on 2 or 3 axes.

    Attributes
    ----------
    coordinates : DataFrame
        Columns ``x``, ``y`` (and ``z``), indexed like the input rows.
    explained : tuple of float or None
        Share of variance (PCA) or inertia (MCA, FAMD) each axis explains;
        None for t-SNE, whose axes have no such meaning.
    method : str
    """

    coordinates: pd.DataFrame
    explained: tuple[float, ...] | None
    method: str

    def axis_titles(self) -> list[str]:
        """Axis names for a chart, with the share each explains when known."""
        names = ["x", "y", "z"][: self.coordinates.shape[1]]
        label = {"pca": "PC", "tsne": "t-SNE ", "mca": "Dim ", "famd": "Dim "}[
            self.method
        ]
        if self.explained is None:
            return [f"{label}{i + 1}" for i in range(len(names))]
        return [
            f"{label}{i + 1} ({share:.1%})" for i, share in enumerate(self.explained)
        ]


def _frame(coords: np.ndarray, index: pd.Index) -> pd.DataFrame:
    return pd.DataFrame(
        coords[:, :3], index=index, columns=["x", "y", "z"][: coords.shape[1]]
    )


def _check_components(n_components: int, n_rows: int) -> None:
    if n_components not in (2, 3):
        raise ValueError(f"n_components={n_components} must be 2 or 3.")
    if n_rows <= n_components:
        raise ValueError(
            f"A {n_components}D projection needs more than {n_components} customers; "
            f"got {n_rows}."
        )


def project(
    X: np.ndarray,
    method: str = "pca",
    *,
    n_components: int = 2,
    index: pd.Index | None = None,
    random_state: int | None = 0,
    perplexity: float = 30.0,
    progress: Callable[[float, str], None] | None = None,
) -> Projection:
    """Project numeric features with PCA or t-SNE.

    Parameters
    ----------
    X : ndarray of shape (n_customers, n_features)
    method : {"pca", "tsne"}
    n_components : {2, 3}
    index : Index, optional
        Index of the returned coordinates (customer row numbers).
    random_state : int or None, default=0
    perplexity : float, default=30
        t-SNE's neighbourhood size; lowered automatically for tiny tables.
    progress : callable, optional

    Returns
    -------
    Projection
    """
    X = np.asarray(X, dtype=np.float64)
    index = pd.RangeIndex(len(X)) if index is None else index
    _check_components(n_components, len(X))
    if method == "pca":
        if X.shape[1] < n_components:
            raise ValueError(
                f"PCA in {n_components}D needs at least {n_components} features; the "
                f"space has {X.shape[1]}. Use 2D or choose more columns."
            )
        scaled = StandardScaler().fit_transform(X)
        pca = PCA(n_components=n_components, random_state=random_state).fit(scaled)
        return Projection(
            _frame(pca.transform(scaled), index),
            tuple(float(v) for v in pca.explained_variance_ratio_),
            "pca",
        )
    if method == "tsne":
        return Projection(
            _frame(_tsne(X, n_components, random_state, perplexity, progress), index),
            None,
            "tsne",
        )
    raise ValueError(
        f"Unknown projection {method!r} for numeric features; use 'pca' or 'tsne' "
        "(MCA and FAMD work on the customer table: use project_table)."
    )


def _tsne(
    X: np.ndarray,
    n_components: int,
    random_state: int | None,
    perplexity: float,
    progress: Callable[[float, str], None] | None,
) -> np.ndarray:
    perplexity = float(min(perplexity, max(1.0, (len(X) - 1) / 3)))
    if progress is not None:
        progress(0.0, f"t-SNE {n_components}D of {len(X):,} customers")
    from openTSNE import TSNE as OpenTSNE  # noqa: N811

    every, total, done = 50, _TSNE_ITERATIONS, [0]

    def report(iteration: int, error: float, embedding: np.ndarray) -> bool:
        done[0] += every
        if progress is not None:
            progress(min(done[0] / total, 0.99), f"t-SNE {n_components}D: optimising")
        return False

    # In 2D openTSNE picks FFT-accelerated gradients for large tables and
    # Barnes-Hut for small ones; it supports only Barnes-Hut in 3D.
    coords = OpenTSNE(
        n_components=n_components,
        perplexity=perplexity,
        random_state=random_state,
        n_jobs=-1,
        neighbors="exact" if X.shape[1] <= _EXACT_NEIGHBOURS_MAX_FEATURES else "auto",
        negative_gradient_method="auto" if n_components == 2 else "bh",
        callbacks=report,
        callbacks_every_iters=every,
        verbose=False,
    ).fit(X)
    coords = np.asarray(coords)
    if progress is not None:
        progress(1.0, "t-SNE finished")
    return coords


def project_table(
    frame: pd.DataFrame,
    method: str = "famd",
    *,
    n_components: int = 2,
    random_state: int | None = 0,
) -> Projection:
    """Project the customer table itself with MCA or FAMD (prince).

    Parameters
    ----------
    frame : DataFrame
        Customers in original units (``CustomerTable.frame``).
    method : {"mca", "famd"}
        MCA uses the categorical columns only; FAMD needs both numeric and
        categorical columns.
    n_components : {2, 3}

    Returns
    -------
    Projection
    """
    import prince

    _check_components(n_components, len(frame))
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    categorical = [c for c in frame.columns if c not in numeric]
    if method == "mca":
        if not categorical:
            raise ValueError(
                "MCA needs categorical columns and the table has none; use PCA."
            )
        data = frame[categorical].astype(str)
        model = prince.MCA(n_components=n_components, random_state=random_state)
    elif method == "famd":
        if not categorical:
            raise ValueError(
                "All columns are numeric: FAMD needs categories too; use PCA."
            )
        if not numeric:
            raise ValueError(
                "All columns are categorical: FAMD needs numbers too; use MCA."
            )
        data = frame[numeric + categorical].copy()
        data[categorical] = data[categorical].astype(str)
        data[numeric] = data[numeric].astype(float)
        model = prince.FAMD(n_components=n_components, random_state=random_state)
    else:
        raise ValueError(f"Unknown table projection {method!r}; use 'mca' or 'famd'.")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        model = model.fit(data)
        coords = np.asarray(model.row_coordinates(data))
    n_found = coords.shape[1]
    if n_found < n_components:
        raise ValueError(
            f"{method.upper()} found only {n_found} axes for these columns; use 2D or "
            "choose more columns."
        )
    explained = tuple(
        float(v) / 100 for v in model.percentage_of_variance_[:n_components]
    )
    return Projection(_frame(coords[:, :n_components], frame.index), explained, method)
