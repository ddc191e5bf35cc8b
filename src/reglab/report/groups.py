"""Runs grouped for plotting: by dataset (one axis each) and by config over seeds
(one mean curve with a band).

Runs of one config over several seeds share the config's `name` (what
`reglab compare --seeds N` and `--vary seed=…` over a named config produce); a
report draws such a group as its mean curve with a ±1 standard deviation band.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from reglab.report.runs import ReportRun

__all__ = ["RunGroup", "seed_groups", "by_dataset", "has_seed_groups"]


@dataclass(frozen=True)
class RunGroup:
    """Runs of one config that differ only by seed (a single run is a group of one).

    Attributes:
        label: the config's name (the run's label for a group of one).
        runs: the members, in report order.
    """

    label: str
    runs: tuple[ReportRun, ...]

    @property
    def size(self) -> int:
        return len(self.runs)

    def has(self, key: str) -> bool:
        return any(run.has(key) for run in self.runs)

    def series(self, key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(epochs, mean, std, n) of `key` per epoch over the members that have it.

        std is the sample standard deviation (n − 1), 0 where only one member has the
        epoch (a run that stopped early leaves the later epochs to the others).
        """
        values: dict[float, list[float]] = {}
        for run in self.runs:
            epochs, series = run.series(key)
            for epoch, value in zip(epochs, series):
                values.setdefault(float(epoch), []).append(float(value))
        if not values:
            empty = np.empty(0)
            return empty, empty, empty, empty
        epochs = np.array(sorted(values))
        mean = np.array([np.mean(values[epoch]) for epoch in epochs])
        std = np.array([np.std(values[epoch], ddof=1) if len(values[epoch]) > 1 else 0.0 for epoch in epochs])
        count = np.array([len(values[epoch]) for epoch in epochs], dtype=float)
        return epochs, mean, std, count

    @property
    def dataset(self) -> str:
        return self.runs[0].dataset


def _name(run: ReportRun) -> str:
    return str(run.config.get("name") or run.label)


def seed_groups(runs: Sequence[ReportRun]) -> list[RunGroup]:
    """Runs grouped by config name, in order of first appearance; a run whose name no
    other run shares is a group of one, labelled as the run."""
    members: dict[str, list[ReportRun]] = {}
    for run in runs:
        members.setdefault(_name(run), []).append(run)
    return [RunGroup(name if len(group) > 1 else group[0].label, tuple(group)) for name, group in members.items()]


def has_seed_groups(runs: Sequence[ReportRun]) -> bool:
    """True when at least two runs share a config name (a config repeated over seeds)."""
    return any(group.size > 1 for group in seed_groups(runs))


def by_dataset(runs: Sequence[ReportRun]) -> list[tuple[str, list[ReportRun]]]:
    """Runs split by dataset, in order of first appearance: each gets its own axis
    (an MSE over 3,000 epochs and an NLL over 200 share no scale)."""
    split: dict[str, list[ReportRun]] = {}
    for run in runs:
        split.setdefault(run.dataset, []).append(run)
    return list(split.items())
