"""`measures.*` keys: which generalization measures a run computes, when, and their settings."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from reglab.config.base import Section

__all__ = ["MeasuresConfig", "MEASURE_FAMILIES"]

MeasureFamily = Literal["distance", "norms", "path_norm", "margin", "flatness", "sharpness", "hessian", "spectra"]
MEASURE_FAMILIES: tuple[str, ...] = MeasureFamily.__args__  # type: ignore[attr-defined]


class MeasuresConfig(Section):
    """Generalization measures of the weights (`reglab.measures`; docs/measures.md).

    Keys:
        names: the measure families to compute (empty = none, the default; `all` = every
            family): distance, norms, path_norm, margin, flatness, sharpness, hessian, spectra.
        every: also measure every N epochs, into the epoch rows (null = the final weights
            only, into the run summary).
        samples: training examples (the first N) that the data-dependent measures use
            (flatness, sharpness, hessian); the margin uses the whole training set.
        sharpness_radius: ρ, the L2 radius of the ball around the weights.
        sharpness_steps: gradient-ascent steps of the sharpness search.
        flatness_target: the training-error increase that bounds the σ search.
        flatness_draws: Monte Carlo weight perturbations per σ tried.
        flatness_steps: bisection steps of the σ search.
        hessian_iterations: at most this many power iterations for the top eigenvalue.
        hessian_tolerance: stop the power iteration when the eigenvalue changes by less
            than this fraction.
        trace_samples: Rademacher vectors of the Hutchinson trace estimate.
    """

    names: list[MeasureFamily] = Field(default_factory=list)
    every: int | None = Field(None, ge=1)
    samples: int = Field(1000, ge=1)
    sharpness_radius: float = Field(0.05, gt=0.0)
    sharpness_steps: int = Field(5, ge=1)
    flatness_target: float = Field(0.1, gt=0.0, lt=1.0)
    flatness_draws: int = Field(10, ge=1)
    flatness_steps: int = Field(15, ge=1)
    hessian_iterations: int = Field(20, ge=1)
    hessian_tolerance: float = Field(1e-3, gt=0.0)
    trace_samples: int = Field(10, ge=1)

    @field_validator("names", mode="before")
    @classmethod
    def _all_names(cls, value: Any) -> Any:
        if value == "all" or value == ["all"]:
            return list(MEASURE_FAMILIES)
        if isinstance(value, str):
            return [value]
        return value

    @field_validator("names")
    @classmethod
    def _unique_names(cls, value: list[str]) -> list[str]:
        return [name for index, name in enumerate(value) if name not in value[:index]]
