"""Files kept beside each run: config.yaml, metrics.csv, summary.json, model.safetensors."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, Mapping, Sequence

import torch
import yaml
from safetensors.torch import load_file, save_file

__all__ = ["write_config", "write_metrics_csv", "write_summary", "save_weights", "load_weights"]


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
    path.write_text(json.dumps(summary, indent=2, sort_keys=True, default=float))
    return path


def save_weights(path: Path, model: torch.nn.Module) -> Path:
    """Save a state dict with safetensors (contiguous CPU copies; shared storage is split)."""
    tensors = {name: tensor.detach().to("cpu").contiguous().clone() for name, tensor in model.state_dict().items()}
    save_file(tensors, str(path))
    return path


def load_weights(path: Path) -> dict[str, torch.Tensor]:
    """Load a safetensors file (never pickle)."""
    return load_file(str(path))
