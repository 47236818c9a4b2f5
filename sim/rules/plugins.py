"""Classes of the user's own, named in the config by ``_target_`` (a strategy, a platform rule):
imported, built from the config block's other keys and checked against the protocol they must
follow, with one-line errors naming the key."""

from __future__ import annotations

import importlib


def build(block: str, cfg, params: dict, protocol, error: type, expected: str):
    """An instance of the class ``cfg._target_`` names, built with ``params``; ``error`` (a
    UserError) names ``<block>._target_`` when it cannot be imported, built or used."""
    target = cfg["_target_"]
    module, _, name = str(target).rpartition(".")
    try:
        cls = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise error(f"{block}._target_={target!r}: cannot import ({exc})") from None
    try:
        obj = cls(**params)
    except TypeError as exc:
        raise error(f"{block}._target_={target!r}: cannot be built from the {block} block "
                    f"({exc})") from None
    if not isinstance(obj, protocol):
        raise error(f"{block}._target_={target!r}: expected a class with {expected}")
    return obj
