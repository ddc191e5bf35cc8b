"""Per-member hyperparameters of a population, as device tensors with one entry per member.

A population trains K configurations at once; the values they may differ in live
here as tensors of shape (K,). `per_member(values, like)` reshapes them to
(K, 1, ..., 1) so that they broadcast against a stacked parameter of shape
(K, *shape) — one tensor operation serves every member, with no Python loop over
members inside a step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Sequence

import torch

from reglab.config import Config
from reglab.contract.members import per_member

__all__ = ["MemberHyperparameters", "per_member"]  # per_member: re-exported from reglab.contract.members


def _cap(value: float | None) -> float:
    """A cap of the config (None: no cap) as a number: no cap is inf, which clips nothing."""
    return math.inf if value is None else value


@dataclass(frozen=True)
class MemberHyperparameters:
    """What each member may set for itself, one entry per member.

    Attributes:
        lr: `optimizer.lr`, (K,).
        momentum: `optimizer.momentum`, (K,).
        weight_decay: `optimizer.weight_decay`, (K,).
        l1: `regularization.l1`, (K,).
        l2: `regularization.l2`, (K,).
        flooding: `regularization.flooding`, the flood levels b, (K,).
        orthogonality: `regularization.orthogonality`, (K,).
        activity_l1, activity_l2: `regularization.activity_l1/l2`, (K,).
        sam_rho: `regularization.sam_rho`, (K,).
        adversarial_eps: `regularization.adversarial_eps`, (K,).
        grad_clip_norm, grad_clip_value, max_norm: the caps, (K,); inf where a member has none.
        dropout: `model.dropout` per hidden layer, (L, K).
        dropout_rates: the same rates on the host, one tuple per member.

    Example:
        >>> hyper = MemberHyperparameters.from_configs(configs, torch.device("cpu"))
        >>> hyper.lr.shape
        torch.Size([4])
    """

    lr: torch.Tensor
    momentum: torch.Tensor
    weight_decay: torch.Tensor
    l1: torch.Tensor
    l2: torch.Tensor
    flooding: torch.Tensor
    orthogonality: torch.Tensor
    activity_l1: torch.Tensor
    activity_l2: torch.Tensor
    sam_rho: torch.Tensor
    adversarial_eps: torch.Tensor
    grad_clip_norm: torch.Tensor
    grad_clip_value: torch.Tensor
    max_norm: torch.Tensor
    dropout: torch.Tensor
    dropout_rates: tuple[tuple[float, ...], ...]

    @classmethod
    def from_configs(cls, configs: Sequence[Config], device: torch.device) -> "MemberHyperparameters":
        def column(values: Sequence[float]) -> torch.Tensor:
            return torch.tensor(list(values), dtype=torch.float32, device=device)

        rates = [config.model.dropout_rates() for config in configs]
        layers = len(rates[0])
        return cls(
            lr=column(config.optimizer.lr for config in configs),
            momentum=column(config.optimizer.momentum for config in configs),
            weight_decay=column(config.optimizer.weight_decay for config in configs),
            l1=column(config.regularization.l1 for config in configs),
            l2=column(config.regularization.l2 for config in configs),
            flooding=column(config.regularization.flooding for config in configs),
            orthogonality=column(config.regularization.orthogonality for config in configs),
            activity_l1=column(config.regularization.activity_l1 for config in configs),
            activity_l2=column(config.regularization.activity_l2 for config in configs),
            sam_rho=column(config.regularization.sam_rho for config in configs),
            adversarial_eps=column(config.regularization.adversarial_eps for config in configs),
            grad_clip_norm=column(_cap(config.regularization.grad_clip_norm) for config in configs),
            grad_clip_value=column(_cap(config.regularization.grad_clip_value) for config in configs),
            max_norm=column(_cap(config.regularization.max_norm) for config in configs),
            dropout=torch.tensor(rates, dtype=torch.float32, device=device).reshape(len(configs), layers).T.contiguous(),
            dropout_rates=tuple(tuple(member) for member in rates),
        )

    @classmethod
    def concat(cls, parts: Sequence["MemberHyperparameters"]) -> "MemberHyperparameters":
        """The members of `parts`, one after another (a population merged from its shards)."""
        columns = {
            item.name: torch.cat([getattr(part, item.name) for part in parts])
            for item in fields(cls)
            if item.name not in ("dropout", "dropout_rates")
        }
        return cls(
            dropout=torch.cat([part.dropout for part in parts], dim=1),
            dropout_rates=tuple(rates for part in parts for rates in part.dropout_rates),
            **columns,
        )

    def select(self, keep: Sequence[int]) -> "MemberHyperparameters":
        """The hyperparameters of the members at positions `keep`."""
        index = torch.tensor(list(keep), dtype=torch.long, device=self.lr.device)
        changes = {
            item.name: getattr(self, item.name).index_select(0, index)
            for item in fields(self)
            if item.name not in ("dropout", "dropout_rates")
        }
        return replace(
            self,
            dropout=self.dropout.index_select(1, index),
            dropout_rates=tuple(self.dropout_rates[position] for position in keep),
            **changes,
        )
