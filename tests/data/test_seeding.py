import torch

from reglab.data.seeding import derived_generator, derived_seed


def test_derived_seeds_are_stable_and_differ_by_purpose_and_seed():
    assert derived_seed(0, "split/val") == derived_seed(0, "split/val")
    assert derived_seed(0, "split/val") != derived_seed(0, "split/test")
    assert derived_seed(0, "split/val") != derived_seed(1, "split/val")
    assert 0 <= derived_seed(-5, "split/val") < 2**64


def test_derived_generator_reproduces_draws():
    first = torch.rand(5, generator=derived_generator(3, "corrupt"))
    again = torch.rand(5, generator=derived_generator(3, "corrupt"))
    assert torch.equal(first, again)
