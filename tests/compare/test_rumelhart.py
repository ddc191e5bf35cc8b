"""The 6-2-1 symmetry net: the paper's solution properties, measured; and reproduced."""

from __future__ import annotations

import pytest
import torch

import reglab
from reglab.compare.presets import PRESETS
from reglab.compare.rumelhart import format_solution, symmetry_solution

# The pattern of the paper's Fig. 1: mirror weights opposite, 1:2:4, units opposite.
IDEAL = torch.tensor([[-3.0, 12.0, 6.0, -6.0, -12.0, 3.0], [3.0, -12.0, -6.0, 6.0, 12.0, -3.0]])


def test_the_papers_pattern_is_recognised():
    found = symmetry_solution(IDEAL, torch.tensor([-2.0, -2.0]), torch.tensor([[-14.0, -14.0]]), torch.tensor([6.0]))
    assert found.antisymmetry_error == 0.0 and found.opposite_units_error == 0.0
    assert found.pair_ratio == pytest.approx((1.0, 2.0, 4.0))
    assert found.matches_paper()


@pytest.mark.parametrize(
    "change",
    [
        lambda w, b, v, c: (w.abs(), b, v, c),  # mirror weights of the same sign
        lambda w, b, v, c: (w, -b, v, c),  # positive hidden biases
        lambda w, b, v, c: (torch.tensor([[1.0, 1, 1, -1, -1, -1]] * 2) * torch.tensor([[1.0], [-1.0]]), b, v, c),  # 1:1:1
        lambda w, b, v, c: (w, b, -v, c),  # output weights positive
    ],
)
def test_departures_from_the_pattern_are_caught(change):
    arguments = change(IDEAL, torch.tensor([-2.0, -2.0]), torch.tensor([[-14.0, -14.0]]), torch.tensor([6.0]))
    assert not symmetry_solution(*arguments).matches_paper()


def test_the_papers_run_finds_the_papers_solution():
    preset = PRESETS["rumelhart-1986"]
    variant = next(variant for variant in preset.variants if "the paper's run" in variant.label)
    config = reglab.load_config(base=preset.base, overrides=[*variant.overrides, ("device", "cpu")])
    run = reglab.train(config)
    assert config.epochs == 1425 and config.data.batch_size == 64  # the paper's 1,425 full sweeps
    assert run.history[-1]["train/acc"] == 1.0  # all 64 patterns
    state = run.model.state_dict()
    found = symmetry_solution(state["hidden.0.linear.weight"], state["hidden.0.linear.bias"], state["head.weight"], state["head.bias"])
    assert found.matches_paper(), found
    text = format_solution(state)
    assert text.splitlines()[0].split() == ["in1", "in2", "in3", "in4", "in5", "in6", "bias"]
    assert text.splitlines()[-1].endswith("yes")
