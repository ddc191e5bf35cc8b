"""reglab's CNN (`model.kind: cnn`, the stacked CNN engine) against the same network built
from nn.Conv2d / nn.BatchNorm2d / nn.MaxPool2d / nn.Dropout2d and stepped by torch.optim;
flips, crops and CutMix written out by hand, drawing from PyTorch's global generator where
the run's own stream starts (`reglab.population.streams`)."""

from __future__ import annotations

import tempfile

import pytest
import torch
from torch import nn
from torch.nn import functional as F

import reglab
from reglab.config import validate_config
from reglab.contract.batches import batch_starts
from reglab.data import DataSplits
from reglab.models import build_model
from tests.reference.harness import CLASSES, assert_same_weights, config, param_groups, train_reference

SHAPE = (1, 8, 8)


def tiny_images() -> DataSplits:
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(40, *SHAPE, generator=generator)
    y = torch.randint(0, CLASSES, (40,), generator=generator)
    return DataSplits(
        name="tiny-images", task="classification", num_classes=CLASSES, input_shape=SHAPE, output_dim=CLASSES,
        train_x=x, train_y=y, val_x=x[:8], val_y=y[:8], test_x=x[:8], test_y=y[:8], info={},
    )


class ReferenceConvBlock(nn.Module):
    def __init__(self, channels_in: int, channels: int, norm: bool, channel_dropout: float) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels_in, channels, 3, padding="same")
        self.norm = nn.BatchNorm2d(channels) if norm else nn.Identity()
        self.dropout = nn.Dropout2d(channel_dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.max_pool2d(self.dropout(torch.relu(self.norm(self.conv(x)))), 2)


class ReferenceHidden(nn.Module):
    def __init__(self, width_in: int, width: int, norm: bool) -> None:
        super().__init__()
        self.linear = nn.Linear(width_in, width)
        self.norm = nn.BatchNorm1d(width) if norm else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.norm(self.linear(x)))


class ReferenceCNN(nn.Module):
    """conv → (batch norm) → ReLU → channel dropout → 2×2 max-pool per block, then
    flatten → linear → (batch norm) → ReLU → head."""

    def __init__(self, channels: list[int], hidden: int, norm: bool, channel_dropout: float = 0.0) -> None:
        super().__init__()
        widths = [SHAPE[0], *channels]
        self.conv = nn.Sequential(*(ReferenceConvBlock(a, b, norm, channel_dropout) for a, b in zip(widths, widths[1:])))
        side = SHAPE[1] // 2 ** len(channels)
        self.hidden = nn.Sequential(ReferenceHidden(channels[-1] * side * side, hidden, norm))
        self.head = nn.Linear(hidden, CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.hidden(self.conv(x).flatten(1)))


def cnn_overrides(norm: bool, channel_dropout: float = 0.0) -> dict:
    return {"model.kind": "cnn", "model.channels": [4, 8], "model.hidden": [16], "model.activation": "relu",
            "model.norm": "batch" if norm else "none", "model.norm_position": "before", "model.channel_dropout": channel_dropout}


def initial_reference(norm: bool, channel_dropout: float = 0.0) -> ReferenceCNN:
    """The run's initial weights; PyTorch's global generator left where the run's stream starts."""
    reference = ReferenceCNN([4, 8], 16, norm, channel_dropout)  # its own construction draws: before seeding
    torch.manual_seed(0)
    built = build_model(validate_config(config(cnn_overrides(norm, channel_dropout))).model, SHAPE, CLASSES)
    reference.load_state_dict(built.state_dict(), strict=True)
    return reference


@pytest.mark.parametrize("norm", [False, True], ids=["plain", "batchnorm"])
def test_cnn_equals_torch_conv_layers(norm):
    overrides = {**cnn_overrides(norm), "optimizer.momentum": 0.9, "optimizer.weight_decay": 1e-2}
    with tempfile.TemporaryDirectory(prefix="reglab-test-") as store:
        run = reglab.train(config(overrides, lr=0.05), data=tiny_images(), store=store)
    reference = train_reference(
        initial_reference(norm), lambda m: torch.optim.SGD(param_groups(m, 1e-2), lr=0.05, momentum=0.9), data=tiny_images()
    )
    # the stacked CNN engine's channels-last convolutions sum in another order (see the contract test)
    assert_same_weights(run.model, reference, rtol=1e-4, atol=1e-5, moved_from=initial_reference(norm))


def test_channel_dropout_cnn_equals_dropout2d_with_the_same_stream():
    """nn.Dropout2d drawing from the global generator where the run's own stream starts (`reglab.population.streams`)."""
    overrides = {**cnn_overrides(False, 0.3), "optimizer.momentum": 0.9}
    with tempfile.TemporaryDirectory(prefix="reglab-test-") as store:
        run = reglab.train(config(overrides, lr=0.05), data=tiny_images(), store=store)
    state = torch.get_rng_state()
    try:
        reference = train_reference(
            initial_reference(False, 0.3), lambda m: torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9), data=tiny_images()
        )
        start = initial_reference(False, 0.0)
        undropped = train_reference(
            initial_reference(False, 0.0), lambda m: torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9), data=tiny_images()
        )
    finally:
        torch.set_rng_state(state)
    assert_same_weights(run.model, reference, rtol=1e-4, atol=1e-5, moved_from=start)
    assert not torch.allclose(run.model.state_dict()["head.weight"], undropped.head.weight, atol=1e-4)  # the masks matter


class Flipped(nn.Module):
    """Each training image flipped left-right where u < p_h, then up-down where u′ < p_v,
    u and u′ uniform per image (torch.rand), before the network."""

    def __init__(self, network: nn.Module, horizontal: float, vertical: float) -> None:
        super().__init__()
        self.network, self.horizontal, self.vertical = network, horizontal, vertical

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            left_right = torch.rand(x.shape[0]) < self.horizontal
            x = torch.where(left_right.view(-1, 1, 1, 1), x.flip(-1), x)
            up_down = torch.rand(x.shape[0]) < self.vertical
            x = torch.where(up_down.view(-1, 1, 1, 1), x.flip(-2), x)
        return self.network(x)


def test_flipped_cnn_run_equals_flips_drawn_from_the_same_stream():
    overrides = {**cnn_overrides(False), "augment.hflip": 0.5, "augment.vflip": 0.3, "optimizer.momentum": 0.9}
    with tempfile.TemporaryDirectory(prefix="reglab-test-") as store:
        run = reglab.train(config(overrides, lr=0.05), data=tiny_images(), store=store)
    state = torch.get_rng_state()
    try:
        network = initial_reference(False)
        train_reference(Flipped(network, 0.5, 0.3), lambda m: torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9), data=tiny_images())
        start = initial_reference(False)
        unflipped = train_reference(initial_reference(False), lambda m: torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9), data=tiny_images())
    finally:
        torch.set_rng_state(state)
    assert_same_weights(run.model, network, rtol=1e-4, atol=1e-5, moved_from=start)
    assert not torch.allclose(run.model.state_dict()["head.weight"], unflipped.head.weight, atol=1e-4)


class Cropped(nn.Module):
    """Each training image padded by p pixels of the training set's darkest value, then an
    8×8 window cut at a corner (dy, dx) uniform on {0, …, 2p}² (torch.randint), before the network."""

    def __init__(self, network: nn.Module, padding: int, fill: float) -> None:
        super().__init__()
        self.network, self.padding, self.fill = network, padding, fill

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            corners = torch.randint(0, 2 * self.padding + 1, (x.shape[0], 2))
            padded = nn.functional.pad(x, (self.padding,) * 4, value=self.fill)
            x = torch.stack([image[:, dy : dy + SHAPE[1], dx : dx + SHAPE[2]] for image, (dy, dx) in zip(padded, corners.tolist())])
        return self.network(x)


def test_cropped_cnn_run_equals_padded_crops_drawn_from_the_same_stream():
    overrides = {**cnn_overrides(False), "augment.crop_padding": 2, "optimizer.momentum": 0.9}
    with tempfile.TemporaryDirectory(prefix="reglab-test-") as store:
        run = reglab.train(config(overrides, lr=0.05), data=tiny_images(), store=store)
    state = torch.get_rng_state()
    try:
        network = initial_reference(False)
        fill = tiny_images().train_x.min().item()
        train_reference(Cropped(network, 2, fill), lambda m: torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9), data=tiny_images())
        start = initial_reference(False)
    finally:
        torch.set_rng_state(state)
    assert_same_weights(run.model, network, rtol=1e-4, atol=1e-5, moved_from=start)


def cutmix_by_hand(x: torch.Tensor, y: torch.Tensor, alpha: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Yun et al. 2019, per sample: λ ~ Beta(α, α), a partner π (randperm), a centre (randint rows,
    then columns); the box of side ⌊H·√(1 − λ)⌋ (halved, floored) around it, clipped, gets the
    partner's pixels; the target mixes by the pasted share."""
    count, height, width = x.shape[0], SHAPE[1], SHAPE[2]
    weights = torch.distributions.Beta(torch.tensor(alpha), torch.tensor(alpha)).sample((count,))
    partners = torch.randperm(count)
    rows, columns = torch.randint(0, height, (count,)), torch.randint(0, width, (count,))
    mixed, targets = x.clone(), F.one_hot(y, CLASSES).float()
    mixed_targets = targets.clone()
    for i in range(count):
        cut = (1 - weights[i].item()) ** 0.5
        half_h, half_w = int(height * cut) // 2, int(width * cut) // 2
        top, bottom = max(rows[i].item() - half_h, 0), min(rows[i].item() + half_h, height)
        left, right = max(columns[i].item() - half_w, 0), min(columns[i].item() + half_w, width)
        mixed[i, :, top:bottom, left:right] = x[partners[i], :, top:bottom, left:right]
        pasted = (bottom - top) * (right - left) / (height * width)
        mixed_targets[i] = (1 - pasted) * targets[i] + pasted * targets[partners[i]]
    return mixed, mixed_targets


def test_cutmix_cnn_run_equals_boxes_drawn_from_the_same_stream():
    overrides = {**cnn_overrides(False), "augment.cutmix_alpha": 1.0, "optimizer.momentum": 0.9}
    with tempfile.TemporaryDirectory(prefix="reglab-test-") as store:
        run = reglab.train(config(overrides, lr=0.05), data=tiny_images(), store=store)
    data = tiny_images()
    state = torch.get_rng_state()
    try:
        model = initial_reference(False)
        start = {name: value.clone() for name, value in model.state_dict().items()}
        optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        order_generator = torch.Generator().manual_seed(0)
        for _ in range(3):
            order = torch.randperm(40, generator=order_generator)
            for first in batch_starts(40, 8):
                rows = order[first : first + 8]
                mixed, targets = cutmix_by_hand(data.train_x[rows], data.train_y[rows], 1.0)
                optimizer.zero_grad()
                F.cross_entropy(model(mixed), targets).backward()
                optimizer.step()
    finally:
        torch.set_rng_state(state)
    assert_same_weights(run.model, model, rtol=1e-4, atol=1e-5)
    assert (run.model.state_dict()["head.weight"] - start["head.weight"]).abs().max() > 1e-2
