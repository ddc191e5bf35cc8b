"""Every technique family, imported so that each registers its `build_technique`.

The engine imports this module once; the families register themselves with
`reglab.contract.register_technique` (their order in a step is on the decorator).
"""

from reglab.augment import technique as augment_technique
from reglab.averaging import technique as averaging_technique
from reglab.contract.technique import build_techniques, registered_techniques
from reglab.measures import technique as measures_technique
from reglab.pruning import technique as pruning_technique
from reglab.regularizers import adversarial as adversarial_technique
from reglab.regularizers import technique as regularizers_technique
from reglab.robustness import technique as robustness_technique
from reglab.stopping import technique as stopping_technique
from reglab.trajectory import technique as trajectory_technique

FAMILIES = (
    regularizers_technique,
    pruning_technique,
    averaging_technique,
    augment_technique,
    adversarial_technique,
    stopping_technique,
    robustness_technique,
    trajectory_technique,
    measures_technique,
)

__all__ = ["FAMILIES", "build_techniques", "registered_techniques"]
