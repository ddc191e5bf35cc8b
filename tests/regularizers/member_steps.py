"""Helpers for testing member units on hand-made stacked tensors (K members along dim 0)."""

from __future__ import annotations

import math
from types import SimpleNamespace

import torch

from reglab.contract.units import MemberStep

ZERO_DEFAULTS = ("l1", "l2", "flooding", "orthogonality", "activity_l1", "activity_l2", "sam_rho")
CAP_DEFAULTS = ("grad_clip_norm", "grad_clip_value", "max_norm")


def member_hyper(members: int, **values) -> SimpleNamespace:
    """Each member's settings as (K,) tensors: the given ones, 0 for strengths, inf for caps."""
    columns = {name: [0.0] * members for name in ZERO_DEFAULTS}
    columns.update({name: [math.inf] * members for name in CAP_DEFAULTS})
    columns.update({name: list(value) for name, value in values.items()})
    return SimpleNamespace(**{name: torch.tensor(value, dtype=torch.float32) for name, value in columns.items()})


def member_step(params: dict[str, torch.Tensor], hyper: SimpleNamespace, lr=(0.1,), batch_size: int = 8, **fields) -> MemberStep:
    members = next(iter(params.values())).shape[0]
    rates = torch.tensor(list(lr) * (members if len(lr) == 1 else 1), dtype=torch.float32)
    return MemberStep(params, {}, hyper, batch_size, 0, 1, list(range(members)), rates, **fields)


def configured(unit, hyper):
    unit.configure(hyper)
    return unit


def stacked_params(models, requires_grad: bool = True) -> dict[str, torch.Tensor]:
    """The models' parameters stacked along a new member dim, by name (leaves)."""
    names = [name for name, _ in models[0].named_parameters()]
    return {
        name: torch.stack([dict(model.named_parameters())[name].detach() for model in models]).requires_grad_(requires_grad)
        for name in names
    }


def name_groups(groups) -> list[tuple[float, tuple[str, ...]]]:
    """`group_by_multiplier`'s groups as the (multiplier, names) pairs units take."""
    return [(group.multiplier, group.names) for group in groups]
