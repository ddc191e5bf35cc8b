"""Presets of seed 000's lab and homework: the regularization lab, early stopping (Prechelt),
lottery tickets (the pruning lab taken further) and Rumelhart et al.'s symmetry network."""

from __future__ import annotations

from reglab.compare.presets.base import ComparePreset, variant

__all__ = ["SEED000_LAB", "EARLY_STOPPING", "LOTTERY_TICKET", "RUMELHART"]

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
        variant("plain"),
        variant("weight decay 5e-4", optimizer__weight_decay=5e-4),
        variant("batchnorm", model__norm="batch"),
        # In [8] of the lab: BatchNorm after each ReLU, Dropout(0.2), weight decay 5e-4.
        variant("batchnorm + dropout", model__preset="mlp_bn_drop", optimizer__weight_decay=5e-4),
        variant("50% pruning", pruning__method="magnitude", pruning__amount=0.5, pruning__start_epoch=20),
        variant("E_opt (best val epoch)", early_stopping__restore_best=True, early_stopping__monitor="val/acc"),
    ),
    expectation=(
        "Weight decay ends with a clearly smaller parameter norm than the plain run at similar or better "
        "accuracy; batchnorm trains faster; pruning half of the weights after epoch 20 costs little accuracy "
        "once fine-tuned; E_opt keeps the weights of the epoch with the best validation accuracy."
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
        variant("no stopping", early_stopping__restore_best=False),
        variant("patience 10", early_stopping__criterion="patience", early_stopping__patience=10),
        variant("GL_5", early_stopping__criterion="gl", early_stopping__alpha=5.0),
        variant("PQ_2 (strip 5)", early_stopping__criterion="pq", early_stopping__alpha=2.0, early_stopping__strip=5),
        variant("UP_3 (strip 5)", early_stopping__criterion="up", early_stopping__successive_strips=3,
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
        variant("rewind to init (ticket)", pruning__control="rewind"),
        variant("random re-init (control)", pruning__control="reinit"),
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
        variant("eq. 8: gradient descent, ε=0.1"),
        variant("eq. 9: ε=0.1, momentum α=0.9 (the paper's run)", optimizer__momentum=0.9),
        variant("eq. 8 with a 10× step, ε=1", optimizer__lr=32.0),
    ),
    expectation=(
        "With momentum (the paper's protocol) and with plain gradient descent at a ten times larger step, the "
        "net classifies all 64 patterns and finds the paper's solution: mirror weights of equal size and "
        "opposite sign, in ratio 1:2:4. Plain gradient descent with the paper's ε is ten times slower and "
        "has not finished in 1,425 sweeps."
    ),
)
