"""Load a customer table and decide which columns can be used, and how.

A customer file arrives as bytes of unknown separator, quoting and encoding.
:func:`read_customers` turns it into a :class:`pandas.DataFrame`;
:func:`prepare_customers` decides, for every column, whether it is a numeric
feature, a categorical feature or excluded (with the reason), and handles
missing values; :func:`load_customers` does both. The result is a
:class:`CustomerTable`, the input of every method. :func:`sample_customers`
draws a smaller table for the steps that cannot afford every customer of a
very large file.

Reading
-------
* Encoding: UTF-8 (with or without BOM), UTF-16 with BOM, then cp1252, then
  latin-1 (which reads any byte).
* Separator: comma, semicolon, tab or ``|``; the one that splits the header
  into the most fields while the first rows agree with it. An Excel
  ``sep=;`` first line is honoured.
* Quoted fields may hold separators, doubled quotes and line breaks. A
  separator at the end of every line (an empty last column) is ignored.
* Excel workbooks, PDF, compressed and other binary files are refused with a
  message saying how to export CSV. Cells are only ever read as text or
  numbers: nothing in a file is executed, evaluated or unpickled.

Missing values
--------------
A cell is missing when it is blank (empty or spaces only) or one of ``NA``,
``N/A``, ``#N/A``, ``NaN`` and ``NULL`` (in any case). Then:

* numeric columns: missing cells, and the few cells that are not numbers (at
  most 5 % of a column), are replaced by the column median;
* categorical columns: missing cells become their own category, ``"missing"``;
* customers with every chosen column missing are dropped.

Each of these is reported in :attr:`CustomerTable.notes`.

Column types
------------
Rules, in this order; an excluded column gets its reason in
:attr:`CustomerTable.excluded`:

1. every value missing: excluded (empty);
2. a single value: excluded (constant), unless some cells are missing, in
   which case the column is categorical (the value versus ``"missing"``);
3. two values forming a yes/no pair (yes/no, y/n, true/false, t/f, 0/1, in
   any case): categorical;
4. at least 95 % of the values are numbers: numeric, unless the column is an
   identifier: whole numbers that are either named like an ID (``id``,
   ``customer_id``, ``CustomerID``, ``account no``...) and at least 90 %
   distinct, or, with 20 customers or more, all distinct and in sorted order
   or consecutive. Numbers may
   use a decimal comma, thousands separators (comma, dot, space, apostrophe),
   a currency sign or a trailing ``%``; when a column's numbers read either
   way (``1,250``), a comma is a decimal mark in semicolon- or tab-separated
   files and a thousands separator otherwise;
5. dates and date-times: excluded by default. Give the column the type
   ``"numeric"`` to use it as the number of days before the latest date in
   the column (a last-purchase date then becomes recency);
6. text with a different value for every customer (20 customers or more, or
   3 or more when the column is named like an ID): excluded (identifier);
7. text with more than ``max(20, min(200, n / 2))`` distinct values, where
   ``n`` counts the customers with a value, such as names or comments:
   excluded (free text);
8. any other text: categorical.

The ``types`` argument of :func:`prepare_customers` overrides rules 2 to 8.

One usable column is enough: a table of a single numeric or categorical
column is segmented on it. A table with no usable column is refused, with
its own message when every value is missing, when every customer is
identical or when there is a single customer; so is a file whose only
column is an identifier.
"""

from __future__ import annotations

import csv
import difflib
import io
import itertools
import logging
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

__all__ = [
    "CustomerTable",
    "read_customers",
    "prepare_customers",
    "load_customers",
    "sample_customers",
    "COLUMN_TYPES",
]

logger = logging.getLogger(__name__)

COLUMN_TYPES = ("numeric", "categorical", "exclude")
MISSING_CATEGORY = "missing"

_SEPARATORS = ",;\t|"
_SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe (|)"}
_ENCODING_NAMES = {
    "utf-8-sig": "UTF-8",
    "utf-16": "UTF-16",
    "cp1252": "Windows-1252 (cp1252)",
    "latin-1": "Latin-1",
}
_SNIFF_BYTES = 64_000
_SNIFF_RECORDS = 200
_NUMERIC_SHARE = 0.95
_MIN_ID_ROWS = 20
_MIN_LEVEL_LIMIT = 20
_MAX_LEVELS = 200
_DATE_SAMPLE = 500
_NUMBER_SAMPLE = 10_000
_UPLOADED = "the uploaded file"

# Keys of DataFrame.attrs through which read_customers hands its notes and
# the decimal mark its separator suggests to prepare_customers.
_META_NOTES = "segmentation_notes"
_META_DECIMAL = "segmentation_decimal"

# Missing cells: blank, or one of these markers in any case. The parser gets
# the usual spellings so that number columns holding them stay numbers.
_MISSING_MARKERS = frozenset({"", "na", "n/a", "#n/a", "nan", "null"})
_NA_VALUES = ["", "NA", "na", "N/A", "n/a", "#N/A", "NaN", "nan", "NAN"]
_NA_VALUES += ["null", "NULL", "Null"]
_BOOLEAN_PAIRS = {
    frozenset({"yes", "no"}),
    frozenset({"y", "n"}),
    frozenset({"true", "false"}),
    frozenset({"t", "f"}),
    frozenset({"0", "1"}),
}
_ID_NAME = re.compile(
    r"(?:^|[_\s.-])(?:id|uuid|guid|key|code|number|no|nr|num)$|^id[_\s.-]", re.I
)
_ID_CAMEL = re.compile(r"[a-z](?:Id|ID)$")

# A number with a decimal point (commas group thousands) or a decimal comma
# (dots group thousands); spaces, apostrophes and currency signs are removed
# before matching.
_DOT_NUMBER = r"[-+]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_COMMA_NUMBER = r"[-+]?(?:(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d*)?|,\d+)(?:[eE][-+]?\d+)?"
_NUMBER_NOISE = "[ \u00a0\u202f'\u2019$\u20ac\u00a3\u00a5%]"
_DATE_TEXT = (
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:[ T]\d{1,2}:\d{2}.*)?"
    r"|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}(?:[ T]\d{1,2}:\d{2}.*)?"
    r"|\d{1,2}[ -][A-Za-z]{3,9}\.?[ -]\d{2,4}"
    r"|[A-Za-z]{3,9}\.? \d{1,2},? \d{4}"
)
_DAY_MONTH = re.compile(r"(\d{1,2})([-/.])(\d{1,2})[-/.]\d{2,4}")

# Bytes that plain text may contain: everything but the C0 control
# characters other than tab, line feed, vertical tab, form feed, carriage
# return and the DOS end-of-file mark.
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 26))
_MAGIC = (
    (b"PK\x03\x04", "a ZIP archive or an Excel (.xlsx) workbook"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) workbook"),
    (b"%PDF-", "a PDF document"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"\xfd7zXZ\x00", "an xz-compressed file"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x80\x03", "a Python pickle"),
    (b"\x80\x04", "a Python pickle"),
    (b"\x80\x05", "a Python pickle"),
)


@dataclass(frozen=True)
class CustomerTable:
    """Customers ready for segmentation.

    Attributes
    ----------
    frame : DataFrame
        One row per kept customer and one column per feature, in original
        units after missing-value handling: numeric columns as floats,
        categorical columns as text. The index holds each customer's row
        number in the input (0-based, header excluded).
    numeric, categorical : tuple of str
        The feature columns of each kind, in input order.
    excluded : dict
        Column name to the reason it is not used.
    notes : tuple of str
        What was done to the data that a user should know (encoding and
        separator read, values filled in, customers dropped or sampled).
    n_input_rows : int
        Rows in the input before any row was dropped.
    """

    frame: pd.DataFrame
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    excluded: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    n_input_rows: int = 0

    @property
    def columns(self) -> tuple[str, ...]:
        """Feature columns in input order."""
        return tuple(self.frame.columns)

    @property
    def n_customers(self) -> int:
        return len(self.frame)


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------


def _read_bytes(source: str | Path | bytes | IO[bytes]) -> tuple[bytes, str]:
    """The bytes of a source and a name for messages (never used as a path)."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source), _UPLOADED
    if isinstance(source, str | Path):
        path = Path(source)
        try:
            found = path.exists()
        except (OSError, ValueError):
            found = False
        if not found:
            shown = str(path)
            if len(shown) > 200 or not shown.isprintable():
                shown = repr(shown[:200]) + "..."
            raise ValueError(f"File not found: {shown}. Check the path and try again.")
        if path.is_dir():
            raise ValueError(f"{path} is a folder; give the path of a CSV file.")
        return path.read_bytes(), path.name
    if hasattr(source, "read"):
        data = source.read()
        name = Path(str(getattr(source, "name", "") or "")).name
        if isinstance(data, str):
            data = data.encode("utf-8")
        if not isinstance(data, bytes | bytearray):
            raise TypeError(
                f"Reading the file object gave a {type(data).__name__}, not bytes; "
                "open the file in binary mode ('rb')."
            )
        return bytes(data), name or _UPLOADED
    raise TypeError(
        f"Cannot read customers from a {type(source).__name__}; give a path, "
        "bytes or a binary file object."
    )


def _check_not_binary(data: bytes, name: str) -> None:
    """Refuse workbooks, archives and other files that are not text."""
    fix = "open it in its program and save or export the table as CSV, then load that"
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise ValueError(
                f"{_cap(name)} is {kind}, not a CSV text file; {fix} file."
            )
    head = data[:_SNIFF_BYTES].lstrip()
    if head[:5].lower() in (b"<!doc", b"<html"):
        raise ValueError(
            f"{_cap(name)} is a web page (HTML), not a CSV text file; {fix} file."
        )
    if head.startswith(b"<?xml"):
        raise ValueError(
            f"{_cap(name)} is an XML file, not a CSV text file; {fix} file."
        )
    sample = data[:_SNIFF_BYTES]
    n_control = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if b"\x00" in sample or n_control > 0.01 * len(sample):
        raise ValueError(
            f"{_cap(name)} is a binary file, not CSV text; {fix} file (comma, "
            "semicolon, tab or | separated)."
        )


def _choose_encoding(data: bytes, name: str, encoding: str | None) -> str:
    """The encoding to read the file with, checked against the whole file."""
    if encoding is not None:
        try:
            data.decode(encoding)
        except LookupError:
            raise ValueError(
                f"encoding={encoding!r} is not a known text encoding; use 'utf-8', "
                "'cp1252' or 'latin-1', or leave it unset to detect it."
            ) from None
        except UnicodeDecodeError as exc:
            raise ValueError(
                f"{_cap(name)} cannot be read as {encoding!r} (byte {exc.start:,} is "
                "not valid there); leave the encoding unset to detect it."
            ) from None
        return encoding
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            data.decode("utf-16")
        except UnicodeDecodeError:
            raise ValueError(
                f"{_cap(name)} starts like UTF-16 text but is not valid UTF-16; save "
                "it as CSV UTF-8 and try again."
            ) from None
        return "utf-16"
    for candidate in ("utf-8-sig", "cp1252"):
        try:
            data.decode(candidate)
        except UnicodeDecodeError:
            continue
        return candidate
    return "latin-1"


def _records(text: str, sep: str, truncated: bool) -> list[list[str]]:
    """The first records of a text sample, split by ``sep`` and quotes."""
    reader = csv.reader(
        io.StringIO(text), delimiter=sep, quotechar='"', skipinitialspace=True
    )
    try:
        records = list(itertools.islice(reader, _SNIFF_RECORDS + 1))
    except csv.Error:
        return []
    if truncated and len(records) > 1:
        records = records[:-1]
    return [r for r in records if any(cell.strip() for cell in r)]


def _agrees(record: list[str], header: list[str]) -> bool:
    """Whether a data record has as many fields as the header.

    A separator at the end of every data line, or of the header only, adds
    one empty field that does not count.
    """
    n, h = len(record), len(header)
    return (
        n == h
        or (n == h + 1 and not record[-1].strip())
        or (n == h - 1 and not header[-1].strip())
    )


def _sniff_separator(text: str, truncated: bool) -> str:
    """Choose the separator that splits the header widest, consistently.

    With a single column, the first separator that splits no line (so a
    decimal comma is not taken for a separator).
    """
    best, best_score, unused = None, (False, 0, 0.0), []
    for sep in _SEPARATORS:
        records = _records(text, sep, truncated)
        if not records:
            continue
        header, rows = records[0], records[1:]
        width = len(header) - (not header[-1].strip())
        if width < 2:
            if all(len(r) == 1 for r in records):
                unused.append(sep)
            continue
        agreement = np.mean([_agrees(r, header) for r in rows]) if rows else 1.0
        score = (agreement >= 0.9, width, agreement)
        if score > best_score:
            best, best_score = sep, score
    return best or (unused[0] if unused else ",")


def _clean_name(name: object) -> str:
    return " ".join(str(name).split())


def _unique_names(names: Sequence[object]) -> list[str]:
    """Make column names unique, one-line and non-empty (``x.1``, ``column_3``)."""
    result: list[str] = []
    taken: set[str] = set()
    for i, raw in enumerate(names):
        name = _clean_name(raw)
        if not name or name.startswith("Unnamed:"):
            name = f"column_{i + 1}"
        candidate, n = name, 0
        while candidate in taken:
            n += 1
            candidate = f"{name}.{n}"
        taken.add(candidate)
        result.append(candidate)
    return result


def _parse_error(exc: Exception, name: str, sep: str, width: int | None) -> ValueError:
    """Turn a pandas parser error into a message a user can act on."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if fields:
        expected, line, saw = fields.groups()
        return ValueError(
            f"{_cap(name)}: line {line} has {saw} fields but the header has "
            f"{width or expected} "
            f"(separator {_SEPARATOR_NAMES.get(sep, repr(sep))}). Put quotes around "
            "values that contain the separator, or give the separator explicitly."
        )
    if "EOF inside string" in text:
        row = re.search(r"row (\d+)", text)
        where = f" (from row {row.group(1)})" if row else ""
        return ValueError(
            f"{_cap(name)}: a quote opened{where} is never closed, so the rest of "
            "the file reads as one value. Close the quote or remove the stray quote "
            "character."
        )
    return ValueError(
        f"{_cap(name)} could not be read as CSV with separator "
        f"{_SEPARATOR_NAMES.get(sep, repr(sep))}: {text}. Check that every row has "
        "the same number of fields, or give the separator explicitly."
    )


def _clean_text(values: pd.Series) -> pd.Series:
    """Text without surrounding spaces; blank cells and NA markers become missing."""
    text = values.astype("str").str.strip()
    short = text.str.len() <= 4
    missing = short & text.str.lower().isin(_MISSING_MARKERS)
    return text.mask(missing.fillna(False))


def read_customers(
    source: str | Path | bytes | IO[bytes],
    *,
    sep: str | None = None,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Read a customer CSV file, detecting its separator and encoding.

    Parameters
    ----------
    source : path, bytes or binary file object
        The CSV file. The name of a file object is only used in messages.
    sep : str, optional
        Column separator, one character (``"\\t"`` or ``"tab"`` for a tab);
        detected among ``, ; tab |`` when omitted.
    encoding : str, optional
        Text encoding; detected (see the module notes) when omitted.

    Returns
    -------
    DataFrame
        One row per customer. Columns whose every cell is a plain number
        (with a decimal point) are numbers; the others are text without
        surrounding spaces, with blank cells and NA markers missing. Column
        names are unique. Types are decided by :func:`prepare_customers`.

    Raises
    ------
    ValueError
        When the file is empty, not text (a workbook, archive or other binary
        file), has a header but no customers, or cannot be parsed.
    TypeError
        When ``source`` is not a path, bytes or a binary file object.

    Examples
    --------
    >>> raw = read_customers(b"age;job\\n30;clerk\\n41; manager \\n")
    >>> raw.to_dict("list")
    {'age': [30, 41], 'job': ['clerk', 'manager']}
    """
    data, name = _read_bytes(source)
    notes: list[str] = []

    # Check input
    if data.startswith(b"\xef\xbb\xbf") and not encoding:
        data = data[3:]
        notes.append("The file starts with a UTF-8 byte order mark (BOM).")
    if not data or data.isspace():
        raise ValueError(
            f"{_cap(name)} is empty. Choose a CSV file with a header row and one "
            "row per customer."
        )
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        _check_not_binary(data, name)
    encoding = _choose_encoding(data, name, encoding)
    head_bytes = data[:_SNIFF_BYTES]
    truncated = len(data) > len(head_bytes)
    head = head_bytes.decode(encoding, errors="ignore").lstrip("\ufeff")
    if sep is not None:
        sep = {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(sep, sep)
        if not isinstance(sep, str) or len(sep) != 1 or sep in '"\r\n':
            raise ValueError(
                f"sep={sep!r} must be one character other than a quote or line break, "
                "such as ',' or ';' (or 'tab'); leave it unset to detect it."
            )

    # An Excel hint line such as "sep=;" names the separator
    skip = 0
    first_line = head.lstrip().split("\n", 1)[0].strip()
    hint = re.fullmatch(r"sep=(.)", first_line)
    if hint:
        skip = 1
        sep = sep or hint.group(1)
        head = head.lstrip().split("\n", 1)[1] if "\n" in head.lstrip() else ""
    if sep is None:
        sep = _sniff_separator(head, truncated)
    logger.debug("Reading %s (separator %r, encoding %s)", name, sep, encoding)

    # The header as written and whether data lines end with a separator
    records = _records(head, sep, truncated)
    header = records[0] if records else None
    if header is not None and len(records) > 1:
        first = records[1]
        if any(len(r) == len(header) + 1 and not r[-1].strip() for r in records[1:]):
            header = [*header, ""]
        if len(first) > len(header):
            raise ValueError(
                f"{_cap(name)}: the first row under the header has {len(first)} "
                f"fields but the header has {len(header)} (separator "
                f"{_SEPARATOR_NAMES.get(sep, repr(sep))}). Put quotes around values "
                "that contain the separator, or give the separator explicitly."
            )

    # Parse: plain numbers as numbers, everything else as text
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            frame = pd.read_csv(
                io.BytesIO(data),
                sep=sep,
                encoding=encoding,
                skiprows=skip,
                header=0,
                names=None if header is None else [f"_{i}" for i in range(len(header))],
                index_col=False,
                keep_default_na=False,
                na_values=_NA_VALUES,
                skipinitialspace=True,
                quotechar='"',
                low_memory=False,
                engine="c",
            )
    except pd.errors.EmptyDataError:
        raise ValueError(
            f"{_cap(name)} has no header row. Add a first row naming each column."
        ) from None
    except (pd.errors.ParserError, UnicodeDecodeError, csv.Error) as exc:
        width = None if header is None else len(header) - (not header[-1].strip())
        raise _parse_error(exc, name, sep, width) from None
    if any("loss of data" in str(w.message) for w in caught):
        raise ValueError(
            f"{_cap(name)}: the first row under the header has more fields than the "
            "header. Put quotes around values that contain the separator, or give "
            "the separator explicitly."
        )
    raw_names = (
        header
        if header is not None
        else ["" if str(c).startswith("Unnamed:") else str(c) for c in frame.columns]
    )
    if frame.shape[0] == 0:
        raise ValueError(
            f"{_cap(name)} has a header ({_describe_names(raw_names)}) but no "
            "customers. Add one row per customer under the header."
        )

    # Column names: unique, on one line; empty unnamed columns dropped
    blank = [
        not _clean_name(n) and frame.iloc[:, i].isna().all()
        for i, n in enumerate(raw_names)
    ]
    if any(blank):
        frame = frame.loc[:, [not b for b in blank]]
        raw_names = [n for n, b in zip(raw_names, blank, strict=True) if not b]
        notes.append(
            f"{_plural(sum(blank), 'empty column')} without a name ignored (a "
            "separator at the end of the lines)."
        )
    if frame.shape[1] == 0:
        raise ValueError(
            f"{_cap(name)} has no column with a name or a value. Add a header naming "
            "each column."
        )
    names = _unique_names(raw_names)
    renamed = [
        f"{_clean_name(old)!r} to {new!r}"
        for old, new in zip(raw_names, names, strict=True)
        if _clean_name(old) and _clean_name(old) != new
    ]
    if renamed:
        notes.append(f"Repeated column names renamed: {', '.join(renamed)}.")
    frame.columns = names

    # Text cells: surrounding spaces removed, blanks missing
    for column in frame.columns:
        values = frame[column]
        if not pd.api.types.is_numeric_dtype(values):
            frame[column] = _clean_text(values)

    layout = (
        "one column"
        if frame.shape[1] == 1
        else f"{frame.shape[1]:,} columns separated by "
        f"{_SEPARATOR_NAMES.get(sep, repr(sep))}"
    )
    notes.insert(
        0,
        f"Read {name} as {_ENCODING_NAMES.get(encoding, encoding)} text: "
        f"{_plural(frame.shape[0], 'row')}, {layout}.",
    )
    if encoding in ("cp1252", "latin-1"):
        notes.insert(
            1,
            f"{_cap(name)} is not UTF-8; check that accented letters look right, or "
            "save it as CSV UTF-8.",
        )
    frame.attrs[_META_NOTES] = tuple(notes)
    frame.attrs[_META_DECIMAL] = "," if sep in ";\t" else "."
    return frame


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _cap(name: str) -> str:
    """A source name at the start of a sentence."""
    return "The uploaded file" if name == _UPLOADED else name


def _describe_names(names: Sequence[object], limit: int = 6) -> str:
    names = [_clean_name(n) for n in names]
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


# --------------------------------------------------------------------------
# Column types
# --------------------------------------------------------------------------


def _number_text(text: pd.Series) -> pd.Series:
    """Text of possible numbers without spaces, apostrophes, currency signs and %."""
    text = text.str.replace(_NUMBER_NOISE, "", regex=True)
    return text.str.replace("\u2212", "-", regex=False)


def _decimal_mark(text: pd.Series, hint: str) -> str:
    """``"."`` or ``","``: the reading under which more values are numbers."""
    n_dot = int(text.str.fullmatch(_DOT_NUMBER).fillna(False).sum())
    n_comma = int(text.str.fullmatch(_COMMA_NUMBER).fillna(False).sum())
    if n_dot == n_comma:
        return hint
    return "," if n_comma > n_dot else "."


def _parse_numbers(text: pd.Series, decimal: str) -> pd.Series:
    """Numbers written with the given decimal mark; anything else becomes NaN."""
    if decimal == ",":
        valid = text.str.fullmatch(_COMMA_NUMBER).fillna(False)
        plain = text.str.replace(".", "", regex=False).str.replace(
            ",", ".", regex=False
        )
    else:
        valid = text.str.fullmatch(_DOT_NUMBER).fillna(False)
        plain = text.str.replace(",", "", regex=False)
    numbers = pd.to_numeric(plain.where(valid), errors="coerce")
    return pd.Series(numbers, index=text.index, dtype=float)


def _looks_like_id(name: str) -> bool:
    return bool(_ID_NAME.search(name) or _ID_CAMEL.search(name))


def _number_labels(numbers: pd.Series) -> pd.Series:
    """Numbers as category labels: ``3`` rather than ``3.0``."""
    labels = numbers.astype("str")
    whole = numbers.notna() & (numbers % 1 == 0) & (numbers.abs() < 2**53)
    if whole.any():
        labels[whole] = numbers[whole].astype("int64").astype("str")
    return labels


def _dayfirst(sample: Sequence[str]) -> bool:
    """Whether dates such as ``03/04/2024`` put the day first."""
    firsts, seconds, dots = [], [], False
    for value in sample:
        match = _DAY_MONTH.match(value)
        if match:
            firsts.append(int(match.group(1)))
            seconds.append(int(match.group(3)))
            dots = dots or match.group(2) == "."
    if firsts and max(firsts) > 12:
        return True
    if seconds and max(seconds) > 12:
        return False
    return dots


def _parse_dates(values: pd.Series, dayfirst: bool, exact: bool) -> pd.Series:
    """Datetimes (UTC, without zone) of text values; NaT where a value is not a date."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(values, errors="coerce", dayfirst=dayfirst, utc=True)
        if exact and parsed.notna().mean() < _NUMERIC_SHARE:
            parsed = pd.to_datetime(
                values, errors="coerce", dayfirst=dayfirst, utc=True, format="mixed"
            )
    return parsed.dt.tz_localize(None)


def _looks_like_dates(uniques: pd.Series) -> bool:
    sample = uniques.head(_DATE_SAMPLE)
    if not sample.str.fullmatch(_DATE_TEXT).fillna(False).mean() >= _NUMERIC_SHARE:
        return False
    parsed = _parse_dates(sample, _dayfirst(sample.tolist()), exact=True)
    return parsed.notna().mean() >= _NUMERIC_SHARE


def _to_days(name: str, values: pd.Series) -> tuple[pd.Series, str]:
    """Days before the latest date of a date column, and a note saying so."""
    if pd.api.types.is_datetime64_any_dtype(values):
        dates = pd.to_datetime(values)
        if dates.dt.tz is not None:
            dates = dates.dt.tz_convert(None)
    else:
        uniques = pd.Series(values.dropna().unique(), dtype="str")
        parsed = _parse_dates(
            uniques, _dayfirst(uniques.head(_DATE_SAMPLE).tolist()), True
        )
        lookup = pd.Series(parsed.to_numpy(), index=uniques.to_numpy())
        dates = pd.to_datetime(values.map(lookup))
    latest = dates.max()
    days = (latest - dates) / pd.Timedelta(days=1)
    note = (
        f"{name}: dates turned into the number of days before the latest date, "
        f"{latest:%Y-%m-%d}."
    )
    return days.astype(float), note


@dataclass
class _Column:
    """What :func:`_decide_column` made of one column."""

    kind: str
    reason: str = ""
    values: pd.Series | None = None
    notes: list[str] = field(default_factory=list)


def _decide_numbers(
    name: str,
    numbers: pd.Series,
    n_rows: int,
    forced: str | None,
    n_present: int | None = None,
    notes: Sequence[str] = (),
) -> _Column:
    """Decide a column of numbers: numeric, yes/no (0/1), constant or identifier.

    ``n_present`` counts the cells that were not blank, numbers or not.
    """
    notes = list(notes)
    infinite = np.isinf(numbers.to_numpy())
    if infinite.any():
        numbers = numbers.mask(infinite)
        notes.append(
            f"{name}: {int(infinite.sum()):,} infinite values treated as missing."
        )
    present = numbers.dropna()
    if present.empty:
        return _empty_column(name, forced)
    if forced == "categorical":
        return _Column("categorical", values=_number_labels(numbers), notes=notes)
    if forced == "numeric":
        return _Column("numeric", values=numbers, notes=notes)
    n_present = len(present) if n_present is None else n_present
    uniques = np.unique(present.to_numpy())
    if len(uniques) == 1:
        column = _single_value(name, _number_labels(numbers), len(present), n_rows)
        column.notes = notes + column.notes
        return column
    if len(uniques) == 2 and uniques[0] == 0 and uniques[1] == 1:
        return _Column("categorical", values=_number_labels(numbers), notes=notes)

    # Identifiers: whole numbers, (nearly) all different
    n_distinct = len(uniques)
    whole = bool(np.all(np.mod(uniques, 1) == 0))
    unique = n_distinct == len(present) == n_present
    ordered = present.is_monotonic_increasing or present.is_monotonic_decreasing
    consecutive = uniques[-1] - uniques[0] + 1 == len(present)
    if (
        whole
        and len(present) >= 3
        and (
            (_looks_like_id(name) and n_distinct >= 0.9 * n_present)
            or (unique and len(present) >= _MIN_ID_ROWS and (ordered or consecutive))
        )
    ):
        return _Column(
            "exclude", "identifier: a different whole number for every customer"
        )
    return _Column("numeric", values=numbers, notes=notes)


def _decide_column(
    name: str, raw: pd.Series, n_rows: int, decimal: str, forced: str | None
) -> _Column:
    """Decide one column's kind, convert its values and say what was done."""
    if forced == "exclude":
        return _Column("exclude", "excluded by choice")

    # Dates and numbers already typed (a DataFrame built in Python)
    if pd.api.types.is_datetime64_any_dtype(raw):
        if raw.notna().sum() == 0:
            return _empty_column(name, forced)
        if forced == "numeric":
            days, note = _to_days(name, raw)
            return _Column("numeric", values=days, notes=[note])
        if forced == "categorical":
            return _Column("categorical", values=raw.dt.strftime("%Y-%m-%d %H:%M:%S"))
        return _date_column()
    if pd.api.types.is_bool_dtype(raw):
        raw = raw.map({True: "True", False: "False"})
    elif pd.api.types.is_numeric_dtype(raw):
        return _decide_numbers(name, pd.Series(raw, dtype=float), n_rows, forced)

    # Text: blanks and NA markers are missing
    text = _clean_text(raw)
    present = text.dropna()
    if present.empty:
        return _empty_column(name, forced)
    if forced == "categorical":
        return _Column("categorical", values=text)

    # Numbers written as text, with a decimal comma, thousands separators...
    head = _number_text(present.head(_NUMBER_SAMPLE))
    mark = _decimal_mark(head.drop_duplicates(), decimal)
    if forced == "numeric" or _parse_numbers(head, mark).notna().mean() >= 0.5:
        digits = _number_text(text)
        numbers = _parse_numbers(digits, mark)
        not_numbers = present[numbers[present.index].isna()]
        if forced == "numeric" and len(not_numbers):
            if _looks_like_dates(pd.Series(present.unique(), dtype="str")):
                days, note = _to_days(name, text)
                return _Column("numeric", values=days, notes=[note])
            raise ValueError(
                f"Column {name!r} cannot be numeric: the value {not_numbers.iloc[0]!r} "
                "is not a number. Treat the column as categorical, or clean that value."
            )
        if len(not_numbers) <= (1 - _NUMERIC_SHARE) * len(present):
            notes = []
            if mark == "," and digits.str.contains(",", regex=False).any():
                notes.append(f"{name}: numbers read with a decimal comma.")
            if len(not_numbers):
                notes.append(
                    f"{name}: {len(not_numbers):,} values that are not numbers (such "
                    f"as {not_numbers.iloc[0]!r}) treated as missing."
                )
            return _decide_numbers(name, numbers, n_rows, forced, len(present), notes)

    # Text: a single value, yes/no, dates, identifiers, free text or categories
    counts = present.value_counts(sort=False)
    n_present, n_distinct = len(present), len(counts)
    if n_distinct == 1:
        return _single_value(name, text, n_present, n_rows)
    if n_distinct <= 8:
        lowered = frozenset(str(value).lower() for value in counts.index)
        if lowered in _BOOLEAN_PAIRS:
            notes = []
            if n_distinct > 2:
                text = text.str.lower()
                notes.append(
                    f"{name}: yes/no values written in different cases merged into "
                    f"{' and '.join(sorted(lowered))}."
                )
            return _Column("categorical", values=text, notes=notes)
    if _looks_like_dates(pd.Series(counts.index, dtype="str")):
        return _date_column()
    if n_distinct == n_present and (
        n_present >= _MIN_ID_ROWS or (_looks_like_id(name) and n_present >= 3)
    ):
        return _Column("exclude", "identifier: a different value for every customer")
    limit = max(_MIN_LEVEL_LIMIT, min(_MAX_LEVELS, n_present // 2))
    if n_distinct > limit:
        return _Column(
            "exclude",
            f"free text: {n_distinct:,} distinct values (more than {limit:,}); group "
            "them into fewer categories, or set its type to categorical, to use it",
        )
    return _Column("categorical", values=text)


def _empty_column(name: str, forced: str | None) -> _Column:
    if forced is not None:
        raise ValueError(
            f"Column {name!r} is empty (every value is missing) and cannot be "
            f"{forced}; choose another column."
        )
    return _Column("exclude", "empty: every value is missing")


def _date_column() -> _Column:
    return _Column(
        "exclude",
        "date or time: not used by default; set its type to numeric to use the "
        "days before the latest date (such as recency)",
    )


def _single_value(name: str, labels: pd.Series, n_present: int, n_rows: int) -> _Column:
    value = labels.dropna().iloc[0]
    if n_present == n_rows:
        return _Column("exclude", f"constant: every customer has the value {value!r}")
    return _Column(
        "categorical",
        values=labels,
        notes=[
            f"{name}: one value ({value!r}) and blanks; used as a category, {value!r} "
            f"versus {MISSING_CATEGORY!r}."
        ],
    )


def _no_usable_column(excluded: Mapping[str, str], n_rows: int) -> ValueError:
    """The error for a table where every column was excluded."""
    if n_rows == 1:
        return ValueError(
            "The table has only 1 customer; segmenting needs at least 2 (and more "
            "than the number of segments). Load the full customer file."
        )
    reasons = {c: r.split(":", 1)[0] for c, r in excluded.items()}
    kinds = set(reasons.values())
    columns = _describe_names(list(excluded))
    if kinds == {"empty"}:
        return ValueError(
            f"Every value is missing in every column ({columns}); there is nothing to "
            "segment. Check that the file holds the customer data under its header."
        )
    if kinds <= {"empty", "constant"}:
        return ValueError(
            f"Every customer is identical: each column holds a single value "
            f"({columns}), so there is nothing to segment. Load customers that "
            "differ in at least one column."
        )
    shown = [f"{c} ({r})" for c, r in itertools.islice(reasons.items(), 6)]
    more = f" and {len(excluded) - 6} more" if len(excluded) > 6 else ""
    return ValueError(
        f"No usable column: every column was excluded: {'; '.join(shown)}{more}. "
        "Add columns that describe the customers (numbers such as age or spending, "
        "or categories such as job), or set a column's type explicitly."
    )


def _check_columns(
    frame: pd.DataFrame, columns: Sequence[str] | None, types: Mapping[str, str]
) -> list[str]:
    """Validate ``columns`` and ``types``; return the columns to consider."""
    available = list(frame.columns)

    def unknown_message(names: list[str], what: str) -> str:
        hints = []
        for name in names:
            close = difflib.get_close_matches(name, available, n=1)
            hints.append(
                f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
            )
        return (
            f"{what}: {', '.join(hints)}. Available columns: "
            f"{_describe_names(available, limit=20)}."
        )

    if columns is None:
        chosen = available
    else:
        if isinstance(columns, str):
            raise TypeError(
                f"columns must be a list of column names, not the string {columns!r}; "
                f"write [{columns!r}]."
            )
        if not isinstance(columns, Iterable):
            raise TypeError(
                f"columns must be a list of column names, got a "
                f"{type(columns).__name__}."
            )
        wanted = list(dict.fromkeys(_clean_name(c) for c in columns if _clean_name(c)))
        if not wanted:
            raise ValueError("No column chosen; choose at least one column.")
        unknown = [c for c in wanted if c not in available]
        if unknown:
            raise ValueError(unknown_message(unknown, "Unknown column(s)"))
        chosen = [c for c in available if c in wanted]
    unknown = [c for c in types if c not in available]
    if unknown:
        raise ValueError(unknown_message(unknown, "Type given for unknown column(s)"))
    not_chosen = [c for c in types if c not in chosen]
    if not_chosen:
        raise ValueError(
            f"Type given for column(s) not chosen: {', '.join(map(repr, not_chosen))}; "
            "add them to the chosen columns or remove their type."
        )
    for col, kind in types.items():
        if kind not in COLUMN_TYPES:
            raise ValueError(
                f"Type {kind!r} for column {col!r} is not one of "
                f"{', '.join(COLUMN_TYPES)}; use one of them."
            )
    return chosen


def prepare_customers(
    frame: pd.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    types: Mapping[str, str] | None = None,
) -> CustomerTable:
    """Choose the feature columns, infer their types and handle missing values.

    Parameters
    ----------
    frame : DataFrame
        Raw customers, e.g. from :func:`read_customers`, with text or typed
        columns.
    columns : sequence of str, optional
        Columns to consider (kept in the table's order); all columns when
        omitted. A chosen column can still be excluded (an ID, a constant, an
        empty column) with a reason.
    types : mapping, optional
        Column name to ``"numeric"``, ``"categorical"`` or ``"exclude"``,
        overriding the inferred type. ``"numeric"`` on a date column uses the
        days before its latest date.

    Returns
    -------
    CustomerTable

    Raises
    ------
    ValueError
        Unknown columns or types, a numeric type on text, an empty table, or
        no usable column left (every column empty, constant, an identifier,
        a date or free text).
    TypeError
        When ``frame`` is not a DataFrame or ``columns`` and ``types`` are of
        the wrong kind.

    Notes
    -----
    The rules are listed in the module docstring. Each column is examined in
    full with vectorised text operations, so the cost grows linearly with the
    rows: a few seconds for a million rows of 8 columns. Nothing is sampled
    here; see :func:`sample_customers` for the steps that need it.

    Examples
    --------
    >>> import pandas as pd
    >>> raw = pd.DataFrame({"age": ["30", "41", " "], "job": ["a", "b", "a"]})
    >>> table = prepare_customers(raw)
    >>> table.numeric, table.categorical
    (('age',), ('job',))
    >>> table.frame["age"].tolist()
    [30.0, 41.0, 35.5]
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"Expected a pandas DataFrame, got {type(frame).__name__}.")
    if types is not None and not isinstance(types, Mapping):
        raise TypeError(
            f"types must map column names to a type, got a {type(types).__name__}; "
            "write {'age': 'numeric'}."
        )
    if frame.shape[1] == 0 or frame.shape[0] == 0:
        raise ValueError(
            f"The table has {frame.shape[0]} customers and {frame.shape[1]} columns; "
            "load a CSV with a header and one row per customer."
        )
    decimal = frame.attrs.get(_META_DECIMAL, ".")
    notes = list(frame.attrs.get(_META_NOTES, ()))
    frame = frame.set_axis(_unique_names(list(frame.columns)), axis=1)
    types = {_clean_name(c): t for c, t in (types or {}).items()}
    chosen = _check_columns(frame, columns, types)

    # Decide each column's kind
    n_rows = len(frame)
    decided: dict[str, _Column] = {}
    for name in chosen:
        decided[name] = _decide_column(
            name, frame[name].reset_index(drop=True), n_rows, decimal, types.get(name)
        )
    numeric = [c for c, d in decided.items() if d.kind == "numeric"]
    categorical = [c for c, d in decided.items() if d.kind == "categorical"]
    excluded = {c: d.reason for c, d in decided.items() if d.kind == "exclude"}
    for name, reason in excluded.items():
        logger.debug("Column %s excluded: %s", name, reason)
    if not numeric and not categorical:
        raise _no_usable_column(excluded, n_rows)
    used = [c for c in chosen if c in numeric or c in categorical]
    for name in used:
        notes.extend(decided[name].notes)

    # Customers with every chosen column blank are dropped
    out = pd.DataFrame({name: decided[name].values for name in used})
    # (each used column has a value somewhere, so some customer is kept)
    all_missing = out.isna().all(axis=1).to_numpy()
    if all_missing.any():
        notes.append(
            f"{int(all_missing.sum()):,} customers with every chosen column blank were "
            "dropped."
        )
        out = out.loc[~all_missing]

    # Missing values: the median for numbers, a category of their own for text
    for name in used:
        n_missing = int(out[name].isna().sum())
        if name in numeric:
            values = out[name].astype(float)
            if n_missing:
                median = float(values.median())
                values = values.fillna(median)
                notes.append(
                    f"{name}: {n_missing:,} missing values replaced by the median "
                    f"({median:,.6g})."
                )
            out[name] = values
        else:
            values = out[name].astype("str")
            if n_missing:
                values = values.fillna(MISSING_CATEGORY)
                notes.append(
                    f"{name}: {n_missing:,} missing values kept as the category "
                    f"{MISSING_CATEGORY!r}."
                )
            out[name] = values

    return CustomerTable(
        frame=out,
        numeric=tuple(numeric),
        categorical=tuple(categorical),
        excluded=excluded,
        notes=tuple(notes),
        n_input_rows=n_rows,
    )


def load_customers(
    source: str | Path | bytes | IO[bytes],
    *,
    columns: Sequence[str] | None = None,
    types: Mapping[str, str] | None = None,
    sep: str | None = None,
    encoding: str | None = None,
) -> CustomerTable:
    """Read a CSV file and prepare it for segmentation in one call.

    See :func:`read_customers` and :func:`prepare_customers` for the
    parameters, the rules and the errors.

    Examples
    --------
    >>> csv_bytes = b"id;age;plan\\n1;30;basic\\n2;41;pro\\n3;52;basic\\n"
    >>> table = load_customers(csv_bytes)
    >>> table.numeric, table.categorical
    (('age',), ('plan',))
    >>> table.excluded["id"]
    'identifier: a different whole number for every customer'
    """
    raw = read_customers(source, sep=sep, encoding=encoding)
    return prepare_customers(raw, columns=columns, types=types)


def sample_customers(
    table: CustomerTable, max_rows: int, random_state: int | None = 0
) -> CustomerTable:
    """A random sample of at most ``max_rows`` customers, in input order.

    For the steps whose cost grows faster than the number of customers
    (clustering with many restarts, silhouettes, projections). The table is
    returned unchanged when it is small enough; otherwise a note says how
    many customers were kept. The index still holds each customer's input
    row number.

    Parameters
    ----------
    table : CustomerTable
    max_rows : int
        Largest number of customers to keep, at least 2.
    random_state : int or None, default=0
        Seed; the same seed gives the same sample.

    Returns
    -------
    CustomerTable

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"age": [30, 41, 52, 63] * 25, "plan": ["a", "b"] * 50})
    >>> table = prepare_customers(frame)
    >>> small = sample_customers(table, 10)
    >>> small.n_customers, small.notes[-1]
    (10, 'A random sample of 10 of the 100 customers is used (random_state=0).')
    """
    if not isinstance(table, CustomerTable):
        raise TypeError(f"Expected a CustomerTable, got {type(table).__name__}.")
    if isinstance(max_rows, bool) or not isinstance(max_rows, int | np.integer):
        raise TypeError(f"max_rows must be a whole number, got {max_rows!r}.")
    if max_rows < 2:
        raise ValueError(
            f"max_rows={max_rows} is too small; segmenting needs at least 2 customers."
        )
    if table.n_customers <= max_rows:
        return table
    rng = np.random.default_rng(random_state)
    rows = np.sort(rng.choice(table.n_customers, size=int(max_rows), replace=False))
    note = (
        f"A random sample of {int(max_rows):,} of the {table.n_customers:,} customers "
        f"is used (random_state={random_state})."
    )
    return replace(table, frame=table.frame.iloc[rows], notes=(*table.notes, note))
