"""How results are shown to people: labels, column formats and short sentences.

Nothing here computes a result; these helpers pick, rename and format what the
core returned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import streamlit as st

from segmentation import METHOD_NAMES, CustomerTable, MethodRun
from segmentation.profiles import segment_names
from segmentation.selection import SCAN_SILHOUETTE_SAMPLE

OUTLIER = "Outlier"


def segment_labels(labels: np.ndarray, names: Mapping[int, str]) -> np.ndarray:
    """Each customer's segment name; ``Outlier`` for ``-1``."""
    labels = np.asarray(labels)
    named = segment_names(labels, names)
    lookup = {**named, -1: OUTLIER}
    return np.array([lookup[int(c)] for c in labels], dtype=object)


def segment_order(labels: np.ndarray, names: Mapping[int, str]) -> list[str]:
    """Segment names in cluster order, then ``Outlier``: the legend order."""
    order = list(segment_names(np.asarray(labels), names).values())
    return [*order, OUTLIER] if (np.asarray(labels) < 0).any() else order


def run_caption(method: str, run: MethodRun, options: object) -> str:
    """One line describing a run: method, k, seed, customers used, outliers."""
    space, result = run.space, run.segmentation
    used = int(space.kept.sum())
    outliers = (
        f"{space.n_outliers:,} outliers left out"
        if getattr(options, "remove_outliers", True)
        else "outliers kept"
    )
    return (
        f"{METHOD_NAMES[method]}, k = {result.n_clusters}, seed "
        f"{result.random_state}: {used:,} customers segmented, {outliers}."
    )


def metrics_table(runs: Mapping[str, MethodRun]) -> pd.DataFrame:
    """One row per method with its metrics in its own space and the shared space."""
    rows = []
    for method, run in runs.items():
        rows.append(
            {
                "method": METHOD_NAMES[method],
                "k": run.segmentation.n_clusters,
                "customers segmented": int(run.space.kept.sum()),
                "outliers": run.space.n_outliers,
                "own: silhouette": run.scores.silhouette,
                "own: Calinski-Harabasz": run.scores.calinski_harabasz,
                "own: Davies-Bouldin": run.scores.davies_bouldin,
                "shared: silhouette": run.shared.silhouette,
                "shared: Calinski-Harabasz": run.shared.calinski_harabasz,
                "shared: Davies-Bouldin": run.shared.davies_bouldin,
            }
        )
    return pd.DataFrame(rows)


def silhouette_sampling(runs: Mapping[str, MethodRun]) -> str | None:
    """A sentence saying which silhouettes were averaged over a sample, if any."""
    sampled = [
        f"{METHOD_NAMES[method]} ({run.scores.silhouette_rows:,} of "
        f"{int(run.space.kept.sum()):,})"
        for method, run in runs.items()
        if run.scores.silhouette_rows < int(run.space.kept.sum())
    ]
    if not sampled:
        return None
    return (
        "Own-space silhouette averaged over a random sample of customers, each "
        "measured against all customers: " + ", ".join(sampled) + ". The "
        "shared-space silhouette uses at most 10,000 customers the same way."
    )


def scan_sampling(n_kept: int) -> str | None:
    """A sentence saying the scan's silhouettes were estimated on a sample, if so."""
    if n_kept <= SCAN_SILHOUETTE_SAMPLE:
        return None
    return (
        f"To keep the scan quick, each k's silhouette is averaged over the same "
        f"{SCAN_SILHOUETTE_SAMPLE:,} random customers, each measured against all "
        f"{n_kept:,}: an unbiased estimate. The silhouette plot below measures "
        "every customer."
    )


def metric_columns() -> dict[str, object]:
    """Column formats of :func:`metrics_table`, with short labels and full help."""
    config: dict[str, object] = {
        "method": st.column_config.TextColumn("Method", pinned=True),
        "k": st.column_config.NumberColumn("k", format="%d", width="small"),
        "customers segmented": st.column_config.NumberColumn(
            "Customers",
            format="localized",
            help="Customers segmented (outliers excluded).",
        ),
        "outliers": st.column_config.NumberColumn("Outliers", format="localized"),
    }
    metrics = {
        "silhouette": (
            "Silhouette ↑",
            "%.3f",
            "Silhouette, from -1 to 1; higher means tighter, better separated segments.",
        ),
        "Calinski-Harabasz": (
            "CH ↑",
            "%,.0f",
            "Calinski-Harabasz: spread between segments over spread within; higher "
            "is better.",
        ),
        "Davies-Bouldin": (
            "DB ↓",
            "%.3f",
            "Davies-Bouldin: how much each segment resembles its closest one; lower "
            "is better.",
        ),
    }
    for space, where in (
        ("own", "the method's own space"),
        ("shared", "the shared space"),
    ):
        for metric, (label, fmt, text) in metrics.items():
            config[f"{space}: {metric}"] = st.column_config.NumberColumn(
                f"{label} {space}", help=f"{text} Measured in {where}.", format=fmt
            )
    return config


def scan_columns() -> dict[str, object]:
    """Column formats of a k scan."""
    return {
        "k": st.column_config.NumberColumn("k", format="%d"),
        "inertia_or_cost": st.column_config.NumberColumn(
            "Inertia or cost",
            format="%,.1f",
            help="Lower is tighter; look for the elbow.",
        ),
        "silhouette": st.column_config.NumberColumn("Silhouette", format="%.3f"),
        "calinski_harabasz": st.column_config.NumberColumn(
            "Calinski-Harabasz", format="%,.1f"
        ),
        "davies_bouldin": st.column_config.NumberColumn(
            "Davies-Bouldin", format="%.3f"
        ),
    }


def profile_columns(profiles: pd.DataFrame) -> dict[str, object]:
    """Column formats of a profile table: shares as percentages, numbers localized."""
    config: dict[str, object] = {
        "cluster": None,
        "segment": st.column_config.TextColumn("Segment", pinned=True),
        "size": st.column_config.NumberColumn("Customers", format="localized"),
        "share": st.column_config.NumberColumn("Share", format="percent"),
    }
    for column in profiles.columns:
        if column.endswith("_top_share"):
            config[column] = st.column_config.NumberColumn(
                column.replace("_top_share", ": share of top value"), format="percent"
            )
        elif column.endswith("_top_lift"):
            config[column] = st.column_config.NumberColumn(
                column.replace("_top_lift", ": lift of top value"),
                format="%.2f×",
                help="Share of the value in the segment divided by its share overall.",
            )
        elif column.endswith("_top"):
            config[column] = st.column_config.TextColumn(
                column.replace("_top", ": top value")
            )
        elif column.endswith("_mean_vs_all"):
            config[column] = st.column_config.NumberColumn(
                column.replace("_mean_vs_all", ": mean vs all"), format="%+,.1f"
            )
        elif column.endswith("_mean"):
            config[column] = st.column_config.NumberColumn(
                column.replace("_mean", ": mean"), format="%,.1f"
            )
        elif column.endswith("_median"):
            config[column] = st.column_config.NumberColumn(
                column.replace("_median", ": median"), format="%,.1f"
            )
    return config


def number(value: float, digits: int = 1) -> str:
    """A number for people: thousands separators, fixed decimals."""
    return f"{value:,.{digits}f}"


def highlights(
    row: pd.Series, numeric: Sequence[str], categorical: Sequence[str], limit: int = 3
) -> list[str]:
    """What sets a segment apart, as short sentences.

    The categorical values are those whose lift (share in the segment over the
    share among all customers) is highest, when above 1; the numeric columns
    are listed with their difference to all customers, in input order (the
    core gives differences in each column's own unit, which cannot be ranked
    against each other).
    """
    lines = []
    lifts = sorted(
        ((row[f"{c}_top_lift"], c) for c in categorical),
        key=lambda t: t[0],
        reverse=True,
    )
    for lift, column in lifts[:limit]:
        if lift > 1.0:
            lines.append(
                f"**{column} = {row[f'{column}_top']}** for "
                f"{row[f'{column}_top_share']:.0%} of the segment "
                f"({lift:.1f}× as common as overall)"
            )
    for column in numeric:
        lines.append(
            f"**{column}**: mean {number(row[f'{column}_mean'])}, median "
            f"{number(row[f'{column}_median'])} "
            f"({row[f'{column}_mean_vs_all']:+,.1f} vs all customers)"
        )
    return lines


def trust_sentence(accuracy: float, n_test: int) -> str:
    """How far to trust the SHAP explanation, from the surrogate's accuracy."""
    measured = (
        f"The classifier predicts the segment of {accuracy:.1%} of {n_test:,} "
        "customers it did not see during training."
    )
    if accuracy >= 0.9:
        verdict = (
            "The columns explain the segments well: the importances below are a "
            "faithful summary of what separates them."
        )
    elif accuracy >= 0.7:
        verdict = (
            "Take the importances as a fair guide, not a full account: part of the "
            "segmentation is not captured by the columns the classifier sees."
        )
    else:
        verdict = (
            "Treat the importances with caution: the classifier often gets the "
            "segment wrong, so they describe its guesses more than the segments "
            "(common for embedding segments, or when k is larger than the data "
            "supports)."
        )
    return f"{measured} {verdict}"


def named_assignments(
    assignments: pd.DataFrame,
    labels: Mapping[str, np.ndarray],
    names: Mapping[str, Mapping[int, str]],
) -> pd.DataFrame:
    """Add each method's segment name next to its segment number.

    ``assignments`` is :func:`segmentation.assignments`'s table (segment
    numbers from 1, ``outlier``, ``dropped``); a ``<method>_segment`` column
    with the name is inserted after each method's column.
    """
    out = assignments.copy()
    for method, method_labels in labels.items():
        named = segment_names(np.asarray(method_labels), names.get(method, {}))
        by_number = {str(cluster + 1): name for cluster, name in named.items()}
        column = out[method].map(lambda v, lookup=by_number: lookup.get(v, v))
        out.insert(out.columns.get_loc(method) + 1, f"{method}_segment", column)
    return out


def named_crosstab(
    crosstab: pd.DataFrame,
    names_first: Mapping[int, str],
    names_second: Mapping[int, str],
) -> pd.DataFrame:
    """A cross-tab of segment numbers (from 1) relabelled with segment names."""
    return crosstab.rename(
        index={cluster + 1: name for cluster, name in names_first.items()},
        columns={cluster + 1: name for cluster, name in names_second.items()},
    )


def column_status(summary: pd.DataFrame, table: CustomerTable | None) -> pd.DataFrame:
    """Add how each raw column is used (and why it is excluded) to its summary."""
    if table is None:
        return summary
    used_as = {c: "numeric" for c in table.numeric}
    used_as |= {c: "categorical" for c in table.categorical}
    used_as |= {c: "excluded" for c in table.excluded}
    return summary.assign(
        used_as=[used_as.get(c, "not chosen") for c in summary["column"]],
        reason=[table.excluded.get(c, "") for c in summary["column"]],
    )


def column_summary_columns() -> dict[str, object]:
    """Column formats of the Data page's column summary."""
    return {
        "column": st.column_config.TextColumn("Column", pinned=True),
        "missing": st.column_config.NumberColumn("Missing values", format="localized"),
        "distinct": st.column_config.NumberColumn(
            "Distinct values", format="localized"
        ),
        "example": st.column_config.TextColumn("Example"),
        "used_as": st.column_config.TextColumn("Used as"),
        "reason": st.column_config.TextColumn("Why excluded", width="large"),
    }
