"""Presets of seed 004's lecture: weight initialization schemes."""

from __future__ import annotations

from reglab.compare.presets.base import ComparePreset, variant

__all__ = ["INIT_SCHEMES"]

# Seed 004's initialisations on a ReLU MLP: "xavier" N(0, 2/(fan_in+fan_out)),
# "he" N(0, 2/fan_in), normal N(0, 1), uniform U(-1, 1), zeros, ones; biases zero.
INIT_SCHEMES = ComparePreset(
    name="init-schemes",
    title="Weight initialization schemes",
    source="seed 004 (weights initialization)",
    base={
        "seed": 0,
        "epochs": 30,
        "data": {"dataset": "digits", "batch_size": 64},
        "model": {"hidden": [64, 64], "activation": "relu", "init_bias": "zeros"},
        "optimizer": {"name": "sgd", "lr": 0.05, "momentum": 0.9},
    },
    variants=(
        variant("xavier (normal)", model__init="xavier_normal"),
        variant("he (normal)", model__init="kaiming_normal"),
        variant("normal N(0, 1)", model__init="normal", model__init_std=1.0),
        variant("uniform U(-1, 1)", model__init="uniform", model__init_bound=1.0),
        variant("zeros", model__init="zeros"),
        variant("ones", model__init="ones"),
    ),
    expectation=(
        "Xavier and He train well; N(0, 1) starts with huge activations and at this learning rate does not "
        "train at all (the first steps leave the ReLUs dead); U(-1, 1) trains but ends below Xavier and He; "
        "zeros and ones never break the symmetry: every hidden unit of a layer stays identical (1 distinct "
        "unit of 64 in the notes) and accuracy stays at chance."
    ),
)
