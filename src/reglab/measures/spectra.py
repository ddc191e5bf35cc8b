"""Empirical spectral densities of the layers and their power-law exponent α
(Martin & Mahoney 2021, "Implicit self-regularization in deep neural networks", the
method of WeightWatcher; the fit of Clauset, Shalizi & Newman 2009)."""

from __future__ import annotations

import math
from typing import Mapping

import torch

__all__ = ["layer_eigenvalues", "fit_power_law", "PowerLawFit", "spectral_measures", "MIN_EIGENVALUES"]

MIN_EIGENVALUES = 5  # a layer with fewer eigenvalues gets no α
CHUNK_ENTRIES = 1 << 20  # candidates are scored in blocks of this many table entries


def layer_eigenvalues(matrix: torch.Tensor) -> torch.Tensor:
    """The ESD of a layer: the eigenvalues of X = WᵀW / N, ascending (float64).

    W is N × M with N ≥ M (transposed if needed), so X is the M × M correlation matrix
    of Martin & Mahoney; λ_i = s_i² / N for the singular values s_i of W.

    Example:
        >>> layer_eigenvalues(torch.diag(torch.tensor([1.0, 2.0, 3.0])))
        tensor([0.3333, 1.3333, 3.0000], dtype=torch.float64)
    """
    matrix = matrix.detach().double()
    rows = max(matrix.shape)
    return (torch.linalg.svdvals(matrix) ** 2 / rows).flip(0)


class PowerLawFit(tuple):
    """(alpha, xmin, ks_distance) of the fitted tail p(λ) ∝ λ^(−α), λ ≥ xmin."""

    __slots__ = ()

    def __new__(cls, alpha: float, xmin: float, ks_distance: float) -> "PowerLawFit":
        return super().__new__(cls, (alpha, xmin, ks_distance))

    alpha = property(lambda self: self[0])
    xmin = property(lambda self: self[1])
    ks_distance = property(lambda self: self[2])


def fit_power_law(values: torch.Tensor) -> PowerLawFit:
    """Fit a continuous power law to the tail of `values` (Clauset et al. 2009, §3).

    For each candidate x_min among the values (all but the largest), the maximum-
    likelihood exponent of the n values ≥ x_min is

        α̂ = 1 + n / Σ_i ln(x_i / x_min)

    and the Kolmogorov-Smirnov distance D = max_i |F̂(x_i) − (1 − (x_i/x_min)^(1−α̂))|
    (F̂ the tail's empirical CDF, i/n at its i-th smallest value) measures the fit; the
    x_min of smallest D wins. Candidates are scored in blocks of a masked (candidate,
    value) table, O(n²) work in tensor operations.

    Written here rather than taken from the `powerlaw` package (which WeightWatcher
    uses): `powerlaw` 2.0 takes ~3 s to import and 0.5–1.6 s per layer of 256–512
    eigenvalues, and caps α at 3 by default; this fit takes milliseconds and agrees
    with it to 1e-9 below that cap (tests/measures/test_formulas.py).

    Example (values 1, e, e²: x_min = 1, α = 1 + 3/(0 + 1 + 2) = 2):
        >>> round(fit_power_law(torch.tensor([1.0, math.e, math.e**2])).alpha, 6)
        2.0

    Reference:
        Clauset, Shalizi & Newman 2009, "Power-law distributions in empirical data"
        (arXiv:0706.1062).
    """
    x = torch.sort(values.detach().double().flatten()).values
    x = x[x > 0]
    count = x.shape[0]
    if count < 2:
        return PowerLawFit(math.nan, math.nan, math.nan)
    alphas, distances = [], []
    rows = max(1, CHUNK_ENTRIES // count)
    for start in range(0, count - 1, rows):
        alpha, distance = _score_candidates(x, torch.arange(start, min(start + rows, count - 1)))
        alphas.append(alpha)
        distances.append(distance)
    alpha, distance = torch.cat(alphas), torch.cat(distances)
    best = int(distance.argmin())
    return PowerLawFit(float(alpha[best]), float(x[best]), float(distance[best]))


def _score_candidates(x: torch.Tensor, candidates: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """α̂ and D of the tails x[j:] for the candidate indices j, as a (candidate, value) table."""
    count = x.shape[0]
    index = torch.arange(count)
    in_tail = index.unsqueeze(0) >= candidates.unsqueeze(1)
    n = (count - candidates).double()
    zero = torch.zeros((), dtype=torch.float64)
    logs = torch.log(x.unsqueeze(0) / x[candidates].unsqueeze(1)).where(in_tail, zero)
    log_sum = logs.sum(dim=1)
    alpha = 1 + n / log_sum
    model_cdf = 1 - torch.exp((1 - alpha).unsqueeze(1) * logs)
    empirical_cdf = (index.unsqueeze(0) - candidates.unsqueeze(1)).double() / n.unsqueeze(1)
    distance = (model_cdf - empirical_cdf).abs().where(in_tail, zero).max(dim=1).values
    distance = distance.where(log_sum > 0, torch.full((), math.inf, dtype=torch.float64))  # ties at x_min: no fit
    return alpha, distance


def spectral_measures(matrices: Mapping[str, torch.Tensor]) -> dict[str, float]:
    """Per layer: α of its ESD's tail (`alpha/<layer>`); over the layers: their mean
    (`alpha`) and WeightWatcher's `alpha_weighted`, the mean of α · log₁₀ λ_max.

    Layers with fewer than 5 eigenvalues (e.g. a head of one output) get no α. Martin
    & Mahoney find α ∈ [2, 6] for well-trained layers, smaller α for layers that learned
    more correlations, and α_weighted tracking test accuracy across trained models.

    Reference:
        Martin & Mahoney 2021, "Implicit self-regularization in deep neural networks"
        (JMLR 22(165)); Martin, Peng & Mahoney 2021, "Predicting trends in the quality of
        state-of-the-art neural networks without access to training or testing data"
        (Nature Communications 12, 4122).
    """
    values: dict[str, float] = {}
    weighted: list[float] = []
    for name, matrix in matrices.items():
        eigenvalues = layer_eigenvalues(matrix)
        if eigenvalues.shape[0] < MIN_EIGENVALUES:
            continue
        fit = fit_power_law(eigenvalues)
        if not math.isfinite(fit.alpha):
            continue
        values[f"alpha/{name}"] = fit.alpha
        weighted.append(fit.alpha * math.log10(float(eigenvalues[-1])))
    alphas = list(values.values())
    if alphas:
        values["alpha"] = sum(alphas) / len(alphas)
        values["alpha_weighted"] = sum(weighted) / len(weighted)
    return values
