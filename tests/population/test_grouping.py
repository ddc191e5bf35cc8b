"""Which configs share a population, and which go to the sequential backend."""

from __future__ import annotations

from reglab.config import load_config
from reglab.population import group_configs, population_key


def config(*overrides: str):
    return load_config(overrides=list(overrides))


def test_member_keys_do_not_split_a_population():
    base = config()
    member = config(
        "seed=3", "name=other", "optimizer.lr=0.01", "optimizer.momentum=0.5", "optimizer.weight_decay=0.1",
        "regularization.l1=1e-4", "regularization.l2=1e-3", "model.dropout=0.3", "model.init=kaiming_normal",
        "data.label_noise=0.2", "early_stopping.criterion=patience", "early_stopping.patience=3",
        "model.drop_path=0.1", "model.channel_dropout=0.2", "regularization.activity_l1=1e-4", "regularization.activity_l2=1e-3",
    )
    assert population_key(base) == population_key(member)


def test_shape_and_shared_settings_split_populations():
    base = population_key(config())
    for override in ("model.hidden=[32]", "model.activation=tanh", "model.norm=batch", "data.batch_size=32",
                     "optimizer.name=adam", "epochs=3", "data.dataset=mnist1d", "schedule.name=cosine",
                     "model.dropout_kind=alpha", "model.kind=cnn"):
        assert population_key(config(override)) != base, override


def test_groups_keep_order_and_split_evenly():
    configs = [config(f"seed={seed}", f"model.hidden=[{8 if seed % 3 else 16}]") for seed in range(9)]
    groups = group_configs(configs, max_size=64)
    assert groups == [[0, 3, 6], [1, 2, 4, 5, 7, 8]]
    assert group_configs(configs, max_size=4) == [[0, 3, 6], [1, 2, 4], [5, 7, 8]]


def test_pruning_amount_is_a_member_key_and_its_scope_is_shared():
    assert population_key(config("pruning.method=magnitude", "pruning.amount=0.3")) == population_key(config("pruning.method=magnitude"))
    assert population_key(config("pruning.method=magnitude", "pruning.scope=layer")) != population_key(config("pruning.method=magnitude"))


def test_augmentation_strengths_are_member_keys_and_the_mixing_kind_is_shared():
    base = config("augment.hflip=0.5", "augment.mixup_alpha=0.2")
    member = config(
        "augment.hflip=0.1", "augment.vflip=0.3", "augment.affine_degrees=10", "augment.affine_translate=0.1",
        "augment.affine_scale=0.2", "augment.crop_padding=2", "augment.erasing=0.5", "augment.noise_std=0.1",
        "augment.mixup_alpha=0.8", "augment.mix_prob=0.5",
    )
    assert population_key(base) == population_key(member)
    # labels vs mixed targets, and mixup vs cutmix boxes, train apart
    assert population_key(config("augment.hflip=0.5")) != population_key(base)
    assert population_key(config("augment.cutmix_alpha=0.2")) != population_key(base)
    assert population_key(config("augment.label_smoothing=0.1")) != population_key(config())
