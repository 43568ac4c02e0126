"""One full run of a method: space, clusters, metrics and profiles.

This is what the command line's ``run`` does for each method, and a
convenient entry point for scripts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

from .data import CustomerTable
from .features import encode_shared
from .methods import Segmentation, Space, segment_customers
from .metrics import Scores, score_labels, score_segmentation
from .profiles import build_profiles

__all__ = ["MethodRun", "run_method", "shared_scores", "pca_explained", "assignments"]

SHARED_SILHOUETTE_SAMPLE = 10_000


@dataclass(frozen=True)
class MethodRun:
    """Everything one method found."""

    space: Space
    segmentation: Segmentation
    scores: Scores
    shared: Scores
    pca_explained: tuple[float, ...]
    profiles: pd.DataFrame

    def metrics(self) -> dict[str, object]:
        """The figures written to ``metrics.json``."""
        return {
            "rows": self.space.n_customers,
            "rows_used": int(self.space.kept.sum()),
            "outliers": self.space.n_outliers,
            "k": self.segmentation.n_clusters,
            "silhouette": self.scores.silhouette,
            "silhouette_rows": self.scores.silhouette_rows,
            "calinski_harabasz": self.scores.calinski_harabasz,
            "davies_bouldin": self.scores.davies_bouldin,
            "pca_explained_variance": list(self.pca_explained),
            "objective": self.segmentation.objective,
            "shared_space": self.shared.as_dict(),
            "notes": list(self.segmentation.notes),
        }


def pca_explained(space: Space, n_components: int = 3) -> tuple[float, ...]:
    """Variance explained by the first principal components of the standardized space."""
    X = space.euclidean()
    n_components = min(n_components, X.shape[1], len(X))
    scaled = StandardScaler().fit_transform(X)
    return tuple(
        float(v) for v in PCA(n_components).fit(scaled).explained_variance_ratio_
    )


def shared_scores(
    table: CustomerTable,
    labels: np.ndarray,
    *,
    sample_size: int | None = SHARED_SILHOUETTE_SAMPLE,
    random_state: int | None = 0,
    shared: np.ndarray | None = None,
) -> Scores:
    """Metrics of labels in the shared space (see :func:`~segmentation.features.encode_shared`)."""
    X = encode_shared(table) if shared is None else shared
    kept = np.asarray(labels) >= 0
    return score_labels(
        X[kept],
        np.asarray(labels)[kept],
        sample_size=sample_size,
        random_state=random_state,
    )


def run_method(
    table: CustomerTable,
    method: str,
    n_clusters: int,
    *,
    random_state: int | None = 0,
    n_init: int = 10,
    remove_outliers: bool = True,
    names: Mapping[int, str] | None = None,
    silhouette_sample: int | str | None = "auto",
    progress: Callable[[float, str], None] | None = None,
    **space_options,
) -> MethodRun:
    """Segment the customers with one method and measure and profile the result."""
    space, segmentation = segment_customers(
        table,
        method,
        n_clusters,
        random_state=random_state,
        n_init=n_init,
        remove_outliers=remove_outliers,
        progress=progress,
        **space_options,
    )
    scores = score_segmentation(
        space, segmentation, sample_size=silhouette_sample, random_state=random_state
    )
    return MethodRun(
        space=space,
        segmentation=segmentation,
        scores=scores,
        shared=shared_scores(table, segmentation.labels, random_state=random_state),
        pca_explained=pca_explained(space),
        profiles=build_profiles(
            table.frame,
            segmentation.labels,
            numeric=table.numeric,
            categorical=table.categorical,
            names=names,
        ),
    )


def assignments(
    table: CustomerTable,
    labels_by_method: Mapping[str, np.ndarray],
    *,
    full_table: CustomerTable | None = None,
) -> pd.DataFrame:
    """One row per input customer: its row number and its segment under each method.

    Segments are numbered from 1; ``outlier`` marks a customer left out by
    outlier removal, ``dropped`` a row with every chosen column blank, and
    ``not sampled`` a customer of ``full_table`` left out of the sample
    ``table`` (see :func:`~segmentation.data.sample_customers`).
    """
    out = pd.DataFrame({"row": np.arange(table.n_input_rows)})
    for method, labels in labels_by_method.items():
        column = pd.Series("dropped", index=out.index, dtype=object)
        if full_table is not None:
            column.loc[full_table.frame.index] = "not sampled"
        values = np.where(np.asarray(labels) >= 0, np.asarray(labels) + 1, -1)
        column.loc[table.frame.index] = [str(v) if v > 0 else "outlier" for v in values]
        out[method] = column
    return out
