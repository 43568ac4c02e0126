"""Explore: the customers on two or three axes, coloured by segment.

PCA and t-SNE project the method's own space (the customers it segmented);
MCA and FAMD project the customer table itself (outliers included, in grey).
Hovering a point shows the customer's original values. Large tables are
drawn from a random sample, stated under the chart.
"""

from __future__ import annotations

import streamlit as st

from pages import _cache, _charts, _state, _tables
from segmentation import METHOD_NAMES

_state.require_app()
st.header("Explore")
runs = _state.require_runs()
table = _state.table()
method = _state.choose_method()
run = runs[method]
run_key = _state.run_key(method)
names = _state.names(method)

# --------------------------------------------------------------------------
# Controls
# --------------------------------------------------------------------------

left, middle, right = st.columns([3, 1, 2])
projection = left.radio(
    "Projection",
    list(_state.PROJECTIONS),
    format_func=_state.PROJECTIONS.get,
    horizontal=True,
    key=_state.bind(_state.PROJECTION),
    on_change=_state.keep,
    args=(_state.PROJECTION,),
)
dimensions = middle.radio(
    "Axes",
    [2, 3],
    format_func={2: "2D", 3: "3D"}.get,
    horizontal=True,
    key=_state.bind(_state.DIMENSIONS),
    on_change=_state.keep,
    args=(_state.DIMENSIONS,),
)
opacity = right.slider(
    "Opacity",
    min_value=0.1,
    max_value=1.0,
    step=0.05,
    key=_state.bind(_state.OPACITY),
    on_change=_state.keep,
    args=(_state.OPACITY,),
)

# --------------------------------------------------------------------------
# Projection
# --------------------------------------------------------------------------

labels = run.segmentation.labels
kept = run.space.kept
try:
    if projection in ("pca", "tsne"):
        index = table.frame.index[kept]
        result = _cache.method_projection(
            run.space, index, run_key, projection, dimensions
        )
        rows = _cache.sample_rows(len(index))
        # t-SNE was computed on that same sample; PCA on every customer.
        coordinates = (
            result.coordinates
            if projection == "tsne"
            else result.coordinates.iloc[rows]
        )
        segments = labels[kept][rows]
    else:
        result = _cache.table_projection(
            table.frame, _state.get(_state.TABLE_KEY), projection, dimensions
        )
        rows = _cache.sample_rows(len(table.frame))
        coordinates = result.coordinates.iloc[rows]
        segments = labels[rows]
except (ValueError, TypeError) as exc:
    st.error(str(exc))
    st.stop()

order = _tables.segment_order(labels, names)
st.plotly_chart(
    _charts.projection_figure(
        coordinates,
        _tables.segment_labels(segments, names),
        table.frame.loc[coordinates.index],
        result.axis_titles(),
        order,
        opacity,
        title=f"{METHOD_NAMES[method]} segments, {_state.PROJECTIONS[projection]}",
    ),
    key="explore.chart",
)

# What the chart shows
n_total = len(index) if projection in ("pca", "tsne") else len(table.frame)
if len(rows) < n_total:
    drawn = (
        f"A random sample of **{len(rows):,} of {n_total:,}** customers is drawn "
        f"(at most {_cache.MAX_POINTS:,} points are plotted)"
    )
    drawn += "; t-SNE was computed on that sample." if projection == "tsne" else "."
else:
    drawn = f"All {n_total:,} customers are drawn."
notes = [drawn]
if projection in ("pca", "tsne") and run.space.n_outliers:
    notes.append(
        f"The {run.space.n_outliers:,} outliers are not in the method's space and "
        "are not shown; MCA and FAMD show them in grey."
    )
if projection == "pca":
    notes.append(
        "PCA of the standardized space; each axis title gives the share of the "
        "variance it explains."
    )
elif projection == "tsne":
    notes.append(
        "t-SNE keeps neighbours together but not distances: the size of a group and "
        "the gaps between groups mean little."
    )
else:
    notes.append("Each axis title gives the share of the table's inertia it explains.")
st.caption(" ".join(notes))
