"""Registry helpers over MODEL_PRESETS, the networks of the course labs.

A preset fills `model.*` keys; any key given next to it wins (the merge itself is
done by `ModelConfig`). Input and output widths come from the dataset at build time.
"""

from __future__ import annotations

from typing import Any

from reglab.config.errors import ConfigError
from reglab.config.model import MODEL_PRESETS, ModelConfig

__all__ = ["preset_config", "preset_names"]


def preset_names() -> list[str]:
    """The names of the model presets, in definition order."""
    return list(MODEL_PRESETS)


def preset_config(name: str, **overrides: Any) -> ModelConfig:
    """A validated ModelConfig for preset `name`, with `overrides` winning over the preset.

    Overrides that are None are dropped, so unset options keep the preset's value
    (as timm's `create_model` does).

    Args:
        name: a key of MODEL_PRESETS.
        **overrides: other `model.*` keys.

    Raises:
        ConfigError: unknown preset name (key `model.preset`).

    Example:
        >>> preset_config("mlp_seed000", hidden=[8]).hidden
        [8]
    """
    if name not in MODEL_PRESETS:
        raise ConfigError("model.preset", name, " | ".join(MODEL_PRESETS))
    given = {key: value for key, value in overrides.items() if value is not None}
    return ModelConfig(preset=name, **given)
