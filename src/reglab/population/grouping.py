"""Which configurations can train together as one population, and which cannot train as one at all.

Members of one population share everything but the MEMBER_KEYS: the architecture
shape (widths, activation, norm), batch size, epochs, optimizer type, schedule,
dataset and split sizes, ... . Two configs with the same `population_key` can
share a population; a sweep is split into groups by that key.

| may differ per member | how the population handles it                               |
|-----------------------|-------------------------------------------------------------|
| seed                  | own init (built by `build_model`), own splits, own order*   |
| optimizer.lr          | (K,) learning rates, scheduled per member                   |
| optimizer.momentum    | (K,) momentum                                               |
| optimizer.weight_decay| (K,) coupled (sgd, adam) or decoupled (adamw) decay         |
| regularization.l1/l2  | (K,) penalty strengths                                      |
| regularization.flooding, .orthogonality | (K,) flood levels and penalty strengths   |
| regularization.sam_rho| (K,) SAM radii (members with and without SAM are apart)      |
| regularization.adversarial_eps | (K,) attack radii (`attack_member_batches`)               |
| regularization.grad_clip_norm, .grad_clip_value, .max_norm | (K,) caps (inf: none)  |
| model.dropout         | (L, K) dropout rates                                        |
| model.init*           | per-member initialization at build time                     |
| data.label_noise      | per-member labels (inputs stay shared)                      |
| early_stopping.*      | per-member stopping state; a stopped member is dropped      |
| schedule.step_size, .gamma, .min_lr, .max_lr, .warmup_fraction | per-member lr (and onecycle momentum) tables |
| pruning.amount        | (K,) amounts: one magnitude ranking per member, stacked masks |
| name                  | the run's name                                              |

(*) with `data_order: independent`; `shared` visits all members in one order.
Anything in `unsupported_reason` goes to the sequential backend instead.
"""

from __future__ import annotations

import json
from fnmatch import fnmatch
from typing import Sequence

from reglab.config import AugmentConfig, Config, flatten

__all__ = ["MEMBER_KEYS", "population_key", "unsupported_reason", "group_configs"]

MEMBER_KEYS: tuple[str, ...] = (
    "name",
    "seed",
    "optimizer.lr",
    "optimizer.momentum",
    "optimizer.weight_decay",
    "regularization.l1",
    "regularization.l2",
    "regularization.flooding",
    "regularization.orthogonality",
    "regularization.sam_rho",
    "regularization.adversarial_eps",
    "regularization.grad_clip_norm",
    "regularization.grad_clip_value",
    "regularization.max_norm",
    "model.dropout",
    "model.init",
    "model.init_std",
    "model.init_bound",
    "model.init_bias",
    "data.label_noise",
    "early_stopping.*",
    "schedule.step_size",
    "schedule.gamma",
    "schedule.min_lr",
    "schedule.max_lr",
    "schedule.warmup_fraction",
    "pruning.amount",
)

def _is_member_key(key: str) -> bool:
    return any(fnmatch(key, pattern) for pattern in MEMBER_KEYS)


def population_key(config: Config) -> str:
    """Everything a population's members must share, as a string (equal keys -> same population)."""
    shared = {key: value for key, value in flatten(config.to_dict()).items() if not _is_member_key(key)}
    # A SAM step makes a second pass (batch-norm statistics, dropout draws): a member
    # without SAM would not equal its single run among members with it.
    shared["regularization.sam"] = config.regularization.sam_rho > 0
    shared["regularization.adversarial"] = config.regularization.adversarial_eps > 0  # attacked batches are per member
    return json.dumps(shared, sort_keys=True, default=str)


def unsupported_reason(config: Config) -> str | None:
    """Why `config` cannot train in a population (one `key=value` phrase), or None when it can."""
    model, regularization = config.model, config.regularization
    # CNNs and group norm would train through torch.func (the vmap engine): correct, but
    # measured 3x slower than one run after another on a 2-core CPU (its batched grouped
    # convolutions; benchmarks/cnn_population.py), so sweeps and comparisons train them
    # one by one. `train_population(..., model=...)` still takes any module that way.
    checks = [
        (model.kind != "mlp", "model.kind", model.kind),
        (model.norm == "group", "model.norm", model.norm),
        (model.dropout_kind != "standard" and any(model.dropout_rates()), "model.dropout_kind", model.dropout_kind),
        (model.residual and model.drop_path > 0, "model.drop_path", model.drop_path),
        (regularization.activity_l1 > 0, "regularization.activity_l1", regularization.activity_l1),
        (regularization.activity_l2 > 0, "regularization.activity_l2", regularization.activity_l2),
        (regularization.ema_decay is not None, "regularization.ema_decay", regularization.ema_decay),
        (regularization.swa_start is not None, "regularization.swa_start", regularization.swa_start),
    ]
    for failed, key, value in checks:
        if failed:
            return f"{key}={value}"
    augment = config.augment.model_dump()
    defaults = AugmentConfig().model_dump()
    for key, value in augment.items():
        if key != "label_smoothing" and value != defaults[key]:
            return f"augment.{key}={value}"
    return None


def group_configs(configs: Sequence[Config], max_size: int) -> list[list[int]]:
    """Indices of `configs` grouped into populations of at most `max_size` (same key; order kept).

    A group larger than `max_size` is cut into near-equal parts (96 with max 64 -> 48 + 48).

    Example:
        >>> group_configs([config_a, config_b, config_c], max_size=64)
        [[0, 2], [1]]
    """
    by_key: dict[str, list[int]] = {}
    for index, config in enumerate(configs):
        by_key.setdefault(population_key(config), []).append(index)
    groups: list[list[int]] = []
    for indices in by_key.values():
        parts = -(-len(indices) // max_size)
        size = -(-len(indices) // parts)
        groups.extend(indices[start : start + size] for start in range(0, len(indices), size))
    return groups
