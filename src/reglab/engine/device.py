"""Choosing the training device: cuda, then mps, then cpu."""

from __future__ import annotations

import torch

from reglab.config.errors import ConfigError

__all__ = ["resolve_device"]


def resolve_device(name: str = "auto") -> torch.device:
    """`auto` picks CUDA when present, then Apple's MPS, then the CPU.

    Raises:
        ConfigError: a named device that this machine does not have.
    """
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError("device", name, "auto or cpu (no CUDA device is available here)")
    if name == "mps" and not torch.backends.mps.is_available():
        raise ConfigError("device", name, "auto or cpu (no MPS device is available here)")
    return torch.device(name)
