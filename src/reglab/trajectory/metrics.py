"""The math of the trajectory: per-tensor measurements on the device, derived metrics on the host.

Device side (`measure_*`) returns one 1-D tensor per quantity with an entry per
parameter tensor, computed with `torch._foreach_*` kernels (one launch per quantity,
not per layer) and never synchronised. Host side (`derive_metrics`) turns the
fetched numbers into metric keys and totals. `fetch` is the single host sync.

Totals are over all parameters (weights, biases, normalisation parameters), as if
the model were one flat vector θ:

    param/l2/total        = ‖θ‖₂ = sqrt(Σ_layers ‖w‖₂²)
    param/l1/total        = ‖θ‖₁
    param/dist_init/total = ‖θ − θ₀‖₂
    param/dist_init_rel   = ‖θ − θ₀‖₂ / ‖θ₀‖₂
    param/cos_init        = ⟨θ, θ₀⟩ / (‖θ‖₂ ‖θ₀‖₂)
                          = (‖θ‖² + ‖θ₀‖² − ‖θ − θ₀‖²) / (2 ‖θ‖ ‖θ₀‖)   (polarization identity)
    param/sparsity        = #{θᵢ = 0} / n;   param/near_zero = #{|θᵢ| < ε} / n
    grad/l2/total         = ‖∇θ‖₂ (the global gradient norm of gradient clipping)
    update_ratio          = ‖θ_end − θ_start‖₂ / ‖θ_end‖₂ over the epoch

Cosine uses the polarization identity so that it costs no kernel beyond the three
norms; in float32 it is accurate to about 1e-6. A quantity whose denominator is 0
(the cosine or relative distance of a zero-initialised bias) is NaN: undefined,
not 0.

Written with `torch._foreach_norm` rather than a library: no well-kept package
measures a model's parameters per tensor in batched kernels without a host sync.
"""

from __future__ import annotations

import math
from typing import Collection, Mapping, Sequence

import torch
from torch import Tensor

__all__ = [
    "tensor_norms",
    "distances",
    "zero_counts",
    "near_zero_counts",
    "batchnorm_summaries",
    "fetch",
    "cosine_from_norms",
    "safe_ratio",
    "derive_metrics",
]


def tensor_norms(tensors: Sequence[Tensor], order: float = 2.0) -> Tensor:
    """Per-tensor vector norms, stacked: `[‖t‖_order for t in tensors]`.

    Example:
        >>> tensor_norms([torch.tensor([3.0, 4.0]), torch.tensor([-1.0])]).tolist()
        [5.0, 1.0]
    """
    if not tensors:
        return torch.zeros(0)
    return torch.stack(torch._foreach_norm(list(tensors), order))


def distances(current: Sequence[Tensor], reference: Sequence[Tensor]) -> Tensor:
    """Per-tensor Euclidean distances ‖w − w_ref‖₂, stacked."""
    if not current:
        return torch.zeros(0)
    return tensor_norms(torch._foreach_sub(list(current), list(reference)))


def zero_counts(tensors: Sequence[Tensor]) -> Tensor:
    """Per-tensor number of non-zero entries (the ℓ₀ "norm"), stacked; zeros = numel − this."""
    return tensor_norms(tensors, 0.0)


def near_zero_counts(tensors: Sequence[Tensor], epsilon: float) -> Tensor:
    """Per-tensor number of entries with |w| ≥ ε, stacked; near-zero = numel − this.

    floor(|w|/ε) is non-zero exactly when |w| ≥ ε, so its ℓ₀ count is the answer
    in three batched kernels.
    """
    if not tensors:
        return torch.zeros(0)
    scaled = torch._foreach_div(torch._foreach_abs(list(tensors)), epsilon)
    torch._foreach_floor_(scaled)
    return tensor_norms(scaled, 0.0)


def batchnorm_summaries(modules: Sequence[torch.nn.Module]) -> Tensor:
    """Per batch-norm module: mean running_mean, mean running_var, mean weight, mean bias.

    Returns a (len(modules), 4) tensor; NaN where a module lacks the tensor
    (no running statistics, or affine=False).
    """
    rows = []
    for module in modules:
        entries = []
        for name in ("running_mean", "running_var", "weight", "bias"):
            tensor = getattr(module, name, None)
            entries.append(tensor.detach().float().mean() if isinstance(tensor, Tensor) else _nan(module))
        rows.append(torch.stack(entries))
    return torch.stack(rows) if rows else torch.zeros(0, 4)


def _nan(module: torch.nn.Module) -> Tensor:
    device = next((buffer.device for buffer in module.buffers()), torch.device("cpu"))
    return torch.full((), float("nan"), device=device)


def fetch(quantities: Mapping[str, Tensor]) -> dict[str, list[float]]:
    """Bring many device tensors to the host with ONE synchronisation.

    Every tensor is flattened and concatenated (float32), `.tolist()` once, then
    split back by name.
    """
    names = list(quantities)
    if not names:
        return {}
    flats = [quantities[name].detach().reshape(-1).float() for name in names]
    device = flats[0].device
    values = torch.cat([flat.to(device) for flat in flats]).tolist()
    result, offset = {}, 0
    for name, flat in zip(names, flats):
        result[name] = values[offset : offset + flat.numel()]
        offset += flat.numel()
    return result


def safe_ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, NaN when the denominator is 0 (undefined, not 0)."""
    return numerator / denominator if denominator != 0 else math.nan


def cosine_from_norms(norm: float, initial_norm: float, distance: float) -> float:
    """cos∠(w, w₀) from ‖w‖, ‖w₀‖ and ‖w − w₀‖ (polarization identity), clamped to [−1, 1].

    Example:
        >>> cosine_from_norms(1.0, 1.0, math.sqrt(2.0))  # orthogonal unit vectors
        0.0
    """
    if norm == 0 or initial_norm == 0:
        return math.nan
    cosine = (norm * norm + initial_norm * initial_norm - distance * distance) / (2.0 * norm * initial_norm)
    return max(-1.0, min(1.0, cosine))


def _root_sum_squares(values: Sequence[float]) -> float:
    return math.sqrt(sum(value * value for value in values))


def derive_metrics(
    names: Sequence[str],
    numels: Sequence[int],
    raw: Mapping[str, Sequence[float]],
    sets: Collection[str],
    initial_norms: Sequence[float] | None = None,
    gradient_names: Sequence[str] = (),
    batchnorm_names: Sequence[str] = (),
) -> dict[str, float]:
    """Metric keys from fetched per-tensor quantities (see the module docstring).

    Args:
        names: parameter names, in the order of every per-tensor quantity.
        numels: number of entries of each parameter.
        raw: per parameter `l2` (needed by norms, distance and updates), `l1`,
            `distance`, `nonzero`, `above_epsilon`, `update`; `gradient` per
            `gradient_names`, optionally followed by the global norm; `batchnorm`, 4 per `batchnorm_names`, row by row.
        sets: the metric sets to derive (norms, distance, sparsity, gradients,
            updates, batchnorm); a set whose raw quantities are missing is skipped.
        initial_norms: ‖w₀‖₂ per parameter (needed by distance).
    """
    metrics: dict[str, float] = {}
    total_entries = sum(numels)
    if "norms" in sets and "l2" in raw and "l1" in raw:
        for name, l2, l1 in zip(names, raw["l2"], raw["l1"]):
            metrics[f"param/l2/{name}"] = l2
            metrics[f"param/l1/{name}"] = l1
        metrics["param/l2/total"] = _root_sum_squares(raw["l2"])
        metrics["param/l1/total"] = sum(raw["l1"])
    if "distance" in sets and "distance" in raw and initial_norms is not None:
        norms = raw["l2"]
        for name, distance, norm, initial in zip(names, raw["distance"], norms, initial_norms):
            metrics[f"param/dist_init/{name}"] = distance
            metrics[f"param/dist_init_rel/{name}"] = safe_ratio(distance, initial)
            metrics[f"param/cos_init/{name}"] = cosine_from_norms(norm, initial, distance)
        total_distance = _root_sum_squares(raw["distance"])
        total_initial = _root_sum_squares(initial_norms)
        metrics["param/dist_init/total"] = total_distance
        metrics["param/dist_init_rel/total"] = safe_ratio(total_distance, total_initial)
        metrics["param/cos_init/total"] = cosine_from_norms(_root_sum_squares(norms), total_initial, total_distance)
    if "sparsity" in sets and "nonzero" in raw and "above_epsilon" in raw:
        zeros = [numel - count for numel, count in zip(numels, raw["nonzero"])]
        near = [numel - count for numel, count in zip(numels, raw["above_epsilon"])]
        for name, numel, zero, small in zip(names, numels, zeros, near):
            metrics[f"param/sparsity/{name}"] = safe_ratio(zero, numel)
            metrics[f"param/near_zero/{name}"] = safe_ratio(small, numel)
        metrics["param/sparsity/total"] = safe_ratio(sum(zeros), total_entries)
        metrics["param/near_zero/total"] = safe_ratio(sum(near), total_entries)
    if "gradients" in sets and "gradient" in raw:
        values = raw["gradient"]
        for name, value in zip(gradient_names, values):
            metrics[f"grad/l2/{name}"] = value
        # A trailing extra entry is the global norm measured step by step (epoch_mean mode).
        extra = values[len(gradient_names) :]
        metrics["grad/l2/total"] = extra[0] if extra else _root_sum_squares(values)
    if "updates" in sets and "update" in raw:
        norms = raw["l2"]
        for name, update, norm in zip(names, raw["update"], norms):
            metrics[f"update_ratio/{name}"] = safe_ratio(update, norm)
        metrics["update_ratio/total"] = safe_ratio(_root_sum_squares(raw["update"]), _root_sum_squares(norms))
    if "batchnorm" in sets and "batchnorm" in raw:
        values = raw["batchnorm"]
        for index, name in enumerate(batchnorm_names):
            mean, var, weight, bias = values[4 * index : 4 * index + 4]
            for key, value in (("running_mean", mean), ("running_var", var), ("weight", weight), ("bias", bias)):
                if not math.isnan(value):
                    metrics[f"bn/{key}/{name}"] = value
    return metrics
