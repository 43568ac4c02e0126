"""Plotly figures of the dashboard; each takes results and returns a figure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ._tables import OUTLIER

PALETTE = px.colors.qualitative.Safe + px.colors.qualitative.Vivid
OUTLIER_COLOR = "#b8bec8"
_MARGIN = dict(l=10, r=10, t=40, b=10)


def segment_colors(order: Sequence[str]) -> dict[str, str]:
    """A stable colour per segment name (grey for outliers)."""
    colors = {}
    for position, name in enumerate(order):
        colors[name] = (
            OUTLIER_COLOR if name == OUTLIER else PALETTE[position % len(PALETTE)]
        )
    return colors


def scan_figure(scan: pd.DataFrame, objective: str, chosen: int | None) -> go.Figure:
    """Elbow curve and silhouette per k side by side, the other metrics on hover."""
    figure = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=(
            f"Elbow: {objective} per k",
            "Silhouette per k (higher is better)",
        ),
        horizontal_spacing=0.1,
    )
    hover = (
        "k = %{x}<br>%{y:,.4~f}<br>Calinski-Harabasz %{customdata[0]:,.1f}"
        "<br>Davies-Bouldin %{customdata[1]:.3f}<extra></extra>"
    )
    extra = scan[["calinski_harabasz", "davies_bouldin"]].to_numpy()
    for col, column in ((1, "inertia_or_cost"), (2, "silhouette")):
        figure.add_trace(
            go.Scatter(
                x=scan["k"],
                y=scan[column],
                mode="lines+markers",
                customdata=extra,
                hovertemplate=hover,
                name=objective if col == 1 else "silhouette",
                line=dict(color=PALETTE[col - 1]),
                showlegend=False,
            ),
            row=1,
            col=col,
        )
        if chosen is not None:
            figure.add_vline(
                x=chosen, line_dash="dot", line_color="#6b7280", row=1, col=col
            )
    figure.update_xaxes(title_text="k (number of segments)", dtick=1)
    figure.update_yaxes(title_text=objective, row=1, col=1)
    figure.update_yaxes(title_text="mean silhouette", row=1, col=2)
    figure.update_layout(height=380, margin=_MARGIN)
    return figure


def silhouette_figure(
    values: pd.DataFrame, names: Mapping[int, str], mean: float
) -> go.Figure:
    """Silhouette plot: each cluster's customers sorted by silhouette, as bands."""
    figure = go.Figure()
    colors = segment_colors(list(names.values()))
    start = 0
    ticks, labels = [], []
    for cluster, part in values.groupby("cluster", sort=True):
        name = names.get(int(cluster), f"Segment {int(cluster) + 1}")
        sorted_values = np.sort(part["silhouette"].to_numpy())[::-1]
        positions = np.arange(start, start + len(sorted_values))
        figure.add_trace(
            go.Scatter(
                x=sorted_values,
                y=positions,
                fill="tozerox",
                mode="lines",
                line=dict(width=0.5, color=colors.get(name)),
                name=name,
                hovertemplate=f"{name}<br>silhouette %{{x:.3f}}<extra></extra>",
            )
        )
        ticks.append(start + len(sorted_values) / 2)
        labels.append(name)
        start += len(sorted_values) + max(10, len(values) // 100)
    figure.add_vline(
        x=mean,
        line_dash="dash",
        line_color="#dc2626",
        annotation_text=f"mean {mean:.3f}",
        annotation_position="top",
    )
    lowest = min(-0.1, float(values["silhouette"].min()) - 0.05)
    figure.update_yaxes(
        tickvals=ticks, ticktext=labels, showgrid=False, autorange="reversed"
    )
    figure.update_xaxes(title_text="silhouette", range=[lowest, 1], zeroline=True)
    figure.update_layout(height=420, margin=_MARGIN, showlegend=False)
    return figure


def projection_figure(
    coordinates: pd.DataFrame,
    segments: Sequence[str],
    hover: pd.DataFrame,
    axis_titles: Sequence[str],
    order: Sequence[str],
    opacity: float,
    title: str = "",
    height: int = 560,
    compact: bool = False,
) -> go.Figure:
    """Scatter of customers coloured by segment, their original values on hover.

    ``coordinates`` has columns x, y (and z) and the same rows, in the same
    order, as ``segments`` and ``hover`` (the customers' own columns).
    ``compact`` puts the legend under the chart, for charts side by side.
    """
    axes = list(coordinates.columns)
    data = hover.reset_index(names="__row")
    data.columns = [str(c) for c in data.columns]
    for axis in axes:
        data[f"__{axis}"] = coordinates[axis].to_numpy()
    data["__segment"] = list(segments)
    hidden = {f"__{axis}": False for axis in axes}
    shown = {c: True for c in data.columns if not c.startswith("__")}
    common = dict(
        color="__segment",
        category_orders={"__segment": list(order)},
        color_discrete_map=segment_colors(order),
        hover_data={"__row": True, **shown, **hidden},
        labels={"__segment": "Segment", "__row": "row"},
        opacity=opacity,
        title=title,
    )
    if len(axes) == 3:
        figure = px.scatter_3d(data, x="__x", y="__y", z="__z", **common)
        figure.update_traces(marker=dict(size=3))
        figure.update_layout(
            scene=dict(
                xaxis_title=axis_titles[0],
                yaxis_title=axis_titles[1],
                zaxis_title=axis_titles[2],
            )
        )
    else:
        figure = px.scatter(data, x="__x", y="__y", **common)
        figure.update_traces(marker=dict(size=6))
        figure.update_xaxes(title_text=axis_titles[0])
        figure.update_yaxes(title_text=axis_titles[1])
    # Outliers underneath the segments, but last in the legend
    figure.data = tuple(sorted(figure.data, key=lambda trace: trace.name != OUTLIER))
    figure.update_traces(selector=dict(name=OUTLIER), legendrank=2000)
    figure.update_layout(height=height, margin=_MARGIN, legend_title_text="Segment")
    if compact:
        figure.update_layout(
            legend=dict(orientation="h", yanchor="top", y=-0.18, x=0),
            legend_title_text="",
        )
    return figure


def importance_figure(importance: pd.DataFrame) -> go.Figure:
    """Mean absolute SHAP value per feature, largest on top."""
    data = importance.reset_index().iloc[::-1]
    figure = px.bar(
        data,
        x="mean_abs_shap",
        y="feature",
        orientation="h",
        labels={"mean_abs_shap": "mean |SHAP value| (log-odds)", "feature": ""},
        color_discrete_sequence=[PALETTE[0]],
    )
    figure.update_layout(height=max(260, 34 * len(data) + 80), margin=_MARGIN)
    return figure


def segment_heatmap(by_segment: pd.DataFrame, names: Mapping[int, str]) -> go.Figure:
    """Mean absolute SHAP value of each feature (columns) in each segment (rows).

    Colour is each value's share of its row, so that every segment shows which
    columns tell it apart even when one segment's values dwarf the others';
    the cells print the values themselves.
    """
    rows = [names.get(int(c), f"Segment {int(c) + 1}") for c in by_segment.index]
    values = by_segment.to_numpy(dtype=float)
    totals = values.sum(axis=1, keepdims=True)
    shares = np.divide(values, totals, out=np.zeros_like(values), where=totals > 0)
    figure = go.Figure(
        go.Heatmap(
            z=shares,
            x=[str(c) for c in by_segment.columns],
            y=rows,
            zmin=0.0,
            colorscale="Blues",
            colorbar=dict(title="share of<br>the row", tickformat=".0%"),
            text=values,
            texttemplate="%{text:.2f}",
            hovertemplate="%{y}<br>%{x}: mean |SHAP| %{text:.3f} "
            "(%{z:.0%} of the row)<extra></extra>",
        )
    )
    figure.update_yaxes(autorange="reversed")
    figure.update_layout(height=max(260, 44 * len(rows) + 100), margin=_MARGIN)
    return figure


def sizes_figure(profiles: pd.DataFrame) -> go.Figure:
    """Customers per segment."""
    order = list(profiles["segment"])
    figure = px.bar(
        profiles,
        x="segment",
        y="size",
        color="segment",
        color_discrete_map=segment_colors(order),
        category_orders={"segment": order},
        text=[f"{share:.0%}" for share in profiles["share"]],
        labels={"segment": "", "size": "customers"},
        custom_data=["share"],
    )
    figure.update_traces(
        hovertemplate="%{x}<br>%{y:,} customers (%{customdata[0]:.1%})<extra></extra>"
    )
    figure.update_layout(height=300, margin=_MARGIN, showlegend=False)
    return figure


def crosstab_figure(crosstab: pd.DataFrame, title_x: str, title_y: str) -> go.Figure:
    """Customers in each pair of segments of two methods."""
    figure = go.Figure(
        go.Heatmap(
            z=crosstab.to_numpy(),
            x=[str(c) for c in crosstab.columns],
            y=[str(i) for i in crosstab.index],
            colorscale="Blues",
            text=crosstab.to_numpy(),
            texttemplate="%{text:,}",
            hovertemplate=f"{title_y}: %{{y}}<br>{title_x}: %{{x}}<br>"
            "%{z:,} customers<extra></extra>",
            showscale=False,
        )
    )
    figure.update_xaxes(title_text=title_x, side="top")
    figure.update_yaxes(title_text=title_y, autorange="reversed")
    figure.update_layout(height=max(300, 44 * len(crosstab) + 120), margin=_MARGIN)
    return figure
