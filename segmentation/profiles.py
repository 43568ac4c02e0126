"""Per-segment profiles in the customers' own units, and safe CSV export."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .data import MISSING_CATEGORY

__all__ = ["build_profiles", "segment_names", "escape_formulas", "to_csv_bytes"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def segment_names(
    labels: np.ndarray, names: Mapping[int, str] | None = None
) -> dict[int, str]:
    """Name of each segment: the user's name when given, else ``Segment <n>``.

    Segments are numbered from 1 for people (cluster 0 is "Segment 1").
    """
    names = dict(names or {})
    result = {}
    for cluster in sorted(int(c) for c in np.unique(labels) if c >= 0):
        given = str(names.get(cluster, "")).strip()
        result[cluster] = given or f"Segment {cluster + 1}"
    return result


def build_profiles(
    frame: pd.DataFrame,
    labels: np.ndarray,
    *,
    numeric: Sequence[str] | None = None,
    categorical: Sequence[str] | None = None,
    names: Mapping[int, str] | None = None,
) -> pd.DataFrame:
    """Describe each segment and how it differs from all customers.

    Parameters
    ----------
    frame : DataFrame
        Customers in original units, one row per label.
    labels : array of int
        Segment of each customer; ``-1`` (outliers) rows are left out.
    numeric, categorical : sequence of str, optional
        Columns of each kind; inferred from the dtypes when omitted.
    names : mapping, optional
        Segment names chosen by the user, by cluster number.

    Returns
    -------
    DataFrame
        One row per segment, with ``cluster``, ``segment`` (name), ``size``,
        ``share``; for each numeric column ``<col>_mean``, ``<col>_median`` and
        ``<col>_mean_vs_all`` (segment mean minus the mean of all profiled
        customers); for each categorical column ``<col>_top`` (most frequent
        value), ``<col>_top_share`` (its share in the segment) and
        ``<col>_top_lift`` (that share divided by the value's share among all
        profiled customers).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"age": [20, 22, 60, 62], "job": ["a", "a", "b", "a"]})
    >>> profiles = build_profiles(frame, [0, 0, 1, 1])
    >>> profiles[["segment", "size", "age_mean", "job_top"]].to_dict("list")
    {'segment': ['Segment 1', 'Segment 2'], 'size': [2, 2], 'age_mean': [21.0, 61.0], 'job_top': ['a', 'a']}
    """
    labels = np.asarray(labels)
    if len(frame) != len(labels):
        raise ValueError(
            f"{len(frame)} customers but {len(labels)} labels; give one label per customer."
        )
    if numeric is None:
        numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    if categorical is None:
        categorical = [c for c in frame.columns if c not in numeric]
    kept = labels >= 0
    if not kept.any():
        raise ValueError(
            "No customer has a segment; every row is marked as an outlier."
        )
    data = frame.loc[kept].reset_index(drop=True)
    labels = labels[kept]
    named = segment_names(labels, names)

    # Reference values over all profiled customers
    overall_mean = {c: float(data[c].mean()) for c in numeric}
    as_text = {
        c: data[c].astype(object).fillna(MISSING_CATEGORY).astype(str)
        for c in categorical
    }
    overall_share = {c: as_text[c].value_counts(normalize=True) for c in categorical}

    rows = []
    for cluster, name in named.items():
        members = labels == cluster
        part = data[members]
        row: dict[str, object] = {
            "cluster": cluster,
            "segment": name,
            "size": len(part),
            "share": len(part) / len(data),
        }
        for col in numeric:
            mean = float(part[col].mean())
            row[f"{col}_mean"] = mean
            row[f"{col}_median"] = float(part[col].median())
            row[f"{col}_mean_vs_all"] = mean - overall_mean[col]
        for col in categorical:
            shares = as_text[col][members].value_counts(normalize=True)
            # Ties go to the value that comes first alphabetically, for stability.
            top = sorted(shares[shares == shares.max()].index)[0]
            row[f"{col}_top"] = top
            row[f"{col}_top_share"] = float(shares[top])
            row[f"{col}_top_lift"] = float(shares[top] / overall_share[col][top])
        rows.append(row)
    return pd.DataFrame(rows)


def escape_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Neutralise spreadsheet formula injection in text cells.

    A text cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage
    return is prefixed with a single quote, as OWASP recommends, so a
    spreadsheet shows it as text instead of running it. Numbers (numeric
    columns, including negative ones) are left as numbers.
    """
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            continue
        risky = column.map(
            lambda v: isinstance(v, str) and v.startswith(_FORMULA_START)
        )
        if risky.any():
            out[name] = column.where(~risky, "'" + column.astype(object).astype(str))
    return out


def to_csv_bytes(frame: pd.DataFrame, *, index: bool = False) -> bytes:
    """CSV export (UTF-8 with BOM so spreadsheets detect the encoding), formulas escaped."""
    return escape_formulas(frame).to_csv(index=index).encode("utf-8-sig")
