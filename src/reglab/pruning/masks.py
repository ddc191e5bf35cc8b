"""Living with `torch.nn.utils.prune`'s reparametrization: find, enforce, copy, remove masks.

After pruning, a module holds `weight_orig` (the same Parameter object the optimizer
already has) and a `weight_mask` buffer; a forward pre-hook sets the plain attribute
`weight = weight_orig * weight_mask` before every forward. That leaves three pain
points, handled here:

* `weight_orig` keeps its values at pruned positions, and momentum or other weight
  rules may move them. The forward pass is still exact (the mask multiplies), but
  anything reading parameters by name sees dead values: `zero_pruned_parameters`
  zeroes them (and the optimizer state there) so `weight_orig == weight`.
* the `weight` attribute made during a forward pass with gradients is a non-leaf
  tensor, and `copy.deepcopy(model)` refuses non-leaf tensors: `leave_leaf_after_forward`
  registers a forward hook on every pruned module that replaces the attribute by its
  detached value once the forward pass has used it (autograd keeps its own reference),
  so a pruned model can be copied at any time.
* the state dict has `weight_orig` / `weight_mask` keys that a plain model does not
  load: `pruned_state_dict` gives the plain keys with the zeros baked in, and
  `make_pruning_permanent` turns the model back into a plain one (`prune.remove`).

Reference:
    PyTorch pruning tutorial, https://pytorch.org/tutorials/intermediate/pruning_tutorial.html
"""

from __future__ import annotations

from typing import Iterator

import torch
from torch import nn
from torch.nn.utils import prune

from reglab.pruning.member_masks import zero_pruned_

__all__ = [
    "pruned_tensors",
    "is_pruned",
    "effective_tensor",
    "pruning_masks",
    "refresh_pruned_weights",
    "leave_leaf_after_forward",
    "zero_pruned_parameters",
    "pruned_state_dict",
    "make_pruning_permanent",
    "sparsity_by_tensor",
    "sparsity_from_counts",
    "keep_parameter_order",
]


def pruned_tensors(model: nn.Module) -> Iterator[tuple[str, nn.Module, str]]:
    """Yield (plain qualified name, module, tensor name) of every reparametrized tensor.

    Example:
        >>> prune.l1_unstructured(model[0], "weight", 0.5)
        >>> [name for name, _, _ in pruned_tensors(model)]
        ['0.weight']
    """
    for module_name, module in model.named_modules():
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, prune.BasePruningMethod):
                prefix = f"{module_name}." if module_name else ""
                yield f"{prefix}{hook._tensor_name}", module, hook._tensor_name


def is_pruned(model: nn.Module) -> bool:
    """True when some tensor of `model` carries a pruning mask."""
    return next(pruned_tensors(model), None) is not None


def effective_tensor(module: nn.Module, tensor_name: str) -> torch.Tensor:
    """The tensor the forward pass uses: `orig * mask` when pruned, the parameter otherwise."""
    mask = getattr(module, f"{tensor_name}_mask", None)
    if mask is None:
        return getattr(module, tensor_name)
    return getattr(module, f"{tensor_name}_orig") * mask


def pruning_masks(model: nn.Module) -> dict[str, torch.Tensor]:
    """Plain qualified name -> mask buffer (1 = kept, 0 = pruned)."""
    return {name: getattr(module, f"{tensor}_mask") for name, module, tensor in pruned_tensors(model)}


@torch.no_grad()
def refresh_pruned_weights(model: nn.Module) -> None:
    """Recompute every `weight = weight_orig * weight_mask` as a leaf tensor.

    Keeps `module.weight` current between forward passes and lets `copy.deepcopy`
    copy the model (it refuses the non-leaf tensor a forward with gradients leaves).
    """
    for _, module, tensor in pruned_tensors(model):
        setattr(module, tensor, getattr(module, f"{tensor}_orig") * getattr(module, f"{tensor}_mask"))


def _detach_effective_tensors(module: nn.Module, inputs: object, output: object) -> None:
    """Forward hook: the masked tensors the pass used become detached leaves."""
    for hook in module._forward_pre_hooks.values():
        if isinstance(hook, prune.BasePruningMethod):
            name = hook._tensor_name
            value = module.__dict__.get(name)
            if isinstance(value, torch.Tensor) and value.grad_fn is not None:
                setattr(module, name, value.detach())


def leave_leaf_after_forward(module: nn.Module) -> None:
    """Register (once) the hook that keeps `module`'s pruned attributes leaf tensors.

    Example:
        >>> prune.l1_unstructured(model[0], "weight", 0.5)
        >>> leave_leaf_after_forward(model[0])
        >>> model(x).sum().backward(); copy.deepcopy(model)   # no "graph leaves" error
    """
    if _detach_effective_tensors not in module._forward_hooks.values():
        module.register_forward_hook(_detach_effective_tensors)


@torch.no_grad()
def zero_pruned_parameters(model: nn.Module, optimizer: torch.optim.Optimizer | None = None) -> None:
    """Zero `weight_orig` (and the optimizer's per-parameter state) where the mask is 0.

    With the parameter and its momentum / Adam moments zero at pruned positions, no
    gradient reaches them (∂(w·m)/∂w = m = 0), weight decay and L1/L2 terms of 0 are 0,
    so they stay exactly zero: parameters read by name then match the pruned network.
    """
    originals = {name: getattr(module, f"{tensor}_orig") for name, module, tensor in pruned_tensors(model)}
    masks = {name: getattr(module, f"{tensor}_mask") for name, module, tensor in pruned_tensors(model)}
    state = {name: optimizer.state.get(original, {}) for name, original in originals.items()} if optimizer is not None else None
    zero_pruned_(originals, masks, state)
    refresh_pruned_weights(model)


def pruned_state_dict(model: nn.Module) -> dict[str, torch.Tensor]:
    """The state dict a plain (unpruned) copy of `model` would have, zeros included.

    `weight_orig` / `weight_mask` become one `weight = weight_orig * weight_mask`, so
    the result loads into a model built from the same config, and saves with
    safetensors (`safetensors.torch.save_file`). The tensors are detached views or
    products; clone them to keep a snapshot.

    Example:
        >>> plain = build_model(config.model, shape, outputs)
        >>> plain.load_state_dict(pruned_state_dict(pruned_model))
    """
    state = dict(model.state_dict())
    for name, module, tensor in pruned_tensors(model):
        prefix = name[: -len(tensor)]
        del state[f"{prefix}{tensor}_orig"], state[f"{prefix}{tensor}_mask"]
        state[name] = effective_tensor(module, tensor).detach()
    return state


def keep_parameter_order(module: nn.Module, order_before: list[str], renamed: dict[str, str]) -> None:
    """Put renamed parameters back at their old position in `module._parameters`.

    torch re-registers `weight` as `weight_orig` (and back) at the END of the module's
    parameters; code that zips `model.parameters()` of two copies positionally
    (`AveragedModel`, weight copies) would then pair a bias with a weight.

    Args:
        order_before: the parameter names before the renaming.
        renamed: old name -> new name.
    """
    parameters = module._parameters
    ordered = {}
    for name in order_before:
        for candidate in (renamed.get(name), name):  # a name that was not renamed stays
            if candidate is not None and candidate in parameters and candidate not in ordered:
                ordered[candidate] = parameters[candidate]
                break
    ordered.update({name: value for name, value in parameters.items() if name not in ordered})
    parameters.clear()
    parameters.update(ordered)


def make_pruning_permanent(model: nn.Module) -> list[str]:
    """`prune.remove` every mask: the model becomes plain, with exact zeros where pruned.

    The Parameter objects stay the same (torch moves `weight_orig` back to `weight`) and
    keep their position in `model.parameters()`, so an optimizer built before pruning
    still holds them. Returns the names made plain.
    """
    names = []
    for name, module, tensor in list(pruned_tensors(model)):
        order_before = list(module._parameters)
        prune.remove(module, tensor)
        keep_parameter_order(module, order_before, {f"{tensor}_orig": tensor})
        names.append(name)
    return names


@torch.no_grad()
def sparsity_by_tensor(model: nn.Module, names: list[str]) -> tuple[float, dict[str, float]]:
    """Fraction of exactly-zero entries over the tensors `names` (plain names), and per tensor.

    Zeros are counted on the effective tensors, so weights that are zero without a mask
    (e.g. after proximal L1 steps) count too. One host sync.

    Returns:
        (zeros / size over all `names`, {name: zeros / size of that tensor}).
    """
    modules = dict(model.named_modules())
    zeros, sizes = [], []
    for name in names:
        module_name, _, tensor = name.rpartition(".")
        value = effective_tensor(modules[module_name], tensor)
        zeros.append((value == 0).sum())
        sizes.append(value.numel())
    if not names:
        return 0.0, {}
    return sparsity_from_counts(names, torch.stack(zeros).tolist(), sizes)


def sparsity_from_counts(names: list[str], zeros: list[float], sizes: list[int]) -> tuple[float, dict[str, float]]:
    """(Σ zeros / Σ sizes, {name: zeros / size}): the sparsities of tensors whose zeros were counted.

    Example:
        >>> sparsity_from_counts(["a", "b"], [1, 3], [4, 4])
        (0.5, {'a': 0.25, 'b': 0.75})
    """
    per_tensor = {name: count / size for name, count, size in zip(names, zeros, sizes)}
    return sum(zeros) / max(sum(sizes), 1), per_tensor
