"""L1 and L2 penalties of every member at once, each with its own λ₁ and λ₂.

The same penalty as the single run's `PenaltyHook` (`reglab.regularizers.penalties`),
over the same parameters (`select_parameters` with `regularization.scope/include/
exclude`) and per-layer multipliers (`group_by_multiplier`):

    loss/l1_k = λ₁,k · Σ_g m_g Σ|w_k|        loss/l2_k = c(λ₂,k) · Σ_g m_g Σ w_k²

with c from `l2_coefficient` (half: λ/2, full: λ, mean: λ/n), and the orthogonality
penalty λ_o,k · Σ_W R(W_k) (`orthogonality_penalty`, the same function the single
run calls on its weights). Each sum runs over the stacked tensor's non-member dims,
so one reduction serves all K members.
"""

from __future__ import annotations

import math

import torch

from reglab.population.members import MemberHyperparameters
from reglab.regularizers.constraints import max_norm_members_
from reglab.regularizers.orthogonality import orthogonality_penalty
from reglab.regularizers.proximal import add_l1_subgradient_, soft_threshold_members_
from reglab.regularizers.penalties import group_by_multiplier, l2_coefficient, member_norm
from reglab.regularizers.scope import select_parameters

__all__ = ["MemberPenalties", "member_norm"]


class MemberPenalties:
    """The `regularization.l1/l2` terms of each member, by name (`l1`, `l2`), each (K,).

    Args:
        template: one member's model (its names decide the scope, as in a single run).
        settings: the shared `regularization` section (scope, include, exclude, per_layer, l2_convention).
        hyper: the members' λ₁ and λ₂.

    Example:
        >>> penalties = MemberPenalties(template, config.regularization, hyper)
        >>> penalties(params, hyper, batch_size=64)["l2"].shape
        torch.Size([8])
    """

    def __init__(self, template: torch.nn.Module, settings, hyper: MemberHyperparameters) -> None:
        scoped = select_parameters(template, settings.scope, settings.include, settings.exclude)
        self.groups = [(group.multiplier, group.names) for group in group_by_multiplier(scoped, settings.per_layer)]
        self.scoped_names = [name for _, names in self.groups for name in names]
        self.scoped_entries = sum(scoped[name].numel() for name in self.scoped_names)
        self.convention = settings.l2_convention
        # the member's weight matrices, in the single run's order (the same float sums)
        self.matrix_names = [name for name, param in scoped.items() if param.dim() >= 2]
        self.orthogonality_mode = settings.orthogonality_mode
        self.l1_mode = settings.l1_mode
        self.configure(hyper)

    def configure(self, hyper: MemberHyperparameters) -> None:
        """Which terms any member uses, read once on the host."""
        self.l1_on = [value > 0 for value in hyper.l1.tolist()]
        self.l2_on = [value > 0 for value in hyper.l2.tolist()]
        self.orthogonality_on = [value > 0 for value in hyper.orthogonality.tolist()]
        self.max_norm_on = any(math.isfinite(value) for value in hyper.max_norm.tolist())

    def _weighted(self, params: dict[str, torch.Tensor], squared: bool) -> torch.Tensor:
        terms = [member_norm([params[name] for name in names], squared) * multiplier for multiplier, names in self.groups]
        return terms[0] if len(terms) == 1 else torch.stack(terms).sum(dim=0)

    def __call__(self, params: dict[str, torch.Tensor], hyper: MemberHyperparameters, batch_size: int) -> dict[str, torch.Tensor]:
        terms: dict[str, torch.Tensor] = {}
        if not self.groups:
            return terms
        if any(self.l1_on):
            if self.l1_mode == "penalty":
                terms["l1"] = hyper.l1 * self._weighted(params, squared=False)
            else:  # recorded, differentiated by the optimizer-side rule (as the single run)
                with torch.no_grad():
                    terms["l1"] = hyper.l1 * self._weighted(params, squared=False)
        if any(self.l2_on):
            terms["l2"] = l2_coefficient(hyper.l2, self.convention, batch_size) * self._weighted(params, squared=True)
        if any(self.orthogonality_on):
            total = torch.stack([orthogonality_penalty(params[name], self.orthogonality_mode) for name in self.matrix_names]).sum(dim=0)
            terms["orthogonality"] = hyper.orthogonality * total
        return terms

    def gradient_rules(self, params: dict[str, torch.Tensor], gradients: dict[str, torch.Tensor], hyper: MemberHyperparameters) -> None:
        """L1 subgradient (`l1_mode: subgradient`): g ← g + λ₁,k·m_g·sign(w), in place."""
        if self.l1_mode != "subgradient" or not any(self.l1_on):
            return
        for multiplier, names in self.groups:
            add_l1_subgradient_([params[name] for name in names], [gradients[name] for name in names], hyper.l1 * multiplier)

    def weight_rules(self, params: dict[str, torch.Tensor], hyper: MemberHyperparameters, lr: torch.Tensor) -> None:
        """After the step: proximal L1 (w ← soft-threshold by η_k·λ₁,k·m_g), then max-norm."""
        if self.l1_mode == "proximal" and any(self.l1_on):
            for multiplier, names in self.groups:
                soft_threshold_members_([params[name] for name in names], lr * hyper.l1 * multiplier)
        if self.max_norm_on:
            max_norm_members_([params[name] for name in self.matrix_names], hyper.max_norm)

    def emitted(self, member: int) -> set[str]:
        """The `loss/<name>` keys member `member`'s single run would record."""
        if not self.groups:
            return set()
        flags = (("l1", self.l1_on[member]), ("l2", self.l2_on[member]), ("orthogonality", self.orthogonality_on[member]))
        return {name for name, on in flags if on}

    @torch.no_grad()
    def zero_counts(self, params: dict[str, torch.Tensor]) -> torch.Tensor:
        """Exactly-zero entries among each member's regularized weights, (K,); divide by `scoped_entries`.

        The single run's `ZeroFractionMonitor` (`l1/zeros`, summary `sparsity`) measures the same.
        """
        tensors = [params[name] for name in self.scoped_names]
        return torch.stack([(tensor == 0).flatten(1).sum(dim=1) for tensor in tensors]).sum(dim=0)
