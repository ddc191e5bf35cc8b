"""What presets add to their report: measured tables that check the expected effect."""

from __future__ import annotations

import torch

import reglab
from reglab.compare.notes import distinct_units, first_epoch_reaching, preset_notes
from reglab.compare.presets import PRESETS


def test_first_epoch_reaching_a_threshold():
    history = [{"epoch": 1, "train/acc": 0.5}, {"epoch": 2, "train/acc": 0.96}, {"epoch": 3, "train/acc": 0.99}]
    assert first_epoch_reaching(history, "train/acc", 0.95) == 2
    assert first_epoch_reaching(history, "train/acc", 1.0) is None


def test_distinct_units_counts_different_rows():
    assert distinct_units(torch.zeros(64, 10)) == 1
    assert distinct_units(torch.eye(5)) == 5


def test_zeros_and_ones_never_break_the_symmetry():
    """Seed 004: constant initialisation keeps every hidden unit of a layer identical."""
    preset = PRESETS["init-schemes"]
    runs = []
    for label in ("xavier (normal)", "zeros", "ones"):
        variant = next(variant for variant in preset.variants if variant.label == label)
        config = reglab.load_config(base=preset.base, overrides=[*variant.overrides, ("name", label), ("epochs", 2),
                                                                 ("device", "cpu"), ("data.train_size", 300)])
        runs.append(reglab.train(config))
    xavier, zeros, ones = (run.model.state_dict() for run in runs)
    for state in (zeros, ones):
        assert distinct_units(state["hidden.0.linear.weight"]) == 1
        assert distinct_units(state["hidden.1.linear.weight"]) == 1
    assert distinct_units(xavier["hidden.0.linear.weight"]) == 64
    notes = preset_notes(preset, runs)
    assert notes[0].title == "What to look for"
    table = notes[1].text.splitlines()
    assert table[2].split()[-2:] == ["1/64,", "1/64"] and table[1].split()[-2:] == ["64/64,", "64/64"]
