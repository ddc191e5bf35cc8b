"""The config sections and loading functions in plain imports (they need pydantic);
`reglab.config.<name>` resolves here on first use."""

from reglab.config.augment import AugmentConfig
from reglab.config.data import DATASET_NAMES, DataConfig
from reglab.config.measures import MEASURE_FAMILIES, MeasuresConfig
from reglab.config.loading import apply_overrides, load_config, parse_override, validate_config
from reglab.config.model import ACTIVATIONS, INIT_SCHEMES, MODEL_PRESETS, ModelConfig
from reglab.config.optimizer import OptimizerConfig, ScheduleConfig
from reglab.config.pruning import PruningConfig
from reglab.config.regularization import RegularizationConfig
from reglab.config.robustness import RobustnessConfig
from reglab.config.root import Config
from reglab.config.stopping import EarlyStoppingConfig
from reglab.config.trajectory import TRAJECTORY_METRICS, TrajectoryConfig

__all__ = ['ACTIVATIONS', 'AugmentConfig', 'Config', 'DATASET_NAMES', 'DataConfig', 'EarlyStoppingConfig', 'INIT_SCHEMES', 'MEASURE_FAMILIES', 'MODEL_PRESETS', 'MeasuresConfig', 'ModelConfig', 'OptimizerConfig', 'PruningConfig', 'RegularizationConfig', 'RobustnessConfig', 'ScheduleConfig', 'TRAJECTORY_METRICS', 'TrajectoryConfig', 'apply_overrides', 'load_config', 'parse_override', 'validate_config']
