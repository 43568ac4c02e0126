"""Command line: ``segmentation run`` and ``segmentation scan``.

Errors in the input end the program with one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .data import CustomerTable, load_customers, prepare_customers, sample_customers
from .demo import make_demo_customers
from .methods import METHOD_NAMES, METHODS, build_space
from .pipeline import assignments, run_method
from .profiles import to_csv_bytes
from .selection import parse_k_range, scan_k

__all__ = ["main"]

logger = logging.getLogger("segmentation")

EXIT_BAD_INPUT = 2
EXIT_FAILURE = 1


class TerminalProgress:
    """A one-line progress bar on stderr (plain log lines when not a terminal)."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty()
        self._last = ""

    def __call__(self, fraction: float, message: str) -> None:
        fraction = min(max(float(fraction), 0.0), 1.0)
        if self.interactive:
            filled = int(fraction * 30)
            bar = "#" * filled + "-" * (30 - filled)
            self.stream.write(f"\r[{bar}] {fraction:4.0%} {message[:60]:<60}")
            if fraction >= 1.0:
                self.stream.write("\n")
            self.stream.flush()
        elif message != self._last:
            logger.info("%3.0f%% %s", fraction * 100, message)
        self._last = message


def _columns(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [c.strip() for c in text.split(",") if c.strip()]


def _load(args: argparse.Namespace) -> CustomerTable:
    columns = _columns(args.columns)
    if args.input is None:
        logger.info("No input file: using the built-in demo customers")
        return prepare_customers(make_demo_customers(random_state=0), columns=columns)
    return load_customers(args.input, columns=columns, sep=args.sep)


def _methods(text: str) -> list[str]:
    if text == "all":
        return list(METHODS)
    methods = [m.strip() for m in text.split(",")]
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise ValueError(
            f"Unknown method {', '.join(unknown)}; choose {', '.join(METHODS)} or all."
        )
    return methods


def _space_options(args: argparse.Namespace) -> dict:
    return {
        "gamma": args.gamma,
        "model": args.model,
        "template": args.template,
        "cache_dir": args.cache_dir,
        "backend": args.backend,
        "contamination": args.contamination,
    }


def _sample(table: CustomerTable, args: argparse.Namespace) -> CustomerTable:
    if args.max_rows is None:
        return table
    return sample_customers(table, args.max_rows, random_state=args.seed)


def _run(args: argparse.Namespace) -> int:
    full = _load(args)
    table = _sample(full, args)
    methods = _methods(args.method)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    progress = TerminalProgress()
    _describe(table)

    metrics, labels = {}, {}
    for method in methods:
        started = time.perf_counter()
        result = run_method(
            table,
            method,
            args.k,
            random_state=args.seed,
            n_init=args.n_init,
            remove_outliers=not args.keep_outliers,
            progress=progress,
            **_space_options(args),
        )
        labels[method] = result.segmentation.labels
        metrics[method] = result.metrics()
        (out / f"profiles_{method}.csv").write_bytes(to_csv_bytes(result.profiles))
        logger.info(
            "%s: silhouette %.5f, Calinski-Harabasz %.2f, Davies-Bouldin %.5f (%.1f s)",
            METHOD_NAMES[method],
            result.scores.silhouette,
            result.scores.calinski_harabasz,
            result.scores.davies_bouldin,
            time.perf_counter() - started,
        )

    rows = assignments(table, labels, full_table=full if table is not full else None)
    (out / "assignments.csv").write_bytes(to_csv_bytes(rows))
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(f"Wrote {out / 'assignments.csv'}, {out / 'metrics.json'} and the profiles.")
    for method, figures in metrics.items():
        print(
            f"{METHOD_NAMES[method]:<22} customers used {figures['rows_used']:>8,}  "
            f"silhouette {figures['silhouette']:.5f}  "
            f"Calinski-Harabasz {figures['calinski_harabasz']:,.2f}  "
            f"Davies-Bouldin {figures['davies_bouldin']:.5f}"
        )
    return 0


def _scan(args: argparse.Namespace) -> int:
    table = _sample(_load(args), args)
    methods = _methods(args.method)
    if len(methods) != 1:
        raise ValueError("scan takes one method at a time; give --method kmeans, say.")
    ks = parse_k_range(args.k)
    _describe(table)
    progress = TerminalProgress()
    space = build_space(
        table,
        methods[0],
        remove_outliers=not args.keep_outliers,
        progress=progress,
        **_space_options(args),
    )
    sample = None if args.silhouette_sample == 0 else args.silhouette_sample
    result = scan_k(
        space,
        ks,
        random_state=args.seed,
        n_init=args.n_init,
        silhouette_sample=sample,
        progress=progress,
    )
    with pd.option_context("display.float_format", "{:,.5f}".format):
        print(result.to_string(index=False))
    if args.json:
        payload = {name: result[name].tolist() for name in result.columns}
        Path(args.json).write_text(json.dumps(payload, indent=2) + "\n")
        print(f"Wrote {args.json}.")
    return 0


def _describe(table: CustomerTable) -> None:
    logger.info(
        "%s customers, numeric: %s; categorical: %s",
        f"{table.n_customers:,}",
        ", ".join(table.numeric) or "none",
        ", ".join(table.categorical) or "none",
    )
    for name, reason in table.excluded.items():
        logger.info("excluded %s: %s", name, reason)
    for note in table.notes:
        logger.info("%s", note)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="segmentation",
        description="Segment customers with K-Means, K-Prototypes or sentence embeddings.",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="only print results")
    commands = parser.add_subparsers(dest="command", required=True)

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "input", nargs="?", help="customer CSV file (default: demo data)"
        )
        sub.add_argument(
            "--columns", help="comma-separated columns to use (default: all usable)"
        )
        sub.add_argument("--sep", help="column separator (default: detected)")
        sub.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        sub.add_argument(
            "--n-init", type=int, default=10, help="restarts per fit (default 10)"
        )
        sub.add_argument(
            "--keep-outliers", action="store_true", help="skip ECOD removal"
        )
        sub.add_argument(
            "--contamination", type=float, default=0.1, help="share ECOD removes (0.1)"
        )
        sub.add_argument(
            "--max-rows",
            type=int,
            help="segment a random sample of at most this many customers",
        )
        sub.add_argument("--gamma", type=float, help="K-Prototypes category weight")
        sub.add_argument("--model", help="sentence-transformers model name or path")
        sub.add_argument(
            "--backend",
            default="auto",
            choices=("auto", "torch", "onnx-int8"),
            help="embedding engine (default auto: int8 ONNX, else fp32 torch)",
        )
        sub.add_argument(
            "--template", help="text template, e.g. '{age}-year-old {job}'"
        )
        sub.add_argument(
            "--cache-dir",
            default=os.environ.get("SEGMENTATION_CACHE_DIR"),
            help="embedding cache folder (default: $SEGMENTATION_CACHE_DIR or ~/.cache)",
        )

    run = commands.add_parser("run", help="segment customers and write the results")
    common(run)
    run.add_argument(
        "--method", default="kmeans", help="kmeans, kprototypes, embedding or all"
    )
    run.add_argument("--k", type=int, default=5, help="number of segments (default 5)")
    run.add_argument("--out", default="out", help="output folder (default ./out)")
    run.set_defaults(handler=_run)

    scan = commands.add_parser("scan", help="measure a range of k")
    common(scan)
    scan.add_argument(
        "--method", default="kmeans", help="kmeans, kprototypes or embedding"
    )
    scan.add_argument("--k", default="2-9", help="k range, e.g. 2-9 or 3,5,8")
    scan.add_argument("--json", help="write the scan to this JSON file")
    scan.add_argument(
        "--silhouette-sample",
        type=int,
        default=0,
        help="average the silhouette over this many customers (default 0: all, exact)",
    )
    scan.set_defaults(handler=_scan)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    logger.warning("%s", message)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(message)s",
        stream=sys.stderr,
    )
    for noisy in ("sentence_transformers", "httpx", "urllib3", "numba", "filelock"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    warnings.showwarning = _show_warning
    try:
        return args.handler(args)
    except (ValueError, TypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(
            f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "),
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI promises no traceback
        print(f"error: unexpected {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
