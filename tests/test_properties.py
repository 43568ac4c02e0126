"""Property tests: random small mixed tables through the core's public functions.

Each property accepts one of two outcomes: a result that satisfies the
invariants written in the test, or a ``ValueError``/``TypeError`` with a
non-empty message. Anything else (another exception, a broken invariant)
fails.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmentation.compare import compare_segmentations
from segmentation.data import (
    COLUMN_TYPES,
    CustomerTable,
    load_customers,
    prepare_customers,
)
from segmentation.methods import segment_customers
from segmentation.profiles import build_profiles, escape_formulas

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

levels = st.text(alphabet="abcxyz =+-@'\t", min_size=1, max_size=4)
numbers = st.one_of(
    st.none(),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    st.integers(-1000, 1000).map(float),
)

number_text = st.one_of(
    st.sampled_from([" ", "", "NA", "n/a", "x", "12%", "$ 3", "1.234,5", "1,234.5"]),
    st.integers(-99_999, 99_999).map(str),
    st.floats(-1e5, 1e5).map(lambda v: f"{v:.2f}".replace(".", ",")),
)


@st.composite
def mixed_frames(draw, max_rows: int = 40) -> pd.DataFrame:
    """A table of numeric columns (with NaNs) and categorical columns (few levels)."""
    n_rows = draw(st.integers(1, max_rows))
    n_numeric = draw(st.integers(0, 3))
    n_categorical = draw(st.integers(0 if n_numeric else 1, 3))
    columns: dict[str, pd.Series] = {}
    for j in range(n_numeric):
        values = draw(st.lists(numbers, min_size=n_rows, max_size=n_rows))
        columns[f"num{j}"] = pd.Series(values, dtype=float)
    for j in range(n_categorical):
        choices = draw(st.lists(levels, min_size=1, max_size=4, unique=True))
        cell = st.one_of(st.none(), st.sampled_from(choices))
        values = draw(st.lists(cell, min_size=n_rows, max_size=n_rows))
        columns[f"cat{j}"] = pd.Series(values, dtype=object)
    if draw(st.booleans()):
        values = draw(st.lists(number_text, min_size=n_rows, max_size=n_rows))
        columns["text_numbers"] = pd.Series(values, dtype="str")
    return pd.DataFrame(columns)


def _prepare_or_none(frame: pd.DataFrame) -> CustomerTable | None:
    try:
        return prepare_customers(frame)
    except (ValueError, TypeError) as exc:
        assert str(exc).strip()
        return None


@SETTINGS
@given(frame=mixed_frames())
def test_prepare_customers_invariants(frame):
    """Every column is used or excluded, and the kept values are clean and typed."""
    table = _prepare_or_none(frame)
    if table is None:
        return
    used = set(table.numeric) | set(table.categorical)
    assert used.isdisjoint(table.excluded)
    assert used | set(table.excluded) == set(frame.columns)
    assert list(table.frame.columns) == [c for c in frame.columns if c in used]
    assert 1 <= table.n_customers <= len(frame) == table.n_input_rows
    assert set(table.frame.index) <= set(range(len(frame)))
    assert not table.frame.isna().any().any()
    for name in table.numeric:
        values = table.frame[name].to_numpy()
        assert values.dtype == np.float64 and np.isfinite(values).all()
        if name.startswith("num"):
            original = frame[name].dropna()
            assert values.min() >= original.min() and values.max() <= original.max()
    for name in table.categorical:
        assert pd.api.types.is_string_dtype(table.frame[name])
    assert all(isinstance(note, str) and note for note in table.notes)
    assert all(reason for reason in table.excluded.values())


csv_bytes = st.lists(
    st.sampled_from([b",", b";", b"\t", b'"', b"\n", b"\r\n", b" ", b"1", b"2.5"])
    | st.sampled_from([b"3,5", b"-", b"a", b"yes", b"NA", b"\xc3\xa9", b"\xe9", b"%"]),
    max_size=60,
).map(b"".join)


@SETTINGS
@given(data=csv_bytes)
def test_load_customers_on_random_text(data):
    """Any jumble of separators, quotes, numbers and words loads or is refused."""
    try:
        table = load_customers(data)
    except (ValueError, TypeError) as exc:
        assert str(exc).strip() and "\n" not in str(exc)
        return
    assert table.n_customers >= 1
    assert not table.frame.isna().any().any()
    assert set(table.frame.columns) == set(table.numeric) | set(table.categorical)


@SETTINGS
@given(frame=mixed_frames(), kind=st.sampled_from(COLUMN_TYPES))
def test_type_override_is_obeyed_or_refused(frame, kind):
    """A type forced on the first column is used, or refused with a message."""
    name = frame.columns[0]
    try:
        table = prepare_customers(frame, types={name: kind})
    except (ValueError, TypeError) as exc:
        assert str(exc).strip()
        return
    if kind == "numeric":
        assert name in table.numeric
    elif kind == "categorical":
        assert name in table.categorical
    else:
        assert table.excluded[name] == "excluded by choice"


@SETTINGS
@given(
    frame=mixed_frames(),
    k=st.integers(2, 4),
    remove_outliers=st.booleans(),
)
def test_segment_customers_and_profiles_invariants(frame, k, remove_outliers):
    """K-Means labels each kept customer once, in range; profiles add up."""
    table = _prepare_or_none(frame)
    if table is None:
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            space, result = segment_customers(
                table, "kmeans", k, remove_outliers=remove_outliers, n_init=2
            )
    except (ValueError, TypeError) as exc:
        assert str(exc).strip()
        return
    labels = result.labels
    assert labels.shape == (table.n_customers,)
    assert labels.min() >= -1 and labels.max() < k
    assert np.array_equal(labels >= 0, space.kept)
    if not remove_outliers:
        assert (labels >= 0).all()

    profiles = build_profiles(
        table.frame, labels, numeric=table.numeric, categorical=table.categorical
    )
    assert profiles["size"].sum() == (labels >= 0).sum()
    assert profiles["share"].sum() == pytest.approx(1.0)
    assert sorted(profiles["cluster"]) == sorted(np.unique(labels[labels >= 0]))
    for name in table.categorical:
        assert profiles[f"{name}_top_share"].between(0, 1).all()
        assert (profiles[f"{name}_top_lift"] > 0).all()


@SETTINGS
@given(data=st.data())
def test_build_profiles_on_any_labels(data):
    """Profiles of any labels (outliers included) count every labelled customer."""
    frame = data.draw(mixed_frames(max_rows=30))
    labels = np.array(
        data.draw(
            st.lists(st.integers(-1, 3), min_size=len(frame), max_size=len(frame))
        )
    )
    try:
        profiles = build_profiles(frame, labels)
    except (ValueError, TypeError) as exc:
        assert str(exc).strip()
        return
    kept = labels >= 0
    assert kept.any()
    assert profiles["size"].sum() == kept.sum()
    assert profiles["share"].sum() == pytest.approx(1.0)
    assert list(profiles["cluster"]) == sorted(np.unique(labels[kept]))


label_lists = st.lists(st.integers(-1, 4), min_size=0, max_size=40)


@SETTINGS
@given(a=label_lists, b=label_lists)
def test_compare_segmentations_invariants(a, b):
    """Agreement covers the customers both kept; the cross-tab counts them once."""
    try:
        agreement = compare_segmentations(
            np.array(a, dtype=int), np.array(b, dtype=int)
        )
    except (ValueError, TypeError) as exc:
        assert str(exc).strip()
        return
    both = (np.array(a) >= 0) & (np.array(b) >= 0)
    assert agreement.n_customers == both.sum()
    assert int(agreement.crosstab.to_numpy().sum()) == both.sum()
    assert -1.0 <= agreement.adjusted_rand <= 1.0 + 1e-12


@SETTINGS
@given(a=st.lists(st.integers(0, 4), min_size=2, max_size=40))
def test_compare_with_itself_is_perfect(a):
    """A segmentation agrees perfectly with a relabelling of itself."""
    a = np.array(a)
    agreement = compare_segmentations(a, (a + 2) % 5)
    assert agreement.adjusted_rand == pytest.approx(1.0)


cells = st.text(alphabet="ab1 =+-@'\t\r\n", max_size=6)


@SETTINGS
@given(
    text=st.lists(st.one_of(st.none(), cells), min_size=1, max_size=20),
    data=st.data(),
)
def test_escape_formulas_neutralises_text_and_keeps_numbers(text, data):
    """Escaped text cells never start a formula; numeric columns are untouched."""
    n = len(text)
    floats = st.one_of(st.just(float("nan")), st.floats(-1e9, 1e9))
    frame = pd.DataFrame(
        {
            "text": pd.Series(text, dtype=object),
            "str": pd.Series(text, dtype="str"),
            "number": data.draw(st.lists(floats, min_size=n, max_size=n)),
            "count": data.draw(st.lists(st.integers(-50, 50), min_size=n, max_size=n)),
        }
    )
    out = escape_formulas(frame)
    assert out.shape == frame.shape and list(out.columns) == list(frame.columns)
    pd.testing.assert_series_equal(out["number"], frame["number"])
    pd.testing.assert_series_equal(out["count"], frame["count"])
    for name in ("text", "str"):
        for before, after in zip(frame[name], out[name], strict=True):
            if not isinstance(before, str):
                assert pd.isna(after)
            elif before.startswith(FORMULA_START):
                assert after == "'" + before
            else:
                assert after == before
            if isinstance(after, str):
                assert not after.startswith(FORMULA_START)


@settings(max_examples=20, deadline=None)
@given(values=st.lists(st.integers(-50, -1), min_size=1, max_size=10))
def test_escape_formulas_keeps_numbers_in_text_columns(values):
    """Numbers in a column that also holds text stay numbers."""
    frame = pd.DataFrame({"mixed": pd.Series([*values, "=cmd"], dtype=object)})
    out = escape_formulas(frame)
    assert list(out["mixed"][:-1]) == values
    assert out["mixed"].iloc[-1] == "'=cmd"


def test_build_profiles_counts_missing_categories():
    """A segment whose categorical cells are all missing is profiled, not a crash."""
    frame = pd.DataFrame({"job": ["a", None, "b", None], "age": [1.0, 2.0, 3.0, 4.0]})
    profiles = build_profiles(frame, np.array([0, 1, 0, 1]))
    assert list(profiles["size"]) == [2, 2]
    assert list(profiles["job_top"]) == ["a", "missing"]
    assert list(profiles["job_top_share"]) == [0.5, 1.0]
