"""The messy-file corpus uploaded through the dashboard (AppTest).

Each light case of ``tests/corpus.py`` is uploaded on the Data page. A valid
file must become the data, with the expected feature counts, and segment with
K-Means on the Method page; a bad file must give one readable error on the
page. No case may raise an exception.
"""

from __future__ import annotations

import json
import re

import pytest

from .corpus import CASES, N_CLUSTERS
from .test_app import app, environment, open_page  # noqa: F401 - fixtures

LIGHT = [case for case in CASES if not case.heavy]


@pytest.mark.parametrize("case", LIGHT, ids=[case.name for case in LIGHT])
def test_corpus_file_in_the_app(app, case):  # noqa: F811
    """Upload the file: a segmentation or one message matching the expected pattern."""
    open_page(app, "pages/data.py")
    app.file_uploader(key="data.upload").set_value(
        (f"{case.name}.csv", case.data(), "text/csv")
    ).run()
    assert not app.exception, app.exception

    if not case.valid and case.stage == "load":
        assert len(app.error) == 1
        assert re.search(case.error, app.error[0].value), app.error[0].value
        return

    assert not app.error, [e.value for e in app.error]
    if case.valid:
        metrics = {m.label: m.value for m in app.metric}
        assert metrics["Numeric features"] == f"{len(case.numeric):,}"
        assert metrics["Categorical features"] == f"{len(case.categorical):,}"

    open_page(app, "pages/method.py")
    app.multiselect(key="widget:method.methods").set_value(["kmeans"])
    app.number_input(key="widget:method.k").set_value(N_CLUSTERS)
    if case.keep_outliers:
        app.toggle(key="widget:method.remove_outliers").set_value(False)
    app.button(key="method.run").click().run()
    assert not app.exception, app.exception
    if case.valid:
        assert not app.error, [e.value for e in app.error]
        assert app.sidebar.markdown[1].value == f"K-Means, k = {N_CLUSTERS}"
    else:
        assert len(app.error) == 1
        assert re.search(case.error, app.error[0].value), app.error[0].value


HEAVY = [case for case in CASES if case.heavy]


@pytest.mark.parametrize("case", HEAVY, ids=[case.name for case in HEAVY])
def test_heavy_file_through_cli_and_app(app, case, tmp_path, capsys):  # noqa: F811
    """A million customers: the CLI and the app segment them all, saying what was sampled."""
    from segmentation.cli import main

    # Command line: every customer segmented, the silhouette sampled and said so
    path = tmp_path / f"{case.name}.csv"
    path.write_bytes(case.data())
    out = tmp_path / "out"
    assert main(["-q", "run", str(path), "--k", "3", "--out", str(out)]) == 0
    figures = json.loads((out / "metrics.json").read_text())["kmeans"]
    assert figures["rows"] == 1_000_000
    assert figures["silhouette_rows"] == 10_000 < figures["rows_used"]

    # Dashboard: upload, K-Means, then the result pages
    open_page(app, "pages/data.py")
    app.file_uploader(key="data.upload").set_value(
        (path.name, case.data(), "text/csv")
    ).run()
    assert not app.exception and not app.error
    open_page(app, "pages/method.py")
    app.multiselect(key="widget:method.methods").set_value(["kmeans"])
    app.number_input(key="widget:method.k").set_value(N_CLUSTERS)
    app.button(key="method.run").click().run()
    assert not app.exception and not app.error
    assert any("random sample of customers" in c.value for c in app.caption)
    for page in ("pages/profiles.py", "pages/explore.py", "pages/compare.py"):
        open_page(app, page)
        assert not app.error
