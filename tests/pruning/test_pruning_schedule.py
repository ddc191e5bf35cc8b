"""When pruning rounds happen and what they leave."""

from __future__ import annotations

import pytest

from reglab.pruning import expected_sparsity, lottery_round, lottery_total_epochs, pruning_epochs, remaining_fraction


def test_pruning_epochs_of_each_schedule():
    assert pruning_epochs("one_shot", start_epoch=3, every=2, rounds=4) == [3]
    assert pruning_epochs("iterative", start_epoch=3, every=2, rounds=4) == [3, 5, 7, 9]
    assert pruning_epochs("iterative", start_epoch=1, every=1, rounds=1) == [1]


def test_lottery_rounds_and_length():
    assert lottery_total_epochs(epochs_per_round=4, rounds=3) == 16
    assert [lottery_round(epoch, 4) for epoch in (1, 4, 5, 8, 9, 16)] == [0, 0, 1, 1, 2, 3]


@pytest.mark.parametrize("amount, rounds, sparsity", [(0.2, 1, 0.2), (0.2, 2, 0.36), (0.5, 3, 0.875), (0.2, 0, 0.0)])
def test_sparsity_after_r_rounds(amount, rounds, sparsity):
    assert expected_sparsity(amount, rounds) == pytest.approx(sparsity)
    assert remaining_fraction(amount, rounds) == pytest.approx(1 - sparsity)
