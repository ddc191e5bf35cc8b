"""Summaries as strict JSON: NaN and ±inf become null, as a metric's non-finite value is NULL.

Python's `json` writes NaN and Infinity, which are not JSON: SQLite's `json_extract`
refuses the whole row ("malformed JSON") and so do `jq` and browsers' `JSON.parse`. A
diverged run's summary holds such values (its final loss), so the store writes them as
null; whoever reads the summary back sees None where the run had a non-finite number.

Example:
    >>> strict_json_text({"final_eval": {"val/loss": float("nan"), "val/acc": 0.1}})
    '{"final_eval": {"val/acc": 0.1, "val/loss": null}}'
"""

from __future__ import annotations

import json
import math
from typing import Any, Mapping

__all__ = ["finite_values", "strict_json_text"]


def finite_values(value: Any) -> Any:
    """`value` with every non-finite number (Python's, NumPy's, a 0-d tensor's) replaced by None."""
    if isinstance(value, Mapping):
        return {key: finite_values(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_values(item) for item in value]
    if value is None or isinstance(value, (bool, int, str)):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    return number if math.isfinite(number) else None


def strict_json_text(value: Any, **options: Any) -> str:
    """`json.dumps` of `finite_values(value)`, keys sorted; refuses anything still not JSON."""
    return json.dumps(finite_values(value), sort_keys=True, allow_nan=False, **options)
