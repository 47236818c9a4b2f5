"""The web page: Mesa's SolaraViz (title bar, Step / Play / Reset, the parameter controls)
around our own view of the run: a line of numbers, the network, the running totals.

Run it with ``outreach app [overrides]`` (see sim/app/main.py), or ``solara run sim.app.page`` with
the overrides as a JSON list in $OUTREACH_APP_OVERRIDES. Each browser tab gets its own model.
Our figures sit beside SolaraViz rather than in its draggable grid, whose fixed starting cells
are too small for a network of a thousand people.
"""

from __future__ import annotations

import json
import os

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sim.app.controls import AppModel, initial_kwargs, launch_settings
from sim.app.draw import NetworkPicture, SeriesPicture, legend_html, settings_line, status_line
from sim.app.layout import layout_for

ENV_OVERRIDES = "OUTREACH_APP_OVERRIDES"
PLAY_INTERVAL_MS = 150  # pause between two steps while playing

_settings: dict | None = None
_prebuilt: list[AppModel] = []  # the model `outreach app` built to check the config


def configure(overrides=()) -> dict:
    """Fix the launch overrides; returns the parameters of the page's model."""
    global _settings
    _settings = launch_settings(overrides)
    _prebuilt.clear()
    return _settings


def offer_first_model(model: AppModel) -> None:
    """The first page served shows this model (already built, so it appears at once)."""
    _prebuilt[:] = [model]


def settings() -> dict:
    if _settings is None:
        configure(json.loads(os.environ.get(ENV_OVERRIDES, "[]")))
    return _settings


def pictures_of(model: AppModel) -> tuple[NetworkPicture, SeriesPicture]:
    """The model's two pictures, made on first use and kept with it (the first model's are
    made before the server starts, so the first page shows at once)."""
    pics = getattr(model, "_app_pictures", None)
    if pics is None:
        pics = model._app_pictures = (NetworkPicture(model, layout_for(model.network)),
                                      SeriesPicture(model))
    return pics


def _first_model() -> AppModel:
    if _prebuilt:
        return _prebuilt.pop()
    return AppModel(**initial_kwargs(settings()))


CSS = """
.outreach-figures { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr);
                    gap: 12px; width: 100%; max-width: 1400px; }
.outreach-figures img { width: 100%; height: auto; }
.outreach-status { font-size: 15px; font-weight: 500; }
.outreach-status.suspended { color: #d62728; }
.outreach-settings { font-size: 13px; color: #555; }
.outreach-legend { font-size: 13px; text-align: center; }
"""


@solara.component
def RunView(model: AppModel):
    """The numbers, the network and the totals; redrawn whenever SolaraViz steps the model."""
    update_counter.get()  # SolaraViz bumps this after each step
    network, series = pictures_of(model)
    hour = model.engine.hour

    def pictures():
        counts = network.update()
        series.update()
        return network.png(), series.png(), legend_html(counts)

    network_png, series_png, legend = solara.use_memo(pictures, [model, hour])
    suspended = model.senders[0].restricted  # shown in red while it cannot send
    solara.Style(CSS)
    with solara.Column(style={"padding": "8px 16px", "gap": "4px", "width": "100%"}):
        solara.Text(status_line(model),
                    classes=["outreach-status"] + (["suspended"] if suspended else []))
        solara.Text(settings_line(model), classes=["outreach-settings"])
        with solara.Div(classes=["outreach-figures"]):
            with solara.Div(classes=["outreach-network"]):
                solara.HTML(tag="div", unsafe_innerHTML=legend)
                solara.Image(network_png, format="png")
            with solara.Div(classes=["outreach-series"]):
                solara.Image(series_png, format="png")


@solara.component
def Page():
    params = settings()
    first = solara.use_memo(_first_model, [])
    model = solara.use_reactive(first)
    SolaraViz(model, components=[], model_params=params, name="outreach-sim",
              play_interval=PLAY_INTERVAL_MS)
    RunView(model.value)
