"""Tests of segmentation.profiles and segmentation.compare."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from segmentation.compare import compare_segmentations
from segmentation.profiles import (
    build_profiles,
    escape_formulas,
    segment_names,
    to_csv_bytes,
)


@pytest.fixture
def small():
    frame = pd.DataFrame(
        {
            "age": [20, 22, 24, 60, 62, 64, 40],
            "job": ["student", "student", "clerk", "retired", "retired", "clerk", "x"],
        }
    )
    labels = np.array([0, 0, 0, 1, 1, 1, -1])
    return frame, labels


def test_profiles_by_hand(small):
    """Sizes, means, medians, modes, shares and lifts match hand-worked values."""
    frame, labels = small
    profiles = build_profiles(frame, labels, numeric=["age"], categorical=["job"])
    first, second = profiles.iloc[0], profiles.iloc[1]
    assert list(profiles["size"]) == [3, 3]
    assert profiles["share"].sum() == pytest.approx(1.0)
    assert first["age_mean"] == 22 and first["age_median"] == 22
    assert first["age_mean_vs_all"] == pytest.approx(22 - 42)
    assert first["job_top"] == "student"
    assert first["job_top_share"] == pytest.approx(2 / 3)
    # students are 2 of the 6 profiled customers: lift (2/3) / (2/6) = 2
    assert first["job_top_lift"] == pytest.approx(2.0)
    assert second["job_top"] == "retired" and second["age_mean"] == 62


def test_profiles_use_given_names(small):
    """User names replace the default 'Segment n' names; blanks keep the default."""
    frame, labels = small
    profiles = build_profiles(frame, labels, names={0: "Students", 1: "  "})
    assert list(profiles["segment"]) == ["Students", "Segment 2"]
    assert segment_names(labels, {1: "Retirees"}) == {0: "Segment 1", 1: "Retirees"}


def test_profiles_reject_mismatched_labels(small):
    """A label count different from the customer count is refused."""
    frame, _ = small
    with pytest.raises(ValueError, match="7 customers but 2 labels"):
        build_profiles(frame, [0, 1])


def test_profiles_reject_all_outliers(small):
    """Profiles need at least one segmented customer."""
    frame, _ = small
    with pytest.raises(ValueError, match="every row is marked as an outlier"):
        build_profiles(frame, np.full(7, -1))


def test_escape_formulas_owasp():
    """Text starting with = + - @ tab or CR is quoted; numbers stay numbers."""
    frame = pd.DataFrame(
        {
            "name": ["=HYPERLINK(1)", "+1", "-cmd", "@SUM(A1)", "\tx", "\rx", "ok"],
            "balance": [-5, 1, 2, 3, 4, 5, 6],
        }
    )
    out = escape_formulas(frame)
    assert list(out["name"]) == [
        "'=HYPERLINK(1)",
        "'+1",
        "'-cmd",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "ok",
    ]
    assert out["balance"].tolist() == [-5, 1, 2, 3, 4, 5, 6]
    assert pd.api.types.is_integer_dtype(out["balance"])


def test_csv_bytes_round_trip(small):
    """The CSV export reads back with the same values, BOM included for spreadsheets."""
    frame, labels = small
    data = to_csv_bytes(build_profiles(frame, labels))
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert list(back["size"]) == [3, 3]


def test_compare_identical_up_to_relabelling():
    """Two partitions equal up to renaming agree perfectly."""
    agreement = compare_segmentations([0, 0, 1, 1, 2], [2, 2, 0, 0, 1])
    assert agreement.adjusted_rand == 1.0
    assert agreement.n_customers == 5
    assert agreement.crosstab.to_numpy().sum() == 5


def test_compare_leaves_out_outliers():
    """Customers that are outliers in either segmentation are left out."""
    agreement = compare_segmentations([0, 0, 1, -1], [1, -1, 0, 0], names=("a", "b"))
    assert agreement.n_customers == 2
    assert (
        agreement.crosstab.index.name == "a" and agreement.crosstab.columns.name == "b"
    )


def test_compare_needs_same_customers():
    """Segmentations of different lengths are refused."""
    with pytest.raises(ValueError, match="cover 3 and 2 customers"):
        compare_segmentations([0, 1, 0], [0, 1])
