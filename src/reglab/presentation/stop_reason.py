"""A run's stop reason with its number in the format of the tables beside it.

The stopping rules write the monitored value in full (`GL_2 fired after epoch 5 (val/acc =
0.868056)`, Optuna's pruner `(val/loss 0.4321)`); shown next to a table whose val/acc
column reads `0.8681`, the six decimals look like a different number. The report's best
epoch table and the dashboard's run page both rewrite it with the formatter of the
monitored metric's column (`reglab.formatting.column_formatter`). Stored summaries keep
the reason as written. No heavy imports: the dashboard reads this.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from reglab.formatting import column_formatter

__all__ = ["stop_value", "stop_reason_text"]

# "(<metric key> = <number>)" or "(<metric key> <number>)": the monitored value in a reason.
STOP_VALUE = re.compile(
    r"\((?P<key>[A-Za-z_][\w./-]*)(?P<between> = | )"
    r"(?P<value>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|nan|-?inf)\)"
)


def stop_value(reason: str) -> tuple[str, float] | None:
    """(metric key, value) of the monitored value a stop reason names, or None.

    Example:
        >>> stop_value("GL_2 fired after epoch 5 (val/acc = 0.868056)")
        ('val/acc', 0.868056)
    """
    match = STOP_VALUE.search(reason or "")
    return (match["key"], float(match["value"])) if match else None


def stop_reason_text(reason: str, formatter: Callable[[str], Callable[[Any], str] | None]) -> str:
    """`reason` with its monitored value written by `formatter(key)`, the formatter of the
    metric's column (None when no table shows the metric: the value alone decides, as a
    column of one); a reason without a value is returned as it is.

    Example:
        >>> stop_reason_text("GL_2 fired after epoch 5 (val/acc = 0.868056)", lambda key: column_formatter([0.875]))
        'GL_2 fired after epoch 5 (val/acc = 0.8681)'
    """
    match = STOP_VALUE.search(reason or "")
    if not match:
        return reason
    value = float(match["value"])
    shown = (formatter(match["key"]) or column_formatter([value]))(value)
    return f"{reason[:match.start()]}({match['key']}{match['between']}{shown}){reason[match.end():]}"
