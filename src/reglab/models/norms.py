"""Normalization layers by config name (`model.norm`) and the names of their parameters.

| `model.norm` | vectors (N, width)      | feature maps (N, C, ...)                 |
|--------------|-------------------------|------------------------------------------|
| batch        | BatchNorm1d(width)      | BatchNorm1d / BatchNorm2d(C)             |
| group        | GroupNorm(groups, width)| GroupNorm(groups, C)                     |
| layer        | LayerNorm(width)        | GroupNorm(1, C): over channels and space |
| none         | Identity                | Identity                                 |

References:
    Ioffe & Szegedy 2015, Batch Normalization (arXiv:1502.03167);
    Ba, Kiros & Hinton 2016, Layer Normalization (arXiv:1607.06450);
    Wu & He 2018, Group Normalization (arXiv:1803.08494).
"""

from __future__ import annotations

from collections.abc import Iterable

from torch import nn
from torch.nn.modules.batchnorm import _NormBase

from reglab.config.errors import ConfigError

__all__ = [
    "NORMALIZATION_TYPES",
    "check_norm_groups",
    "make_norm",
    "normalization_parameter_names",
]

# Batch and instance norms share `_NormBase`; RMSNorm is included for hand-built models.
NORMALIZATION_TYPES: tuple[type[nn.Module], ...] = (
    _NormBase,
    nn.GroupNorm,
    nn.LayerNorm,
    nn.LocalResponseNorm,
    nn.RMSNorm,
)


def check_norm_groups(norm: str, groups: int, widths: Iterable[int]) -> None:
    """Refuse a group count that does not divide every normalized width.

    Args:
        norm: the `model.norm` value; only "group" is checked.
        groups: `model.norm_groups`.
        widths: every hidden width and conv channel count that gets a norm.

    Raises:
        ConfigError: `groups` does not divide one of `widths`.
    """
    widths = list(widths)
    if norm == "group" and any(width % groups for width in widths):
        raise ConfigError(
            "model.norm_groups",
            groups,
            f"a divisor of every hidden width and conv channel count {widths}",
        )


def make_norm(kind: str, width: int, groups: int = 1, spatial_dims: int = 0) -> nn.Module:
    """A normalization layer over `width` features or channels (see the module table).

    Args:
        kind: none | batch | group | layer.
        width: number of features (vectors) or channels (feature maps).
        groups: number of groups of group norm; must divide `width`.
        spatial_dims: 0 for vectors (N, width), 1 for (N, C, L), 2 for (N, C, H, W).

    Returns:
        The layer, with PyTorch's initialization (weight 1, bias 0).

    Example:
        >>> make_norm("layer", 16, spatial_dims=2)
        GroupNorm(1, 16, eps=1e-05, affine=True, bias=True)
    """
    if kind == "none":
        return nn.Identity()
    if kind == "batch":
        return nn.BatchNorm2d(width) if spatial_dims == 2 else nn.BatchNorm1d(width)
    if kind == "group":
        check_norm_groups(kind, groups, [width])
        return nn.GroupNorm(groups, width)
    if kind == "layer":
        return nn.LayerNorm(width) if spatial_dims == 0 else nn.GroupNorm(1, width)
    raise ConfigError("model.norm", kind, "none | batch | group | layer")


def normalization_parameter_names(model: nn.Module) -> set[str]:
    """Names (as in `model.named_parameters()`) of the parameters of normalization layers.

    Used to exclude the affine scales and shifts of BatchNorm / GroupNorm /
    LayerNorm (and instance / RMS norms) from weight decay, penalties and pruning.

    Args:
        model: any module.

    Returns:
        The set of dotted parameter names, e.g. {"hidden.0.norm.weight", "hidden.0.norm.bias"}.
    """
    names: set[str] = set()
    for module_name, module in model.named_modules():
        if isinstance(module, NORMALIZATION_TYPES):
            prefix = f"{module_name}." if module_name else ""
            names.update(prefix + name for name, _ in module.named_parameters(recurse=False))
    return names
