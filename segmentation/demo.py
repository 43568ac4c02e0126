"""Demo customers and the UCI Bank Marketing table.

:func:`make_demo_customers` generates synthetic bank customers with the same
eight columns as the UCI Bank Marketing data (age, job, marital, education,
default, balance, housing, loan). They are drawn from a handful of planted
segments, so a segmentation of the demo has something real to find. No row
of the UCI data is used or shipped.

:func:`load_bank_marketing` reads the real UCI table from a path, or downloads
it from the UCI repository when the machine is online.
"""

from __future__ import annotations

import io
import logging
import os
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "BANK_COLUMNS",
    "DEMO_SEGMENTS",
    "make_demo_customers",
    "load_bank_marketing",
    "UCI_BANK_URL",
]

logger = logging.getLogger(__name__)

BANK_COLUMNS = (
    "age",
    "job",
    "marital",
    "education",
    "default",
    "balance",
    "housing",
    "loan",
)
UCI_BANK_URL = "https://archive.ics.uci.edu/static/public/222/bank+marketing.zip"

JOBS = (
    "admin.",
    "blue-collar",
    "entrepreneur",
    "housemaid",
    "management",
    "retired",
    "self-employed",
    "services",
    "student",
    "technician",
    "unemployed",
    "unknown",
)

# Each planted segment: its share of customers, an age range (mean, sd, low,
# high), the weights of jobs, marital status and education, the log-normal
# balance (median, spread), the chance of a negative balance and the chances
# of a credit default, a housing loan and a personal loan.
DEMO_SEGMENTS = {
    "young professionals": dict(
        share=0.24,
        age=(31, 5, 21, 45),
        job={"management": 4, "technician": 3, "admin.": 3, "self-employed": 1},
        marital={"single": 6, "married": 3, "divorced": 1},
        education={"tertiary": 7, "secondary": 3},
        balance=(900, 1.0),
        negative=0.05,
        default=0.005,
        housing=0.45,
        loan=0.12,
    ),
    "blue-collar families": dict(
        share=0.30,
        age=(40, 7, 24, 60),
        job={"blue-collar": 7, "services": 3, "housemaid": 1},
        marital={"married": 8, "divorced": 1, "single": 1},
        education={"primary": 5, "secondary": 5},
        balance=(350, 1.1),
        negative=0.15,
        default=0.02,
        housing=0.85,
        loan=0.25,
    ),
    "established savers": dict(
        share=0.18,
        age=(52, 6, 38, 65),
        job={"management": 4, "entrepreneur": 2, "admin.": 2, "technician": 2},
        marital={"married": 7, "divorced": 2, "single": 1},
        education={"tertiary": 5, "secondary": 4, "unknown": 1},
        balance=(4500, 0.9),
        negative=0.01,
        default=0.002,
        housing=0.35,
        loan=0.05,
    ),
    "retirees": dict(
        share=0.14,
        age=(68, 7, 58, 92),
        job={"retired": 9, "housemaid": 1},
        marital={"married": 6, "divorced": 2, "single": 1},
        education={"primary": 5, "secondary": 3, "unknown": 2},
        balance=(1800, 1.0),
        negative=0.02,
        default=0.004,
        housing=0.15,
        loan=0.06,
    ),
    "students and starters": dict(
        share=0.14,
        age=(24, 4, 18, 35),
        job={"student": 6, "unemployed": 2, "services": 2, "unknown": 1},
        marital={"single": 9, "married": 1},
        education={"secondary": 6, "tertiary": 3, "unknown": 1},
        balance=(200, 1.2),
        negative=0.25,
        default=0.04,
        housing=0.10,
        loan=0.08,
    ),
}


def _draw(rng: np.random.Generator, weights: dict[str, float], n: int) -> np.ndarray:
    names = list(weights)
    p = np.array([weights[k] for k in names], dtype=float)
    return rng.choice(names, size=n, p=p / p.sum())


def _yes_no(rng: np.random.Generator, p: float, n: int) -> np.ndarray:
    return np.where(rng.random(n) < p, "yes", "no")


def make_demo_customers(
    n_customers: int = 4000,
    *,
    random_state: int | None = 0,
    return_segments: bool = False,
) -> pd.DataFrame:
    """Generate synthetic bank customers with planted segments.

    Parameters
    ----------
    n_customers : int, default=4000
        Number of customers (rows).
    random_state : int or None, default=0
        Seed; the same seed gives the same table.
    return_segments : bool, default=False
        Add a ``planted_segment`` column naming the segment each customer was
        drawn from (useful to check a method finds them; never a feature).

    Returns
    -------
    DataFrame
        The columns of :data:`BANK_COLUMNS`: ``age`` and ``balance`` (euros,
        may be negative) are integers, the others text, as in the UCI data.

    Examples
    --------
    >>> demo = make_demo_customers(500, random_state=1)
    >>> demo.shape
    (500, 8)
    """
    if not isinstance(n_customers, int | np.integer) or n_customers < 1:
        raise ValueError(f"n_customers={n_customers!r} must be a positive integer.")
    rng = np.random.default_rng(random_state)
    names = list(DEMO_SEGMENTS)
    shares = np.array([DEMO_SEGMENTS[s]["share"] for s in names])
    segment = rng.choice(len(names), size=n_customers, p=shares / shares.sum())

    parts = []
    for index, name in enumerate(names):
        spec = DEMO_SEGMENTS[name]
        n = int(np.sum(segment == index))
        if n == 0:
            continue
        mean, sd, low, high = spec["age"]
        age = np.clip(np.rint(rng.normal(mean, sd, n)), low, high).astype(int)
        median, spread = spec["balance"]
        balance = np.rint(rng.lognormal(np.log(median), spread, n)).astype(int)
        negative = rng.random(n) < spec["negative"]
        balance[negative] = -np.rint(rng.exponential(400, negative.sum())).astype(int)
        # Older customers in a segment save a little more: a mild correlation.
        balance = balance + np.rint((age - mean) * 15).astype(int) * (balance > 0)
        part = pd.DataFrame(
            {
                "age": age,
                "job": _draw(rng, spec["job"], n),
                "marital": _draw(rng, spec["marital"], n),
                "education": _draw(rng, spec["education"], n),
                "default": _yes_no(rng, spec["default"], n),
                "balance": balance,
                "housing": _yes_no(rng, spec["housing"], n),
                "loan": _yes_no(rng, spec["loan"], n),
            },
            index=np.flatnonzero(segment == index),
        )
        part["planted_segment"] = name
        parts.append(part)

    demo = pd.concat(parts).sort_index().reset_index(drop=True)
    if not return_segments:
        demo = demo.drop(columns="planted_segment")
    return demo


def _default_bank_paths() -> list[Path]:
    here = Path(__file__).resolve().parent.parent
    candidates = [here.parent / "shared" / "data" / "bank-full.csv"]
    if os.environ.get("SEGMENTATION_BANK_CSV"):
        candidates.insert(0, Path(os.environ["SEGMENTATION_BANK_CSV"]))
    return candidates


def load_bank_marketing(
    path: str | Path | None = None,
    *,
    download: bool = True,
    timeout: float = 20.0,
) -> pd.DataFrame:
    """Load the UCI Bank Marketing table (bank-full.csv, 45,211 customers).

    Parameters
    ----------
    path : str or Path, optional
        Where bank-full.csv lies. When omitted, ``$SEGMENTATION_BANK_CSV`` and
        ``../shared/data/bank-full.csv`` next to the project are tried, then
        the file is downloaded from the UCI repository if ``download`` is true.
    download : bool, default=True
        Allow the download.
    timeout : float, default=20
        Seconds to wait for the UCI server.

    Returns
    -------
    DataFrame
        All 17 columns, numbers as numbers.

    Raises
    ------
    ValueError
        The path does not exist, or no copy was found and the download failed
        (offline): the message says where to get the file.

    Notes
    -----
    Moro, S., Rita, P., and Cortez, P. (2014). Bank Marketing. UCI Machine
    Learning Repository, CC BY 4.0. https://doi.org/10.24432/C5K306
    """
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise ValueError(
                f"No file at {path}. Give the path of bank-full.csv from the UCI "
                "Bank Marketing data."
            )
        return pd.read_csv(path, sep=";")
    for candidate in _default_bank_paths():
        if candidate.is_file():
            logger.info("Reading the UCI Bank Marketing table from %s", candidate)
            return pd.read_csv(candidate, sep=";")
    if not download:
        raise ValueError(
            "bank-full.csv was not found. Give its path, or allow the download from "
            f"{UCI_BANK_URL}."
        )
    try:
        with urllib.request.urlopen(UCI_BANK_URL, timeout=timeout) as response:
            payload = response.read()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise ValueError(
            f"Could not download the UCI Bank Marketing data ({exc}). This machine "
            f"may be offline: download {UCI_BANK_URL} elsewhere, unzip bank.zip and "
            "give the path of bank-full.csv."
        ) from None
    return _bank_from_zip(payload)


def _bank_from_zip(payload: bytes) -> pd.DataFrame:
    """Find bank-full.csv in the UCI archive (it sits in a nested bank.zip)."""
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        for name in archive.namelist():
            if name.endswith("bank-full.csv"):
                return pd.read_csv(archive.open(name), sep=";")
        for name in archive.namelist():
            if name.endswith(".zip"):
                try:
                    return _bank_from_zip(archive.read(name))
                except ValueError:
                    continue
    raise ValueError(
        "The downloaded archive holds no bank-full.csv; download it by hand and "
        "give its path."
    )
