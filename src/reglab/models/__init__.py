"""Networks of the lab: MLP and CNN builders, the dropout family, stochastic depth, init schemes.

Public API:
    build_model(config, input_shape, output_dim) -> nn.Module
    initialize(model, scheme, std, bound, bias)
    normalization_parameter_names(model) -> set[str]
    hidden_blocks(model) -> list[nn.Module]
"""

from reglab.models.activations import ACTIVATION_MODULES, make_activation, make_output_activation
from reglab.models.blocks import HiddenBlock, build_hidden_layers, hidden_blocks
from reglab.models.build import build_model
from reglab.models.cnn import CNN, ConvBlock, conv_blocks
from reglab.models.drop_path import DropPath, drop_path, drop_path_rates
from reglab.models.dropout import (
    DROPOUT_KINDS,
    GaussianDropout,
    GaussianNoise,
    gaussian_dropout,
    gaussian_noise,
    make_channel_dropout,
    make_dropout,
)
from reglab.models.init import BIAS_RULES, initialize, weight_distribution
from reglab.models.mlp import MLP
from reglab.models.norms import NORMALIZATION_TYPES, make_norm, normalization_parameter_names
from reglab.models.presets import preset_config, preset_names

__all__ = [
    "ACTIVATION_MODULES",
    "BIAS_RULES",
    "CNN",
    "ConvBlock",
    "DROPOUT_KINDS",
    "DropPath",
    "GaussianDropout",
    "GaussianNoise",
    "HiddenBlock",
    "MLP",
    "NORMALIZATION_TYPES",
    "build_hidden_layers",
    "build_model",
    "conv_blocks",
    "drop_path",
    "drop_path_rates",
    "gaussian_dropout",
    "gaussian_noise",
    "hidden_blocks",
    "initialize",
    "make_activation",
    "make_channel_dropout",
    "make_dropout",
    "make_norm",
    "make_output_activation",
    "normalization_parameter_names",
    "preset_config",
    "preset_names",
    "weight_distribution",
]
