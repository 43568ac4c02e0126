"""Tests of segmentation.demo: synthetic customers and the UCI loader."""

from __future__ import annotations

import io
import urllib.error
import zipfile

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from segmentation.data import prepare_customers
from segmentation.demo import (
    BANK_COLUMNS,
    load_bank_marketing,
    make_demo_customers,
)
from segmentation.methods import segment_customers


def test_demo_has_bank_columns_and_types():
    """The demo has the UCI columns, integer age and balance, and plausible ranges."""
    demo = make_demo_customers(2000, random_state=3)
    assert tuple(demo.columns) == BANK_COLUMNS
    assert demo["age"].between(18, 95).all()
    assert pd.api.types.is_integer_dtype(demo["balance"])
    assert (demo["balance"] < 0).any()
    assert set(demo["housing"]) == {"yes", "no"}


def test_demo_is_seeded():
    """The same seed gives the same table; another seed a different one."""
    pd.testing.assert_frame_equal(make_demo_customers(300), make_demo_customers(300))
    assert not make_demo_customers(300, random_state=1).equals(make_demo_customers(300))


def test_demo_segments_are_findable():
    """K-Prototypes on the demo recovers the planted segments well (ARI above 0.5)."""
    demo = make_demo_customers(1500, random_state=0, return_segments=True)
    truth = demo.pop("planted_segment")
    table = prepare_customers(demo)
    _, result = segment_customers(table, "kprototypes", 5, remove_outliers=False)
    assert adjusted_rand_score(truth, result.labels) > 0.5


def test_demo_rejects_bad_size():
    """A non-positive size is refused."""
    with pytest.raises(ValueError, match="n_customers=0 must be a positive integer"):
        make_demo_customers(0)


def test_bank_loader_reads_a_path(tmp_path):
    """A bank-full.csv at a path is read with its ';' separator."""
    path = tmp_path / "bank-full.csv"
    path.write_text('"age";"job"\n58;"management"\n')
    frame = load_bank_marketing(path)
    assert frame.to_dict("list") == {"age": [58], "job": ["management"]}


def test_bank_loader_missing_path(tmp_path):
    """A wrong path names the file wanted."""
    with pytest.raises(ValueError, match="No file at .*bank-full.csv from the UCI"):
        load_bank_marketing(tmp_path / "nowhere.csv")


def _nested_zip() -> bytes:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("bank-full.csv", '"age";"job"\n30;"admin."\n')
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w") as archive:
        archive.writestr("bank.zip", inner.getvalue())
    return outer.getvalue()


class _Response(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *args):
        return False


def test_bank_download_opens_the_nested_archive(monkeypatch):
    """The UCI archive holds bank.zip, which holds bank-full.csv: both are opened."""
    monkeypatch.setattr("segmentation.demo._default_bank_paths", lambda: [])
    monkeypatch.setattr(
        "urllib.request.urlopen", lambda url, timeout: _Response(_nested_zip())
    )
    frame = load_bank_marketing()
    assert frame["job"].tolist() == ["admin."] and np.all(frame["age"] == 30)


def test_bank_download_offline_says_what_to_do(monkeypatch):
    """Offline, the message names the address and asks for a path."""
    monkeypatch.setattr("segmentation.demo._default_bank_paths", lambda: [])

    def offline(url, timeout):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr("urllib.request.urlopen", offline)
    with pytest.raises(ValueError, match="may be offline: download https://archive"):
        load_bank_marketing()
