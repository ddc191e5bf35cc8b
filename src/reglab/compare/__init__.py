"""Comparisons: several variants of one config, side by side, and the named lab presets."""

from reglab.compare.presets import PRESETS, ComparePreset, get_preset, preset_names
from reglab.compare.session import ComparisonPlan, ComparisonResult, plan_comparison, run_comparison
from reglab.compare.table import comparison_table
from reglab.compare.variants import Variant, train_variants
from reglab.compare.vary import vary_variants

__all__ = [
    "PRESETS",
    "ComparePreset",
    "ComparisonPlan",
    "ComparisonResult",
    "Variant",
    "comparison_table",
    "get_preset",
    "plan_comparison",
    "preset_names",
    "run_comparison",
    "train_variants",
    "vary_variants",
]
