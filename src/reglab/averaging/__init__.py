"""Weight averaging: an exponential moving average of the weights (EMA) and stochastic weight averaging (SWA)."""

from reglab.averaging.ema import WeightEMA, ema_model
from reglab.averaging.swa import StochasticWeightAveraging, install_swa_weights_
from reglab.averaging.weights import copy_weights_, input_batches

__all__ = [
    "StochasticWeightAveraging",
    "WeightEMA",
    "copy_weights_",
    "ema_model",
    "input_batches",
    "install_swa_weights_",
]
