"""Presets of seed 002's tutorial: L1/L2, dropout, augmentation, learning rate, and
rethinking generalization (Zhang et al. 2017)."""

from __future__ import annotations

from reglab.compare.presets.base import ComparePreset, variant

__all__ = ["L1_L2", "DROPOUT", "AUGMENTATION", "LEARNING_RATE", "RETHINKING"]

# Seed 002, section 1: AnimalNet (x-128-32-K, log-softmax, NLL) trained on 30 images
# with SGD lr 5e-3, momentum 0.99, 150 epochs; penalties on every parameter
# (the lab sums over model.parameters()) with L2 = λ·Σw² (the lab's convention).
L1_L2 = ComparePreset(
    name="l1-l2",
    title="L1 and L2 regularization on a 30-image training set",
    source="seed 002, section 1 (L1 and L2 regularization)",
    base={
        "seed": 2021,
        "epochs": 150,
        "loss": "nll",
        "data": {"dataset": "digits", "train_size": 30, "val_size": 100, "batch_size": 128},
        "model": {"preset": "animalnet"},
        "optimizer": {"name": "sgd", "lr": 5e-3, "momentum": 0.99},
        "regularization": {"scope": "all", "l2_convention": "full"},
    },
    variants=(
        variant("unregularized"),
        variant("L1 λ₁=1e-3", regularization__l1=1e-3),
        variant("L2 λ₂=1e-3", regularization__l2=1e-3),
        variant("L1+L2 λ₁=λ₂=1e-3", regularization__l1=1e-3, regularization__l2=1e-3),
    ),
    expectation=(
        "Every run fits the 30 training images (train accuracy 100 %); the penalised runs end with a smaller "
        "parameter norm (the L1 term shrinks it most) at a similar or slightly better test accuracy and a "
        "lower test loss than the unregularized run."
    ),
)

# Seed 002, section 2: the toy regression (10 noisy points of y = 2x) with Net and
# NetDropout (Adam lr 1e-4, full batch), and BigAnimalNet vs AnimalNetDropout on a
# small image set (SGD lr 5e-3, momentum 0.9).
DROPOUT = ComparePreset(
    name="dropout",
    title="Dropout: toy regression with and without dropout; a bigger net vs a dropout net",
    source="seed 002, section 2 (dropout)",
    base={
        "seed": 2021,
        "epochs": 3000,
        "data": {"dataset": "toy_regression", "batch_size": 10, "normalize": "none"},
        "model": {"preset": "net_seed002"},
        "optimizer": {"name": "adam", "lr": 1e-4},
        "trajectory": {"snapshot_epochs": {"every": 150}},
    },
    variants=(
        variant("toy regression: Net"),
        variant("toy regression: NetDropout", model__preset="net_dropout"),
        variant(
            "digits: bigger net (BigAnimalNet)",
            epochs=200, loss="nll", data__dataset="digits", data__train_size=100, data__batch_size=32,
            data__normalize="standardize", model__preset="big_animalnet", optimizer__name="sgd", optimizer__lr=5e-3, optimizer__momentum=0.9,
            trajectory__snapshot_epochs=None,
        ),
        variant(
            "digits: dropout net (AnimalNetDropout)",
            epochs=200, loss="nll", data__dataset="digits", data__train_size=100, data__batch_size=32,
            data__normalize="standardize", model__preset="animalnet_dropout", optimizer__name="sgd", optimizer__lr=5e-3, optimizer__momentum=0.9,
            trajectory__snapshot_epochs=None,
        ),
    ),
    expectation=(
        "Without dropout the 1-300-500-1 net bends through the ten noisy points (train loss near 0, test loss "
        "to the true line grows); with dropout its curve stays closer to the line. On digits the dropout net "
        "has a smaller train/validation gap than the bigger net."
    ),
)

# Seed 002, section 3: AnimalNet on 250 images, SGD lr 1e-3, momentum 0.99; the lab's
# augmentation is random flips with p = 0.1. Flips turn a digit into a non-digit, so a
# small rotation and shift, the augmentation that suits digits, is compared as well.
AUGMENTATION = ComparePreset(
    name="augmentation",
    title="Data augmentation on a 250-image training set",
    source="seed 002, section 3 (data augmentation)",
    base={
        "seed": 2021,
        "epochs": 150,
        "loss": "nll",
        "data": {"dataset": "digits", "train_size": 250, "batch_size": 32},
        "model": {"preset": "animalnet"},
        "optimizer": {"name": "sgd", "lr": 1e-3, "momentum": 0.99},
    },
    variants=(
        variant("no augmentation"),
        variant("flips p=0.1 (the lab's)", augment__hflip=0.1, augment__vflip=0.1),
        variant("rotate ±15°, shift 10%", augment__affine_degrees=15.0, augment__affine_translate=0.1),
    ),
    expectation=(
        "Augmentation narrows the gap between train and validation accuracy; the rotation/shift, which keeps "
        "digits readable, helps validation accuracy more than flips."
    ),
)

# Seed 002, section 4.1: AnimalNet, momentum 0.99, learning rates 5e-4, 1e-3, 5e-3
# (20 epochs); 5e-2 added to show the "very large learning rate" warning.
LEARNING_RATE = ComparePreset(
    name="learning-rate",
    title="The learning rate as a regularizer",
    source="seed 002, section 4.1 (learning rate)",
    base={
        "seed": 2021,
        "epochs": 20,
        "loss": "nll",
        "data": {"dataset": "digits", "batch_size": 32},
        "model": {"preset": "animalnet"},
        "optimizer": {"name": "sgd", "momentum": 0.99},
    },
    variants=(
        variant("lr 5e-4", optimizer__lr=5e-4),
        variant("lr 1e-3", optimizer__lr=1e-3),
        variant("lr 5e-3", optimizer__lr=5e-3),
        variant("lr 5e-2 (too large)", optimizer__lr=5e-2),
    ),
    expectation=(
        "Within 20 epochs the larger of the lab's rates reaches the best validation accuracy and moves the "
        "parameters furthest; 5e-2 with momentum 0.99 overshoots and never recovers (chance accuracy)."
    ),
)

# Zhang et al. (2017), arXiv:1611.03530, on digits: 500 training images and a wide
# one-hidden-layer MLP memorise anything (Adam, 150 epochs). Label corruption touches
# the training set only, so test accuracy measures generalization to true labels.
RETHINKING = ComparePreset(
    name="rethinking-generalization",
    title="Rethinking generalization: a wide MLP memorises noise",
    source="seed 002 (random labels); Zhang et al. 2017, arXiv:1611.03530",
    base={
        "seed": 0,
        "epochs": 150,
        "data": {"dataset": "digits", "train_size": 500, "batch_size": 32},
        "model": {"hidden": [512]},
        "optimizer": {"name": "adam", "lr": 1e-3},
        "trajectory": {"snapshot_epochs": {"every": 25}},
    },
    variants=(
        variant("true labels"),
        variant("20% label noise", data__label_noise=0.2),
        variant("50% label noise", data__label_noise=0.5),
        variant("80% label noise", data__label_noise=0.8),
        variant("random labels", data__corruption="random_labels"),
        variant("shuffled pixels", data__corruption="shuffled_pixels"),
        variant("random pixels", data__corruption="random_pixels"),
    ),
    expectation=(
        "Train accuracy climbs to about 100 % in every run, noise included, while test accuracy falls with "
        "the label noise to chance (10 %) for random labels and random pixels. Shuffled pixels (one fixed "
        "permutation for train and test) do not hurt an MLP, which ignores pixel order. Noisier labels take "
        "more epochs to memorise."
    ),
)
