"""Speed of t-SNE, explanations, the k scan and the whole pipeline on bank-full.csv.

Each stage is timed side by side with the reference tool, in one run:

* t-SNE 2D: openTSNE (FFT) on every kept customer (no reference run: the
  target is an absolute time).
* t-SNE 3D: ours (openTSNE Barnes-Hut, default 750 iterations, perplexity 30)
  against scikit-learn's ``TSNE(n_components=3, perplexity=3, max_iter=5000)``
  on the same random subsample; trustworthiness (10 neighbours) of both on a
  5,000-row subsample of it.
* Explanations: our compiled TreeSHAP on the stratified sample
  ``explain_segments`` averages over, against ``shap.TreeExplainer`` on the
  same model and all rows; Spearman correlation of the global rankings.
* k scan, K-Means k=2..10: ours (sampled silhouette) against the exact
  scikit-learn ``silhouette_score``; the largest silhouette difference.
* Whole pipeline: the three methods at k=5 with metrics, PCA and FAMD
  projections, explanations and profiles, embedding cache warm (warmed first,
  untimed); peak memory of the process.

Each stage runs in a fresh process (see :func:`bench.run.in_fresh_process`),
so the peak memory is the pipeline's own.

Run ``python -m bench.bench_core [--quick]``.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr
from sklearn.cluster import KMeans
from sklearn.manifold import TSNE, trustworthiness
from sklearn.metrics import silhouette_score

from segmentation.data import load_customers
from segmentation.demo import BANK_COLUMNS
from segmentation.explain import (
    SHAP_SAMPLE,
    _as_lightgbm_frame,
    explain_segments,
    shap_rows,
    shap_values,
)
from segmentation.methods import build_space, fit_segments
from segmentation.metrics import score_labels
from segmentation.pipeline import run_method
from segmentation.projections import project, project_table
from segmentation.selection import SCAN_SILHOUETTE_SAMPLE, scan_k

BANK = Path(__file__).resolve().parents[2] / "shared" / "data" / "bank-full.csv"
COLUMNS = list(BANK_COLUMNS)


def _timed(func, *args, **kwargs):
    started = time.perf_counter()
    value = func(*args, **kwargs)
    return value, time.perf_counter() - started


def _row(stage, ours, reference, quality):
    ratio = reference / ours if reference and ours else None
    return {
        "stage": stage,
        "ours_s": ours,
        "reference_s": reference,
        "ratio": ratio,
        "quality": quality,
    }


def bank_space():
    table = load_customers(BANK, columns=COLUMNS)
    return table, build_space(table, "kmeans")


def bench_tsne(X: np.ndarray, quick: bool) -> list[dict]:
    rows = []
    rng = np.random.default_rng(0)
    if not quick:
        coords, seconds = _timed(project, X, "tsne", n_components=2)
        rows.append(
            _row(
                f"t-SNE 2D, all {len(X):,} customers (openTSNE FFT)",
                seconds,
                None,
                f"{len(coords.coordinates):,} points placed; target about 90 s",
            )
        )
    size = 2_000 if quick else 5_000
    sample = X[np.sort(rng.choice(len(X), size, replace=False))]
    ours, ours_s = _timed(project, sample, "tsne", n_components=3)
    reference, ref_s = _timed(
        TSNE(n_components=3, perplexity=3, max_iter=5000, random_state=0).fit_transform,
        sample,
    )
    trust_rows = np.sort(
        rng.choice(len(sample), min(5_000, len(sample)), replace=False)
    )
    ours_trust = trustworthiness(
        sample[trust_rows], ours.coordinates.to_numpy()[trust_rows], n_neighbors=10
    )
    ref_trust = trustworthiness(
        sample[trust_rows], reference[trust_rows], n_neighbors=10
    )
    rows.append(
        _row(
            f"t-SNE 3D, {size:,}-customer subsample (reference: scikit-learn, "
            "perplexity 3, 5,000 iterations)",
            ours_s,
            ref_s,
            f"trustworthiness@10 ours {ours_trust:.4f}, reference {ref_trust:.4f}",
        )
    )
    return rows


def bench_explain(table, labels: np.ndarray) -> list[dict]:
    import shap

    kept = labels >= 0
    frame, y = table.frame[kept], labels[kept]
    explanation = explain_segments(frame, y)
    X = _as_lightgbm_frame(frame)
    started = time.perf_counter()
    rows = shap_rows(y, SHAP_SAMPLE)
    ours = shap_values(explanation.model, X.iloc[rows])
    ours_s = time.perf_counter() - started
    reference, ref_s = _timed(shap.TreeExplainer(explanation.model).shap_values, X)
    reference = np.asarray(reference)
    ours_rank = np.abs(ours).mean(axis=(0, 2))
    ref_rank = np.abs(reference).mean(axis=(0, 2))
    rho = spearmanr(ours_rank, ref_rank).statistic
    same = np.abs(ours - reference[rows]).max()
    every, every_s = _timed(shap_values, explanation.model, X)
    every_rho = spearmanr(np.abs(every).mean(axis=(0, 2)), ref_rank).statistic
    every_same = np.abs(every - reference).max()
    return [
        _row(
            f"SHAP importance, {len(X):,} customers, {len(np.unique(y))} segments: "
            f"ours compiled TreeSHAP on a stratified {len(rows):,}-customer sample, "
            "reference shap.TreeExplainer on all",
            ours_s,
            ref_s,
            f"Spearman of global rankings {rho:.4f}; per-customer values equal to "
            f"the reference's (max |difference| {same:.1e})",
        ),
        _row(
            f"SHAP values of all {len(X):,} customers: ours compiled TreeSHAP, "
            "reference shap.TreeExplainer (for comparison; the app uses the sample)",
            every_s,
            ref_s,
            f"Spearman of global rankings {every_rho:.4f}; max |difference| "
            f"{every_same:.1e}",
        ),
    ]


def bench_scan(space, quick: bool) -> list[dict]:
    ks = range(2, 6) if quick else range(2, 11)
    ours, ours_s = _timed(scan_k, space, ks, random_state=0, n_init=10)
    X = space.euclidean()
    started = time.perf_counter()
    exact = []
    for k in ks:
        labels = KMeans(k, n_init=10, max_iter=1000, random_state=0).fit_predict(X)
        exact.append(silhouette_score(X, labels))
    ref_s = time.perf_counter() - started
    worst = float(np.max(np.abs(ours["silhouette"].to_numpy() - np.array(exact))))

    # The k an analyst would pick is then measured exactly, as the app does
    best = int(ours.loc[ours["silhouette"].idxmax(), "k"])
    labels = fit_segments(space, best, random_state=0, n_init=10).labels[space.kept]
    scores, exact_s = _timed(score_labels, X, labels)
    exact_gap = abs(scores.silhouette - exact[list(ks).index(best)])
    return [
        _row(
            f"k scan K-Means k={ks[0]}..{ks[-1]}, {len(X):,} customers "
            "(reference: exact silhouette_score)",
            ours_s,
            ref_s,
            f"largest silhouette difference {worst:.4f}; each k's silhouette is the "
            f"mean over the same {SCAN_SILHOUETTE_SAMPLE:,} random customers, each "
            f"measured against all {len(X):,}. Exact silhouette at the best k={best} "
            f"({scores.silhouette_rows:,} customers) in {exact_s:.2f} s, "
            f"{exact_gap:.1e} from the reference's",
        )
    ]


def bench_pipeline(table) -> list[dict]:
    from segmentation.embeddings import embed_texts, render_texts

    embed_texts(render_texts(table.frame))  # warm the cache, untimed
    started = time.perf_counter()
    labels = {}
    for method in ("kmeans", "kprototypes", "embedding"):
        result = run_method(table, method, 5, random_state=0)
        labels[method] = result.segmentation.labels
        kept = result.space.kept
        project(result.space.euclidean(), "pca", n_components=3)
        explain_segments(table.frame[kept], labels[method][kept])
    project_table(table.frame, "famd", n_components=3)
    seconds = time.perf_counter() - started
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    return [
        _row(
            "whole pipeline: 3 methods at k=5, metrics (own and shared space), "
            "PCA 3D per method, FAMD 3D, explanations, profiles (embedding cache "
            "warm; t-SNE measured on its own above)",
            seconds,
            None,
            f"peak memory {peak_gb:.2f} GB (target 90 s, 4 GB)",
        )
    ]


def _stage_scan(quick: bool) -> list[dict]:
    _, space = bank_space()
    return bench_scan(space, quick)


def _stage_explain(quick: bool) -> list[dict]:
    table, space = bank_space()
    result = fit_segments(space, 5, random_state=42)
    return bench_explain(table, result.labels)


def _stage_tsne(quick: bool) -> list[dict]:
    _, space = bank_space()
    return bench_tsne(space.euclidean(), quick)


def _stage_pipeline(quick: bool) -> list[dict]:
    table, _ = bank_space()
    return bench_pipeline(table)


def run(quick: bool = False) -> list[dict]:
    """All stages of this module, each in a fresh process; rows for bench/results.md."""
    from bench.run import in_fresh_process

    stages = [_stage_scan, _stage_explain, _stage_tsne]
    if not quick:
        stages.append(_stage_pipeline)
    rows = []
    for stage in stages:
        rows += in_fresh_process(stage, quick)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    from bench.run import to_markdown

    print(to_markdown(run(args.quick)))


if __name__ == "__main__":
    main()
