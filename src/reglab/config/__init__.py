"""Run configuration: pydantic sections, YAML loading, `--set` overrides.

`ConfigError` and `flatten` load at once; the sections and loading functions, which
need pydantic, on first use (PEP 562, from `reglab.config.sections`), which keeps the
CLI's start-up short.
"""

from typing import Any

from reglab.config.errors import ConfigError
from reglab.config.flat import flatten


def __getattr__(name: str) -> Any:
    if name not in __all__:  # (`sections` itself too: the import system then loads the submodule)
        raise AttributeError(f"module 'reglab.config' has no attribute {name!r}")
    from reglab.config import sections

    value = getattr(sections, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "ACTIVATIONS",
    "AugmentConfig",
    "Config",
    "ConfigError",
    "DATASET_NAMES",
    "DataConfig",
    "EarlyStoppingConfig",
    "INIT_SCHEMES",
    "MEASURE_FAMILIES",
    "MODEL_PRESETS",
    "MeasuresConfig",
    "ModelConfig",
    "OptimizerConfig",
    "PruningConfig",
    "RegularizationConfig",
    "RobustnessConfig",
    "ScheduleConfig",
    "TRAJECTORY_METRICS",
    "TrajectoryConfig",
    "apply_overrides",
    "flatten",
    "load_config",
    "parse_override",
    "validate_config",
]
