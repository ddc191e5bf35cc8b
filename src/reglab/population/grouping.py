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
| regularization.adversarial_eps | (K,) attack radii (`AdversarialTraining`)                 |
| regularization.grad_clip_norm, .grad_clip_value, .max_norm | (K,) caps (inf: none)  |
| regularization.ema_decay, .swa_start, .swa_lr | per-member EMA decays, SWA starts and rates (EMA, SWA and neither are apart) |
| model.dropout         | (L, K) dropout rates (every `model.dropout_kind`)           |
| model.drop_path, .channel_dropout | per-member rates of drop-path and (CNN) channel dropout |
| regularization.activity_l1/l2 | (K,) activity-penalty strengths                     |
| model.init*           | per-member initialization at build time                     |
| data.label_noise      | per-member labels (inputs stay shared)                      |
| augment.* but label_smoothing | each member's strengths and own draws (`MemberAugment`); members that mix (mixup or cutmix) and members that do not are apart |
| early_stopping.*      | per-member stopping state; a stopped member is dropped      |
| schedule.step_size, .gamma, .min_lr, .max_lr, .warmup_fraction | per-member lr (and onecycle momentum) tables |
| pruning.amount        | (K,) amounts: one magnitude ranking per member, stacked masks |
| pruning.mask_file, .mask_round | fixed_mask: each member's own mask, stacked        |
| name                  | the run's name                                              |

(*) with `data_order: independent`; `shared` visits all members in one order.
Every technique trains in a population; configs differ only in how they group.
"""

from __future__ import annotations

import json
from fnmatch import fnmatch
from typing import Sequence

from reglab.augment.members import mixing_kind
from reglab.config import Config, flatten

__all__ = ["MEMBER_KEYS", "population_key", "group_configs"]

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
    "regularization.ema_decay",
    "regularization.swa_start",
    "regularization.swa_lr",
    "model.dropout",
    "model.drop_path",
    "model.channel_dropout",
    "regularization.activity_l1",
    "regularization.activity_l2",
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
    "pruning.mask_file",  # fixed_mask: each member its own mask (`MemberPruning`)
    "pruning.mask_round",
    # every augmentation strength; the mixing kind stays shared (see population_key)
    "augment.hflip",
    "augment.vflip",
    "augment.affine_*",
    "augment.crop_padding",
    "augment.erasing",
    "augment.noise_std",
    "augment.mixup_alpha",
    "augment.cutmix_alpha",
    "augment.mix_prob",
)

def _is_member_key(key: str) -> bool:
    return any(fnmatch(key, pattern) for pattern in MEMBER_KEYS)


def population_key(config: Config) -> str:
    """Everything a population's members must share, as a string (equal keys -> same population)."""
    shared = {key: value for key, value in flatten(config.to_dict()).items() if not _is_member_key(key)}
    # A SAM step makes a second pass (batch-norm statistics, dropout draws): a member
    # without SAM would not equal its single run among members with it.
    shared["regularization.sam"] = config.regularization.sam_rho > 0
    # Mixing turns every member's targets into class probabilities: members that mix
    # (and how) train apart from members that do not.
    shared["augment.mixing"] = mixing_kind(config.augment)
    # Members average alike (EMA, SWA or neither): each keeps its own decay, start and rate.
    shared["regularization.averaging"] = [config.regularization.ema_decay is not None, config.regularization.swa_start is not None]
    shared["regularization.adversarial"] = config.regularization.adversarial_eps > 0  # attacked batches are per member
    return json.dumps(shared, sort_keys=True, default=str)


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
