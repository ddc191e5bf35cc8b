"""A run's config as the differences from a baseline config, keyed by dotted column names.

Columns are named as `reglab runs export` names them: dotted config keys, except the
config's `epochs`, which becomes `epochs_planned` (`epochs` is the number trained), and
`name`, which is the run's own column.
"""

from __future__ import annotations

from typing import Any

from reglab.config import flatten
from reglab.ui.records import MISSING

__all__ = ["config_column", "flat_config", "config_changes"]


def config_column(key: str) -> str | None:
    """The column name of a flattened config key (None for `name`)."""
    if key == "epochs":
        return "epochs_planned"
    if key == "name":
        return None
    return key


def flat_config(config: dict[str, Any]) -> dict[str, Any]:
    """Every key of a nested config, flattened (reglab.config.flatten) and named as a column."""
    flat = {}
    for key, value in flatten(config).items():
        column = config_column(key)
        if column is not None:
            flat[column] = value
    return flat


def config_changes(config: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    """The columns where nested `config` differs from nested `baseline` (MISSING where it lacks one).

    Whole sections are compared first (one C-level dict comparison), so a sweep's config
    costs a few comparisons plus the keys that really differ, not a full flatten.
    """
    changes: dict[str, Any] = {}
    _collect(config, baseline, "", changes)
    return changes


def _nested(key: str, value: Any) -> bool:
    """Whether `flatten` descends into this value (as reglab.config.flatten does)."""
    return isinstance(value, dict) and bool(value) and key != "per_layer"


def _collect(tree: dict[str, Any], base: dict[str, Any], prefix: str, changes: dict[str, Any]) -> None:
    for key, value in tree.items():
        other = base.get(key, MISSING)
        if other == value and type(other) is type(value):
            continue
        dotted = prefix + key
        if _nested(key, value):
            _collect(value, other if isinstance(other, dict) else {}, dotted + ".", changes)
        else:
            column = config_column(dotted)
            if column is not None:
                changes[column] = value
    for key, other in base.items():
        if key not in tree:
            dotted = prefix + key
            leaves = flatten(other, dotted + ".") if _nested(key, other) else {dotted: other}
            for leaf in leaves:
                column = config_column(leaf)
                if column is not None:
                    changes[column] = MISSING
