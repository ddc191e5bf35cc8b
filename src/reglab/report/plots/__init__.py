"""Figure builders: each takes stored data and returns a matplotlib Figure, or None
when the data it needs is absent."""

from reglab.report.plots.curves import evaluation_split, plot_metric_comparison, plot_run_curves
from reglab.report.plots.histograms import choose_epochs, plot_weight_histograms, snapshot_paths, weight_matrices
from reglab.report.plots.norms import final_layer_norms, frobenius_norms, plot_layer_norms, plot_parameter_norm
from reglab.report.plots.sparsity import accuracy_by_sparsity, plot_accuracy_vs_sparsity, plot_sparsity
from reglab.report.plots.style import figure_bytes, figure_style, run_colors, save_figure
from reglab.report.plots.trajectory import plot_interpolation, plot_loss_surface, plot_pca_path

__all__ = [
    "accuracy_by_sparsity",
    "choose_epochs",
    "evaluation_split",
    "figure_bytes",
    "figure_style",
    "final_layer_norms",
    "frobenius_norms",
    "plot_accuracy_vs_sparsity",
    "plot_interpolation",
    "plot_layer_norms",
    "plot_loss_surface",
    "plot_metric_comparison",
    "plot_parameter_norm",
    "plot_pca_path",
    "plot_run_curves",
    "plot_sparsity",
    "plot_weight_histograms",
    "run_colors",
    "save_figure",
    "snapshot_paths",
    "weight_matrices",
]
