"""`regularization.*` keys: penalties, constraints, clipping and weight averaging."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from reglab.config.base import Section

__all__ = ["RegularizationConfig"]


class RegularizationConfig(Section):
    """Explicit regularizers added to training.

    Keys:
        l1: strength λ₁ of λ₁·Σ|w|.
        l1_mode: penalty (added to the loss) | proximal (soft-threshold after each step,
            exact zeros) | subgradient (λ₁·sign(w) added to the gradient).
        l2: strength λ₂ of the L2 penalty.
        l2_convention: half (λ/2·Σw², PyTorch's weight_decay) | full (λ·Σw², Keras)
            | mean (λ/n·Σw², n the batch size).
        per_layer: name pattern -> multiplier of λ₁ and λ₂ for matching parameters.
        include: name patterns penalised in addition to the default scope.
        exclude: name patterns never penalised.
        scope: weights (biases and normalisation parameters excluded) | all.
        activity_l1: strength of λ·mean_batch Σ|a| over hidden activations.
        activity_l2: strength of λ·mean_batch Σa² over hidden activations.
        max_norm: cap on the L2 norm of each unit's incoming weights (Keras MaxNorm).
        grad_clip_norm: clip the global gradient norm to this value.
        grad_clip_value: clip every gradient entry to [-value, value].
        ema_decay: keep an exponential moving average of the weights and evaluate it.
        swa_start: epoch from which stochastic weight averaging collects the weights.
        swa_lr: constant learning rate during SWA (defaults to the current one).
        flooding: flood level b of |L − b| + b on the training data loss (0 = off).
        orthogonality: strength λ of the orthogonality penalty on weight matrices
            (mean |cosine| between their vectors; Keras OrthogonalRegularizer).
        orthogonality_mode: rows (vectors = output units) | columns (input entries).
        sam_rho: radius ρ of sharpness-aware minimization (0 = off): each step's
            gradient is taken at θ + ρ·g/‖g‖.
        adversarial_eps: radius ε of adversarial training (0 = off): every batch is
            replaced by its attacked copy, in the model's input space.
        adversarial_attack: fgsm (one step) | pgd (projected gradient ascent).
        adversarial_norm: linf | l2 (per example).
        adversarial_steps: PGD's ascent steps.
        adversarial_step_fraction: PGD's step size as a fraction of ε.
    """

    l1: float = Field(0.0, ge=0.0)
    l1_mode: Literal["penalty", "proximal", "subgradient"] = "penalty"
    l2: float = Field(0.0, ge=0.0)
    l2_convention: Literal["half", "full", "mean"] = "half"
    per_layer: dict[str, float] = Field(default_factory=dict)
    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    scope: Literal["weights", "all"] = "weights"
    activity_l1: float = Field(0.0, ge=0.0)
    activity_l2: float = Field(0.0, ge=0.0)
    max_norm: float | None = Field(None, gt=0.0)
    grad_clip_norm: float | None = Field(None, gt=0.0)
    grad_clip_value: float | None = Field(None, gt=0.0)
    ema_decay: float | None = Field(None, gt=0.0, lt=1.0)
    swa_start: int | None = Field(None, ge=1)
    swa_lr: float | None = Field(None, gt=0.0)
    flooding: float = Field(0.0, ge=0.0)
    orthogonality: float = Field(0.0, ge=0.0)
    orthogonality_mode: Literal["rows", "columns"] = "rows"
    sam_rho: float = Field(0.0, ge=0.0)
    adversarial_eps: float = Field(0.0, ge=0.0)
    adversarial_attack: Literal["fgsm", "pgd"] = "fgsm"
    adversarial_norm: Literal["linf", "l2"] = "linf"
    adversarial_steps: int = Field(7, ge=1)
    adversarial_step_fraction: float = Field(0.25, gt=0.0)

    @field_validator("per_layer")
    @classmethod
    def _multipliers(cls, value: dict[str, float]) -> dict[str, float]:
        if any(multiplier < 0 for multiplier in value.values()):
            raise ValueError("per-layer multipliers must be >= 0")
        return value
