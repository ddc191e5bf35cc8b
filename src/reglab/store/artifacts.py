"""Files kept beside each run: config.yaml, metrics.csv, summary.json, model.safetensors.

torch and safetensors are imported when weights are read or written, not with the
store (listing runs needs neither).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import yaml

from reglab.config.errors import ConfigError
from reglab.store.strict_json import strict_json_text

if TYPE_CHECKING:
    import torch

__all__ = [
    "UnreadableArtifact",
    "write_config",
    "write_metrics_csv",
    "write_summary",
    "save_weights",
    "load_weights",
    "child_path",
]


class UnreadableArtifact(ConfigError):
    """A run's file that is missing, damaged or not what its name says.

    A ValueError (through ConfigError): a report leaves the figure out with a warning;
    a command that needs the file prints one line and exits with code 2.
    """

    def __init__(self, path: Path, reason: str) -> None:
        # The whole path is the key (ConfigError would shorten a long value).
        self.key, self.value = str(path), reason
        self.allowed = "a file reglab wrote (train the run again to replace it)"
        ValueError.__init__(self, f"{path}: unreadable ({reason}); allowed: {self.allowed}")

    def __reduce__(self):
        return type(self), (self.key, self.value)


def child_path(folder: Path, name: str) -> Path:
    """`folder / name`, refused when `name` is not a plain file name inside `folder`
    (an index file naming `../../etc/hostname` must not be read)."""
    if not isinstance(name, str) or not name or Path(name).name != name or name in (".", ".."):
        raise UnreadableArtifact(Path(folder) / str(name), "a file name that leaves its run folder")
    return Path(folder) / name


def write_config(folder: Path, config: Mapping[str, Any]) -> Path:
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(dict(config), sort_keys=False))
    return path


def write_metrics_csv(folder: Path, history: Sequence[Mapping[str, float]]) -> Path:
    """One row per epoch, one column per metric key (blank where an epoch lacks it)."""
    path = folder / "metrics.csv"
    keys: list[str] = []
    for row in history:
        keys.extend(key for key in row if key not in keys)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=keys)
        writer.writeheader()
        writer.writerows(history)
    return path


def write_summary(folder: Path, summary: Mapping[str, Any]) -> Path:
    path = folder / "summary.json"
    path.write_text(strict_json_text(summary, indent=2))  # NaN / inf as null: any JSON reader reads it
    return path


def save_weights(path: Path, model: "torch.nn.Module") -> Path:
    """Save a state dict with safetensors (contiguous CPU copies; shared storage is split)."""
    from safetensors.torch import save_file

    tensors = {name: tensor.detach().to("cpu").contiguous().clone() for name, tensor in model.state_dict().items()}
    save_file(tensors, str(path))
    return path


def load_weights(path: Path) -> dict[str, "torch.Tensor"]:
    """Load a safetensors file (never pickle).

    Raises:
        UnreadableArtifact: a missing, truncated or non-safetensors file.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        return load_file(str(path))
    except (SafetensorError, OSError, ValueError, RuntimeError) as error:
        text = getattr(error, "strerror", None) or str(error)
        reason = text.splitlines()[0] if text else type(error).__name__
        raise UnreadableArtifact(Path(path), reason) from None
