"""The `regularization.*` technique family: wiring, bad input, and end-to-end runs on digits."""

from __future__ import annotations

import pytest
import torch

import reglab
from tests.conftest import tiny_digits
from reglab.config import ConfigError, load_config
from reglab.models import build_model
from reglab.contract.units import MemberStart
from reglab.population.members import MemberHyperparameters
from reglab.regularizers import (
    ActivityPenalty,
    Flooding,
    GradientClipping,
    MaxNorm,
    OrthogonalityPenalty,
    ProximalL1,
    SharpnessAware,
    SubgradientL1,
    WeightPenalties,
)
from reglab.regularizers.technique import build_technique, member_units


def config_with(*overrides: str, hidden: str = "[16]"):
    return load_config(overrides=[f"model.hidden={hidden}", *overrides])


def model_for(config):
    torch.manual_seed(0)
    return build_model(config.model, (64,), 10)


def build(*overrides: str, hidden: str = "[16]"):
    config = config_with(*overrides, hidden=hidden)
    return build_technique(config, model_for(config), None)


def test_nothing_asked_gives_none():
    assert build() is None
    assert build("regularization.l1_mode=proximal") is None  # a mode without a strength is inert


def units_for(*member_overrides: tuple[str, ...], hidden: str = "[16]"):
    """The family's units for members with the given overrides each."""
    configs = [config_with(*overrides, hidden=hidden) for overrides in member_overrides]
    hyper = MemberHyperparameters.from_configs(configs, torch.device("cpu"))
    return member_units(MemberStart(configs, model_for(configs[0]), hyper, {}, {}))


def test_units_follow_the_documented_order_and_declare_their_slots():
    shared = ("regularization.l1_mode=subgradient",)
    units = units_for(
        (*shared, "regularization.l1=0.01", "regularization.l2=0.01", "regularization.activity_l2=0.1"),
        (*shared, "regularization.flooding=0.1", "regularization.sam_rho=0.05", "regularization.orthogonality=0.1"),
        (*shared, "regularization.grad_clip_norm=1.0", "regularization.max_norm=3.0"),
    )
    assert [type(unit) for unit in units] == [
        Flooding, WeightPenalties, OrthogonalityPenalty, ActivityPenalty, SharpnessAware, SubgradientL1, GradientClipping, MaxNorm,
    ]
    assert [unit.slots for unit in units] == [
        ("loss_transform",), ("loss_term",), ("loss_term",), ("loss_term",),
        ("gradient_transform",), ("gradient_transform",), ("gradient_transform",), ("weight_transform",),
    ]
    assert units[1].l1_in_loss is False
    proximal = units_for(("regularization.l1=0.01", "regularization.l1_mode=proximal"))
    assert [type(unit) for unit in proximal] == [WeightPenalties, ProximalL1]
    assert units_for((), ("regularization.l1_mode=proximal",)) == []  # no strength: no unit, no work


def test_a_member_with_l1_has_no_callbacks_its_zero_fraction_is_the_units():
    technique = build("regularization.l1=0.01", "regularization.l1_mode=subgradient")
    assert technique is not None and technique.callbacks == []


def test_max_norm_and_penalties_use_the_same_scope():
    penalty, max_norm = units_for(("regularization.l2=0.1", "regularization.max_norm=2.0", "regularization.exclude=[head.*]"))
    assert penalty.scoped_names == ["hidden.0.linear.weight"] and penalty.scoped_entries == 16 * 64
    assert max_norm.matrices == ["hidden.0.linear.weight"]


@pytest.mark.parametrize(
    "overrides, key",
    [
        (["regularization.l2=0.1", "regularization.include=[nothing_here]"], "regularization.include"),
        (["regularization.l2=0.1", "regularization.per_layer={hidden.0.linear.bias: 2}"], "regularization.per_layer"),
        (["regularization.l1=0.1", "regularization.exclude=['*']"], "regularization.exclude"),
    ],
)
def test_patterns_that_match_nothing_are_refused(overrides, key):
    with pytest.raises(ConfigError) as error:
        build(*overrides)
    assert error.value.key == key
    assert "\n" not in str(error.value)


def test_activity_needs_hidden_layers():
    with pytest.raises(ConfigError) as error:
        build("regularization.activity_l1=0.1", hidden="[]")
    assert error.value.key == "regularization.activity_l1"


def test_l1_and_l2_end_to_end_on_digits():
    run = reglab.train(tiny_digits(**{"regularization.l1": 1e-3, "regularization.l2": 1e-2}))
    assert run.status == "completed" and len(run.history) == 2
    for row in run.history:
        assert row["loss/l1"] > 0 and row["loss/l2"] > 0 and row["loss/data"] > 0
        assert row["loss/total"] == pytest.approx(row["loss/data"] + row["loss/l1"] + row["loss/l2"], rel=1e-6)
    weights = [p for name, p in run.model.named_parameters() if name.endswith("weight")]
    final_l1 = 1e-3 * sum(w.abs().sum() for w in weights).item()
    final_l2 = 1e-2 / 2 * sum(w.pow(2).sum() for w in weights).item()  # `half` is the default convention
    # epoch means of the terms are of the size of the terms at the end of training
    assert 0.5 * final_l1 < run.history[-1]["loss/l1"] < 1.5 * final_l1
    assert 0.5 * final_l2 < run.history[-1]["loss/l2"] < 1.5 * final_l2
    assert 0.0 <= run.history[-1]["l1/zeros"] <= 0.01 and "sparsity" in run.summary


def test_proximal_l1_end_to_end_gives_exact_zeros():
    run = reglab.train(
        tiny_digits(**{"regularization.l1": 0.02, "regularization.l1_mode": "proximal", "optimizer.momentum": 0.0})
    )
    weights = {name: p for name, p in run.model.named_parameters() if name.endswith("weight")}
    zeros = sum(int((w == 0).sum()) for w in weights.values())
    total = sum(w.numel() for w in weights.values())
    assert zeros / total > 0.05  # about 11% after 14 steps
    assert run.summary["sparsity"] == pytest.approx(zeros / total)
    assert run.history[-1]["l1/zeros"] == pytest.approx(zeros / total)
    assert run.history[0]["l1/zeros"] <= run.history[-1]["l1/zeros"]
    assert all(int((p == 0).sum()) == 0 for name, p in run.model.named_parameters() if name.endswith("bias"))


def test_every_option_runs_two_epochs_and_emits_its_keys():
    cases = {
        "regularization.l1_mode": ("subgradient", ["loss/l1", "l1/zeros"]),
        "regularization.activity_l1": (1e-3, ["loss/activity_l1"]),
        "regularization.activity_l2": (1e-3, ["loss/activity_l2"]),
    }
    for key, (value, expected) in cases.items():
        overrides = {key: value}
        if key == "regularization.l1_mode":
            overrides["regularization.l1"] = 1e-3
        run = reglab.train(tiny_digits(**overrides))
        assert run.status == "completed", key
        assert all(name in run.history[-1] for name in expected), key
        assert all(torch.isfinite(torch.tensor(row["loss/total"])) for row in run.history)


def test_max_norm_and_clipping_end_to_end():
    run = reglab.train(
        tiny_digits(**{"regularization.max_norm": 0.5, "regularization.grad_clip_norm": 0.5, "optimizer.lr": 0.5})
    )
    for name, param in run.model.named_parameters():
        if name.endswith("weight"):
            assert param.detach().norm(dim=1).max() <= 0.5 + 1e-5, name
