"""Products and sums of the layers' spectral and Frobenius norms (Bartlett et al. 2017;
Neyshabur et al. 2018; Jiang et al. 2019, §C.2)."""

from __future__ import annotations

import math
from typing import Mapping

import torch

__all__ = ["norm_measures"]


def _log(value: float) -> float:
    return math.log(value) if value > 0 else -math.inf


def norm_measures(matrices: Mapping[str, torch.Tensor]) -> dict[str, float]:
    """Norm-based measures of the d layer matrices W_1 … W_d (`layer_matrices`).

    log_prod_spec = Σ_l log ‖W_l‖²_2            (log of Π_l ‖W_l‖²_2)
    sum_spec      = d · (Π_l ‖W_l‖²_2)^(1/d)
    log_prod_fro  = Σ_l log ‖W_l‖²_F
    sum_fro       = d · (Π_l ‖W_l‖²_F)^(1/d)
    fro_over_spec = Σ_l ‖W_l‖²_F / ‖W_l‖²_2        (the sum of the layers' stable ranks)

    ‖·‖_2 is the largest singular value, ‖·‖_F the Frobenius norm. The "sum" forms
    are Jiang et al.'s: the smallest Σ_l ‖W_l‖² over the rescalings of the layers that
    leave a ReLU network's function unchanged. Products are kept as logarithms so a
    deep network cannot overflow them.

    Example:
        >>> norm_measures({"a": torch.diag(torch.tensor([3.0, 4.0]))})["log_prod_spec"] == math.log(16.0)
        True

    Reference:
        Jiang et al. 2019, "Fantastic generalization measures and where to find them"
        (arXiv:1912.02178), §C.2; Bartlett, Foster & Telgarsky 2017 (arXiv:1706.08498).
    """
    depth = len(matrices)
    spectral = [float(torch.linalg.matrix_norm(matrix, ord=2)) ** 2 for matrix in matrices.values()]
    frobenius = [float(torch.linalg.matrix_norm(matrix)) ** 2 for matrix in matrices.values()]
    log_spec = sum(_log(value) for value in spectral)
    log_fro = sum(_log(value) for value in frobenius)
    return {
        "log_prod_spec": log_spec,
        "sum_spec": depth * math.exp(log_spec / depth),
        "log_prod_fro": log_fro,
        "sum_fro": depth * math.exp(log_fro / depth),
        "fro_over_spec": sum(fro / spec if spec > 0 else math.nan for fro, spec in zip(frobenius, spectral)),
    }
