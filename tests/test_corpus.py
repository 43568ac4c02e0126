"""Every file of the messy-file corpus through the core and through the command line."""

from __future__ import annotations

import importlib.util
import json
import logging
import re
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segmentation.cli import main
from segmentation.data import load_customers, sample_customers
from segmentation.methods import segment_customers
from segmentation.profiles import build_profiles


def _load_corpus():
    """Import tests/corpus.py by path (the tests folder is not a package)."""
    if "segmentation_test_corpus" in sys.modules:
        return sys.modules["segmentation_test_corpus"]
    path = Path(__file__).with_name("corpus.py")
    spec = importlib.util.spec_from_file_location("segmentation_test_corpus", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


corpus = _load_corpus()
K = corpus.N_CLUSTERS
LIGHT_VALID = [c for c in corpus.VALID if not c.heavy]
LOAD_REFUSED = [c for c in corpus.REFUSED if c.stage == "load"]
SEGMENT_REFUSED = [c for c in corpus.REFUSED if c.stage == "segment"]
SAMPLE_ROWS = 20_000


def _ids(cases):
    return [c.name for c in cases]


def _check_table(case, table) -> None:
    """The table has the expected columns, reasons, notes and clean values."""
    assert table.numeric == case.numeric
    assert table.categorical == case.categorical
    assert set(table.excluded) == set(case.excluded)
    for name, pattern in case.excluded.items():
        assert re.search(pattern, table.excluded[name]), (name, table.excluded[name])
    for pattern in case.notes:
        assert any(re.search(pattern, note) for note in table.notes), (
            pattern,
            table.notes,
        )
    frame = table.frame
    assert sorted(frame.columns) == sorted([*table.numeric, *table.categorical])
    assert not frame.isna().any().any()
    for name in table.numeric:
        assert frame[name].dtype == np.float64
        assert np.isfinite(frame[name].to_numpy()).all()
    for name in table.categorical:
        assert pd.api.types.is_string_dtype(frame[name])
    assert frame.index.is_unique and frame.index.max() < table.n_input_rows


def _check_segments(table, keep_outliers: bool) -> None:
    """K-Means with k=3 labels every kept customer and profiles add up."""
    space, result = segment_customers(
        table, "kmeans", K, remove_outliers=not keep_outliers, n_init=3
    )
    labels = result.labels
    assert len(labels) == table.n_customers
    assert set(np.unique(labels)) <= {-1, *range(K)}
    assert (labels >= 0).sum() == space.kept.sum()
    profiles = build_profiles(
        table.frame, labels, numeric=table.numeric, categorical=table.categorical
    )
    assert profiles["size"].sum() == space.kept.sum()
    assert profiles["share"].sum() == pytest.approx(1.0)


@pytest.mark.parametrize("case", LIGHT_VALID, ids=_ids(LIGHT_VALID))
def test_valid_file_loads_and_segments(case):
    """A messy but valid file gives the expected columns, K-Means labels, profiles."""
    table = load_customers(case.data())
    _check_table(case, table)
    _check_segments(table, case.keep_outliers)


@pytest.mark.parametrize("case", LOAD_REFUSED, ids=_ids(LOAD_REFUSED))
def test_bad_file_is_refused_with_one_message(case):
    """A bad file is refused with a ValueError naming the problem and the fix."""
    with pytest.raises(ValueError, match=case.error) as caught:
        load_customers(case.data())
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("case", SEGMENT_REFUSED, ids=_ids(SEGMENT_REFUSED))
def test_unsegmentable_file_is_refused_by_segment_customers(case):
    """A file that loads but cannot give k=3 segments is refused when segmenting."""
    table = load_customers(case.data())
    with pytest.raises(ValueError, match=case.error):
        segment_customers(table, "kmeans", K, remove_outliers=not case.keep_outliers)


def test_million_rows_load_and_a_sample_segments():
    """1,000,000 rows x 8 columns load with the right columns; a sample segments."""
    case = corpus.case("million_rows")
    table = load_customers(case.data())
    _check_table(case, table)
    assert table.n_customers == table.n_input_rows == 1_000_000
    assert table.frame["income"].between(15_000, 70_000).all()

    sample = sample_customers(table, SAMPLE_ROWS, random_state=0)
    assert sample.n_customers == SAMPLE_ROWS
    assert re.search(r"sample of 20,000 of the 1,000,000 customers", sample.notes[-1])
    _check_segments(sample, keep_outliers=False)


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


@pytest.fixture
def run_cli(monkeypatch, capsys):
    """Run ``segmentation.cli.main`` in-process with its real stderr logging."""

    def run(arguments: list[str]) -> tuple[int, str, str]:
        root = logging.getLogger()
        handlers, level = root.handlers[:], root.level
        root.handlers = []
        monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)
        try:
            code = main(arguments)
        finally:
            root.handlers = handlers
            root.setLevel(level)
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _arguments(case, path: Path, out: Path, quiet: bool = False) -> list[str]:
    arguments = ["-q"] if quiet else []
    arguments += ["run", str(path), "--method", "kmeans", "--k", str(K)]
    arguments += ["--n-init", "3", "--out", str(out)]
    return arguments + (["--keep-outliers"] if case.keep_outliers else [])


@pytest.mark.parametrize("case", LIGHT_VALID, ids=_ids(LIGHT_VALID))
def test_cli_segments_valid_file(case, tmp_path, run_cli):
    """The CLI exits 0 and writes assignments, metrics and profiles for a valid file."""
    path = tmp_path / f"{case.name}.csv"
    path.write_bytes(case.data())
    code, _, err = run_cli(_arguments(case, path, tmp_path / "out"))
    assert code == 0, err
    assert "Traceback" not in err and "error:" not in err

    table = load_customers(path)
    assignments = pd.read_csv(
        tmp_path / "out" / "assignments.csv", encoding="utf-8-sig"
    )
    assert len(assignments) == table.n_input_rows
    profiles = pd.read_csv(
        tmp_path / "out" / "profiles_kmeans.csv", encoding="utf-8-sig"
    )
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert profiles["size"].sum() == metrics["kmeans"]["rows_used"]
    assert (assignments["kmeans"] != "dropped").sum() == table.n_customers


@pytest.mark.parametrize("case", corpus.REFUSED, ids=_ids(corpus.REFUSED))
def test_cli_refuses_bad_file_in_one_line(case, tmp_path, run_cli):
    """The CLI exits 2 with exactly one line on stderr, the error, and no traceback.

    Files refused while segmenting run with ``-q``: without it the CLI first
    logs what it loaded, as it does for every valid file.
    """
    path = tmp_path / f"{case.name}.csv"
    path.write_bytes(case.data())
    quiet = case.stage == "segment"
    code, _, err = run_cli(_arguments(case, path, tmp_path / "out", quiet=quiet))
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert re.match(r"error: ", lines[0]) and re.search(case.error, lines[0])
    assert "Traceback" not in err
