"""What the web app's controls change: the config options and the few knobs per option worth
a slider, turned into the Hydra overrides the command line would take.

Kept apart from the page so it can be checked without a browser or a server. A control only
applies while its option is chosen (the batch size to ``staggered``, the report limit to the
``count`` rule); a command-line override of a group key is kept only while the chosen option
has that key, so switching strategy in the page never produces a config Hydra rejects.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from omegaconf import OmegaConf

from sim.config import SCHEMAS, compose, options
from sim.model import OutreachModel
from sim.units import HOURS_PER_DAY, HOURS_PER_WEEK

# Launch overrides that pick an option or the seed become the page's starting values.
CHOSEN = ("strategy", "population", "platform", "network", "seed")


@dataclass(frozen=True)
class Control:
    name: str  # keyword of AppModel
    key: str  # config key it sets
    applies: tuple[str, ...]  # the options of the key's group that have it
    widget: str  # SliderInt | SliderFloat | Checkbox
    label: str
    lo: float = 0
    hi: float = 0
    step: float = 1

    @property
    def group(self) -> str:
        return self.key.split(".")[0]


PERSONAL = ("personal_first", "blast_then_personal")
# The keys each built-in strategy uses (docs/MODEL.md, Strategies): every strategy's config
# carries them all, so the page shows and sets only these.
STRATEGY_KEYS = {
    "generic_blast": (),
    "personal_first": ("k", "notes_per_day", "delay_hours"),
    "blast_then_personal": ("k", "notes_per_day", "delay_hours"),
    "staggered": ("batch_size", "interval_hours", "order", "adaptive_pause", "pause_reports",
                  "pause_window_hours"),
    "plan": ("path",),
}
STRATEGIES = tuple(STRATEGY_KEYS)
# Options that need a file the page cannot choose: offered only when the launch names one.
NEEDS_FILE = {"plan": "path"}
CONTROLS = (
    Control("message_quality", "strategy.message_quality", STRATEGIES, "SliderFloat",
            "quality of the generic message (0.5: ordinary)", 0.0, 1.0, 0.05),
    Control("note_quality", "strategy.note_quality", (*PERSONAL, "plan"), "SliderFloat",
            "quality of the personal notes (0.5: ordinary)", 0.0, 1.0, 0.05),
    Control("fatigue_per_ask", "population.fatigue_per_ask", ("default", "homogeneous"),
            "SliderFloat", "fatigue: fall in read/reply/share chance per recent ask", 0.0, 2.0, 0.05),
    Control("batch_size", "strategy.batch_size", ("staggered",), "SliderInt",
            "staggered: contacts per batch", 10, 1000, 10),
    Control("interval_hours", "strategy.interval_hours", ("staggered",), "SliderInt",
            "staggered: hours between batches", 1, HOURS_PER_WEEK),
    Control("adaptive_pause", "strategy.adaptive_pause", ("staggered",), "Checkbox",
            "staggered: pause after a spam report"),
    Control("notes", "strategy.k", PERSONAL, "SliderInt",
            "personal notes to the closest ties", 0, 500, 10),
    Control("notes_per_day", "strategy.notes_per_day", PERSONAL, "SliderInt",
            "personal notes written per day", 1, 100),
    Control("blast_delay_hours", "strategy.delay_hours", ("personal_first",), "SliderInt",
            "personal_first: hours from the last note to the blast", 0, 336),
    Control("notes_delay_hours", "strategy.delay_hours", ("blast_then_personal",), "SliderInt",
            "blast_then_personal: hours from the blast to the notes", 0, 6 * HOURS_PER_WEEK,
            HOURS_PER_DAY),
    Control("max_reports", "platform.max_reports", ("count",), "SliderInt",
            "count rule: reports that restrict", 1, 20),
    Control("window_hours", "platform.window_hours", ("count",), "SliderInt",
            "count rule: window (hours)", 1, HOURS_PER_WEEK),
    Control("max_rate", "platform.max_rate", ("rate",), "SliderFloat",
            "rate rule: spam rate that restricts", 0.0005, 0.05, 0.0005),
    Control("restrict_prob", "platform.restrict_prob", ("review",), "SliderFloat",
            "review rule: chance a report is upheld", 0.0, 1.0, 0.05),
    Control("min_response_rate", "platform.min_response_rate", ("response_rate",), "SliderFloat",
            "response_rate rule: reply rate below which it restricts", 0.0, 0.5, 0.01),
    Control("daily_cap", "platform.daily_cap", ("none", "count", "rate", "review", "response_rate"),
            "SliderInt",
            "messages per day at most (0: no cap)", 0, 2000, 50),
)


def split_launch(overrides) -> tuple[dict, list[str]]:
    """Launch overrides -> ({option or seed: value}, the other overrides in order)."""
    chosen, rest = {}, []
    for item in overrides:
        key, sep, value = item.partition("=")
        if sep and key in CHOSEN:
            chosen[key] = value
        else:
            rest.append(item)
    return chosen, rest


def applicable(overrides, chosen: dict) -> list[str]:
    """The overrides that fit the chosen options: ``group.key=...`` only if that option's
    schema has ``key``; any other override as it is."""
    keep = []
    for item in overrides:
        key = item.partition("=")[0].lstrip("+~")
        group, _, field = key.partition(".")
        if group in ("strategy", "population", "platform") and field:
            schema = SCHEMAS[group].get(chosen.get(group))
            top = field.split(".")[0]
            if schema is not None and top not in {f.name for f in dataclasses.fields(schema)}:
                continue
        keep.append(item)
    return keep


def control_overrides(values: dict, chosen: dict) -> list[str]:
    """Overrides for the controls that apply to the chosen options."""
    out = []
    for c in CONTROLS:
        if c.name in values and chosen.get(c.group) in c.applies:
            v = values[c.name]
            out.append(f"{c.key}={str(v).lower() if isinstance(v, bool) else v}")
    return out


class AppModel(OutreachModel):
    """``OutreachModel`` built from the page's controls on top of the launch overrides."""

    def __init__(self, strategy: str = "generic_blast", population: str = "default",
                 platform: str = "count", seed: int = 0, network: str = "ego",
                 base_overrides=(), scenario=None, **controls):
        # ``scenario``: SolaraViz's Reset passes a fresh Mesa Scenario; the seed is ours
        del scenario
        chosen = {"strategy": strategy, "population": population, "platform": platform,
                  "network": network}
        unknown = set(controls) - {c.name for c in CONTROLS}
        if unknown:
            raise TypeError(f"AppModel: unknown control(s) {sorted(unknown)}")
        overrides = applicable(base_overrides, chosen) + control_overrides(controls, chosen)
        super().__init__(strategy=strategy, network=network, population=population,
                         platform=platform, overrides=overrides, rng=int(seed))


def _schema_default(cfg, control: Control):
    """A control's default for its first option, with interpolations (k = close_ties) resolved
    against the launch config."""
    schema = SCHEMAS[control.group][control.applies[0]]
    root = OmegaConf.create({"close_ties": cfg.close_ties, control.group: OmegaConf.structured(schema)})
    return OmegaConf.select(root, control.key)


def launch_settings(overrides=()) -> dict:
    """Starting values of every parameter of ``AppModel`` and the widgets that change them,
    as Mesa's ``SolaraViz`` takes them (``model_params``). Raises ConfigError (or Hydra's
    error) for overrides the command line would reject."""
    from sim.config import validate

    chosen, rest = split_launch(overrides)
    cfg = compose(list(overrides))
    validate(cfg)
    start = {
        "strategy": chosen.get("strategy", cfg.strategy.get("name")),
        "population": chosen.get("population", cfg.population.kind),
        "platform": chosen.get("platform", cfg.platform.rule),
        "network": chosen.get("network", cfg.network.kind),
        "seed": int(cfg.seed),
    }
    params: dict = {}
    for group in ("strategy", "population", "platform"):
        values = options(group)
        if group == "strategy":  # plan without strategy.path=FILE would only fail
            values = [v for v in values if v not in NEEDS_FILE or cfg.strategy.get(NEEDS_FILE[v])]
        if start[group] not in values:
            values.append(start[group])
        params[group] = {"type": "Select", "value": start[group], "values": values,
                         "label": group.capitalize()}
    params["seed"] = {"type": "SliderInt", "value": start["seed"], "min": min(0, start["seed"]),
                      "max": max(999, start["seed"]), "step": 1, "label": "Seed"}
    for c in CONTROLS:
        if start[c.group] in c.applies:
            value = OmegaConf.select(cfg, c.key)
        else:
            value = _schema_default(cfg, c)
        if c.widget == "Checkbox":
            params[c.name] = {"type": "Checkbox", "value": bool(value), "label": c.label}
            continue
        value = float(value) if c.widget == "SliderFloat" else int(round(float(value)))
        params[c.name] = {"type": c.widget, "value": value, "min": min(c.lo, value),
                          "max": max(c.hi, value), "step": c.step, "label": c.label}
    params["network"] = start["network"]  # fixed: the network comes from the command line
    params["base_overrides"] = tuple(rest)
    return params


def initial_kwargs(params: dict) -> dict:
    """AppModel's keyword arguments at the widgets' starting values."""
    return {k: (v["value"] if isinstance(v, dict) else v) for k, v in params.items()}
