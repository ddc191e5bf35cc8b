"""Optimizer parameter groups, decay exclusion, schedules, losses."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from reglab.config import OptimizerConfig, ScheduleConfig, load_config
from reglab.objective.losses import make_objective
from reglab.engine.optim import build_optimizer, build_schedule
from reglab.models import build_model

# The schedule test steps schedulers without optimizer steps on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:Detected call of")


def _model(norm="batch"):
    torch.manual_seed(0)
    return build_model(load_config(overrides=[f"model.norm={norm}", "model.hidden=[8, 8]"]).model, (1, 8, 8), 10)


def test_decay_excludes_biases_and_norm_parameters_by_default():
    model = _model()
    optimizer, groups = build_optimizer(model, OptimizerConfig(weight_decay=5e-4))
    assert groups.decayed == ["hidden.0.linear.weight", "hidden.1.linear.weight", "head.weight"]
    assert all(name.endswith("bias") or "norm" in name for name in groups.not_decayed)
    assert {group["weight_decay"] for group in optimizer.param_groups} == {5e-4, 0.0}
    assert "weight decay on 3 tensors" in groups.describe()


def test_decay_exclude_patterns_and_empty_rules():
    model = _model()
    _, everything = build_optimizer(model, OptimizerConfig(weight_decay=1e-3, decay_exclude=[]))
    assert everything.not_decayed == []
    _, no_head = build_optimizer(model, OptimizerConfig(weight_decay=1e-3, decay_exclude=["bias", "norm", "head.*"]))
    assert "head.weight" in no_head.not_decayed


def test_coupled_sgd_decay_matches_torch_on_decayed_group():
    model = _model(norm="none")
    reference = _model(norm="none")
    optimizer, _ = build_optimizer(model, OptimizerConfig(lr=0.1, weight_decay=0.01, decay_exclude=[]))
    torch_optimizer = torch.optim.SGD(reference.parameters(), lr=0.1, weight_decay=0.01)
    x = torch.randn(16, 1, 8, 8)
    y = torch.randint(0, 10, (16,))
    for net, opt in ((model, optimizer), (reference, torch_optimizer)):
        for _ in range(5):
            opt.zero_grad()
            F.cross_entropy(net(x), y).backward()
            opt.step()
    for a, b in zip(model.parameters(), reference.parameters()):
        assert torch.allclose(a, b, atol=1e-7)


def test_schedules():
    model = _model(norm="none")
    optimizer, _ = build_optimizer(model, OptimizerConfig(lr=1.0))
    step, per_step = build_schedule(optimizer, ScheduleConfig(name="step", step_size=2, gamma=0.5), 1.0, 6, 10)
    assert not per_step
    rates = []
    for _ in range(6):
        rates.append(optimizer.param_groups[0]["lr"])
        step.step()
    assert rates == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]

    optimizer, _ = build_optimizer(model, OptimizerConfig(lr=1.0))
    cosine, per_step = build_schedule(optimizer, ScheduleConfig(name="cosine", min_lr=0.1), 1.0, 2, 5)
    assert per_step
    for _ in range(10):
        cosine.step()
    assert math.isclose(optimizer.param_groups[0]["lr"], 0.1, abs_tol=1e-9)

    optimizer, _ = build_optimizer(model, OptimizerConfig(lr=0.5, momentum=0.9))
    onecycle, _ = build_schedule(optimizer, ScheduleConfig(name="onecycle", warmup_fraction=0.5), 0.5, 2, 5)
    seen = []
    for _ in range(10):
        seen.append(optimizer.param_groups[0]["lr"])
        onecycle.step()
    assert max(seen) == pytest.approx(0.5, rel=0.05) and seen[0] < 0.05


def test_losses_against_torch():
    logits = torch.randn(6, 4)
    labels = torch.tensor([0, 1, 2, 3, 0, 1])
    ce = make_objective("cross_entropy", "classification", 4)
    nll = make_objective("nll", "classification", 4)
    assert torch.allclose(ce.loss(logits, labels), F.cross_entropy(logits, labels))
    assert torch.allclose(nll.loss(logits, labels), F.cross_entropy(logits, labels))
    log_probs = make_objective("nll", "classification", 4, output_activation="log_softmax")
    assert torch.allclose(log_probs.loss(F.log_softmax(logits, 1), labels), F.cross_entropy(logits, labels))
    assert ce.correct(logits, labels) == (logits.argmax(1) == labels).sum()
    soft = F.one_hot(labels, 4).float()
    assert torch.allclose(ce.loss(logits, soft), F.cross_entropy(logits, labels))
    smooth = make_objective("cross_entropy", "classification", 4, label_smoothing=0.1)
    assert torch.allclose(smooth.loss(logits, labels), F.cross_entropy(logits, labels, label_smoothing=0.1))


def test_binary_thresholds():
    targets = torch.tensor([[1.0], [0.0], [1.0]])
    logits = torch.tensor([[0.3], [-0.2], [-0.1]])
    bce = make_objective("auto", "binary", 2)
    assert bce.name == "bce"
    assert bce.correct(logits, targets) == 2
    assert torch.allclose(bce.loss(logits, targets), F.binary_cross_entropy_with_logits(logits, targets))
    probabilities = torch.sigmoid(logits)
    mse = make_objective("mse", "binary", 2, output_activation="sigmoid")
    assert mse.correct(probabilities, targets) == 2
    assert torch.allclose(mse.loss(probabilities, targets), F.mse_loss(probabilities, targets))
