"""Customer segmentation dashboard: ``streamlit run app.py``.

Opens on the Profiles page of the built-in demo customers, already segmented
with K-Means (k = 5), then lets the user load their own customers, choose
methods and k, and explore, explain, profile and compare the segments. The
pages live in ``pages/``; this script configures logging, sets up the session
and the navigation, draws the sidebar and runs the chosen page.
"""

from __future__ import annotations

import logging

import streamlit as st

from pages import _state
from segmentation import METHOD_NAMES


def configure_logging() -> None:
    """Send the core's log records to stderr once per process."""
    logger = logging.getLogger("segmentation")
    if any(getattr(h, "name", "") == "segmentation-app" for h in logger.handlers):
        return
    handler = logging.StreamHandler()
    handler.set_name("segmentation-app")
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def sidebar() -> None:
    """What data is loaded and what has been segmented, on every page."""
    with st.sidebar:
        st.caption("Data")
        table = _state.table()
        label = _state.get(_state.SOURCE_LABEL) or "none"
        if table is None:
            st.markdown(f"{label} — **not ready**, see the Data page")
        else:
            st.markdown(f"{label}: **{table.n_customers:,}** customers")
        runs = _state.runs()
        st.caption("Segmented with")
        if not runs:
            st.markdown("nothing yet — see the Method page")
        for method, run in runs.items():
            st.markdown(f"{METHOD_NAMES[method]}, k = {run.segmentation.n_clusters}")


configure_logging()
st.set_page_config(
    page_title="Customer segmentation",
    page_icon=":material/groups:",
    layout="wide",
)
_state.init()

# First visit: the demo customers, segmented with K-Means.
try:
    _state.start()
except (ValueError, TypeError) as exc:
    st.error(str(exc))

page = st.navigation(
    [
        st.Page("pages/data.py", title="Data", icon=":material/table:"),
        st.Page("pages/method.py", title="Method", icon=":material/tune:"),
        st.Page("pages/choose_k.py", title="Choose k", icon=":material/show_chart:"),
        st.Page("pages/explore.py", title="Explore", icon=":material/scatter_plot:"),
        st.Page("pages/explain.py", title="Explain", icon=":material/lightbulb:"),
        st.Page(
            "pages/profiles.py",
            title="Profiles",
            icon=":material/badge:",
            default=True,
        ),
        st.Page("pages/compare.py", title="Compare", icon=":material/compare:"),
    ]
)
sidebar()
page.run()
