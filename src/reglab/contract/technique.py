"""How a regularization technique plugs into a run, and the registry of technique families.

Each technique family is a module with a function

    @register_technique(order=N, units=member_units)
    def build_technique(config: Config, model: nn.Module, data: DataSplits) -> Technique | None

returning None when the config does not ask for it: it checks one member's keys
against its model and gives the member's callbacks (events). `units`, when the family
acts inside the step, builds its `MemberUnit`s once for the K members of a run:

    def member_units(start: MemberStart) -> list[MemberUnit]

The registry holds the families in `order`, which is the order their units run
within each slot (like timm's `@register_model`, a decorator on the entry point;
importing the family registers it).

Order of the families (gaps leave room for new ones):

| order | family                | why here                                                     |
|-------|-----------------------|--------------------------------------------------------------|
| 10    | reglab.regularizers   | penalties and gradient rules, then weight rules               |
| 20    | reglab.pruning        | masks after the weight rules: zeros stay zero                 |
| 30    | reglab.averaging      | averages of the masked weights                               |
| 40    | reglab.augment        | the batch transform                                          |
| 45    | adversarial training  | the batch transform when no augmentation is set (attacks)    |
| 50    | reglab.stopping       | reads the epoch's metrics                                    |
| 55    | reglab.robustness     | accuracy under attack, read from the records                 |
| 60    | reglab.trajectory     | its gradient hook sees the gradients the optimizer used      |
| 70    | reglab.measures       | generalization measures, read from the records               |
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import torch

from reglab.contract.events import Callback
from reglab.contract.units import MemberStart, MemberUnit

__all__ = [
    "Technique",
    "TechniqueBuilder",
    "UnitBuilder",
    "build_member_units",
    "build_techniques",
    "register_technique",
    "registered_techniques",
]


@dataclass
class Technique:
    """What one technique family adds to one member: its callbacks (events), its settings
    objects and its phases. Its work inside the step is its units (`register_technique(units=...)`)."""

    callbacks: list[Callback] = field(default_factory=list)
    # Per-member objects the family's units read when they are built (`MemberStart.built`):
    # settings checked for one member, and the member's own record (pruning's rounds done
    # and lottery log). Not events: nothing fires them.
    settings: list[Any] = field(default_factory=list)
    # Set by techniques that train in several phases (lottery-ticket rounds): the loop
    # runs this many epochs instead of `config.epochs`.
    total_epochs: int | None = None
    # Epochs per phase: the learning-rate schedule spans one phase and restarts at the
    # start of the next (every round of a lottery ticket trains with the whole schedule).
    schedule_period: int | None = None


TechniqueBuilder = Callable[[Any, torch.nn.Module, Any], "Technique | None"]
UnitBuilder = Callable[[MemberStart], list[MemberUnit]]

_REGISTRY: dict[str, tuple[int, TechniqueBuilder, UnitBuilder | None]] = {}


def register_technique(order: int, units: UnitBuilder | None = None) -> Callable[[TechniqueBuilder], TechniqueBuilder]:
    """Register a family's `build_technique` (and its `units` builder); `order` places its
    units within each slot of a step.

    Example:
        >>> @register_technique(order=10, units=lambda start: [Flooding()])
        ... def build_technique(config, model, data):
        ...     return None if config.regularization.flooding == 0 else Technique()
    """

    def register(builder: TechniqueBuilder) -> TechniqueBuilder:
        _REGISTRY[builder.__module__] = (order, builder, units)
        return builder

    return register


def _in_order() -> list[tuple[str, tuple[int, TechniqueBuilder, UnitBuilder | None]]]:
    return sorted(_REGISTRY.items(), key=lambda item: item[1][0])


def registered_techniques() -> list[tuple[str, TechniqueBuilder]]:
    """The registered families as (module name, builder), in step order."""
    return [(name, builder) for name, (_, builder, _) in _in_order()]


def build_member_units(start: MemberStart) -> list[MemberUnit]:
    """Every family's units for the K members of `start`, each placed at its family's order."""
    units: list[MemberUnit] = []
    for _, (order, _, build_units) in _in_order():
        for unit in build_units(start) if build_units is not None else ():
            unit.order = order
            units.append(unit)
    return units


def build_techniques(config: Any, model: torch.nn.Module, data: Any) -> Technique:
    """Collect the callbacks, settings and phases every registered family asks for (one member)."""
    combined = Technique()
    for module_name, builder in registered_techniques():
        technique = builder(config, model, data)
        if technique is None:
            continue
        combined.callbacks.extend(technique.callbacks)
        combined.settings.extend(technique.settings)
        if technique.total_epochs is not None:
            combined.total_epochs = max(combined.total_epochs or 0, technique.total_epochs)
        if technique.schedule_period is not None:
            if combined.schedule_period not in (None, technique.schedule_period):
                raise RuntimeError(f"{module_name} sets a second schedule period")
            combined.schedule_period = technique.schedule_period
    return combined
