"""What every tracker receives from a run: params (the flat config keys), tags, per-epoch metrics.

    params   every dotted config key (`optimizer.lr`, `model.hidden`, ...); lists and
             mappings as JSON text; `tracking.*` left out (it names the trackers)
    tags     status, sweep, name, and `reglab.run_id` (the key that makes exports idempotent)
    metrics  each epoch's row with step = epoch; NaN and ±inf left out
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Mapping, Sequence

from reglab.config import flatten

__all__ = ["run_params", "run_tags", "epoch_metrics", "varying_keys", "RUN_ID_TAG", "metric_key"]

RUN_ID_TAG = "reglab.run_id"
_UNSAFE = re.compile(r"[^A-Za-z0-9_\-./ ]")


def metric_key(key: str) -> str:
    """A metric or param name in the characters MLflow accepts (letters, digits, _ - . / and space)."""
    return _UNSAFE.sub("_", key)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def run_params(config: Mapping[str, Any]) -> dict[str, str]:
    """Flat config keys -> text values (`tracking.*` left out)."""
    return {metric_key(key): _text(value) for key, value in flatten(dict(config)).items() if not key.startswith("tracking.")}


def run_tags(run_id: str, name: str, status: str, sweep: str | None) -> dict[str, str]:
    return {RUN_ID_TAG: run_id, "name": name, "status": status, "sweep": sweep or ""}


def epoch_metrics(row: Mapping[str, float]) -> dict[str, float]:
    """One history row without `epoch` and without non-finite values."""
    return {
        metric_key(key): float(value)
        for key, value in row.items()
        if key != "epoch" and isinstance(value, (int, float)) and math.isfinite(value)
    }


def varying_keys(configs: Sequence[Mapping[str, Any]]) -> list[str]:
    """Flat config keys whose values differ between `configs` (a sweep's hyperparameters)."""
    flats = [run_params(config) for config in configs]
    keys = sorted({key for flat in flats for key in flat})
    return [key for key in keys if len({flat.get(key) for flat in flats}) > 1]
