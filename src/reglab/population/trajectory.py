"""The parameter trajectory of every member, measured with batched reductions over stacked tensors.

The device side measures each quantity for all members at once, as a (tensors, K)
matrix: one reduction over the stacked tensor's non-member dims per parameter
tensor. The host side is the single run's own `reglab.trajectory.metrics.derive_metrics`,
called once per member, so a member records exactly the `param/*`, `grad/*`,
`update_ratio/*` and `bn/*` keys its single run records (see that module for the
formulas and the key table).
"""

from __future__ import annotations

from typing import Sequence

import torch

from reglab.trajectory.metrics import derive_metrics

__all__ = ["MemberTrajectory", "member_norms"]


def member_norms(tensors: Sequence[torch.Tensor]) -> torch.Tensor:
    """‖w_k‖₂ of each stacked tensor (K, ...) and member: a (len(tensors), K) matrix."""
    return torch.stack([tensor.flatten(1).norm(dim=1) for tensor in tensors])


class MemberTrajectory:
    """Per-epoch trajectory quantities of every member.

    Args:
        params: the stacked parameters at the start of training (θ₀ is copied).
        buffers: the stacked buffers (batch-norm running statistics).
        batchnorm_names: module names of the batch-norm layers (`hidden.0.norm`).
        sets: the `trajectory.metrics` sets to record.
        epsilon: ε of `param/near_zero/*`.
        gradient_mode: last_step | epoch_mean.

    Example:
        >>> trajectory = MemberTrajectory(params, buffers, [], ["norms", "distance"], 1e-3, "last_step")
        >>> raw = trajectory.measure(params, buffers)      # device tensors, (n, K) each
    """

    def __init__(self, params, buffers, batchnorm_names: Sequence[str], sets: Sequence[str], epsilon: float, gradient_mode: str) -> None:
        self.names = list(params)
        self.numels = [tensor[0].numel() for tensor in params.values()]
        self.batchnorm_names = list(batchnorm_names)
        self.sets = set(sets)
        self.epsilon = epsilon
        self.gradient_mode = gradient_mode
        with torch.no_grad():
            self.initial = {name: tensor.detach().clone() for name, tensor in params.items()}
        self.initial_norms = member_norms(list(self.initial.values())).T.tolist()  # K lists
        self.epoch_start: dict[str, torch.Tensor] = {}
        self.gradient_sum: torch.Tensor | None = None
        self.gradient_last: torch.Tensor | None = None
        self.gradient_steps = 0
        # What the single run's recorder keeps in its summary as `trajectory.initial`.
        initial_raw = {name: value.T.tolist() for name, value in self.measure(params, buffers).items()}
        self.initial_summaries = [
            self.metrics({name: rows[member] for name, rows in initial_raw.items()}, member)
            for member in range(len(self.initial_norms))
        ]

    def start_epoch(self, params) -> None:
        self.gradient_sum, self.gradient_last, self.gradient_steps = None, None, 0
        if "updates" in self.sets:
            with torch.no_grad():
                self.epoch_start = {name: tensor.detach().clone() for name, tensor in params.items()}

    @torch.no_grad()
    def observe_gradients(self, grads: dict[str, torch.Tensor], last_step: bool) -> None:
        """Called after backward: keep this step's gradient norms when the mode needs them."""
        if "gradients" not in self.sets or not (last_step or self.gradient_mode == "epoch_mean"):
            return
        norms = member_norms([grads[name] for name in self.names])
        norms = torch.cat([norms, torch.linalg.vector_norm(norms, dim=0, keepdim=True)])
        if self.gradient_mode == "epoch_mean":
            self.gradient_sum = norms if self.gradient_sum is None else self.gradient_sum + norms
            self.gradient_steps += 1
        else:
            self.gradient_last = norms

    @torch.no_grad()
    def measure(self, params, buffers) -> dict[str, torch.Tensor]:
        """Device quantities, each (rows, K); no host sync."""
        tensors = [params[name] for name in self.names]
        raw: dict[str, torch.Tensor] = {}
        if self.sets & {"norms", "distance", "updates"}:
            raw["l2"] = member_norms(tensors)
        if "norms" in self.sets:
            raw["l1"] = torch.stack([tensor.abs().flatten(1).sum(dim=1) for tensor in tensors])
        if "distance" in self.sets:
            raw["distance"] = member_norms([tensor - self.initial[name] for name, tensor in zip(self.names, tensors)])
        if "sparsity" in self.sets:
            raw["nonzero"] = torch.stack([(tensor != 0).flatten(1).sum(dim=1) for tensor in tensors]).float()
            raw["above_epsilon"] = torch.stack(
                [(torch.floor(tensor.abs() / self.epsilon) != 0).flatten(1).sum(dim=1) for tensor in tensors]
            ).float()
        if "updates" in self.sets and self.epoch_start:
            raw["update"] = member_norms([tensor - self.epoch_start[name] for name, tensor in zip(self.names, tensors)])
        if "gradients" in self.sets:
            gradients = self.gradient_last if self.gradient_mode == "last_step" else (
                None if self.gradient_sum is None else self.gradient_sum / self.gradient_steps
            )
            if gradients is not None:
                raw["gradient"] = gradients
        if "batchnorm" in self.sets and self.batchnorm_names:
            rows = []
            for module in self.batchnorm_names:
                for key, source in (("running_mean", buffers), ("running_var", buffers), ("weight", params), ("bias", params)):
                    rows.append(source[f"{module}.{key}"].detach().float().flatten(1).mean(dim=1))
            raw["batchnorm"] = torch.stack(rows)
        return raw

    def metrics(self, raw_by_member: dict[str, list[float]], original_member: int) -> dict[str, float]:
        """The member's metric keys from its fetched rows (`raw_by_member[name]`); `original_member` indexes θ₀."""
        return derive_metrics(
            self.names,
            self.numels,
            raw_by_member,
            self.sets,
            initial_norms=self.initial_norms[original_member],
            gradient_names=self.names,
            batchnorm_names=self.batchnorm_names,
        )

    def absorb(self, others: Sequence["MemberTrajectory"]) -> None:
        """Take over the members of `others` (at an epoch's end: only θ₀ carries over)."""
        self.initial = {name: torch.cat([tensor] + [other.initial[name] for other in others]) for name, tensor in self.initial.items()}

    def select(self, keep: torch.Tensor) -> None:
        self.initial = {name: tensor.index_select(0, keep) for name, tensor in self.initial.items()}
