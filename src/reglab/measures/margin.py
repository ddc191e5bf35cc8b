"""The output margin and the norm-over-margin measures (Bartlett et al. 2017; Jiang et al. 2019, §C.1–C.3)."""

from __future__ import annotations

import math

import torch

__all__ = ["output_margin", "norm_over_margin"]


def output_margin(outputs: torch.Tensor, targets: torch.Tensor, quantile: float = 0.1, threshold: float = 0.0) -> float:
    """γ: the `quantile` (10th percentile) of the training examples' output margins.

    margin(x, y) = f(x)[y] − max_{j≠y} f(x)[j]      (K outputs, class indices y)
    margin(x, y) = (2y − 1) · (f(x) − t)             (one output, y ∈ {0, 1}, threshold t)

    t is where the single output's prediction flips: 0 for logits, 0.5 for probabilities.

    Jiang et al. take the 10th percentile rather than the minimum, which one
    mislabeled or hard example would set.

    Example:
        >>> output_margin(torch.tensor([[3.0, 1.0], [0.0, 2.0]]), torch.tensor([0, 1]), quantile=0.0)
        2.0

    Reference:
        Jiang et al. 2019 (arXiv:1912.02178), §C.1 ("output margin", 10th percentile).
    """
    outputs = outputs.detach().double()
    if outputs.shape[-1] == 1:
        margins = (2 * targets.reshape(-1).double() - 1) * (outputs.reshape(-1) - threshold)
    else:
        true = outputs.gather(1, targets.reshape(-1, 1)).squeeze(1)
        others = outputs.scatter(1, targets.reshape(-1, 1), -math.inf)
        margins = true - others.max(dim=1).values
    return float(torch.quantile(margins, quantile))


def norm_over_margin(margin: float, norms: dict[str, float], path: float | None) -> dict[str, float]:
    """Norms divided by the squared margin γ²; empty where γ ≤ 0 (the measures are undefined).

    inverse_margin         = 1 / γ²
    log_prod_spec_margin   = log(Π_l ‖W_l‖²_2 / γ²)      (Bartlett et al. 2017, up to constants)
    log_prod_fro_margin    = log(Π_l ‖W_l‖²_F / γ²)
    log_spec_orig          = log(Π_l ‖W_l‖²_2 · Σ_l ‖W_l‖²_F/‖W_l‖²_2 / γ²)  (Neyshabur et al. 2018)
    path_norm_margin       = path_norm / γ²

    `norms` carries `log_prod_spec`, `log_prod_fro` and `fro_over_spec` (Σ_l ‖W_l‖²_F/‖W_l‖²_2).

    Example:
        >>> norm_over_margin(2.0, {"log_prod_spec": 0.0, "log_prod_fro": 0.0, "fro_over_spec": 1.0}, 8.0)["path_norm_margin"]
        2.0

    Reference:
        Bartlett et al. 2017 (arXiv:1706.08498); Neyshabur et al. 2018 (arXiv:1707.09564);
        Jiang et al. 2019 (arXiv:1912.02178), §C.3.
    """
    if not margin > 0:
        return {}
    log_margin = 2 * math.log(margin)
    values = {
        "inverse_margin": 1.0 / margin**2,
        "log_prod_spec_margin": norms["log_prod_spec"] - log_margin,
        "log_prod_fro_margin": norms["log_prod_fro"] - log_margin,
        "log_spec_orig": norms["log_prod_spec"] + math.log(norms["fro_over_spec"]) - log_margin,
    }
    if path is not None:
        values["path_norm_margin"] = path / margin**2
    return values
