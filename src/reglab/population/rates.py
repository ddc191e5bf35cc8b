"""The members' noise rates, read once on the host: dropout, drop-path and channel dropout per layer.

A population's members share their architecture, including the dropout kind, but each
has its own rates (`model.dropout`, `model.drop_path`, `model.channel_dropout` are
member keys). The stacked forward passes take these host floats, so no step asks the
device which members drop; a layer where no member drops is None and costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from reglab.config import Config
from reglab.models.blocks import drop_path_by_layer

__all__ = ["MemberRates", "LayerRates"]

# Per layer, the K rates, or None where no member drops.
LayerRates = tuple["tuple[float, ...] | None", ...]


def _by_layer(per_member: Sequence[Sequence[float]]) -> LayerRates:
    layers = len(per_member[0]) if per_member else 0
    columns = [tuple(float(rates[layer]) for rates in per_member) for layer in range(layers)]
    return tuple(column if any(rate > 0 for rate in column) else None for column in columns)


@dataclass(frozen=True)
class MemberRates:
    """Per hidden layer the dropout and drop-path rates, per conv block the channel-dropout rates.

    Example:
        >>> rates = MemberRates.from_configs([config_a, config_b])
        >>> rates.dropout[0]        # (p_a, p_b) of hidden layer 0, or None
        (0.2, 0.4)
    """

    dropout: LayerRates
    drop_path: LayerRates
    channel_dropout: LayerRates

    @classmethod
    def from_configs(cls, configs: Sequence[Config]) -> "MemberRates":
        models = [config.model for config in configs]
        blocks = len(models[0].channels) if models and models[0].kind == "cnn" else 0
        return cls(
            dropout=_by_layer([model.dropout_rates() for model in models]),
            drop_path=_by_layer([drop_path_by_layer(model) for model in models]),
            channel_dropout=_by_layer([[model.channel_dropout] * blocks for model in models]),
        )

    @classmethod
    def dropout_only(cls, dropout: Sequence["tuple[float, ...] | None"]) -> "MemberRates":
        """Rates with dropout per hidden layer and no drop-path or channel dropout."""
        return cls(tuple(dropout), (None,) * len(dropout), ())
