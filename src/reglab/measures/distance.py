"""Distance of the weights from their initialization (Nagarajan & Kolter 2019; Jiang et al. 2019, §C)."""

from __future__ import annotations

import math
from typing import Mapping

import torch

from reglab.measures.layers import layer_matrices

__all__ = ["distance_from_init"]


def distance_from_init(weights: Mapping[str, torch.Tensor], initial: Mapping[str, torch.Tensor]) -> dict[str, float]:
    """Frobenius distance of each layer's weight from its initial value, and in total.

    dist_init/<layer> = ‖W_l − W_l⁰‖_F,   dist_init = (Σ_l ‖W_l − W_l⁰‖²_F)^½

    over the layers of `layer_matrices` (biases excluded). Jiang et al. 2019 rank
    models by the squared total ("frobenius distance to initialization", eq. 40).

    Example:
        >>> distance_from_init({"a.weight": torch.ones(2, 2)}, {"a.weight": torch.zeros(2, 2)})
        {'dist_init/a': 2.0, 'dist_init': 2.0}

    Reference:
        Nagarajan & Kolter 2019, "Generalization in deep networks: the role of distance
        from initialization" (arXiv:1901.01672); Jiang et al. 2019 (arXiv:1912.02178), eq. 40.
    """
    now, start = layer_matrices(weights), layer_matrices(initial)
    values = {f"dist_init/{name}": float(torch.linalg.matrix_norm(now[name] - start[name])) for name in now}
    values["dist_init"] = math.sqrt(sum(value**2 for value in values.values()))
    return values
