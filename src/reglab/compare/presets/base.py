"""What a compare preset is: a base config and labelled variants, as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from reglab.compare.variants import Variant

__all__ = ["ComparePreset", "variant"]


@dataclass(frozen=True)
class ComparePreset:
    """A named comparison.

    Attributes:
        name: the `--preset` name.
        title: the report's title.
        source: the lab (seed) or paper it reproduces.
        base: nested config keys shared by every variant.
        variants: labelled overrides, one run each, in report order.
        expectation: what the comparison should show, in one paragraph.
        seeds: seeds per variant when `--seeds` is not given (its seed, +1, …).
        backend: how it trains when `--backend` is not given (sequential | population).
        follow_up: (trained runs, store) -> more configs, trained after the variants (with the
            same backend) and reported with them; e.g. controls built from the runs' files.
    """

    name: str
    title: str
    source: str
    base: Mapping[str, Any]
    variants: tuple[Variant, ...]
    expectation: str
    seeds: int = 1
    backend: str = "sequential"
    follow_up: Callable[[Any, Any], list] | None = None


def variant(label: str, **overrides: Any) -> Variant:
    """`variant("L2", regularization__l2=1e-3)` -> Variant("L2", (("regularization.l2", 1e-3),)).

    Double underscores stand for the dots of dotted config keys.
    """
    return Variant(label, tuple((key.replace("__", "."), value) for key, value in overrides.items()))
