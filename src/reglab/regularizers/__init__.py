"""Regularizers: penalties, weight decay groups, proximal steps, constraints."""

from reglab.regularizers.decay import DecayGroups, decay_groups
from reglab.regularizers.scope import parameter_roles, select_parameters

__all__ = ["DecayGroups", "decay_groups", "parameter_roles", "select_parameters"]
