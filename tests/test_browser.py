"""The whole dashboard once, in headless Chromium: upload, segment, profile, download.

Starts ``streamlit run app.py`` on a free port and drives it with Playwright,
using Debian's Chromium (``/usr/bin/chromium``; no browser is downloaded).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image, ImageStat
from playwright.sync_api import expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
SCREENSHOT_COPY = Path("/tmp/segmentation-screenshot.png")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
N_CUSTOMERS = 300
METHOD_LABELS = {
    "kmeans": "K-Means",
    "kprototypes": "K-Prototypes",
    "embedding": "Embeddings + K-Means",
}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.is_file(),
        reason="Debian's Chromium is not installed at /usr/bin/chromium "
        "(apt-get install chromium); the test never downloads a browser.",
    ),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_health(url: str, server: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"streamlit did not answer at {url} within {timeout} s")


def write_customers(path: Path) -> None:
    """Three planted groups of customers, with an ID column the app must exclude."""
    rng = np.random.default_rng(7)
    groups = rng.integers(0, 3, N_CUSTOMERS)
    pd.DataFrame(
        {
            "customer_id": [f"C{i:04d}" for i in range(N_CUSTOMERS)],
            "age": np.round(
                np.array([28, 45, 67])[groups] + rng.normal(0, 4, N_CUSTOMERS)
            ),
            "income": np.round(
                np.array([1800, 4200, 2500])[groups]
                * rng.lognormal(0, 0.2, N_CUSTOMERS)
            ),
            "plan": np.array(["basic", "premium", "family"])[groups],
            "region": rng.choice(["north", "south", "east", "west"], N_CUSTOMERS),
            "newsletter": rng.choice(["yes", "no"], N_CUSTOMERS),
        }
    ).to_csv(path, index=False)


@pytest.fixture
def server(tmp_path):
    """The dashboard served on a free port; always stopped afterwards."""
    port = free_port()
    env = {
        **os.environ,
        "SEGMENTATION_CACHE_DIR": str(tmp_path / "cache"),
        "SEGMENTATION_DEMO_ROWS": "500",
    }
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
    ]
    log = (tmp_path / "streamlit.log").open("w")
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, process)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        log.close()


def wait_until_idle(page, timeout: float = 300_000) -> None:
    """Wait until the app has finished running the script."""
    page.wait_for_timeout(500)
    page.wait_for_function(
        "document.querySelector('[data-testid=stApp]')"
        ".getAttribute('data-test-script-state') !== 'running'",
        timeout=timeout,
    )


def go_to(page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    page.get_by_role("heading", name=title, exact=True).wait_for(timeout=60_000)
    wait_until_idle(page)


def choose(page, widget, option: str) -> None:
    """Pick an option of a select box or multiselect by typing it."""
    widget.get_by_role("combobox").click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option, exact=True).wait_for()
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    wait_until_idle(page)


def test_upload_segment_profile_download(server, tmp_path):
    """Upload 300 customers, segment them three ways, export and check the files."""
    csv_path = tmp_path / "customers.csv"
    write_customers(csv_path)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(60_000)
            expect.set_options(timeout=60_000)

            # The first visit shows the segmented demo
            page.goto(server)
            expect(page.get_by_role("heading", name="Profiles")).to_be_visible()
            expect(page.get_by_text("K-Means, k = 5").first).to_be_visible()

            # Upload the customers
            go_to(page, "Data")
            page.get_by_role("tab", name="Upload a CSV").click()
            page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(csv_path)
            expect(
                page.get_by_text("Uploaded file customers.csv").first
            ).to_be_visible()
            expect(
                page.get_by_role("listitem").filter(has_text="customer_id")
            ).to_contain_text("identifier: a different value")

            # Segment with the three methods; embeddings on the torch backend
            go_to(page, "Method")
            methods = page.get_by_test_id("stMultiSelect")
            for label in ("K-Prototypes", "Embeddings + K-Means"):
                choose(page, methods, label)
            if not page.get_by_text("Text template").is_visible():
                page.get_by_text("Embedding options").click()
            backend = page.get_by_test_id("stSelectbox").filter(has_text="Backend")
            choose(page, backend, "torch")
            expect(page.get_by_text("Age: ").first).to_be_visible()  # the text preview
            page.get_by_role("button", name="Run", exact=True).click()
            sidebar = page.get_by_test_id("stSidebar")
            for label in METHOD_LABELS.values():
                expect(
                    sidebar.get_by_text(f"{label}, k = 5", exact=True)
                ).to_be_visible(timeout=300_000)
            expect(page.get_by_test_id("stException")).to_have_count(0)

            # Profiles of K-Means, with a name for the first segment
            go_to(page, "Profiles")
            names = page.get_by_text("Name the segments")
            names.click()
            first = page.get_by_role("textbox", name="Segment 1", exact=True)
            first.fill("Young basics")
            first.press("Enter")
            wait_until_idle(page)
            expect(page.get_by_role("heading", name="Young basics")).to_be_visible()

            # Download both files
            with page.expect_download() as download:
                page.get_by_test_id("stDownloadButton").filter(
                    has_text="Download the K-Means profiles (CSV)"
                ).click()
            profiles_path = tmp_path / "profiles.csv"
            download.value.save_as(profiles_path)
            with page.expect_download() as download:
                page.get_by_test_id("stDownloadButton").filter(
                    has_text="Download every customer's segments (CSV)"
                ).click()
            assignments_path = tmp_path / "assignments.csv"
            download.value.save_as(assignments_path)

            page.set_viewport_size({"width": 1400, "height": 2200})
            wait_until_idle(page)
            screenshot = tmp_path / "profiles.png"
            page.screenshot(path=screenshot, full_page=True)
        finally:
            browser.close()

    # The profiles: one row per segment, sizes add up to the customers used
    profiles = pd.read_csv(profiles_path, encoding="utf-8-sig")
    assert len(profiles) == 5
    assert profiles.loc[0, "segment"] == "Young basics"
    for column in ("cluster", "segment", "size", "share", "age_mean", "income_median"):
        assert column in profiles.columns
    for column in ("plan_top", "plan_top_share", "plan_top_lift", "region_top"):
        assert column in profiles.columns
    assert "customer_id_top" not in profiles.columns
    used = N_CUSTOMERS - N_CUSTOMERS // 10  # ECOD leaves out 10% by default
    assert profiles["size"].sum() == used
    assert profiles["share"].sum() == pytest.approx(1.0)

    # The assignments: every customer, each method's segment number and name
    assignments = pd.read_csv(assignments_path, encoding="utf-8-sig", dtype=str)
    assert len(assignments) == N_CUSTOMERS
    expected = ["row"]
    for method in METHOD_LABELS:
        expected += [method, f"{method}_segment"]
    assert list(assignments.columns) == expected
    for method in METHOD_LABELS:
        segmented = assignments[method] != "outlier"
        assert segmented.sum() == used
        assert set(assignments.loc[segmented, method]) == {"1", "2", "3", "4", "5"}
    assert set(assignments.loc[assignments["kmeans"] == "1", "kmeans_segment"]) == {
        "Young basics"
    }

    # The screenshot shows something
    shutil.copyfile(screenshot, SCREENSHOT_COPY)
    image = Image.open(screenshot).convert("L")
    assert image.width >= 1000 and image.height >= 800
    assert ImageStat.Stat(image).var[0] > 100, "the screenshot is blank"
