import pytest
import torch

from reglab.config import DataConfig
from reglab.data import load_data
from reglab.data.normalize import fit_normalization, statistic_dims


def _images() -> torch.Tensor:
    generator = torch.Generator().manual_seed(0)
    offsets = torch.tensor([0.0, 5.0, -3.0]).reshape(1, 3, 1, 1)
    scales = torch.tensor([1.0, 0.1, 4.0]).reshape(1, 3, 1, 1)
    return torch.randn(50, 3, 6, 6, generator=generator) * scales + offsets


def test_statistic_dims_per_channel_or_feature():
    assert statistic_dims(torch.zeros(2, 3, 4, 4)) == (0, 2, 3)
    assert statistic_dims(torch.zeros(2, 40)) == (0,)


def test_standardize_gives_zero_mean_unit_std_per_channel():
    images = _images()
    scaled = fit_normalization(images, "standardize").apply(images)
    torch.testing.assert_close(scaled.mean(dim=(0, 2, 3)), torch.zeros(3), atol=1e-5, rtol=0)
    torch.testing.assert_close(scaled.std(dim=(0, 2, 3), correction=0), torch.ones(3), atol=1e-5, rtol=0)


def test_minmax_maps_train_to_unit_interval_per_channel():
    images = _images()
    scaled = fit_normalization(images, "minmax").apply(images)
    assert torch.equal(scaled.amin(dim=(0, 2, 3)), torch.zeros(3))
    torch.testing.assert_close(scaled.amax(dim=(0, 2, 3)), torch.ones(3))


def test_vectors_are_scaled_per_feature_and_constant_features_stay_finite():
    vectors = torch.tensor([[1.0, 7.0, 0.0], [3.0, 7.0, 10.0]])
    normalization = fit_normalization(vectors, "standardize")
    assert normalization.apply(vectors).tolist() == [[-1.0, 0.0, -1.0], [1.0, 0.0, 1.0]]
    assert normalization.scale.tolist() == [[1.0, 1.0, 5.0]]  # zero std of feature 1 → 1


def test_none_is_the_identity():
    images = _images()
    assert torch.equal(fit_normalization(images, "none").apply(images), images)


def test_statistics_come_from_train_only_and_apply_to_every_split():
    raw = load_data(DataConfig(dataset="digits", normalize="none"), seed=4)
    scaled = load_data(DataConfig(dataset="digits", normalize="standardize"), seed=4)
    mean, std = raw.train_x.mean(), raw.train_x.std(correction=0)
    assert scaled.info["normalization"]["mean"] == pytest.approx([mean.item()])
    assert scaled.info["normalization"]["std"] == pytest.approx([std.item()])
    torch.testing.assert_close(scaled.test_x, (raw.test_x - mean) / std)
    torch.testing.assert_close(scaled.val_x, (raw.val_x - mean) / std)
    assert abs(scaled.train_x.mean().item()) < 1e-5
    assert abs(scaled.test_x.mean().item()) > 1e-4  # test is scaled with train's numbers, not its own


def test_regression_targets_are_not_normalized():
    data = load_data(DataConfig(dataset="toy_regression", normalize="standardize"), seed=0)
    raw_x = torch.linspace(0, 1, 40).unsqueeze(1)
    torch.testing.assert_close(data.test_y, 2 * raw_x)
