"""Pruned weights in a histogram: drawn without the spike of exact zeros, and said in words.

A layer pruned to 20 % of its weights holds 80 % exact zeros; one histogram bar of them
flattens the weights that remain to a line along the axis. The histograms of the reports
(`reglab.report.plots.histograms`) and of the dashboard (`reglab.ui.histograms`) both draw
the weights that are not exactly zero and say how many are. Only NumPy: the dashboard
reads this without matplotlib or PyTorch.
"""

from __future__ import annotations

import numpy as np

__all__ = ["LEFT_OUT", "split_pruned", "pruned_note"]


def split_pruned(values: np.ndarray) -> tuple[np.ndarray, int]:
    """(the finite values that are not exactly 0, how many values are exactly 0).

    Example:
        >>> kept, zeros = split_pruned(np.array([0.0, 0.5, -0.0, np.nan, -1.0]))
        >>> kept.tolist(), zeros
        ([0.5, -1.0], 2)
    """
    flat = np.asarray(values).ravel()
    zero = flat == 0.0
    return flat[~zero & np.isfinite(flat)], int(np.count_nonzero(zero))


# Said once beside the histograms (the report's caption, a line on the run page).
LEFT_OUT = "Weights exactly 0 (pruned) are not drawn: their spike would flatten the weights that remain; each layer's title says how many there are."


def pruned_note(label: str, zeros: int, size: int) -> str:
    """How many of a layer's weights are exactly 0, short enough for a panel's title;
    "" when none is.

    Example:
        >>> pruned_note("final", 6400, 8000)
        'final: 80 % pruned (6,400 of 8,000 exactly 0)'
    """
    if not zeros or not size:
        return ""
    return f"{label}: {100 * zeros / size:.3g} % pruned ({zeros:,} of {size:,} exactly 0)"
