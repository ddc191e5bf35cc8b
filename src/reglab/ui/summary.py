"""The run page's summary table, its numbers written by the server.

One format per metric (`reglab.formatting.column_formatter` over the metric's final,
best-epoch and `final_eval` values), so the two cells of a row line up, and the stop
reason's monitored value in its metric's format (`reglab.presentation.stop_reason`, the rule of
the report's best-epoch table): `(val/acc = 0.8681)` beside a table of `0.8681`, not the
six decimals the stopping rule wrote.
"""

from __future__ import annotations

from typing import Any, Callable

from reglab.formatting import column_formatter
from reglab.presentation.stop_reason import stop_reason_text

__all__ = ["SUMMARY_KEYS", "summary_table"]

SUMMARY_KEYS = ("train/loss", "train/acc", "val/loss", "val/acc", "test/loss", "test/acc", "lr")


def summary_table(summary: dict[str, Any]) -> dict[str, Any]:
    """`{rows: [{key, final, best}], stop_reason}` as shown: the curves' final and best-epoch
    values, then `final_eval/<key>` (the weights the run ended with; `best` empty).

    Example:
        >>> table = summary_table({"final": {"val/acc": 0.8681}, "best": {"val/acc": 0.875},
        ...                        "stop_reason": "GL_2 fired after epoch 5 (val/acc = 0.868056)"})
        >>> table["rows"], table["stop_reason"]
        ([{'key': 'val/acc', 'final': '0.8681', 'best': '0.8750'}], 'GL_2 fired after epoch 5 (val/acc = 0.8681)')
    """
    final = summary.get("final") or {}
    best = summary.get("best") or {}
    final_eval = summary.get("final_eval") or {}

    def formatter(key: str) -> Callable[[Any], str]:
        return column_formatter([final.get(key), best.get(key), final_eval.get(key)])

    def reason_formatter(key: str) -> Callable[[Any], str] | None:
        return formatter(key) if any(key in values for values in (final, best, final_eval)) else None

    rows = [
        {"key": key, "final": formatter(key)(final.get(key)), "best": formatter(key)(best.get(key))}
        for key in SUMMARY_KEYS
        if key in final or key in best
    ]
    rows += [{"key": f"final_eval/{key}", "final": formatter(key)(value), "best": ""} for key, value in final_eval.items()]
    reason = summary.get("stop_reason")
    return {"rows": rows, "stop_reason": stop_reason_text(reason, reason_formatter) if isinstance(reason, str) else ""}
