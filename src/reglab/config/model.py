"""`model.*` keys: architecture, normalisation, dropout, initialisation, presets."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from reglab.config.base import Section

__all__ = ["ModelConfig", "MODEL_PRESETS", "INIT_SCHEMES", "ACTIVATIONS"]

Activation = Literal["relu", "leaky_relu", "elu", "tanh", "sigmoid", "gelu"]
ACTIVATIONS: tuple[str, ...] = Activation.__args__  # type: ignore[attr-defined]

InitScheme = Literal[
    "default",
    "xavier_normal",
    "xavier_uniform",
    "kaiming_normal",
    "kaiming_uniform",
    "normal",
    "uniform",
    "zeros",
    "ones",
]
INIT_SCHEMES: tuple[str, ...] = InitScheme.__args__  # type: ignore[attr-defined]

# The networks of the course labs. Input and output widths come from the dataset.
MODEL_PRESETS: dict[str, dict[str, Any]] = {
    # seed 000: Linear(784,16)-ReLU-Linear(16,32)-ReLU-Linear(32,24)-ReLU-Linear(24,10)
    "mlp_seed000": {"kind": "mlp", "hidden": [16, 32, 24], "activation": "relu"},
    # seed 000, In [7]: BatchNorm after each ReLU, Dropout(0.2) after the second ReLU.
    "mlp_bn_drop": {
        "kind": "mlp",
        "hidden": [16, 32, 24],
        "activation": "relu",
        "norm": "batch",
        "norm_position": "after",
        "dropout": [0.0, 0.2, 0.0],
    },
    # seed 002: AnimalNet 3072-128-32-3, ReLU, log-softmax output (trained with NLL).
    "animalnet": {"kind": "mlp", "hidden": [128, 32], "activation": "relu", "output_activation": "log_softmax"},
    # seed 002: BigAnimalNet 3072-124-64-3, leaky ReLU.
    "big_animalnet": {
        "kind": "mlp",
        "hidden": [124, 64],
        "activation": "leaky_relu",
        "output_activation": "log_softmax",
    },
    # seed 002: AnimalNetDropout 3072-248-210-3, dropout 0.5 and 0.3, leaky ReLU.
    "animalnet_dropout": {
        "kind": "mlp",
        "hidden": [248, 210],
        "activation": "leaky_relu",
        "dropout": [0.5, 0.3],
        "output_activation": "log_softmax",
    },
    # seed 002: Net 1-300-500-1 for the toy regression, leaky ReLU.
    "net_seed002": {"kind": "mlp", "hidden": [300, 500], "activation": "leaky_relu"},
    # seed 002: NetDropout, the same with dropout 0.4 and 0.2.
    "net_dropout": {"kind": "mlp", "hidden": [300, 500], "activation": "leaky_relu", "dropout": [0.4, 0.2]},
    # Rumelhart, Hinton & Williams 1986: 6 inputs, 2 sigmoid hidden units, 1 sigmoid output,
    # weights drawn uniformly in [-0.3, 0.3].
    "rumelhart_6_2_1": {
        "kind": "mlp",
        "hidden": [2],
        "activation": "sigmoid",
        "output_activation": "sigmoid",
        "init": "uniform",
        "init_bound": 0.3,
        "init_bias": "same",
    },
}
PresetName = Literal[
    "mlp_seed000",
    "mlp_bn_drop",
    "animalnet",
    "big_animalnet",
    "animalnet_dropout",
    "net_seed002",
    "net_dropout",
    "rumelhart_6_2_1",
]


class ModelConfig(Section):
    """Architecture of the network.

    Keys:
        preset: a named network of the labs (MODEL_PRESETS); other keys override it.
        kind: mlp | cnn.
        hidden: widths of the hidden fully connected layers.
        channels: conv channels of the CNN (each block: conv, norm, act, channel dropout, 2x2 max-pool).
        kernel_size: conv kernel size of the CNN.
        activation: relu | leaky_relu | elu | tanh | sigmoid | gelu.
        norm: none | batch | group | layer.
        norm_position: before | after the activation.
        norm_groups: number of groups of group norm (must divide each width).
        dropout: one rate for every hidden layer, or one per hidden layer.
        dropout_kind: standard | alpha | gaussian | gaussian_noise (the dropout family).
        channel_dropout: channel (Dropout2d) rate in each CNN block.
        residual: hidden layers of equal width are wrapped in residual blocks.
        drop_path: stochastic-depth rate of the residual blocks (linearly increasing with depth).
        init: weight initialisation scheme (INIT_SCHEMES).
        init_std: standard deviation of `normal`.
        init_bound: bound of `uniform` (weights in [-bound, bound]).
        init_bias: zeros (biases set to 0, seed 004) | same (biases drawn like weights) | default.
        output_activation: none | sigmoid | log_softmax, applied to the last layer.
    """

    preset: PresetName | None = None
    kind: Literal["mlp", "cnn"] = "mlp"
    hidden: list[int] = Field(default_factory=lambda: [64])
    channels: list[int] = Field(default_factory=lambda: [16, 32])
    kernel_size: int = Field(3, ge=1, le=11)
    activation: Activation = "relu"
    norm: Literal["none", "batch", "group", "layer"] = "none"
    norm_position: Literal["before", "after"] = "after"
    norm_groups: int = Field(4, ge=1)
    dropout: float | list[float] = 0.0
    dropout_kind: Literal["standard", "alpha", "gaussian", "gaussian_noise"] = "standard"
    channel_dropout: float = Field(0.0, ge=0.0, lt=1.0)
    residual: bool = False
    drop_path: float = Field(0.0, ge=0.0, lt=1.0)
    init: InitScheme = "default"
    init_std: float = Field(1.0, gt=0.0)
    init_bound: float = Field(1.0, gt=0.0)
    init_bias: Literal["zeros", "same", "default"] = "zeros"
    output_activation: Literal["none", "sigmoid", "log_softmax"] = "none"

    @model_validator(mode="before")
    @classmethod
    def _apply_preset(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("preset") in MODEL_PRESETS:
            return {**MODEL_PRESETS[data["preset"]], **data}
        return data

    @field_validator("hidden", "channels")
    @classmethod
    def _widths(cls, value: list[int]) -> list[int]:
        if any(width < 1 for width in value):
            raise ValueError("every width must be >= 1")
        return value

    @field_validator("dropout")
    @classmethod
    def _dropout(cls, value: float | list[float]) -> float | list[float]:
        rates = value if isinstance(value, list) else [value]
        if any(not 0.0 <= rate < 1.0 for rate in rates):
            raise ValueError("dropout rates must lie in [0, 1)")
        return value

    @model_validator(mode="after")
    def _dropout_per_layer(self) -> "ModelConfig":
        if isinstance(self.dropout, list) and len(self.dropout) != len(self.hidden):
            raise ValueError(
                f"model.dropout has {len(self.dropout)} rates but model.hidden has {len(self.hidden)} layers"
            )
        return self

    def dropout_rates(self) -> list[float]:
        """One dropout rate per hidden layer."""
        if isinstance(self.dropout, list):
            return list(self.dropout)
        return [float(self.dropout)] * len(self.hidden)
