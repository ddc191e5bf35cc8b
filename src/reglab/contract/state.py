"""Plain objects as JSON state: what a checkpoint keeps of rule objects such as the
stopping criteria (numbers, None, strings, lists, dicts, deques and nested plain objects)."""

from __future__ import annotations

import math
from collections import deque
from typing import Any

__all__ = ["plain_state", "load_plain_state"]


def _encode(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return {"float": repr(value)}  # JSON has no inf or nan
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, deque):
        return {"deque": [_encode(item) for item in value], "maxlen": value.maxlen}
    if isinstance(value, (list, tuple)):
        return [_encode(item) for item in value]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {"dict": {key: _encode(item) for key, item in value.items()}}
    if hasattr(value, "__dict__"):
        return {"object": plain_state(value)}
    raise TypeError(f"{type(value).__name__} is not plain state")


def _decode(value: Any, current: Any) -> Any:
    if isinstance(value, dict) and "float" in value:
        return float(value["float"])
    if isinstance(value, dict) and "deque" in value:
        return deque([_decode(item, None) for item in value["deque"]], maxlen=value["maxlen"])
    if isinstance(value, dict) and "dict" in value:
        return {key: _decode(item, None) for key, item in value["dict"].items()}
    if isinstance(value, dict) and "object" in value:
        load_plain_state(current, value["object"])
        return current
    if isinstance(value, list):
        return [_decode(item, None) for item in value]
    return value


def plain_state(obj: Any) -> dict[str, Any]:
    """The attributes of `obj` as JSON values.

    Example:
        >>> rule = Patience(3); rule.step(0.0, 0.5)
        >>> plain_state(rule)["wait"]
        0
    """
    return {name: _encode(value) for name, value in vars(obj).items()}


def load_plain_state(obj: Any, state: dict[str, Any]) -> None:
    """Set the attributes `plain_state` recorded back on `obj` (nested objects in place)."""
    for name, value in state.items():
        setattr(obj, name, _decode(value, getattr(obj, name, None)))
