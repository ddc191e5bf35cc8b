"""`augment.*` in real runs: errors before the store, training works, evaluation is never augmented."""

from __future__ import annotations

import pytest
import torch

import reglab
from reglab.augment.members import MemberAugment
from reglab.augment.technique import build_technique
from reglab.config import ConfigError, load_config
from reglab.objective.evaluate import evaluate
from reglab.contract.batches import batch_starts
from reglab.objective.losses import make_objective
from reglab.population.build import build_population
from reglab.store import RunStore
from tests.conftest import tiny_digits

AUGMENTED = {"augment.hflip": 0.5, "augment.affine_degrees": 15.0, "augment.mixup_alpha": 0.4}


def _without_timing(history):
    return [{key: value for key, value in row.items() if not key.startswith("time/")} for row in history]


def test_no_augment_keys_no_technique() -> None:
    config = load_config(base=tiny_digits())
    state, models = build_population([config], "independent", "stacked")
    assert build_technique(config, models[0], state.data.reference) is None
    assert state.units.of("batch_transform") == []


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"data.dataset": "moons", "augment.hflip": 0.5}, "augment.hflip"),
        ({"data.dataset": "moons", "augment.cutmix_alpha": 1.0}, "augment.cutmix_alpha"),
        ({"data.dataset": "toy_regression", "data.train_size": None, "augment.mixup_alpha": 0.2}, "augment.mixup_alpha"),
        ({"data.dataset": "symmetry", "data.train_size": None, "augment.label_smoothing": 0.1}, "augment.label_smoothing"),
    ],
)
def test_bad_augment_keys_fail_before_the_store_is_touched(store_dir, overrides, key) -> None:
    with pytest.raises(ConfigError) as caught:
        reglab.train(tiny_digits(**overrides), store=store_dir)
    assert caught.value.key == key
    assert not store_dir.exists() or RunStore(store_dir).runs() == []


def test_augmented_digits_trains_and_evaluation_sees_plain_data(store_dir) -> None:
    config = tiny_digits(**AUGMENTED)
    run = reglab.train(config, store=store_dir)
    assert run.status == "completed"
    first, last = run.history[0], run.history[-1]
    assert last["train/loss"] < first["train/loss"]
    assert last["test/acc"] > 0.25  # 10 classes: chance is 0.1 (measured 0.38 after 8 steps)
    # Train accuracy counts the original labels, never the soft targets: a whole number of hits.
    train_count = run.data.train_x.shape[0]
    assert abs(last["train/acc"] * train_count - round(last["train/acc"] * train_count)) < 1e-6
    # The epoch's val/test metrics are those of a plain evaluation of the same final weights.
    objective = make_objective(config["loss"] if "loss" in config else "auto", run.data.task, run.data.num_classes)
    plain = evaluate(run.model, run.data.val_x, run.data.val_y, objective, 1024, "val")
    plain.update(evaluate(run.model, run.data.test_x, run.data.test_y, objective, 1024, "test"))
    for name, value in plain.items():
        assert last[name] == pytest.approx(value, abs=1e-6), name
        assert run.summary["final_eval"][name] == pytest.approx(value, abs=1e-6), name
    # Same config, same seed: the augmented run repeats bit for bit on the CPU.
    again = reglab.train(config, store=store_dir)
    assert _without_timing(again.history) == _without_timing(run.history)


def test_only_training_batches_are_augmented(store_dir, monkeypatch) -> None:
    seen: list[torch.Tensor] = []
    transform = MemberAugment.transform_batch

    def spy(self, inputs, labels, step):
        seen.append(inputs.clone())
        return transform(self, inputs, labels, step)

    monkeypatch.setattr(MemberAugment, "transform_batch", spy)
    run = reglab.train(tiny_digits(**AUGMENTED), store=store_dir)
    train_x, epochs = run.data.train_x, run.config.epochs
    assert len(seen) == epochs * len(batch_starts(train_x.shape[0], run.config.data.batch_size))
    # Every row the augmentation saw is a training row; across an epoch each one exactly once.
    epoch_rows = torch.cat([batch.reshape(-1, *train_x.shape[1:]) for batch in seen[: len(seen) // epochs]])
    same = (epoch_rows.flatten(1)[:, None, :] == train_x.flatten(1)[None, :, :]).all(dim=2)  # (seen, train)
    assert torch.equal(same.sum(dim=0), torch.ones(train_x.shape[0], dtype=torch.long))
    assert len(run.history) == epochs
