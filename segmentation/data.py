"""Load a customer table and decide which columns can be used, and how.

A customer file arrives as CSV bytes of unknown separator, quoting and encoding.
:func:`read_customers` turns it into a :class:`pandas.DataFrame` of strings and
numbers; :func:`prepare_customers` decides, for every column, whether it is a
numeric feature, a categorical feature or excluded (with the reason), and
handles missing values:

* numeric columns: missing cells are replaced by the column median (the count
  is reported in :attr:`CustomerTable.notes`);
* categorical columns: missing cells become their own category, ``"missing"``;
* rows where every chosen column is missing are dropped (reported as well).

The result is a :class:`CustomerTable`, the input of every method.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

__all__ = [
    "CustomerTable",
    "read_customers",
    "prepare_customers",
    "load_customers",
    "COLUMN_TYPES",
]

logger = logging.getLogger(__name__)

COLUMN_TYPES = ("numeric", "categorical", "exclude")
MISSING_CATEGORY = "missing"

_SEPARATORS = ",;\t|"
_ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")
_SNIFF_BYTES = 64_000
_NUMERIC_SHARE = 0.95
_BOOLEAN_VALUES = {
    frozenset({"yes", "no"}),
    frozenset({"y", "n"}),
    frozenset({"true", "false"}),
    frozenset({"t", "f"}),
    frozenset({"0", "1"}),
}
_ID_NAME = re.compile(r"(^|[_\s-])(id|uuid|guid|key|number|no)$|^id[_\s-]", re.I)


@dataclass(frozen=True)
class CustomerTable:
    """Customers ready for segmentation.

    Attributes
    ----------
    frame : DataFrame
        One row per kept customer and one column per feature, in original
        units after missing-value handling. The index holds each customer's
        row number in the input (0-based, header excluded).
    numeric, categorical : tuple of str
        The feature columns of each kind, in input order.
    excluded : dict
        Column name to the reason it is not used.
    notes : tuple of str
        What was done to the data that a user should know.
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
    if isinstance(source, bytes | bytearray):
        return bytes(source), "uploaded data"
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.exists():
            raise ValueError(f"File not found: {path}. Check the path and try again.")
        if path.is_dir():
            raise ValueError(f"{path} is a folder; give the path of a CSV file.")
        return path.read_bytes(), path.name
    if hasattr(source, "read"):
        data = source.read()
        if isinstance(data, str):
            data = data.encode("utf-8")
        return data, getattr(source, "name", "uploaded data")
    raise TypeError(
        f"Cannot read customers from a {type(source).__name__}; give a path, "
        "bytes or a binary file object."
    )


def _check_not_binary(data: bytes, name: str) -> None:
    head = data[:8]
    if head.startswith(b"PK\x03\x04"):
        raise ValueError(
            f"{name} is a ZIP or Excel (.xlsx) file, not CSV text. In Excel use "
            "File > Save As > CSV, then load that file."
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ValueError(
            f"{name} is an old Excel (.xls) file, not CSV text. In Excel use "
            "File > Save As > CSV, then load that file."
        )
    sample = data[:_SNIFF_BYTES]
    if b"\x00" in sample:
        raise ValueError(
            f"{name} is a binary file, not CSV text. Export the table as CSV "
            "(comma, semicolon, tab or | separated) and load that file."
        )


def _decode(data: bytes) -> tuple[str, str]:
    for encoding in _ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    # latin-1 decodes every byte string, so this is never reached.
    raise ValueError("Cannot decode the file; save it as UTF-8 and try again.")


def _sniff_separator(text: str) -> str:
    sample = text[:_SNIFF_BYTES]
    try:
        return csv.Sniffer().sniff(sample, delimiters=_SEPARATORS).delimiter
    except csv.Error:
        pass
    # Fall back on the separator that appears most often in the header line.
    header = sample.splitlines()[0] if sample.strip() else ""
    counts = {sep: header.count(sep) for sep in _SEPARATORS}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def read_customers(
    source: str | Path | bytes | IO[bytes],
    *,
    sep: str | None = None,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Read a customer CSV file, sniffing separator, quoting and encoding.

    Parameters
    ----------
    source : path, bytes or binary file object
        The CSV file.
    sep : str, optional
        Column separator; sniffed among ``, ; tab |`` when omitted.
    encoding : str, optional
        Text encoding; UTF-8 (with or without BOM), then cp1252, then
        latin-1 are tried when omitted.

    Returns
    -------
    DataFrame
        Every cell as text (``None`` for a blank cell); types are decided
        later by :func:`prepare_customers`.

    Raises
    ------
    ValueError
        When the file is empty, binary, has no data rows or cannot be parsed.
    """
    data, name = _read_bytes(source)

    # Check input
    if not data.strip():
        raise ValueError(f"{name} is empty. Choose a CSV file with a header row and customers.")
    _check_not_binary(data, name)
    if encoding is None:
        text, encoding = _decode(data)
    else:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ValueError(
                f"{name} cannot be read as {encoding!r} ({exc}); leave the encoding "
                "unset to detect it."
            ) from None
    if sep is None:
        sep = _sniff_separator(text)
    logger.info("Reading %s (separator %r, encoding %s)", name, sep, encoding)

    # Parse
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_values=[],
            skipinitialspace=False,
            engine="python" if len(sep) > 1 else "c",
        )
    except pd.errors.ParserError as exc:
        first = str(exc).splitlines()[0]
        raise ValueError(
            f"{name} could not be parsed as CSV with separator {sep!r}: {first}. "
            "Check that every row has the same number of fields, or give the "
            "separator explicitly."
        ) from None
    except pd.errors.EmptyDataError:
        raise ValueError(f"{name} has no header row. Add a header naming each column.") from None

    if frame.shape[0] == 0:
        raise ValueError(
            f"{name} has a header but no customers. Add at least one data row."
        )

    # Blank cells (empty or spaces only) are missing values.
    frame = frame.apply(lambda col: col.str.strip()).replace("", None)
    frame.columns = _unique_names([str(c).strip() for c in frame.columns])
    return frame


def _unique_names(names: Sequence[str]) -> list[str]:
    """Make column names unique and non-empty (``x``, ``x.1``, ``column_3``)."""
    seen: dict[str, int] = {}
    result = []
    for i, name in enumerate(names):
        if not name or name.startswith("Unnamed:"):
            name = f"column_{i + 1}"
        base, n = name, seen.get(name, 0)
        while name in seen:
            n += 1
            name = f"{base}.{n}"
        seen[base] = n
        seen[name] = 0
        result.append(name)
    return result


# --------------------------------------------------------------------------
# Column types
# --------------------------------------------------------------------------


def _to_number(values: pd.Series) -> pd.Series:
    """Parse text as numbers, accepting decimal commas and thousands separators.

    A comma is read as a thousands separator when every value holding one is
    grouped by three digits (``1,234,567.5``), otherwise as the decimal mark
    (``1.234,5`` or ``3,75``). Cells that are not numbers become NaN.
    """
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float)
    text = values.astype("string").str.replace(r"[\s\u00a0']", "", regex=True)
    with_comma = text[text.str.contains(",", regex=False).fillna(False)]
    if with_comma.empty:
        parsed = pd.to_numeric(text, errors="coerce")
    elif with_comma.str.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?").all():
        parsed = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
    else:
        dotless = text.str.replace(".", "", regex=False)
        parsed = pd.to_numeric(dotless.str.replace(",", ".", regex=False), errors="coerce")
    return parsed.astype(float)


def _looks_like_dates(values: pd.Series) -> bool:
    sample = values.dropna().astype(str).head(200)
    if sample.empty or not sample.str.contains(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}").all():
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(sample, errors="coerce", format="mixed")
    return parsed.notna().mean() >= _NUMERIC_SHARE


def _infer_column(name: str, values: pd.Series, n_rows: int) -> tuple[str, str]:
    """Return ``(kind, reason)`` for one column; reason is empty unless excluded."""
    present = values.dropna()
    n_present = len(present)
    if n_present == 0:
        return "exclude", "empty: every value is missing"
    n_distinct = present.astype(str).nunique()
    if n_distinct == 1:
        return "exclude", f"constant: every customer has the value {present.iloc[0]!r}"

    lowered = frozenset(present.astype(str).str.lower().unique())
    if n_distinct == 2 and lowered in _BOOLEAN_VALUES:
        return "categorical", ""

    numbers = _to_number(present)
    if numbers.notna().mean() >= _NUMERIC_SHARE:
        integral = bool(np.all(np.mod(numbers.dropna(), 1) == 0))
        if (
            integral
            and n_distinct == n_present
            and n_rows >= 20
            and (_ID_NAME.search(name) or numbers.dropna().is_monotonic_increasing)
        ):
            return "exclude", "identifier: a different whole number for every customer"
        return "numeric", ""

    if _looks_like_dates(present):
        return "exclude", "date or time: dates are not used as features"
    if n_distinct == n_present and n_rows >= 20:
        return "exclude", "identifier: a different value for every customer"
    limit = max(50, n_rows // 2)
    if n_distinct > limit:
        return "exclude", (
            f"free text: {n_distinct:,} distinct values (more than {limit:,}); "
            "group them into fewer categories to use this column"
        )
    return "categorical", ""


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
        Raw customers, e.g. from :func:`read_customers`.
    columns : sequence of str, optional
        Columns to consider; all columns when omitted. A chosen column can
        still be excluded (an ID, a constant, an empty column) with a reason.
    types : mapping, optional
        Column name to ``"numeric"``, ``"categorical"`` or ``"exclude"``,
        overriding the inferred type.

    Returns
    -------
    CustomerTable

    Raises
    ------
    ValueError
        Unknown columns or types, a numeric override on text, or no usable
        column left.

    Examples
    --------
    >>> import pandas as pd
    >>> raw = pd.DataFrame({"age": ["30", "41", "52"], "job": ["a", "b", "a"]})
    >>> table = prepare_customers(raw)
    >>> table.numeric, table.categorical
    (('age',), ('job',))
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"Expected a pandas DataFrame, got {type(frame).__name__}.")
    if frame.shape[1] == 0 or frame.shape[0] == 0:
        raise ValueError("The table has no customers or no columns; load a CSV with data rows.")
    frame = frame.copy()
    frame.columns = _unique_names([str(c) for c in frame.columns])
    types = dict(types or {})

    # Check input
    if columns is not None:
        columns = [str(c).strip() for c in columns if str(c).strip()]
        unknown = [c for c in columns if c not in frame.columns]
        if unknown:
            raise ValueError(
                f"Unknown column(s): {', '.join(unknown)}. Available columns: "
                f"{', '.join(frame.columns)}."
            )
        if not columns:
            raise ValueError("No column chosen; choose at least one column.")
        frame = frame[list(dict.fromkeys(columns))]
    bad_names = [c for c in types if c not in frame.columns]
    if bad_names:
        raise ValueError(
            f"Type given for unknown column(s): {', '.join(bad_names)}. Available "
            f"columns: {', '.join(frame.columns)}."
        )
    bad_types = {c: t for c, t in types.items() if t not in COLUMN_TYPES}
    if bad_types:
        col, kind = next(iter(bad_types.items()))
        raise ValueError(
            f"Type {kind!r} for column {col!r} is not one of {', '.join(COLUMN_TYPES)}."
        )

    # Decide each column's kind
    n_rows = len(frame)
    numeric, categorical, excluded = [], [], {}
    for name in frame.columns:
        kind, reason = _infer_column(name, frame[name], n_rows)
        forced = types.get(name)
        if forced == "exclude":
            kind, reason = "exclude", "excluded by choice"
        elif forced == "numeric":
            parsed = _to_number(frame[name].dropna())
            if parsed.isna().any():
                bad = frame[name].dropna()[parsed.isna()].iloc[0]
                raise ValueError(
                    f"Column {name!r} cannot be numeric: value {bad!r} is not a "
                    "number. Treat it as categorical or clean the value."
                )
            if frame[name].notna().sum() == 0:
                raise ValueError(f"Column {name!r} is empty and cannot be numeric.")
            kind, reason = "numeric", ""
        elif forced == "categorical":
            if frame[name].notna().sum() == 0:
                raise ValueError(f"Column {name!r} is empty and cannot be categorical.")
            kind, reason = "categorical", ""
        if kind == "numeric":
            numeric.append(name)
        elif kind == "categorical":
            categorical.append(name)
        else:
            excluded[name] = reason

    used = [c for c in frame.columns if c in numeric or c in categorical]
    if not used:
        reasons = "; ".join(f"{c}: {r}" for c, r in excluded.items())
        raise ValueError(
            f"No usable column: every column was excluded ({reasons}). Choose other "
            "columns or override a column's type."
        )

    # Convert and handle missing values
    notes = []
    out = pd.DataFrame(index=pd.RangeIndex(n_rows))
    for name in used:
        if name in numeric:
            out[name] = _to_number(frame[name]).to_numpy()
        else:
            out[name] = frame[name].astype("string").astype(object).to_numpy()
    all_missing = out.isna().all(axis=1)
    if all_missing.any():
        notes.append(
            f"{int(all_missing.sum()):,} customers with every chosen column blank were "
            "dropped."
        )
        out = out.loc[~all_missing]
    if out.empty:
        raise ValueError("Every customer is blank in the chosen columns; choose other columns.")
    for name in used:
        n_missing = int(out[name].isna().sum())
        if not n_missing:
            continue
        if name in numeric:
            median = float(out[name].median())
            out[name] = out[name].fillna(median)
            notes.append(
                f"{name}: {n_missing:,} missing values replaced by the median ({median:g})."
            )
        else:
            out[name] = out[name].fillna(MISSING_CATEGORY)
            notes.append(
                f"{name}: {n_missing:,} missing values kept as the category "
                f"'{MISSING_CATEGORY}'."
            )
    for name in categorical:
        out[name] = out[name].astype(str)
    for name, reason in excluded.items():
        logger.info("Column %s excluded: %s", name, reason)

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

    See :func:`read_customers` and :func:`prepare_customers` for the parameters.
    """
    raw = read_customers(source, sep=sep, encoding=encoding)
    return prepare_customers(raw, columns=columns, types=types)
