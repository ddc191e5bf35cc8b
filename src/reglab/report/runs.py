"""Stored runs as the report reads them: config, summary, per-epoch history, artifacts.

Everything in a report comes from the store (`RunStore.history`, the run's folder),
never from a live model, so a report can be made at any time from finished runs.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from reglab.config import ConfigError
from reglab.config.root import Config, flatten
from reglab.store import RunStore

__all__ = ["ReportRun", "load_report_runs", "config_differences", "off_defaults", "same_value", "layer_names", "network_order"]

# Names of output layers: drawn last although they sort first alphabetically
# (the store and safetensors both hand names back sorted).
OUTPUT_LAYER_NAMES = ("head", "output", "classifier", "fc_out")


@dataclass(frozen=True)
class ReportRun:
    """One stored run, read back for plotting.

    Attributes:
        id: the run id.
        label: the run's name, made unique within a report (id prefix appended on clashes).
        status: completed | stopped_early | diverged | failed | interrupted | running.
        config: the nested config dict saved with the run.
        summary: the stored summary (best epoch, final metrics, technique summaries).
        history: per-epoch metric dicts, each with its `epoch`.
        directory: the run's artifact folder (`runs/<id>/`).
    """

    id: str
    label: str
    status: str
    config: dict[str, Any]
    summary: dict[str, Any]
    history: list[dict[str, float]]
    directory: Path
    flat_config: dict[str, Any] = field(default_factory=dict)

    def keys(self) -> set[str]:
        """Every metric key present in at least one epoch."""
        return {key for row in self.history for key in row if key != "epoch"}

    def has(self, key: str) -> bool:
        """True when `key` has at least one finite value."""
        return bool(len(self.series(key)[0]))

    def series(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """(epochs, values) of `key`, finite values only."""
        points = [
            (row["epoch"], row[key])
            for row in self.history
            if key in row and row[key] is not None and math.isfinite(row[key])
        ]
        if not points:
            return np.empty(0), np.empty(0)
        epochs, values = zip(*points)
        return np.asarray(epochs, dtype=float), np.asarray(values, dtype=float)

    def last(self, key: str) -> float | None:
        """The value of `key` in the last epoch that has it."""
        _, values = self.series(key)
        return float(values[-1]) if len(values) else None

    @property
    def dataset(self) -> str:
        return str(self.config.get("data", {}).get("dataset", ""))


def _unique_labels(names: Sequence[str], ids: Sequence[str]) -> list[str]:
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    return [name if counts[name] == 1 else f"{name} ({run_id[:6]})" for name, run_id in zip(names, ids)]


def load_report_runs(store: RunStore | str | Path, run_ids: Iterable[str]) -> list[ReportRun]:
    """Read runs by id (a unique prefix is enough), in the order given, from a store or its folder.

    Raises:
        ConfigError: an id that matches no run, or more than one.
    """
    store = RunStore.of(store, read_only=True)
    stored = []
    for given in run_ids:
        full_id = store.resolve_id(given)
        if full_id is None:
            raise ConfigError("run id", given, "the id (or a unique prefix) of a stored run; see 'reglab runs list'")
        stored.append(store.get_run(full_id))
    labels = _unique_labels([run.name for run in stored], [run.id for run in stored])
    return [
        ReportRun(
            id=run.id,
            label=label,
            status=run.status,
            config=run.config,
            summary=run.summary,
            history=store.history(run.id),
            directory=store.run_dir(run.id),
            flat_config=flatten(run.config),
        )
        for run, label in zip(stored, labels)
    ]


def same_value(left: Any, right: Any) -> bool:
    """Config values compared by their JSON text (lists and dicts by content, keys sorted)."""
    return json.dumps(left, sort_keys=True, default=str) == json.dumps(right, sort_keys=True, default=str)


def off_defaults(flat_config: dict[str, Any]) -> list[tuple[str, Any]]:
    """(dotted key, value) of a run's keys whose value is not reglab's default (`name` left
    out), in config order."""
    defaults = Config().flat()
    return [(key, value) for key, value in flat_config.items() if key != "name" and not same_value(value, defaults.get(key))]


def config_differences(runs: Sequence[ReportRun]) -> tuple[str, list[tuple[str, list[Any]]]]:
    """The config keys that tell the runs apart, with each run's value.

    With two or more runs: the keys whose values differ between them (`name` left out).
    With one run: the keys that differ from reglab's defaults.

    Returns:
        (what the values are compared with, [(dotted key, [value per run])]).
    """
    if not runs:
        return "", []
    if len(runs) == 1:
        return "reglab's defaults", [(key, [value]) for key, value in off_defaults(runs[0].flat_config)]
    keys: list[str] = []
    for run in runs:
        keys.extend(key for key in run.flat_config if key not in keys)
    rows = []
    for key in keys:
        if key == "name":
            continue
        values = [run.flat_config.get(key) for run in runs]
        if any(not same_value(value, values[0]) for value in values[1:]):
            rows.append((key, values))
    return "each other", rows


def network_order(name: str) -> tuple:
    """Sort key putting layer names in network order: numbers compared as numbers
    (`hidden.10` after `hidden.2`), output layers last.

    Example:
        >>> sorted(["head.weight", "hidden.10.w", "hidden.2.w"], key=network_order)
        ['hidden.2.w', 'hidden.10.w', 'head.weight']
    """
    is_output = name.split(".")[0] in OUTPUT_LAYER_NAMES
    parts = tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", name) if part)
    return (is_output, parts)


def layer_names(runs: Sequence[ReportRun], prefix: str) -> list[str]:
    """Layer names of keys `<prefix><layer>` (e.g. `param/l2/`), `total` left out, in network order."""
    names: set[str] = set()
    for run in runs:
        for row in run.history:
            names.update(key[len(prefix) :] for key in row if key.startswith(prefix))
    names.discard("total")
    return sorted(names, key=network_order)
