"""Adversarial training: the stacked attack per member, and a single run's step on the attacked batch."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

import reglab
from reglab.config import ConfigError, validate_config
from reglab.regularizers.adversarial import AdversarialTraining, adversarial_examples
from reglab.robustness.attacks import fgsm
from tests.conftest import tiny_digits


def test_stacked_attack_gives_each_member_its_own_eps_as_if_attacked_alone():
    torch.manual_seed(0)
    weights = torch.randn(3, 5, 4)  # member k: logits = x W_k
    labels = torch.randint(0, 4, (3, 6))
    inputs = torch.randn(3, 6, 5)
    eps = torch.tensor([0.1, 0.0, 0.3])

    def member_loss(k, x):
        return torch.nn.functional.cross_entropy(x @ weights[k], labels[k], reduction="sum")

    def stacked_loss(stack):
        return sum(member_loss(k, stack[k]) for k in range(3))

    for attack in ("fgsm", "pgd"):
        # PGD: member k's random start from its own generator (seed 10 + k), as when attacked alone
        generators = [torch.Generator().manual_seed(10 + k) for k in range(3)]
        together = adversarial_examples(stacked_loss, inputs, eps, attack, "l2", steps=3, member_generators=generators)
        for k in range(3):
            alone = adversarial_examples(
                lambda stack, k=k: member_loss(k, stack[0]), inputs[k : k + 1], eps[k : k + 1], attack, "l2", steps=3,
                generator=torch.Generator().manual_seed(10 + k),
            )
            torch.testing.assert_close(together[k], alone[0])
        assert torch.equal(together[1], inputs[1])  # ε = 0 keeps the batch exactly
        assert ((together - inputs).flatten(2).norm(dim=2) <= eps[:, None] + 1e-6).all()


def test_the_batch_transform_is_each_members_fgsm_of_its_eval_mode_loss():
    from reglab.contract.units import MemberStep
    from reglab.objective.members import make_member_objective

    models = []
    for seed in range(2):
        torch.manual_seed(seed)
        models.append(torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Dropout(0.5), torch.nn.Linear(8, 3)).train())
    inputs, labels = torch.randn(10, 4), torch.randint(0, 3, (10,))
    settings = validate_config(tiny_digits(**{"regularization.adversarial_eps": 0.2})).regularization
    unit = AdversarialTraining(settings, make_member_objective("auto", "classification", 3, "none"))
    for model in models:
        model.eval()  # the loop's evaluation forward: no dropout draws

    def evaluate(stack):
        return torch.stack([model(x) for model, x in zip(models, stack)])

    hyper = SimpleNamespace(adversarial_eps=torch.tensor([0.2, 0.05]))
    step = MemberStep({}, {}, hyper, 10, 0, 1, [0, 1], torch.full((2,), 0.1), shared=True, generators=[None, None], evaluate=evaluate)
    attacked, targets = unit.transform_batch(inputs, labels, step)
    assert torch.equal(targets, labels) and attacked.shape == (2, 10, 4)
    for k, (model, eps) in enumerate(zip(models, (0.2, 0.05))):
        expected = fgsm(lambda stack: torch.nn.functional.cross_entropy(model(stack[0]), labels), inputs.unsqueeze(0), torch.tensor([eps]))[0]
        torch.testing.assert_close(attacked[k], expected)


def test_a_run_with_adversarial_training_takes_its_first_step_on_the_attacked_batch(store_dir):
    # One epoch of one full batch, plain SGD: θ₁ = θ₀ − lr·∇θ L(x + ε·sign ∇ₓL(x; θ₀), y)
    overrides = {"epochs": 1, "data.batch_size": 200, "optimizer.momentum": 0.0, "regularization.adversarial_eps": 0.1}
    config = validate_config(tiny_digits(**overrides))
    plain = validate_config(tiny_digits(**{**overrides, "regularization.adversarial_eps": 0.0}))
    run = reglab.train(config, store=store_dir)
    reference = reglab.train(plain, store=store_dir)
    data = run.data
    # θ₀: the same seed's network after one step of lr 1e-12 (below float32 resolution of its weights)
    model = reglab.train(validate_config(tiny_digits(**{**overrides, "optimizer.lr": 1e-12})), store=store_dir).model
    model.eval()
    x, y = data.train_x, data.train_y
    loss = lambda stack: torch.nn.functional.cross_entropy(model(stack[0]), y)  # noqa: E731
    attacked = fgsm(loss, x.unsqueeze(0), torch.tensor([0.1]))[0]
    model.train()
    gradients = torch.autograd.grad(torch.nn.functional.cross_entropy(model(attacked), y), list(model.parameters()))
    for (name, trained), start, gradient in zip(run.model.named_parameters(), model.parameters(), gradients):
        torch.testing.assert_close(trained, start.detach() - 0.1 * gradient, rtol=1e-4, atol=1e-6, msg=name)
    assert not torch.allclose(run.model.head.weight, reference.model.head.weight)


def test_adversarial_training_is_refused_with_augmentation():
    config = validate_config(tiny_digits(**{"regularization.adversarial_eps": 0.1, "augment.noise_std": 0.1}))
    with pytest.raises(ConfigError, match=r"regularization\.adversarial_eps.*augment\.noise_std"):
        reglab.train(config)


@pytest.mark.parametrize(("data_order", "attack", "norm"), [("independent", "fgsm", "linf"), ("shared", "fgsm", "linf"),
                                                           ("independent", "pgd", "linf"), ("independent", "pgd", "l2")])
def test_adversarial_training_in_a_population_equals_each_members_single_run(store_dir, data_order, attack, norm):
    from reglab.population import train_population
    from tests.population.test_train import assert_same_history

    keys = {"model.dropout": 0.2, "regularization.adversarial_attack": attack, "regularization.adversarial_norm": norm,
            "regularization.adversarial_steps": 2}
    configs = [
        validate_config(tiny_digits(seed=seed, **keys, **{"regularization.adversarial_eps": eps}))
        for seed, eps in ((0, 0.1), (1, 0.05), (2, 0.2))
    ]
    if data_order == "shared":  # one order for all: the members differ by ε only
        configs = [validate_config(tiny_digits(seed=0, **keys, **{"regularization.adversarial_eps": eps})) for eps in (0.1, 0.05, 0.2)]
    members = train_population(configs, store=store_dir, data_order=data_order)
    for config, member in zip(configs, members):
        single = reglab.train(config, store=store_dir)
        assert_same_history(member, single, rtol=1e-5)
    plain = reglab.train(tiny_digits(seed=0, **{"model.dropout": 0.2}), store=store_dir)
    assert members[0].history[-1]["train/loss"] != pytest.approx(plain.history[-1]["train/loss"], rel=1e-3)


def test_a_pgd_trained_run_resumed_from_its_checkpoint_ends_as_one_never_stopped(store_dir):
    from reglab.store import RunStore
    from tests.engine.test_resume import InterruptAt

    config = tiny_digits(epochs=3, **{"model.dropout": 0.2, "regularization.adversarial_eps": 0.1,
                                      "regularization.adversarial_attack": "pgd", "regularization.adversarial_steps": 2,
                                      "robustness.eps": [0.1], "robustness.every": 1})
    whole = reglab.train(config, store=store_dir)
    with pytest.raises(KeyboardInterrupt):
        reglab.train(config, store=store_dir, callbacks=[InterruptAt(2)])
    stopped = next(run for run in RunStore(store_dir).runs() if run.status == "interrupted")
    resumed = reglab.resume(stopped.id, store=store_dir)
    assert [row["train/loss"] for row in resumed.history] == [row["train/loss"] for row in whole.history]
    assert resumed.summary["robust/pgd/linf/0.1/acc"] == whole.summary["robust/pgd/linf/0.1/acc"]


def test_population_members_that_stop_early_leave_the_others_attacked_as_alone(store_dir):
    from reglab.population import train_population
    from tests.population.test_train import assert_same_history

    stopping = {"early_stopping.criterion": "patience", "early_stopping.patience": 1, "early_stopping.monitor": "test/loss"}
    configs = [
        validate_config(tiny_digits(seed=seed, epochs=5, **stopping, **{"regularization.adversarial_eps": eps, "optimizer.lr": lr,
                                                                       "regularization.adversarial_attack": "pgd",
                                                                       "regularization.adversarial_steps": 2}))
        for seed, eps, lr in ((0, 0.1, 0.1), (1, 0.2, 1.5), (2, 0.05, 0.1))
    ]
    members = train_population(configs, store=store_dir, data_order="independent")
    assert len({len(member.history) for member in members}) > 1  # they stop at different epochs
    for config, member in zip(configs, members):
        assert_same_history(member, reglab.train(config, store=store_dir), rtol=1e-5)
