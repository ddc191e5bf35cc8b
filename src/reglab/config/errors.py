"""The one error type for bad user input, printed as a single line."""

from __future__ import annotations

from typing import Any

__all__ = ["ConfigError", "describe_value"]


def describe_value(value: Any) -> str:
    """Render a user-supplied value compactly for an error line."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class ConfigError(ValueError):
    """Bad input from a person: a config key, a value, a path or a CLI argument.

    The message is one line naming the key (or path), the bad value and what is
    allowed. The CLI prints it without a traceback and exits with code 2.

    Example:
        >>> str(ConfigError("optimizer.lr", -1, "a number > 0"))
        "optimizer.lr: got -1; allowed: a number > 0"
    """

    def __init__(self, key: str, value: Any, allowed: str) -> None:
        self.key = key
        self.value = value
        self.allowed = allowed
        super().__init__(f"{key}: got {describe_value(value)}; allowed: {allowed}")

    def __reduce__(self):
        """Pickled as its key, value and allowed: a sweep's worker process or Ray task hands
        it to the driver (pickle's default rebuilds an exception from its one message)."""
        return type(self), (self.key, self.value, self.allowed)
