"""Apply `data.label_noise`, `data.corruption` and `data.corrupt_eval` to the splits.

Which split is touched (Zhang et al. 2017, arXiv:1611.03530):

| corruption       | train | val / test                                   |
|------------------|-------|----------------------------------------------|
| label_noise p    | yes   | only with corrupt_eval                       |
| random_labels    | yes   | only with corrupt_eval                       |
| shuffled_pixels  | yes   | always (one permutation defines the task)    |
| random_pixels    | yes   | only with corrupt_eval                       |
| gaussian         | yes   | only with corrupt_eval (train's statistics)  |

Every draw comes from a generator derived from the run seed and the split, so
a corruption is fixed for the whole run, as in the paper.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from reglab.config.data import DataConfig
from reglab.config.errors import ConfigError
from reglab.data.corrupt import (
    add_label_noise,
    gaussian_inputs,
    permute_pixels_per_sample,
    pixel_permutation,
    randomize_labels,
    shuffle_pixels,
)
from reglab.data.normalize import statistic_dims
from reglab.data.seeding import derived_generator

__all__ = ["corrupt_splits"]

Splits = dict[str, tuple[Tensor, Tensor]]


def corrupt_splits(
    splits: Splits, config: DataConfig, task: str, num_classes: int, seed: int
) -> tuple[Splits, dict[str, Any]]:
    """Return corrupted copies of `splits` ("train", "val", "test") and what was done.

    Labels must still be class indices (int64). The record holds, per split,
    the fraction of labels actually changed and which input corruption ran.

    Raises:
        ConfigError: a label corruption on a regression dataset.
    """
    wants_label_change = config.label_noise > 0 or config.corruption == "random_labels"
    if task == "regression" and wants_label_change:
        key, value = ("data.label_noise", config.label_noise)
        if config.corruption == "random_labels":
            key, value = ("data.corruption", config.corruption)
        raise ConfigError(key, value, "no label corruption for regression datasets (they have no classes)")
    record: dict[str, Any] = {
        "label_noise": config.label_noise,
        "corruption": config.corruption,
        "corrupt_eval": config.corrupt_eval,
    }
    if not wants_label_change and config.corruption == "none":
        return splits, record

    result = dict(splits)
    for name, (inputs, labels) in splits.items():
        if name != "train" and not config.corrupt_eval:
            continue
        if wants_label_change:
            new_labels = _corrupt_labels(labels, config, num_classes, seed, name)
            record[f"{name}_labels_changed"] = _fraction_changed(labels, new_labels)
            result[name] = (inputs, new_labels)

    if config.corruption in ("shuffled_pixels", "random_pixels", "gaussian"):
        result = _corrupt_inputs(result, config, seed, record)
    return result, record


def _corrupt_labels(labels: Tensor, config: DataConfig, num_classes: int, seed: int, split: str) -> Tensor:
    if config.corruption == "random_labels":
        labels = randomize_labels(labels, num_classes, derived_generator(seed, f"corrupt/random_labels/{split}"))
    if config.label_noise > 0:
        generator = derived_generator(seed, f"corrupt/label_noise/{split}")
        labels = add_label_noise(labels, num_classes, config.label_noise, generator)
    return labels


def _fraction_changed(before: Tensor, after: Tensor) -> float:
    return float((before != after).float().mean()) if len(before) else 0.0


def _corrupt_inputs(splits: Splits, config: DataConfig, seed: int, record: dict[str, Any]) -> Splits:
    train_inputs = splits["train"][0]
    touched = [name for name in splits if name == "train" or config.corrupt_eval]
    if config.corruption == "shuffled_pixels":
        touched = list(splits)  # the permutation is part of the task, so every split gets it
        permutation = pixel_permutation(tuple(train_inputs.shape[1:]), derived_generator(seed, "corrupt/shuffle"))
        record["pixel_permutation_head"] = permutation[:8].tolist()
    elif config.corruption == "gaussian":
        dims = statistic_dims(train_inputs)
        mean = train_inputs.mean(dim=dims, keepdim=True)
        std = train_inputs.std(dim=dims, keepdim=True, correction=0)
        record["gaussian_mean"] = mean.flatten().tolist()
        record["gaussian_std"] = std.flatten().tolist()

    result = dict(splits)
    for name in touched:
        inputs, labels = splits[name]
        generator = derived_generator(seed, f"corrupt/{config.corruption}/{name}")
        if config.corruption == "shuffled_pixels":
            inputs = shuffle_pixels(inputs, permutation)
        elif config.corruption == "random_pixels":
            inputs = permute_pixels_per_sample(inputs, generator)
        else:
            inputs = gaussian_inputs(tuple(inputs.shape), mean, std, generator)
        result[name] = (inputs.contiguous(), labels)
    record["inputs_corrupted"] = touched
    return result
