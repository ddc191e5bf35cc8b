"""Kendall's τ between a measure and the generalization gap, and Jiang et al.'s granulated τ.

    τ(μ, g) = (concordant − discordant pairs) / normalization       (τ-b: ties counted
                                                                       as scipy.stats.kendalltau does)

Granulated τ (Jiang et al. 2019, §4): for every hyperparameter θᵢ, the runs are split
into groups in which every other hyperparameter is fixed (only θᵢ varies); mᵢ is the
mean τ over those groups, and

    Ψ = (1/n) Σᵢ mᵢ       (the mean over the n hyperparameters that form any group).

A group with fewer than two runs, or whose gap is constant (τ undefined), is left out
of its mean; a measure that stays constant while the gap varies predicts nothing of
it and scores τ = 0 there (scipy leaves that τ undefined).

Reference:
    Jiang, Neyshabur, Mobahi, Krishnan & Bengio 2020, Fantastic Generalization Measures
    and Where to Find Them, ICLR, arXiv:1912.02178.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Hashable, Mapping, Sequence

__all__ = ["GranulatedTau", "kendall_tau", "granulated_tau"]


# Up to this many runs τ-b is counted pair by pair in numpy (`_pairwise_tau_b`): Ψ asks
# for tens of thousands of τ over small groups, where scipy's per-call overhead (about
# 1 ms) made a 1,080-run sweep with 20 measures take 80 s.
_PAIRWISE_MAX = 64


def kendall_tau(measure: Sequence[float], gap: Sequence[float]) -> float:
    """Kendall's τ-b of two equally long sequences: NaN when the gap is constant or there are
    fewer than 2 values, 0 when only the measure is constant.

    Example:
        >>> round(kendall_tau([1, 2, 3, 4], [0.1, 0.2, 0.4, 0.3]), 6)
        0.666667
    """
    if len(measure) < 2 or len(set(gap)) < 2:
        return math.nan
    if len(set(measure)) < 2:
        return 0.0
    if len(measure) <= _PAIRWISE_MAX:
        return _pairwise_tau_b(measure, gap)
    from scipy.stats import kendalltau

    return float(kendalltau(measure, gap).statistic)


def _pairwise_tau_b(x: Sequence[float], y: Sequence[float]) -> float:
    """τ_b = Σ_{i<j} sign(xᵢ − xⱼ)·sign(yᵢ − yⱼ) / √((n₀ − n₁)(n₀ − n₂)), n₀ the pairs,
    n₁ and n₂ the pairs tied in x and in y (scipy's τ-b, counted directly)."""
    import numpy as np

    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    upper = np.triu_indices(len(a), k=1)
    dx = np.sign(a[:, None] - a[None, :])[upper]
    dy = np.sign(b[:, None] - b[None, :])[upper]
    pairs = dx.size
    untied_x, untied_y = pairs - int((dx == 0).sum()), pairs - int((dy == 0).sum())
    return float((dx * dy).sum() / math.sqrt(untied_x * untied_y))


@dataclass(frozen=True)
class GranulatedTau:
    """Ψ and its parts.

    Attributes:
        psi: the mean of `per_hyperparameter` over the hyperparameters that have one (NaN if none).
        per_hyperparameter: mᵢ, the mean τ over the groups where only hyperparameter i varies.
        groups: how many groups each mᵢ averages.
    """

    psi: float
    per_hyperparameter: dict[str, float]
    groups: dict[str, int]


def granulated_tau(
    measure: Sequence[float], gap: Sequence[float], hyperparameters: Sequence[Mapping[str, Hashable]], varied: Sequence[str]
) -> GranulatedTau:
    """Ψ of one measure over runs described by their hyperparameter values.

    Args:
        measure, gap: one value per run.
        hyperparameters: per run, the value of every key in `varied` (and of any other
            key that must be held fixed in a group, e.g. the seed).
        varied: the hyperparameters θᵢ whose mᵢ are averaged.

    Example:
        >>> runs = [{"lr": lr, "width": w} for lr in (1, 2) for w in (8, 16)]
        >>> result = granulated_tau([1, 2, 3, 4], [1, 2, 4, 3], runs, ["lr", "width"])
        >>> result.per_hyperparameter, result.psi
        ({'lr': 1.0, 'width': 0.0}, 0.5)
    """
    per_hyperparameter: dict[str, float] = {}
    groups: dict[str, int] = {}
    keys = sorted({key for run in hyperparameters for key in run})
    for name in varied:
        held = [key for key in keys if key != name]
        members: dict[tuple, list[int]] = {}
        for index, run in enumerate(hyperparameters):
            members.setdefault(tuple(run.get(key) for key in held), []).append(index)
        taus = [kendall_tau([measure[i] for i in indices], [gap[i] for i in indices]) for indices in members.values()]
        taus = [tau for tau in taus if not math.isnan(tau)]
        if taus:
            per_hyperparameter[name] = sum(taus) / len(taus)
            groups[name] = len(taus)
    psi = sum(per_hyperparameter.values()) / len(per_hyperparameter) if per_hyperparameter else math.nan
    return GranulatedTau(psi, per_hyperparameter, groups)
