"""Shared pydantic base for every config section: unknown keys refused, frozen."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["Section"]


class Section(BaseModel):
    """A config section: plain values, unknown keys refused, frozen after validation."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)
