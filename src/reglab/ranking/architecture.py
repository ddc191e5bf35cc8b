"""Width and depth as two hyperparameters of a ranking, read from `model.hidden`.

A sweep that varies the architecture sets `model.hidden` (a list of widths), so
`collect_sweep` sees one hyperparameter. Jiang et al. 2019 vary width and depth
separately, and their granulated τ averages over each: `split_hidden` replaces the
`model.hidden` of every run by `model.width` (its widest layer) and `model.depth`
(its number of hidden layers).
"""

from __future__ import annotations

import json
from dataclasses import replace

from reglab.ranking.collect import SweepRuns

__all__ = ["split_hidden"]

HIDDEN = "model.hidden"


def split_hidden(runs: SweepRuns) -> SweepRuns:
    """`runs` with `model.hidden` split into `model.width` and `model.depth` (unchanged
    when `model.hidden` does not vary). A width or depth that is the same in every run
    is not a hyperparameter and is left out.

    Example:
        >>> split_hidden(runs).varied
        ['data.batch_size', 'model.width', 'model.depth', ...]
    """
    if HIDDEN not in runs.varied:
        return runs
    settings = []
    for values in runs.hyperparameters:
        hidden = values[HIDDEN]
        layers = json.loads(hidden) if isinstance(hidden, str) else list(hidden or [])
        split = {key: value for key, value in values.items() if key != HIDDEN}
        split["model.width"] = max(layers) if layers else 0
        split["model.depth"] = len(layers)
        settings.append(split)
    kept = [key for key in ("model.width", "model.depth") if len({values[key] for values in settings}) > 1]
    for values in settings:
        for key in ("model.width", "model.depth"):
            if key not in kept:
                del values[key]
    at = runs.varied.index(HIDDEN)
    varied = runs.varied[:at] + kept + runs.varied[at + 1 :]
    return replace(runs, hyperparameters=settings, varied=varied)
