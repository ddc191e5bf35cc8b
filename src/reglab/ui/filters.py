"""The runs table's filter box: free text and key conditions such as `optimizer.lr>0.01`.

A filter is a list of words separated by spaces (brackets and quotes keep their spaces:
`model.hidden=[64, 32]`). A word of the form `KEY OP VALUE`, with OP one of
`>= <= != == = > < ~`, is a condition on a column; every other word must appear, case
ignored, in the run's id, name, sweep or status. All words must hold.

Values are read as JSON when they can be (`0.01`, `true`, `null`, `[64]`), else as text.
Numbers compare as numbers, lists and text as their JSON text; `~` tests that the value's
text contains the given text. A run without the key fails every condition on it except
`!=`.
"""

from __future__ import annotations

import json
import math
import operator
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable

__all__ = ["FilterError", "Condition", "Filter", "parse_filter", "canonical_text", "comparable_number"]

CONDITION = re.compile(r"^(?P<key>[A-Za-z_][\w./\-]*?)\s*(?P<op>>=|<=|!=|==|=|>|<|~)(?P<value>.*)$", re.S)
OPERATORS = (">=", "<=", "!=", "==", "=", ">", "<", "~")


class FilterError(ValueError):
    """A filter the UI cannot read; its message names the word and what is allowed."""


def split_words(text: str) -> list[str]:
    """Split on spaces outside brackets and quotes."""
    words, current, depth, quote = [], [], 0, ""
    for char in text:
        if quote:
            current.append(char)
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
            current.append(char)
        elif char in "[{(":
            depth += 1
            current.append(char)
        elif char in "]})":
            depth = max(0, depth - 1)
            current.append(char)
        elif char.isspace() and depth == 0:
            if current:
                words.append("".join(current))
                current = []
        else:
            current.append(char)
    if current:
        words.append("".join(current))
    return words


def comparable_number(value: Any) -> float | None:
    """A finite float for ints, floats and bools; None for anything else."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)) and not (isinstance(value, float) and math.isnan(value)):
        return float(value)
    return None


def canonical_text(value: Any) -> str:
    """The text a value is compared and grouped by: strings as they are, the rest as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if value == value and value not in (float("inf"), float("-inf")) else json.dumps(value)
    if value is None:
        return "null"
    return json.dumps(value, sort_keys=True, separators=(", ", ": "), default=str)


def _parse_value(text: str) -> Any:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    try:
        return json.loads(text)
    except ValueError:
        return text


COMPARE = {"=": operator.eq, "==": operator.eq, "!=": operator.ne, ">": operator.gt, "<": operator.lt, ">=": operator.ge, "<=": operator.le}


@dataclass(frozen=True)
class Condition:
    """`key op value` on one column."""

    key: str
    op: str
    value: Any

    def __post_init__(self) -> None:
        object.__setattr__(self, "_number", comparable_number(self.value))
        object.__setattr__(self, "_compare", COMPARE.get(self.op))

    def holds(self, actual: Any, present: bool) -> bool:
        if not present or actual is None:
            return self.op == "!=" and self.value is not None
        if self._number is not None and type(actual) in (int, float) and actual == actual:
            return self._compare(float(actual), self._number)  # the common case, kept fast
        if self.op == "~":
            return str(self.value).lower() in canonical_text(actual).lower()
        wanted, have = comparable_number(self.value), comparable_number(actual)
        if wanted is not None and have is not None:
            left, right = have, wanted
        else:
            left, right = canonical_text(actual), canonical_text(self.value)
            if self.op in (">", "<", ">=", "<=") and (wanted is None) != (have is None):
                return False
        if self.op in ("=", "=="):
            return left == right
        if self.op == "!=":
            return left != right
        if self.op == ">":
            return left > right
        if self.op == "<":
            return left < right
        if self.op == ">=":
            return left >= right
        return left <= right


@dataclass(frozen=True)
class Filter:
    """Free-text words and key conditions; a run passes when every one holds."""

    words: tuple[str, ...] = ()
    conditions: tuple[Condition, ...] = ()

    def matches(self, text: str, lookup: Callable[[str], tuple[bool, Any]]) -> bool:
        """`text`: the run's searchable text (lower case); `lookup(key)` → (present, value)."""
        if any(word not in text for word in self.words):
            return False
        for condition in self.conditions:
            present, value = lookup(condition.key)
            if not condition.holds(value, present):
                return False
        return True

    @property
    def empty(self) -> bool:
        return not self.words and not self.conditions

    @property
    def cache_key(self) -> tuple:
        """A hashable form (condition values may be lists)."""
        return self.words, tuple((c.key, c.op, canonical_text(c.value)) for c in self.conditions)


def parse_filter(text: str | None, known_keys: Iterable[str]) -> Filter:
    """Read the filter box. Raises FilterError naming an unknown key or an empty value."""
    if not text or not text.strip():
        return Filter()
    known = set(known_keys)
    words: list[str] = []
    conditions: list[Condition] = []
    for word in split_words(text):
        match = CONDITION.match(word)
        if match is None:
            words.append(word.lower())
            continue
        key, op, value = match["key"], match["op"], match["value"]
        if key not in known:
            close = sorted(candidate for candidate in known if key.split(".")[-1] in candidate)[:6]
            hint = ", ".join(close) if close else ", ".join(sorted(known)[:6]) + ", ..."
            raise FilterError(f"filter {word!r}: unknown key {key!r}; allowed: a column such as {hint}")
        if not value.strip():
            raise FilterError(f"filter {word!r}: no value after {op!r}; allowed: KEY{op}VALUE, e.g. optimizer.lr>0.01")
        conditions.append(Condition(key, op, _parse_value(value)))
    return Filter(tuple(words), tuple(conditions))
