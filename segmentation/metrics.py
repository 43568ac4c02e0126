"""Quality metrics of a segmentation: silhouette, Calinski-Harabasz, Davies-Bouldin.

Each metric is computed in the method's own space (:meth:`Space.euclidean`):
for K-Prototypes that space turns its dissimilarity (squared distance on the
numbers plus gamma per category mismatch) into a squared Euclidean distance,
and its silhouette uses that dissimilarity itself, as K-Prototypes does. The
same metrics are also computed in one shared space
(:func:`~segmentation.features.encode_shared`) so the methods can be compared.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score

from ._silhouette import silhouette_samples_fast
from .methods import Segmentation, Space

__all__ = ["Scores", "silhouette_values", "score_segmentation", "score_labels"]

_CHUNK_BYTES = 128 * 2**20


@dataclass(frozen=True)
class Scores:
    """Quality of one segmentation in one space.

    ``silhouette_rows`` says on how many customers the silhouette was
    averaged (all of them unless a sample size was given).
    """

    silhouette: float
    calinski_harabasz: float
    davies_bouldin: float
    silhouette_rows: int

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


_NUMBA_MAX_FEATURES = 64
EXACT_SILHOUETTE_ROWS = 50_000
AUTO_SILHOUETTE_SAMPLE = 10_000


def silhouette_values(
    X: np.ndarray,
    labels: np.ndarray,
    *,
    squared: bool = False,
    X_cat: np.ndarray | None = None,
    gamma: float = 0.0,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """Silhouette of each customer, without building the full distance matrix.

    Parameters
    ----------
    X : ndarray of shape (n_customers, n_features)
    labels : ndarray of int, shape (n_customers,)
    squared : bool, default=False
        Use squared Euclidean distances, plus ``gamma`` per mismatch of
        ``X_cat``: K-Prototypes' dissimilarity.
    X_cat : ndarray of int, shape (n_customers, n_categorical), optional
        Category codes (only with ``squared=True``).
    gamma : float, default=0
    rows : ndarray of int, optional
        Only these customers, each measured against all customers; the mean
        over a random sample of rows estimates the exact mean without bias.
        Such an estimate is computed in single precision (about twice as
        fast; it moves each value by about 1e-7, far less than the sampling
        error); all customers are measured in double precision.

    Returns
    -------
    ndarray of shape (len(rows),) or (n_customers,)
        Values in [-1, 1]; 0 for a customer alone in its cluster (as in
        scikit-learn).

    Notes
    -----
    Low-dimensional spaces (up to 64 features) and K-Prototypes use a compiled
    kernel that sums each customer's distances cluster by cluster; wider
    spaces such as embeddings use matrix products on chunks of customers.
    """
    X = np.asarray(X)
    if X_cat is not None and not squared:
        raise ValueError(
            "Category codes are only used with squared=True (K-Prototypes)."
        )
    if X_cat is not None or squared or X.shape[1] <= _NUMBA_MAX_FEATURES:
        return silhouette_samples_fast(
            X,
            labels,
            X_cat=X_cat,
            gamma=gamma,
            metric="kprototypes" if squared else "euclidean",
            rows=rows,
            precision="double" if rows is None else "single",
        )
    return _silhouette_by_products(X, labels, rows)


def _silhouette_by_products(
    X: np.ndarray, labels: np.ndarray, rows: np.ndarray | None
) -> np.ndarray:
    """Euclidean silhouette from chunked matrix products (fast for wide spaces)."""
    dtype = np.float32 if X.dtype == np.float32 else np.float64
    X = np.ascontiguousarray(X, dtype=dtype)
    _, labels = np.unique(np.asarray(labels), return_inverse=True)
    n, k = len(X), int(labels.max()) + 1
    if not 2 <= k <= n - 1:
        raise ValueError(
            f"The silhouette needs between 2 and n_customers - 1 clusters; got {k} "
            f"clusters for {n} customers."
        )
    rows = np.arange(n) if rows is None else np.asarray(rows, dtype=np.int64)
    counts = np.bincount(labels, minlength=k).astype(np.float64)
    members = np.zeros((n, k), dtype=dtype)
    members[np.arange(n), labels] = 1.0
    norms = np.einsum("ij,ij->i", X, X)
    out = np.empty(len(rows))
    chunk = max(1, _CHUNK_BYTES // (8 * n))

    for start in range(0, len(rows), chunk):
        idx = rows[start : start + chunk]
        local = np.arange(len(idx))

        # Distances from this chunk of customers to every customer
        dist = norms[idx, None] + norms[None, :] - 2.0 * (X[idx] @ X.T)
        np.maximum(dist, 0.0, out=dist)
        np.sqrt(dist, out=dist)
        dist[local, idx] = 0.0

        # Mean distance to the own cluster (a) and to the nearest other one (b)
        sums = (dist @ members).astype(np.float64)
        own = labels[idx]
        own_size = counts[own]
        a = sums[local, own] / np.maximum(own_size - 1, 1)
        means = sums / counts
        means[local, own] = np.inf
        b = means.min(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            s = (b - a) / np.maximum(a, b)
        s[(own_size <= 1) | ~np.isfinite(s)] = 0.0
        out[start : start + len(idx)] = s
    return out


def score_labels(
    X: np.ndarray,
    labels: np.ndarray,
    *,
    squared_silhouette: bool = False,
    silhouette_space: tuple[np.ndarray, np.ndarray, float] | None = None,
    sample_size: int | str | None = "auto",
    random_state: int | None = 0,
) -> Scores:
    """Silhouette, Calinski-Harabasz and Davies-Bouldin of labels in a Euclidean space.

    ``sample_size`` limits the silhouette to a random sample of customers, each
    still measured against all of them (None: every customer, exact; "auto":
    exact up to 50,000 customers in up to 64 dimensions, else a 10,000-customer
    sample).
    ``silhouette_space`` = ``(X_num, X_cat, gamma)`` computes the silhouette with
    K-Prototypes' dissimilarity on those arrays instead of on ``X``.
    """
    X = np.asarray(X, dtype=np.float64)
    labels = np.asarray(labels)
    rows = None
    if sample_size == "auto":
        exact = len(X) <= EXACT_SILHOUETTE_ROWS and (
            silhouette_space is not None or X.shape[1] <= _NUMBA_MAX_FEATURES
        )
        sample_size = None if exact else AUTO_SILHOUETTE_SAMPLE
    if sample_size is not None and sample_size < len(X):
        rng = np.random.default_rng(random_state)
        rows = np.sort(rng.choice(len(X), size=sample_size, replace=False))
    if silhouette_space is not None:
        X_num, X_cat, gamma = silhouette_space
        values = silhouette_values(
            X_num, labels, squared=True, X_cat=X_cat, gamma=gamma, rows=rows
        )
    else:
        values = silhouette_values(X, labels, squared=squared_silhouette, rows=rows)
    return Scores(
        silhouette=float(values.mean()),
        calinski_harabasz=float(calinski_harabasz_score(X, labels)),
        davies_bouldin=float(davies_bouldin_score(X, labels)),
        silhouette_rows=len(values),
    )


def score_segmentation(
    space: Space,
    segmentation: Segmentation,
    *,
    sample_size: int | str | None = "auto",
    random_state: int | None = 0,
) -> Scores:
    """Metrics of a segmentation in its method's own space (kept customers only)."""
    if space.n_customers != len(segmentation.labels):
        raise ValueError(
            f"The space has {space.n_customers} customers but the segmentation "
            f"{len(segmentation.labels)}; use the space the segmentation was fitted on."
        )
    labels = segmentation.labels[space.kept]
    return score_labels(
        space.euclidean(),
        labels,
        silhouette_space=silhouette_space(space),
        sample_size=sample_size,
        random_state=random_state,
    )


def silhouette_space(space: Space) -> tuple[np.ndarray, np.ndarray, float] | None:
    """K-Prototypes' own arrays for its silhouette; None for Euclidean spaces."""
    if space.method != "kprototypes":
        return None
    kept = space.kept
    return space.X[kept], space.X_cat[kept], float(space.gamma or 0.0)
