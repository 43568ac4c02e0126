"""Method: choose the segmentation methods and their parameters, and run them.

K-Means, K-Prototypes and sentence embeddings + K-Means share k, the seed
and outlier removal; K-Prototypes has its categorical weight gamma, the
embeddings their model, backend and text template (with a live preview of
one customer's text). Results stay in the session until the data changes.
"""

from __future__ import annotations

import streamlit as st

from pages import _state, _tables
from segmentation import METHOD_NAMES, METHODS

_state.require_app()
st.header("Method")
st.caption(
    "Pick one or more methods, set k and the options, and press Run. Results are "
    "kept while you move between pages."
)

table = _state.table()
if table is None:
    st.info("There is no usable customer table yet: fix the columns on the Data page.")
    st.page_link("pages/data.py", label="Go to the Data page", icon=":material/table:")
    st.stop()

# --------------------------------------------------------------------------
# Controls
# --------------------------------------------------------------------------

chosen = st.multiselect(
    "Methods",
    METHODS,
    format_func=METHOD_NAMES.get,
    key=_state.bind(_state.METHODS_CHOSEN),
    on_change=_state.keep,
    args=(_state.METHODS_CHOSEN,),
    help="K-Means on encoded columns; K-Prototypes on numbers and categories "
    "directly; a sentence-embedding model reading each customer as text, then "
    "K-Means.",
)
left, middle, right = st.columns(3)
left.number_input(
    "Number of segments, k",
    min_value=2,
    max_value=30,
    step=1,
    key=_state.bind(_state.K),
    on_change=_state.keep,
    args=(_state.K,),
    help="The Choose k page helps to pick it.",
)
middle.number_input(
    "Random seed",
    min_value=0,
    max_value=2**31 - 1,
    step=1,
    key=_state.bind(_state.SEED),
    on_change=_state.keep,
    args=(_state.SEED,),
    help="The same data, options and seed give the same segments.",
)
with right:
    remove = st.toggle(
        "Leave outliers out",
        key=_state.bind(_state.REMOVE_OUTLIERS),
        on_change=_state.keep,
        args=(_state.REMOVE_OUTLIERS,),
        help="ECOD marks the most unusual customers; they are not segmented.",
    )
    st.slider(
        "Share of customers marked as outliers",
        min_value=0.01,
        max_value=0.5,
        step=0.01,
        format="%.2f",
        disabled=not remove,
        key=_state.bind(_state.CONTAMINATION),
        on_change=_state.keep,
        args=(_state.CONTAMINATION,),
    )

with st.expander("K-Prototypes options", expanded="kprototypes" in chosen):
    st.text_input(
        "Weight of one category mismatch, gamma",
        placeholder="blank: estimated from the data",
        key=_state.bind(_state.GAMMA),
        on_change=_state.keep,
        args=(_state.GAMMA,),
        help="How much a different category counts against the squared distance "
        "of the numbers. Left blank, it is half the mean standard deviation of the "
        "numeric columns (as the kmodes package does).",
    )
    kept = _state.runs().get("kprototypes")
    if kept is not None:
        st.caption(f"The last K-Prototypes run used gamma = {kept.space.gamma:.4g}.")

with st.expander("Embedding options", expanded="embedding" in chosen):
    st.text_input(
        "Sentence-embedding model",
        key=_state.bind(_state.MODEL),
        on_change=_state.keep,
        args=(_state.MODEL,),
        help="all-MiniLM-L6-v2 ships with the app and works offline; another "
        "sentence-transformers name needs a network, or give a local folder.",
    )
    st.selectbox(
        "Backend",
        _state.BACKENDS,
        key=_state.bind(_state.BACKEND),
        on_change=_state.keep,
        args=(_state.BACKEND,),
        help="auto: int8 ONNX when it works (about 3x faster, exported once), "
        "else fp32 torch.",
    )
    template = st.text_area(
        "Text template",
        placeholder="blank: 'Age: 58, Job: management, …' with every column; or "
        "e.g. {age}-year-old {job}, {marital}, balance {balance}",
        key=_state.bind(_state.TEMPLATE),
        on_change=_state.keep,
        args=(_state.TEMPLATE,),
        help="Each {column} is replaced by the customer's value.",
    )
    try:
        from segmentation.embeddings import render_texts

        preview = render_texts(table.frame.head(1), template=template.strip() or None)
    except ImportError:
        st.warning("The embeddings module is not available in this installation.")
    except (ValueError, TypeError) as exc:
        st.error(str(exc))
    else:
        st.caption(f"Customer in row {table.frame.index[0]:,} as the model reads it:")
        st.code(preview[0], language=None, wrap_lines=True)

# --------------------------------------------------------------------------
# Run
# --------------------------------------------------------------------------

if st.button("Run", type="primary", key="method.run", disabled=not chosen):
    failed = False
    try:
        options = _state.run_options()
    except ValueError as exc:
        st.error(str(exc))
        failed = True
    else:
        done = []
        for method in chosen:
            try:
                _state.segment(method, options)
            except (ValueError, TypeError) as exc:
                st.error(f"{METHOD_NAMES[method]}: {exc}")
                failed = True
            except (ImportError, RuntimeError, OSError) as exc:
                st.error(f"{METHOD_NAMES[method]} could not run: {exc}")
                failed = True
            else:
                done.append(method)
        if done:
            _state.put(_state.FOCUS, done[0])
    if not failed:
        st.rerun()
if not chosen:
    st.caption("Choose at least one method to run.")

# --------------------------------------------------------------------------
# Results kept in the session
# --------------------------------------------------------------------------

runs = _state.runs()
st.subheader("Results")
if not runs:
    st.info("Nothing segmented yet: choose a method and press Run.")
    st.stop()
for method, run in runs.items():
    st.markdown(_tables.run_caption(method, run, _state.run_options_of(method)))
    for note in run.segmentation.notes:
        st.caption(note)
st.dataframe(
    _tables.metrics_table(runs),
    hide_index=True,
    column_config=_tables.metric_columns(),
    key="method.metrics",
)
st.caption(
    "Own space: each method measured where it clusters, so values differ in "
    "meaning between methods. Shared space: every method measured on the same "
    "encoding of the columns, comparable across methods."
)
sampling = _tables.silhouette_sampling(runs)
if sampling:
    st.caption(sampling)
links = st.columns(3)
links[0].page_link(
    "pages/profiles.py", label="See the segment profiles", icon=":material/badge:"
)
links[1].page_link(
    "pages/explore.py", label="Explore the segments", icon=":material/scatter_plot:"
)
links[2].page_link(
    "pages/choose_k.py", label="Check the choice of k", icon=":material/show_chart:"
)
