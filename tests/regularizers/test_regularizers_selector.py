"""The one parameter selector: roles, include and exclude, as every technique uses it."""

from __future__ import annotations

from torch import nn

from reglab.pruning.magnitude import prunable_parameters
from reglab.regularizers.decay import decay_groups
from reglab.regularizers.scope import ROLES, ParameterSelector, select_parameters


def _model() -> nn.Module:
    return nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.ReLU(), nn.Linear(3, 2))


ALL = ["0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias"]


def test_roles_include_and_exclude_decide_by_hand():
    model = _model()
    assert list(ParameterSelector().select(model)) == ["0.weight", "3.weight"]
    assert list(ParameterSelector(roles=ROLES).select(model)) == ALL
    assert list(ParameterSelector(roles=("bias",)).select(model)) == ["0.bias", "3.bias"]
    assert list(ParameterSelector(roles=("norm",)).select(model)) == ["1.weight", "1.bias"]
    assert list(ParameterSelector(include=("3.bias",)).select(model)) == ["0.weight", "3.weight", "3.bias"]
    # exclusion wins over roles and include; role words and name patterns both exclude
    assert list(ParameterSelector(include=("3.*",), exclude=("3.bias",)).select(model)) == ["0.weight", "3.weight"]
    assert list(ParameterSelector(roles=ROLES, exclude=("bias", "norm")).select(model)) == ["0.weight", "3.weight"]
    assert list(ParameterSelector(roles=ROLES, exclude=("0.*",)).select(model)) == ["1.weight", "1.bias", "3.weight", "3.bias"]


def test_every_technique_chooses_through_the_selector():
    model = _model()
    assert list(select_parameters(model, "weights", exclude=["3.*"])) == list(ParameterSelector(exclude=("3.*",)).select(model))
    assert list(select_parameters(model, "all")) == ALL
    groups = decay_groups(model, 1e-4, ["bias", "norm"])
    assert groups.decayed == list(ParameterSelector(roles=ROLES, exclude=("bias", "norm")).select(model))
    assert groups.not_decayed == ["0.bias", "1.weight", "1.bias", "3.bias"]
    assert list(prunable_parameters(model)) == ["0.weight", "3.weight"]
    assert list(prunable_parameters(model, include_biases=True)) == ["0.weight", "0.bias", "3.weight", "3.bias"]
