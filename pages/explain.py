"""Explain: which columns separate the segments, by SHAP values.

A surrogate classifier (LightGBM) learns to predict each customer's segment
from the customer's columns; its accuracy on held-out customers says how far
the explanation can be trusted. Importance is the mean absolute SHAP value of
each column, over all segments and for each segment.
"""

from __future__ import annotations

import streamlit as st

from pages import _cache, _charts, _state, _tables
from segmentation.profiles import segment_names

_state.require_app()
st.header("Explain")
runs = _state.require_runs()
table = _state.table()
method = _state.choose_method()
run = runs[method]
labels = run.segmentation.labels
kept = run.space.kept
st.caption(
    "A classifier learns to tell the segments apart from the customers' columns; "
    "SHAP values say how much each column moves its decision."
)

try:
    explained = _cache.explanation(
        table.frame.loc[kept], labels[kept], _state.run_key(method)
    )
except (ValueError, TypeError) as exc:
    st.error(str(exc))
    st.stop()

# How far to trust it
accuracy, sentence = st.columns([1, 3])
accuracy.metric("Held-out accuracy", f"{explained.accuracy:.1%}")
sentence.markdown(_tables.trust_sentence(explained.accuracy, explained.n_test))
n_segmented = int(kept.sum())
if n_segmented > _cache.EXPLAIN_ROWS:
    st.caption(
        f"The classifier learns from a random sample of {_cache.EXPLAIN_ROWS:,} of "
        f"the {n_segmented:,} segmented customers (a quarter of them held out), "
        "so that the page takes seconds, not minutes, on large tables."
    )

# Importance overall and per segment
names = segment_names(labels, _state.names(method))
overall, by_segment = st.columns(2)
with overall:
    st.subheader("Overall")
    st.plotly_chart(
        _charts.importance_figure(explained.importance), key="explain.importance"
    )
with by_segment:
    st.subheader("Per segment")
    st.plotly_chart(
        _charts.segment_heatmap(explained.by_segment, names), key="explain.heatmap"
    )
st.caption(
    "Values are mean absolute SHAP values in log-odds of the classifier: a column "
    "with a larger value changes the predicted segment more. Per segment, each row "
    "measures the columns on that segment's own output. Importance says which "
    "columns matter, not in which direction: see the Profiles page for that. "
    "The colours compare the columns within each segment."
)

with st.expander("The numbers"):
    st.dataframe(
        explained.importance,
        column_config={
            "mean_abs_shap": st.column_config.NumberColumn("mean |SHAP|", format="%.4f")
        },
        key="explain.importance_table",
    )
    st.dataframe(
        explained.by_segment.rename(index=names),
        column_config={
            str(c): st.column_config.NumberColumn(format="%.4f")
            for c in explained.by_segment.columns
        },
        key="explain.segment_table",
    )
