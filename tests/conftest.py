"""Shared fixtures: small customer tables with planted segments and outliers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segmentation.data import CustomerTable, prepare_customers
from segmentation.demo import BANK_COLUMNS  # noqa: F401 - used by the tests

BANK_CSV = Path(__file__).resolve().parents[2] / "shared" / "data" / "bank-full.csv"


def planted_frame(
    n_per_segment: int = 60, seed: int = 0
) -> tuple[pd.DataFrame, np.ndarray]:
    """Three well-separated mixed segments; returns the table and the true segment."""
    rng = np.random.default_rng(seed)
    parts, truth = [], []
    specs = [
        (25, 200, "student", "single"),
        (45, 5000, "manager", "married"),
        (70, 1500, "retired", "widowed"),
    ]
    for segment, (age, balance, job, marital) in enumerate(specs):
        parts.append(
            pd.DataFrame(
                {
                    "age": rng.normal(age, 1.5, n_per_segment).round(1),
                    "balance": rng.normal(
                        balance, balance * 0.03, n_per_segment
                    ).round(),
                    "job": job,
                    "marital": marital,
                }
            )
        )
        truth.append(np.full(n_per_segment, segment))
    return pd.concat(parts, ignore_index=True), np.concatenate(truth)


@pytest.fixture
def planted() -> tuple[CustomerTable, np.ndarray]:
    frame, truth = planted_frame()
    return prepare_customers(frame), truth


@pytest.fixture
def planted_with_outliers() -> tuple[CustomerTable, np.ndarray]:
    """The planted table plus 5 customers far from every segment (last rows)."""
    frame, truth = planted_frame(n_per_segment=100)
    outliers = pd.DataFrame(
        {
            "age": [99.0, 18.0, 97.0, 19.0, 98.0],
            "balance": [900_000.0, -80_000.0, 750_000.0, -95_000.0, 1_200_000.0],
            "job": ["astronaut", "pilot", "astronaut", "pilot", "diver"],
            "marital": ["other", "other", "unknown", "unknown", "other"],
        }
    )
    frame = pd.concat([frame, outliers], ignore_index=True)
    return prepare_customers(frame), np.concatenate([truth, np.full(5, -1)])


@pytest.fixture
def tmp_cache(tmp_path, monkeypatch) -> Path:
    """Point the embedding cache at a temporary folder."""
    monkeypatch.setenv("SEGMENTATION_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def bank_or_skip() -> Path:
    if not BANK_CSV.is_file():
        pytest.skip(f"UCI Bank Marketing file not found at {BANK_CSV}")
    return BANK_CSV
