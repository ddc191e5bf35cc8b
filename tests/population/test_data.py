"""Members' data: each member gets its single run's splits; identical tensors are kept once."""

from __future__ import annotations

import torch

from reglab.config import load_config
from reglab.data import load_data
from reglab.population.data import MemberTensor, load_population_data
from reglab.population.order import DataOrder


def digits(*overrides: str):
    return load_config(overrides=["data.dataset=digits", "data.train_size=100", *overrides])


def test_each_member_sees_its_single_run_splits():
    configs = [digits("seed=0"), digits("seed=1"), digits("seed=1", "data.label_noise=0.5")]
    data = load_population_data(configs, torch.device("cpu"))
    assert data.distinct == 3
    for k, config in enumerate(configs):
        single = load_data(config.data, config.seed, "cpu")
        positions = torch.arange(single.train_x.shape[0])
        assert torch.equal(data.train_x.rows(positions)[k], single.train_x)
        assert torch.equal(data.train_y.rows(positions)[k], single.train_y)
        assert torch.equal(data.val_x.chunk(0, 1000)[k], single.val_x)
    # label noise changes labels only: the two seed-1 members share one input tensor
    assert data.train_x.values.shape[0] == 2 and data.train_y.values.shape[0] == 3


def test_seed_independent_data_is_loaded_once_and_shared():
    configs = [digits(f"seed={seed}", "data.val_size=0", "data.test_size=0.2", "data.train_size=null") for seed in range(2)]
    # digits carves test from a seeded permutation: still seed-dependent
    assert not load_population_data(configs, torch.device("cpu")).train_x.shared
    mnist1d = [load_config(overrides=["data.dataset=mnist1d", "data.val_size=0", f"seed={seed}"]) for seed in range(4)]
    data = load_population_data(mnist1d, torch.device("cpu"))
    assert data.train_x.shared and data.train_y.shared  # published splits, no noise: one copy


def test_member_tensor_gathers():
    values = torch.arange(2 * 5).reshape(2, 5)
    tensor = MemberTensor(values, torch.tensor([1, 0, 1]))
    assert tensor.rows(torch.tensor([4, 0])).tolist() == [[9, 5], [4, 0], [9, 5]]
    assert tensor.rows(torch.tensor([[0], [1], [2]])).tolist() == [[5], [1], [7]]
    assert tensor.select(torch.tensor([1])).rows(torch.tensor([3])).tolist() == [[3]]
    assert MemberTensor(values[0]).rows(torch.tensor([[1], [2]])).tolist() == [[1], [2]]


def test_data_orders_repeat_the_single_run_permutations():
    order = DataOrder([3, 7], 20, "independent", torch.device("cpu"))
    first = order.epoch()
    generators = [torch.Generator().manual_seed(seed) for seed in (3, 7)]
    assert torch.equal(first, torch.stack([torch.randperm(20, generator=g) for g in generators]))
    shared = DataOrder([3, 7], 20, "shared", torch.device("cpu")).epoch()
    assert torch.equal(shared, first[0])
