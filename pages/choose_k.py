"""Choose k: the elbow curve and the silhouette for a range of k, side by side.

The method's space is clustered again for every k (same customers, same
seed); Calinski-Harabasz and Davies-Bouldin appear on hover and in the table.
A silhouette plot shows, for one k, how well each customer sits in its
cluster. The k chosen here becomes the k of every page.
"""

from __future__ import annotations

import streamlit as st

from pages import _cache, _charts, _state, _tables
from segmentation import METHOD_NAMES
from segmentation.profiles import segment_names

_state.require_app()
st.header("Choose k")
runs = _state.require_runs()
method = _state.choose_method()
run = runs[method]
options = _state.run_options_of(method)
run_key = _state.run_key(method)
current_k = run.segmentation.n_clusters
st.caption(
    f"Every k is fitted on the {int(run.space.kept.sum()):,} customers the "
    f"{METHOD_NAMES[method]} run segmented, with its seed ({options.random_state}). "
    "Look for the k where the elbow bends and the silhouette is high."
)

# --------------------------------------------------------------------------
# Scan
# --------------------------------------------------------------------------

with st.form("choose_k.form", border=False):
    range_key = _state.bind(_state.SCAN_RANGE)
    low, high = st.slider(
        "Range of k",
        min_value=2,
        max_value=20,
        key=range_key,
        help="Each k is a full fit: wide ranges on large tables take a while.",
    )
    if st.form_submit_button("Scan this range"):
        st.session_state[_state.SCAN_RANGE] = (low, high)

ks = tuple(range(low, high + 1))
try:
    scan = _cache.k_scan(run.space, run_key, ks, options.random_state)
except (ValueError, TypeError) as exc:
    st.error(str(exc))
    st.stop()

objective = "cost" if method == "kprototypes" else "inertia"
st.plotly_chart(
    _charts.scan_figure(scan, objective, current_k), key="choose_k.scan_chart"
)
best = scan.loc[scan["silhouette"].idxmax()]
st.caption(
    f"Highest silhouette at k = {int(best['k'])} ({best['silhouette']:.3f}); the "
    f"dotted line marks the current k = {current_k}. A silhouette above about 0.5 "
    "means well separated segments, below about 0.25 weakly separated ones."
)
if sampling := _tables.scan_sampling(int(run.space.kept.sum())):
    st.caption(sampling)
st.dataframe(
    scan, hide_index=True, column_config=_tables.scan_columns(), key="choose_k.table"
)

# --------------------------------------------------------------------------
# Silhouette of one k
# --------------------------------------------------------------------------

st.subheader("Silhouette of each customer")
choices = sorted(set(ks) | {current_k})
if st.session_state.get(_state.SILHOUETTE_K) not in choices:
    st.session_state[_state.SILHOUETTE_K] = current_k
k = st.selectbox(
    "k",
    choices,
    key=_state.SILHOUETTE_K,
    help="The current k of the run, or any k of the scan.",
)

try:
    if k == current_k:
        labels = run.segmentation.labels
        names = _state.names(method)
    else:
        labels = _cache.labels_for_k(run.space, run_key, k, options.random_state)
        names = {}
    values = _cache.silhouettes(run.space, labels, f"{run_key}:{k}")
except (ValueError, TypeError) as exc:
    st.error(str(exc))
    st.stop()

from_scan = scan.loc[scan["k"] == k, "silhouette"]
mean = float(from_scan.iloc[0]) if len(from_scan) else run.scores.silhouette
rows = _cache.sample_rows(len(values))
named = segment_names(labels, names)
st.plotly_chart(
    _charts.silhouette_figure(values.iloc[rows], named, mean),
    key="choose_k.silhouette_chart",
)
sampled = (
    f"a random sample of {len(rows):,} of the {len(values):,} customers is drawn; "
    if len(rows) < len(values)
    else ""
)
st.caption(
    f"Each band is a segment, its customers sorted by silhouette; {sampled}the "
    "dashed line is the mean. Customers below 0 sit closer to another segment."
)

if k == current_k:
    st.success(f"k = {k} is the current k of {METHOD_NAMES[method]}.")
elif st.button(
    f"Use k = {k}: segment again with every method run so far",
    type="primary",
    key="choose_k.use",
):
    failed = False
    for other in runs:
        try:
            _state.segment(other, _state.run_options_of(other)._replace(k=k))
        except (ValueError, TypeError) as exc:
            st.error(f"{METHOD_NAMES[other]}: {exc}")
            failed = True
    _state.put(_state.K, k)
    if not failed:
        st.rerun()
