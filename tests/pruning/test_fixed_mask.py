"""The lottery's exact fraction schedule, its per-round masks file, and `pruning.method:
fixed_mask` (the ticket's mask of one round on fresh weights: the paper's control)."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import save_file

import reglab
from reglab.config import ConfigError, load_config, validate_config
from reglab.contract.events import Callback
from reglab.data import load_data
from reglab.population import train_population
from reglab.population.grouping import group_configs
from reglab.pruning import magnitude_masks
from reglab.pruning.mask_file import MASKS_FILE, read_round_mask
from reglab.pruning.schedule import fraction_schedule
from reglab.pruning.technique import model_fresh_weights
from reglab.store import RunStore
from tests.population.test_train import assert_same_history
from tests.conftest import tiny_digits

WEIGHTS = ("hidden.0.linear.weight", "head.weight")  # 64·16 + 16·10 = 1184 entries
ENTRIES = 1184
FRACTIONS = [0.5, 0.2, 0.1]


def lottery(seed=0, **keys):
    return tiny_digits(seed=seed, epochs=1, **{"trajectory.enabled": False, "pruning.method": "lottery",
                                               "pruning.remaining": FRACTIONS, **keys})


def fixed(folder, round_index, seed=0, **keys):
    return tiny_digits(seed=seed, epochs=2, **{"trajectory.enabled": False, "pruning.method": "fixed_mask",
                                               "pruning.mask_file": str(folder), "pruning.mask_round": round_index, **keys})


@pytest.fixture(scope="module")
def tickets(tmp_path_factory):
    """Two ticket runs (seeds 0 and 1), 3 rounds of 1 epoch each, and their store."""
    store = RunStore(tmp_path_factory.mktemp("tickets") / "store")
    runs = [reglab.train(lottery(seed), store=store) for seed in (0, 1)]
    return store, runs


# ------------------------------------------------------------------ the fraction schedule

def test_fraction_schedule_lands_on_its_targets_in_steps_of_about_the_amount():
    fractions = fraction_schedule(0.2, [0.2, 0.1, 0.05])
    assert len(fractions) == 13
    assert [fractions[6], fractions[9], fractions[12]] == [0.2, 0.1, 0.05]  # exact, not 0.21 / 0.107 / 0.055
    steps = [later / earlier for earlier, later in zip([1.0, *fractions], fractions)]
    assert all(0.79 <= step <= 0.80 for step in steps)  # ≈ 20.5 % pruned per round
    assert fraction_schedule(0.5, [0.25]) == [0.5, 0.25]


def test_magnitude_masks_keep_round_f_n_entries_and_never_bring_one_back():
    weights = [torch.tensor([[0.3, -0.1, 0.2, 0.4, 0.05]])]
    (mask,) = magnitude_masks(weights, [None], [0.9], remaining=[0.6])  # amounts ignored: keep round(3.0) = 3
    assert mask.tolist() == [[1.0, 0.0, 1.0, 1.0, 0.0]]
    (again,) = magnitude_masks(weights, [mask], [0.0], remaining=[0.8])  # 4 > the 3 alive: nothing comes back
    assert again.tolist() == mask.tolist()


def test_prune_magnitude_to_fractions_remaining_keeps_round_f_n_of_all_weights():
    from torch import nn

    from reglab.pruning import prune_magnitude, pruned_state_dict

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 7), nn.ReLU(), nn.Linear(7, 3))  # 70 + 21 = 91 weights
    for fraction, kept in ((0.5, 46), (0.2, 18), (0.05, 5)):  # round(45.5) = 46 (half to even), 18.2, 4.55
        prune_magnitude(model, 0.9, remaining=fraction)  # `amount` is ignored
        state = pruned_state_dict(model)
        assert int((state["0.weight"] != 0).sum() + (state["2.weight"] != 0).sum()) == kept


def test_the_lottery_schedule_lands_exactly_on_the_fractions_nonzeros_counted(tickets):
    store, runs = tickets
    for run in runs:
        kept = [round(1184 * (1 - entry["sparsity"])) for entry in run.summary["lottery"]]
        assert kept == [ENTRIES, 592, 237, 118]  # round(f · 1184) for f = 1, 0.5, 0.2, 0.1
        final = run.model.state_dict()
        assert sum(int((final[name] != 0).sum()) for name in WEIGHTS) == 118
        folder = store.run_dir(run.id)
        for round_index, count in enumerate([ENTRIES, 592, 237, 118]):
            masks = read_round_mask(folder, round_index)
            assert sorted(masks) == sorted(WEIGHTS)
            assert sum(int(mask.sum()) for mask in masks.values()) == count
        # the last round's stored mask is where the final weights are nonzero, bit for bit
        last = read_round_mask(folder, 3)
        assert all(torch.equal(last[name], final[name] != 0) for name in WEIGHTS)


# ------------------------------------------------------------------ fixed masks

class _InitialWeights(Callback):
    kind = "observer"

    def on_fit_start(self, record):
        self.weights = {name: tensor.clone() for name, tensor in record.state_dict().items()}


def test_fixed_mask_members_equal_their_single_runs_and_keep_the_tickets_masks(tickets, store_dir):
    store, runs = tickets
    folders = [store.run_dir(run.id) for run in runs]
    configs = [validate_config(config) for config in (
        fixed(folders[0], 1, seed=0), fixed(folders[0], 3, seed=0), fixed(folders[1], 2, seed=1))]
    assert len(group_configs(configs, 64)) == 1  # mask_file and mask_round are member keys
    members = train_population(configs, store=store_dir, data_order="independent")
    for config, member, (folder, round_index) in zip(configs, members, [(folders[0], 1), (folders[0], 3), (folders[1], 2)]):
        watcher = _InitialWeights()
        single = reglab.train(config, store=store_dir, callbacks=[watcher])
        assert_same_history(member, single)
        mask = read_round_mask(folder, round_index)
        density = sum(int(mask[name].sum()) for name in WEIGHTS) / ENTRIES
        for run in (member, single):
            final = run.model.state_dict()
            for name in WEIGHTS:
                assert torch.equal(final[name] != 0, mask[name]), name  # the ticket's mask, bit for bit
            # pruned weights are exactly 0 at the end of every epoch (the metric counts exact zeros)
            assert [row["pruning/sparsity"] for row in run.history] == pytest.approx([1 - density] * 2, abs=1e-12)
            assert run.summary["pruning_rounds_done"] == 0
        # it starts from fresh weights (the draw of seed + 7919·r), masked: not the ticket's init
        data = load_data(config.data, config.seed)
        fresh = model_fresh_weights(config, data, torch.device("cpu"))(round_index)
        for name in WEIGHTS:
            assert torch.equal(watcher.weights[name], fresh[name] * mask[name]), name
        assert torch.equal(watcher.weights["hidden.0.linear.bias"], fresh["hidden.0.linear.bias"])


def test_a_resumed_lottery_population_writes_the_same_masks_file(tickets, store_dir):
    """The masks of every round travel in the member checkpoints (`survival/<name>`)."""
    from reglab.population.checkpoint import read_member_checkpoint

    store, runs = tickets
    config = validate_config(lottery(0))
    resumed_store = RunStore(store_dir)

    class _InterruptAt3(Callback):
        def on_epoch_start(self, record):
            if record.epoch == 3:  # rounds 1 and 2 are pruned and checkpointed, round 3 is not
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_population([config], store=resumed_store, data_order="independent", callbacks=[_InterruptAt3()])
    run_id = resumed_store.runs()[0].id
    assert read_member_checkpoint(resumed_store.run_dir(run_id)) is not None
    resumed = reglab.resume(run_id, store=resumed_store)
    for round_index in range(4):
        got = read_round_mask(resumed_store.run_dir(resumed.id), round_index)
        expected = read_round_mask(store.run_dir(runs[0].id), round_index)
        assert all(torch.equal(got[name], expected[name]) for name in WEIGHTS)


# ------------------------------------------------------------------ bad input

@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"pruning.remaining": [0.5]}, "pruning.remaining: got [0.5]; allowed: null unless pruning.method is lottery"),
        ({"pruning.method": "lottery", "pruning.remaining": [0.5, 0.5]}, "pruning.remaining: got [0.5, 0.5]; allowed: strictly decreasing"),
        ({"pruning.method": "lottery", "pruning.remaining": [1.0]}, "pruning.remaining: got [1.0]; allowed: fractions in (0, 1)"),
        ({"pruning.method": "lottery", "pruning.remaining": [0.5, 0.2], "pruning.rounds": 3},
         "pruning.rounds: got 3; allowed: 2, the number of fractions in pruning.remaining"),
        ({"pruning.method": "fixed_mask", "pruning.mask_round": 1}, "pruning.mask_file: got None; allowed: a lottery run's"),
        ({"pruning.method": "fixed_mask", "pruning.mask_file": "x"}, "pruning.mask_round: got None; allowed: a round of"),
        ({"pruning.mask_file": "x"}, "pruning.mask_file: got 'x'; allowed: null unless pruning.method is fixed_mask"),
        ({"pruning.method": "magnitude", "pruning.mask_round": 2}, "pruning.mask_round: got 2; allowed: null unless"),
    ],
)
def test_bad_keys_are_refused_in_one_line(keys, message):
    with pytest.raises(ConfigError) as error:
        load_config(base=tiny_digits(**keys))
    assert str(error.value).startswith(message) and "\n" not in str(error.value)


def test_bad_mask_files_are_refused_before_anything_is_written(tickets, tmp_path):
    store, runs = tickets
    folder = store.run_dir(runs[0].id)
    damaged = tmp_path / "damaged.safetensors"
    damaged.write_bytes(b"not a safetensors file")
    foreign = tmp_path / "foreign.safetensors"
    save_file({"head.weight": torch.ones(10, 16)}, str(foreign))
    cases = [
        (fixed(tmp_path / "missing", 1), "pruning.mask_file: got", "an existing lottery_masks.safetensors"),
        (fixed(damaged, 1), "pruning.mask_file: got", "written by a lottery run"),
        (fixed(foreign, 1), "pruning.mask_file: got", "written by a lottery run (not a lottery masks file)"),
        (fixed(folder, 4), "pruning.mask_round: got 4; allowed: 0 to 3", ""),
        (fixed(folder, 1, **{"model.hidden": [8]}), "pruning.mask_file: got", "masks for this model's weights"),
    ]
    empty = RunStore(tmp_path / "empty")
    for config, start, part in cases:
        with pytest.raises(ConfigError) as error:
            reglab.train(config, store=empty)
        text = str(error.value)
        assert text.startswith(start) and part in text and "\n" not in text
    assert not (tmp_path / "empty" / "runs").exists() or not any((tmp_path / "empty" / "runs").iterdir())
    assert (folder / MASKS_FILE).is_file()


def test_lottery_members_in_two_shards_write_their_single_runs_masks_files(tickets, store_dir):
    """Each shard records its own members' masks (the units it holds); the files equal the single runs'."""
    store, runs = tickets
    members = train_population([validate_config(lottery(seed)) for seed in (0, 1)], store=store_dir,
                               data_order="independent", shards=2)
    population_store = RunStore(store_dir)
    for member, single in zip(members, runs):
        for round_index in range(4):
            got = read_round_mask(population_store.run_dir(member.id), round_index)
            expected = read_round_mask(store.run_dir(single.id), round_index)
            assert all(torch.equal(got[name], expected[name]) for name in WEIGHTS), (member.config.seed, round_index)


def test_fixed_masks_of_different_tensors_train_apart_not_as_one_population(tickets, store_dir):
    """A ticket that pruned its biases too and one that did not: no shared stacked mask."""
    from reglab.compare.training import train_runs
    from reglab.population import PopulationUnsupported

    store, runs = tickets
    with_biases = reglab.train(lottery(0, **{"pruning.include_biases": True}), store=store_dir)
    configs = [validate_config(fixed(store.run_dir(runs[0].id), 1)),
               validate_config(fixed(RunStore(store_dir).run_dir(with_biases.id), 1))]
    with pytest.raises(PopulationUnsupported, match="fixed masks of different tensors"):
        train_population(configs, store=store_dir)
    trained = train_runs(configs, RunStore(store_dir), "population")  # compare falls back to single runs
    assert [run.summary["population"]["size"] for run in trained] == [1, 1]
    mask = read_round_mask(RunStore(store_dir).run_dir(with_biases.id), 1)  # its mask covers the biases
    assert torch.equal(trained[1].model.state_dict()["head.bias"] != 0, mask["head.bias"])
