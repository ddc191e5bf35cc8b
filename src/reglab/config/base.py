"""Shared pydantic base for every config section: unknown keys refused, frozen, finite numbers."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["Section"]


class Section(BaseModel):
    """A config section: plain values, unknown keys refused, frozen after validation.

    `allow_inf_nan=False`: a NaN or an infinity is never a valid strength, rate or size,
    so every float key refuses them (`optimizer.lr: got inf; allowed: a finite number`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False)
