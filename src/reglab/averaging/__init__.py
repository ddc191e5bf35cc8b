"""Weight averaging: an exponential moving average of the weights (EMA) and stochastic weight averaging (SWA),
each a `MemberUnit` for K members."""

from reglab.averaging.ema import WeightEMA
from reglab.averaging.stacked import average_members_, averaging_weights
from reglab.averaging.swa import StochasticWeightAveraging, install_swa_weights_, swa_weight
from reglab.averaging.weights import input_batches

__all__ = [
    "StochasticWeightAveraging",
    "WeightEMA",
    "average_members_",
    "averaging_weights",
    "input_batches",
    "install_swa_weights_",
    "swa_weight",
]
