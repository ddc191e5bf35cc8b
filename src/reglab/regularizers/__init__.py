"""Regularizers: penalties, weight decay groups, proximal steps, constraints; each a `MemberUnit` for K members."""

from reglab.regularizers.decay import DecayGroups, decay_groups
from reglab.regularizers.scope import parameter_roles, select_parameters

from reglab.regularizers.activity import ActivityPenalty, activity_l1, activity_l2
from reglab.regularizers.clipping import GradientClipping, clip_gradients_
from reglab.regularizers.constraints import MaxNorm, max_norm_, unit_norms
from reglab.regularizers.flooding import Flooding, flood
from reglab.regularizers.orthogonality import ORTHOGONALITY_MODES, OrthogonalityPenalty, orthogonality_penalty
from reglab.regularizers.sharpness import SharpnessAware, sam_perturbation
from reglab.regularizers.penalties import (
    L2_CONVENTIONS,
    PenaltyGroup,
    WeightPenalties,
    elastic_net_penalty,
    group_by_multiplier,
    l1_penalty,
    l2_coefficient,
    l2_penalty,
    weighted_penalty,
)
from reglab.regularizers.proximal import ProximalL1, SubgradientL1, soft_threshold, soft_threshold_
from reglab.regularizers.zeros import zero_fraction

__all__ = [
    "ActivityPenalty",
    "DecayGroups",
    "Flooding",
    "GradientClipping",
    "L2_CONVENTIONS",
    "MaxNorm",
    "ORTHOGONALITY_MODES",
    "OrthogonalityPenalty",
    "PenaltyGroup",
    "ProximalL1",
    "SharpnessAware",
    "SubgradientL1",
    "WeightPenalties",
    "activity_l1",
    "activity_l2",
    "clip_gradients_",
    "decay_groups",
    "elastic_net_penalty",
    "flood",
    "group_by_multiplier",
    "l1_penalty",
    "l2_coefficient",
    "l2_penalty",
    "max_norm_",
    "orthogonality_penalty",
    "parameter_roles",
    "sam_perturbation",
    "select_parameters",
    "soft_threshold",
    "soft_threshold_",
    "unit_norms",
    "weighted_penalty",
    "zero_fraction",
]
