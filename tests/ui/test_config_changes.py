"""Section-wise config differences agree with the plain flatten-and-compare reference."""

from __future__ import annotations

import copy

from reglab.config import load_config
from reglab.ui.config_changes import config_changes, flat_config
from reglab.ui.records import MISSING


def reference(config: dict, baseline: dict) -> dict:
    flat, base = flat_config(config), flat_config(baseline)
    changes = {key: value for key, value in flat.items() if key not in base or base[key] != value or type(base[key]) is not type(value)}
    changes.update({key: MISSING for key in base if key not in flat})
    return changes


def test_changes_match_the_reference():
    baseline = load_config(overrides=[("device", "cpu")]).to_dict()
    variants = []
    changed = copy.deepcopy(baseline)
    changed["optimizer"]["lr"] = 0.05
    changed["model"]["hidden"] = [64, 32]
    changed["epochs"] = 3
    changed["name"] = "other"  # the run's own column, never a config change
    variants.append(changed)
    per_layer = copy.deepcopy(baseline)
    per_layer["regularization"]["per_layer"] = {"head": 2.0}
    variants.append(per_layer)
    missing = copy.deepcopy(baseline)
    del missing["pruning"]
    del missing["seed"]
    missing["new_section"] = {"a": 1, "b": {"c": [1]}}
    variants.append(missing)
    variants.append(copy.deepcopy(baseline))
    for config in variants:
        assert config_changes(config, baseline) == reference(config, baseline)
    assert config_changes(changed, baseline) == {"optimizer.lr": 0.05, "model.hidden": [64, 32], "epochs_planned": 3}
    assert config_changes(variants[-1], baseline) == {}
