"""The averaging technique family: nothing asked -> None; contradictory keys -> one-line errors."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from reglab.averaging import StochasticWeightAveraging, WeightEMA
from reglab.averaging.technique import build_technique
from reglab.config import ConfigError, load_config

DATA = SimpleNamespace(task="classification", num_classes=10)


def build(*overrides: str):
    config = load_config(overrides=list(overrides))
    return build_technique(config, torch.nn.Linear(2, 2), DATA)


def test_nothing_asked_gives_none():
    assert build() is None


def test_one_unit_is_both_hook_and_callback():
    ema = build("regularization.ema_decay=0.99")
    assert isinstance(ema.hooks[0], WeightEMA) and ema.callbacks == ema.hooks
    swa = build("epochs=10", "regularization.swa_start=5", "regularization.swa_lr=0.01")
    assert isinstance(swa.hooks[0], StochasticWeightAveraging) and swa.callbacks == swa.hooks
    assert swa.hooks[0].kind == "modifier"


@pytest.mark.parametrize(
    "overrides, key",
    [
        (["regularization.ema_decay=0.9", "regularization.swa_start=2"], "regularization.swa_start"),
        (["epochs=3", "regularization.swa_start=4"], "regularization.swa_start"),
        (["regularization.swa_lr=0.01"], "regularization.swa_lr"),
    ],
)
def test_contradictions_are_refused_in_one_line(overrides, key):
    with pytest.raises(ConfigError) as error:
        build(*overrides)
    assert error.value.key == key and "\n" not in str(error.value)
