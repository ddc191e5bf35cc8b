"""`robustness.*` keys: accuracy under FGSM and PGD attacks, measured on the weights a run ends with."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from reglab.config.base import Section

__all__ = ["RobustnessConfig"]


class RobustnessConfig(Section):
    """Adversarial robustness of the trained model (`reglab.robustness`); off while `eps` is empty.

    Keys:
        eps: the radii ε of the attacks, in the model's input space (after the
            dataset's normalization); [] = off (no cost to the run).
        norms: linf (‖δ‖∞ ≤ ε) and/or l2 (‖δ‖₂ ≤ ε, per example).
        attacks: fgsm (one gradient step of size ε) and/or pgd (projected gradient ascent).
        pgd_steps: PGD's ascent steps T.
        pgd_step_fraction: PGD's step size α as a fraction of ε (0.25 with 10 steps is
            Madry et al.'s 2.5·ε/T).
        pgd_random_start: start PGD from a random point of the ε-ball (seeded by `seed`).
        split: the examples attacked: test | val.
        examples: attack the first this many examples of the split (null = all).
        every: also measure every this many epochs, into the epoch rows (null = only the
            final weights, into the run summary).
    """

    eps: list[float] = Field(default_factory=list)
    norms: list[Literal["linf", "l2"]] = Field(default_factory=lambda: ["linf"])
    attacks: list[Literal["fgsm", "pgd"]] = Field(default_factory=lambda: ["fgsm", "pgd"])
    pgd_steps: int = Field(10, ge=1)
    pgd_step_fraction: float = Field(0.25, gt=0.0)
    pgd_random_start: bool = True
    split: Literal["test", "val"] = "test"
    examples: int | None = Field(1000, ge=1)
    every: int | None = Field(None, ge=1)

    @field_validator("eps")
    @classmethod
    def _radii(cls, value: list[float]) -> list[float]:
        if any(radius <= 0 for radius in value):
            raise ValueError("a list of radii > 0")
        return sorted(set(value))

    @field_validator("norms", "attacks")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("at least one entry")
        return [name for index, name in enumerate(value) if name not in value[:index]]
