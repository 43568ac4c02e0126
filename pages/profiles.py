"""Profiles: one card per segment, editable segment names, and the CSV exports.

Each card gives the segment's size and share, what sets it apart (the
categories most over-represented, the numeric means against all customers)
and its most common values. Names typed here are used in every chart and
export of the dashboard.
"""

from __future__ import annotations

import streamlit as st

from pages import _cache, _charts, _state, _tables
from segmentation import METHOD_NAMES

_state.require_app()
st.header("Profiles")
runs = _state.require_runs()
table = _state.table()
if _state.get(_state.SOURCE) == "demo":
    st.info(
        "You are looking at synthetic demo customers, already segmented with "
        "K-Means. Load your own customers on the Data page and choose methods on "
        "the Method page; everything here follows.",
        icon=":material/waving_hand:",
    )

method = _state.choose_method()
run = runs[method]
labels = run.segmentation.labels
st.caption(_tables.run_caption(method, run, _state.run_options_of(method)))

# --------------------------------------------------------------------------
# Segment names
# --------------------------------------------------------------------------

clusters = [int(c) for c in sorted(set(labels.tolist())) if c >= 0]
with st.expander("Name the segments", expanded=False):
    st.caption(
        "Names carry into every chart and export. Leave a box blank for the "
        "default name."
    )
    grid = st.columns(min(len(clusters), 4))
    for position, cluster in enumerate(clusters):
        grid[position % len(grid)].text_input(
            f"Segment {cluster + 1}",
            placeholder=f"Segment {cluster + 1}",
            max_chars=60,
            key=_state.name_widget_key(method, cluster),
            on_change=_state.rename,
            args=(method, cluster),
        )

try:
    profiles = _cache.profiles(
        table, labels, _state.run_key(method), _state.names_key(method)
    )
except (ValueError, TypeError) as exc:
    st.error(str(exc))
    st.stop()
if profiles["segment"].duplicated().any():
    st.warning("Two segments have the same name; give each a different one.")

# --------------------------------------------------------------------------
# Cards
# --------------------------------------------------------------------------

st.plotly_chart(_charts.sizes_figure(profiles), key="profiles.sizes")
cards = st.columns(3)
for position, (_, row) in enumerate(profiles.iterrows()):
    with cards[position % 3].container(border=True):
        st.markdown(f"#### {row['segment']}")
        size, share = st.columns(2)
        size.metric("Customers", f"{row['size']:,}")
        share.metric("Share", f"{row['share']:.1%}")
        st.markdown("**What sets it apart**")
        for line in _tables.highlights(row, table.numeric, table.categorical):
            st.markdown(f"- {line}")
        if table.categorical:
            st.caption(
                "Most common: "
                + "; ".join(
                    f"{c} {row[f'{c}_top']} ({row[f'{c}_top_share']:.0%})"
                    for c in table.categorical
                )
            )

# --------------------------------------------------------------------------
# Table and exports
# --------------------------------------------------------------------------

st.subheader("All figures")
st.dataframe(
    profiles,
    hide_index=True,
    column_config=_tables.profile_columns(profiles),
    key="profiles.table",
)

names_by_method = {m: _state.names(m) for m in runs}
export_key = _cache.fingerprint(
    [_state.run_key(m) for m in runs], sorted((m, _state.names_key(m)) for m in runs)
)
labels_by_method = {m: r.segmentation.labels for m, r in runs.items()}
numbers = _cache.assignment_table(table, labels_by_method, export_key)
assigned = _tables.named_assignments(numbers, labels_by_method, names_by_method)

left, right = st.columns(2)
left.download_button(
    f"Download the {METHOD_NAMES[method]} profiles (CSV)",
    data=_cache.csv_bytes(profiles, f"profiles:{_state.run_key(method)}:{export_key}"),
    file_name=f"profiles_{method}.csv",
    mime="text/csv",
    on_click="ignore",
    icon=":material/download:",
    key="profiles.download_profiles",
)
right.download_button(
    "Download every customer's segments (CSV)",
    data=_cache.csv_bytes(assigned, f"assignments:{export_key}"),
    file_name="assignments.csv",
    mime="text/csv",
    on_click="ignore",
    icon=":material/download:",
    key="profiles.download_assignments",
)
st.caption(
    f"The customer file has one row per input row ({table.n_input_rows:,}): its row "
    "number (from 0, header excluded) and, for each method, its segment number and "
    "name, 'outlier' when left out, 'dropped' when every chosen column was blank. "
    "Cells starting with =, +, - or @ are escaped for spreadsheets."
)
