"""The reference analysis of the UCI Bank Marketing table, reproduced through the CLI.

These tests read ../shared/data/bank-full.csv and are skipped where it is absent.
"""

from __future__ import annotations

import json

import pytest

from segmentation.cli import main

from .conftest import BANK_COLUMNS, bank_or_skip

COLUMNS = ",".join(BANK_COLUMNS)


def test_kmeans_reference_figures(tmp_path, capsys):
    """K-Means k=5, seed 42: outliers, silhouette, CH, DB and PCA shares as published."""
    bank = bank_or_skip()
    out = tmp_path / "run"
    code = main(
        ["-q", "run", str(bank), "--columns", COLUMNS, "--method", "kmeans", "--k", "5"]
        + ["--seed", "42", "--n-init", "10", "--out", str(out)]
    )
    assert code == 0
    figures = json.loads((out / "metrics.json").read_text())["kmeans"]
    assert figures["rows"] == 45_211
    assert figures["outliers"] == 4_520
    assert figures["rows_used"] == 40_691
    assert figures["silhouette"] == pytest.approx(0.20136, abs=5e-6)
    assert figures["calinski_harabasz"] == pytest.approx(7646.96, abs=5e-3)
    assert figures["davies_bouldin"] == pytest.approx(1.54810, abs=5e-6)
    shares = figures["pca_explained_variance"]
    assert shares == pytest.approx([0.1866, 0.1653, 0.1318], abs=5e-5)
    assert sum(shares) == pytest.approx(0.4837, abs=5e-5)


def test_kmeans_reference_scan(tmp_path, capsys):
    """The scan k=2..9 with seed 10 gives the published silhouettes (exact)."""
    bank = bank_or_skip()
    target = tmp_path / "scan.json"
    code = main(
        ["-q", "scan", str(bank), "--columns", COLUMNS, "--method", "kmeans"]
        + ["--k", "2-9", "--seed", "10", "--n-init", "10", "--json", str(target)]
    )
    assert code == 0
    scan = json.loads(target.read_text())
    assert scan["k"] == list(range(2, 10))
    expected = [0.17758, 0.20773, 0.20381, 0.20143, 0.20253, 0.21185, 0.20868, 0.21154]
    assert scan["silhouette"] == pytest.approx(expected, abs=5e-6)
    assert set(scan) == {
        "k",
        "inertia_or_cost",
        "silhouette",
        "calinski_harabasz",
        "davies_bouldin",
    }
