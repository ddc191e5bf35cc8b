"""Per-member losses and correct counts against the single-run objective applied member by member."""

from __future__ import annotations

import pytest
import torch

from reglab.objective.losses import make_objective
from reglab.objective.members import make_member_objective


@pytest.mark.parametrize(
    "loss,task,output,smoothing",
    [
        ("cross_entropy", "classification", "none", 0.0),
        ("cross_entropy", "classification", "none", 0.1),
        ("nll", "classification", "log_softmax", 0.0),
        ("nll", "classification", "none", 0.2),
        ("mse", "classification", "none", 0.0),
        ("bce", "classification", "none", 0.0),
        ("bce", "binary", "none", 0.0),
        ("bce", "binary", "sigmoid", 0.0),
        ("mse", "regression", "none", 0.0),
    ],
)
@pytest.mark.parametrize("per_member_targets", [False, True])
def test_member_objective_equals_single_objective(loss, task, output, smoothing, per_member_targets):
    generator = torch.Generator().manual_seed(0)
    classes = 4 if task == "classification" else 1
    outputs = torch.randn(3, 9, classes, generator=generator)
    if output == "log_softmax":
        outputs = outputs.log_softmax(-1)
    if output == "sigmoid":
        outputs = outputs.sigmoid()
    shape = (3, 9) if per_member_targets else (9,)
    if task == "classification":
        targets = torch.randint(0, classes, shape, generator=generator)
    elif task == "binary":
        targets = torch.randint(0, 2, (*shape, 1), generator=generator).float()
    else:
        targets = torch.randn(*shape, 1, generator=generator)
    single = make_objective(loss, task, classes, output, smoothing)
    members = make_member_objective(loss, task, classes, output, smoothing)
    losses = members.loss(outputs, targets)
    for k in range(3):
        member_targets = targets[k] if per_member_targets else targets
        torch.testing.assert_close(losses[k], single.loss(outputs[k], member_targets), rtol=1e-6, atol=1e-6)
        if single.correct is not None:
            assert members.correct(outputs, targets)[k].item() == single.correct(outputs[k], member_targets).item()
    assert (members.correct is None) == (single.correct is None)


def test_correct_counts_break_ties_and_nans_as_the_single_run():
    # Member 0: ties between classes 1 and 2 (argmax takes the first); member 1: NaN
    # scores; member 2: every score equal (a dead network picks class 0, nothing else).
    outputs = torch.tensor(
        [
            [[0.0, 3.0, 3.0, 1.0], [0.0, 3.0, 3.0, 1.0], [2.0, 2.0, 0.0, 0.0]],
            [[float("nan"), 1.0, 0.0, 0.0], [0.0, 1.0, float("nan"), 0.0], [0.0, 1.0, 0.0, 0.0]],
            [[0.5] * 4, [0.5] * 4, [0.5] * 4],
        ]
    )
    labels = torch.tensor([1, 2, 0])
    single = make_objective("cross_entropy", "classification", 4)
    members = make_member_objective("cross_entropy", "classification", 4)
    expected = [single.correct(outputs[k], labels).item() for k in range(3)]
    assert expected == [2, 1, 1]
    assert members.correct(outputs, labels).tolist() == expected
