"""Compare: the methods side by side.

Their metrics in one table (in each method's own space and in one shared
space), their segments drawn on the same axes, and how far they agree
(adjusted Rand index and a cross-tab of segments).
"""

from __future__ import annotations

from itertools import combinations

import pandas as pd
import streamlit as st

from pages import _cache, _charts, _state, _tables
from segmentation import METHOD_NAMES
from segmentation.profiles import segment_names

_state.require_app()
st.header("Compare")
runs = _state.require_runs()
table = _state.table()
table_key = _state.get(_state.TABLE_KEY)

# --------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------

st.dataframe(
    _tables.metrics_table(runs),
    hide_index=True,
    column_config=_tables.metric_columns(),
    key="compare.metrics",
)
st.caption(
    "**Own space**: each method measured where it clusters (K-Means' encoded "
    "columns, K-Prototypes' numbers and categories, the embedding vectors), so the "
    "values are not comparable between methods. **Shared space**: every method "
    "measured on the same encoding (numbers power-transformed, categories one-hot), "
    "comparable across methods. Silhouette: higher is better; Calinski-Harabasz: "
    "higher is better; Davies-Bouldin: lower is better."
)
if len(runs) < 2:
    st.info(
        "Only one method has been run. Run another on the Method page to compare "
        "their segments and agreement here."
    )

# --------------------------------------------------------------------------
# Side by side
# --------------------------------------------------------------------------

st.subheader("Segments side by side")
space = st.radio(
    "Axes",
    ["shared", "own"],
    format_func={
        "shared": "PCA of the shared space (the same axes for every method)",
        "own": "PCA of each method's own space",
    }.get,
    horizontal=True,
    key=_state.bind(_state.COMPARE_SPACE),
    on_change=_state.keep,
    args=(_state.COMPARE_SPACE,),
)
opacity = _state.get(_state.OPACITY)
charts = st.columns(len(runs))
try:
    if space == "shared":
        shared = _cache.shared_projection(table, table_key)
        shared_rows = _cache.sample_rows(len(table.frame))
    for column, (method, run) in zip(charts, runs.items(), strict=True):
        labels = run.segmentation.labels
        names = _state.names(method)
        if space == "shared":
            projection, rows, segments = shared, shared_rows, labels[shared_rows]
        else:
            kept = run.space.kept
            projection = _cache.method_projection(
                run.space, table.frame.index[kept], _state.run_key(method), "pca", 2
            )
            rows = _cache.sample_rows(int(kept.sum()))
            segments = labels[kept][rows]
        coordinates = projection.coordinates.iloc[rows]
        column.plotly_chart(
            _charts.projection_figure(
                coordinates,
                _tables.segment_labels(segments, names),
                table.frame.loc[coordinates.index],
                projection.axis_titles(),
                _tables.segment_order(labels, names),
                opacity,
                title=METHOD_NAMES[method],
                height=480,
                compact=True,
            ),
            key=f"compare.chart.{method}",
        )
except (ValueError, TypeError) as exc:
    st.error(str(exc))
st.caption(
    f"At most {_cache.MAX_POINTS:,} customers are drawn per chart (the same random "
    "sample for every method on shared axes); outliers are grey."
)

# --------------------------------------------------------------------------
# Agreement
# --------------------------------------------------------------------------

if len(runs) < 2:
    st.stop()
st.subheader("Agreement")
pairs = list(combinations(runs, 2))
agreements = {}
try:
    for first, second in pairs:
        agreements[(first, second)] = _cache.agreement(
            runs[first].segmentation.labels,
            runs[second].segmentation.labels,
            f"{_state.run_key(first)}:{_state.run_key(second)}",
            (METHOD_NAMES[first], METHOD_NAMES[second]),
        )
except (ValueError, TypeError) as exc:
    st.error(str(exc))
    st.stop()

st.dataframe(
    pd.DataFrame(
        [
            {
                "first": METHOD_NAMES[first],
                "second": METHOD_NAMES[second],
                "adjusted_rand": agreement.adjusted_rand,
                "customers": agreement.n_customers,
            }
            for (first, second), agreement in agreements.items()
        ]
    ),
    hide_index=True,
    column_config={
        "first": "Method",
        "second": "compared with",
        "adjusted_rand": st.column_config.NumberColumn(
            "Adjusted Rand index",
            format="%.3f",
            help="1: the same segments (whatever their numbers); about 0: no more "
            "agreement than chance.",
        ),
        "customers": st.column_config.NumberColumn(
            "Customers compared",
            format="localized",
            help="Customers segmented by both methods (outliers of either left out).",
        ),
    },
    key="compare.agreement",
)

pair_labels = {
    f"{first}|{second}": f"{METHOD_NAMES[first]} vs {METHOD_NAMES[second]}"
    for first, second in pairs
}
if st.session_state.get(_state.PAIR) not in pair_labels:
    _state.put(_state.PAIR, next(iter(pair_labels)))
pair = st.selectbox(
    "Cross-tab of",
    list(pair_labels),
    format_func=pair_labels.get,
    key=_state.bind(_state.PAIR),
    on_change=_state.keep,
    args=(_state.PAIR,),
)
first, second = pair.split("|")
agreement = agreements[(first, second)]
first_names = segment_names(runs[first].segmentation.labels, _state.names(first))
second_names = segment_names(runs[second].segmentation.labels, _state.names(second))
crosstab = _tables.named_crosstab(agreement.crosstab, first_names, second_names)
st.plotly_chart(
    _charts.crosstab_figure(crosstab, METHOD_NAMES[second], METHOD_NAMES[first]),
    key="compare.crosstab",
)
st.caption(
    "Customers in each pair of segments. A method that finds the same segments as "
    "the other puts nearly all of each row in one column."
)
