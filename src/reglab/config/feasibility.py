"""Checks of a whole config against its dataset's static facts, before anything is built.

Each key may be valid on its own while the combination cannot train, or would only
fail much later. `check_feasible` refuses, in one line naming the key:

| check                  | refused when                                                                  |
|------------------------|-------------------------------------------------------------------------------|
| model size             | the network would have more than `MAX_PARAMETERS` parameters (counted, never built) |
| binary loss            | `loss: bce` on a dataset of more than two classes                             |
| early-stopping monitor | `early_stopping.monitor` names a metric no run of this config produces       |

`feasibility_notes` returns one-line warnings for what trains but may surprise:
a `data.batch_size` larger than the dataset or than a `data.train_size` count (every
step then uses the whole training set: full-batch gradient descent, as some labs want).

The facts come from the dataset catalog (`reglab.data.dataset_catalog`: samples,
input shape, classes), which reads no file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reglab.config.errors import ConfigError

if TYPE_CHECKING:
    from reglab.config.root import Config

__all__ = ["MAX_PARAMETERS", "DatasetFacts", "dataset_facts", "parameter_count", "produced_metrics", "check_feasible", "feasibility_notes"]

# 10⁹ parameters: 4 GB of float32 weights, before gradients and optimizer state.
MAX_PARAMETERS = 1_000_000_000
BYTES_PER_PARAMETER = 4
# Runs without a validation split unless data.val_size says otherwise.
NO_DEFAULT_VALIDATION = ("symmetry", "toy_regression")
# Families of metrics every run logs besides {train,val,test}/{loss,acc}.
OPEN_METRIC_PREFIXES = ("param/", "time/", "stopping/", "prune/", "pruning/", "ema/", "swa/")


@dataclass(frozen=True)
class DatasetFacts:
    """What a config's dataset is, as far as known without reading it (None: unknown)."""

    samples: int | None
    input_shape: tuple[int, ...]
    classes: int | None


def dataset_facts(config: "Config") -> DatasetFacts | None:
    """The catalog's facts for `config.data.dataset`, adjusted by the data keys that change them."""
    from reglab.data import dataset_catalog

    data = config.data
    info = next((info for info in dataset_catalog() if info.name == data.dataset), None)
    if info is None:
        return None
    shape = info.shape if info.shape is not None else (3, data.image_size, data.image_size)
    samples = data.n_samples if data.dataset in ("moons", "circles") else info.samples
    return DatasetFacts(samples, tuple(shape), info.classes)


def _linear(inputs: int, outputs: int) -> int:
    return inputs * outputs + outputs


def parameter_count(config: "Config", input_shape: tuple[int, ...], output_dim: int) -> int:
    """Parameters of the network `config.model` builds for this input (weights and biases of
    every linear and conv layer; normalisation layers add 2 per unit)."""
    model = config.model
    norm = 2 if model.norm != "none" else 0
    total = 0
    if model.kind == "cnn":
        channels = input_shape[0] if len(input_shape) >= 2 else 1
        spatial = list(input_shape[1:]) if len(input_shape) >= 2 else list(input_shape)
        for width in model.channels:
            kernel = model.kernel_size ** len(spatial)
            total += channels * width * kernel + width + norm * width
            channels = width
            spatial = [max(side // 2, 1) for side in spatial]
        features = channels * math.prod(spatial)
    else:
        features = math.prod(input_shape)
    for width in model.hidden:
        total += _linear(features, width) + norm * width
        features = width
    return total + _linear(features, output_dim)


def produced_metrics(config: "Config", facts: DatasetFacts) -> list[str]:
    """The {split}/{loss, acc} metrics a run of `config` logs every epoch."""
    val_size = config.data.val_size
    has_val = val_size != 0 and not (val_size is None and config.data.dataset in NO_DEFAULT_VALIDATION)
    splits = ["train", *(["val"] if has_val else []), "test"]
    kinds = ["loss"] + (["acc"] if facts.classes != 0 else [])
    return [f"{split}/{kind}" for split in splits for kind in kinds]


def _check_model_size(config: "Config", facts: DatasetFacts) -> None:
    output_dim = max(facts.classes or 2, 1)
    count = parameter_count(config, facts.input_shape, output_dim)
    if count > MAX_PARAMETERS:
        gigabytes = count * BYTES_PER_PARAMETER / 1e9
        if config.model.kind == "cnn":
            key, value = "model", {"channels": config.model.channels, "hidden": config.model.hidden}
        else:
            key, value = "model.hidden", config.model.hidden
        raise ConfigError(
            key, value,
            f"a network of at most {MAX_PARAMETERS:.0e} parameters; this one would have {count:.3g} "
            f"({gigabytes:.3g} GB of float32 weights) on {config.data.dataset}",
        )


def feasibility_notes(config: "Config") -> list[str]:
    """One-line warnings about a config that trains, but perhaps not as meant (see the module docstring)."""
    facts = dataset_facts(config)
    batch = config.data.batch_size
    train_size = config.data.train_size
    if isinstance(train_size, int) and batch > train_size:
        return [f"data.batch_size {batch} > data.train_size {train_size}: every step uses the whole training set"]
    if facts is not None and facts.samples is not None and batch > facts.samples:
        return [f"data.batch_size {batch} > the {facts.samples} samples of {config.data.dataset}: every step uses the whole training set"]
    return []


def _check_binary_loss(config: "Config", facts: DatasetFacts) -> None:
    if config.loss == "bce" and facts.classes is not None and facts.classes > 2:
        raise ConfigError(
            "loss", config.loss, f"cross_entropy, nll, mse or auto for the {facts.classes}-class dataset {config.data.dataset} (bce is for two classes)"
        )


def _check_monitor(config: "Config", facts: DatasetFacts) -> None:
    stopping = config.early_stopping
    if stopping.criterion == "none" and not stopping.restore_best and stopping.threshold is None:
        return  # nothing reads the monitor
    monitor = stopping.monitor
    if monitor.startswith(OPEN_METRIC_PREFIXES) or monitor == "lr":
        return
    produced = produced_metrics(config, facts)
    if monitor not in produced:
        raise ConfigError("early_stopping.monitor", monitor, f"a metric this run logs: {', '.join(produced)} (or param/...)")


def check_feasible(config: "Config") -> None:
    """Refuse a config whose keys cannot train together (see the module docstring).

    Raises:
        ConfigError: one line naming the key, its value and what is allowed.

    Example:
        >>> check_feasible(load_config(overrides=["model.hidden=[1000000000000]"]))
        Traceback (most recent call last):
        ConfigError: model.hidden: got [1000000000000]; allowed: a network of at most 1e+09 parameters; ...
    """
    facts = dataset_facts(config)
    if facts is None:
        return
    _check_binary_loss(config, facts)
    _check_monitor(config, facts)
    _check_model_size(config, facts)
