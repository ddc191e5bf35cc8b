"""K MLPs of one shape as stacked tensors, run with batched matrix products.

Each member is first built by the single-run `build_model` under its own seed, so
its initialization is exactly that of a single run; the members' state dicts are
then stacked: a Linear weight of shape (out, in) becomes (K, out, in) under the
same name (`hidden.0.linear.weight`), so unstacking member k gives a state dict
the single-run model loads as is.

Forward pass of hidden layer l for all members at once:

    h = baddbmm(b, x, Wᵀ)              (K, B, in) @ (K, in, out) + (K, 1, out)
    h = [norm] → activation → dropout(p_k) → [norm];  x + drop_path(h, p_k) when residual

When every member sees the same batch (shared data and data order) the first
layer is one large matrix product instead: x (B, F) @ [W_1ᵀ … W_Kᵀ] (F, K·out),
which keeps the CPU's matrix unit busy (this layer holds most of the parameters):
K products of (B, F) @ (F, out) over an expanded view of x made a population of 64
members of `mlp_seed000` 1.19× slower per epoch. A BLAS library may round the columns
of a wide product by where they sit (an AVX2 AMD EPYC: in layers up to 11 units wide),
so with shared inputs a member's first layer can part from its single run's, or change
as other members leave, in the last bits; with inputs of their own, members round
alike at every K.
Batch norm of all members is one `F.batch_norm` over K·width features, with the
members' running statistics stacked in (K·width) views; group norm is one
`F.group_norm` with K·G groups. Every dropout kind and drop-path draw each member's
noise from its own generator (`reglab.models.member_noise`), at its own rate.

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

from reglab.contract.members import unstack_state  # re-exported: the population's modules take it from here
from reglab.models.blocks import HiddenBlock
from reglab.models.dropout import GaussianDropout, GaussianNoise
from reglab.models.member_noise import drop_path_members, dropout_members
from reglab.models.mlp import MLP
from reglab.population.rates import MemberRates

__all__ = [
    "LayerShape",
    "StackedArchitecture",
    "describe_architecture",
    "describe_hidden_layers",
    "describe_output",
    "stack_states",
    "stacked_forward",
    "stacked_head",
    "stacked_hidden",
    "unstack_state",
]


@dataclass(frozen=True)
class LayerShape:
    """One hidden block as the stacked forward pass needs it."""

    prefix: str
    activation: nn.Module
    norm: str  # none | batch | group | layer
    norm_position: str
    residual: bool
    norm_eps: float = 1e-5
    norm_momentum: float = 0.1
    dropout_kind: str = "standard"  # standard | alpha | gaussian | gaussian_noise
    norm_groups: int = 1


@dataclass(frozen=True)
class StackedArchitecture:
    """The hidden blocks, then the head and the output activation."""

    layers: tuple[LayerShape, ...]
    output_activation: str  # none | sigmoid | log_softmax


_DROPOUT_KINDS = {nn.Dropout: "standard", nn.AlphaDropout: "alpha", GaussianDropout: "gaussian", GaussianNoise: "gaussian_noise"}


def _norm_kind(module: nn.Module) -> tuple[str, float, float, int]:
    if isinstance(module, nn.Identity):
        return "none", 1e-5, 0.1, 1
    if isinstance(module, nn.BatchNorm1d) and module.affine and module.track_running_stats and module.momentum is not None:
        return "batch", module.eps, module.momentum, 1
    if isinstance(module, nn.LayerNorm) and module.elementwise_affine and module.bias is not None:
        return "layer", module.eps, 0.1, 1
    if isinstance(module, nn.GroupNorm) and module.affine:
        return "group", module.eps, 0.1, module.num_groups
    raise ValueError(f"normalization {type(module).__name__} is not supported by the population engine")


def describe_architecture(model: nn.Module) -> StackedArchitecture:
    """Read the shape of a reglab MLP (built by `build_model`) for the stacked forward pass.

    Raises:
        ValueError: a module the population engine does not handle (its message says which).
    """
    if not isinstance(model, MLP):
        raise ValueError("only reglab MLPs (model.kind mlp) train with the stacked engine")
    return StackedArchitecture(describe_hidden_layers(model), describe_output(model))


def describe_hidden_layers(model: nn.Module) -> tuple[LayerShape, ...]:
    """The shapes of `model.hidden` (reglab HiddenBlocks), for `stacked_hidden`."""
    layers = []
    for index, block in enumerate(model.hidden):
        if not isinstance(block, HiddenBlock):
            raise ValueError(f"hidden.{index} is not a HiddenBlock")
        dropout_kind = _DROPOUT_KINDS.get(type(block.dropout))
        if dropout_kind is None:
            raise ValueError(f"dropout kind {type(block.dropout).__name__} is not supported by the population engine")
        kind, eps, momentum, groups = _norm_kind(block.norm)
        layers.append(
            LayerShape(f"hidden.{index}", block.activation, kind, block.norm_position, block.residual, eps, momentum, dropout_kind, groups)
        )
    return tuple(layers)


def describe_output(model: nn.Module) -> str:
    """The output activation of a reglab model: none | sigmoid | log_softmax."""
    output = model.output_activation
    name = {nn.Identity: "none", nn.Sigmoid: "sigmoid", nn.LogSoftmax: "log_softmax"}.get(type(output))
    if name is None:
        raise ValueError(f"output activation {type(output).__name__} is not supported by the population engine")
    return name


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


def _linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """Per-member x @ Wᵀ + b. x is (B, F) when shared by all members, else (K, B, F).

    Shared inputs: one (B, F) @ (F, K·out) product for all members, the (K, B, out) result
    a view. Inputs of their own: each member, a population of one too, takes its own
    (B, F) @ (F, out) product in one batched call, the same shape at every K. BLAS
    libraries choose kernels by shape: a plain product for K = 1 rounded weight gradients
    differently from the batched one on AVX2 CPUs, and the wide shared product can round
    a member's columns by K (see the module docstring).
    """
    members, out_features, in_features = weight.shape
    if x.dim() == 2:
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


def _group_norm(h: torch.Tensor, params, layer: LayerShape) -> torch.Tensor:
    """Group norm of every member as one `F.group_norm` with K·G groups over (B, K·W) features.

    Member k's features are the consecutive columns k·W … (k+1)·W − 1 of the (B, K·W) view, so
    its G groups are the groups k·G … (k+1)·G − 1: the single run's statistics, per sample.
    """
    members, batch, width = h.shape
    prefix = f"{layer.prefix}.norm."
    flat = h.transpose(0, 1).reshape(batch, members * width)
    out = F.group_norm(
        flat,
        members * layer.norm_groups,
        params[prefix + "weight"].reshape(members * width),
        params[prefix + "bias"].reshape(members * width),
        eps=layer.norm_eps,
    )
    return out.view(batch, members, width).transpose(0, 1)


def _norm(h: torch.Tensor, params, buffers, layer: LayerShape, training: bool) -> torch.Tensor:
    if layer.norm == "batch":
        return _batch_norm(h, params, buffers, layer, training)
    if layer.norm == "group":
        return _group_norm(h, params, layer)
    if layer.norm == "layer":
        prefix = f"{layer.prefix}.norm."
        normalized = F.layer_norm(h, (h.shape[-1],), eps=layer.norm_eps)
        return torch.addcmul(params[prefix + "bias"].unsqueeze(1), normalized, params[prefix + "weight"].unsqueeze(1))
    return h


def stacked_hidden(
    layers: Sequence[LayerShape],
    params: dict[str, torch.Tensor],
    buffers: dict[str, torch.Tensor],
    x: torch.Tensor,
    rates: MemberRates,
    training: bool,
    generators: Sequence[torch.Generator | None],
    hidden: list[torch.Tensor] | None = None,
) -> torch.Tensor:
    """The hidden blocks of every member: x (B, F) shared or (K, B, F) -> (K, B, width).

    In training, member k draws its dropout masks and then its drop-path mask of each
    block from `generators[k]`, in its single run's order. `hidden`, when given,
    receives each block's output (K, B, width): what activity penalties read.
    """
    for index, layer in enumerate(layers):
        h = _linear(x, params[f"{layer.prefix}.linear.weight"], params[f"{layer.prefix}.linear.bias"])
        if layer.norm_position == "before":
            h = _norm(h, params, buffers, layer, training)
        h = layer.activation(h)
        if training and rates.dropout[index] is not None:
            h = dropout_members(h, layer.dropout_kind, rates.dropout[index], generators)
        if layer.norm_position == "after":
            h = _norm(h, params, buffers, layer, training)
        if layer.residual:
            if training and rates.drop_path[index] is not None:
                h = drop_path_members(h, rates.drop_path[index], generators)
            x = x + h
        else:
            x = h
        if hidden is not None:
            hidden.append(x)
    return x


def stacked_head(output_activation: str, params: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """The head and output activation of every member: (K, B, width) or shared (B, F) -> (K, B, out)."""
    out = _linear(x, params["head.weight"], params["head.bias"])
    if output_activation == "log_softmax":
        # over dim 1 of the class-first view: see reglab.population.objective on softmax speed
        return F.log_softmax(out.transpose(1, 2), dim=1).transpose(1, 2)
    if output_activation == "sigmoid":
        return torch.sigmoid(out)
    return out


def member_rates(dropout: "MemberRates | Sequence[Sequence[float] | None]") -> MemberRates:
    """`dropout` as MemberRates (a plain per-layer list of dropout rates is accepted)."""
    return dropout if isinstance(dropout, MemberRates) else MemberRates.dropout_only(dropout)


def stacked_forward(
    architecture: StackedArchitecture,
    params: dict[str, torch.Tensor],
    buffers: dict[str, torch.Tensor],
    inputs: torch.Tensor,
    dropout: "MemberRates | Sequence[Sequence[float] | None]",
    training: bool,
    shared_inputs: bool,
    generators: Sequence[torch.Generator | None] | None = None,
    hidden: list[torch.Tensor] | None = None,
) -> torch.Tensor:
    """Outputs (K, B, out) of every member.

    Args:
        architecture: from `describe_architecture`.
        params, buffers: stacked tensors from `stack_states` (batch-norm buffers are updated in training).
        inputs: (B, ...) shared by all members, or (K, B, ...) one batch per member.
        dropout: the members' rates (`MemberRates`, host floats: decided once per
            population, so no step asks the device), or per hidden layer the K dropout
            rates or None.
        training: batch statistics and dropout (True) or running statistics (False).
        shared_inputs: True when `inputs` is one batch (B, ...) for every member.
        generators: each member's random stream for dropout masks (None: PyTorch's global one).
        hidden: a list that receives each hidden block's output (K, B, width), or None.
    """
    members = params["head.weight"].shape[0]
    x = inputs.flatten(1) if shared_inputs else inputs.flatten(2)
    x = stacked_hidden(architecture.layers, params, buffers, x, member_rates(dropout), training, generators or [None] * members, hidden)
    return stacked_head(architecture.output_activation, params, x)
