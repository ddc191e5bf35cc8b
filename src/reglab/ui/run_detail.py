"""One run in full for the run page and the compare page: config against the defaults,
summary, per-epoch history, and the config keys that differ between runs."""

from __future__ import annotations

import json
import math
from functools import lru_cache
from typing import Any, Sequence

from reglab.config import Config, flatten
from reglab.config.pruning import lottery_total_epochs
from reglab.ui.database import ReadOnlyDatabase
from reglab.ui.summary import summary_table

__all__ = ["default_config", "config_against_defaults", "run_details", "run_history", "config_differences"]


@lru_cache(maxsize=1)
def default_config() -> dict[str, Any]:
    """Every dotted key with its default value (reglab.config.Config())."""
    return flatten(Config().to_dict())


def _same(left: Any, right: Any) -> bool:
    return json.dumps(left, sort_keys=True, default=str) == json.dumps(right, sort_keys=True, default=str)


def config_against_defaults(config: dict[str, Any]) -> list[dict[str, Any]]:
    """`[{key, value, default, changed}]`: keys that differ from the defaults first."""
    defaults = default_config()
    rows = []
    for key, value in flatten(config).items():
        has_default = key in defaults
        rows.append(
            {
                "key": key,
                "value": value,
                "default": defaults.get(key),
                "has_default": has_default,
                "changed": not has_default or not _same(value, defaults[key]),
            }
        )
    rows.sort(key=lambda row: not row["changed"])
    return rows


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _strict(value: Any) -> Any:
    """NaN and infinities as null, so the JSON is strict."""
    if isinstance(value, dict):
        return {key: _strict(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_strict(item) for item in value]
    return _finite(value)


def planned_epochs(epochs: Any, pruning_method: Any = None, rounds: Any = None) -> int | None:
    """The epochs a run trains in all: the config's `epochs`, or for lottery tickets
    `epochs` per round over the dense round and `pruning.rounds` pruned ones
    (`reglab.config.pruning.lottery_total_epochs`).

    Example:
        >>> planned_epochs(3, "lottery", 4), planned_epochs(10, "magnitude", 4), planned_epochs(None)
        (15, 10, None)
    """
    if not isinstance(epochs, int) or isinstance(epochs, bool):
        return None
    if pruning_method == "lottery" and isinstance(rounds, int):
        return lottery_total_epochs(epochs, rounds)
    return epochs


RUN_QUERY = (
    "SELECT id, name, status, config, summary, error, sweep, epochs, started_at, ended_at, reglab_version, host, pid"
    " FROM runs WHERE id = ?"
)


def run_details(database: ReadOnlyDatabase, run_id: str) -> dict[str, Any] | None:
    """Identity, config (against the defaults), summary (and its table as shown) and error of
    one run; None if unknown."""
    rows = database.query(RUN_QUERY, (run_id,))
    if not rows:
        return None
    run_id, name, status, config, summary, error, sweep, epochs, started, ended, version, host, pid = rows[0]
    config = json.loads(config)
    summary = _strict(json.loads(summary)) if summary else {}
    return {
        "id": run_id,
        "name": name,
        "status": status,
        "sweep": sweep,
        "epochs": epochs,
        "epochs_planned": planned_epochs(config.get("epochs"), (config.get("pruning") or {}).get("method"),
                                         (config.get("pruning") or {}).get("rounds")),
        "started_at": started,
        "ended_at": ended,
        "reglab_version": version,
        "host": host,
        "pid": pid,
        "error": error,
        "config": config,
        "config_rows": config_against_defaults(config),
        "summary": summary,
        "summary_table": summary_table(summary),
    }


def run_history(database: ReadOnlyDatabase, run_id: str, after: int = -1) -> dict[str, Any]:
    """Per-epoch metrics as columns: `{epochs: [...], series: {key: [value or null per epoch]}}`.

    Only epochs after `after` are returned, so a page that polls a running run fetches
    just its new epochs.
    """
    rows = database.query(
        "SELECT epoch, key, value FROM metrics WHERE run_id = ? AND epoch > ? ORDER BY epoch", (run_id, after)
    )
    epochs: list[int] = []
    position: dict[int, int] = {}
    for epoch, _, _ in rows:
        if epoch not in position:
            position[epoch] = len(epochs)
            epochs.append(epoch)
    series: dict[str, list[Any]] = {}
    for epoch, key, value in rows:
        column = series.setdefault(key, [None] * len(epochs))
        column[position[epoch]] = _finite(value)
    return {"epochs": epochs, "series": series}


def config_differences(configs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """`[{key, values, default}]` for the dotted keys whose value is not the same in every config."""
    flats = [flatten(config) for config in configs]
    keys: list[str] = []
    for flat in flats:
        keys.extend(key for key in flat if key not in keys)
    defaults = default_config()
    differences = []
    for key in keys:
        values = [flat.get(key) for flat in flats]
        if len({json.dumps(value, sort_keys=True, default=str) for value in values}) > 1:
            differences.append({"key": key, "values": values, "default": defaults.get(key)})
    return differences
