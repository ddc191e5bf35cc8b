"""Run configuration: pydantic sections, YAML loading, `--set` overrides.

Names are imported on first use (PEP 562): `reglab.config.errors` and
`reglab.config.flat` load without pydantic, which keeps the CLI's start-up short.
"""

import importlib
from typing import Any

_LAZY = {
    "AugmentConfig": "reglab.config.augment",
    "DATASET_NAMES": "reglab.config.data",
    "DataConfig": "reglab.config.data",
    "ConfigError": "reglab.config.errors",
    "apply_overrides": "reglab.config.loading",
    "load_config": "reglab.config.loading",
    "parse_override": "reglab.config.loading",
    "validate_config": "reglab.config.loading",
    "ACTIVATIONS": "reglab.config.model",
    "INIT_SCHEMES": "reglab.config.model",
    "MODEL_PRESETS": "reglab.config.model",
    "ModelConfig": "reglab.config.model",
    "OptimizerConfig": "reglab.config.optimizer",
    "ScheduleConfig": "reglab.config.optimizer",
    "PruningConfig": "reglab.config.pruning",
    "RegularizationConfig": "reglab.config.regularization",
    "Config": "reglab.config.root",
    "flatten": "reglab.config.flat",
    "EarlyStoppingConfig": "reglab.config.stopping",
    "TRAJECTORY_METRICS": "reglab.config.trajectory",
    "TrajectoryConfig": "reglab.config.trajectory",
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'reglab.config' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "ACTIVATIONS",
    "AugmentConfig",
    "Config",
    "ConfigError",
    "DATASET_NAMES",
    "DataConfig",
    "EarlyStoppingConfig",
    "INIT_SCHEMES",
    "MODEL_PRESETS",
    "ModelConfig",
    "OptimizerConfig",
    "PruningConfig",
    "RegularizationConfig",
    "ScheduleConfig",
    "TRAJECTORY_METRICS",
    "TrajectoryConfig",
    "apply_overrides",
    "flatten",
    "load_config",
    "parse_override",
    "validate_config",
]
