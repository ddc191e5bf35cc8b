"""The parameter trajectory: a recorder, weight snapshots, and analyses of stored runs.

Public API:
    MemberTrajectory                               the `trajectory.*` keys of every member (on by default)
    TrajectoryRecorder                             a callback measuring a member's module
    pca_path(run_dir) -> PCAPath                   PCA of the snapshot trajectory
    interpolate(model, w0, w1, data, objective, alphas) -> Interpolation
    loss_surface(model, center, directions, data, objective, xs, ys) -> LossSurface
    random_directions / pca_directions             the planes of the loss surface
"""

from reglab.trajectory.gradients import gradient_norms
from reglab.trajectory.interpolation import Interpolation, blend_states, default_alphas, interpolate
from reglab.trajectory.members import MemberTrajectory
from reglab.trajectory.landscape import (
    LossSurface,
    filter_normalized_direction,
    loss_surface,
    pca_directions,
    random_directions,
    symmetric_grid,
)
from reglab.trajectory.projection import PCAPath, PCAResult, pca_path, principal_components
from reglab.trajectory.recorder import TrajectoryRecorder
from reglab.trajectory.snapshots import SnapshotEntry, SnapshotWriter, read_index
from reglab.trajectory.steps import STEPS_FILE, StepRowWriter

__all__ = [
    "Interpolation",
    "LossSurface",
    "MemberTrajectory",
    "PCAPath",
    "PCAResult",
    "STEPS_FILE",
    "SnapshotEntry",
    "SnapshotWriter",
    "StepRowWriter",
    "TrajectoryRecorder",
    "blend_states",
    "default_alphas",
    "filter_normalized_direction",
    "gradient_norms",
    "interpolate",
    "loss_surface",
    "pca_directions",
    "pca_path",
    "principal_components",
    "random_directions",
    "read_index",
    "symmetric_grid",
]
