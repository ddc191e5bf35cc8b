"""Named comparisons of the course labs, written as data: a base config and labelled
variants of dotted-key overrides. `reglab compare --preset NAME` trains them all on
the same data split and seed and writes one report.

Every preset runs offline (digits, toy_regression, symmetry, or mnist1d generated
locally). `PRESETS[name]` gives one; what each shows is in its `expectation`;
docs/reports.md lists measured results.
"""

from __future__ import annotations

from reglab.compare.presets.base import ComparePreset, variant
from reglab.compare.presets.seed000 import EARLY_STOPPING, LOTTERY_TICKET, RUMELHART, SEED000_LAB
from reglab.compare.presets.seed002 import AUGMENTATION, DROPOUT, L1_L2, LEARNING_RATE, RETHINKING
from reglab.compare.presets.seed004 import INIT_SCHEMES
from reglab.compare.presets.fantastic import FANTASTIC_MEASURES
from reglab.compare.presets.sweep_preset import SweepPreset

__all__ = ["ComparePreset", "PRESETS", "SWEEP_PRESETS", "SweepPreset", "get_preset", "preset_names", "variant"]

PRESETS: dict[str, ComparePreset] = {
    preset.name: preset
    for preset in (
        SEED000_LAB,
        L1_L2,
        DROPOUT,
        AUGMENTATION,
        LEARNING_RATE,
        RETHINKING,
        INIT_SCHEMES,
        EARLY_STOPPING,
        LOTTERY_TICKET,
        RUMELHART,
    )
}


# Presets that are whole sweeps ranked by their measures (`reglab.compare.sweep_ranking`).
SWEEP_PRESETS: dict[str, SweepPreset] = {preset.name: preset for preset in (FANTASTIC_MEASURES,)}


def preset_names() -> list[str]:
    return [*PRESETS, *SWEEP_PRESETS]


def get_preset(name: str) -> ComparePreset:
    """The preset called `name`, or a ConfigError listing the names."""
    from reglab.config import ConfigError

    if name not in PRESETS:
        raise ConfigError("--preset", name, ", ".join(preset_names()))
    return PRESETS[name]
