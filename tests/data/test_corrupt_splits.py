import pytest
import torch

from reglab.config import ConfigError, DataConfig
from reglab.data import load_data
from reglab.data.corrupt_splits import corrupt_splits


CORRUPTIONS = [
    {"label_noise": 0.5},
    {"corruption": "random_labels"},
    {"corruption": "random_pixels"},
    {"corruption": "gaussian"},
]


def _splits(seed: int = 0) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    generator = torch.Generator().manual_seed(seed)
    result = {}
    for name, count in (("train", 3000), ("val", 500), ("test", 500)):
        result[name] = (torch.rand(count, 1, 4, 4, generator=generator), torch.arange(count) % 10)
    return result


def _config(**keys) -> DataConfig:
    return DataConfig(dataset="digits", **keys)


@pytest.mark.parametrize("keys", CORRUPTIONS)
def test_eval_splits_stay_true_without_corrupt_eval(keys):
    splits = _splits()
    corrupted, _ = corrupt_splits(splits, _config(**keys), "classification", 10, seed=0)
    for name in ("val", "test"):
        assert corrupted[name][0] is splits[name][0] and corrupted[name][1] is splits[name][1]
    changed_inputs = not torch.equal(corrupted["train"][0], splits["train"][0])
    changed_labels = not torch.equal(corrupted["train"][1], splits["train"][1])
    assert changed_inputs or changed_labels


@pytest.mark.parametrize("keys", CORRUPTIONS)
def test_corrupt_eval_corrupts_val_and_test_too(keys):
    splits = _splits()
    corrupted, _ = corrupt_splits(splits, _config(corrupt_eval=True, **keys), "classification", 10, seed=0)
    for name in ("val", "test"):
        same_inputs = torch.equal(corrupted[name][0], splits[name][0])
        same_labels = torch.equal(corrupted[name][1], splits[name][1])
        assert not (same_inputs and same_labels)


def test_label_noise_record_reports_the_fraction_changed():
    splits = _splits()
    corrupted, record = corrupt_splits(splits, _config(label_noise=0.4), "classification", 10, seed=0)
    changed = (corrupted["train"][1] != splits["train"][1]).float().mean().item()
    assert record["train_labels_changed"] == pytest.approx(changed)
    assert changed == pytest.approx(0.36, abs=0.03)
    assert "val_labels_changed" not in record


def test_shuffled_pixels_use_one_permutation_for_every_split():
    splits = _splits()
    known = torch.arange(16.0).reshape(1, 4, 4)
    splits["train"][0][0] = known
    splits["test"][0][0] = known
    corrupted, record = corrupt_splits(splits, _config(corruption="shuffled_pixels"), "classification", 10, seed=0)
    shuffled_train, shuffled_test = corrupted["train"][0][0], corrupted["test"][0][0]
    assert torch.equal(shuffled_train, shuffled_test)
    assert not torch.equal(shuffled_train, known)
    assert sorted(shuffled_train.flatten().tolist()) == known.flatten().tolist()
    assert record["inputs_corrupted"] == ["train", "val", "test"]
    assert torch.equal(corrupted["test"][1], splits["test"][1])  # labels stay true


def test_corruption_is_fixed_by_the_seed():
    first, _ = corrupt_splits(_splits(), _config(label_noise=0.3, corruption="random_pixels"), "classification", 10, 5)
    again, _ = corrupt_splits(_splits(), _config(label_noise=0.3, corruption="random_pixels"), "classification", 10, 5)
    other, _ = corrupt_splits(_splits(), _config(label_noise=0.3, corruption="random_pixels"), "classification", 10, 6)
    assert torch.equal(first["train"][0], again["train"][0]) and torch.equal(first["train"][1], again["train"][1])
    assert not torch.equal(first["train"][1], other["train"][1])


def test_label_corruption_on_regression_is_refused():
    with pytest.raises(ConfigError, match=r"data\.label_noise: got 0\.2.*regression"):
        load_data(DataConfig(dataset="toy_regression", label_noise=0.2), seed=0)
    with pytest.raises(ConfigError, match=r"data\.corruption: got 'random_labels'"):
        load_data(DataConfig(dataset="toy_regression", corruption="random_labels"), seed=0)


def test_load_data_random_labels_on_digits_are_at_chance_and_eval_stays_true():
    clean = load_data(DataConfig(dataset="digits"), seed=0)
    random = load_data(DataConfig(dataset="digits", corruption="random_labels"), seed=0)
    agreement = (random.train_y == clean.train_y).float().mean().item()
    assert agreement == pytest.approx(0.1, abs=0.04)
    assert torch.equal(random.test_y, clean.test_y) and torch.equal(random.val_y, clean.val_y)
    assert random.info["corruption"]["train_labels_changed"] == pytest.approx(1 - agreement)


def test_load_data_gaussian_inputs_match_the_data_statistics():
    clean = load_data(DataConfig(dataset="digits", normalize="none"), seed=0)
    noise = load_data(DataConfig(dataset="digits", normalize="none", corruption="gaussian"), seed=0)
    assert noise.train_x.mean().item() == pytest.approx(clean.train_x.mean().item(), abs=0.01)
    assert noise.train_x.var().item() == pytest.approx(clean.train_x.var().item(), rel=0.03)
    assert torch.equal(noise.test_x, clean.test_x)


def test_binary_labels_get_noise_as_zero_or_one_floats():
    data = load_data(DataConfig(dataset="symmetry", corruption="random_labels"), seed=0)
    assert data.train_y.dtype == torch.float32 and data.train_y.shape == (64, 1)
    assert set(data.train_y.flatten().tolist()) <= {0.0, 1.0}
