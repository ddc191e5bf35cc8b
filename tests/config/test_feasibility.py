"""Keys checked together before anything is built: model size, binary loss, monitor, batch
size; finite numbers; YAML errors quoting the parser."""

from __future__ import annotations

import pytest

from reglab.config import ConfigError, load_config
from reglab.config.feasibility import MAX_PARAMETERS, feasibility_notes, parameter_count


def test_parameter_count_matches_the_built_model():
    from reglab.models import build_model

    for overrides, shape, classes in [
        (["model.hidden=[16, 32, 24]"], (64,), 10),
        (["model.hidden=[8]", "model.norm=batch"], (64,), 10),
        (["model.kind=cnn", "model.channels=[4, 8]", "model.hidden=[16]"], (1, 8, 8), 10),
    ]:
        config = load_config(overrides=overrides)
        built = build_model(config.model, shape, classes)
        assert parameter_count(config, shape, classes) == sum(p.numel() for p in built.parameters())


def test_a_model_too_large_is_refused_with_its_size():
    with pytest.raises(ConfigError) as error:
        load_config(overrides=["model.hidden=[1000000000000]"])
    message = str(error.value)
    assert message.startswith("model.hidden: got [1000000000000]; allowed: a network of at most 1e+09 parameters")
    assert "would have 7.5e+13 (3e+05 GB of float32 weights) on digits" in message
    assert parameter_count(load_config(), (64,), 10) < MAX_PARAMETERS


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        (["loss=bce"], "loss: got 'bce'; allowed: cross_entropy, nll, mse or auto for the 10-class dataset digits"),
        (["early_stopping.criterion=patience", "early_stopping.monitor=val/accuracy"], "early_stopping.monitor: got 'val/accuracy'"),
        (["data.dataset=symmetry", "early_stopping.restore_best=true"], "a metric this run logs: train/loss, train/acc, test/loss, test/acc"),
        (["data.dataset=toy_regression", "data.val_size=0.2", "early_stopping.criterion=patience",
          "early_stopping.monitor=val/acc"], "a metric this run logs: train/loss, val/loss, test/loss"),
        (["optimizer.lr=inf"], "optimizer.lr: got 'inf'; allowed: a finite number"),
        (["regularization.l2=.nan"], "regularization.l2: got nan; allowed: a finite number"),
    ],
)
def test_combinations_that_cannot_train_are_refused(overrides, fragment):
    with pytest.raises(ConfigError, match=None) as error:
        load_config(overrides=overrides)
    assert fragment in str(error.value)


def test_monitors_that_exist_pass():
    load_config(overrides=["early_stopping.criterion=patience", "early_stopping.monitor=val/acc"])
    load_config(overrides=["early_stopping.criterion=gl", "early_stopping.monitor=param/l2/total"])
    load_config(overrides=["data.dataset=symmetry", "early_stopping.monitor=nothing"])  # nothing reads it


def test_monitor_val_loss_is_logged_when_a_val_split_exists():
    """The check's idea of the logged metrics matches a real run's history."""
    from reglab.engine.run import train

    for overrides in (["data.dataset=symmetry"], ["data.dataset=digits", "data.train_size=100"]):
        config = load_config(overrides=[*overrides, "epochs=1", "device=cpu", "model.hidden=[4]", "trajectory.enabled=false"])
        from reglab.config.feasibility import dataset_facts, produced_metrics

        run = train(config, store=None)
        logged = {key for key in run.history[-1] if key.split("/")[-1] in ("loss", "acc") and key.count("/") == 1}
        assert set(produced_metrics(config, dataset_facts(config))) == logged


def test_a_batch_larger_than_the_data_is_a_one_line_note():
    assert feasibility_notes(load_config(overrides=["data.train_size=30", "data.batch_size=128"])) == [
        "data.batch_size 128 > data.train_size 30: every step uses the whole training set"
    ]
    assert "> the 1797 samples of digits" in feasibility_notes(load_config(overrides=["data.batch_size=5000"]))[0]
    assert feasibility_notes(load_config()) == []


def test_yaml_errors_quote_the_parser_and_non_utf8_is_refused(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("epochs: 1\n  data: x: y\n")
    with pytest.raises(ConfigError, match=r"valid YAML; the parser says: mapping values are not allowed here \(line 2, column 7\)"):
        load_config(bad)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: caf\u00e9\n".encode("latin-1"))
    with pytest.raises(ConfigError, match=r"a UTF-8 text file \(byte 9 is not UTF-8\)"):
        load_config(latin)
