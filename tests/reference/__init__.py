"""Whole runs through `reglab.train` against independent references: PyTorch built-ins or formulas by hand."""
