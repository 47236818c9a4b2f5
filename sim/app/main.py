"""``outreach app``: the interactive web page (Mesa's SolaraViz) on any scenario the command
line accepts.

    outreach app                                  # the default scenario, http://127.0.0.1:8765
    outreach app strategy=staggered seed=3 --port 8800
    outreach app network=edgelist network.path=../shared/data/facebook_combined.txt network.sender=107

The config is checked and the first model built before the server starts, so a bad override
fails here with one line and exit code 2, not in the browser. The page's JavaScript and CSS
come from the venv (the ``solara-assets`` package of the ``[viz]`` extra), so it works with
no internet access. Needs ``pip install -e '.[viz]'``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

APP_MODULE = "sim.app.page"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="outreach app",
        description="Start the interactive web app (Mesa SolaraViz) on a scenario.",
        epilog="Any other argument is a config override, as for `outreach` itself.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 = any free port)")
    p.add_argument("--open", action="store_true", help="open the page in the default browser")
    return p


def assets_dir() -> Path:
    """Where solara looks for the JavaScript and CSS it would otherwise fetch from a CDN."""
    env = os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR")
    return Path(env) if env else Path(sys.prefix, "share", "solara", "cdn")


def _offline_env(overrides: list[str]) -> None:
    os.environ["OUTREACH_APP_OVERRIDES"] = json.dumps(overrides)
    # nothing leaves the machine: no usage telemetry, no version check (see run args below)
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")


def main(argv=None) -> int:
    args, overrides = _parser().parse_known_args(list(sys.argv[1:] if argv is None else argv))
    flags = [a for a in overrides if a.startswith("-")]
    if flags:
        print(f"outreach app: error: unknown option {flags[0]!r} (see outreach app --help)",
              file=sys.stderr)
        return 2
    _offline_env(overrides)  # before solara is imported: it reads its settings then
    try:
        import solara  # noqa: F401
        import mesa.visualization  # noqa: F401
    except ImportError as exc:
        print(f"outreach app: error: the web app needs the viz extra ({exc.name} is missing): "
              "pip install -e '.[viz]'", file=sys.stderr)
        return 2
    if not (assets_dir() / "@widgetti").is_dir():
        print(f"outreach app: warning: no local solara assets in {assets_dir()}; the page will "
              "try a public CDN (pip install solara-assets, part of the viz extra)", file=sys.stderr)

    from hydra.errors import HydraException

    from sim.cli.main import quiet_libraries
    from sim.errors import UserError

    quiet_libraries()
    t0 = time.perf_counter()
    try:
        from sim.app import page as app_page
        from sim.app.controls import AppModel, initial_kwargs

        params = app_page.configure(overrides)
        model = AppModel(**initial_kwargs(params))
        network, series = app_page.pictures_of(model)  # the layout and first drawing, now
        network.png(), series.png()
        app_page.offer_first_model(model)
    except (UserError, HydraException) as exc:
        print(f"outreach app: error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    print(f"outreach app: {model.network.name}, sender {model.network.node_id(model.network.sender)}"
          f" with {len(model.network.neighbours(model.network.sender))} contacts; model ready in "
          f"{time.perf_counter() - t0:.1f} s", file=sys.stderr)

    from solara.__main__ import run

    solara_args = [APP_MODULE, "--host", args.host, "--port", str(args.port), "--production",
                   "--no-check-version", "--open" if args.open else "--no-open"]
    run.main(args=solara_args, standalone_mode=False)
    return 0
