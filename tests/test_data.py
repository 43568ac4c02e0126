"""Tests of segmentation.data: reading, type inference, missing values and overrides."""

from __future__ import annotations

import io
import pickle

import numpy as np
import pandas as pd
import pytest

from segmentation.data import (
    MISSING_CATEGORY,
    CustomerTable,
    load_customers,
    prepare_customers,
    read_customers,
    sample_customers,
)

DATE_REASON = r"^date or time: not used by default; set its type to numeric"


def _lines(*rows: str, newline: str = "\n") -> bytes:
    return (newline.join(rows) + newline).encode()


def _kinds(table: CustomerTable) -> tuple[tuple[str, ...], tuple[str, ...], set[str]]:
    return table.numeric, table.categorical, set(table.excluded)


# --------------------------------------------------------------------------
# Reading: separators, quoting, encodings
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sep", "name"), [(",", "comma"), (";", "semicolon"), ("\t", "tab"), ("|", "pipe")]
)
def test_separator_is_detected(sep, name):
    """Each supported separator is found and named in the notes."""
    data = _lines(
        sep.join(["age", "job"]), sep.join(["30", "clerk"]), sep.join(["41", "nurse"])
    )
    table = load_customers(data)
    assert table.frame.to_dict("list") == {
        "age": [30.0, 41.0],
        "job": ["clerk", "nurse"],
    }
    assert f"separated by {name}" in table.notes[0]


def test_semicolon_file_with_decimal_commas_is_not_split_on_commas():
    """A semicolon file whose numbers hold commas is split on semicolons."""
    table = load_customers(
        _lines("age;spend;job", "30;12,5;a", "41;3,25;b", "52;7,0;a")
    )
    assert table.frame["spend"].tolist() == [12.5, 3.25, 7.0]
    assert table.categorical == ("job",)


def test_quoted_fields_keep_separators_quotes_and_line_breaks():
    """Quoted values may hold the separator, doubled quotes and line breaks."""
    data = (
        b'city,note,age\n"Portland, OR","say ""hi""\nlater",30\n"Austin, TX","x",41\n'
    )
    raw = read_customers(data)
    assert raw["city"].tolist() == ["Portland, OR", "Austin, TX"]
    assert raw["note"].tolist() == ['say "hi"\nlater', "x"]
    assert raw["age"].tolist() == [30, 41]


def test_spaces_after_separators_and_around_text_are_ignored():
    """Cells are stripped; a space before an opening quote does not break quoting."""
    raw = read_customers(b'job, city\n clerk , "Portland, OR"\nnurse,  "Austin, TX"\n')
    assert raw.to_dict("list") == {
        "job": ["clerk", "nurse"],
        "city": ["Portland, OR", "Austin, TX"],
    }


def test_utf8_bom_is_removed_and_noted():
    """A UTF-8 byte order mark does not end up in the first column name."""
    table = load_customers(b"\xef\xbb\xbfage,job\n30,caf\xc3\xa9\n41,th\xc3\xa9\n")
    assert table.columns == ("age", "job")
    assert table.frame["job"].tolist() == ["café", "thé"]
    assert any("byte order mark" in note for note in table.notes)


@pytest.mark.parametrize(
    ("encoding", "label"), [("cp1252", "cp1252"), ("latin-1", "cp1252")]
)
def test_legacy_encodings_are_read_and_noted(encoding, label):
    """Windows-1252 and Latin-1 text is read (as cp1252), with a note on accents."""
    data = "age;city;spend\n30;Köln;5 €\n41;Málaga;7 €\n".replace("€", "")
    table = load_customers(data.encode(encoding))
    assert table.frame["city"].tolist() == ["Köln", "Málaga"]
    assert label in table.notes[0]
    assert any("not UTF-8" in note for note in table.notes)


def test_cp1252_euro_sign_and_thousands_dots():
    """Euro amounts such as '1.234 €' in a cp1252 file are numbers."""
    data = "age;spend\n30;1.234 €\n41;56 €\n52;7.890 €\n".encode("cp1252")
    assert load_customers(data).frame["spend"].tolist() == [1234.0, 56.0, 7890.0]


def test_utf16_with_bom_is_read():
    """Excel's 'Unicode text' export (UTF-16, tab-separated) is read."""
    data = "age\tcity\r\n30\tNørd\r\n41\tSüd\r\n".encode("utf-16")
    table = load_customers(data)
    assert table.frame["city"].tolist() == ["Nørd", "Süd"]
    assert "UTF-16" in table.notes[0]


def test_explicit_encoding_and_separator_are_used():
    """sep and encoding given by the caller are used as they are; 'tab' means a tab."""
    data = "a\tb\n1\tü\n2\tö\n".encode("latin-1")
    table = load_customers(data, sep="tab", encoding="latin-1")
    assert table.frame["b"].tolist() == ["ü", "ö"]
    assert load_customers(b"a\tb\n1\tx\n2\ty\n", sep="\\t").columns == ("a", "b")


def test_wrong_encoding_is_refused():
    """An encoding that cannot read the file is refused, saying to leave it unset."""
    with pytest.raises(
        ValueError, match=r"cannot be read as 'utf-8' .*leave the encoding unset"
    ):
        read_customers("a\nü\n".encode("latin-1"), encoding="utf-8")
    with pytest.raises(
        ValueError, match=r"encoding='klingon' is not a known text encoding"
    ):
        read_customers(b"a\n1\n", encoding="klingon")


@pytest.mark.parametrize("sep", ["ab", '"', "\n"])
def test_bad_separator_is_refused(sep):
    """A separator must be one character other than a quote or a line break."""
    with pytest.raises(ValueError, match=r"must be one character other than a quote"):
        read_customers(b"a,b\n1,2\n", sep=sep)


def test_excel_sep_line_names_the_separator():
    """Excel's 'sep=;' first line sets the separator and is not read as the header."""
    table = load_customers(b"sep=;\r\nage;job\r\n30;a\r\n41;b\r\n")
    assert table.columns == ("age", "job")


def test_trailing_separator_column_is_ignored():
    """An empty unnamed column made by a separator at each line end is dropped."""
    for data in (b"age,job,\n30,a,\n41,b,\n", b"age,job\n30,a,\n41,b,\n"):
        raw = read_customers(data)
        assert list(raw.columns) == ["age", "job"]
        assert any(
            "empty column without a name" in n for n in raw.attrs["segmentation_notes"]
        )


def test_duplicate_blank_and_multiline_names_are_made_unique():
    """Repeated names get .1, .2; blank ones become column_<n>; all fit on one line."""
    raw = read_customers(b'age,age,,"spend\nEUR",age\n1,2,3,4,5\n6,7,8,9,10\n')
    assert list(raw.columns) == ["age", "age.1", "column_3", "spend EUR", "age.2"]
    notes = raw.attrs["segmentation_notes"]
    assert any("'age' to 'age.1', 'age' to 'age.2'" in n for n in notes)


def test_single_column_with_decimal_commas():
    """A one-column file of decimal-comma numbers is not split on its commas."""
    table = load_customers(b"spend\n1,5\n2,25\n3,75\n")
    assert table.frame["spend"].tolist() == [1.5, 2.25, 3.75]
    assert "one column" in table.notes[0]


def test_read_returns_numbers_and_clean_text():
    """Plain numeric columns come back as numbers, text stripped with blanks missing."""
    raw = read_customers(b"age,job,spend\n30, clerk ,1.5\n41, ,NA\n")
    assert raw["age"].tolist() == [30, 41]
    assert raw["job"].iloc[0] == "clerk" and pd.isna(raw["job"].iloc[1])
    assert raw["spend"].iloc[0] == 1.5 and pd.isna(raw["spend"].iloc[1])


# --------------------------------------------------------------------------
# Reading: sources and bad files
# --------------------------------------------------------------------------


def test_path_and_file_object_sources(tmp_path):
    """A path, a str path and a binary file object are read; messages use the name."""
    path = tmp_path / "customers.csv"
    path.write_bytes(b"age,job\n30,a\n41,b\n")
    assert load_customers(path).n_customers == 2
    assert "customers.csv" in load_customers(str(path)).notes[0]
    with path.open("rb") as handle:
        assert load_customers(handle).n_customers == 2


def test_file_object_name_is_never_opened():
    """The name of a file object is only shown (base name), never used as a path."""
    handle = io.BytesIO(b"")
    handle.name = "/etc/secret/dir/upload.csv"
    with pytest.raises(ValueError, match=r"^upload\.csv is empty"):
        read_customers(handle)
    handle = io.BytesIO(b"age,job\n30,a\n41,b\n")
    handle.name = "/does/not/exist.csv"
    assert read_customers(handle).shape == (2, 2)


def test_missing_path_and_folder_are_refused(tmp_path):
    """A path that does not exist, or a folder, is refused with what to give instead."""
    with pytest.raises(
        ValueError, match=r"File not found: .*nope\.csv\. Check the path"
    ):
        read_customers(tmp_path / "nope.csv")
    with pytest.raises(
        ValueError, match=r"File not found: 'age,job.*,j'\.\.\.\. Check"
    ):
        read_customers("age,job\n30,a\n" * 1000)
    with pytest.raises(ValueError, match=r"is a folder; give the path of a CSV file"):
        read_customers(tmp_path)


def test_wrong_source_type_is_refused():
    """A source that is not a path, bytes or a binary file is a TypeError."""
    with pytest.raises(TypeError, match=r"Cannot read customers from a int"):
        read_customers(42)

    class Weird:
        def read(self):
            return 3

    with pytest.raises(TypeError, match=r"open the file in binary mode"):
        read_customers(Weird())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", r"^The uploaded file is empty\. Choose a CSV file with a header row"),
        (b"  \r\n\n", r"is empty"),
        (b"\xef\xbb\xbf\n", r"is empty"),
        (b"age,job\n", r"has a header \(age, job\) but no customers\. Add one row"),
        (
            b"PK\x03\x04\x14\x00",
            r"Excel \(\.xlsx\) workbook, not a CSV text file; open it",
        ),
        (b"\xd0\xcf\x11\xe0\xa1\xb1", r"old Excel \(\.xls\) workbook"),
        (b"%PDF-1.4\n", r"PDF document"),
        (b"\x1f\x8b\x08\x00", r"gzip-compressed"),
        (pickle.dumps({"a": 1}), r"Python pickle"),
        (b"<html><body>hi</body></html>", r"web page \(HTML\)"),
        (b'<?xml version="1.0"?><Workbook/>', r"XML file"),
        (b"age,job\n" + bytes(range(32)) * 4, r"is a binary file, not CSV text"),
    ],
    ids=[
        "empty",
        "blank",
        "bom-only",
        "header-only",
        "xlsx",
        "xls",
        "pdf",
        "gzip",
        "pickle",
        "html",
        "xml",
        "control-bytes",
    ],
)
def test_bad_file_is_refused(data, message):
    """Empty, header-only and non-text files are refused with a message and a fix."""
    with pytest.raises(ValueError, match=message):
        read_customers(data)


@pytest.mark.parametrize(
    ("data", "options", "message"),
    [
        (b"\xff\xfea", {}, r"starts like UTF-16 text but is not valid UTF-16; save it"),
        (b"sep=;\n", {}, r"has no header row\. Add a first row naming each column"),
        (
            b",,\n,,\n",
            {"sep": ","},
            r"has no column with a name or a value\. Add a header",
        ),
    ],
    ids=["bad-utf16", "no-header", "no-named-column"],
)
def test_files_without_a_readable_header_are_refused(data, options, message):
    """Broken UTF-16, a missing header and nameless empty columns are refused."""
    with pytest.raises(ValueError, match=message):
        read_customers(data, **options)


def test_first_row_longer_than_a_very_wide_header_is_refused():
    """Past the sniffed sample, a first row longer than the header is still refused."""
    header = ",".join(f"c{i:05d}" for i in range(12_000))
    data = "\n".join([header, ",".join(["1"] * 12_001), ",".join(["1"] * 12_000)])
    with pytest.raises(
        ValueError, match=r"the first row under the header has more fields"
    ):
        read_customers(data.encode())


def test_other_parser_errors_are_explained(monkeypatch):
    """A parser error of another kind still gives one line with what to check."""

    def broken(*args, **kwargs):
        raise pd.errors.ParserError("Error tokenizing data. C error: odd\nsecond line")

    monkeypatch.setattr(pd, "read_csv", broken)
    with pytest.raises(
        ValueError,
        match=r"could not be read as CSV with separator comma: Error tokenizing data\. "
        r"C error: odd\. Check that every row has the same number of fields",
    ):
        read_customers(b"a,b\n1,2\n")


def test_pickle_is_refused_not_loaded(monkeypatch):
    """A pickle renamed .csv is refused before anything could unpickle it."""

    def forbidden(*args, **kwargs):
        raise AssertionError("unpickled")

    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    with pytest.raises(ValueError, match=r"Python pickle"):
        read_customers(pickle.dumps([1, 2, 3], protocol=4))


def test_formulas_and_code_in_cells_stay_text():
    """Cells that look like formulas or code are kept as plain text."""
    table = load_customers(
        b"age,job\n30,=cmd|'/c calc'!A1\n41,__import__('os')\n52,=cmd|'/c calc'!A1\n"
    )
    assert table.frame["job"].tolist()[:2] == ["=cmd|'/c calc'!A1", "__import__('os')"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"a,b\n1,2,3\n4,5\n",
            r"the first row under the header has 3 fields but the header has 2",
        ),
        (
            b"a,b\n1,2\n4,5,6\n",
            r"line 3 has 3 fields but the header has 2 \(separator comma\)",
        ),
        (b'a,b\n"1,2\n3,4\n', r"a quote opened .* is never closed"),
    ],
    ids=["first-row-too-long", "later-row-too-long", "unclosed-quote"],
)
def test_malformed_rows_are_refused(data, message):
    """Rows longer than the header and unclosed quotes are refused, naming the line."""
    with pytest.raises(ValueError, match=message):
        read_customers(data)


# --------------------------------------------------------------------------
# Type inference
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "sep", "expected"),
    [
        (["1.5", "2", "-3.25"], ",", [1.5, 2.0, -3.25]),
        (['"1,234.5"', '"12,000"', "7"], ",", [1234.5, 12000.0, 7.0]),
        (["1.234,5", "12,75", "7"], ";", [1234.5, 12.75, 7.0]),
        (["1 234,5", "12 000", "7"], ";", [1234.5, 12000.0, 7.0]),
        (["1'234.50", "12'000", "7"], ",", [1234.5, 12000.0, 7.0]),
        (["$ 1,200", "$35", "$0.5"], ";", [1200.0, 35.0, 0.5]),
        (["12%", "7.5%", "0%"], ",", [12.0, 7.5, 0.0]),
        (["\u22122", "3", "+4"], ",", [-2.0, 3.0, 4.0]),
        (["1e3", "2.5E-1", "3"], ",", [1000.0, 0.25, 3.0]),
    ],
    ids=[
        "plain",
        "thousands-comma",
        "decimal-comma",
        "space-thousands",
        "apostrophe",
        "currency",
        "percent",
        "unicode-minus",
        "exponent",
    ],
)
def test_numbers_written_as_text(cells, sep, expected):
    """Decimal commas, thousands separators, currency signs and % are numbers."""
    rows = [f"{v}{sep}{j}" for v, j in zip(cells, ["a", "b", "a"], strict=True)]
    table = load_customers(_lines(f"x{sep}job", *rows))
    assert table.numeric == ("x",)
    assert table.frame["x"].tolist() == pytest.approx(expected)


def test_ambiguous_comma_follows_the_separator():
    """'1,250' is 1250 in a comma file and 1.25 in a semicolon file."""
    comma = load_customers(b'x,j\n"1,250",a\n"2,500",b\n"3,750",a\n')
    semicolon = load_customers(b"x;j\n1,250;a\n2,500;b\n3,750;a\n")
    assert comma.frame["x"].tolist() == [1250.0, 2500.0, 3750.0]
    assert semicolon.frame["x"].tolist() == [1.25, 2.5, 3.75]
    assert "x: numbers read with a decimal comma." in semicolon.notes


def test_a_few_non_numbers_are_missing_numbers():
    """Up to 5% of cells that are not numbers leave a column numeric, noted."""
    values = [str(v) for v in range(40)][::-1]
    values[7] = "unknown"
    table = prepare_customers(pd.DataFrame({"x": values, "j": ["a", "b"] * 20}))
    assert table.numeric == ("x",)
    assert (
        "x: 1 values that are not numbers (such as 'unknown') treated as missing."
        in (table.notes)
    )
    assert table.frame["x"].iloc[7] == np.median([v for v in range(40) if v != 32])


def test_many_non_numbers_make_a_column_categorical():
    """A column with more than 5% of words among numbers is categorical."""
    table = prepare_customers(pd.DataFrame({"x": ["1", "2", "3", "n.a."] * 10}))
    assert table.categorical == ("x",)


@pytest.mark.parametrize(
    "values",
    [
        ["yes", "no", "no", "yes"],
        ["Y", "N", "N", "Y"],
        ["True", "False", "True", "False"],
        ["t", "f", "f", "t"],
        [0, 1, 1, 0],
        [0.0, 1.0, np.nan, 1.0],
        [True, False, True, False],
    ],
    ids=["yes-no", "y-n", "true-false", "t-f", "0-1", "0.0-1.0", "bool"],
)
def test_boolean_like_columns_are_categorical(values):
    """yes/no, Y/N, True/False, t/f and 0/1 columns are categories, not numbers."""
    table = prepare_customers(pd.DataFrame({"flag": values * 5, "age": range(20, 40)}))
    assert "flag" in table.categorical
    assert set(table.frame["flag"]) <= {
        "yes",
        "no",
        "Y",
        "N",
        "True",
        "False",
        "t",
        "f",
    } | {
        "0",
        "1",
        MISSING_CATEGORY,
    }


def test_boolean_case_variants_are_merged():
    """'Yes', 'yes' and 'NO' become two categories, with a note."""
    table = prepare_customers(pd.DataFrame({"member": ["Yes", "yes", "NO", "no"] * 3}))
    assert set(table.frame["member"]) == {"yes", "no"}
    assert (
        "member: yes/no values written in different cases merged into no and yes."
        in (table.notes)
    )


def test_constant_and_empty_columns_are_excluded():
    """A single value everywhere, or no value at all, excludes a column."""
    frame = pd.DataFrame(
        {"country": ["FR"] * 4, "fax": [" ", "", None, "NA"], "x": [1, 2, 3, 5]}
    )
    table = prepare_customers(frame)
    assert table.excluded == {
        "country": "constant: every customer has the value 'FR'",
        "fax": "empty: every value is missing",
    }


def test_single_value_with_blanks_is_a_category():
    """A flag set on some customers and blank on others is a category vs 'missing'."""
    table = prepare_customers(
        pd.DataFrame({"vip": ["x", None, None, "x"], "x": [1, 2, 3, 5]})
    )
    assert table.categorical == ("vip",)
    assert table.frame["vip"].tolist() == ["x", MISSING_CATEGORY, MISSING_CATEGORY, "x"]
    assert any(
        note.startswith("vip: one value ('x') and blanks") for note in table.notes
    )


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("customer_id", [3, 1, 2]),
        ("CustomerID", [30, 10, 20]),
        ("Account No", [7, 9, 8]),
        ("serial", list(range(100, 125))),
        ("serial", list(range(125, 100, -1))),
        ("serial", list(np.random.default_rng(0).permutation(np.arange(500, 525)))),
    ],
    ids=["named", "camel-case", "no", "sorted", "descending", "consecutive"],
)
def test_numeric_identifiers_are_excluded(name, values):
    """Whole numbers unique per customer, named like an ID or in order, are IDs."""
    frame = pd.DataFrame({name: values, "x": np.arange(len(values)) % 3})
    assert prepare_customers(frame).excluded[name] == (
        "identifier: a different whole number for every customer"
    )


def test_unique_numbers_out_of_order_stay_numeric():
    """Unique whole numbers that are not named, sorted nor consecutive are a feature."""
    balances = np.random.default_rng(1).permutation(np.arange(0, 2500, 100))
    table = prepare_customers(
        pd.DataFrame({"balance": balances, "x": ["a", "b"] * 12 + ["a"]})
    )
    assert table.numeric == ("balance",)


def test_text_identifiers_and_free_text_are_excluded():
    """Text unique per customer is an ID; text with too many values is free text."""
    rng = np.random.default_rng(2)
    frame = pd.DataFrame(
        {
            "email": [f"u{i}@example.com" for i in range(60)],
            "name": [f"name {v}" for v in rng.integers(0, 40, 60)],
            "code": [f"C{i}" for i in range(60)],
            "job": ["a", "b", "c"] * 20,
        }
    )
    table = prepare_customers(frame)
    assert table.excluded["email"] == "identifier: a different value for every customer"
    assert table.excluded["code"] == "identifier: a different value for every customer"
    assert table.excluded["name"].startswith("free text: ")
    assert "(more than 30)" in table.excluded["name"]
    assert table.categorical == ("job",)


def test_text_named_like_an_id_is_excluded_in_small_tables():
    """A small table's text column named like an ID, unique per row, is excluded."""
    table = prepare_customers(
        pd.DataFrame({"user_key": ["x1", "y2", "z3"], "a": [1, 2, 4]})
    )
    assert table.excluded["user_key"].startswith("identifier")


@pytest.mark.parametrize(
    "values",
    [
        ["2024-01-05", "2024-02-11", "2023-12-31"],
        ["2024-01-05 13:45:00", "2024-02-11T08:00:00Z", "2023-12-31 23:59"],
        ["05/01/2024", "25/02/2024", "31/12/2023"],
        ["01.05.2024", "11.02.2024", "31.12.2023"],
        ["5 Jan 2024", "11 Feb 2024", "31 Dec 2023"],
    ],
    ids=["iso", "datetime", "day-first", "dotted", "month-name"],
)
def test_dates_are_excluded_with_the_way_to_use_them(values):
    """Dates and date-times are excluded; the reason says how to use them."""
    table = prepare_customers(pd.DataFrame({"since": values * 4, "x": [1, 2, 4] * 4}))
    assert table.excluded["since"] == (
        "date or time: not used by default; set its type to numeric to use the days "
        "before the latest date (such as recency)"
    )


def test_numeric_type_on_dates_gives_days_before_latest():
    """types={'since': 'numeric'} turns dates into days before the latest one."""
    frame = pd.DataFrame(
        {"since": ["05/01/2024", "25/02/2024", "01/03/2024"], "x": [1, 2, 4]}
    )
    table = prepare_customers(frame, types={"since": "numeric"})
    assert table.frame["since"].tolist() == [56.0, 5.0, 0.0]
    assert (
        "since: dates turned into the number of days before the latest date, "
        "2024-03-01." in (table.notes)
    )


def test_datetime_column_of_a_dataframe():
    """A datetime64 column is excluded by default and usable as days when forced."""
    dates = pd.to_datetime(["2024-01-01", "2024-01-11", None, "2024-01-31"])
    frame = pd.DataFrame({"since": dates, "x": [1, 2, 4, 8]})
    assert prepare_customers(frame).excluded["since"].startswith("date or time")
    table = prepare_customers(frame, types={"since": "numeric"})
    assert table.frame["since"].tolist() == [30.0, 20.0, 20.0, 0.0]


def test_infinite_numbers_are_missing():
    """Infinite values are treated as missing and replaced by the median."""
    frame = pd.DataFrame({"x": [1.0, np.inf, 3.0, -np.inf, 5.0], "j": list("ababa")})
    table = prepare_customers(frame)
    assert table.frame["x"].tolist() == [1.0, 3.0, 3.0, 3.0, 5.0]
    assert "x: 2 infinite values treated as missing." in table.notes


# --------------------------------------------------------------------------
# Missing values
# --------------------------------------------------------------------------


def test_missing_values_follow_the_documented_rules():
    """Numbers get the median, categories 'missing'; fully blank customers go."""
    frame = pd.DataFrame(
        {
            "age": ["30", " ", "50", None, "n/a", "60"],
            "job": ["a", "b", "b", None, "#N/A", "NULL"],
        }
    )
    table = prepare_customers(frame)
    assert table.frame.index.tolist() == [0, 1, 2, 5]
    assert table.frame["age"].tolist() == [30.0, 50.0, 50.0, 60.0]
    assert table.frame["job"].tolist() == ["a", "b", "b", MISSING_CATEGORY]
    assert table.n_input_rows == 6 and table.n_customers == 4
    assert table.notes == (
        "2 customers with every chosen column blank were dropped.",
        "age: 1 missing values replaced by the median (50).",
        "job: 1 missing values kept as the category 'missing'.",
    )


@pytest.mark.parametrize(
    "marker", ["", "  ", "NA", "na", "N/A", "#N/A", "NaN", "null", "NULL"]
)
def test_missing_markers(marker):
    """Blank cells and the NA markers of any case are missing."""
    table = prepare_customers(
        pd.DataFrame({"job": ["a", marker, "b", "a"], "x": [1, 2, 3, 5]})
    )
    assert table.frame["job"].tolist() == ["a", MISSING_CATEGORY, "b", "a"]


def test_words_that_are_not_markers_are_categories():
    """'None', 'unknown' and '-' are ordinary categories."""
    table = prepare_customers(pd.DataFrame({"loan": ["None", "unknown", "-", "car"]}))
    assert table.frame["loan"].tolist() == ["None", "unknown", "-", "car"]


# --------------------------------------------------------------------------
# Columns, overrides and errors
# --------------------------------------------------------------------------


@pytest.fixture
def raw() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "age": ["30", "41", "52", "63"],
            "job": ["a", "b", "a", "b"],
            "rooms": [1, 2, 3, 2],
        }
    )


def test_columns_choose_and_order_features(raw):
    """Only the chosen columns are considered, once each, in the input order."""
    table = prepare_customers(raw, columns=["rooms", " age ", "rooms"])
    assert table.columns == ("age", "rooms")
    assert table.excluded == {}


def test_unknown_column_is_refused_with_a_suggestion(raw):
    """An unknown column is refused, naming the closest one and the available ones."""
    with pytest.raises(
        ValueError,
        match=r"Unknown column\(s\): 'agee' \(did you mean 'age'\?\)\. Available "
        r"columns: age, job, rooms\.",
    ):
        prepare_customers(raw, columns=["agee"])


def test_bad_columns_argument(raw):
    """columns must be a non-empty list of names, not a string."""
    with pytest.raises(TypeError, match=r"not the string 'age'; write \['age'\]"):
        prepare_customers(raw, columns="age")
    with pytest.raises(
        TypeError, match=r"columns must be a list of column names, got a int"
    ):
        prepare_customers(raw, columns=3)
    with pytest.raises(
        ValueError, match=r"No column chosen; choose at least one column"
    ):
        prepare_customers(raw, columns=[" "])


def test_type_overrides(raw):
    """Overrides make a column numeric, categorical or excluded."""
    table = prepare_customers(raw, types={"rooms": "categorical", "job": "exclude"})
    assert table.categorical == ("rooms",)
    assert table.frame["rooms"].tolist() == ["1", "2", "3", "2"]
    assert table.excluded == {"job": "excluded by choice"}


def test_numeric_override_on_text_is_refused(raw):
    """A numeric type on a column holding words is refused, naming a value."""
    with pytest.raises(
        ValueError,
        match=r"Column 'job' cannot be numeric: the value 'a' is not a number",
    ):
        prepare_customers(raw, types={"job": "numeric"})


def test_override_on_empty_column_is_refused():
    """An empty column cannot be given a type."""
    frame = pd.DataFrame({"x": [1, 2], "fax": [None, " "]})
    with pytest.raises(
        ValueError, match=r"Column 'fax' is empty .* cannot be categorical"
    ):
        prepare_customers(frame, types={"fax": "categorical"})


def test_bad_types_argument(raw):
    """Unknown type names, unknown or unchosen columns and non-mappings are refused."""
    with pytest.raises(
        ValueError, match=r"Type 'number' for column 'age' is not one of"
    ):
        prepare_customers(raw, types={"age": "number"})
    with pytest.raises(
        ValueError, match=r"Type given for unknown column\(s\): 'jobs' \(did"
    ):
        prepare_customers(raw, types={"jobs": "categorical"})
    with pytest.raises(
        ValueError, match=r"Type given for column\(s\) not chosen: 'job'"
    ):
        prepare_customers(raw, columns=["age"], types={"job": "categorical"})
    with pytest.raises(TypeError, match=r"types must map column names to a type"):
        prepare_customers(raw, types=["age"])


def test_not_a_dataframe_or_empty_table():
    """Only a DataFrame with rows and columns can be prepared."""
    with pytest.raises(TypeError, match=r"Expected a pandas DataFrame, got list"):
        prepare_customers([[1, 2]])
    with pytest.raises(ValueError, match=r"The table has 0 customers and 1 columns"):
        prepare_customers(pd.DataFrame({"x": []}))


def test_duplicate_names_in_a_dataframe_are_made_unique():
    """Columns with the same name in a DataFrame are renamed and both used."""
    frame = pd.DataFrame([[1, 2], [3, 5], [4, 9]], columns=["x", "x"])
    assert prepare_customers(frame).numeric == ("x", "x.1")


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (
            pd.DataFrame({"age": [30], "job": ["a"]}),
            r"The table has only 1 customer; segmenting needs at least 2",
        ),
        (
            pd.DataFrame({"age": [30, 30], "job": ["a", "a"], "fax": [None, None]}),
            r"Every customer is identical: each column holds a single value "
            r"\(age, job, fax\)",
        ),
        (
            pd.DataFrame({"age": [None, " "], "job": ["NA", ""]}),
            r"Every value is missing in every column \(age, job\); there is nothing",
        ),
        (
            pd.DataFrame({"id": range(30), "country": ["FR"] * 30}),
            r"No usable column: every column was excluded: id \(identifier\); country "
            r"\(constant\)\. Add columns that describe the customers",
        ),
    ],
    ids=["one-customer", "identical", "all-missing", "id-and-constant"],
)
def test_no_usable_column_messages(frame, message):
    """When every column is excluded, the message says why and what to do."""
    with pytest.raises(ValueError, match=message):
        prepare_customers(frame)


# --------------------------------------------------------------------------
# Kinds, notes and the table
# --------------------------------------------------------------------------


def test_only_numeric_and_only_categorical_tables():
    """A table of numbers only, or categories only, has the right kinds."""
    numeric = prepare_customers(pd.DataFrame({"a": [1.5, 2.5, 9.0], "b": [3, 1, 7]}))
    assert _kinds(numeric) == (("a", "b"), (), set())
    assert all(numeric.frame.dtypes == np.float64)
    categorical = prepare_customers(
        pd.DataFrame({"a": list("xyzx"), "b": list("ppqq")})
    )
    assert _kinds(categorical) == ((), ("a", "b"), set())
    assert all(pd.api.types.is_string_dtype(t) for t in categorical.frame.dtypes)


def test_read_notes_reach_the_table():
    """The reading notes (encoding, separator, renames) open the table's notes."""
    table = load_customers(b"a,a\n1,x\n2,y\n3,x\n")
    assert table.notes[0] == (
        "Read the uploaded file as UTF-8 text: 3 rows, 2 columns separated by comma."
    )
    assert table.notes[1] == "Repeated column names renamed: 'a' to 'a.1'."


def test_table_properties():
    """columns and n_customers describe the kept features and customers."""
    table = prepare_customers(
        pd.DataFrame({"x": [1.0, None, 3.0], "j": ["a", None, "b"]})
    )
    assert table.columns == ("x", "j") and table.n_customers == 2


def test_load_customers_passes_columns_and_types():
    """load_customers reads, then prepares with the given columns and types."""
    table = load_customers(
        b"age;job;x\n30;a;1\n41;b;2\n52;a;3\n",
        columns=["age", "x"],
        types={"x": "categorical"},
        sep=";",
    )
    assert _kinds(table) == (("age",), ("x",), set())


# --------------------------------------------------------------------------
# Sampling
# --------------------------------------------------------------------------


def test_sample_customers_keeps_order_rows_and_says_so():
    """A sample keeps input row numbers, in order, and adds a note."""
    frame = pd.DataFrame({"x": np.arange(1000) % 7, "j": ["a", "b"] * 500})
    table = prepare_customers(frame)
    sample = sample_customers(table, 100, random_state=3)
    assert sample.n_customers == 100
    assert sample.frame.index.is_monotonic_increasing
    assert sample.frame.equals(table.frame.loc[sample.frame.index])
    assert sample.notes[-1] == (
        "A random sample of 100 of the 1,000 customers is used (random_state=3)."
    )
    assert sample.frame.index.equals(sample_customers(table, 100, 3).frame.index)
    assert sample_customers(table, 1000) is table


def test_sample_customers_arguments():
    """max_rows must be a whole number of at least 2; table must be a CustomerTable."""
    table = prepare_customers(pd.DataFrame({"x": [1, 2, 4]}))
    with pytest.raises(ValueError, match=r"max_rows=1 is too small"):
        sample_customers(table, 1)
    with pytest.raises(TypeError, match=r"max_rows must be a whole number, got 2.5"):
        sample_customers(table, 2.5)
    with pytest.raises(TypeError, match=r"Expected a CustomerTable, got DataFrame"):
        sample_customers(table.frame, 2)
