"""The web app in a real browser: `outreach app` on a free loopback port, Debian's Chromium
driven headless by Playwright (sim/app_browser.py). A browser-free render passes even when the
real page is blank (wrong Vue version, JavaScript that never arrives); this test looks at what
a person sees.

Every request the page makes to anything but the local server is blocked and counted: the
page has to work with no internet. Screenshots are left in the test's temporary folder.
"""

from __future__ import annotations

import io
import os

import numpy as np
import playwright.sync_api  # noqa: F401  the test extra, which `make test` installs: no skip
import pytest

from sim.app.browser import CHROMIUM, browser_page, serve, step, wait_figures, wait_text

# The one genuine skip: the Chromium binary is a system package, not a Python dependency.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK),
                       reason=f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)"),
]

# a smaller network than the default keeps the test quick; the overrides also check that the
# command line reaches the page
OVERRIDES = ["seed=3", "network.n_contacts=600", "network.strong_ties=60", "close_ties=60"]
AWARE = (0x6B, 0xAE, 0xD6)  # sim.app_draw.STATE_COLOURS, repeated: what the page must show
REACH_LINE = (0x1F, 0x77, 0xB4)


def _pixels(page, selector) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(page.locator(selector).screenshot())).convert("RGB"))


def _count(img: np.ndarray, colour, tol: int = 10) -> int:
    return int((np.abs(img.astype(int) - np.array(colour)).max(axis=-1) <= tol).sum())


def test_page_steps_switches_strategy_and_resets(tmp_path):
    with serve(OVERRIDES, tmp_path / "server.log") as (url, answered), \
            browser_page(tmp_path / "profile") as pg:
        print(f"server answered after {answered:.1f} s")
        pg.goto(url)
        wait_figures(pg)
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

        for hour in range(1, 4):
            print(f"step to hour {hour}: {step(pg, hour):.2f} s")
        pg.wait_for_timeout(300)
        pg.screenshot(path=tmp_path / "2_after_steps.png", full_page=True)
        net1, ser1 = _pixels(pg, ".outreach-network img"), _pixels(pg, ".outreach-series img")
        text = status.inner_text()
        assert "600 messages sent" in text  # generic_blast: every contact at hour 0
        assert int(text.split(" · ")[1].split()[0]) > 0  # reach, the first number
        assert _count(net1, AWARE) > 0  # the people who read it turned blue
        assert _count(ser1, REACH_LINE) > _count(ser0, REACH_LINE)  # and the reach line rose

        # switch the strategy, then Reset builds a new model with it
        pg.get_by_label("Strategy").click(force=True)
        pg.locator(".v-menu__content .v-list-item", has_text="staggered").click()
        pg.get_by_role("button", name="Reset").click()
        wait_text(pg, ".outreach-settings", "staggered (batch_size 100")
        assert status.inner_text().startswith("Hour 0 of 1008")
        assert _count(_pixels(pg, ".outreach-network img"), AWARE) == 0
        step(pg, 1)
        assert "100 messages sent" in status.inner_text()  # one batch of 100, not all 600

        # Play runs on by itself until paused
        pg.get_by_role("button", name="▶").click()
        wait_text(pg, ".outreach-status", "Hour 6 of", timeout=30000)
        pg.get_by_role("button", name="❚❚").click()
        pg.wait_for_timeout(500)
        paused = status.inner_text()
        pg.wait_for_timeout(1000)
        assert status.inner_text() == paused
        pg.screenshot(path=tmp_path / "3_staggered.png", full_page=True)

        assert pg.problems == []
