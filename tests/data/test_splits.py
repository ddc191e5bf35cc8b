import pytest
import torch

from reglab.config import ConfigError, DataConfig
from reglab.data import load_data
from reglab.data.splits import carve, resolve_count, split_indices


def test_resolve_count_reads_fractions_and_counts():
    assert resolve_count(0.1, 45, "data.val_size") == 5  # 4.5 rounds half up
    assert resolve_count(0.25, 10, "data.val_size") == 3  # 2.5 → 3
    assert resolve_count(7, 10, "data.val_size") == 7
    assert resolve_count(0.0, 10, "data.val_size") == 0


def test_count_larger_than_available_names_the_key():
    with pytest.raises(ConfigError, match=r"data\.train_size: got 11; allowed: a count <= 10"):
        resolve_count(11, 10, "data.train_size")


def test_carve_returns_sorted_disjoint_parts():
    rest, carved = carve(torch.arange(10), 3, torch.Generator().manual_seed(0))
    assert len(carved) == 3 and len(rest) == 7
    assert torch.equal(torch.cat([rest, carved]).sort().values, torch.arange(10))
    assert torch.equal(rest, rest.sort().values) and torch.equal(carved, carved.sort().values)


@pytest.mark.parametrize(
    ("val_size", "test_size", "train_size", "expected"),
    [
        (0.1, 0.2, None, (72, 8, 20)),  # test 20 of 100, val round(8.0) of 80
        (5, 10, None, (85, 5, 10)),
        (0.1, 0.2, 30, (30, 8, 20)),
        (0.1, 0.2, 0.5, (36, 8, 20)),
        (0, None, None, (100, 0, None)),
    ],
)
def test_split_sizes(val_size, test_size, train_size, expected):
    indices = split_indices(100, seed=3, val_size=val_size, test_size=test_size, train_size=train_size)
    sizes = (len(indices.train), len(indices.val), None if indices.test is None else len(indices.test))
    assert sizes == expected


def test_splits_are_disjoint_and_cover_the_pool():
    indices = split_indices(100, seed=1, val_size=0.1, test_size=0.2)
    parts = [indices.train, indices.val, indices.test]
    assert torch.equal(torch.cat(parts).sort().values, torch.arange(100))


def test_same_seed_same_split_other_seed_other_split():
    first = split_indices(500, seed=7, val_size=0.1, test_size=0.2, train_size=100)
    again = split_indices(500, seed=7, val_size=0.1, test_size=0.2, train_size=100)
    other = split_indices(500, seed=8, val_size=0.1, test_size=0.2, train_size=100)
    for name in ("train", "val", "test"):
        assert torch.equal(getattr(first, name), getattr(again, name))
    assert not torch.equal(first.val, other.val)


def test_train_size_takes_a_subset_of_the_full_training_split_and_keeps_val():
    full = split_indices(300, seed=2, val_size=30, test_size=None)
    subset = split_indices(300, seed=2, val_size=30, test_size=None, train_size=50)
    assert torch.equal(full.val, subset.val)
    assert len(subset.train) == 50
    assert set(subset.train.tolist()) <= set(full.train.tolist())


def test_sizes_leaving_no_training_sample_are_refused():
    with pytest.raises(ConfigError, match=r"data\.val_size"):
        split_indices(10, seed=0, val_size=10, test_size=None)
    with pytest.raises(ConfigError, match=r"data\.train_size"):
        split_indices(10, seed=0, val_size=0, test_size=None, train_size=0.01)
    with pytest.raises(ConfigError, match=r"data\.test_size: got 20"):
        split_indices(10, seed=0, val_size=0, test_size=20)


def test_load_data_splits_have_no_shared_rows():
    config = DataConfig(dataset="moons", n_samples=400, val_size=0.25, test_size=0.25, normalize="none")
    data = load_data(config, seed=0)
    rows = [tuple(row.tolist()) for row in torch.cat([data.train_x, data.val_x, data.test_x])]
    assert len(set(rows)) == 400  # moons points are distinct, so 400 unique rows = disjoint splits
    assert (len(data.train_x), len(data.val_x), len(data.test_x)) == (225, 75, 100)


def test_load_data_train_size_count_like_the_augmentation_lab():
    data = load_data(DataConfig(dataset="digits", val_size=100, train_size=30), seed=0)
    assert (len(data.train_x), len(data.val_x), len(data.test_x)) == (30, 100, 359)
    with pytest.raises(ConfigError, match=r"data\.train_size: got 5000"):
        load_data(DataConfig(dataset="digits", train_size=5000), seed=0)
