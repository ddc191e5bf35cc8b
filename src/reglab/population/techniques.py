"""Each member's callbacks and settings, read for what the population does per member between steps.

Every family checks each member's keys against its model (`build_techniques`, the
same errors for K = 1 and K = 64) and may give the member callbacks (events) and
settings objects. The work inside the step is not here: it is the families'
`MemberUnit`s, built once for the K members (`reglab.contract.technique.build_member_units`)
and called by slot. What this module reads:

| per member                         | what the population does with it                            |
|------------------------------------|-------------------------------------------------------------|
| EarlyStopping, RestoreBest         | the same object per member, fed the member's metrics and, with restore_best, its weights |
| MagnitudePruning, LotteryTicket, FixedMask (settings) | the member's pruning settings and record (`MemberPruning` holds the stacked masks) |
| any `record_only` callback         | fired for the member with real records (`MemberCallbacks`)  |

Any other callback is refused (`PopulationUnsupported`), so no technique a config
asks for is ever silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from reglab.config import Config
from reglab.contract.units import PopulationUnsupported  # re-exported: callers take it from here
from reglab.pruning import PRUNING_SETTINGS, LotteryTicket
from reglab.stopping import EarlyStopping, RestoreBest
from reglab.techniques import build_techniques

__all__ = ["MemberTechniques", "PopulationUnsupported", "inspect_techniques"]


@dataclass
class MemberTechniques:
    """The technique units of one member's single run, as the population uses them."""

    stopper: Any | None  # reglab.stopping.EarlyStopping
    pruning: Any | None = None  # the member's MagnitudePruning, LotteryTicket or FixedMask settings
    total_epochs: int | None = None  # lottery rounds: epochs · (rounds + 1)
    callbacks: list[Any] = field(default_factory=list)  # the member's `record_only` units
    built: list[Any] = field(default_factory=list)  # every callback and settings object its families built (for their units builders)


def inspect_techniques(config: Config, model: torch.nn.Module, data: Any) -> MemberTechniques:
    """Build the member's techniques as a single run would and translate them.

    Raises:
        ConfigError: bad input (the same errors a single run raises).
        PopulationUnsupported: a unit the population engine does not reproduce.
    """
    technique = build_techniques(config, model, data)
    stopper = None
    pruning = next((item for item in technique.settings if isinstance(item, PRUNING_SETTINGS)), None)
    own: list[Any] = []
    for callback in technique.callbacks:
        if isinstance(callback, EarlyStopping):
            stopper = callback
        elif isinstance(callback, RestoreBest):
            continue  # the population loads the stopper's best weights when the member ends
        elif getattr(callback, "record_only", False):
            own.append(callback)  # fired for this member by `MemberCallbacks`
        else:
            raise PopulationUnsupported(f"the callback {type(callback).__name__}")
    if technique.total_epochs is not None and not isinstance(pruning, LotteryTicket):
        raise PopulationUnsupported("a multi-phase technique other than lottery-ticket rounds")
    return MemberTechniques(
        stopper, pruning, technique.total_epochs, own, [*technique.callbacks, *technique.settings]
    )
