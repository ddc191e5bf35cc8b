"""Population training: K configurations of one architecture shape trained as one vectorized model.

Public API:
    train_population(configs, store=..., sweep=..., data_order=..., engine=...) -> list[Run]
    group_configs(configs, max_size) -> list[list[int]]
    population_key(config), MEMBER_KEYS
    PopulationUnsupported: raised for configs the engine cannot train (train them with reglab.train)
"""

from reglab.population.grouping import MEMBER_KEYS, group_configs, population_key
from reglab.population.order import DATA_ORDERS
from reglab.population.techniques import PopulationUnsupported
from reglab.population.build import ENGINES, build_population
from reglab.population.train import train_population

__all__ = [
    "DATA_ORDERS",
    "ENGINES",
    "MEMBER_KEYS",
    "PopulationUnsupported",
    "build_population",
    "group_configs",
    "population_key",
    "train_population",
]
