"""A corpus of messy and bad customer files, generated as bytes, with outcomes.

Every :class:`Case` makes its file from scratch (no third-party data) and says
what should happen when it is loaded: for a valid file, the numeric,
categorical and excluded columns (each exclusion with a pattern its reason
must match); for a bad file, a pattern the one error message must match and
the stage that refuses it (``"load"`` for :func:`segmentation.load_customers`,
``"segment"`` for :func:`segmentation.segment_customers` with k=3).

The corpus can be written to a folder to try it by hand, through the command
line or in the app::

    python tests/corpus.py /tmp/corpus

which writes ``<case>.csv`` for every case (the 1,000,000-row file only with
``--heavy``) and ``expected.json`` describing the outcomes.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["Case", "CASES", "VALID", "REFUSED", "case", "write_corpus"]

N_CLUSTERS = 3


@dataclass(frozen=True)
class Case:
    """One generated file and what loading it should give.

    Attributes
    ----------
    name : str
        Identifier, also the file name (``<name>.csv``).
    description : str
        What is messy or bad about the file.
    make : callable
        Returns the file's bytes.
    numeric, categorical : tuple of str
        For a valid file, the exact feature columns of each kind.
    excluded : mapping
        For a valid file, every excluded column and a pattern its reason matches.
    notes : tuple of str
        Patterns that must each match one of the table's notes.
    error : str or None
        For a bad file, a pattern the error message matches; None when valid.
    stage : {"load", "segment"}
        Where a bad file is refused.
    keep_outliers : bool
        Segment without outlier removal (``--keep-outliers``).
    heavy : bool
        A large file: load it once, segment a sample, keep it out of CLI loops.
    """

    name: str
    description: str
    make: Callable[[], bytes]
    numeric: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    excluded: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    error: str | None = None
    stage: str = "load"
    keep_outliers: bool = False
    heavy: bool = False

    @property
    def valid(self) -> bool:
        return self.error is None

    def data(self) -> bytes:
        """The file's bytes (generated once per process)."""
        return _generate(self.name)


# --------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------

JOBS = ("student", "engineer", "retired", "clerk", "manager", "nurse")
REGIONS = ("north", "south", "east", "west")
FIRST = ("Anna", "Ben", "Chloé", "David", "Emma", "Farid", "Greta", "Hugo", "Ines")
LAST = ("Martin", "Bernard", "Dubois", "Müller", "Rossi", "García", "Nowak", "Smith")


def _planted(n: int, seed: int) -> pd.DataFrame:
    """Customers from three clear groups: age, income, visits, job, region."""
    rng = np.random.default_rng(seed)
    group = np.arange(n) % 3
    rng.shuffle(group)
    age = np.array([25, 45, 70])[group] + rng.integers(-4, 5, n)
    income = np.array([18_000, 62_000, 31_000])[group] * rng.uniform(0.85, 1.15, n)
    visits = np.array([2, 9, 4])[group] + rng.integers(0, 3, n)
    job = np.array([JOBS[0], JOBS[1], JOBS[2]])[group]
    job = np.where(rng.random(n) < 0.15, rng.choice(JOBS[3:], n), job)
    return pd.DataFrame(
        {
            "age": age,
            "income": income.round(2),
            "visits": visits,
            "job": job,
            "region": rng.choice(REGIONS, n),
        }
    )


def _csv(
    rows: Sequence[Sequence[object]],
    header: Sequence[str],
    *,
    sep: str = ",",
    newline: str = "\n",
    quote_all: bool = False,
    trailing: bool = False,
) -> str:
    """CSV text, quoting values that need it (or every value)."""
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        delimiter=sep,
        lineterminator=newline,
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    for row in [header, *rows]:
        writer.writerow([*row, ""] if trailing else row)
    return buffer.getvalue()


def _frame_csv(frame: pd.DataFrame, **options) -> str:
    return _csv(frame.astype(object).values.tolist(), list(frame.columns), **options)


def _comma_decimal(value: float, thousands: str = ".") -> str:
    """``12345.6`` as ``12.345,60``."""
    text = f"{value:,.2f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", thousands)


# --------------------------------------------------------------------------
# Valid files
# --------------------------------------------------------------------------


def comma_basic() -> bytes:
    return _frame_csv(_planted(300, 1)).encode()


def semicolon_decimal_comma() -> bytes:
    frame = _planted(300, 2)
    frame["income"] = [_comma_decimal(v) for v in frame["income"]]
    frame["score"] = [f"{v:.1f}".replace(".", ",") for v in frame["visits"] / 3]
    return _frame_csv(frame, sep=";").encode()


def tab_separated() -> bytes:
    return _frame_csv(_planted(200, 3), sep="\t").encode()


def pipe_separated() -> bytes:
    return _frame_csv(_planted(200, 4), sep="|").encode()


def quoted_separators_and_newlines() -> bytes:
    frame = _planted(240, 5)
    rng = np.random.default_rng(5)
    cities = ["Portland, OR", "Austin, TX", 'The "Big" Apple, NY']
    frame["city"] = rng.choice(cities, len(frame))
    frame["address"] = [
        f'{i} Main St, Apt {i % 7}\nFloor {i % 3}, "rear"' for i in range(len(frame))
    ]
    return _frame_csv(frame).encode()


def utf8_bom() -> bytes:
    frame = _planted(200, 6)
    frame["region"] = (
        frame["region"]
        .map({"north": "Nord-Pas-de-Calais", "south": "Provence-Alpes-Côte d'Azur"})
        .fillna("Île-de-France")
    )
    return b"\xef\xbb\xbf" + _frame_csv(frame).encode("utf-8")


def cp1252_euro() -> bytes:
    frame = _planted(200, 7)
    frame["income"] = [f"{v:,.0f} €".replace(",", ".") for v in frame["income"]]
    frame["region"] = frame["region"].map(
        {"north": "Köln", "south": "München", "east": "Düsseldorf", "west": "Zug"}
    )
    return _frame_csv(frame, sep=";").encode("cp1252")


def latin1() -> bytes:
    frame = _planted(200, 8)
    frame["region"] = frame["region"].map(
        {"north": "Gävle", "south": "Málaga", "east": "Besançon", "west": "Ørsted"}
    )
    return _frame_csv(frame, sep=";").encode("latin-1")


def utf16_unicode_text() -> bytes:
    """What Excel's "Unicode text" export writes: UTF-16 with BOM, tab-separated."""
    frame = _planted(150, 9)
    frame["region"] = frame["region"].map({"north": "Nørd"}).fillna("Süd")
    return _frame_csv(frame, sep="\t", newline="\r\n").encode("utf-16")


def thousands_separators() -> bytes:
    frame = _planted(300, 10)
    frame["income"] = [f"{v:,.2f}" for v in frame["income"]]
    rng = np.random.default_rng(10)
    frame["balance"] = [
        f"{v:,.0f}".replace(",", " ") for v in rng.uniform(-900, 90_000, 300)
    ]
    frame["spend"] = [f"$ {v / 7:,.2f}" for v in _planted(300, 10)["income"]]
    frame["discount"] = [f"{v % 30}%" for v in range(len(frame))]
    return _frame_csv(frame).encode()


def numbers_as_text_with_blanks() -> bytes:
    frame = _planted(300, 11).astype(object)
    rng = np.random.default_rng(11)
    for column in ("age", "income", "visits"):
        blanks = rng.random(len(frame)) < 0.08
        frame.loc[blanks, column] = rng.choice([" ", "", "   "], int(blanks.sum()))
    frame["job"] = frame["job"].where(rng.random(len(frame)) > 0.05, " ")
    return _frame_csv(frame, quote_all=True).encode()


def missing_markers() -> bytes:
    frame = _planted(300, 12).astype(object)
    rng = np.random.default_rng(12)
    markers = ["NA", "N/A", "#N/A", "NULL", "null", "NaN", "n/a"]
    for column in ("age", "income", "job"):
        holes = rng.random(len(frame)) < 0.05
        frame.loc[holes, column] = rng.choice(markers, int(holes.sum()))
    frame.loc[3, "visits"] = "unknown"
    return _frame_csv(frame).encode()


def dates_and_datetimes() -> bytes:
    frame = _planted(300, 13)
    rng = np.random.default_rng(13)
    start = pd.Timestamp("2023-01-01")
    offsets = pd.to_timedelta(rng.integers(0, 700, len(frame)), unit="D")
    frame["signup"] = (start + offsets).strftime("%Y-%m-%d")
    frame["last_login"] = (start + offsets + pd.Timedelta(hours=13)).strftime(
        "%Y-%m-%d %H:%M:%S"
    )
    frame["birthday"] = (pd.Timestamp("1970-01-01") + offsets * 9).strftime("%d/%m/%Y")
    return _frame_csv(frame).encode()


def id_columns() -> bytes:
    frame = _planted(300, 14)
    rng = np.random.default_rng(14)
    frame.insert(0, "customer_id", np.arange(1001, 1301))
    frame.insert(1, "CustomerID", rng.permutation(np.arange(50_000, 50_300)))
    frame.insert(2, "account", [f"AC-{i:06d}" for i in rng.permutation(300)])
    frame["row"] = np.arange(len(frame))
    return _frame_csv(frame).encode()


def boolean_like() -> bytes:
    frame = _planted(300, 15)
    rng = np.random.default_rng(15)
    n = len(frame)
    frame["newsletter"] = rng.choice(["yes", "no", "Yes", "NO"], n)
    frame["member"] = rng.choice(["Y", "N"], n)
    frame["churned"] = rng.choice([0, 1], n)
    frame["active"] = rng.choice(["True", "False"], n)
    frame["premium"] = rng.choice(["true", "false", ""], n)
    return _frame_csv(frame).encode()


def names_and_emails() -> bytes:
    frame = _planted(300, 16)
    rng = np.random.default_rng(16)
    first = rng.choice(FIRST, len(frame))
    last = rng.choice(LAST, len(frame))
    initial = rng.choice(list("ABCDEFGHJKLMNPRST"), len(frame))
    frame.insert(
        0,
        "name",
        [f"{f} {i}. {la}" for f, i, la in zip(first, initial, last, strict=True)],
    )
    frame["email"] = [
        f"{f.lower()}.{la.lower()}{i}@example.com"
        for i, (f, la) in enumerate(zip(first, last, strict=True))
    ]
    frame["comment"] = [
        f"Called on day {d}; wants offer {o}"
        for d, o in zip(rng.integers(0, 30, 300), rng.integers(0, 10, 300), strict=True)
    ]
    return _frame_csv(frame).encode()


def duplicate_column_names() -> bytes:
    frame = _planted(200, 17)
    rows = [
        [a, i, v, j, r, r.upper()]
        for a, i, v, j, r in frame[["age", "income", "visits", "job", "region"]].values
    ]
    header = ["age", "income", "age", "job", "region", "region"]
    return _csv(rows, header).encode()


def trailing_separator() -> bytes:
    return _frame_csv(_planted(200, 18), sep=";", trailing=True).encode()


def wide_220_columns() -> bytes:
    rng = np.random.default_rng(19)
    n = 300
    group = np.arange(n) % 3
    columns = {}
    for j in range(200):
        columns[f"x{j:03d}"] = (group * (j % 5) + rng.normal(0, 1, n)).round(3)
    for j in range(20):
        columns[f"c{j:02d}"] = np.array(["a", "b", "c", "d"])[(group + j) % 4]
    return _frame_csv(pd.DataFrame(columns)).encode()


def single_numeric_column() -> bytes:
    rng = np.random.default_rng(20)
    spend = np.concatenate([rng.normal(m, 5, 60) for m in (20, 80, 150)]).round(2)
    return _csv([[v] for v in spend], ["spend"]).encode()


def single_categorical_column() -> bytes:
    rng = np.random.default_rng(21)
    return _csv(
        [[p] for p in rng.choice(["basic", "plus", "pro", "team"], 120)], ["plan"]
    ).encode()


def only_categorical() -> bytes:
    return _frame_csv(_planted(240, 22)[["job", "region"]]).encode()


def only_numeric() -> bytes:
    return _frame_csv(_planted(240, 23)[["age", "income", "visits"]]).encode()


def excel_sep_line() -> bytes:
    frame = _planted(150, 24)
    frame["income"] = [_comma_decimal(v, "") for v in frame["income"]]
    return ("sep=;\r\n" + _frame_csv(frame, sep=";", newline="\r\n")).encode("cp1252")


def crlf_quoted_all() -> bytes:
    return _frame_csv(_planted(200, 25), newline="\r\n", quote_all=True).encode()


def constant_and_empty_columns() -> bytes:
    frame = _planted(200, 26)
    frame["country"] = "France"
    frame["fax"] = ""
    frame["vip"] = np.where(np.arange(200) % 10 == 0, "x", "")
    return _frame_csv(frame).encode()


def mixed_messy() -> bytes:
    """Everything at once: BOM, semicolons, CRLF, decimal commas, blanks, IDs, dates."""
    frame = _planted(400, 27)
    rng = np.random.default_rng(27)
    frame.insert(0, "Kundennummer ID", np.arange(1, 401))
    frame["income"] = [
        " " if rng.random() < 0.05 else _comma_decimal(v) for v in frame["income"]
    ]
    frame["newsletter"] = rng.choice(["Ja", "Nein"], 400)
    frame["member"] = rng.choice(["yes", "no"], 400)
    frame["since"] = (
        pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, 400), "D")
    ).strftime("%d.%m.%Y")
    frame["note"] = [f"Kunde {i}; Termin\nam {i % 28 + 1}." for i in range(400)]
    text = _frame_csv(frame, sep=";", newline="\r\n", trailing=True)
    return b"\xef\xbb\xbf" + text.encode("utf-8")


def million_rows() -> bytes:
    """1,000,000 customers x 8 columns (about 50 MB), semicolons, decimal commas."""
    n = 1_000_000
    rng = np.random.default_rng(28)
    group = rng.integers(0, 3, n)

    def text(values: np.ndarray) -> pd.Series:
        return pd.Series(values).astype("str")

    age = text(np.array([28, 45, 67])[group] + rng.integers(-5, 6, n))
    cents = np.array([2_500_000, 5_500_000, 3_200_000])[group] * rng.uniform(
        0.8, 1.2, n
    )
    cents = cents.astype(np.int64)
    income = text(cents // 100) + "," + text(cents % 100).str.zfill(2)
    income = income.mask(rng.random(n) < 0.01, " ")
    visits = text(rng.poisson(np.array([3, 8, 1])[group]))
    job = pd.Series(np.array(JOBS[:5])[(group + rng.integers(0, 2, n)) % 5])
    region = pd.Series(np.array(REGIONS)[rng.integers(0, 4, n)])
    member = pd.Series(
        np.where(rng.random(n) < np.array([0.2, 0.7, 0.5])[group], "yes", "no")
    )
    days = pd.date_range("2023-01-01", periods=730).strftime("%Y-%m-%d").to_numpy()
    last = pd.Series(days[rng.integers(0, 730, n)])
    ids = text(np.arange(100_001, 100_001 + n))
    lines = ids
    for column in (age, income, visits, job, region, member, last):
        lines = lines + ";" + column
    header = "customer_id;age;income;visits;job;region;member;last_purchase"
    return (header + "\n" + "\n".join(lines.tolist()) + "\n").encode()


# --------------------------------------------------------------------------
# Bad files
# --------------------------------------------------------------------------


def empty_file() -> bytes:
    return b""


def blank_lines_only() -> bytes:
    return b"\r\n  \n\t\n"


def header_only() -> bytes:
    return b"age,income,job\n"


def xlsx_renamed() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as workbook:
        workbook.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        workbook.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
        workbook.writestr(
            "xl/worksheets/sheet1.xml", "<worksheet><sheetData/></worksheet>"
        )
    return buffer.getvalue()


def xls_renamed() -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + b"Workbook" + bytes(200)


def binary_noise() -> bytes:
    return np.random.default_rng(30).integers(0, 256, 4096, dtype=np.uint8).tobytes()


def gzip_csv() -> bytes:
    return gzip.compress(comma_basic(), mtime=0)


def pdf_renamed() -> bytes:
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"


def html_page() -> bytes:
    return b"<!DOCTYPE html>\n<html><body><table><tr><td>age</td></tr></table></html>\n"


def only_id_column() -> bytes:
    return _csv([[i] for i in range(1, 101)], ["customer_id"]).encode()


def no_usable_column() -> bytes:
    rows = [
        [i, f"user{i}@example.com", f"2024-01-{i % 28 + 1:02d}", "FR"]
        for i in range(60)
    ]
    return _csv(rows, ["id", "email", "signup", "country"]).encode()


def identical_customers() -> bytes:
    return _csv(
        [[35, "teacher", "yes", 1200.5]] * 50, ["age", "job", "member", "spend"]
    ).encode()


def all_values_missing() -> bytes:
    return _csv([["", " ", "NA"]] * 40, ["age", "job", "spend"]).encode()


def ragged_rows() -> bytes:
    text = _frame_csv(_planted(50, 31))
    lines = text.splitlines()
    lines[20] += ",extra,fields"
    return ("\n".join(lines) + "\n").encode()


def unclosed_quote() -> bytes:
    text = _frame_csv(_planted(50, 32))
    lines = text.splitlines()
    lines[10] = lines[10].replace(",", ',"', 1)
    return ("\n".join(lines) + "\n").encode()


def one_customer() -> bytes:
    return b"age,job,spend\n35,teacher,1200\n"


def fewer_customers_than_k() -> bytes:
    return b"age,job\n30,clerk\n50,nurse\n"


def k_above_distinct_customers() -> bytes:
    return _csv([[30, "clerk"], [50, "nurse"]] * 20, ["age", "job"]).encode()


def too_few_for_outlier_removal() -> bytes:
    return b"age,job\n30,clerk\n50,nurse\n41,clerk\n62,nurse\n25,clerk\n"


# --------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------

_PLANTED = ("age", "income", "visits")
_DATE = r"^date or time"
_ID = r"^identifier"

CASES: tuple[Case, ...] = (
    Case(
        "comma_basic",
        "plain comma-separated file",
        comma_basic,
        _PLANTED,
        ("job", "region"),
        notes=(r"5 columns separated by comma",),
    ),
    Case(
        "semicolon_decimal_comma",
        "semicolons, decimal commas and dots as thousands separators (12.345,67)",
        semicolon_decimal_comma,
        (*_PLANTED, "score"),
        ("job", "region"),
        notes=(r"semicolon", r"income: numbers read with a decimal comma"),
    ),
    Case("tab_separated", "tab-separated", tab_separated, _PLANTED, ("job", "region")),
    Case("pipe_separated", "|-separated", pipe_separated, _PLANTED, ("job", "region")),
    Case(
        "quoted_separators_and_newlines",
        "quoted values holding commas, doubled quotes and line breaks",
        quoted_separators_and_newlines,
        _PLANTED,
        ("job", "region", "city"),
        {"address": _ID},
    ),
    Case(
        "utf8_bom",
        "UTF-8 with a byte order mark and accented categories",
        utf8_bom,
        _PLANTED,
        ("job", "region"),
        notes=(r"byte order mark",),
    ),
    Case(
        "cp1252_euro",
        "Windows-1252 text with euro amounts (12.345 €) and umlauts",
        cp1252_euro,
        _PLANTED,
        ("job", "region"),
        notes=(r"cp1252", r"not UTF-8"),
    ),
    Case(
        "latin1",
        "Latin-1 text with accented categories",
        latin1,
        _PLANTED,
        ("job", "region"),
        notes=(r"not UTF-8",),
    ),
    Case(
        "utf16_unicode_text",
        "UTF-16 with BOM, tab-separated, CRLF: Excel's Unicode text export",
        utf16_unicode_text,
        _PLANTED,
        ("job", "region"),
        notes=(r"UTF-16",),
    ),
    Case(
        "thousands_separators",
        "quoted 12,345.67, space-grouped 12 345, currency signs and percentages",
        thousands_separators,
        (*_PLANTED, "balance", "spend", "discount"),
        ("job", "region"),
    ),
    Case(
        "numbers_as_text_with_blanks",
        "every value quoted, blank and space-only cells",
        numbers_as_text_with_blanks,
        _PLANTED,
        ("job", "region"),
        notes=(r"age: \d+ missing values replaced by the median", r"'missing'"),
    ),
    Case(
        "missing_markers",
        "NA, N/A, #N/A, NULL and NaN markers, and one stray word in a number column",
        missing_markers,
        _PLANTED,
        ("job", "region"),
        notes=(r"visits: 1 values that are not numbers \(such as 'unknown'\)",),
    ),
    Case(
        "dates_and_datetimes",
        "ISO dates, date-times and day-first dates",
        dates_and_datetimes,
        _PLANTED,
        ("job", "region"),
        {"signup": _DATE, "last_login": _DATE, "birthday": _DATE},
    ),
    Case(
        "id_columns",
        "sequential, shuffled (CustomerID) and text identifiers, and a row number",
        id_columns,
        _PLANTED,
        ("job", "region"),
        {"customer_id": _ID, "CustomerID": _ID, "account": _ID, "row": _ID},
    ),
    Case(
        "boolean_like",
        "yes/no in mixed case, Y/N, 0/1, True/False and true/false with blanks",
        boolean_like,
        _PLANTED,
        ("job", "region", "newsletter", "member", "churned", "active", "premium"),
        notes=(r"newsletter: yes/no values written in different cases merged",),
    ),
    Case(
        "names_and_emails",
        "names, e-mail addresses and free-text comments",
        names_and_emails,
        _PLANTED,
        ("job", "region"),
        {"name": r"^free text", "email": _ID, "comment": r"^free text"},
    ),
    Case(
        "duplicate_column_names",
        "two columns named age and two named region",
        duplicate_column_names,
        ("age", "income", "age.1"),
        ("job", "region", "region.1"),
        notes=(r"Repeated column names renamed: 'age' to 'age.1'",),
    ),
    Case(
        "trailing_separator",
        "every line, the header included, ends with a separator",
        trailing_separator,
        _PLANTED,
        ("job", "region"),
        notes=(r"empty column without a name ignored",),
    ),
    Case(
        "wide_220_columns",
        "220 columns: 200 numeric and 20 categorical",
        wide_220_columns,
        tuple(f"x{j:03d}" for j in range(200)),
        tuple(f"c{j:02d}" for j in range(20)),
    ),
    Case(
        "single_numeric_column",
        "one numeric column: segmented on it alone",
        single_numeric_column,
        ("spend",),
    ),
    Case(
        "single_categorical_column",
        "one categorical column with four values: segmented on it alone",
        single_categorical_column,
        (),
        ("plan",),
    ),
    Case(
        "only_categorical",
        "categorical columns only",
        only_categorical,
        (),
        ("job", "region"),
    ),
    Case("only_numeric", "numeric columns only", only_numeric, _PLANTED, ()),
    Case(
        "excel_sep_line",
        "Excel's sep=; first line, CRLF, decimal commas without thousands",
        excel_sep_line,
        _PLANTED,
        ("job", "region"),
    ),
    Case(
        "crlf_quoted_all",
        "CRLF line endings and every value quoted",
        crlf_quoted_all,
        _PLANTED,
        ("job", "region"),
    ),
    Case(
        "constant_and_empty_columns",
        "a constant column, an empty column and a flag set on some rows only",
        constant_and_empty_columns,
        _PLANTED,
        ("job", "region", "vip"),
        {"country": r"^constant", "fax": r"^empty"},
        notes=(r"vip: one value \('x'\) and blanks",),
    ),
    Case(
        "mixed_messy",
        "BOM, semicolons, CRLF, trailing separators, decimal commas with blanks, "
        "an ID, day.month.year dates, Ja/Nein and multi-line notes",
        mixed_messy,
        _PLANTED,
        ("job", "region", "newsletter", "member"),
        {"Kundennummer ID": _ID, "since": _DATE, "note": _ID},
        notes=(r"income: numbers read with a decimal comma",),
    ),
    Case(
        "million_rows",
        "1,000,000 rows x 8 columns: semicolons, decimal commas, blanks, ID, dates",
        million_rows,
        ("age", "income", "visits"),
        ("job", "region", "member"),
        {"customer_id": _ID, "last_purchase": _DATE},
        notes=(r"1,000,000 rows",),
        heavy=True,
    ),
    Case("empty_file", "zero bytes", empty_file, error=r"is empty"),
    Case("blank_lines_only", "only blank lines", blank_lines_only, error=r"is empty"),
    Case(
        "header_only",
        "a header and no rows",
        header_only,
        error=r"has a header \(age, income, job\) but no customers",
    ),
    Case(
        "xlsx_renamed",
        "an Excel workbook renamed .csv",
        xlsx_renamed,
        error=r"Excel \(\.xlsx\) workbook.*export the table as CSV",
    ),
    Case(
        "xls_renamed",
        "an old Excel workbook renamed .csv",
        xls_renamed,
        error=r"old Excel \(\.xls\) workbook",
    ),
    Case("binary_noise", "random bytes", binary_noise, error=r"is a binary file"),
    Case("gzip_csv", "a gzip-compressed CSV", gzip_csv, error=r"gzip-compressed"),
    Case("pdf_renamed", "a PDF renamed .csv", pdf_renamed, error=r"is a PDF document"),
    Case(
        "html_page", "a web page saved as .csv", html_page, error=r"web page \(HTML\)"
    ),
    Case(
        "only_id_column",
        "a single column, an identifier",
        only_id_column,
        error=r"No usable column.*customer_id \(identifier",
    ),
    Case(
        "no_usable_column",
        "an ID, e-mails, dates and a constant",
        no_usable_column,
        error=r"No usable column: every column was excluded: id \(identifier",
    ),
    Case(
        "identical_customers",
        "fifty copies of the same customer",
        identical_customers,
        error=r"Every customer is identical",
    ),
    Case(
        "all_values_missing",
        "a header and rows of blanks and NA",
        all_values_missing,
        error=r"Every value is missing in every column \(age, job, spend\)",
    ),
    Case(
        "ragged_rows",
        "a row with two more fields than the header",
        ragged_rows,
        error=r"line 21 has 7 fields but the header has 5",
    ),
    Case(
        "unclosed_quote",
        "a quote that is never closed",
        unclosed_quote,
        error=r"quote opened .* is never closed",
    ),
    Case("one_customer", "a single customer", one_customer, error=r"only 1 customer"),
    Case(
        "fewer_customers_than_k",
        "2 customers for k=3 (outliers kept)",
        fewer_customers_than_k,
        error=r"k=3 is more than the 2 customers",
        stage="segment",
        keep_outliers=True,
    ),
    Case(
        "k_above_distinct_customers",
        "40 customers but only 2 distinct ones, k=3 (outliers kept)",
        k_above_distinct_customers,
        error=r"k=3 is more than the 2 distinct customers; the maximum allowed is k=2",
        stage="segment",
        keep_outliers=True,
    ),
    Case(
        "too_few_for_outlier_removal",
        "5 customers with outlier removal on",
        too_few_for_outlier_removal,
        error=r"Outlier removal would leave about 4 of 5 customers",
        stage="segment",
    ),
)

VALID = tuple(c for c in CASES if c.valid)
REFUSED = tuple(c for c in CASES if not c.valid)
_BY_NAME = {c.name: c for c in CASES}


def case(name: str) -> Case:
    """The case called ``name``."""
    return _BY_NAME[name]


@cache
def _generate(name: str) -> bytes:
    return _BY_NAME[name].make()


def write_corpus(folder: str | Path, *, heavy: bool = False) -> list[Path]:
    """Write each case to ``folder/<name>.csv`` and the outcomes to expected.json."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths, expected = [], {}
    for item in CASES:
        if item.heavy and not heavy:
            continue
        path = folder / f"{item.name}.csv"
        path.write_bytes(item.make())
        paths.append(path)
        expected[item.name] = {
            "description": item.description,
            "valid": item.valid,
            "numeric": list(item.numeric),
            "categorical": list(item.categorical),
            "excluded": dict(item.excluded),
            "error": item.error,
            "stage": item.stage,
            "keep_outliers": item.keep_outliers,
        }
    (folder / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")
    return paths


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if a != "--heavy"]
    if len(arguments) != 1:
        sys.exit("usage: python tests/corpus.py FOLDER [--heavy]")
    written = write_corpus(arguments[0], heavy="--heavy" in sys.argv)
    sys.stdout.write(f"Wrote {len(written)} files to {arguments[0]}\n")
