"""Nested config dicts as dotted keys (`optimizer.lr`), the form of `--set` and exported columns."""

from __future__ import annotations

from typing import Any

__all__ = ["flatten"]


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dict -> {"a.b": value}; lists and dict-valued leaves (per_layer) stay whole.

    Example:
        >>> flatten({"optimizer": {"lr": 0.1}, "seed": 0})
        {'optimizer.lr': 0.1, 'seed': 0}
    """
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and value and key != "per_layer":
            flat.update(flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat
