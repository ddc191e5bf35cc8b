"""Weight averaging: an exponential moving average of the weights (EMA) and stochastic weight averaging (SWA)."""

from reglab.averaging.ema import WeightEMA, stacked_weights
from reglab.averaging.stacked import average_members_, averaging_weights
from reglab.averaging.swa import StochasticWeightAveraging, install_swa_weights_, swa_weight
from reglab.averaging.weights import copy_weights_, input_batches

__all__ = [
    "StochasticWeightAveraging",
    "WeightEMA",
    "average_members_",
    "averaging_weights",
    "copy_weights_",
    "input_batches",
    "install_swa_weights_",
    "stacked_weights",
    "swa_weight",
]
