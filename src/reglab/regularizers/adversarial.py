"""Adversarial training: every training batch is replaced by its attacked copy.

    x̃ = attack(x; ε)     (FGSM: x + ε·sign(∇ₓL); PGD: projected gradient ascent in the ε-ball)
    θ ← step(θ, ∇_θ L(f_θ(x̃), y))

The math is `adversarial_examples`, on stacked (K, B, ...) inputs with one ε per member
(`reglab.robustness.attacks`); a single run is K = 1. The attack runs with the model
in eval mode (no dropout draws, no batch-norm statistics updated by the attack's
passes), then the model goes back to training mode for the step. Training metrics
(`train/loss`, `train/acc`) are those of the attacked batch; evaluation is on clean
data (`robustness.*` measures accuracy under attack).

The unit is a batch transform (`AdversarialTraining`), in the slot augmentation takes,
so it does not combine with `augment.*` transforms yet.

References:
    Goodfellow, Shlens & Szegedy 2015, Explaining and Harnessing Adversarial
    Examples, ICLR, arXiv:1412.6572.
    Madry, Makelov, Schmidt, Tsipras & Vladu 2018, Towards Deep Learning Models
    Resistant to Adversarial Attacks, ICLR, arXiv:1706.06083.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import torch

from reglab.config import ConfigError
from reglab.contract.technique import Technique, register_technique
from reglab.contract.units import MemberStart, MemberStep, MemberUnit
from reglab.objective.members import make_member_objective
from reglab.robustness.attacks import Norm, draw_random_start, fgsm, pgd

__all__ = ["AdversarialTraining", "adversarial_examples", "build_technique", "member_units"]


def adversarial_examples(
    loss: Callable[[torch.Tensor], torch.Tensor],
    inputs: torch.Tensor,
    eps: torch.Tensor,
    attack: str = "fgsm",
    norm: Norm = "linf",
    steps: int = 7,
    step_fraction: float = 0.25,
    generator: torch.Generator | None = None,
    member_generators: Sequence[torch.Generator | None] | None = None,
) -> torch.Tensor:
    """The attacked copy of stacked `inputs` (K, B, ...), member k within its own ε_k.

    Args:
        loss: stacked inputs -> the sum of the members' losses (member k's loss depends
            on row k only, so one gradient serves every member).
        inputs: (K, B, ...) the members' batches.
        eps: (K,) radii; a member with ε = 0 keeps its batch exactly.
        attack: fgsm | pgd (PGD starts from a random point of the ball).
        norm: linf | l2.
        steps, step_fraction: PGD's steps and its step size as a fraction of ε.
        generator: draws PGD's random starts.
        member_generators: instead, one generator per member: member k's start is drawn
            from its own, as its single run draws it from torch's global one.

    Example:
        >>> w = torch.tensor([1.0, -1.0])
        >>> adversarial_examples(lambda x: (x * w).sum(), torch.zeros(2, 1, 2), torch.tensor([0.1, 0.0]))
        tensor([[[ 0.1000, -0.1000]],
        <BLANKLINE>
                [[ 0.0000,  0.0000]]])
    """
    if attack == "fgsm":
        return fgsm(loss, inputs, eps, norm)
    start = None
    if member_generators is not None:
        start = torch.cat([
            draw_random_start(inputs[k : k + 1], eps[k : k + 1], norm, member_generator)
            for k, member_generator in enumerate(member_generators)
        ])
    return pgd(loss, inputs, eps, norm, steps, step_fraction, random_start=True, generator=generator, start=start)


class AdversarialTraining(MemberUnit):
    """`regularization.adversarial_eps`: every member trains on its batch attacked within
    its own ε_k (FGSM or PGD, `adversarial_examples`), with the eval-mode forward pass and
    the plain loss. PGD draws member k's random start from the member's own stream
    (`MemberStep.generators`), so it draws what its single run draws.

    Args:
        settings: the members' `regularization` section (attack, norm, steps: shared keys).
        objective: the members' plain loss (`reglab.objective.members`), (K,) per batch.
    """

    name = "adversarial"
    slots = ("batch_transform",)

    def __init__(self, settings: Any, objective: Any) -> None:
        self.settings, self.objective = settings, objective

    def transform_batch(self, inputs: torch.Tensor, labels: torch.Tensor, step: MemberStep) -> tuple[torch.Tensor, torch.Tensor]:
        members = len(step.members)
        stack = inputs.unsqueeze(0).expand(members, *inputs.shape) if step.shared else inputs
        batch = stack.shape[1]

        def loss(members_inputs: torch.Tensor) -> torch.Tensor:  # summed: per-example gradients of size O(1)
            return (self.objective.loss(step.evaluate(members_inputs), labels) * batch).sum()

        settings = self.settings
        attacked = adversarial_examples(
            loss, stack, step.hyper.adversarial_eps.to(stack.dtype), settings.adversarial_attack, settings.adversarial_norm,
            settings.adversarial_steps, settings.adversarial_step_fraction, member_generators=step.generators,
        )
        return attacked, labels


def member_units(start: MemberStart) -> list[MemberUnit]:
    """The members' adversarial training (on for all members or none: a population key)."""
    first = start.configs[0]
    if first.regularization.adversarial_eps == 0:
        return []
    data = start.data
    objective = make_member_objective(first.loss, data.task, data.num_classes, first.model.output_activation)
    return [AdversarialTraining(first.regularization, objective)]


def _augmentation_on(config: Any) -> str | None:
    from reglab.config import AugmentConfig

    defaults = AugmentConfig().model_dump()
    for key, value in config.augment.model_dump().items():
        if key != "label_smoothing" and value != defaults[key]:
            return key
    return None


@register_technique(order=45, units=member_units)
def build_technique(config: Any, model: torch.nn.Module, data: Any) -> Technique | None:
    """Check one member's adversarial keys: an (empty) technique when `adversarial_eps` > 0, else None.

    Raises:
        ConfigError: adversarial training with an `augment.*` transform, or on a regression task.
    """
    settings = config.regularization
    if settings.adversarial_eps == 0:
        return None
    if data.task == "regression":
        raise ConfigError("regularization.adversarial_eps", settings.adversarial_eps, "0 for a regression task")
    augmented = _augmentation_on(config)
    if augmented is not None:
        raise ConfigError(
            "regularization.adversarial_eps", settings.adversarial_eps, f"0 with augment.{augmented} (one batch transform per run)"
        )
    return Technique()
