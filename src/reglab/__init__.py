"""reglab: a regularization laboratory for PyTorch."""

__version__ = "0.1.0"
