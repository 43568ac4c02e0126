"""Choosing k: fit every k in a range and measure each fit."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from .methods import METHOD_NAMES, Space, check_n_clusters, fit_segments
from .metrics import score_labels, silhouette_space, silhouette_values

__all__ = [
    "scan_k",
    "parse_k_range",
    "silhouette_by_customer",
    "SCAN_SILHOUETTE_SAMPLE",
]

logger = logging.getLogger(__name__)

SCAN_SILHOUETTE_SAMPLE = 10_000


def parse_k_range(text: str | Iterable[int]) -> list[int]:
    """Read ``"2-9"``, ``"3,5,8"`` or a sequence of ints into a sorted list of k.

    Examples
    --------
    >>> parse_k_range("2-5")
    [2, 3, 4, 5]
    """
    if not isinstance(text, str):
        values = [int(v) for v in text]
    else:
        values = []
        try:
            for part in text.replace(" ", "").split(","):
                if "-" in part:
                    low, high = part.split("-")
                    values.extend(range(int(low), int(high) + 1))
                elif part:
                    values.append(int(part))
        except ValueError:
            raise ValueError(
                f"Cannot read k range {text!r}; write it like 2-9 or 3,5,8."
            ) from None
    values = sorted(set(values))
    if not values:
        raise ValueError(f"The k range {text!r} is empty; write it like 2-9.")
    if values[0] < 2:
        raise ValueError(f"k={values[0]} is too small; every k must be at least 2.")
    return values


def scan_k(
    space: Space,
    ks: Iterable[int] | str = range(2, 10),
    *,
    random_state: int | None = 0,
    n_init: int = 10,
    silhouette_sample: int | None = SCAN_SILHOUETTE_SAMPLE,
    progress: Callable[[float, str], None] | None = None,
) -> pd.DataFrame:
    """Fit each k and measure it.

    Parameters
    ----------
    space : Space
        From :func:`~segmentation.methods.build_space`.
    ks : iterable of int or str, default=range(2, 10)
    random_state : int or None, default=0
        The same seed is used for every k.
    n_init : int, default=10
    silhouette_sample : int or None, default=10,000
        The silhouette of each k is the mean over this many randomly chosen
        customers (the same ones for every k), each measured against all
        customers: an unbiased estimate of the exact value. None computes it
        exactly on every customer.
    progress : callable, optional

    Returns
    -------
    DataFrame
        One row per k with ``k``, ``inertia_or_cost`` (K-Means inertia or
        K-Prototypes cost), ``silhouette``, ``calinski_harabasz``,
        ``davies_bouldin``.
    """
    ks = parse_k_range(ks)
    kept = space.kept
    X_cat = None if space.X_cat is None else space.X_cat[kept]
    check_n_clusters(ks[-1], space.X[kept], X_cat)
    X = space.euclidean()
    own_silhouette = silhouette_space(space)

    rows = []
    for i, k in enumerate(ks):
        if progress is not None:
            progress(i / len(ks), f"{METHOD_NAMES[space.method]}: fitting k={k}")
        result = fit_segments(space, k, random_state=random_state, n_init=n_init)
        labels = result.labels[kept]
        scores = score_labels(
            X,
            labels,
            silhouette_space=own_silhouette,
            sample_size=silhouette_sample,
            random_state=random_state,
        )
        rows.append(
            {
                "k": k,
                "inertia_or_cost": result.objective,
                "silhouette": scores.silhouette,
                "calinski_harabasz": scores.calinski_harabasz,
                "davies_bouldin": scores.davies_bouldin,
            }
        )
        logger.info("k=%d silhouette=%.4f", k, scores.silhouette)
    if progress is not None:
        progress(1.0, "Scan finished")
    return pd.DataFrame(rows)


def silhouette_by_customer(space: Space, labels: np.ndarray) -> pd.DataFrame:
    """Silhouette of every kept customer, for a silhouette plot.

    Returns
    -------
    DataFrame
        Columns ``cluster`` and ``silhouette``, indexed by customer position,
        sorted by cluster then decreasing silhouette.
    """
    kept_labels = np.asarray(labels)[space.kept]
    own = silhouette_space(space)
    if own is None:
        values = silhouette_values(space.euclidean(), kept_labels)
    else:
        values = silhouette_values(
            own[0], kept_labels, squared=True, X_cat=own[1], gamma=own[2]
        )
    frame = pd.DataFrame(
        {"cluster": kept_labels, "silhouette": values},
        index=np.flatnonzero(space.kept),
    )
    return frame.sort_values(["cluster", "silhouette"], ascending=[True, False])
