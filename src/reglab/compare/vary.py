"""`--vary KEY=V1,V2,…`: variants from lists of values, crossed with each other.

Each value is read as YAML, like `--set`; commas inside brackets or braces do not
split (`model.hidden=[64,32],[128]` gives two values).
"""

from __future__ import annotations

import itertools
from typing import Any, Sequence

import yaml

from reglab.compare.variants import Variant
from reglab.config import ConfigError

__all__ = ["parse_vary", "split_values", "vary_variants", "cross_variants", "describe_value"]


def split_values(text: str) -> list[str]:
    """Split on commas that are not inside [...] or {...}.

    Example:
        >>> split_values("[64,32],[128], 256")
        ['[64,32]', '[128]', '256']
    """
    parts, depth, current = [], 0, []
    for char in text:
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return parts


def parse_vary(text: str) -> tuple[str, list[Any]]:
    """`"optimizer.lr=0.01,0.1"` -> `("optimizer.lr", [0.01, 0.1])`.

    Raises:
        ConfigError: no `=`, an empty value, or a value that is not YAML.
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    allowed = "KEY=V1,V2,... with a dotted key and at least one value, e.g. optimizer.lr=0.01,0.1"
    if not sep or not key or not raw.strip():
        raise ConfigError("--vary", text, allowed)
    values = []
    for part in split_values(raw):
        if not part:
            raise ConfigError("--vary", text, allowed)
        try:
            values.append(yaml.safe_load(part))
        except yaml.YAMLError:
            raise ConfigError(key, part, "a YAML value (number, string, [list], {mapping})") from None
    return key, values


def describe_value(value: Any) -> str:
    """Short text for a label: `0.01`, `[64, 32]`, `true`."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (list, dict)):
        return yaml.safe_dump(value, default_flow_style=True).strip()
    return str(value)


def vary_variants(varies: Sequence[str]) -> list[Variant]:
    """Every combination of the `--vary` values (a grid), labelled `key=value, …`.

    Example:
        >>> [v.label for v in vary_variants(["optimizer.lr=0.01,0.1"])]
        ['optimizer.lr=0.01', 'optimizer.lr=0.1']
    """
    parsed = [parse_vary(text) for text in varies]
    keys = [key for key, _ in parsed]
    if len(set(keys)) != len(keys):
        duplicate = next(key for key in keys if keys.count(key) > 1)
        raise ConfigError("--vary", duplicate, "each key at most once (list all its values in one --vary)")
    variants = []
    for combination in itertools.product(*(values for _, values in parsed)):
        pairs = tuple(zip(keys, combination))
        label = ", ".join(f"{key}={describe_value(value)}" for key, value in pairs)
        variants.append(Variant(label, pairs))
    return variants


def cross_variants(first: Sequence[Variant], second: Sequence[Variant]) -> list[Variant]:
    """Every pair: the first's overrides then the second's, labels joined with ' | '."""
    if not second:
        return list(first)
    if not first:
        return list(second)
    return [Variant(f"{a.label} | {b.label}", (*a.overrides, *b.overrides)) for a in first for b in second]
