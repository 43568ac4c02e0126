"""Outlier detection with ECOD (empirical cumulative distribution outliers)."""

from __future__ import annotations

import logging

import numpy as np
from pyod.models.ecod import ECOD

__all__ = ["find_outliers", "MIN_CUSTOMERS_AFTER_OUTLIERS"]

logger = logging.getLogger(__name__)

MIN_CUSTOMERS_AFTER_OUTLIERS = 10


def find_outliers(
    X: np.ndarray,
    *,
    contamination: float = 0.1,
    min_kept: int = MIN_CUSTOMERS_AFTER_OUTLIERS,
) -> np.ndarray:
    """Mark the customers that ECOD finds the most unusual.

    Parameters
    ----------
    X : ndarray of shape (n_customers, n_features)
        A numeric representation of the customers.
    contamination : float, default=0.1
        Share of customers to mark, in (0, 0.5].
    min_kept : int, default=10
        Refuse when fewer customers than this would be left.

    Returns
    -------
    ndarray of bool, shape (n_customers,)
        True for an outlier.

    Raises
    ------
    ValueError
        Bad contamination, or too few customers left.

    Notes
    -----
    ECOD (Li et al., 2022) scores each customer by how far into the tails of
    each feature's empirical distribution it lies; it has no parameters to
    tune and is deterministic. pyod's implementation is used as it is.
    """
    X = np.asarray(X, dtype=float)
    if not 0 < contamination <= 0.5:
        raise ValueError(
            f"contamination={contamination} must be in (0, 0.5]; 0.1 marks the most "
            "unusual 10% of customers."
        )
    n = X.shape[0]
    expected_left = int(n - np.ceil(contamination * n))
    if expected_left < min_kept:
        raise ValueError(
            f"Outlier removal would leave about {expected_left} of {n} customers, fewer "
            f"than the {min_kept} needed; keep the outliers or load more customers."
        )
    detector = ECOD(contamination=contamination)
    detector.fit(X)
    is_outlier = np.asarray(detector.labels_, dtype=bool)
    logger.info("ECOD marked %d of %d customers as outliers", is_outlier.sum(), n)
    return is_outlier
