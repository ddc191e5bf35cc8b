"""Named comparisons of the course labs, written as data: a base config and labelled
variants of dotted-key overrides. `reglab compare --preset NAME` trains them all on
the same data split and seed and writes one report.

Every preset runs offline (digits, toy_regression or symmetry). `describe_presets()`
lists them; `PRESETS[name]` gives one. What each shows is in its `expectation`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from reglab.compare.variants import Variant

__all__ = ["ComparePreset", "PRESETS", "preset_names", "get_preset"]


@dataclass(frozen=True)
class ComparePreset:
    """A named comparison.

    Attributes:
        name: the `--preset` name.
        title: the report's title.
        source: the lab (seed) or paper it reproduces.
        base: nested config keys shared by every variant.
        variants: labelled overrides, one run each, in report order.
        expectation: what the comparison should show, in one paragraph.
    """

    name: str
    title: str
    source: str
    base: Mapping[str, Any]
    variants: tuple[Variant, ...]
    expectation: str


def _variant(label: str, **overrides: Any) -> Variant:
    """`_variant("L2", regularization__l2=1e-3)` -> Variant("L2", (("regularization.l2", 1e-3),))."""
    return Variant(label, tuple((key.replace("__", "."), value) for key, value in overrides.items()))


# The seed-000 MLP (16-32-24, ReLU) with the lab's SGD (lr 0.1, momentum 0.9) on digits.
# Batch 64 keeps plain SGD stable on 1,437 training images (batch 32 oscillates).
SEED000_LAB = ComparePreset(
    name="seed000-lab",
    title="Seed 000's regularization lab on digits",
    source="seed 000: weight decay, batchnorm, batchnorm + dropout, pruning, E_opt early stopping",
    base={
        "seed": 0,
        "epochs": 40,
        "data": {"dataset": "digits", "batch_size": 64},
        "model": {"preset": "mlp_seed000"},
        "optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.9},
        # Snapshots feed the weight histograms and `reglab analyze` (PCA path, loss surface).
        "trajectory": {"snapshot_epochs": {"every": 5}},
    },
    variants=(
        _variant("plain"),
        _variant("weight decay 5e-4", optimizer__weight_decay=5e-4),
        _variant("batchnorm", model__norm="batch"),
        # In [8] of the lab: BatchNorm after each ReLU, Dropout(0.2), weight decay 5e-4.
        _variant("batchnorm + dropout", model__preset="mlp_bn_drop", optimizer__weight_decay=5e-4),
        _variant("50% pruning", pruning__method="magnitude", pruning__amount=0.5, pruning__start_epoch=20),
        _variant("E_opt (best val epoch)", early_stopping__restore_best=True, early_stopping__monitor="val/acc"),
    ),
    expectation=(
        "Weight decay ends with a clearly smaller parameter norm than the plain run at similar or better "
        "accuracy; batchnorm trains faster; pruning half of the weights after epoch 20 costs little accuracy "
        "once fine-tuned; E_opt keeps the weights of the epoch with the best validation accuracy."
    ),
)

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
        _variant("unregularized"),
        _variant("L1 λ₁=1e-3", regularization__l1=1e-3),
        _variant("L2 λ₂=1e-3", regularization__l2=1e-3),
        _variant("L1+L2 λ₁=λ₂=1e-3", regularization__l1=1e-3, regularization__l2=1e-3),
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
        _variant("toy regression: Net"),
        _variant("toy regression: NetDropout", model__preset="net_dropout"),
        _variant(
            "digits: bigger net (BigAnimalNet)",
            epochs=200, loss="nll", data__dataset="digits", data__train_size=100, data__batch_size=32,
            data__normalize="standardize", model__preset="big_animalnet", optimizer__name="sgd", optimizer__lr=5e-3, optimizer__momentum=0.9,
            trajectory__snapshot_epochs=None,
        ),
        _variant(
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
        _variant("no augmentation"),
        _variant("flips p=0.1 (the lab's)", augment__hflip=0.1, augment__vflip=0.1),
        _variant("rotate ±15°, shift 10%", augment__affine_degrees=15.0, augment__affine_translate=0.1),
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
        _variant("lr 5e-4", optimizer__lr=5e-4),
        _variant("lr 1e-3", optimizer__lr=1e-3),
        _variant("lr 5e-3", optimizer__lr=5e-3),
        _variant("lr 5e-2 (too large)", optimizer__lr=5e-2),
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
        _variant("true labels"),
        _variant("20% label noise", data__label_noise=0.2),
        _variant("50% label noise", data__label_noise=0.5),
        _variant("80% label noise", data__label_noise=0.8),
        _variant("random labels", data__corruption="random_labels"),
        _variant("shuffled pixels", data__corruption="shuffled_pixels"),
        _variant("random pixels", data__corruption="random_pixels"),
    ),
    expectation=(
        "Train accuracy climbs to about 100 % in every run, noise included, while test accuracy falls with "
        "the label noise to chance (10 %) for random labels and random pixels. Shuffled pixels (one fixed "
        "permutation for train and test) do not hurt an MLP, which ignores pixel order. Noisier labels take "
        "more epochs to memorise."
    ),
)

# Seed 004's initialisations on a ReLU MLP: "xavier" N(0, 2/(fan_in+fan_out)),
# "he" N(0, 2/fan_in), normal N(0, 1), uniform U(-1, 1), zeros, ones; biases zero.
INIT_SCHEMES = ComparePreset(
    name="init-schemes",
    title="Weight initialization schemes",
    source="seed 004 (weights initialization)",
    base={
        "seed": 0,
        "epochs": 30,
        "data": {"dataset": "digits", "batch_size": 64},
        "model": {"hidden": [64, 64], "activation": "relu", "init_bias": "zeros"},
        "optimizer": {"name": "sgd", "lr": 0.05, "momentum": 0.9},
    },
    variants=(
        _variant("xavier (normal)", model__init="xavier_normal"),
        _variant("he (normal)", model__init="kaiming_normal"),
        _variant("normal N(0, 1)", model__init="normal", model__init_std=1.0),
        _variant("uniform U(-1, 1)", model__init="uniform", model__init_bound=1.0),
        _variant("zeros", model__init="zeros"),
        _variant("ones", model__init="ones"),
    ),
    expectation=(
        "Xavier and He train well; N(0, 1) starts with huge activations and at this learning rate does not "
        "train at all (the first steps leave the ReLUs dead); U(-1, 1) trains but ends below Xavier and He; "
        "zeros and ones never break the symmetry: every hidden unit of a layer stays identical (1 distinct "
        "unit of 64 in the notes) and accuracy stays at chance."
    ),
)

# Prechelt (1998): patience vs GL_α vs PQ_α vs UP_s. 30 % label noise makes the overfitting
# phase visible: the wide MLP first learns the clean signal (validation error lowest near
# epoch 20), then memorises the noise. GL, PQ and UP read the error rates 1 − accuracy;
# patience reads val/loss. Each stopping run keeps its best-val/loss weights.
EARLY_STOPPING = ComparePreset(
    name="early-stopping",
    title="Early stopping criteria: patience, GL, PQ, UP",
    source="seed 000 homework 3-4; Prechelt 1998, 'Early stopping - but when?'",
    base={
        "seed": 0,
        "epochs": 100,
        "data": {"dataset": "digits", "train_size": 500, "val_size": 0.2, "label_noise": 0.3, "batch_size": 32},
        "model": {"hidden": [512]},
        "optimizer": {"name": "adam", "lr": 3e-4},
        "early_stopping": {"monitor": "val/loss", "restore_best": True},
    },
    variants=(
        _variant("no stopping", early_stopping__restore_best=False),
        _variant("patience 10", early_stopping__criterion="patience", early_stopping__patience=10),
        _variant("GL_5", early_stopping__criterion="gl", early_stopping__alpha=5.0),
        _variant("PQ_2 (strip 5)", early_stopping__criterion="pq", early_stopping__alpha=2.0, early_stopping__strip=5),
        _variant("UP_3 (strip 5)", early_stopping__criterion="up", early_stopping__successive_strips=3,
                 early_stopping__strip=5),
    ),
    expectation=(
        "With 30 % noisy training labels the validation error is lowest around epoch 20 and then rises while "
        "the net memorises the noise. Every criterion stops long before epoch 100 (of Prechelt's three, GL "
        "first and UP last), and the weights each one keeps score a higher test accuracy than the 100-epoch run."
    ),
)

# Frankle & Carbin (2019), arXiv:1803.03635: iterative magnitude pruning, 50 % of the
# remaining weights per round; survivors rewound to their initial values (the ticket)
# or re-initialised at random (the control).
LOTTERY_TICKET = ComparePreset(
    name="lottery-ticket",
    title="Lottery tickets: rewinding vs random re-initialisation",
    source="Frankle & Carbin 2019, arXiv:1803.03635",
    base={
        "seed": 0,
        "epochs": 15,
        "data": {"dataset": "digits", "batch_size": 64},
        "model": {"hidden": [128, 64]},
        "optimizer": {"name": "sgd", "lr": 0.05, "momentum": 0.9},
        "pruning": {"method": "lottery", "amount": 0.5, "rounds": 5, "scope": "global"},
    },
    variants=(
        _variant("rewind to init (ticket)", pruning__control="rewind"),
        _variant("random re-init (control)", pruning__control="reinit"),
    ),
    expectation=(
        "As sparsity grows to 97 %, the rewound ticket keeps its accuracy longer than the randomly "
        "re-initialised network with the same mask."
    ),
)

# Rumelhart, Hinton & Williams (1986): the 6-2-1 sigmoid net on the 64 mirror-symmetry
# patterns, full batch, E = ½Σ(y − d)², weights from U(−0.3, 0.3), 1,425 sweeps.
# reglab's `mse` is the mean over the 64 patterns, (1/64)Σ(y − d)² = E/32, so the
# paper's ε = 0.1 on ∂E/∂w is lr = 3.2 here.
RUMELHART = ComparePreset(
    name="rumelhart-1986",
    title="Rumelhart, Hinton & Williams (1986): learning to detect mirror symmetry",
    source="seed 000 homework 5; Rumelhart, Hinton & Williams, Nature 323:533-536 (1986)",
    base={
        "seed": 1,
        "epochs": 1425,
        "loss": "mse",
        "data": {"dataset": "symmetry", "batch_size": 64, "normalize": "none"},
        "model": {"preset": "rumelhart_6_2_1"},
        "optimizer": {"name": "sgd", "lr": 3.2, "momentum": 0.0},
    },
    variants=(
        _variant("eq. 8: gradient descent, ε=0.1"),
        _variant("eq. 9: ε=0.1, momentum α=0.9 (the paper's run)", optimizer__momentum=0.9),
        _variant("eq. 8 with a 10× step, ε=1", optimizer__lr=32.0),
    ),
    expectation=(
        "With momentum (the paper's protocol) and with plain gradient descent at a ten times larger step, the "
        "net classifies all 64 patterns and finds the paper's solution: mirror weights of equal size and "
        "opposite sign, in ratio 1:2:4. Plain gradient descent with the paper's ε is ten times slower and "
        "has not finished in 1,425 sweeps."
    ),
)

PRESETS: dict[str, ComparePreset] = {
    preset.name: preset
    for preset in (
        SEED000_LAB,
        L1_L2,
        DROPOUT,
        AUGMENTATION,
        LEARNING_RATE,
        RETHINKING,
        INIT_SCHEMES,
        EARLY_STOPPING,
        LOTTERY_TICKET,
        RUMELHART,
    )
}


def preset_names() -> list[str]:
    return list(PRESETS)


def get_preset(name: str) -> ComparePreset:
    """The preset called `name`, or a ConfigError listing the names."""
    from reglab.config import ConfigError

    if name not in PRESETS:
        raise ConfigError("--preset", name, ", ".join(PRESETS))
    return PRESETS[name]
