"""Comparisons: several variants of one config, side by side."""

from reglab.compare.table import comparison_table
from reglab.compare.variants import Variant, train_variants

__all__ = ["Variant", "comparison_table", "train_variants"]
