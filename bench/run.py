"""Run every benchmark and write bench/results.md.

``python -m bench.run [--quick] [--only NAME ...]`` (``make bench``). Each
module's ``run(quick)`` returns rows with the stage, our time, the reference
tool's time, their ratio and a quality check; all rows go into one table.
The UCI Bank Marketing file must be at ../shared/data/bank-full.csv (or
``$SEGMENTATION_BANK_CSV``).

Every module runs in a fresh Python process, and so does every stage of
``bench_core``: thread pools that one library leaves behind (the fp32 torch
reference's OpenMP threads, for example) would otherwise compete for the two
cores with the next stage and slow it for reasons that are not its own.
"""

from __future__ import annotations

import argparse
import importlib
import multiprocessing
import platform
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

MODULES = ("bench_kprototypes", "bench_embeddings", "bench_core", "bench_dashboard")
RESULTS = Path(__file__).with_name("results.md")


def _seconds(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    return f"{value:,.2f}"


def to_markdown(rows: list[dict]) -> str:
    lines = [
        "| stage | ours (s) | reference (s) | speed-up | quality |",
        "|---|---:|---:|---:|---|",
    ]
    for row in rows:
        ratio = row.get("ratio")
        lines.append(
            f"| {row['stage']} | {_seconds(row.get('ours_s'))} | "
            f"{_seconds(row.get('reference_s'))} | "
            f"{'—' if not ratio else f'{ratio:,.1f}x'} | {row.get('quality', '')} |"
        )
    return "\n".join(lines)


def in_fresh_process(func: Callable[..., Any], *args: Any) -> Any:
    """``func(*args)`` in a new Python interpreter; its return value.

    ``func`` must be importable (a module-level function) and its arguments
    and result picklable.
    """
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(func, *args).result()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the benchmarks.")
    parser.add_argument("--quick", action="store_true", help="smaller subsamples")
    parser.add_argument("--only", nargs="*", choices=MODULES, help="modules to run")
    args = parser.parse_args(argv)

    rows, started = [], time.perf_counter()
    for name in args.only or MODULES:
        module = importlib.import_module(f"bench.{name}")
        print(f"running {name} ...", file=sys.stderr, flush=True)
        module_rows = in_fresh_process(module.run, args.quick)
        rows.extend(module_rows)
        print(to_markdown(module_rows), file=sys.stderr, flush=True)

    header = (
        f"# Benchmark results\n\n"
        f"Written by `python -m bench.run{' --quick' if args.quick else ''}` on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"{_cores()} cores, Python {platform.python_version()}; total "
        f"{time.perf_counter() - started:,.0f} s. Speed-up = reference time / our "
        "time, both measured in this run on bank-full.csv.\n\n"
    )
    RESULTS.write_text(header + to_markdown(rows) + "\n")
    print(f"wrote {RESULTS}")
    return 0


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0


if __name__ == "__main__":
    sys.exit(main())
