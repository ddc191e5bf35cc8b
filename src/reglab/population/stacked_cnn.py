"""K reglab CNNs of one shape as stacked tensors: conv blocks as grouped convolutions, then the stacked MLP.

The members' parameters are stacked as for the MLP (`stacked.stack_states`): a conv
weight (C_out, C_in, k[, k]) becomes (K, C_out, C_in, k[, k]) under its single-run name.
The feature maps of all members travel as ONE batch of K·C channels, member k's
channels at k·C … (k+1)·C − 1:

    x (B, C_in, ...) shared          conv with weight (K·C_out, C_in, k, k): one convolution
    x (B, K·C_in, ...) per member    conv with groups = K: member k's channels see only its filters
    norm                             batch: `F.batch_norm` over K·C channels (running statistics
                                     in (K·C) views); group / layer: `F.group_norm` with K·G groups
    activation, channel dropout      elementwise; member k's (B, C) masks from its own stream
    max-pool 2                       `F.max_pool2d` / `F.max_pool1d` on the K·C channels
    flatten                          (B, K·C, ...) -> (K, B, C·...), the single run's feature order

then the hidden blocks and head of `stacked.stacked_hidden` / `stacked_head`. Every step
is the single run's own operation on each member's channels, so a member equals its
single run up to the order of float sums inside the convolution kernels (channels-last
feature maps, see CHANNELS_LAST: about 1e-5 relative after two epochs).

Reference:
    The grouped-convolution form of an ensemble: Krizhevsky, Sutskever & Hinton 2012
    (AlexNet's two-GPU groups); torch.nn.functional.conv2d `groups`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from reglab.models.cnn import CNN, ConvBlock
from reglab.models.member_noise import channel_dropout_masks
from reglab.population.rates import MemberRates
from reglab.population.stacked import (
    LayerShape,
    StackedArchitecture,
    describe_architecture,
    describe_hidden_layers,
    describe_output,
    member_rates,
    stacked_forward,
    stacked_head,
    stacked_hidden,
)

__all__ = ["ConvShape", "StackedCNN", "describe_cnn", "describe_stacked", "stacked_cnn_forward", "stacked_forward_of"]


# 2-d feature maps travel channels-last: with per-member inputs, the first block's
# grouped convolution (one input channel per group) was measured 6x faster in its
# backward pass than in NCHW on a 2-core CPU (0.77 s vs 4.9 s, K = 16, batch 256). Its
# float sums run in another order than one member's NCHW convolution (about 1e-5
# relative after two epochs).
CHANNELS_LAST = True

# The most first-block feature-map floats (K·B·C·H·W) one evaluation pass holds: 2^26 = 256 MB.
EVAL_FEATURE_FLOATS = 1 << 26


@dataclass(frozen=True)
class ConvShape:
    """One conv block as the stacked pass needs it."""

    prefix: str
    activation: nn.Module
    norm: str  # none | batch | group
    norm_groups: int = 1
    norm_eps: float = 1e-5
    norm_momentum: float = 0.1


@dataclass(frozen=True)
class StackedCNN:
    """The conv blocks, the sample shape they read, the hidden blocks and the output activation."""

    sample_shape: tuple[int, ...]  # (C, L) or (C, H, W)
    convs: tuple[ConvShape, ...]
    layers: tuple[LayerShape, ...]
    output_activation: str

    @property
    def spatial_dims(self) -> int:
        return len(self.sample_shape) - 1


def _conv_norm(module: nn.Module) -> tuple[str, int, float, float]:
    if isinstance(module, nn.Identity):
        return "none", 1, 1e-5, 0.1
    if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)) and module.affine and module.track_running_stats and module.momentum is not None:
        return "batch", 1, module.eps, module.momentum
    if isinstance(module, nn.GroupNorm) and module.affine:
        return "group", module.num_groups, module.eps, 0.1
    raise ValueError(f"normalization {type(module).__name__} is not supported by the stacked CNN engine")


def describe_cnn(model: nn.Module) -> StackedCNN:
    """Read the shape of a reglab CNN (built by `build_model`) for `stacked_cnn_forward`.

    Raises:
        ValueError: not a reglab CNN, or a module the engine does not handle (named).
    """
    if not isinstance(model, CNN):
        raise ValueError("only reglab CNNs (model.kind cnn) train with the stacked CNN engine")
    convs = []
    for index, block in enumerate(model.conv):
        if not isinstance(block, ConvBlock):
            raise ValueError(f"conv.{index} is not a ConvBlock")
        norm, groups, eps, momentum = _conv_norm(block.norm)
        convs.append(ConvShape(f"conv.{index}", block.activation, norm, groups, eps, momentum))
    return StackedCNN(tuple(model.sample_shape), tuple(convs), describe_hidden_layers(model), describe_output(model))


def _conv(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, shared: bool, spatial_dims: int) -> torch.Tensor:
    """Every member's convolution: weight (K, C_out, C_in, k...) -> (B, K·C_out, ...)."""
    members, out_channels = weight.shape[:2]
    flat_weight = weight.reshape(members * out_channels, *weight.shape[2:])
    convolution = F.conv2d if spatial_dims == 2 else F.conv1d
    return convolution(x, flat_weight, bias.reshape(members * out_channels), padding="same", groups=1 if shared else members)


def _norm(h: torch.Tensor, params, buffers, block: ConvShape, members: int, training: bool) -> torch.Tensor:
    prefix = f"{block.prefix}.norm."
    if block.norm == "batch":
        channels = h.shape[1]
        out = F.batch_norm(
            h,
            buffers[prefix + "running_mean"].view(channels),
            buffers[prefix + "running_var"].view(channels),
            params[prefix + "weight"].reshape(channels),
            params[prefix + "bias"].reshape(channels),
            training=training,
            momentum=block.norm_momentum,
            eps=block.norm_eps,
        )
        if training:
            buffers[prefix + "num_batches_tracked"].add_(1)
        return out
    if block.norm == "group":
        channels = h.shape[1]
        weight, bias = params[prefix + "weight"].reshape(channels), params[prefix + "bias"].reshape(channels)
        return F.group_norm(h, members * block.norm_groups, weight, bias, eps=block.norm_eps)
    return h


def _member_channels_first(inputs: torch.Tensor, architecture: StackedCNN, shared: bool) -> torch.Tensor:
    """Inputs as one batch of channels: shared (B, C, ...) or per member (B, K·C, ...)."""
    if shared:
        return inputs.reshape(inputs.shape[0], *architecture.sample_shape)
    members, batch = inputs.shape[:2]
    maps = inputs.reshape(members, batch, *architecture.sample_shape).transpose(0, 1)
    channels, *spatial = architecture.sample_shape
    return maps.reshape(batch, members * channels, *spatial)


def _channels_last(x: torch.Tensor) -> torch.Tensor:
    """`x` (B, C, H, W) with channels-last strides, also for C = 1.

    `contiguous(memory_format=torch.channels_last)` leaves a one-channel batch's strides as
    they are (both layouts hold the same bytes), and the convolutions then return NCHW
    feature maps, on which max-pool and batch norm run several times slower on a CPU.
    """
    if x.stride(1) == 1:
        return x
    laid_out = torch.empty_permuted(x.shape, (0, 2, 3, 1), dtype=x.dtype, device=x.device)
    return laid_out.copy_(x)


class _ChannelsLastGradient(torch.autograd.Function):
    """Identity whose backward hands the gradient on channels-last.

    The flatten below reads the pooled maps in the single run's (C, H, W) order, so their
    gradient comes back NCHW; max-pool's backward would then copy its channels-last input
    and indices to NCHW, and every block below it would run on NCHW maps.
    """

    @staticmethod
    def forward(ctx, maps: torch.Tensor) -> torch.Tensor:
        return maps.view_as(maps)

    @staticmethod
    def backward(ctx, gradient: torch.Tensor) -> torch.Tensor:
        return _channels_last(gradient)


def stacked_cnn_forward(
    architecture: StackedCNN,
    params: dict[str, torch.Tensor],
    buffers: dict[str, torch.Tensor],
    inputs: torch.Tensor,
    dropout: "MemberRates | Sequence",
    training: bool,
    shared_inputs: bool,
    generators: Sequence[torch.Generator | None] | None = None,
    hidden: list[torch.Tensor] | None = None,
) -> torch.Tensor:
    """Outputs (K, B, out) of every member; the signature of `stacked.stacked_forward`.

    In training, member k draws its channel-dropout masks (block by block), then its
    hidden blocks' noise, from `generators[k]`: the order of its single run.
    """
    members = params["head.weight"].shape[0]
    if not training and architecture.convs:
        # Evaluation batches are large (`data.eval_batch_size`) and K members' feature maps
        # are K times a run's: evaluate in slices of at most EVAL_FEATURE_FLOATS first-block
        # floats (each sample's outputs do not depend on its neighbours in eval mode).
        batch = inputs.shape[0] if shared_inputs else inputs.shape[1]
        per_sample = members * params[f"{architecture.convs[0].prefix}.conv.weight"].shape[1] * math.prod(architecture.sample_shape[1:])
        step = max(1, EVAL_FEATURE_FLOATS // per_sample)
        if batch > step:
            parts = [
                stacked_cnn_forward(
                    architecture, params, buffers, inputs[start : start + step] if shared_inputs else inputs[:, start : start + step],
                    dropout, False, shared_inputs,
                )
                for start in range(0, batch, step)
            ]
            return torch.cat(parts, dim=1)
    rates = member_rates(dropout)
    generators = generators or [None] * members
    spatial_dims = architecture.spatial_dims
    pool = F.max_pool2d if spatial_dims == 2 else F.max_pool1d
    x = _member_channels_first(inputs, architecture, shared_inputs)
    if spatial_dims == 2 and CHANNELS_LAST:
        x = _channels_last(x)
    shared = shared_inputs
    for index, block in enumerate(architecture.convs):
        h = _conv(x, params[f"{block.prefix}.conv.weight"], params[f"{block.prefix}.conv.bias"], shared, spatial_dims)
        h = block.activation(_norm(h, params, buffers, block, members, training))
        channel_rates = rates.channel_dropout[index] if index < len(rates.channel_dropout) else None
        if training and channel_rates is not None:
            batch, channels = h.shape[0], h.shape[1] // members
            masks = channel_dropout_masks(h, batch, channels, spatial_dims, channel_rates, generators)
            h = h * masks.transpose(0, 1).reshape(batch, members * channels, *([1] * spatial_dims))
        x = pool(h, 2)
        shared = False
    batch = x.shape[0]
    if spatial_dims == 2 and CHANNELS_LAST and x.requires_grad:
        x = _ChannelsLastGradient.apply(x)
    features = x.contiguous().reshape(batch, members, -1).transpose(0, 1)  # (K, B, C·...) in the single run's order
    features = stacked_hidden(architecture.layers, params, buffers, features, rates, training, generators, hidden)
    return stacked_head(architecture.output_activation, params, features)


def describe_stacked(model: nn.Module) -> "StackedArchitecture | StackedCNN":
    """The stacked shape of a reglab MLP or CNN.

    Raises:
        ValueError: neither (a module of the user's own trains through `torch.func`).
    """
    try:
        return describe_architecture(model)
    except ValueError as mlp_error:
        if not isinstance(model, CNN):
            raise mlp_error from None
        return describe_cnn(model)


def stacked_forward_of(architecture: "StackedArchitecture | StackedCNN"):
    """The stacked forward function that runs `architecture` (same signature for MLPs and CNNs)."""
    return stacked_cnn_forward if isinstance(architecture, StackedCNN) else stacked_forward
