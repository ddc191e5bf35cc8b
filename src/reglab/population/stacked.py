"""K MLPs of one shape as stacked tensors, run with batched matrix products.

Each member is first built by the single-run `build_model` under its own seed, so
its initialization is exactly that of a single run; the members' state dicts are
then stacked: a Linear weight of shape (out, in) becomes (K, out, in) under the
same name (`hidden.0.linear.weight`), so unstacking member k gives a state dict
the single-run model loads as is.

Forward pass of hidden layer l for all members at once:

    h = baddbmm(b, x, Wᵀ)              (K, B, in) @ (K, in, out) + (K, 1, out)
    h = [norm] → activation → dropout(p_k) → [norm];  x + h when residual

When every member sees the same batch (shared data and data order) the first
layer is one large matrix product instead: x (B, F) @ [W_1ᵀ … W_Kᵀ] (F, K·out),
which keeps the CPU's matrix unit busy (this layer holds most of the parameters).
Batch norm of all members is one `F.batch_norm` over K·width features, with the
members' running statistics stacked in (K·width) views.

Written by hand because neither `torch.func.stack_module_state` + `vmap` (see
`vmapped.py`, measured slower here) nor any library offers per-member dropout
rates and the shared-input first layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from reglab.models.blocks import HiddenBlock
from reglab.models.mlp import MLP

__all__ = ["LayerShape", "StackedArchitecture", "describe_architecture", "stack_states", "unstack_state", "stacked_forward"]


@dataclass(frozen=True)
class LayerShape:
    """One hidden block as the stacked forward pass needs it."""

    prefix: str
    activation: nn.Module
    norm: str  # none | batch | layer
    norm_position: str
    residual: bool
    norm_eps: float = 1e-5
    norm_momentum: float = 0.1


@dataclass(frozen=True)
class StackedArchitecture:
    """The hidden blocks, then the head and the output activation."""

    layers: tuple[LayerShape, ...]
    output_activation: str  # none | sigmoid | log_softmax


def _norm_kind(module: nn.Module) -> tuple[str, float, float]:
    if isinstance(module, nn.Identity):
        return "none", 1e-5, 0.1
    if isinstance(module, nn.BatchNorm1d) and module.affine and module.track_running_stats and module.momentum is not None:
        return "batch", module.eps, module.momentum
    if isinstance(module, nn.LayerNorm) and module.elementwise_affine and module.bias is not None:
        return "layer", module.eps, 0.1
    raise ValueError(f"normalization {type(module).__name__} is not supported by the population engine")


def describe_architecture(model: nn.Module) -> StackedArchitecture:
    """Read the shape of a reglab MLP (built by `build_model`) for the stacked forward pass.

    Raises:
        ValueError: a module the population engine does not handle (its message says which).
    """
    if not isinstance(model, MLP):
        raise ValueError("only reglab MLPs (model.kind mlp) train with the stacked engine")
    layers = []
    for index, block in enumerate(model.hidden):
        if not isinstance(block, HiddenBlock):
            raise ValueError(f"hidden.{index} is not a HiddenBlock")
        if type(block.dropout) is not nn.Dropout:
            raise ValueError(f"dropout kind {type(block.dropout).__name__} is not supported by the population engine")
        if block.residual and getattr(block.drop_path, "p", 0.0) > 0:
            raise ValueError("drop_path is not supported by the population engine")
        kind, eps, momentum = _norm_kind(block.norm)
        layers.append(LayerShape(f"hidden.{index}", block.activation, kind, block.norm_position, block.residual, eps, momentum))
    output = model.output_activation
    name = {nn.Identity: "none", nn.Sigmoid: "sigmoid", nn.LogSoftmax: "log_softmax"}.get(type(output))
    if name is None:
        raise ValueError(f"output activation {type(output).__name__} is not supported by the population engine")
    return StackedArchitecture(tuple(layers), name)


def stack_states(models: Sequence[nn.Module]) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """Stack the members' parameters (leaf tensors that require grad) and buffers along a new dim 0.

    Example:
        >>> params, buffers = stack_states([model_a, model_b])
        >>> params["head.weight"].shape      # (K, out, in)
        torch.Size([2, 10, 24])
    """
    names = [name for name, _ in models[0].named_parameters()]
    params = {
        name: torch.stack([dict(model.named_parameters())[name].detach() for model in models]).requires_grad_(True)
        for name in names
    }
    buffers = {
        name: torch.stack([dict(model.named_buffers())[name].detach() for model in models]).clone()
        for name, _ in models[0].named_buffers()
    }
    return params, buffers


def unstack_state(params: dict[str, torch.Tensor], buffers: dict[str, torch.Tensor], member: int) -> dict[str, torch.Tensor]:
    """Member `member`'s state dict, with the single-run model's names (CPU copies)."""
    state = {name: tensor[member].detach().to("cpu").clone() for name, tensor in params.items()}
    state.update({name: tensor[member].detach().to("cpu").clone() for name, tensor in buffers.items()})
    return state


def _linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """Per-member x @ Wᵀ + b. x is (B, F) when shared by all members, else (K, B, F)."""
    members, out_features, in_features = weight.shape
    if x.dim() == 2:
        # One (B, F) @ (F, K·out) product for all members; the (K, B, out) result is a view.
        flat = torch.addmm(bias.reshape(members * out_features), x, weight.reshape(members * out_features, in_features).t())
        return flat.view(x.shape[0], members, out_features).transpose(0, 1)
    return torch.baddbmm(bias.unsqueeze(1), x, weight.transpose(1, 2))


def _batch_norm(h: torch.Tensor, params, buffers, layer: LayerShape, training: bool) -> torch.Tensor:
    members, batch, width = h.shape
    prefix = f"{layer.prefix}.norm."
    # (K, B, W) -> (B, K·W): every (member, feature) pair is one batch-norm channel.
    flat = h.transpose(0, 1).reshape(batch, members * width)
    out = F.batch_norm(
        flat,
        buffers[prefix + "running_mean"].view(members * width),
        buffers[prefix + "running_var"].view(members * width),
        params[prefix + "weight"].reshape(members * width),
        params[prefix + "bias"].reshape(members * width),
        training=training,
        momentum=layer.norm_momentum,
        eps=layer.norm_eps,
    )
    if training:
        buffers[prefix + "num_batches_tracked"].add_(1)
    return out.view(batch, members, width).transpose(0, 1)


def _norm(h: torch.Tensor, params, buffers, layer: LayerShape, training: bool) -> torch.Tensor:
    if layer.norm == "batch":
        return _batch_norm(h, params, buffers, layer, training)
    if layer.norm == "layer":
        prefix = f"{layer.prefix}.norm."
        normalized = F.layer_norm(h, (h.shape[-1],), eps=layer.norm_eps)
        return torch.addcmul(params[prefix + "bias"].unsqueeze(1), normalized, params[prefix + "weight"].unsqueeze(1))
    return h


def _dropout(h: torch.Tensor, rates: Sequence[float], generators: Sequence[torch.Generator | None]) -> torch.Tensor:
    """Inverted dropout with one rate and one random stream per member.

    h·n with n = Bernoulli(1 − p_k) / (1 − p_k), member k's noise drawn from its own
    generator in the order and with the operations of PyTorch's `F.dropout` on a CPU
    (`empty_like(h).bernoulli_(1 − p).div_(1 − p)`): a member draws exactly the masks
    of its single run, whatever K. p = 0 draws nothing (as `F.dropout`) and is the identity.
    """
    noise = torch.empty(h.shape, device=h.device, dtype=h.dtype)
    for member, (rate, generator) in enumerate(zip(rates, generators)):
        if rate > 0:
            noise[member].bernoulli_(1 - rate, generator=generator).div_(1 - rate)
        else:
            noise[member].fill_(1.0)
    return h * noise


def stacked_forward(
    architecture: StackedArchitecture,
    params: dict[str, torch.Tensor],
    buffers: dict[str, torch.Tensor],
    inputs: torch.Tensor,
    dropout: Sequence[Sequence[float] | None],
    training: bool,
    shared_inputs: bool,
    generators: Sequence[torch.Generator | None] | None = None,
) -> torch.Tensor:
    """Outputs (K, B, out) of every member.

    Args:
        architecture: from `describe_architecture`.
        params, buffers: stacked tensors from `stack_states` (batch-norm buffers are updated in training).
        inputs: (B, ...) shared by all members, or (K, B, ...) one batch per member.
        dropout: per hidden layer, the K rates (host floats), or None where no member
            drops (decided once per population, so no step asks the device).
        training: batch statistics and dropout (True) or running statistics (False).
        shared_inputs: True when `inputs` is one batch (B, ...) for every member.
        generators: each member's random stream for dropout masks (None: PyTorch's global one).
    """
    x = inputs.flatten(1) if shared_inputs else inputs.flatten(2)
    for index, layer in enumerate(architecture.layers):
        h = _linear(x, params[f"{layer.prefix}.linear.weight"], params[f"{layer.prefix}.linear.bias"])
        if layer.norm_position == "before":
            h = _norm(h, params, buffers, layer, training)
        h = layer.activation(h)
        if training and dropout[index] is not None:
            h = _dropout(h, dropout[index], generators or [None] * h.shape[0])
        if layer.norm_position == "after":
            h = _norm(h, params, buffers, layer, training)
        x = x + h if layer.residual else h
    out = _linear(x, params["head.weight"], params["head.bias"])
    if architecture.output_activation == "log_softmax":
        # over dim 1 of the class-first view: see reglab.population.objective on softmax speed
        return F.log_softmax(out.transpose(1, 2), dim=1).transpose(1, 2)
    if architecture.output_activation == "sigmoid":
        return torch.sigmoid(out)
    return out
