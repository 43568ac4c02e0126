"""The messy-file corpus uploaded through the dashboard (AppTest).

Each light case of ``tests/corpus.py`` is uploaded on the Data page. A valid
file must become the data, with the expected feature counts, and segment with
K-Means on the Method page; a bad file must give one readable error on the
page. No case may raise an exception.
"""

from __future__ import annotations

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
