"""Generalization measures of trained weights (Jiang et al. 2019, "Fantastic generalization
measures and where to find them"): one small module per family, each a function with its
formula and reference; `MeasureRecorder` runs the families a config's `measures` section
names, per run and per population member (docs/measures.md)."""

from reglab.measures.callback import MeasureRecorder
from reglab.measures.compute import compute_measures
from reglab.measures.distance import distance_from_init
from reglab.measures.flatness import flatness_sigma, pacbayes_flatness
from reglab.measures.hessian import hessian_top_eigenvalue, hessian_trace, hessian_vector_product
from reglab.measures.layers import layer_matrices
from reglab.measures.margin import norm_over_margin, output_margin
from reglab.measures.network import Network
from reglab.measures.norms import norm_measures
from reglab.measures.path_norm import path_norm
from reglab.measures.sharpness import sharpness
from reglab.measures.spectra import fit_power_law, layer_eigenvalues, spectral_measures

__all__ = [
    "MeasureRecorder",
    "Network",
    "compute_measures",
    "distance_from_init",
    "fit_power_law",
    "flatness_sigma",
    "hessian_top_eigenvalue",
    "hessian_trace",
    "hessian_vector_product",
    "layer_eigenvalues",
    "layer_matrices",
    "norm_measures",
    "norm_over_margin",
    "output_margin",
    "pacbayes_flatness",
    "path_norm",
    "sharpness",
    "spectral_measures",
]
