"""The dashboard's pages, run headless with Streamlit's AppTest.

Every test starts a fresh session on small demo data (``SEGMENTATION_DEMO_ROWS``)
so that the K-Means run of a first visit takes a moment; K-Prototypes and the
embeddings run on a few hundred customers only.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[1] / "app.py"
DEMO_ROWS = 300
TIMEOUT = 300

PAGES = {
    "pages/data.py": "Data",
    "pages/method.py": "Method",
    "pages/choose_k.py": "Choose k",
    "pages/explore.py": "Explore",
    "pages/explain.py": "Explain",
    "pages/profiles.py": "Profiles",
    "pages/compare.py": "Compare",
}


@pytest.fixture
def environment(tmp_path, monkeypatch) -> None:
    """Small demo data and a private embedding cache."""
    monkeypatch.setenv("SEGMENTATION_DEMO_ROWS", str(DEMO_ROWS))
    monkeypatch.setenv("SEGMENTATION_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def app(environment, monkeypatch) -> AppTest:
    """A first visit: the app run once on small demo data.

    AppTest forgets before every run that ``st.navigation`` was called, so
    Streamlit would treat the ``pages/`` folder as a legacy multipage app each
    time; the page then reruns through ``app.py`` and a click would be lost.
    The fixture keeps the navigation mode a running server is in after its
    first request (``test_a_page_started_alone_reruns_through_the_app`` covers
    the first request itself).
    """
    original = PagesManager.__init__

    def navigation_mode(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", navigation_mode)
    return AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()


@pytest.fixture
def downloads(monkeypatch) -> dict[str, bytes]:
    """The bytes behind every download button drawn, by file name."""
    captured: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def record(self, path_or_data, mimetype, kind, filename=None):
        if filename is not None:
            captured[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    return captured


def open_page(app: AppTest, page: str) -> AppTest:
    app.switch_page(page).run()
    assert not app.exception, app.exception
    assert [h.value for h in app.header] == [PAGES[page]]
    return app


def customers_csv(n: int = 240) -> bytes:
    """A semicolon-separated customer file with an identifier and a blank cell."""
    rows = []
    for i in range(n):
        rows.append(
            {
                "customer_id": f"C{i:05d}",
                "age": 20 + (i * 7) % 50,
                "income": f"{1000 + (i * 337) % 9000},{i % 10}",
                "segment_hint": ["gold", "silver", "bronze"][i % 3],
                "city": ["Lyon", "Porto", "Gent", "Turin"][(i * 5) % 4],
            }
        )
    frame = pd.DataFrame(rows)
    frame.loc[3, "age"] = None
    return frame.to_csv(sep=";", index=False).encode("utf-8")


def read_csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")


# --------------------------------------------------------------------------
# Opening and every page
# --------------------------------------------------------------------------


def test_opens_on_segmented_demo(app):
    """A first visit lands on the profiles of the demo customers, K-Means k=5."""
    assert not app.exception
    assert [h.value for h in app.header] == ["Profiles"]
    cards = sorted(m.value for m in app.markdown if m.value.startswith("#### "))
    assert cards == [f"#### Segment {i}" for i in range(1, 6)]
    sidebar = [m.value for m in app.sidebar.markdown]
    assert f"**{DEMO_ROWS}** customers" in sidebar[0]
    assert sidebar[1] == "K-Means, k = 5"
    assert len(app.get("download_button")) == 2


@pytest.mark.parametrize("page", list(PAGES), ids=[p[6:-3] for p in PAGES])
def test_every_page_renders(app, page):
    """Each page draws its header and no error on the segmented demo."""
    open_page(app, page)
    assert not app.error, [e.value for e in app.error]
    assert app.sidebar.markdown, "the sidebar of app.py is drawn on every page"


def test_a_page_started_alone_reruns_through_the_app(environment):
    """A page Streamlit starts without app.py (legacy pages/ mode) still gets app.py."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    at.switch_page("pages/explore.py").run()
    assert not at.exception
    assert [h.value for h in at.header] == ["Explore"]
    assert at.sidebar.markdown[1].value == "K-Means, k = 5"


def test_pages_without_results_say_what_to_do(app):
    """After new data, the result pages ask for a run instead of failing."""
    open_page(app, "pages/data.py")
    app.file_uploader(key="data.upload").set_value(
        ("customers.csv", customers_csv(), "text/csv")
    ).run()
    for page in ("pages/choose_k.py", "pages/explore.py", "pages/profiles.py"):
        open_page(app, page)
        assert "Nothing is segmented yet" in app.info[0].value


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------


def test_upload_replaces_the_data(app):
    """An uploaded CSV becomes the data; its ID column is excluded with the reason."""
    open_page(app, "pages/data.py")
    app.file_uploader(key="data.upload").set_value(
        ("customers.csv", customers_csv(), "text/csv")
    ).run()
    assert not app.exception and not app.error
    assert app.subheader[0].value == "Uploaded file customers.csv"
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Rows in the file"] == "240"
    assert metrics["Numeric features"] == "2"
    assert metrics["Categorical features"] == "2"
    assert any("`customer_id`: identifier" in m.value for m in app.markdown)
    assert any("age: 1 missing values replaced" in m.value for m in app.markdown)
    assert "240" in app.sidebar.markdown[0].value
    assert "200 MB" in "".join(m.value for m in app.markdown)


def test_upload_of_an_excel_file_is_an_error_message(app):
    """A file that is not CSV text gives a readable message, not a traceback."""
    open_page(app, "pages/data.py")
    app.file_uploader(key="data.upload").set_value(
        ("customers.csv", b"PK\x03\x04 not really a spreadsheet", "text/csv")
    ).run()
    assert not app.exception
    assert "Excel" in app.error[0].value
    assert app.subheader[0].value.startswith("Demo customers")


def test_column_types_can_be_overridden(app):
    """A type override and a column choice change how the table is prepared."""
    open_page(app, "pages/data.py")
    app.multiselect(key="widget:data.columns").set_value(["age", "job", "balance"])
    app.selectbox(key="type:age").set_value("categorical")
    app.button(key="data.apply").click().run()
    assert not app.exception and not app.error
    summary = app.dataframe[1].value.set_index("column")  # after the preview
    assert summary.loc["age", "used_as"] == "categorical"
    assert summary.loc["marital", "used_as"] == "not chosen"
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Categorical features"] == "2"


def test_no_usable_column_is_an_error_message(app):
    """Excluding every chosen column is refused with the core's message."""
    open_page(app, "pages/data.py")
    app.multiselect(key="widget:data.columns").set_value(["age"])
    app.selectbox(key="type:age").set_value("exclude")
    app.button(key="data.apply").click().run()
    assert not app.exception
    assert "No usable column" in app.error[0].value


# --------------------------------------------------------------------------
# Method and k
# --------------------------------------------------------------------------


def test_method_and_k_change(app):
    """Running K-Means and K-Prototypes with k=3 keeps both results."""
    open_page(app, "pages/method.py")
    app.multiselect(key="widget:method.methods").set_value(["kmeans", "kprototypes"])
    app.number_input(key="widget:method.k").set_value(3)
    app.button(key="method.run").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    captions = [m.value for m in app.markdown if ", k = " in m.value]
    assert captions[0].startswith("K-Means, k = 3, seed 0")
    assert captions[1].startswith("K-Prototypes, k = 3, seed 0")
    assert len(app.dataframe[0].value) == 2
    assert [m.value for m in app.sidebar.markdown][1:] == [
        "K-Means, k = 3",
        "K-Prototypes, k = 3",
    ]


def test_bad_gamma_is_an_error_message(app):
    """A gamma that is not a number is explained on the page."""
    open_page(app, "pages/method.py")
    app.text_input(key="widget:method.gamma").input("a lot")
    app.button(key="method.run").click().run()
    assert not app.exception
    assert "gamma='a lot' is not a number" in app.error[0].value


def test_too_large_k_is_an_error_message(app):
    """A k above the number of distinct customers gives the core's message."""
    open_page(app, "pages/data.py")
    app.multiselect(key="widget:data.columns").set_value(["default", "loan"])
    app.button(key="data.apply").click().run()
    open_page(app, "pages/method.py")
    app.toggle(key="widget:method.remove_outliers").set_value(False)
    app.number_input(key="widget:method.k").set_value(6)
    app.button(key="method.run").click().run()
    assert not app.exception
    assert "distinct customers" in app.error[0].value


def test_chosen_k_carries_to_other_pages(app):
    """Using k=3 on the Choose k page re-segments and sets k on the Method page."""
    open_page(app, "pages/choose_k.py")
    scan = app.dataframe[0].value
    assert list(scan["k"]) == list(range(2, 11))
    app.selectbox(key="choose_k.k").set_value(3).run()
    assert not app.exception
    app.button(key="choose_k.use").click().run()
    assert not app.exception and not app.error
    assert app.success[0].value == "k = 3 is the current k of K-Means."
    open_page(app, "pages/method.py")
    assert app.number_input(key="widget:method.k").value == 3
    open_page(app, "pages/profiles.py")
    assert app.main.caption[0].value.startswith("K-Means, k = 3")


# --------------------------------------------------------------------------
# Names and exports
# --------------------------------------------------------------------------


def test_segment_name_reaches_exports_and_charts(app, downloads):
    """A segment name typed on Profiles appears in both CSV files and the charts."""
    app.text_input(key="name:kmeans:0").input("Careful savers").run()
    assert not app.exception

    # Both downloads carry the name
    profiles = read_csv(downloads["profiles_kmeans.csv"])
    assignments = read_csv(downloads["assignments.csv"])
    assert profiles.loc[0, "segment"] == "Careful savers"
    assert profiles["size"].sum() == DEMO_ROWS - DEMO_ROWS // 10  # 10% outliers
    assert list(assignments.columns) == ["row", "kmeans", "kmeans_segment"]
    assert len(assignments) == DEMO_ROWS
    named = assignments.loc[assignments["kmeans"] == "1", "kmeans_segment"]
    assert set(named) == {"Careful savers"}
    assert (assignments["kmeans"] == "outlier").sum() == DEMO_ROWS // 10

    # The charts of the other pages use it
    for page in ("pages/explore.py", "pages/compare.py", "pages/explain.py"):
        open_page(app, page)
        specs = "".join(chart.proto.spec for chart in app.get("plotly_chart"))
        assert "Careful savers" in specs, page


def test_download_escapes_formulas(app, downloads):
    """A segment name that looks like a formula is exported as text."""
    app.text_input(key="name:kmeans:1").input("=HYPERLINK(1)").run()
    profiles = read_csv(downloads["profiles_kmeans.csv"])
    assert profiles.loc[1, "segment"] == "'=HYPERLINK(1)"


# --------------------------------------------------------------------------
# Explore, Explain, Compare
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("projection", "dimensions"),
    [("pca", 3), ("tsne", 2), ("mca", 2), ("famd", 3)],
)
def test_explore_projections(app, projection, dimensions):
    """Every projection draws a chart and says how many customers it shows."""
    open_page(app, "pages/explore.py")
    app.radio(key="widget:explore.projection").set_value(projection)
    app.radio(key="widget:explore.dimensions").set_value(dimensions)
    app.slider(key="widget:explore.opacity").set_value(0.4).run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert len(app.get("plotly_chart")) == 1
    shown = DEMO_ROWS if projection in ("mca", "famd") else DEMO_ROWS - DEMO_ROWS // 10
    assert f"All {shown:,} customers are drawn." in app.main.caption[-1].value


def test_explain_states_accuracy(app):
    """The surrogate's held-out accuracy is shown with a sentence on trust."""
    open_page(app, "pages/explain.py")
    assert app.metric[0].label == "Held-out accuracy"
    assert "customers it did not see during training" in app.markdown[0].value
    assert len(app.get("plotly_chart")) == 2


def test_compare_two_methods(app):
    """With two methods run, Compare shows their agreement and a cross-tab."""
    open_page(app, "pages/method.py")
    app.multiselect(key="widget:method.methods").set_value(["kmeans", "kprototypes"])
    app.button(key="method.run").click().run()
    open_page(app, "pages/compare.py")
    assert not app.error
    agreement = app.dataframe[1].value  # after the metrics
    assert list(agreement["first"]) == ["K-Means"]
    assert 0.0 < agreement.loc[0, "adjusted_rand"] <= 1.0
    assert len(app.get("plotly_chart")) == 3  # two projections and the cross-tab
    app.radio(key="widget:compare.space").set_value("own").run()
    assert not app.exception and not app.error


def test_embeddings_on_small_data(app, monkeypatch):
    """Embeddings + K-Means runs offline with the shipped model and a template."""
    open_page(app, "pages/method.py")
    app.multiselect(key="widget:method.methods").set_value(["embedding"])
    app.selectbox(key="widget:method.backend").set_value("torch")
    app.text_area(key="widget:method.template").input("{age}-year-old {job}, {marital}")
    app.run()
    preview = app.get("code")[0].proto.code_text
    assert preview.endswith(("single", "married", "divorced"))
    assert "-year-old" in preview
    app.number_input(key="widget:method.k").set_value(4)
    app.button(key="method.run").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert "Embeddings + K-Means, k = 4" in app.sidebar.markdown[-1].value
    open_page(app, "pages/profiles.py")
    assert app.selectbox(key="widget:view.method").value == "embedding"


def test_template_error_is_a_message(app):
    """A template naming an unknown column is explained under the template."""
    open_page(app, "pages/method.py")
    app.text_area(key="widget:method.template").input("{salary} euros").run()
    assert not app.exception
    assert "names no column" in app.error[0].value


def test_sampled_silhouette_is_stated():
    """The Method page's sentence names the methods whose silhouette was sampled."""
    from types import SimpleNamespace

    import numpy as np

    from pages._tables import silhouette_sampling

    def run(rows, kept):
        return SimpleNamespace(
            scores=SimpleNamespace(silhouette_rows=rows),
            space=SimpleNamespace(kept=np.ones(kept, dtype=bool)),
        )

    assert silhouette_sampling({"kmeans": run(900, 900)}) is None
    sentence = silhouette_sampling({"kmeans": run(900, 900), "embedding": run(10, 900)})
    assert "Embeddings + K-Means (10 of 900)" in sentence
    assert "K-Means (" not in sentence.replace("Embeddings + K-Means (", "")


def test_sampled_scan_silhouette_is_stated():
    """The Choose k page says when the scan's silhouettes come from a sample."""
    from pages._tables import scan_sampling
    from segmentation.selection import SCAN_SILHOUETTE_SAMPLE

    assert scan_sampling(SCAN_SILHOUETTE_SAMPLE) is None
    sentence = scan_sampling(40_691)
    assert f"same {SCAN_SILHOUETTE_SAMPLE:,} random customers" in sentence
    assert "against all 40,691" in sentence


def test_results_and_names_survive_page_switches(app):
    """Two runs and a segment name stay through a tour of every page."""
    open_page(app, "pages/method.py")
    app.multiselect(key="widget:method.methods").set_value(["kmeans", "kprototypes"])
    app.number_input(key="widget:method.k").set_value(3)
    app.button(key="method.run").click().run()
    assert not app.exception and not app.error
    open_page(app, "pages/profiles.py")
    app.text_input(key="name:kmeans:0").input("Keepers").run()
    for page in PAGES:
        open_page(app, page)
    open_page(app, "pages/profiles.py")
    assert app.text_input(key="name:kmeans:0").value == "Keepers"
    assert [m.value for m in app.sidebar.markdown][1:] == [
        "K-Means, k = 3",
        "K-Prototypes, k = 3",
    ]
