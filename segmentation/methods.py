"""The three segmentation methods, from a customer table to cluster labels.

Each method is two replaceable steps:

1. :func:`build_space` turns a :class:`~segmentation.data.CustomerTable` into
   the method's numeric space (a :class:`Space`) and marks outliers in it;
2. :func:`fit_segments` clusters the kept customers of a space into
   ``n_clusters`` groups (a :class:`Segmentation`).

:func:`segment_customers` runs both.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans

from .data import CustomerTable
from .features import encode_mixed, encode_ordinal_power, one_hot
from .outliers import find_outliers

__all__ = [
    "METHODS",
    "METHOD_NAMES",
    "Space",
    "Segmentation",
    "build_space",
    "fit_segments",
    "segment_customers",
    "check_n_clusters",
]

logger = logging.getLogger(__name__)

Progress = Callable[[float, str], None]

METHODS = ("kmeans", "kprototypes", "embedding")
METHOD_NAMES = {
    "kmeans": "K-Means",
    "kprototypes": "K-Prototypes",
    "embedding": "Embeddings + K-Means",
}


@dataclass(frozen=True)
class Space:
    """A method's representation of every customer, with outliers marked.

    Attributes
    ----------
    method : str
        One of :data:`METHODS`.
    X : ndarray of shape (n_customers, n_features)
        The numeric representation the method clusters (for K-Prototypes the
        numeric part only; may have zero columns).
    X_cat : ndarray of shape (n_customers, n_categorical) or None
        K-Prototypes' categorical codes; None for the other methods.
    gamma : float or None
        K-Prototypes' weight of one category mismatch.
    is_outlier : ndarray of bool, shape (n_customers,)
        Customers left out of clustering (all False when outliers are kept).
    notes : tuple of str
        What a user should know about how the space was built.
    """

    method: str
    X: np.ndarray
    X_cat: np.ndarray | None = None
    gamma: float | None = None
    is_outlier: np.ndarray = field(default=None)  # type: ignore[assignment]
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.is_outlier is None:
            object.__setattr__(self, "is_outlier", np.zeros(len(self.X), dtype=bool))

    @property
    def n_customers(self) -> int:
        return len(self.X)

    @property
    def kept(self) -> np.ndarray:
        """Boolean mask of the customers that are clustered."""
        return ~self.is_outlier

    @property
    def n_outliers(self) -> int:
        return int(self.is_outlier.sum())

    def euclidean(self) -> np.ndarray:
        """The space as one Euclidean matrix of the kept customers.

        For K-Prototypes the categories are one-hot encoded with each indicator
        scaled by ``sqrt(gamma / 2)``, so that squared Euclidean distances equal
        K-Prototypes' dissimilarity (squared distance plus gamma per mismatch).
        """
        X = self.X[self.kept]
        if self.X_cat is None or self.X_cat.shape[1] == 0:
            return X
        scale = np.sqrt((self.gamma or 0.0) / 2)
        return np.hstack([X, one_hot(self.X_cat[self.kept], scale=scale)])


@dataclass(frozen=True)
class Segmentation:
    """Cluster labels of one method.

    Attributes
    ----------
    method : str
    n_clusters : int
    labels : ndarray of int, shape (n_customers,)
        Cluster of each customer, ``-1`` for an outlier left out.
    objective : float
        K-Means inertia or K-Prototypes cost of the kept customers.
    random_state : int or None
    notes : tuple of str
    """

    method: str
    n_clusters: int
    labels: np.ndarray
    objective: float
    random_state: int | None = None
    notes: tuple[str, ...] = ()

    @property
    def kept(self) -> np.ndarray:
        return self.labels >= 0


def _check_method(method: str) -> str:
    if method not in METHODS:
        raise ValueError(
            f"Unknown method {method!r}; choose one of {', '.join(METHODS)}."
        )
    return method


def check_n_clusters(
    n_clusters: int, X: np.ndarray, X_cat: np.ndarray | None = None
) -> None:
    """Refuse a number of clusters the customers cannot support.

    Raises
    ------
    ValueError
        ``n_clusters`` below 2, above the number of customers, or above the
        number of distinct customers (the message gives the maximum allowed).
    """
    if isinstance(n_clusters, bool) or not isinstance(n_clusters, int | np.integer):
        raise TypeError(f"k must be a whole number, got {n_clusters!r}.")
    if n_clusters < 2:
        raise ValueError(f"k={n_clusters} must be at least 2.")
    n = len(X)
    if n_clusters > n:
        raise ValueError(
            f"k={n_clusters} is more than the {n} customers to cluster; lower k "
            "(or keep the outliers)."
        )
    rows = X if X_cat is None else np.hstack([X, X_cat.astype(float)])
    n_distinct = len(np.unique(np.round(rows, 12), axis=0)) if rows.shape[1] else 1
    if n_distinct < 2:
        raise ValueError(
            "Every customer is identical in the chosen columns, so there is nothing to "
            "segment; choose columns that differ between customers."
        )
    if n_clusters > n_distinct:
        raise ValueError(
            f"k={n_clusters} is more than the {n_distinct} distinct customers; the "
            f"maximum allowed is k={n_distinct}."
        )


def build_space(
    table: CustomerTable,
    method: str,
    *,
    remove_outliers: bool = True,
    contamination: float = 0.1,
    gamma: float | None = None,
    model: str | None = None,
    template: str | None = None,
    backend: str = "auto",
    cache_dir: str | Path | None = None,
    progress: Progress | None = None,
) -> Space:
    """Build a method's representation of the customers and mark outliers.

    Parameters
    ----------
    table : CustomerTable
    method : {"kmeans", "kprototypes", "embedding"}
    remove_outliers : bool, default=True
        Mark outliers with ECOD (see :func:`~segmentation.outliers.find_outliers`).
        K-Means and K-Prototypes look for outliers in the K-Means space (so both
        keep the same customers, as in the reference analysis); embeddings in
        the embedding space.
    contamination : float, default=0.1
        Share of customers ECOD marks.
    gamma : float, optional
        K-Prototypes' weight of a category mismatch; estimated as kmodes does
        (half the mean standard deviation of the numeric columns) when omitted.
    model, template, backend, cache_dir
        Embedding options, see :func:`segmentation.embeddings.embed_texts` and
        :func:`segmentation.embeddings.render_texts`.
    progress : callable, optional
        ``progress(fraction, message)``.

    Returns
    -------
    Space
    """
    _check_method(method)
    if not isinstance(table, CustomerTable):
        raise TypeError(f"Expected a CustomerTable, got {type(table).__name__}.")
    notes: list[str] = []
    X_cat = None

    # Representation
    if method == "kmeans":
        X = encode_ordinal_power(table)
        outlier_space = X
    elif method == "kprototypes":
        from .kprototypes import default_gamma

        mixed = encode_mixed(table)
        X, X_cat = mixed.X_num, mixed.X_cat
        if X_cat.shape[1] == 0:
            notes.append("No categorical column: K-Prototypes reduces to K-Means.")
        if X.shape[1] == 0:
            notes.append("No numeric column: K-Prototypes reduces to K-Modes.")
            gamma = 1.0 if gamma is None else gamma
        elif gamma is None:
            gamma = float(default_gamma(X))
        if gamma is not None and gamma < 0:
            raise ValueError(f"gamma={gamma} must be zero or positive.")
        outlier_space = encode_ordinal_power(table) if remove_outliers else None
    else:
        from .embeddings import DEFAULT_MODEL, embed_texts, render_texts

        texts = render_texts(table.frame, template=template)
        X = embed_texts(
            texts,
            model or DEFAULT_MODEL,
            backend=backend,
            cache_dir=cache_dir,
            progress=progress,
        )
        outlier_space = X

    # Outliers
    is_outlier = np.zeros(len(X), dtype=bool)
    if remove_outliers:
        is_outlier = find_outliers(outlier_space, contamination=contamination)
        notes.append(f"ECOD removed {int(is_outlier.sum()):,} outliers of {len(X):,}.")
    return Space(
        method=method,
        X=X,
        X_cat=X_cat,
        gamma=None if method != "kprototypes" else float(gamma),
        is_outlier=is_outlier,
        notes=tuple(notes),
    )


def fit_segments(
    space: Space,
    n_clusters: int,
    *,
    random_state: int | None = 0,
    n_init: int = 10,
    max_iter: int | None = None,
    progress: Progress | None = None,
) -> Segmentation:
    """Cluster the kept customers of a space.

    K-Means (k-means++, ``max_iter=1000`` by default) for the K-Means and
    embedding spaces; Huang's K-Prototypes (``max_iter=100`` by default) for
    the mixed space.

    Parameters
    ----------
    space : Space
    n_clusters : int
        Number of clusters, k.
    random_state : int or None, default=0
        Seed; the same space and seed give the same labels.
    n_init : int, default=10
        Runs from different starting points; the best is kept.
    max_iter : int, optional
    progress : callable, optional

    Returns
    -------
    Segmentation

    Raises
    ------
    ValueError
        When k does not fit the customers (see :func:`check_n_clusters`).
    """
    if n_init < 1:
        raise ValueError(f"n_init={n_init} must be at least 1.")
    kept = space.kept
    X = space.X[kept]
    X_cat = None if space.X_cat is None else space.X_cat[kept]
    check_n_clusters(n_clusters, X, X_cat)
    notes = []

    if space.method == "kprototypes":
        from .kprototypes import KPrototypes

        model = KPrototypes(
            n_clusters,
            gamma=space.gamma,
            init="Huang",
            n_init=n_init,
            max_iter=max_iter or 100,
            random_state=random_state,
            progress=progress,
        )
        model.fit(X, X_cat)
        labels_kept, objective = model.labels_, float(model.cost_)
    else:
        model = KMeans(
            n_clusters,
            init="k-means++",
            n_init=n_init,
            max_iter=max_iter or 1000,
            random_state=random_state,
        )
        # In double precision: on single-precision input (embeddings)
        # scikit-learn's k-means++ seeding widens every distance block it
        # computes, which made the whole fit half as slow again.
        labels_kept = model.fit_predict(np.asarray(X, dtype=np.float64))
        objective = float(model.inertia_)
    if progress is not None:
        progress(1.0, f"{METHOD_NAMES[space.method]}: {n_clusters} clusters found")

    found = len(np.unique(labels_kept))
    if found < n_clusters:
        message = f"Only {found} of the {n_clusters} clusters asked for are non-empty."
        warnings.warn(message, UserWarning, stacklevel=2)
        notes.append(message)
    labels = np.full(space.n_customers, -1, dtype=np.int64)
    labels[kept] = labels_kept
    return Segmentation(
        method=space.method,
        n_clusters=int(n_clusters),
        labels=labels,
        objective=objective,
        random_state=random_state,
        notes=tuple(notes),
    )


def segment_customers(
    table: CustomerTable,
    method: str,
    n_clusters: int,
    *,
    random_state: int | None = 0,
    n_init: int = 10,
    remove_outliers: bool = True,
    progress: Progress | None = None,
    **space_options,
) -> tuple[Space, Segmentation]:
    """Build the method's space and cluster it: :func:`build_space` then :func:`fit_segments`.

    Examples
    --------
    >>> from segmentation.data import prepare_customers
    >>> from segmentation.demo import make_demo_customers
    >>> table = prepare_customers(make_demo_customers(300))
    >>> space, result = segment_customers(table, "kmeans", 4, random_state=0)
    >>> int(result.kept.sum()), int((result.labels >= 0).sum())
    (270, 270)
    """
    space = build_space(
        table,
        method,
        remove_outliers=remove_outliers,
        progress=progress,
        **space_options,
    )
    result = fit_segments(
        space, n_clusters, random_state=random_state, n_init=n_init, progress=progress
    )
    return space, replace(result, notes=space.notes + result.notes)
