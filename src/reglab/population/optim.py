"""SGD, Adam and AdamW over stacked parameters, each member with its own lr, momentum and decay.

The updates are `torch.optim`'s, with the scalar hyperparameters replaced by
(K, 1, ..., 1) tensors, so that member k moves as a single run with member k's settings
would (the tests compare against torch.optim):

SGD (dampening 0; coupled weight decay λ on the decayed tensors):

    g ← ∇ + λ_k·w;   b ← μ_k·b + g;   g ← g + μ_k·b (Nesterov) or b;   w ← w − η_k·g

Adam (Kingma & Ba 2015, arXiv:1412.6980), coupled decay g ← ∇ + λ_k·w; AdamW
(Loshchilov & Hutter 2019, arXiv:1711.05101) decays first, w ← w·(1 − η_k·λ_k):

    m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  w ← w − η_k/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)

With a momentum schedule (`onecycle`, `reglab.population.schedule`) μ_k (SGD) is this
step's (K,) row instead of a constant. Adam's β₁ is never scheduled: the single run's
OneCycleLR cycles momentum for SGD only.

On a CPU, members of at least 2,048 elements per tensor move through PyTorch's fused
kernels (`torch._fused_sgd_`, `torch._fused_adam_`: one pass over a tensor's weights,
gradient and state), one call per group of members that share (η, μ) or η, on their rows
of the stacked tensors (`reglab.population.fused_groups`): each member moves bit for bit as
the fused `torch.optim` optimizer moves one run. Otherwise (smaller members, or not on a
CPU):

- SGD makes three passes as `torch._foreach_*` calls (scale b, add g, move w), as
  `torch.optim.SGD` without `fused`. One `addcmul` into b (two passes, rounding b once
  where the CPU fuses the multiply-add) was measured 1.1× faster per epoch for 36 members
  at batch 32, but it made a CNN member with batch norm end 1.7e-4 (relative) from its
  single run at two threads, past the contract test's 1e-4: the stacked convolutions
  already sum in another order than one run's, and batch norm grew that difference more
  with the new rounding. Members that large now take the fused kernels anyway: not kept.
- Adam and AdamW run the fused kernel on a zeroed direction with lr 1, then move each
  member by its own η_k (see `_adam_step`): the kernel takes one lr for all tensors, and
  K members have K.

At small batches the update's memory traffic is a third of an SGD step and half of an
Adam step. Measured in one process on one thread, 784-100-100-10 members: the optimizer
step of a single run 1.37× (SGD) and 1.33× (Adam) faster by the fused kernels, of 36
members with three learning rates 1.14× and 1.43×.

Hand-written because torch.optim takes one scalar lr per parameter group: K groups
would loop over members in Python at every step.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import torch

from reglab.population.fused_groups import RowViews, setting_groups
from reglab.population.members import MemberHyperparameters, per_member

__all__ = ["StackedOptimizer"]


class StackedOptimizer:
    """`optimizer.name` sgd | adam | adamw over a dict of stacked parameters.

    Args:
        params: name -> stacked parameter (K, ...).
        decayed: names that get weight decay (from `reglab.regularizers.decay_groups`).
        hyper: the members' hyperparameters (which terms are on is read once, on the host).
        name: sgd | adam | adamw.
        nesterov: Nesterov momentum (SGD).
        betas, eps: Adam's constants (shared by the population).

    Example:
        >>> optimizer = StackedOptimizer(params, {"head.weight"}, hyper, name="sgd")
        >>> optimizer.step(grads, lr=hyper.lr, hyper=hyper)
        >>> optimizer.step(grads, lr=lrs[step], hyper=hyper, momentum=momenta[step])  # onecycle
    """

    def __init__(
        self,
        params: dict[str, torch.Tensor],
        decayed: Iterable[str],
        hyper: MemberHyperparameters,
        name: str = "sgd",
        nesterov: bool = False,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        if name not in ("sgd", "adam", "adamw"):
            raise ValueError(f"unknown optimizer {name!r}")
        self.params = params
        self.decayed = set(decayed)
        self.name = name
        self.nesterov = nesterov
        self.betas = betas
        self.eps = eps
        self.steps = 0
        self.state: dict[str, dict[str, torch.Tensor]] = {}
        self._directions: dict[str, torch.Tensor] = {}
        self._rows = RowViews()
        self.last_lr: torch.Tensor | None = None
        self.last_momentum: torch.Tensor | None = None
        self.configure(hyper)

    def _state(self, name: str, param: torch.Tensor, keys: Sequence[str]) -> dict[str, torch.Tensor]:
        if name not in self.state:
            self.state[name] = {key: torch.zeros_like(param, memory_format=torch.preserve_format) for key in keys}
        return self.state[name]

    @torch.no_grad()
    def step(
        self, grads: dict[str, torch.Tensor], lr: torch.Tensor, hyper: MemberHyperparameters, momentum: torch.Tensor | None = None
    ) -> None:
        """Update every parameter with its gradient; `lr` is this step's (K,) learning rate.

        `momentum`: this step's (K,) SGD momentum when scheduled (onecycle); None uses
        `hyper.momentum`. Adam's β₁ is `betas[0]` (never scheduled)."""
        self.steps += 1
        self.last_lr, self.last_momentum = lr, momentum  # each member's, for its records (`optimizer_state`)
        uses_decay = self._any_decay
        uses_momentum = self.name == "sgd" and self._any_momentum
        momenta = hyper.momentum if momentum is None else momentum
        if self.name == "sgd":
            self._sgd_step(grads, lr, hyper, momenta if uses_momentum else None, uses_decay)
            return
        if momentum is not None:
            raise ValueError("Adam's β₁ is not scheduled (onecycle cycles the momentum of SGD only)")
        self._adam_step(grads, lr, hyper, uses_decay)

    def _adam_step(self, grads: dict[str, torch.Tensor], lr: torch.Tensor, hyper: MemberHyperparameters, uses_decay: bool) -> None:
        """Adam or AdamW through PyTorch's fused kernel: one pass over w, m, v and the gradient
        instead of eight elementwise passes with four temporaries the size of the weights
        (measured 10x faster on a (18, 200, 784) weight). The decay terms come first, per
        member: the gradient gains λ_k·w (Adam), or the weights shrink to w·(1 − η_k·λ_k) (AdamW).

        The kernel takes one lr. Members that share η move in one call with lr η, on their
        rows of the stacked tensors (`reglab.population.fused_groups`), exactly as
        `torch.optim.Adam(fused=True)` moves one run. Otherwise (small members, or not on a
        CPU) the kernel moves a zeroed direction d with lr 1,

            d = −(1/(1−β₁ᵗ)) · m / (√v/√(1−β₂ᵗ) + ε)      (m, v updated in the same pass)

        and then w ← w + η_k·d per member: two more passes over the weights, but no call per
        group of members."""
        names = list(self.params)
        params = [self.params[name] for name in names]
        steps = []
        for name, param in zip(names, params):
            gradient = grads[name]
            if uses_decay and name in self.decayed:
                decay = per_member(hyper.weight_decay, param)
                if self.name == "adamw":
                    param.mul_(1 - per_member(lr, param) * decay)
                else:
                    gradient = gradient.addcmul(param, decay)
            steps.append(gradient.contiguous())  # the fused kernel walks memory in order
        states = [self._state(name, param, ("exp_avg", "exp_avg_sq")) for name, param in zip(names, params)]
        moments = [state["exp_avg"] for state in states], [state["exp_avg_sq"] for state in states]
        count = torch.tensor(float(self.steps), device=params[0].device)
        constants = dict(beta1=self.betas[0], beta2=self.betas[1], weight_decay=0.0, eps=self.eps, amsgrad=False, maximize=False)
        groups = setting_groups(params, lr)
        if groups is None:
            directions = [self._direction(name, param) for name, param in zip(names, params)]
            torch._foreach_zero_(directions)
            torch._fused_adam_(directions, steps, *moments, [], [count] * len(params), lr=1.0, **constants)
            torch._foreach_addcmul_(params, directions, [per_member(lr, param) for param in params])
            return
        lists = [("param", params), (None, steps), ("exp_avg", moments[0]), ("exp_avg_sq", moments[1])]
        for (rate,), tensors in self._rows.split(groups, names, lists):
            torch._fused_adam_(*tensors, [], [count] * len(tensors[0]), lr=rate, **constants)

    def _direction(self, name: str, param: torch.Tensor) -> torch.Tensor:
        """A scratch tensor shaped as `param`, kept between steps (not part of the state)."""
        direction = self._directions.get(name)
        if direction is None or direction.shape != param.shape:
            direction = self._directions[name] = torch.empty_like(param, memory_format=torch.contiguous_format)
        return direction

    def _sgd_step(self, grads: dict[str, torch.Tensor], lr: torch.Tensor, hyper: MemberHyperparameters,
                  momenta: torch.Tensor | None, uses_decay: bool) -> None:
        """g ← ∇ + λ_k·w;  b ← μ_k·b + g;  g ← g + μ_k·b (Nesterov) or b;  w ← w − η_k·g.

        Members that share (η, μ) move in one call of PyTorch's fused kernel on their rows
        (`reglab.population.fused_groups`), one pass over w, b and g, exactly as
        `torch.optim.SGD(fused=True)` moves one run; a member with μ_k = 0 keeps its buffer.
        Otherwise each of the steps above is a pass over every tensor (`torch._foreach_*`)."""
        names = list(self.params)
        params = [self.params[name] for name in names]
        steps = [
            grads[name].addcmul(param, per_member(hyper.weight_decay, param)) if uses_decay and name in self.decayed else grads[name]
            for name, param in zip(names, params)
        ]
        buffers = None
        if momenta is not None:
            buffers = [self._state(name, param, ("momentum_buffer",))["momentum_buffer"] for name, param in zip(names, params)]
        groups = setting_groups(params, lr, *([] if momenta is None else [momenta]))
        if groups is not None:
            lists = [("param", params), (None, [step.contiguous() for step in steps])]
            lists += [] if buffers is None else [("momentum_buffer", buffers)]
            for settings, tensors in self._rows.split(groups, names, lists):
                rate, momentum = settings if len(settings) == 2 else (settings[0], 0.0)
                torch._fused_sgd_(
                    tensors[0], tensors[1], tensors[2] if momentum else [], weight_decay=0.0, momentum=momentum, lr=rate,
                    dampening=0.0, nesterov=self.nesterov and momentum > 0, maximize=False, is_first_step=False,
                )
            return
        if momenta is not None:
            member_momenta = [per_member(momenta, param) for param in params]
            torch._foreach_mul_(buffers, member_momenta)  # two roundings, as torch.optim.SGD (see the module docstring)
            torch._foreach_add_(buffers, steps)
            steps = torch._foreach_addcmul(steps, buffers, member_momenta) if self.nesterov else buffers
        torch._foreach_addcmul_(params, steps, [per_member(lr, param) for param in params], value=-1)

    def configure(self, hyper: MemberHyperparameters) -> None:
        """Note, on the host, which terms any member uses (so a step never asks the device)."""
        self._any_decay = any(value > 0 for value in hyper.weight_decay.tolist())
        self._any_momentum = any(value > 0 for value in hyper.momentum.tolist())

    def absorb(self, others: Sequence["StackedOptimizer"], params: dict[str, torch.Tensor], hyper: MemberHyperparameters) -> None:
        """Take over the members of `others` (copies of this optimizer that stepped other members):
        their state is appended along the member dim; `params` and `hyper` are the merged ones."""
        self.params = params
        self.configure(hyper)
        for name, state in self.state.items():
            for key in state:
                state[key] = torch.cat([state[key]] + [other.state[name][key] for other in others])

    def select(self, keep: torch.Tensor, params: dict[str, torch.Tensor], hyper: MemberHyperparameters) -> None:
        """Keep only the members at positions `keep` (after some stopped): new parameters, their state."""
        self.params = params
        self.configure(hyper)
        for state in self.state.values():
            for key, tensor in state.items():
                state[key] = tensor.index_select(0, keep)
