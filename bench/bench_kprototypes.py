"""Speed and quality of our K-Prototypes against kmodes on the UCI bank customers.

The customers are the first 8 columns of bank-full.csv (age, job, marital,
education, default, balance, housing, loan). age and balance go through a
standardised Yeo-Johnson PowerTransformer, the other six become integer codes,
and ECOD (contamination 0.1) fitted on that 8-column representation removes
its outliers, which leaves 40,691 customers.

Stages:

* k=5, init="Huang", n_init=10: ours against ``kmodes.KPrototypes(n_jobs=-1)``
  with the same seed, on all customers (one seed; kmodes takes minutes) and on
  a random subsample for more seeds. Reported: both times, their ratio, both
  final costs, the relative cost difference and the adjusted Rand index of
  the two partitions.
* The elbow scan k=2..14 (n_init=10) with ours on all customers.

Our numba kernels are compiled (or loaded from the cache) by a small warm-up
fit before timing. Run ``python -m bench.bench_kprototypes [--quick]``; the
bench runner calls :func:`run`.
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
from kmodes.kprototypes import KPrototypes as RefKPrototypes
from pyod.models.ecod import ECOD
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import OrdinalEncoder, PowerTransformer

from bench.run import to_markdown
from segmentation.kprototypes import KPrototypes

__all__ = ["load_bank_customers", "run"]

logger = logging.getLogger(__name__)

NUMERIC = ["age", "balance"]
CATEGORICAL = ["job", "marital", "education", "default", "housing", "loan"]
K = 5
N_INIT = 10


def _bank_path() -> Path:
    """bank-full.csv from $SEGMENTATION_BANK_CSV or ../shared/data next to the repo."""
    env = os.environ.get("SEGMENTATION_BANK_CSV")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared" / "data" / "bank-full.csv"


def load_bank_customers(path: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Numeric and categorical matrices of the bank customers left after ECOD.

    Parameters
    ----------
    path : Path, optional
        Location of bank-full.csv (``;``-separated).

    Returns
    -------
    X_num : ndarray of shape (n_customers, 2)
        age and balance, Yeo-Johnson transformed and standardised.
    X_cat : ndarray of shape (n_customers, 6), int64
        Ordinal codes of job, marital, education, default, housing and loan.
    """
    path = _bank_path() if path is None else Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"No bank-full.csv at {path}; set SEGMENTATION_BANK_CSV to its path."
        )
    frame = pd.read_csv(path, sep=";").iloc[:, :8]
    X_num = PowerTransformer(method="yeo-johnson", standardize=True).fit_transform(
        frame[NUMERIC].to_numpy(dtype=float)
    )
    X_cat = OrdinalEncoder().fit_transform(frame[CATEGORICAL]).astype(np.int64)
    inlier = ECOD(contamination=0.1).fit(np.hstack([X_num, X_cat])).labels_ == 0
    return np.ascontiguousarray(X_num[inlier]), np.ascontiguousarray(X_cat[inlier])


def _fit_ours(X_num, X_cat, k, seed) -> tuple[KPrototypes, float]:
    start = time.perf_counter()
    model = KPrototypes(k, init="Huang", n_init=N_INIT, random_state=seed)
    model.fit(X_num, X_cat)
    return model, time.perf_counter() - start


def _fit_reference(X_num, X_cat, k, seed) -> tuple[RefKPrototypes, float]:
    p, q = X_num.shape[1], X_cat.shape[1]
    start = time.perf_counter()
    model = RefKPrototypes(
        n_clusters=k, init="Huang", n_init=N_INIT, n_jobs=-1, random_state=seed
    )
    model.fit(np.hstack([X_num, X_cat]), categorical=list(range(p, p + q)))
    return model, time.perf_counter() - start


def _compare(X_num, X_cat, seeds, label) -> dict:
    """Ours and kmodes with the same seeds; one summary row."""
    ours_s, ref_s, ours_cost, ref_cost, ari = [], [], [], [], []
    for seed in seeds:
        ours, t_ours = _fit_ours(X_num, X_cat, K, seed)
        ref, t_ref = _fit_reference(X_num, X_cat, K, seed)
        ours_s.append(t_ours)
        ref_s.append(t_ref)
        ours_cost.append(ours.cost_)
        ref_cost.append(float(ref.cost_))
        ari.append(adjusted_rand_score(ref.labels_, ours.labels_))
        logger.info(
            "%s seed %d: ours %.2fs cost %.2f | kmodes %.1fs cost %.2f | ARI %.4f",
            label,
            seed,
            t_ours,
            ours.cost_,
            t_ref,
            ref.cost_,
            ari[-1],
        )
    ours_cost, ref_cost = np.array(ours_cost), np.array(ref_cost)
    # rounded so that rounding noise does not print as -0.000%
    rel = np.round(100 * (ours_cost - ref_cost) / ref_cost, 3) + 0.0
    costs = ", ".join(
        f"{a:,.1f} vs {b:,.1f}" for a, b in zip(ours_cost, ref_cost, strict=True)
    )
    quality = (
        f"cost ours vs kmodes per seed: {costs}; mean relative difference "
        f"{rel.mean():+.3f}% (worst {rel.max():+.3f}%); "
        f"ARI ours vs kmodes {np.mean(ari):.4f} (min {np.min(ari):.4f})"
    )
    return {
        "stage": (
            f"k={K} Huang n_init={N_INIT}, {label}, n={len(X_num):,}, "
            f"seeds {list(seeds)}, mean time per fit"
        ),
        "ours_s": float(np.mean(ours_s)),
        "reference_s": float(np.mean(ref_s)),
        "ratio": float(np.mean(ref_s) / np.mean(ours_s)),
        "quality": quality,
    }


def _scan(X_num, X_cat, ks) -> dict:
    """Our elbow scan over ``ks`` with n_init=10 on all customers."""
    start = time.perf_counter()
    costs = []
    for k in ks:
        model = KPrototypes(k, init="Huang", n_init=N_INIT, random_state=0)
        costs.append(model.fit(X_num, X_cat).cost_)
        logger.info("scan k=%d: cost %.2f", k, costs[-1])
    elapsed = time.perf_counter() - start
    return {
        "stage": (
            f"elbow scan k={ks[0]}..{ks[-1]} n_init={N_INIT}, all customers, "
            f"n={len(X_num):,}, total"
        ),
        "ours_s": elapsed,
        "reference_s": None,
        "ratio": None,
        "quality": "costs "
        + ", ".join(f"k={k}: {c:,.0f}" for k, c in zip(ks, costs, strict=True)),
    }


def run(quick: bool = False) -> list[dict]:
    """Run the benchmark and return one row per stage.

    Parameters
    ----------
    quick : bool, default=False
        Quick mode compares on a 4,000-customer subsample with 2 seeds and scans
        k=2..6 (about 3 minutes, nearly all of it kmodes). The full mode runs
        kmodes once on all customers (2.5 to 8 minutes depending on the load),
        5 seeds on an 8,000-customer subsample, and the whole k=2..14 scan
        (about 20 minutes in all on 2 busy cores).

    Returns
    -------
    list of dict
        Rows with keys stage, ours_s, reference_s, ratio and quality.
    """
    X_num, X_cat = load_bank_customers()
    n = len(X_num)
    logger.info("bank customers after ECOD: %d", n)

    # Compile or load the numba kernels outside the timings
    KPrototypes(3, n_init=2, random_state=0).fit(X_num[:500], X_cat[:500])

    rng = np.random.default_rng(12345)
    rows = []
    if quick:
        sub = rng.choice(n, 4_000, replace=False)
        rows.append(_compare(X_num[sub], X_cat[sub], [0, 1], "random subsample"))
        rows.append(_scan(X_num, X_cat, list(range(2, 7))))
    else:
        rows.append(_compare(X_num, X_cat, [0], "all customers"))
        sub = rng.choice(n, 8_000, replace=False)
        rows.append(_compare(X_num[sub], X_cat[sub], range(5), "random subsample"))
        rows.append(_scan(X_num, X_cat, list(range(2, 15))))
    return rows


def main() -> None:
    """Command-line entry point: print the markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller, faster run")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    start = time.perf_counter()
    rows = run(quick=args.quick)
    print(to_markdown(rows))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"\n{os.cpu_count()} CPUs, load average {load:.1f} at the end; "
        f"wall time {time.perf_counter() - start:.0f} s."
    )


if __name__ == "__main__":
    main()
