"""StepUnits: the units of a population, per slot, and the parts they keep in checkpoints."""

from __future__ import annotations

import pytest

from reglab.contract.units import MemberUnit, StepUnits


class _Keeper(MemberUnit):
    def member_state(self, position, member, run):
        return {"wait": 1}


class _Average(_Keeper):
    name = "ema"
    state_key = "averaging"


class _OtherAverage(_Keeper):
    name = "my_average"
    state_key = "averaging"


class _Stateless(MemberUnit):
    name = "plain"
    state_key = "averaging"  # keeps nothing: no clash


def test_two_units_keeping_state_under_one_key_are_refused():
    with pytest.raises(ValueError, match="'ema' and 'my_average' both keep their checkpoint state under 'averaging'"):
        StepUnits([_Average(), _OtherAverage()], hyper=None)


def test_units_that_keep_nothing_or_use_their_own_keys_go_together():
    class Patience(_Keeper):
        name = "patience"

    units = StepUnits([_Average(), _Stateless(), Patience()], hyper=None)
    assert units.member_state(0, 0, None) == {"averaging": {"wait": 1}, "patience": {"wait": 1}}
