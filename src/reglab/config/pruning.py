"""`pruning.*` keys: magnitude pruning and lottery tickets."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from reglab.config.base import Section

__all__ = ["PruningConfig"]


class PruningConfig(Section):
    """Magnitude pruning, one-shot or iterative, and lottery-ticket rounds.

    Keys:
        method: none | magnitude | lottery.
        amount: fraction pruned: of all weights (one_shot), of the remaining weights
            per round (iterative and lottery).
        scope: global (one ranking over all layers) | layer (each layer ranked alone).
        schedule: one_shot | iterative (magnitude method).
        start_epoch: epoch after which the first pruning happens.
        every: epochs between iterative rounds.
        rounds: number of iterative or lottery rounds.
        rewind_step: lottery: optimizer step whose weights the survivors rewind to (0 = init).
        control: lottery: rewind (the ticket) | reinit (random re-initialisation control).
        include_biases: also prune biases (normalisation parameters are never pruned).
    """

    method: Literal["none", "magnitude", "lottery"] = "none"
    amount: float = Field(0.2, ge=0.0, lt=1.0)
    scope: Literal["global", "layer"] = "global"
    schedule: Literal["one_shot", "iterative"] = "one_shot"
    start_epoch: int = Field(1, ge=1)
    every: int = Field(1, ge=1)
    rounds: int = Field(1, ge=1)
    rewind_step: int = Field(0, ge=0)
    control: Literal["rewind", "reinit"] = "rewind"
    include_biases: bool = False
