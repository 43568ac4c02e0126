"""Tests of the command line (segmentation.cli)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pandas as pd
import pytest

from segmentation.cli import main
from segmentation.demo import make_demo_customers

from .conftest import planted_frame


@pytest.fixture
def small_csv(tmp_path):
    frame, _ = planted_frame(n_per_segment=40)
    path = tmp_path / "customers.csv"
    frame.to_csv(path, sep=";", index=False)
    return path


def test_run_on_demo_writes_outputs(tmp_path, capsys):
    """With no input the demo is segmented and the three outputs are written."""
    out = tmp_path / "out"
    assert main(["-q", "run", "--k", "4", "--n-init", "2", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    figures = metrics["kmeans"]
    assert figures["rows"] == len(make_demo_customers())
    assert figures["rows_used"] + figures["outliers"] == figures["rows"]
    assert len(figures["pca_explained_variance"]) == 3
    assignments = pd.read_csv(out / "assignments.csv", encoding="utf-8-sig", dtype=str)
    assert list(assignments.columns) == ["row", "kmeans"]
    assert (assignments["kmeans"] == "outlier").sum() == figures["outliers"]
    profiles = pd.read_csv(out / "profiles_kmeans.csv", encoding="utf-8-sig")
    assert profiles["size"].sum() == figures["rows_used"]
    assert "K-Means" in capsys.readouterr().out


def test_run_all_methods(small_csv, tmp_path, tmp_cache):
    """--method all writes one assignment column and one profile file per method."""
    out = tmp_path / "out"
    code = main(
        ["-q", "run", str(small_csv), "--method", "all", "--k", "3", "--n-init", "2"]
        + ["--keep-outliers", "--out", str(out), "--cache-dir", str(tmp_cache)]
    )
    assert code == 0
    assignments = pd.read_csv(out / "assignments.csv", encoding="utf-8-sig")
    assert list(assignments.columns) == ["row", "kmeans", "kprototypes", "embedding"]
    assert len(assignments) == 120 and assignments["row"].tolist() == list(range(120))
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics) == {"kmeans", "kprototypes", "embedding"}
    for method in metrics:
        assert (out / f"profiles_{method}.csv").is_file()
        assert metrics[method]["outliers"] == 0
    assert any(tmp_cache.iterdir())


def test_scan_writes_json(small_csv, tmp_path, capsys):
    """scan prints a table and writes the documented JSON keys."""
    target = tmp_path / "scan.json"
    code = main(
        [
            "-q",
            "scan",
            str(small_csv),
            "--k",
            "2-4",
            "--n-init",
            "2",
            "--json",
            str(target),
        ]
    )
    assert code == 0
    scan = json.loads(target.read_text())
    assert scan["k"] == [2, 3, 4]
    assert len(scan["silhouette"]) == 3
    assert "silhouette" in capsys.readouterr().out


def test_columns_option(small_csv, tmp_path):
    """--columns restricts the features; profiles only describe those columns."""
    out = tmp_path / "out"
    code = main(
        [
            "-q",
            "run",
            str(small_csv),
            "--columns",
            "age,job",
            "--k",
            "3",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    profiles = pd.read_csv(out / "profiles_kmeans.csv", encoding="utf-8-sig")
    assert "age_mean" in profiles and "job_top" in profiles
    assert "balance_mean" not in profiles and "marital_top" not in profiles


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "missing.csv"], "File not found: missing.csv"),
        (["run", "--method", "dbscan"], "Unknown method dbscan"),
        (["run", "--k", "1"], "k=1 must be at least 2"),
        (["run", "--columns", "age,shoe_size"], r"Unknown column.*shoe_size"),
        (["scan", "--k", "nine"], "Cannot read k range"),
        (["scan", "--method", "all"], "scan takes one method at a time"),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(
    args, message, tmp_path, capsys, monkeypatch
):
    """Bad input ends with exit code 2 and one line on stderr naming the problem."""
    monkeypatch.chdir(tmp_path)
    assert main(["-q", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith("error: ")
    assert re.search(message, err)


def test_module_entry_point_has_no_traceback(tmp_path):
    """python -m segmentation on an empty file: exit 2, one line, no traceback."""
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    done = subprocess.run(
        [sys.executable, "-m", "segmentation", "-q", "run", str(empty)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: empty.csv is empty.")


def test_max_rows_samples_and_marks_the_rest(small_csv, tmp_path):
    """--max-rows segments a sample; the other customers are marked 'not sampled'."""
    out = tmp_path / "out"
    code = main(
        ["-q", "run", str(small_csv), "--max-rows", "50", "--k", "3", "--out", str(out)]
    )
    assert code == 0
    assignments = pd.read_csv(out / "assignments.csv", encoding="utf-8-sig", dtype=str)
    assert len(assignments) == 120
    assert (assignments["kmeans"] == "not sampled").sum() == 70
    assert json.loads((out / "metrics.json").read_text())["kmeans"]["rows"] == 50
