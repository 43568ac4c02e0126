"""Every session-state key of the dashboard, its default, and the state changes.

Settings that outlive a page (the data, the chosen k, the results, the
segment names) live under the keys below. A widget never owns one of them
directly: Streamlit forgets the value of a widget that is not drawn, so a
page that is not shown would lose it. Instead a widget gets its own key from
:func:`bind`, is seeded from the shared setting, and copies its value back
with :func:`keep` when the user changes it.

The functions at the bottom are the only places that change the data or the
results, so that a new table always clears the results computed on the old one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from segmentation import METHOD_NAMES, METHODS, CustomerTable, MethodRun
from segmentation.demo import BANK_COLUMNS

from . import _cache

try:
    from segmentation.embeddings import DEFAULT_MODEL
except ImportError:  # the embeddings module is optional for the other methods
    DEFAULT_MODEL = "all-MiniLM-L6-v2"

# --------------------------------------------------------------------------
# Keys
# --------------------------------------------------------------------------

# The data
SOURCE = "data.source"  # "demo", "upload" or "bank": where the raw table came from
SOURCE_LABEL = "data.source_label"  # what the sidebar says about it
RAW = "data.raw"  # DataFrame as read, before prepare_customers
RAW_KEY = "data.raw_key"  # fingerprint of RAW
UPLOAD_ID = "data.upload_id"  # file id of the last upload read, to read it once
COLUMNS = "data.columns"  # chosen columns (None: all)
TYPES = "data.types"  # {column: "numeric" | "categorical" | "exclude"}
TABLE = "data.table"  # CustomerTable of the chosen columns
TABLE_KEY = "data.table_key"  # fingerprint of TABLE
DEMO_ROWS = "data.demo_rows"
BANK_PATH = "data.bank_path"
BANK_DOWNLOAD = "data.bank_download"

# The method settings of the Method page (k is shared with Choose k)
METHODS_CHOSEN = "method.methods"
K = "method.k"
SEED = "method.seed"
REMOVE_OUTLIERS = "method.remove_outliers"
CONTAMINATION = "method.contamination"
GAMMA = "method.gamma"  # text; blank means "estimate it"
MODEL = "method.model"
TEMPLATE = "method.template"  # text; blank means the default rendering
BACKEND = "method.backend"

# The results
RUNS = "results.runs"  # {method: MethodRun}
RUN_OPTIONS = "results.options"  # {method: RunOptions}
RUN_KEYS = "results.keys"  # {method: fingerprint of table and options}
NAMES = "results.names"  # {method: {cluster: name}}
STARTED = "results.started"  # the demo run of a first visit has been attempted

# Views
FOCUS = "view.method"  # the method shown on the result pages
SCAN_RANGE = "choose_k.range"  # (lowest k, highest k) of the scan
PROJECTION = "explore.projection"
DIMENSIONS = "explore.dimensions"
OPACITY = "explore.opacity"
COMPARE_SPACE = "compare.space"
PAIR = "compare.pair"

# Widgets whose own value the pages read (the others mirror a setting, see bind)
UPLOADER = "data.upload"  # the file uploader of the Data page
SILHOUETTE_K = "choose_k.k"  # the k of the silhouette plot

# Start-up values
DEFAULT_K = 5
DEFAULT_DEMO_ROWS = 4_000
COLUMN_TYPE_CHOICES = ("auto", "numeric", "categorical", "exclude")
BACKENDS = ("auto", "torch", "onnx-int8")
PROJECTIONS = {
    "pca": "PCA of the method's space",
    "tsne": "t-SNE of the method's space",
    "mca": "MCA of the table (categorical columns)",
    "famd": "FAMD of the table (all columns)",
}


def demo_rows_default() -> int:
    """Demo size: ``$SEGMENTATION_DEMO_ROWS`` when set to a whole number, else 4,000."""
    try:
        return max(50, int(os.environ.get("SEGMENTATION_DEMO_ROWS", "")))
    except ValueError:
        return DEFAULT_DEMO_ROWS


def _defaults() -> dict[str, Any]:
    return {
        SOURCE: None,
        SOURCE_LABEL: "",
        RAW: None,
        RAW_KEY: None,
        UPLOAD_ID: None,
        COLUMNS: None,
        TYPES: {},
        TABLE: None,
        TABLE_KEY: None,
        DEMO_ROWS: demo_rows_default(),
        BANK_PATH: "",
        BANK_DOWNLOAD: True,
        METHODS_CHOSEN: ["kmeans"],
        K: DEFAULT_K,
        SEED: 0,
        REMOVE_OUTLIERS: True,
        CONTAMINATION: 0.1,
        GAMMA: "",
        MODEL: DEFAULT_MODEL,
        TEMPLATE: "",
        BACKEND: "auto",
        RUNS: {},
        RUN_OPTIONS: {},
        RUN_KEYS: {},
        NAMES: {},
        STARTED: False,
        FOCUS: "kmeans",
        SCAN_RANGE: (2, 10),
        PROJECTION: "pca",
        DIMENSIONS: 2,
        OPACITY: 0.7,
        COMPARE_SPACE: "shared",
        PAIR: None,
    }


def require_app() -> None:
    """Make sure this page runs inside ``app.py``'s navigation.

    The page scripts live in ``pages/``, a folder name that Streamlit also
    reads as a legacy multipage app: until ``st.navigation`` has been called
    once in the server process, Streamlit runs a page's script on its own,
    without ``app.py`` (the first request of a fresh server for a link such as
    ``/explore``, and every run under ``AppTest``). Such a page switches the
    legacy mode off and reruns, which goes through ``app.py`` to the same page.

    This guard is needed only while the page scripts live in a folder named
    ``pages/`` and Streamlit reads that folder before ``st.navigation`` runs.
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a Streamlit without the legacy mode
        PagesManager = None
    if PagesManager is not None and PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
    if SOURCE not in st.session_state:
        st.switch_page("app.py")


def init() -> None:
    """Give every missing key its default (run at the top of every script run)."""
    for key, value in _defaults().items():
        if key not in st.session_state:
            st.session_state[key] = value


# --------------------------------------------------------------------------
# Widgets bound to shared settings
# --------------------------------------------------------------------------


_TYPE_PREFIX = "type:"


def type_widget_key(column: str) -> str:
    """Key of the select box that overrides a column's type on the Data page."""
    return f"{_TYPE_PREFIX}{column}"


def widget_key(name: str) -> str:
    """The widget key that mirrors the shared setting ``name``."""
    return f"widget:{name}"


def bind(name: str) -> str:
    """Seed the widget of setting ``name`` from the shared value; return its key."""
    key = widget_key(name)
    if key not in st.session_state:
        st.session_state[key] = st.session_state[name]
    return key


def keep(name: str) -> None:
    """Widget callback: copy the widget's value to the shared setting."""
    st.session_state[name] = st.session_state[widget_key(name)]


def put(name: str, value: Any) -> None:
    """Set a shared setting and let its widget pick the new value up."""
    st.session_state[name] = value
    st.session_state.pop(widget_key(name), None)


def get(name: str) -> Any:
    """The shared value of ``name``."""
    return st.session_state[name]


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------


def table() -> CustomerTable | None:
    """The prepared customers, or None when the data could not be prepared."""
    return st.session_state[TABLE]


def _clear_results() -> None:
    for key in (RUNS, RUN_OPTIONS, RUN_KEYS, NAMES):
        st.session_state[key] = {}
    for key in [k for k in st.session_state if str(k).startswith("name:")]:
        del st.session_state[key]


def use_raw(
    raw: pd.DataFrame,
    raw_key: str,
    source: str,
    label: str,
    columns: Sequence[str] | None = None,
) -> None:
    """Make ``raw`` the current data with all (or the given) columns, inferred types.

    The raw table is kept even when it cannot be prepared, so that the Data
    page can show it and let the user fix the columns.

    Raises
    ------
    ValueError
        When no column of the table is usable (the message says why).
    """
    st.session_state[SOURCE] = source
    st.session_state[SOURCE_LABEL] = label
    st.session_state[RAW] = raw
    st.session_state[RAW_KEY] = raw_key
    st.session_state[TABLE] = None
    st.session_state[TABLE_KEY] = None
    put(COLUMNS, None if columns is None else list(columns))
    st.session_state[TYPES] = {}
    for key in [k for k in st.session_state if str(k).startswith(_TYPE_PREFIX)]:
        del st.session_state[key]
    _clear_results()
    apply_columns(columns, {})


def apply_columns(columns: Sequence[str] | None, types: Mapping[str, str]) -> None:
    """Prepare the current raw table with these columns and type overrides.

    On success the table replaces the previous one and the results computed
    on a different table are cleared; on failure nothing changes.

    Raises
    ------
    ValueError, TypeError
        From :func:`segmentation.prepare_customers`.
    """
    raw = st.session_state[RAW]
    raw_key = st.session_state[RAW_KEY]
    chosen = None if columns is None else tuple(columns)
    overrides = tuple(sorted((str(c), str(t)) for c, t in types.items()))
    prepared = _cache.prepared_table(raw, raw_key, chosen, overrides)
    key = _cache.fingerprint(raw_key, chosen, overrides)
    if key != st.session_state[TABLE_KEY]:
        _clear_results()
    st.session_state[TABLE] = prepared
    st.session_state[TABLE_KEY] = key
    put(COLUMNS, None if chosen is None else list(chosen))
    st.session_state[TYPES] = dict(overrides)


def load_demo(n_customers: int) -> None:
    """Use ``n_customers`` synthetic demo customers."""
    raw = _cache.demo_customers(int(n_customers))
    use_raw(
        raw,
        f"demo:{int(n_customers)}",
        "demo",
        f"Demo customers ({int(n_customers):,}, synthetic)",
    )


def load_upload(name: str, data: bytes) -> None:
    """Use an uploaded CSV file (what the Data page's uploader does).

    Raises
    ------
    ValueError
        When the file cannot be read as CSV or has no usable column.
    """
    digest = _cache.bytes_fingerprint(data)
    raw = _cache.read_upload(digest, data)
    use_raw(raw, f"upload:{digest}", "upload", f"Uploaded file {name}")


def load_bank(path: str | None, download: bool) -> None:
    """Use the UCI Bank Marketing table, with the eight customer columns chosen.

    Raises
    ------
    ValueError
        When the file is not found and cannot be downloaded.
    """
    raw = _cache.bank_customers(path or None, bool(download))
    columns = [c for c in BANK_COLUMNS if c in raw.columns] or None
    use_raw(
        raw,
        f"bank:{path or 'default'}:{raw.shape}",
        "bank",
        f"UCI Bank Marketing ({len(raw):,} customers)",
        columns=columns,
    )


# --------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------


def run_options() -> _cache.RunOptions:
    """The Method page's settings as options of a run.

    Raises
    ------
    ValueError
        When the gamma text is not a number.
    """
    text = str(st.session_state[GAMMA]).strip().replace(",", ".")
    gamma = None
    if text:
        try:
            gamma = float(text)
        except ValueError:
            raise ValueError(
                f"gamma={text!r} is not a number; write a number such as 0.5, or "
                "leave it blank to estimate it from the data."
            ) from None
    template = str(st.session_state[TEMPLATE]).strip() or None
    return _cache.RunOptions(
        k=int(st.session_state[K]),
        random_state=int(st.session_state[SEED]),
        remove_outliers=bool(st.session_state[REMOVE_OUTLIERS]),
        contamination=float(st.session_state[CONTAMINATION]),
        gamma=gamma,
        model=str(st.session_state[MODEL]).strip() or DEFAULT_MODEL,
        template=template,
        backend=str(st.session_state[BACKEND]),
    )


def segment(method: str, options: _cache.RunOptions) -> MethodRun:
    """Run (or fetch from the cache) one method on the current table and keep it.

    Raises
    ------
    ValueError, TypeError
        From the core, e.g. a k larger than the customers allow.
    """
    current = table()
    if current is None:
        raise ValueError("No customer table: load data on the Data page first.")
    table_key = st.session_state[TABLE_KEY]
    run = _cache.segmentation_run(current, table_key, method, options)
    key = _cache.fingerprint(table_key, method, options)
    if st.session_state[RUN_KEYS].get(method) != key:
        st.session_state[NAMES].pop(method, None)
        for name in [
            k for k in st.session_state if str(k).startswith(f"name:{method}:")
        ]:
            del st.session_state[name]
    st.session_state[RUNS][method] = run
    st.session_state[RUN_OPTIONS][method] = options
    st.session_state[RUN_KEYS][method] = key
    return run


def runs() -> dict[str, MethodRun]:
    """The kept results, in the order of :data:`segmentation.METHODS`."""
    kept = st.session_state[RUNS]
    return {method: kept[method] for method in METHODS if method in kept}


def run_key(method: str) -> str:
    """Fingerprint of a kept run (its table and options)."""
    return st.session_state[RUN_KEYS][method]


def run_options_of(method: str) -> _cache.RunOptions:
    """The options a kept run was made with."""
    return st.session_state[RUN_OPTIONS][method]


def focus() -> str | None:
    """The method the result pages show, falling back on the first kept run."""
    kept = runs()
    if not kept:
        return None
    shown = st.session_state.get(widget_key(FOCUS), st.session_state[FOCUS])
    if st.session_state[FOCUS] not in kept or shown not in kept:
        put(FOCUS, next(iter(kept)))
    return st.session_state[FOCUS]


def start() -> None:
    """First visit: load the demo customers and segment them with K-Means.

    Errors are left to the pages (the Data and Method pages show them); the
    start is attempted once per session.
    """
    if st.session_state[STARTED]:
        return
    st.session_state[STARTED] = True
    load_demo(st.session_state[DEMO_ROWS])
    segment("kmeans", run_options())


# --------------------------------------------------------------------------
# Segment names
# --------------------------------------------------------------------------


def names(method: str) -> dict[int, str]:
    """The user's names of a method's segments, by cluster number."""
    return dict(st.session_state[NAMES].get(method, {}))


def names_key(method: str) -> tuple[tuple[int, str], ...]:
    """The names as a hashable argument of a cached function."""
    return tuple(sorted(names(method).items()))


def name_widget_key(method: str, cluster: int) -> str:
    """Key of the text input naming one segment."""
    key = f"name:{method}:{int(cluster)}"
    if key not in st.session_state:
        st.session_state[key] = names(method).get(int(cluster), "")
    return key


def rename(method: str, cluster: int) -> None:
    """Text input callback: keep the segment's new name (blank: the default)."""
    text = str(st.session_state[f"name:{method}:{int(cluster)}"]).strip()
    current = st.session_state[NAMES].setdefault(method, {})
    if text:
        current[int(cluster)] = text
    else:
        current.pop(int(cluster), None)


def set_name(method: str, cluster: int, name: str) -> None:
    """Name a segment from code (a test, or a future import of names)."""
    st.session_state[NAMES].setdefault(method, {})[int(cluster)] = name
    st.session_state.pop(f"name:{method}:{int(cluster)}", None)


def choose_method(label: str = "Method") -> str | None:
    """Select box of the kept runs, shared by the result pages; None without runs."""
    current = focus()
    if current is None:
        return None
    labels = {
        method: f"{METHOD_NAMES[method]} (k = {run.segmentation.n_clusters})"
        for method, run in runs().items()
    }
    return st.selectbox(
        label,
        list(labels),
        format_func=labels.get,
        key=bind(FOCUS),
        on_change=keep,
        args=(FOCUS,),
    )


def require_runs() -> dict[str, MethodRun]:
    """The kept runs; without any, say what to do and stop the page."""
    kept = runs()
    if table() is None or not kept:
        st.info(
            "Nothing is segmented yet. Load customers on the Data page, then choose "
            "a method and press Run on the Method page."
        )
        st.page_link(
            "pages/method.py", label="Go to the Method page", icon=":material/tune:"
        )
        st.stop()
    return kept
