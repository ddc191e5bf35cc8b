"""Unstructured L1-magnitude pruning with `torch.nn.utils.prune`, one-shot or iterative.

    global scope:  one ranking of |w| over every pruned tensor; the smallest
                   ⌊amount · n⌉ of the n still-unpruned entries are masked.
    layer scope:   the same rule inside each tensor separately.

The masks come from `reglab.pruning.member_masks.magnitude_masks` (the function a
population uses for its K members, here with K = 1; ties in |w| go by position) and
are installed with `prune.custom_from_mask`, torch's reparametrization.

Calling it again prunes `amount` of the REMAINING entries (pruned entries are left out
of the ranking), so r rounds of fraction a leave a fraction (1 − a)^r, up to rounding
of ⌊a · n⌉ at each round:

    sparsity after r rounds = 1 − (1 − a)^r.

Which tensors are pruned is decided by `reglab.regularizers.scope.parameter_roles`:
weights always, biases on request, normalisation parameters never.

Reference:
    Han, Pool, Tran & Dally (2015). Learning both Weights and Connections for
    Efficient Neural Networks. arXiv:1506.02626.
    Zhu & Gupta (2017). To prune, or not to prune. arXiv:1710.01878.
"""

from __future__ import annotations

from typing import Iterable, Literal, Mapping

import torch
from torch import nn
from torch.nn.utils import prune

from reglab.config.errors import ConfigError
from reglab.pruning.masks import effective_tensor, keep_parameter_order, leave_leaf_after_forward, pruned_tensors, pruning_masks
from reglab.pruning.member_masks import magnitude_masks
from reglab.regularizers.scope import ParameterSelector, parameter_roles

__all__ = ["prunable_parameters", "prune_magnitude", "install_masks"]

_ORIGINAL_SUFFIX = "_orig"


def prunable_parameters(model: nn.Module, include_biases: bool = False) -> dict[str, tuple[nn.Module, str]]:
    """Plain qualified name -> (module, tensor name) of the tensors magnitude pruning may touch.

    Weights (role `weight`) always, biases (role `bias`) when `include_biases`;
    normalisation parameters (role `norm`) never. A tensor already pruned appears
    under its plain name (`hidden.0.linear.weight`, not `..._orig`).

    Example:
        >>> list(prunable_parameters(nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))))
        ['0.weight']
    """
    already_pruned = {f"{name}{_ORIGINAL_SUFFIX}": name for name, _, _ in pruned_tensors(model)}
    selector = ParameterSelector(roles=("weight", "bias") if include_biases else ("weight",))
    modules = dict(model.named_modules())
    chosen: dict[str, tuple[nn.Module, str]] = {}
    for name, role in parameter_roles(model).items():
        if not selector.chooses(name, role):
            continue
        plain = already_pruned.get(name, name)
        module_name, _, tensor = plain.rpartition(".")
        chosen[plain] = (modules[module_name], tensor)
    return chosen


@torch.no_grad()
def prune_magnitude(
    model: nn.Module,
    amount: float,
    scope: Literal["global", "layer"] = "global",
    include_biases: bool = False,
    names: Iterable[str] | None = None,
    remaining: float | None = None,
) -> dict[str, torch.Tensor]:
    """Mask the smallest-magnitude `amount` of the remaining entries (L1 unstructured).

    The masks are `magnitude_masks` of the effective tensors with K = 1 (without ties in
    |w|, those of `prune.global_unstructured(..., prune.L1Unstructured)` for global scope
    and `prune.l1_unstructured` per tensor for layer scope), installed with
    `prune.custom_from_mask`. The optimizer keeps working: torch re-registers the same
    Parameter object as `<name>_orig`.

    Runs under `torch.no_grad()` so the new `weight` attribute is a leaf and the model
    can still be deep-copied; `weight_orig` keeps the position `weight` had in
    `model.parameters()`.

    Args:
        model: the network; pruned in place.
        amount: fraction in [0, 1) of the still-unpruned entries to mask.
        scope: "global" (one ranking over all tensors) or "layer" (per tensor).
        include_biases: prune biases too (normalisation parameters never).
        names: plain tensor names to prune instead of `prunable_parameters(model, include_biases)`.
        remaining: instead of `amount`, the fraction of the ranked entries left afterwards
            (round(f · n) of them; see `magnitude_masks`).

    Returns:
        Plain name -> mask (1 kept, 0 pruned) of every pruned tensor.

    Example:
        >>> masks = prune_magnitude(model, 0.2)          # 20 % of all weights
        >>> masks = prune_magnitude(model, 0.2)          # 20 % of the remaining 80 %
        >>> 1 - sum(m.sum() for m in masks.values()) / sum(m.numel() for m in masks.values())
        tensor(0.3600)
    """
    if not 0.0 <= amount < 1.0:
        raise ConfigError("pruning.amount", amount, "a fraction in [0, 1)")
    if scope not in ("global", "layer"):
        raise ConfigError("pruning.scope", scope, "global | layer")
    candidates = prunable_parameters(model, include_biases=True)
    wanted = list(names) if names is not None else list(prunable_parameters(model, include_biases))
    unknown = [name for name in wanted if name not in candidates]
    if unknown:
        raise ConfigError("pruning names", unknown, f"weights or biases of the model: {sorted(candidates)}")
    targets = [candidates[name] for name in wanted]
    current = [effective_tensor(module, tensor).detach().unsqueeze(0) for module, tensor in targets]
    existing = [getattr(module, f"{tensor}_mask", None) for module, tensor in targets]
    existing = [None if mask is None else mask.unsqueeze(0) for mask in existing]
    amounts = torch.tensor([float(amount)], dtype=torch.float64)
    fractions = None if remaining is None else [float(remaining)]
    masks = magnitude_masks(current, existing, amounts, scope, fractions)
    return install_masks(model, {name: mask[0] for name, mask in zip(wanted, masks)})


@torch.no_grad()
def install_masks(model: nn.Module, masks: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Install given masks (plain tensor name -> 1 kept / 0 pruned) with `prune.custom_from_mask`:
    the forward pass uses `orig · mask` (a tensor pruned before keeps its old mask too), the
    parameters keep their order, and the pruned attributes stay leaf tensors.

    Returns:
        Plain name -> the mask now installed, for every name of `masks`.
    """
    candidates = prunable_parameters(model, include_biases=True)
    targets = {name: candidates[name] for name in masks}
    orders = {id(module): (module, list(module._parameters)) for module, _ in targets.values()}
    for name, (module, tensor) in targets.items():
        prune.custom_from_mask(module, tensor, masks[name].to(effective_tensor(module, tensor).dtype))
    for module, order_before in orders.values():
        keep_parameter_order(module, order_before, {name: f"{name}_orig" for name in order_before})
        leave_leaf_after_forward(module)
    installed = pruning_masks(model)
    return {name: installed[name] for name in masks}
