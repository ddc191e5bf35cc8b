import pytest
import torch

from reglab.data.corrupt import (
    add_label_noise,
    gaussian_inputs,
    permute_pixels_per_sample,
    pixel_permutation,
    randomize_labels,
    shuffle_pixels,
)


def _generator(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _labels(count: int = 5000, classes: int = 10) -> torch.Tensor:
    return torch.arange(count) % classes


@pytest.mark.parametrize("probability", [0.2, 0.5, 0.8])
def test_label_noise_changes_p_times_k_minus_one_over_k(probability):
    labels = _labels()
    noisy = add_label_noise(labels, 10, probability, _generator())
    changed = (noisy != labels).float().mean().item()
    assert changed == pytest.approx(probability * 9 / 10, abs=0.03)
    assert noisy.dtype == torch.int64 and noisy.min() >= 0 and noisy.max() <= 9
    assert torch.equal(labels, _labels())  # input untouched


def test_label_noise_zero_and_one():
    labels = _labels(1000)
    assert torch.equal(add_label_noise(labels, 10, 0.0, _generator()), labels)
    fully = add_label_noise(labels, 10, 1.0, _generator())
    assert (fully == labels).float().mean().item() == pytest.approx(0.1, abs=0.03)


def test_random_labels_agree_with_truth_at_chance_and_cover_all_classes():
    labels = _labels()
    random = randomize_labels(labels, 10, _generator(1))
    assert (random == labels).float().mean().item() == pytest.approx(0.1, abs=0.02)
    counts = torch.bincount(random, minlength=10).float() / len(random)
    assert torch.all((counts - 0.1).abs() < 0.02)


def test_shuffle_pixels_moves_known_positions():
    image = torch.arange(4.0).reshape(1, 1, 2, 2)  # pixels 0 1 / 2 3
    shuffled = shuffle_pixels(image, torch.tensor([3, 2, 1, 0]))
    assert shuffled.tolist() == [[[[3.0, 2.0], [1.0, 0.0]]]]


def test_shuffle_pixels_moves_the_channels_of_a_pixel_together():
    image = torch.stack([torch.arange(9.0), torch.arange(9.0) + 100]).reshape(1, 2, 3, 3)
    permutation = pixel_permutation((2, 3, 3), _generator())
    shuffled = shuffle_pixels(image, permutation)
    assert len(permutation) == 9
    assert shuffled[0, 0].flatten().tolist() == permutation.float().tolist()
    assert torch.equal(shuffled[0, 1], shuffled[0, 0] + 100)


def test_random_pixels_keep_each_images_values_with_different_arrangements():
    generator = _generator(2)
    images = torch.rand(6, 3, 5, 5, generator=generator)
    images[:, 1] = images[:, 0] + 10  # a pixel's channels must still belong together afterwards
    permuted = permute_pixels_per_sample(images, _generator(3))
    for before, after in zip(images, permuted):
        assert torch.equal(before.flatten(1).sort(dim=1).values, after.flatten(1).sort(dim=1).values)
    assert torch.equal(permuted[:, 1], permuted[:, 0] + 10)
    for before, after in zip(images, permuted):
        assert not torch.equal(before, after)  # 25! arrangements: staying put means no permutation ran
    # the same image content gets a different permutation in different rows
    twins = torch.stack([images[0], images[0]])
    twins_permuted = permute_pixels_per_sample(twins, _generator(4))
    assert not torch.equal(twins_permuted[0], twins_permuted[1])


def test_random_pixels_on_vectors_permute_features():
    vectors = torch.arange(20.0).reshape(2, 10)
    permuted = permute_pixels_per_sample(vectors, _generator())
    assert permuted.shape == (2, 10)
    assert torch.equal(permuted.sort(dim=1).values, vectors)


def test_gaussian_inputs_match_mean_and_variance():
    mean = torch.tensor([0.5, -2.0]).reshape(1, 2, 1, 1)
    std = torch.tensor([0.1, 3.0]).reshape(1, 2, 1, 1)
    noise = gaussian_inputs((400, 2, 8, 8), mean, std, _generator())
    torch.testing.assert_close(noise.mean(dim=(0, 2, 3)), mean.flatten(), atol=0.05, rtol=0)
    torch.testing.assert_close(noise.std(dim=(0, 2, 3)), std.flatten(), atol=0.0, rtol=0.02)
