"""Data: the customers to segment, which columns to use and how each is read.

Shows the source (demo, an uploaded CSV or the UCI Bank Marketing table), a
preview, the column choice with type overrides, and what the preparation did:
rows kept, missing values, excluded columns with the reason, notes.
"""

from __future__ import annotations

import streamlit as st

from pages import _cache, _state, _tables

_state.require_app()
st.header("Data")
st.caption(
    "Choose the customers to segment: the synthetic demo, your own CSV file or "
    "the UCI Bank Marketing table. One row is one customer, one column one feature."
)

# --------------------------------------------------------------------------
# Source
# --------------------------------------------------------------------------

demo_tab, upload_tab, bank_tab = st.tabs(
    ["Demo customers", "Upload a CSV", "UCI Bank Marketing"]
)

with demo_tab:
    st.markdown(
        "Synthetic bank customers drawn from five planted segments, with the eight "
        "customer columns of the UCI Bank Marketing table. No real customer is used."
    )
    st.number_input(
        "Customers",
        min_value=100,
        max_value=200_000,
        step=500,
        key=_state.bind(_state.DEMO_ROWS),
        on_change=_state.keep,
        args=(_state.DEMO_ROWS,),
    )
    if st.button("Load the demo customers", key="data.load_demo"):
        try:
            _state.load_demo(_state.get(_state.DEMO_ROWS))
        except (ValueError, TypeError) as exc:
            st.error(str(exc))
        else:
            st.rerun()

with upload_tab:
    limit = st.get_option("server.maxUploadSize")
    st.markdown(
        f"A CSV file of at most **{limit:,} MB**, with a header row. The separator "
        "(comma, semicolon, tab or |) and the encoding are detected."
    )
    uploaded = st.file_uploader(
        "Customer file",
        type=["csv", "txt", "tsv"],
        key=_state.UPLOADER,
        help=f"Largest accepted file: {limit:,} MB (server.maxUploadSize).",
    )
    if uploaded is not None and uploaded.file_id != _state.get(_state.UPLOAD_ID):
        try:
            _state.load_upload(uploaded.name, uploaded.getvalue())
        except (ValueError, TypeError) as exc:
            st.error(str(exc))
        else:
            st.session_state[_state.UPLOAD_ID] = uploaded.file_id
            st.rerun()

with bank_tab:
    st.markdown(
        "The UCI Bank Marketing table (bank-full.csv, 45,211 customers; Moro, Rita "
        "and Cortez 2014, CC BY 4.0). Give the path of bank-full.csv, or leave it "
        "blank to use `$SEGMENTATION_BANK_CSV`, the shared copy next to the project, "
        "or a download when this machine is online. The eight customer columns are "
        "chosen; add the campaign columns below if you want them."
    )
    st.text_input(
        "Path of bank-full.csv",
        placeholder="blank: the usual places, then the download",
        key=_state.bind(_state.BANK_PATH),
        on_change=_state.keep,
        args=(_state.BANK_PATH,),
    )
    st.checkbox(
        "Download from the UCI repository if no copy is found",
        key=_state.bind(_state.BANK_DOWNLOAD),
        on_change=_state.keep,
        args=(_state.BANK_DOWNLOAD,),
    )
    if st.button("Load the UCI table", key="data.load_bank"):
        try:
            _state.load_bank(
                str(_state.get(_state.BANK_PATH)).strip(),
                _state.get(_state.BANK_DOWNLOAD),
            )
        except (ValueError, TypeError) as exc:
            st.error(str(exc))
        else:
            st.rerun()

# --------------------------------------------------------------------------
# The loaded table
# --------------------------------------------------------------------------

raw = _state.get(_state.RAW)
if raw is None:
    st.info("No data loaded yet: load the demo customers or a CSV file above.")
    st.stop()

table = _state.table()
st.subheader(_state.get(_state.SOURCE_LABEL))
if table is None:
    st.warning(
        "These columns give no usable customer table yet. Choose other columns or "
        "override a type below, then apply."
    )
else:
    cols = st.columns(5)
    cols[0].metric("Rows in the file", f"{table.n_input_rows:,}")
    cols[1].metric("Customers kept", f"{table.n_customers:,}")
    cols[2].metric("Numeric features", len(table.numeric))
    cols[3].metric("Categorical features", len(table.categorical))
    cols[4].metric("Columns excluded", len(table.excluded))
    for note in table.notes:
        st.markdown(f"- {note}")

st.markdown(f"**Preview**: the first {min(len(raw), 100):,} of {len(raw):,} rows.")
st.dataframe(raw.head(100), height=260, key="data.preview")

# --------------------------------------------------------------------------
# Columns and types
# --------------------------------------------------------------------------

st.subheader("Columns and types")
all_columns = [str(c) for c in raw.columns]
columns_key = _state.widget_key(_state.COLUMNS)
if columns_key not in st.session_state:
    st.session_state[columns_key] = _state.get(_state.COLUMNS) or all_columns
overrides = _state.get(_state.TYPES)

with st.form("data.columns_form", border=True):
    chosen = st.multiselect(
        "Columns to consider",
        options=all_columns,
        key=columns_key,
        help="A chosen column can still be excluded (an identifier, a constant, "
        "free text, dates); the table below says why.",
    )
    st.markdown(
        "**Read each column as** (auto: decided from the values; a column is only "
        "used when it is chosen above)"
    )
    grid = st.columns(4)
    for position, column in enumerate(all_columns):
        key = _state.type_widget_key(column)
        if key not in st.session_state:
            st.session_state[key] = overrides.get(column, "auto")
        grid[position % 4].selectbox(column, _state.COLUMN_TYPE_CHOICES, key=key)
    submitted = st.form_submit_button(
        "Apply columns and types", type="primary", key="data.apply"
    )

if submitted:
    types = {
        column: st.session_state[_state.type_widget_key(column)] for column in chosen
    }
    types = {column: kind for column, kind in types.items() if kind != "auto"}
    try:
        _state.apply_columns(
            None if list(chosen) == all_columns else chosen,
            types,
        )
    except (ValueError, TypeError) as exc:
        st.error(str(exc))
    else:
        st.rerun()

# What became of each column
st.markdown("**What became of each column**")
summary = _tables.column_status(
    _cache.column_summary(raw, _state.get(_state.RAW_KEY)), table
)
st.dataframe(
    summary,
    hide_index=True,
    key="data.summary",
    column_config=_tables.column_summary_columns(),
)
if table is not None and table.excluded:
    st.markdown("**Excluded columns**")
    for column, reason in table.excluded.items():
        st.markdown(f"- `{column}`: {reason}")
