"""Norm penalties on the weights: L1 (lasso), L2 (ridge) and the elastic net.

The pure functions sum over the tensors they are given and carry no coefficient;
`WeightPenalties` adds them to every member's loss with the `regularization.*` keys:

    loss = data_loss + λ₁·Σ_g m_g·Σ|w|  +  c(λ₂)·Σ_g m_g·Σw²

where g runs over groups of parameters sharing a per-layer multiplier m_g and
c(λ₂) is fixed by the L2 convention (see `l2_coefficient`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

import torch

from reglab.contract.units import MemberEpochEnd, MemberFinish, MemberStep, MemberUnit
from reglab.regularizers.scope import matches_any

__all__ = [
    "L2_CONVENTIONS",
    "PenaltyGroup",
    "elastic_net_penalty",
    "group_by_multiplier",
    "l1_penalty",
    "l2_coefficient",
    "l2_penalty",
    "member_norm",
    "weighted_penalty",
    "WeightPenalties",
]

L2_CONVENTIONS = ("half", "full", "mean")


def member_norm(tensors: Sequence[torch.Tensor], squared: bool) -> torch.Tensor:
    """Σ|w| (or Σw² when `squared`) of each member over stacked tensors (K, ...) -> (K,).

    The one formula of both penalties: a single run's `l1_penalty` and `l2_penalty` are
    its K = 1 case, `WeightPenalties` calls it on the stacked weights.

    Example:
        >>> member_norm([torch.tensor([[1.0, -2.0], [3.0, 0.0]])], squared=False)
        tensor([3., 3.])
    """
    terms = [(tensor.pow(2) if squared else tensor.abs()).reshape(tensor.shape[0], -1).sum(dim=1) for tensor in tensors]
    return torch.stack(terms).sum(dim=0)


def l1_penalty(params: Iterable[torch.Tensor]) -> torch.Tensor:
    """Σ|w| over every entry of the given tensors (no coefficient).

    Example:
        >>> l1_penalty([torch.tensor([1.0, -2.0]), torch.tensor([[3.0]])])
        tensor(6.)

    Reference:
        Tibshirani 1996, Regression Shrinkage and Selection via the Lasso.
    """
    return member_norm([param.unsqueeze(0) for param in params], squared=False)[0]


def l2_penalty(params: Iterable[torch.Tensor]) -> torch.Tensor:
    """Σw² over every entry of the given tensors (no coefficient; the squared L2 norm).

    Example:
        >>> l2_penalty([torch.tensor([1.0, -2.0]), torch.tensor([[3.0]])])
        tensor(14.)

    Reference:
        Hoerl & Kennard 1970, Ridge Regression; Krogh & Hertz 1992, A Simple Weight
        Decay Can Improve Generalization.
    """
    return member_norm([param.unsqueeze(0) for param in params], squared=True)[0]


def elastic_net_penalty(params: Sequence[torch.Tensor], l1_strength: float, l2_strength: float) -> torch.Tensor:
    """λ₁·Σ|w| + λ₂·Σw² (the naive elastic net, with both strengths given explicitly).

    Example:
        >>> elastic_net_penalty([torch.tensor([1.0, -2.0])], 0.1, 0.01)
        tensor(0.3500)

    Reference:
        Zou & Hastie 2005, Regularization and variable selection via the elastic net.
    """
    return l1_strength * l1_penalty(params) + l2_strength * l2_penalty(params)


def l2_coefficient(strength: float, convention: str, batch_size: int) -> float:
    """The factor c multiplying Σw² for a given λ and convention.

    half: c = λ/2 (PyTorch `weight_decay`: the gradient is λ·w; seed 000);
    full: c = λ (Keras `l2(λ)`; seed 002);
    mean: c = λ/n with n the batch size (seed 001's slide: "+ λ/n Σ w²").

    Example:
        >>> l2_coefficient(0.1, "mean", 50)
        0.002
    """
    if convention == "half":
        return strength / 2
    if convention == "full":
        return strength
    if convention == "mean":
        return strength / batch_size
    raise ValueError(f"unknown L2 convention {convention!r}; allowed: {', '.join(L2_CONVENTIONS)}")


@dataclass(frozen=True)
class PenaltyGroup:
    """Parameters sharing one per-layer multiplier."""

    multiplier: float
    names: tuple[str, ...]
    params: tuple[torch.Tensor, ...]


def group_by_multiplier(
    named_params: Mapping[str, torch.Tensor], per_layer: Mapping[str, float] | None = None
) -> list[PenaltyGroup]:
    """Split scoped parameters into groups by their per-layer multiplier.

    A parameter takes the multiplier of the first `per_layer` pattern (fnmatch, or a
    bare substring) its name matches, in the order the patterns are written, else 1.
    Groups with multiplier 0 are dropped: those parameters are not regularized.

    Example:
        >>> groups = group_by_multiplier(dict(model.named_parameters()), {"head.*": 0.1})
        >>> [(group.multiplier, group.names) for group in groups]
        [(1.0, ('hidden.0.linear.weight',)), (0.1, ('head.weight',))]
    """
    patterns = list((per_layer or {}).items())
    by_multiplier: dict[float, list[tuple[str, torch.Tensor]]] = {}
    for name, param in named_params.items():
        multiplier = next((value for pattern, value in patterns if matches_any(name, [pattern])), 1.0)
        by_multiplier.setdefault(float(multiplier), []).append((name, param))
    return [
        PenaltyGroup(multiplier, tuple(n for n, _ in members), tuple(p for _, p in members))
        for multiplier, members in by_multiplier.items()
        if multiplier != 0.0
    ]


def weighted_penalty(
    groups: Sequence[PenaltyGroup], norm: Callable[[Iterable[torch.Tensor]], torch.Tensor]
) -> torch.Tensor:
    """Σ_g m_g·norm(params_g): a penalty with per-layer multipliers."""
    terms = [norm(group.params) * group.multiplier for group in groups]
    return terms[0] if len(terms) == 1 else torch.stack(terms).sum()


class WeightPenalties(MemberUnit):
    """`regularization.l1` / `l2`: each member's λ₁ and λ₂ times the norms of its scoped
    weights, by name (`loss/l1`, `loss/l2`), each (K,):

        loss/l1_k = λ₁,k · Σ_g m_g Σ|w_k|        loss/l2_k = c(λ₂,k) · Σ_g m_g Σ w_k²

    with c from `l2_coefficient`. One reduction per scoped tensor serves all K members.
    With `l1_mode` proximal or subgradient the L1 term is recorded detached: `loss/total`
    is the same objective in all three modes while its gradient comes from
    `ProximalL1` / `SubgradientL1`.

    Args:
        groups: (multiplier m_g, parameter names) of the scoped parameters (`group_by_multiplier`).
        entries: how many entries the scoped parameters hold (for `l1/zeros`).
        convention: half | full | mean (`l2_coefficient`).
        l1_in_loss: True for `l1_mode: penalty` (autograd differentiates λ₁·Σ|w|).

    Example:
        >>> penalties = WeightPenalties([(1.0, ["hidden.0.linear.weight"])], entries=784 * 16)
        >>> penalties.configure(hyper); penalties.loss_terms(step)["l2"].shape
        torch.Size([8])
    """

    name = "penalty"
    slots = ("loss_term",)
    slot_order = {"epoch_end": 25}  # `l1/zeros` counts after the epoch's pruning round (order 20)

    def __init__(self, groups: Sequence[tuple[float, Sequence[str]]], entries: int, convention: str = "half",
                 l1_in_loss: bool = True) -> None:
        if convention not in L2_CONVENTIONS:
            raise ValueError(f"unknown L2 convention {convention!r}; allowed: {', '.join(L2_CONVENTIONS)}")
        self.groups = [(multiplier, list(names)) for multiplier, names in groups]
        self.scoped_names = [name for _, names in self.groups for name in names]
        self.scoped_entries = entries
        self.convention = convention
        self.l1_in_loss = l1_in_loss

    def configure(self, hyper: Any) -> None:
        self.l1_on = [value > 0 for value in hyper.l1.tolist()]
        self.l2_on = [value > 0 for value in hyper.l2.tolist()]

    def _weighted(self, params: Mapping[str, torch.Tensor], squared: bool) -> torch.Tensor:
        terms = [member_norm([params[name] for name in names], squared) * multiplier for multiplier, names in self.groups]
        return terms[0] if len(terms) == 1 else torch.stack(terms).sum(dim=0)

    def loss_terms(self, step: MemberStep) -> dict[str, torch.Tensor]:
        terms: dict[str, torch.Tensor] = {}
        if any(self.l1_on):
            with torch.set_grad_enabled(self.l1_in_loss and torch.is_grad_enabled()):
                terms["l1"] = step.hyper.l1 * self._weighted(step.params, squared=False)
        if any(self.l2_on):
            terms["l2"] = l2_coefficient(step.hyper.l2, self.convention, step.batch_size) * self._weighted(step.params, squared=True)
        return terms

    def emitted(self, position: int) -> set[str]:
        flags = (("l1", self.l1_on[position]), ("l2", self.l2_on[position]))
        return {name for name, on in flags if on}

    def epoch_quantities(self, run: Any) -> dict[str, torch.Tensor]:
        return {"l1/zeros": self.zero_counts(run.params)} if any(self.l1_on) else {}

    def epoch_metrics(self, end: MemberEpochEnd) -> dict[str, float]:
        """`l1/zeros`: the fraction of the member's scoped weights that are exactly 0 (members with λ₁ > 0)."""
        if not self.l1_on[end.position]:
            return {}
        return {"l1/zeros": end.fetched["l1/zeros"][end.position][0] / max(self.scoped_entries, 1)}

    def final_summary(self, finish: MemberFinish) -> dict[str, Any]:
        """`sparsity`: the same fraction of the member's last weights (members with λ₁ > 0)."""
        if not self.l1_on[finish.position]:
            return {}
        return {"sparsity": self.zero_counts(finish.run.params)[finish.position].item() / max(self.scoped_entries, 1)}

    @torch.no_grad()
    def zero_counts(self, params: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """Exactly-zero entries among each member's scoped weights, (K,); divide by `scoped_entries`
        for `l1/zeros` (and the summary's `sparsity`)."""
        tensors = [params[name] for name in self.scoped_names]
        return torch.stack([(tensor == 0).flatten(1).sum(dim=1) for tensor in tensors]).sum(dim=0)
