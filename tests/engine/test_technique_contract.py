"""The contract test: every technique trains two epochs on digits and records its keys.

One row per technique: the config keys that switch it on, the metric keys it must add
to the epoch rows, and the summary keys it must add to the run summary.

Then each technique in a population of K = 3 (seeds 0, 1, 2; each numeric member key
of the row at ×1, ×½ and ×2): with `data_order: independent` every member must equal
its own single run. Every technique trains in populations: no row is skipped.
"""

from __future__ import annotations

import math

import pytest

import reglab
from reglab.config import validate_config
from reglab.population import train_population
from reglab.population.grouping import _is_member_key
from reglab.store import RunStore
from tests.conftest import tiny_digits
from tests.population.test_train import assert_same_history

BASE_KEYS = {"train/loss", "train/acc", "val/loss", "val/acc", "test/loss", "test/acc", "lr", "time/epoch", "loss/data", "loss/total"}
TRAJECTORY_KEYS = {"param/l2/total", "param/dist_init/total", "param/sparsity/total", "grad/l2/total", "param/l2/hidden.0.linear.weight"}

# (id, overrides, epoch metric keys, summary keys)
TECHNIQUES = [
    ("l1-penalty", {"regularization.l1": 1e-3}, {"loss/l1", "l1/zeros"}, {"sparsity"}),
    ("l1-proximal", {"regularization.l1": 1e-2, "regularization.l1_mode": "proximal"}, {"loss/l1", "l1/zeros"}, {"sparsity"}),
    ("l1-subgradient", {"regularization.l1": 1e-3, "regularization.l1_mode": "subgradient"}, {"loss/l1"}, set()),
    ("l2-half", {"regularization.l2": 1e-3}, {"loss/l2"}, set()),
    ("l2-full", {"regularization.l2": 1e-3, "regularization.l2_convention": "full"}, {"loss/l2"}, set()),
    ("l2-mean", {"regularization.l2": 1e-3, "regularization.l2_convention": "mean"}, {"loss/l2"}, set()),
    ("elastic-net-per-layer", {"regularization.l1": 1e-4, "regularization.l2": 1e-3, "regularization.per_layer": {"head.*": 0.0}}, {"loss/l1", "loss/l2"}, set()),
    ("activity", {"regularization.activity_l1": 1e-4, "regularization.activity_l2": 1e-4}, {"loss/activity_l1", "loss/activity_l2"}, set()),
    ("flooding", {"regularization.flooding": 0.5}, set(), set()),
    ("orthogonality", {"regularization.orthogonality": 0.1}, {"loss/orthogonality"}, set()),
    ("orthogonality-columns", {"regularization.orthogonality": 0.1, "regularization.orthogonality_mode": "columns"}, {"loss/orthogonality"}, set()),
    ("sam", {"regularization.sam_rho": 0.05}, set(), set()),
    ("max-norm", {"regularization.max_norm": 1.0}, set(), set()),
    ("clip-norm", {"regularization.grad_clip_norm": 0.5}, set(), set()),
    ("clip-value", {"regularization.grad_clip_value": 0.01}, set(), set()),
    ("ema", {"regularization.ema_decay": 0.45}, {"ema/val/acc", "ema/test/acc"}, {"final_weights"}),  # members 0.45, 0.225, 0.9
    ("swa", {"regularization.swa_start": 1, "regularization.swa_lr": 0.05}, {"swa/models"}, {"final_weights"}),
    ("sgd-weight-decay", {"optimizer.weight_decay": 5e-4}, set(), {"decayed", "not_decayed"}),
    ("adam", {"optimizer.name": "adam", "optimizer.lr": 1e-3, "optimizer.weight_decay": 1e-4}, set(), set()),
    ("adamw", {"optimizer.name": "adamw", "optimizer.lr": 1e-3, "optimizer.weight_decay": 1e-2}, set(), set()),
    ("dropout", {"model.dropout": 0.3}, set(), set()),
    ("alpha-dropout", {"model.dropout": 0.1, "model.dropout_kind": "alpha"}, set(), set()),
    ("gaussian-dropout", {"model.dropout": 0.2, "model.dropout_kind": "gaussian"}, set(), set()),
    ("gaussian-noise", {"model.dropout": 0.1, "model.dropout_kind": "gaussian_noise"}, set(), set()),
    ("drop-path", {"model.hidden": [16, 16, 16], "model.residual": True, "model.drop_path": 0.2}, set(), set()),
    ("channel-dropout-cnn", {"model.kind": "cnn", "model.channels": [4], "model.channel_dropout": 0.2}, set(), set()),
    ("cnn-batchnorm", {"model.kind": "cnn", "model.channels": [4, 8], "model.norm": "batch", "optimizer.lr": 0.02}, set(), set()),
    ("batchnorm", {"model.norm": "batch"}, {"bn/running_mean/hidden.0.norm", "bn/weight/hidden.0.norm"}, set()),
    ("groupnorm", {"model.norm": "group", "model.norm_groups": 4, "optimizer.lr": 0.02}, set(), set()),
    ("layernorm-before", {"model.norm": "layer", "model.norm_position": "before"}, set(), set()),
    ("flips", {"augment.hflip": 0.5, "augment.vflip": 0.5}, set(), set()),
    ("affine", {"augment.affine_degrees": 10, "augment.affine_translate": 0.1, "augment.affine_scale": 0.1}, set(), set()),
    ("crop", {"augment.crop_padding": 1}, set(), set()),
    ("erasing", {"augment.erasing": 0.5}, set(), set()),
    ("input-noise", {"augment.noise_std": 0.1}, set(), set()),
    ("mixup", {"augment.mixup_alpha": 0.4}, set(), set()),
    ("cutmix", {"augment.cutmix_alpha": 1.0}, set(), set()),
    ("label-smoothing", {"augment.label_smoothing": 0.1}, set(), set()),
    ("patience", {"early_stopping.criterion": "patience", "early_stopping.patience": 5}, {"stopping/best", "stopping/wait"}, {"best_epoch"}),
    ("gl", {"early_stopping.criterion": "gl", "early_stopping.alpha": 50}, {"stopping/gl"}, set()),
    ("pq", {"early_stopping.criterion": "pq", "early_stopping.strip": 1, "early_stopping.alpha": 100}, {"stopping/gl"}, set()),
    ("up", {"early_stopping.criterion": "up", "early_stopping.strip": 1, "early_stopping.successive_strips": 5}, set(), set()),
    ("restore-best", {"early_stopping.criterion": "patience", "early_stopping.restore_best": True}, set(), {"restored_epoch"}),
    ("prune-one-shot", {"pruning.method": "magnitude", "pruning.amount": 0.4}, {"pruning/sparsity"}, {"sparsity", "sparsity_per_layer"}),
    ("prune-iterative-layer", {"pruning.method": "magnitude", "pruning.schedule": "iterative", "pruning.rounds": 2, "pruning.scope": "layer", "pruning.amount": 0.3}, {"pruning/sparsity"}, {"pruning_rounds_done"}),
    ("lottery", {"pruning.method": "lottery", "pruning.rounds": 1, "pruning.amount": 0.4, "epochs": 1}, {"pruning/round", "pruning/sparsity"}, {"lottery"}),
    ("label-noise", {"data.label_noise": 0.3}, set(), set()),
    ("random-labels", {"data.corruption": "random_labels"}, set(), set()),
    ("shuffled-pixels", {"data.corruption": "shuffled_pixels"}, set(), set()),
    ("random-pixels", {"data.corruption": "random_pixels"}, set(), set()),
    ("gaussian-inputs", {"data.corruption": "gaussian"}, set(), set()),
    ("step-schedule", {"schedule.name": "step", "schedule.step_size": 1, "schedule.gamma": 0.5}, set(), set()),
    ("cosine-schedule", {"schedule.name": "cosine"}, set(), set()),
    ("onecycle-schedule", {"schedule.name": "onecycle"}, set(), set()),
    ("onecycle-max-lr", {"schedule.name": "onecycle", "schedule.max_lr": 0.2, "schedule.warmup_fraction": 0.4}, set(), set()),
    ("trajectory-steps-snapshots", {"trajectory.every_steps": 2, "trajectory.snapshot_epochs": {"every": 1}, "trajectory.snapshot_steps": [3]}, set(), {"trajectory"}),
    ("adversarial-fgsm", {"regularization.adversarial_eps": 0.1}, set(), set()),
    ("adversarial-pgd-l2", {"regularization.adversarial_eps": 0.5, "regularization.adversarial_attack": "pgd",
                            "regularization.adversarial_norm": "l2", "regularization.adversarial_steps": 2}, set(), set()),
    ("robustness", {"robustness.eps": [0.1], "robustness.every": 1, "robustness.examples": 40, "robustness.pgd_steps": 2},
     {"robust/clean/acc", "robust/fgsm/linf/0.1/acc", "robust/pgd/linf/0.1/acc"}, {"robust/clean/acc"}),
    ("measures", {"measures.names": ["distance", "norms", "path_norm"], "measures.every": 1}, {"measure/path_norm"}, {"measure/path_norm"}),
    ("kaiming-init", {"model.init": "kaiming_normal"}, set(), set()),
    ("xavier-init", {"model.init": "xavier_uniform"}, set(), set()),
]


@pytest.mark.parametrize(("overrides", "epoch_keys", "summary_keys"), [case[1:] for case in TECHNIQUES], ids=[case[0] for case in TECHNIQUES])
def test_technique_trains_two_epochs_and_records_its_keys(store_dir, overrides, epoch_keys, summary_keys):
    run = reglab.train(tiny_digits(**overrides), store=store_dir)
    assert run.status in ("completed", "stopped_early")
    recorded = set().union(*run.history)
    missing = (BASE_KEYS | TRAJECTORY_KEYS | epoch_keys) - recorded
    assert not missing, f"missing metric keys: {sorted(missing)}"
    assert summary_keys <= set(run.summary), f"missing summary keys: {sorted(summary_keys - set(run.summary))}"
    assert all(math.isfinite(row["train/loss"]) for row in run.history)
    stored = RunStore(store_dir).history(run.id)
    assert len(stored) == len(run.history)


def _members(overrides: dict) -> list[dict]:
    """Three members: seeds 0, 1, 2 and every numeric member key of the row at ×1, ×½, ×2."""
    members = []
    for seed, factor in ((0, 1.0), (1, 0.5), (2, 2.0)):
        varied = {key: value * factor if isinstance(value, float) and value > 0 and _is_member_key(key) else value for key, value in overrides.items()}
        members.append(tiny_digits(seed=seed, **varied))
    return members


@pytest.mark.parametrize("overrides", [case[1] for case in TECHNIQUES], ids=[case[0] for case in TECHNIQUES])
def test_technique_in_a_population_of_three_equals_each_members_single_run(store_dir, overrides):
    validated = [validate_config(config) for config in _members(overrides)]
    members = train_population(validated, store=store_dir, data_order="independent")
    # torch.func batches convolutions and group norm as grouped ones: float32 sums in
    # another order, which two epochs of momentum SGD grow to about 1e-4. The stacked CNN
    # engine's channels-last convolutions over K·C channels also sum in another order
    # than one member's convolution (measured: 1.4e-5 on a gradient norm after two epochs).
    rel = 1e-3 if members[0].summary["population"]["engine"] == "vmap" else 1e-4 if validated[0].model.kind == "cnn" else 1e-5
    for config, member in zip(validated, members):
        single = reglab.train(config, store=store_dir)
        assert member.status == single.status
        assert_same_history(member, single, rtol=rel)
        # the weights each ends with (restored, for restore_best) are measured alike
        assert member.summary["final_eval"] == pytest.approx(single.summary["final_eval"], rel=rel, abs=1e-5)
        assert member.summary.get("restored_epoch") == single.summary.get("restored_epoch")
