"""Every preset is data that validates: each variant loads with `load_config` and builds
(data, model, techniques) without training; labels are unique; every dataset is offline."""

from __future__ import annotations

import pytest

from reglab.compare.presets import PRESETS, get_preset
from reglab.compare.session import plan_comparison
from reglab.config import ConfigError, load_config
from reglab.engine.setup import build_setup

OFFLINE = {"digits", "mnist1d", "toy_regression", "symmetry"}
ISSUE_PRESETS = {
    "seed000-lab", "l1-l2", "dropout", "augmentation", "learning-rate", "rethinking-generalization",
    "init-schemes", "early-stopping", "lottery-ticket", "rumelhart-1986",
}


def test_the_issue_presets_exist():
    assert set(PRESETS) == ISSUE_PRESETS
    with pytest.raises(ConfigError) as error:
        get_preset("seed-000")
    assert str(error.value).startswith("--preset: got 'seed-000'; allowed: seed000-lab, l1-l2")


@pytest.mark.parametrize("name", sorted(ISSUE_PRESETS))
def test_every_variant_validates_and_builds(name):
    preset = PRESETS[name]
    labels = [variant.label for variant in preset.variants]
    assert len(labels) == len(set(labels)) >= (1 if preset.follow_up else 2)  # a follow-up adds the other arm
    for variant in preset.variants:
        config = load_config(base=preset.base, overrides=[*variant.overrides, ("device", "cpu")])
        assert config.data.dataset in OFFLINE
        assert config.seed == preset.base["seed"]  # same split and initial draw for every variant
        build_setup(config)  # data, model, optimizer and every technique accept the keys
    plan = plan_comparison(preset=name, seeds=1)
    assert [config.name for config in plan.configs] == labels
