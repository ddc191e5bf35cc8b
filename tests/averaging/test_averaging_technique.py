"""The averaging technique family: nothing asked -> None; contradictory keys -> one-line errors."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from reglab.averaging import StochasticWeightAveraging, WeightEMA
from reglab.averaging.technique import build_technique, member_units
from reglab.contract.units import MemberStart
from reglab.config import ConfigError, load_config

DATA = SimpleNamespace(task="classification", num_classes=10)


def build(*overrides: str):
    config = load_config(overrides=list(overrides))
    return build_technique(config, torch.nn.Linear(2, 2), DATA)


def test_nothing_asked_gives_none():
    assert build() is None


def units(*member_overrides: tuple[str, ...]):
    configs = [load_config(overrides=list(overrides)) for overrides in member_overrides]
    params = {"weight": torch.zeros(len(configs), 2, 2)}
    return member_units(MemberStart(configs, torch.nn.Linear(2, 2), None, params, {}))


def test_the_members_average_is_one_unit_with_each_members_values():
    (ema,) = units(("regularization.ema_decay=0.99",), ("regularization.ema_decay=0.9",))
    assert isinstance(ema, WeightEMA) and ema.decays == [0.99, 0.9]
    (swa,) = units(("epochs=10", "regularization.swa_start=5", "regularization.swa_lr=0.01"), ("epochs=10", "regularization.swa_start=3"))
    assert isinstance(swa, StochasticWeightAveraging) and swa.starts == [5, 3] and swa.rates == [0.01, None]
    assert units((), ()) == []


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
