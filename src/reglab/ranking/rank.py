"""Every measure of a sweep ranked by how well it orders the runs by generalization gap."""

from __future__ import annotations

import math
from dataclasses import dataclass

from reglab.ranking.collect import SweepRuns
from reglab.ranking.kendall import GranulatedTau, granulated_tau, kendall_tau

__all__ = ["MeasureRank", "rank_measures"]


@dataclass(frozen=True)
class MeasureRank:
    """One measure's scores.

    Attributes:
        name: the metric key (`measure/<name>`).
        tau: Kendall's τ with the gap over every run that has the measure.
        granulated: Jiang et al.'s Ψ and its per-hyperparameter means.
        runs: how many runs have a finite value of the measure.
    """

    name: str
    tau: float
    granulated: GranulatedTau
    runs: int


def rank_measures(sweep: SweepRuns) -> list[MeasureRank]:
    """The measures by τ, highest first (a measure that grows with the gap scores near 1);
    measures whose τ is undefined come last.

    Example:
        >>> ranking = rank_measures(collect_sweep(store, "fantastic"))
        >>> ranking[0].name, ranking[0].tau
    """
    ranks = []
    for name, values in sweep.measures.items():
        keep = [index for index, value in enumerate(values) if math.isfinite(value)]
        measure = [values[index] for index in keep]
        gaps = [sweep.gaps[index] for index in keep]
        settings = [sweep.hyperparameters[index] for index in keep]
        ranks.append(MeasureRank(name, kendall_tau(measure, gaps), granulated_tau(measure, gaps, settings, sweep.varied), len(keep)))
    return sorted(ranks, key=lambda rank: (math.isnan(rank.tau), -rank.tau if not math.isnan(rank.tau) else 0.0, rank.name))
