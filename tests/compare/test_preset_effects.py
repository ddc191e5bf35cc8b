"""The effects the timed presets must show, on their own configs (a few runs, full length)."""

from __future__ import annotations

import reglab
from reglab.compare.presets import PRESETS


def _train(preset_name: str, label: str):
    preset = PRESETS[preset_name]
    variant = next(variant for variant in preset.variants if variant.label == label)
    return reglab.train(reglab.load_config(base=preset.base, overrides=[*variant.overrides, ("device", "cpu")]))


def test_seed000_weight_decay_lowers_the_parameter_norm():
    plain = _train("seed000-lab", "plain")
    decayed = _train("seed000-lab", "weight decay 5e-4")
    assert decayed.history[-1]["param/l2/total"] < 0.8 * plain.history[-1]["param/l2/total"]
    assert decayed.history[-1]["test/acc"] > 0.9


def test_random_labels_are_memorised_while_test_accuracy_is_chance():
    run = _train("rethinking-generalization", "random labels")
    assert run.history[-1]["train/acc"] >= 0.95
    assert run.history[-1]["test/acc"] < 0.2  # 10 classes: chance is 0.1
