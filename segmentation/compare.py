"""Agreement between two segmentations of the same customers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

__all__ = ["Agreement", "compare_segmentations"]


@dataclass(frozen=True)
class Agreement:
    """How two segmentations agree on the customers both kept.

    Attributes
    ----------
    adjusted_rand : float
        1 for identical partitions (up to renaming), about 0 for chance.
    n_customers : int
        Customers segmented by both (outliers of either are left out).
    crosstab : DataFrame
        Customers in each pair of segments (rows: first, columns: second).
    """

    adjusted_rand: float
    n_customers: int
    crosstab: pd.DataFrame


def compare_segmentations(
    labels_a: np.ndarray,
    labels_b: np.ndarray,
    *,
    names: tuple[str, str] = ("first", "second"),
) -> Agreement:
    """Adjusted Rand index and cross-tab of two label vectors.

    ``-1`` marks an outlier; customers that are outliers in either are left out.

    Examples
    --------
    >>> compare_segmentations([0, 0, 1, 1], [1, 1, 0, 0]).adjusted_rand
    1.0
    """
    a, b = np.asarray(labels_a), np.asarray(labels_b)
    if a.shape != b.shape:
        raise ValueError(
            f"The segmentations cover {len(a)} and {len(b)} customers; compare "
            "segmentations of the same customers."
        )
    both = (a >= 0) & (b >= 0)
    if not both.any():
        raise ValueError("No customer is segmented by both methods; keep the outliers.")
    a, b = a[both], b[both]
    table = pd.crosstab(
        pd.Series(a + 1, name=names[0]), pd.Series(b + 1, name=names[1])
    )
    return Agreement(float(adjusted_rand_score(a, b)), int(both.sum()), table)
