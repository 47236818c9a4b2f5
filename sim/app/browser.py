"""Drive the web app in a real browser: start `outreach app` on a free loopback port and open
it in Debian's headless Chromium through Playwright (its Python package, pointed at the
system browser: nothing is downloaded). Used by tests/test_app_browser.py, and to time the
app as a person meets it:

    python -m sim.app.browser [--steps 20] [overrides ...]

prints how long the server takes to answer, the page to show its figures, and each Step to
redraw. Requests to anything but the local server are blocked and listed: the page must work
with no internet.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

CHROMIUM = os.environ.get("OUTREACH_CHROMIUM", "/usr/bin/chromium")
# as root, in a container, without a GPU or network: what Chromium needs to start quietly
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class AppError(RuntimeError):
    """The server did not come up; the message ends with the tail of its log."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(overrides=(), log_path: Path | None = None, timeout: float = 60.0):
    """`outreach app` (the console script's code path) on a free loopback port; yields
    (url, seconds until it answered). Stops the server on exit. It runs in this process's
    working directory, so relative paths in the overrides mean what they mean here."""
    port = free_port()
    log_path = Path(log_path or tempfile.mkstemp(prefix="outreach-app-", suffix=".log")[1])
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.cli.main", "app", "--port", str(port), *overrides],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    t0 = time.perf_counter()
    try:
        while True:
            if proc.poll() is not None:
                raise AppError(f"outreach app exited ({proc.returncode}):\n"
                               + log_path.read_text()[-3000:])
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.perf_counter() - t0 > timeout:
                raise AppError(f"outreach app did not answer within {timeout:.0f} s:\n"
                               + log_path.read_text()[-3000:])
            time.sleep(0.1)
        yield url, time.perf_counter() - t0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


@contextlib.contextmanager
def browser_page(profile_dir: Path, width: int = 1500, height: int = 1000):
    """A page in headless Chromium with a fresh profile. ``page.problems`` collects page
    errors, console errors and blocked requests to anything but the local server."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            user_data_dir=str(profile_dir), executable_path=CHROMIUM, headless=True,
            args=CHROMIUM_ARGS, viewport={"width": width, "height": height})
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.problems = []
            page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))
            page.on("console", lambda m: page.problems.append(f"console {m.type}: {m.text}")
                    if m.type == "error" else None)

            def local_only(route):
                host = urlparse(route.request.url).hostname
                if host in ("127.0.0.1", "localhost") or route.request.url.startswith("data:"):
                    route.continue_()
                else:
                    page.problems.append(f"request outside: {route.request.url}")
                    route.abort()

            context.route("**/*", local_only)
            yield page
        finally:
            context.close()


def wait_text(page, selector: str, fragment: str, timeout: float = 15000) -> None:
    page.wait_for_function(
        "([s, f]) => { const e = document.querySelector(s); return e && e.innerText.includes(f); }",
        arg=[selector, fragment], timeout=timeout)


def wait_figures(page, timeout: float = 30000) -> None:
    for selector in (".outreach-network img", ".outreach-series img"):
        page.wait_for_selector(selector, timeout=timeout)


def step(page, hour: int) -> float:
    """Click Step and wait until the page shows ``hour``; seconds taken. The pictures are
    drawn before the text in the same render (sim/app_page.py), so they are there too."""
    t = time.perf_counter()
    page.get_by_role("button", name="Step").click()
    wait_text(page, ".outreach-status", f"Hour {hour} of")
    return time.perf_counter() - t


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sim.app.browser",
                                 description="Time the web app in headless Chromium.")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--screenshot", type=Path, help="save the page after the steps here")
    ap.add_argument("--window", default="1500x1000", help="browser window WIDTHxHEIGHT in pixels")
    args, overrides = ap.parse_known_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        with serve(overrides, Path(tmp) / "server.log") as (url, answered):
            width, height = (int(x) for x in args.window.split("x"))
            with browser_page(Path(tmp) / "profile", width, height) as page:
                t1 = time.perf_counter()
                page.goto(url)
                wait_figures(page)
                shown = time.perf_counter() - t1
                total = time.perf_counter() - t0
                times = [step(page, h) for h in range(1, args.steps + 1)]
                if args.screenshot:
                    page.wait_for_timeout(300)
                    page.screenshot(path=str(args.screenshot))
                print(page.locator(".outreach-settings").inner_text())
                print(page.locator(".outreach-status").inner_text())
                print(f"server answered after {answered:.2f} s; page showed its figures "
                      f"{shown:.2f} s after opening; command to figures {total:.2f} s")
                if times:
                    print(f"Step to redrawn page: median {statistics.median(times):.3f} s, "
                          f"max {max(times):.3f} s over {len(times)} steps")
                for problem in page.problems:
                    print("problem:", problem)
                return 1 if page.problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
