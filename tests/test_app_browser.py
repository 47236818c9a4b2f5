"""The web app in a real browser: `outreach app` on a free loopback port, Debian's Chromium
driven headless by Playwright. A browser-free render passes even when the real page is blank
(wrong Vue version, JavaScript that never arrives); this test looks at what a person sees.

Every request the page makes to anything but the local server is blocked and counted: the
page has to work with no internet. Screenshots are left in the test's temporary folder.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest

CHROMIUM = os.environ.get("OUTREACH_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# a smaller network than the default keeps the test quick; the overrides also check that the
# command line reaches the page
OVERRIDES = ["seed=3", "network.n_contacts=600", "network.strong_ties=60", "close_ties=60"]
AWARE = (0x6B, 0xAE, 0xD6)  # sim.app_draw.STATE_COLOURS, repeated: what the page must show
REACH_LINE = (0x1F, 0x77, 0xB4)

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="the browser test needs playwright (pip install -e '.[test]')")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK),
                       reason=f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    """`outreach app` (the same code path as the console script) on a free loopback port."""
    port = _free_port()
    log = open(tmp_path / "server.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "app", "--port", str(port), *OVERRIDES],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    t0 = time.perf_counter()
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"outreach app exited ({proc.returncode}):\n"
                            + (tmp_path / "server.log").read_text()[-3000:])
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.perf_counter() - t0 > 60:
                pytest.fail("outreach app did not answer within 60 s:\n"
                            + (tmp_path / "server.log").read_text()[-3000:])
            time.sleep(0.2)
        print(f"server answered after {time.perf_counter() - t0:.1f} s")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


@pytest.fixture
def page(tmp_path):
    with playwright_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            user_data_dir=str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1500, "height": 1000})
        try:
            pg = context.pages[0] if context.pages else context.new_page()
            pg.problems = []  # page errors, console errors, requests to the outside
            pg.on("pageerror", lambda e: pg.problems.append(f"page error: {e}"))
            pg.on("console", lambda m: pg.problems.append(f"console {m.type}: {m.text}")
                  if m.type == "error" else None)

            def local_only(route):
                host = urlparse(route.request.url).hostname
                if host in ("127.0.0.1", "localhost") or route.request.url.startswith("data:"):
                    route.continue_()
                else:
                    pg.problems.append(f"request outside: {route.request.url}")
                    route.abort()

            context.route("**/*", local_only)
            yield pg
        finally:
            context.close()


def _pixels(pg, selector) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(pg.locator(selector).screenshot())).convert("RGB"))


def _count(img: np.ndarray, colour, tol: int = 10) -> int:
    return int((np.abs(img.astype(int) - np.array(colour)).max(axis=-1) <= tol).sum())


def _wait_text(pg, selector, fragment, timeout=15000):
    pg.wait_for_function(
        "([s, f]) => { const e = document.querySelector(s); return e && e.innerText.includes(f); }",
        arg=[selector, fragment], timeout=timeout)


def test_page_steps_switches_strategy_and_resets(server, page, tmp_path):
    pg = page
    t0 = time.perf_counter()
    pg.goto(server)
    pg.wait_for_selector(".outreach-network img", timeout=30000)
    pg.wait_for_selector(".outreach-series img", timeout=30000)
    print(f"page with figures after {time.perf_counter() - t0:.2f} s")
    pg.screenshot(path=tmp_path / "1_loaded.png", full_page=True)

    status, settings = pg.locator(".outreach-status"), pg.locator(".outreach-settings")
    assert status.inner_text().startswith("Hour 0 of 1008")
    assert "seed 3" in settings.inner_text() and "with 600 contacts" in settings.inner_text()
    assert "generic_blast" in settings.inner_text()
    for selector in (".outreach-network img", ".outreach-series img"):
        size = pg.locator(selector).evaluate("img => [img.naturalWidth, img.naturalHeight]")
        assert min(size) > 300, (selector, size)
    net0, ser0 = _pixels(pg, ".outreach-network img"), _pixels(pg, ".outreach-series img")
    assert _count(net0, AWARE) == 0  # nobody has read anything yet
    assert len(np.unique(net0.reshape(-1, 3), axis=0)) > 20  # a picture, not a blank box

    step = pg.get_by_role("button", name="Step")
    for hour in range(1, 4):
        t = time.perf_counter()
        step.click()
        _wait_text(pg, ".outreach-status", f"Hour {hour} of")
        print(f"step to hour {hour}: {time.perf_counter() - t:.2f} s")
    pg.wait_for_timeout(300)  # the images follow the text in the same render
    pg.screenshot(path=tmp_path / "2_after_steps.png", full_page=True)
    net1, ser1 = _pixels(pg, ".outreach-network img"), _pixels(pg, ".outreach-series img")
    text = status.inner_text()
    assert "600 messages sent" in text  # generic_blast: every contact at hour 0
    reached = int(text.split("reached ")[1].split()[0])
    assert reached > 0
    assert _count(net1, AWARE) > 0  # the people who read it turned blue
    assert _count(ser1, REACH_LINE) > _count(ser0, REACH_LINE)  # and the reach line rose

    # switch the strategy, then Reset builds a new model with it
    pg.get_by_label("Strategy").click(force=True)
    pg.locator(".v-menu__content .v-list-item", has_text="staggered").click()
    pg.get_by_role("button", name="Reset").click()
    _wait_text(pg, ".outreach-settings", "staggered (batch_size 100")
    assert status.inner_text().startswith("Hour 0 of 1008")
    net2 = _pixels(pg, ".outreach-network img")
    assert _count(net2, AWARE) == 0
    step.click()
    _wait_text(pg, ".outreach-status", "Hour 1 of")
    assert "100 messages sent" in status.inner_text()  # one batch of 100, not all 600
    pg.screenshot(path=tmp_path / "3_staggered.png", full_page=True)

    assert pg.problems == []
