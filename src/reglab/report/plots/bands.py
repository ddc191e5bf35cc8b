"""A group of runs over seeds drawn as its mean curve and a ±1 standard deviation band."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from reglab.report.groups import RunGroup

__all__ = ["BAND_ALPHA", "draw_group", "group_label"]

BAND_ALPHA = 0.18


def group_label(group: RunGroup) -> str:
    """The legend entry: the run's label, or the config's name with the number of seeds."""
    return f"{group.label} (mean ± std, {group.size} seeds)" if group.size > 1 else group.label


def draw_group(axes: Axes, group: RunGroup, key: str, label: str | None, band: bool = True, **style: object) -> np.ndarray:
    """Plot `key` of a group: the run itself for a group of one, else the mean per epoch
    and (with `band`) a band of ±1 sample standard deviation; returns the values drawn."""
    epochs, mean, std, _ = group.series(key)
    if not len(mean):
        return mean
    axes.plot(epochs, mean, label=label, **style)
    if band and group.size > 1:
        axes.fill_between(epochs, mean - std, mean + std, color=style.get("color"), alpha=BAND_ALPHA, linewidth=0)
    return mean
