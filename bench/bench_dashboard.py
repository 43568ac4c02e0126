"""Dashboard re-render times with results cached, measured with Streamlit's AppTest.

A session is opened on the demo data (4,000 customers, K-Means k=5 run on the
first visit) and every page is visited once so its results are cached. Then
each page is rendered again (a page switch) and the Explore page's opacity is
changed (a plot option), each timed. AppTest runs the script in-process
without a browser, so these are server-side script times; the browser adds its
own drawing time. There is no reference tool for this stage: the target is
1 s or less.

Run ``python -m bench.bench_dashboard``.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[1] / "app.py"
PAGES = (
    "pages/data.py",
    "pages/method.py",
    "pages/choose_k.py",
    "pages/explore.py",
    "pages/explain.py",
    "pages/profiles.py",
    "pages/compare.py",
)


def _navigation_mode() -> None:
    """Keep AppTest in st.navigation mode between runs, as a live server is."""
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init


def run(quick: bool = False) -> list[dict]:
    os.environ.setdefault("SEGMENTATION_CACHE_DIR", tempfile.mkdtemp())
    _navigation_mode()
    app = AppTest.from_file(str(APP), default_timeout=900).run()

    # First visit of every page: computes and caches its results.
    first = {}
    for page in PAGES:
        started = time.perf_counter()
        app.switch_page(page).run()
        first[page] = time.perf_counter() - started
        if app.exception:
            raise RuntimeError(f"{page} raised: {app.exception[0].message}")

    # Second visit: served from the caches.
    again = {}
    for page in PAGES:
        started = time.perf_counter()
        app.switch_page(page).run()
        again[page] = time.perf_counter() - started

    rows = [
        {
            "stage": f"dashboard, {page.split('/')[1][:-3]} page re-render (demo, cached)",
            "ours_s": again[page],
            "reference_s": None,
            "ratio": None,
            "quality": f"first visit {first[page]:.2f} s; target 1 s or less",
        }
        for page in PAGES
    ]

    app.switch_page("pages/explore.py").run()
    sliders = [s for s in app.slider if "opacity" in (s.label or "").lower()]
    if sliders:
        started = time.perf_counter()
        sliders[0].set_value(0.4).run()
        rows.append(
            {
                "stage": "dashboard, Explore opacity changed (demo, cached)",
                "ours_s": time.perf_counter() - started,
                "reference_s": None,
                "ratio": None,
                "quality": "target 1 s or less",
            }
        )
    return rows


if __name__ == "__main__":
    from bench.run import to_markdown

    print(to_markdown(run()))
