"""Presets of seed 000's lab and homework: the regularization lab, early stopping (Prechelt),
lottery tickets (the pruning lab taken further) and Rumelhart et al.'s symmetry network."""

from __future__ import annotations

from reglab.compare.presets.base import ComparePreset, variant

__all__ = ["SEED000_LAB", "EARLY_STOPPING", "LOTTERY_FRACTIONS", "LOTTERY_TICKET", "RUMELHART"]

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

# Prechelt (1998): train every run to the end, record train/val/test every epoch, then
# ask of each criterion (GL_α, PQ_α, UP_s at several thresholds) when it would have
# stopped and what test error the weights it keeps have (`reglab.compare.papers.prechelt`
# replays the histories through the live `EarlyStopping`). Label noise makes the
# overfitting phase visible: the net first learns the clean signal, then memorises the
# noise. 16 configs (noise × learning rate × width) × 16 seeds = 256 runs, trained as
# populations (one per width; the seeds, rates and noise levels are members).
_PRECHELT_NOISE = (0.1, 0.2, 0.3, 0.4)
_PRECHELT_LR = (3e-4, 1e-3)
_PRECHELT_WIDTH = (128, 512)
EARLY_STOPPING = ComparePreset(
    name="early-stopping",
    title="Early stopping - but when? Prechelt's criteria on populations of runs",
    source="seed 000 homework 3-4; Prechelt 1998, 'Early stopping - but when?'",
    base={
        "seed": 0,
        "epochs": 100,
        "data": {"dataset": "digits", "train_size": 500, "val_size": 0.2, "batch_size": 32},
        "model": {"hidden": [128]},
        "optimizer": {"name": "adam", "lr": 3e-4},
    },
    variants=tuple(
        variant(f"noise {noise:.0%}, lr {lr:g}, width {width}", data__label_noise=noise, optimizer__lr=lr,
                model__hidden=[width])
        for width in _PRECHELT_WIDTH for lr in _PRECHELT_LR for noise in _PRECHELT_NOISE
    ),
    expectation=(
        "Each run trains 100 epochs without stopping; the report replays every history through GL_1…GL_5, "
        "PQ_0.5…PQ_3 and UP_2…UP_4 (strips of 5 epochs) and tabulates, as Prechelt did, how long each criterion "
        "trains (relative to the best-validation epoch and to the fastest criterion) against the test error of "
        "the weights it keeps (relative to the best validation epoch). Prechelt's finding: slower criteria "
        "(larger thresholds) buy a small improvement in generalization at a large cost in training time."
    ),
    seeds=16,
    backend="population",
)

# Frankle & Carbin (2019), arXiv:1803.03635, Lenet-300-100 on MNIST, scaled to digits
# (8×8 images; 1,294 training, 144 validation, 359 test images): MLP 64-300-100-10, Adam
# 1.2e-3, batch 60, as the paper. Iterative magnitude pruning (one global ranking over the
# three weight matrices, 50,200 weights), survivors rewound to their initial values (the
# ticket), 13 rounds of 10 epochs whose fractions remaining land exactly on 20 % (round 7),
# 10 % (10) and 5 % (13): about 20.5 % of what remains pruned per round,
# `reglab.pruning.schedule.fraction_schedule(0.2, (0.2, 0.1, 0.05))`. Then the paper's
# control: for every seed and round r, the ticket's own mask M_r on freshly drawn weights,
# trained 10 epochs (`pruning.method: fixed_mask`; 5 × 13 runs). 5 seeds; tickets and
# controls train as populations; the report gives medians.
LOTTERY_FRACTIONS = [0.7946, 0.6314, 0.5017, 0.3986, 0.3168, 0.2517, 0.2, 0.1587, 0.126, 0.1, 0.0794, 0.063, 0.05]


def _same_mask_controls(runs, store):
    from reglab.compare.papers.tickets import control_configs

    return control_configs(runs, store)


LOTTERY_TICKET = ComparePreset(
    name="lottery-ticket",
    title="Lottery tickets: rewinding vs random re-initialisation of the same masks",
    source="Frankle & Carbin 2019, arXiv:1803.03635",
    base={
        "seed": 0,
        "epochs": 10,
        "data": {"dataset": "digits", "batch_size": 60},
        "model": {"hidden": [300, 100]},
        "optimizer": {"name": "adam", "lr": 1.2e-3},
        "pruning": {"method": "lottery", "remaining": LOTTERY_FRACTIONS, "scope": "global"},
    },
    variants=(variant("rewind to init (ticket)", pruning__control="rewind"),),
    expectation=(
        "Winning tickets (survivors rewound to their initial values) match the dense network's test accuracy "
        "down to about 20 % of the weights and stay above the control, the same masks on freshly drawn "
        "weights, whose accuracy falls off earlier; at 5 % the gap is widest."
    ),
    seeds=5,
    backend="population",
    follow_up=_same_mask_controls,
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
