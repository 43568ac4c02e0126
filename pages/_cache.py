"""Cached wrappers around the core, one per result a page shows.

Every core computation a page needs goes through an ``st.cache_data`` function
here (a one-row text preview and name lookups excepted): revisiting a page or
changing a plot option reuses the result instead of recomputing it. Large
inputs (the customer table, a method's space, label arrays) are passed as
``_``-prefixed arguments, which Streamlit does not hash, together with an
explicit key that identifies them (a fingerprint of the data and of the
options that produced them). Whatever the core raises propagates
unchanged, and nothing is cached for a call that raised.

Long computations draw a progress bar fed by the core's
``progress(fraction, message)`` callback. The bar is created inside the cached
function, so that Streamlit can replay it on a cache hit, and removed when the
work is done.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NamedTuple

import numpy as np
import pandas as pd
import streamlit as st

from segmentation import (
    METHOD_NAMES,
    Agreement,
    CustomerTable,
    Explanation,
    MethodRun,
    Projection,
    Space,
    assignments,
    build_profiles,
    compare_segmentations,
    explain_segments,
    fit_segments,
    load_bank_marketing,
    make_demo_customers,
    prepare_customers,
    project,
    project_table,
    read_customers,
    run_method,
    scan_k,
    silhouette_by_customer,
    to_csv_bytes,
)
from segmentation.features import encode_shared

# Largest number of customers drawn in one scatter plot or silhouette plot.
MAX_POINTS = 5_000

# Largest number of customers the surrogate classifier of Explain learns from:
# beyond it the page would take minutes on 2 cores and the accuracy barely moves.
EXPLAIN_ROWS = 10_000

# Cached results kept per function; old data sets fall out first.
_ENTRIES = 32


class RunOptions(NamedTuple):
    """Everything a segmentation run depends on besides the table and method."""

    k: int
    random_state: int
    remove_outliers: bool
    contamination: float
    gamma: float | None
    model: str
    template: str | None
    backend: str

    def space_options(self, method: str) -> dict[str, object]:
        """The ``build_space`` options that matter for ``method``."""
        options: dict[str, object] = {"contamination": self.contamination}
        if method == "kprototypes":
            options["gamma"] = self.gamma
        if method == "embedding":
            options.update(
                model=self.model,
                template=self.template,
                backend=self.backend,
                cache_dir=os.environ.get("SEGMENTATION_CACHE_DIR") or None,
            )
        return options


def fingerprint(*parts: object) -> str:
    """A short, stable key for the given parts (their ``repr``)."""
    digest = hashlib.sha256(repr(parts).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:16]


def bytes_fingerprint(data: bytes) -> str:
    """SHA-256 of uploaded bytes, shortened."""
    return hashlib.sha256(data).hexdigest()[:16]


@contextmanager
def _progress_bar(text: str) -> Iterator[Callable[[float, str], None]]:
    """A progress bar for the core's callback, removed when the work ends."""
    bar = st.progress(0.0, text=text)
    shown = [-1]

    def report(fraction: float, message: str) -> None:
        # Redraw only when the whole percentage changes.
        percent = int(min(max(float(fraction), 0.0), 1.0) * 100)
        if percent != shown[0]:
            shown[0] = percent
            bar.progress(percent / 100, text=message)

    try:
        yield report
    finally:
        bar.empty()


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------


@st.cache_data(show_spinner="Generating the demo customers…", max_entries=4)
def demo_customers(n_customers: int) -> pd.DataFrame:
    """The built-in synthetic bank customers."""
    return make_demo_customers(n_customers, random_state=0)


@st.cache_data(show_spinner="Loading the UCI Bank Marketing table…", max_entries=2)
def bank_customers(path: str | None, download: bool) -> pd.DataFrame:
    """The UCI Bank Marketing table from a path, the shared copy or the web."""
    return load_bank_marketing(path or None, download=download)


@st.cache_data(show_spinner="Reading the file…", max_entries=4)
def read_upload(digest: str, _data: bytes) -> pd.DataFrame:
    """An uploaded CSV file as raw text cells (``digest`` identifies the bytes)."""
    return read_customers(_data)


@st.cache_data(show_spinner="Preparing the customers…", max_entries=_ENTRIES)
def prepared_table(
    _raw: pd.DataFrame,
    raw_key: str,
    columns: tuple[str, ...] | None,
    types: tuple[tuple[str, str], ...],
) -> CustomerTable:
    """The customer table for the chosen columns and type overrides."""
    return prepare_customers(
        _raw, columns=None if columns is None else list(columns), types=dict(types)
    )


@st.cache_data(show_spinner=False, max_entries=_ENTRIES)
def column_summary(_raw: pd.DataFrame, raw_key: str) -> pd.DataFrame:
    """Missing and distinct values of every column of the raw table."""
    return pd.DataFrame(
        {
            "column": [str(c) for c in _raw.columns],
            "missing": _raw.isna().sum().to_numpy(),
            "distinct": _raw.nunique(dropna=True).to_numpy(),
            "example": [
                "" if column.dropna().empty else str(column.dropna().iloc[0])
                for _, column in _raw.items()
            ],
        }
    )


# --------------------------------------------------------------------------
# Segmentation
# --------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=_ENTRIES)
def segmentation_run(
    _table: CustomerTable, table_key: str, method: str, options: RunOptions
) -> MethodRun:
    """One method's segmentation, metrics and profiles."""
    with _progress_bar(f"{METHOD_NAMES[method]}: starting…") as report:
        return run_method(
            _table,
            method,
            options.k,
            random_state=options.random_state,
            remove_outliers=options.remove_outliers,
            silhouette_sample=10_000,
            progress=report,
            **options.space_options(method),
        )


@st.cache_data(show_spinner=False, max_entries=_ENTRIES)
def k_scan(
    _space: Space, run_key: str, ks: tuple[int, ...], random_state: int
) -> pd.DataFrame:
    """Inertia or cost and the three metrics for every k."""
    with _progress_bar(f"Fitting k = {ks[0]}…") as report:
        return scan_k(_space, ks, random_state=random_state, progress=report)


@st.cache_data(show_spinner="Clustering…", max_entries=_ENTRIES)
def labels_for_k(_space: Space, run_key: str, k: int, random_state: int) -> np.ndarray:
    """Cluster labels of a space for another k (-1 for outliers)."""
    return fit_segments(_space, k, random_state=random_state).labels


@st.cache_data(show_spinner="Measuring every customer's silhouette…", max_entries=16)
def silhouettes(_space: Space, _labels: np.ndarray, labels_key: str) -> pd.DataFrame:
    """Silhouette of every clustered customer."""
    return silhouette_by_customer(_space, _labels)


def sample_rows(n_rows: int, limit: int = MAX_POINTS, seed: int = 0) -> np.ndarray:
    """Sorted positions of at most ``limit`` of ``n_rows`` rows, drawn at random.

    The same ``n_rows`` always gives the same sample, so charts of the same
    customers show the same points.
    """
    if n_rows <= limit:
        return np.arange(n_rows)
    return np.sort(np.random.default_rng(seed).choice(n_rows, limit, replace=False))


@st.cache_data(show_spinner="Projecting the customers…", max_entries=_ENTRIES)
def method_projection(
    _space: Space,
    _index: pd.Index,
    run_key: str,
    method: str,
    n_components: int,
    limit: int = MAX_POINTS,
) -> Projection:
    """PCA or t-SNE of the customers a method clustered, in its own space.

    PCA projects every clustered customer (``_index`` holds their row
    numbers); t-SNE, whose cost grows quickly with the customers, projects a
    random sample of at most ``limit`` of them (:func:`sample_rows`).
    """
    X = _space.euclidean()
    if method != "tsne":
        return project(X, method, n_components=n_components, index=_index)
    rows = sample_rows(len(X), limit)
    with _progress_bar(f"t-SNE of {len(rows):,} customers…") as report:
        return project(
            X[rows],
            "tsne",
            n_components=n_components,
            index=_index[rows],
            progress=report,
        )


@st.cache_data(show_spinner="Projecting the shared space…", max_entries=8)
def shared_projection(_table: CustomerTable, table_key: str) -> Projection:
    """PCA of the shared space every method is compared in (all customers)."""
    return project(encode_shared(_table), "pca", index=_table.frame.index)


@st.cache_data(show_spinner="Projecting the customer table…", max_entries=_ENTRIES)
def table_projection(
    _frame: pd.DataFrame, table_key: str, method: str, n_components: int
) -> Projection:
    """MCA or FAMD of the customer table itself."""
    return project_table(_frame, method, n_components=n_components)


@st.cache_data(
    show_spinner="Training the surrogate classifier and computing SHAP values…",
    max_entries=_ENTRIES,
)
def explanation(
    _frame: pd.DataFrame, _labels: np.ndarray, run_key: str, limit: int = EXPLAIN_ROWS
) -> Explanation:
    """SHAP explanation of a run's segments on at most ``limit`` customers.

    ``_frame`` and ``_labels`` are the clustered customers; above ``limit`` a
    random sample of them (:func:`sample_rows`) trains and tests the surrogate.
    """
    rows = sample_rows(len(_frame), limit)
    return explain_segments(_frame.iloc[rows], np.asarray(_labels)[rows])


@st.cache_data(show_spinner=False, max_entries=_ENTRIES)
def profiles(
    _table: CustomerTable,
    _labels: np.ndarray,
    run_key: str,
    names: tuple[tuple[int, str], ...],
) -> pd.DataFrame:
    """Segment profiles with the user's segment names."""
    return build_profiles(
        _table.frame,
        _labels,
        numeric=_table.numeric,
        categorical=_table.categorical,
        names=dict(names),
    )


@st.cache_data(show_spinner=False, max_entries=_ENTRIES)
def agreement(
    _labels_a: np.ndarray,
    _labels_b: np.ndarray,
    pair_key: str,
    names: tuple[str, str],
) -> Agreement:
    """Adjusted Rand index and cross-tab of two runs."""
    return compare_segmentations(_labels_a, _labels_b, names=names)


@st.cache_data(show_spinner=False, max_entries=_ENTRIES)
def assignment_table(
    _table: CustomerTable, _labels: dict[str, np.ndarray], runs_key: str
) -> pd.DataFrame:
    """Every input row with its segment number under each method."""
    return assignments(_table, _labels)


@st.cache_data(show_spinner=False, max_entries=_ENTRIES)
def csv_bytes(_frame: pd.DataFrame, frame_key: str) -> bytes:
    """A table as safe CSV bytes (spreadsheet formulas escaped)."""
    return to_csv_bytes(_frame)
