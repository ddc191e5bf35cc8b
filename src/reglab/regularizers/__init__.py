"""Regularizers: penalties, weight decay groups, proximal steps, constraints."""

from reglab.regularizers.decay import DecayGroups, decay_groups
from reglab.regularizers.scope import parameter_roles, select_parameters

from reglab.regularizers.activity import ActivityPenaltyHook, activity_l1, activity_l2
from reglab.regularizers.clipping import GradientClipHook, clip_gradients_
from reglab.regularizers.constraints import MaxNormHook, max_norm_, unit_norms
from reglab.regularizers.flooding import FloodingHook, flood
from reglab.regularizers.orthogonality import ORTHOGONALITY_MODES, OrthogonalityHook, orthogonality_penalty
from reglab.regularizers.sharpness import SharpnessAwareHook, sam_perturbation
from reglab.regularizers.penalties import (
    L2_CONVENTIONS,
    PenaltyGroup,
    PenaltyHook,
    elastic_net_penalty,
    group_by_multiplier,
    l1_penalty,
    l2_coefficient,
    l2_penalty,
    weighted_penalty,
)
from reglab.regularizers.proximal import ProximalL1Hook, SubgradientL1Hook, soft_threshold, soft_threshold_
from reglab.regularizers.zeros import ZeroFractionMonitor, zero_fraction

__all__ = [
    "ActivityPenaltyHook",
    "DecayGroups",
    "FloodingHook",
    "GradientClipHook",
    "L2_CONVENTIONS",
    "MaxNormHook",
    "ORTHOGONALITY_MODES",
    "OrthogonalityHook",
    "PenaltyGroup",
    "PenaltyHook",
    "ProximalL1Hook",
    "SharpnessAwareHook",
    "SubgradientL1Hook",
    "ZeroFractionMonitor",
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
