"""`pruning.*` keys: magnitude pruning, lottery tickets and training under a fixed mask."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from reglab.config.base import Section

__all__ = ["PruningConfig", "lottery_total_epochs"]


def lottery_total_epochs(epochs_per_round: int, rounds: int) -> int:
    """Epochs of a lottery run: `rounds` pruned rounds after the dense one, each `epochs_per_round` long
    (here, beside the keys, so readers of stored configs need not import the pruning code and torch)."""
    return epochs_per_round * (rounds + 1)


class PruningConfig(Section):
    """Magnitude pruning (one-shot, iterative), lottery tickets, and training under a ticket's mask.

    `fixed_mask` trains under a lottery run's mask of one round from fresh weights: the
    paper's same-mask re-initialisation control (`reglab.pruning.fixed_mask`).

    Keys:
        method: none | magnitude | lottery | fixed_mask.
        amount: fraction pruned: of all weights (one_shot), of the remaining weights
            per round (iterative and lottery).
        scope: global (one ranking over all layers) | layer (each layer ranked alone).
        schedule: one_shot | iterative (magnitude method).
        start_epoch: epoch after which the first pruning happens.
        every: epochs between iterative rounds.
        remaining: lottery: fraction of the weights left after each round, decreasing
            (e.g. [0.5, 0.2]); replaces amount, and rounds is its length.
        rounds: number of iterative or lottery rounds.
        rewind_step: lottery: optimizer step whose weights the survivors rewind to (0 = init).
        control: lottery: rewind (the ticket) | reinit (re-initialised, pruned by its own magnitudes).
        mask_file: fixed_mask: a lottery run's lottery_masks.safetensors, or its run folder.
        mask_round: fixed_mask: the round of mask_file whose mask the run trains under (fresh weights).
        include_biases: also prune biases (normalisation parameters are never pruned).
    """

    method: Literal["none", "magnitude", "lottery", "fixed_mask"] = "none"
    amount: float = Field(0.2, ge=0.0, lt=1.0)
    scope: Literal["global", "layer"] = "global"
    schedule: Literal["one_shot", "iterative"] = "one_shot"
    start_epoch: int = Field(1, ge=1)
    every: int = Field(1, ge=1)
    remaining: list[float] | None = None
    rounds: int = Field(1, ge=1)
    rewind_step: int = Field(0, ge=0)
    control: Literal["rewind", "reinit"] = "rewind"
    mask_file: str | None = None
    mask_round: int | None = Field(None, ge=0)
    include_biases: bool = False

    @model_validator(mode="before")
    @classmethod
    def _rounds_from_remaining(cls, data: Any) -> Any:
        """`rounds` defaults to the length of `remaining` when only `remaining` is given."""
        if isinstance(data, dict) and isinstance(data.get("remaining"), list) and "rounds" not in data:
            return {**data, "rounds": max(len(data["remaining"]), 1)}
        return data

    @field_validator("remaining")
    @classmethod
    def _decreasing_fractions(cls, value: list[float] | None, info: ValidationInfo) -> list[float] | None:
        if value is None:
            return None
        if info.data.get("method") != "lottery":
            raise ValueError("null unless pruning.method is lottery")
        if not value:
            raise ValueError("a non-empty list of fractions in (0, 1)")
        if any(not 0.0 < fraction < 1.0 for fraction in value):
            raise ValueError("fractions in (0, 1): the part of the weights left after each round")
        if any(later >= earlier for earlier, later in zip(value, value[1:])):
            raise ValueError("strictly decreasing fractions (each round leaves fewer weights)")
        return value

    @field_validator("rounds")
    @classmethod
    def _rounds_match_remaining(cls, value: int, info: ValidationInfo) -> int:
        remaining = info.data.get("remaining")
        if remaining is not None and value != len(remaining):
            raise ValueError(f"{len(remaining)}, the number of fractions in pruning.remaining (or leave rounds out)")
        return value

    @field_validator("mask_file")
    @classmethod
    def _mask_file_with_fixed_mask(cls, value: str | None, info: ValidationInfo) -> str | None:
        fixed = info.data.get("method") == "fixed_mask"
        if fixed and not value:
            raise ValueError("a lottery run's lottery_masks.safetensors or its run folder (pruning.method is fixed_mask)")
        if value is not None and not fixed:
            raise ValueError("null unless pruning.method is fixed_mask")
        return value

    @field_validator("mask_round")
    @classmethod
    def _mask_round_with_fixed_mask(cls, value: int | None, info: ValidationInfo) -> int | None:
        fixed = info.data.get("method") == "fixed_mask"
        if fixed and value is None:
            raise ValueError("a round of pruning.mask_file, 0 (dense) to its last (pruning.method is fixed_mask)")
        if value is not None and not fixed:
            raise ValueError("null unless pruning.method is fixed_mask")
        return value
