// reglab ui: which curves and trajectory panels exist, and how a run's history becomes traces.
"use strict";

const figures = (() => {
  const {COLORS} = reglab;

  const CURVES = [
    {id: "loss", title: "Loss", keys: ["train/loss", "val/loss", "test/loss"]},
    {id: "accuracy", title: "Accuracy", keys: ["train/acc", "val/acc", "test/acc"]},
    {id: "lr", title: "Learning rate", keys: ["lr"]},
  ];

  const TRAJECTORY = [
    {id: "norms", title: "Parameter norm ‖w‖₂", prefix: "param/l2/"},
    {id: "l1", title: "L1 norm ‖w‖₁", prefix: "param/l1/"},
    {id: "distance", title: "Distance from init ‖w − w₀‖₂", prefix: "param/dist_init/"},
    {id: "relative-distance", title: "Relative distance from init ‖w − w₀‖ / ‖w₀‖", prefix: "param/dist_init_rel/"},
    {id: "cosine", title: "Cosine to init", prefix: "param/cos_init/"},
    {id: "sparsity", title: "Sparsity (fraction of exact zeros)", prefix: "param/sparsity/"},
    {id: "near-zero", title: "Near-zero fraction", prefix: "param/near_zero/"},
    {id: "gradients", title: "Gradient norm ‖∇w‖₂", prefix: "grad/l2/"},
    {id: "updates", title: "Update ratio ‖Δw‖ / ‖w‖ per epoch", prefix: "update_ratio/"},
    {id: "batchnorm", title: "Batch-norm statistics (channel means)", prefix: "bn/"},
  ];
  const MAX_LAYERS = 16;

  // Column-wise history {epochs, series} → per-key points, skipping epochs without a value.
  function points(history, key) {
    const values = history.series[key] || [];
    const x = [], y = [];
    history.epochs.forEach((epoch, index) => {
      const value = values[index];
      if (value !== null && value !== undefined) { x.push(epoch); y.push(value); }
    });
    return {x, y};
  }

  function presentCurves(history) {
    return CURVES.map((curve) => ({...curve, keys: curve.keys.filter((key) => key in history.series)}))
      .filter((curve) => curve.keys.length);
  }

  function panelKeys(history, panel) {
    const keys = Object.keys(history.series).filter((key) => key.startsWith(panel.prefix));
    const total = keys.filter((key) => key.endsWith("/total"));
    const layers = keys.filter((key) => !key.endsWith("/total")).slice(0, MAX_LAYERS);
    return layers.concat(total);
  }

  function presentPanels(history) {
    return TRAJECTORY.map((panel) => ({...panel, keys: panelKeys(history, panel)})).filter((panel) => panel.keys.length);
  }

  // Several keys of one run (one line per layer, the total dashed).
  function runTraces(history, keys, prefix) {
    return keys.map((key, index) => {
      const total = key.endsWith("/total");
      const {x, y} = points(history, key);
      return {x, y, name: key.slice(prefix.length) || key, mode: "lines", type: "scatter",
        line: total ? {color: "#111", width: 2.5, dash: "dash"} : {color: COLORS[index % COLORS.length], width: 1.6}};
    });
  }

  // One key of several runs (one line per run, in the run's colour) at the widths the server
  // gives (/api/compare's line_width: thick to thin by the reports' rule, so a run whose curve
  // equals a later run's shows as a halo around it).
  function overlayTraces(histories, names, key, widths, dash) {
    return histories.map((history, index) => {
      const {x, y} = points(history, key);
      return {x, y, name: names[index], mode: "lines", type: "scatter", legendgroup: names[index],
        line: {color: COLORS[index % COLORS.length], width: widths[index], dash: dash || "solid"}};
    });
  }

  function bestLine(epoch) {
    return epoch ? [{type: "line", xref: "x", yref: "paper", x0: epoch, x1: epoch, y0: 0, y1: 1, line: {color: "#999", width: 1, dash: "dot"}}] : [];
  }

  // A log axis only helps when the values span more than a factor of 20.
  function spansDecades(history, key) {
    const values = (history.series[key] || []).filter((value) => value > 0);
    return values.length > 1 && Math.max(...values) / Math.min(...values) > 20;
  }

  // One axis of the parallel coordinates for a swept key's values (one per run):
  // log10 when all are positive over a factor of 10 or more; one evenly spaced tick per
  // value when a few values span decades with a zero among them (weight decay 0, 1e-4,
  // 1e-3, 1e-2, which a linear axis would crowd at its bottom) or are integers (seeds);
  // else linear; text values as sorted categories.
  const MAX_TICKED_VALUES = 12;
  function parallelAxis(key, values, format) {
    const numeric = values.every((value) => typeof value === "number" || value === null);
    if (numeric) {
      const positive = values.filter((value) => value > 0);
      const decades = positive.length > 0 && Math.max(...positive) / Math.min(...positive) >= 10;
      if (decades && positive.length === values.length) return {label: `log10 ${key}`, values: values.map((value) => Math.log10(value))};
      const distinct = [...new Set(values.filter((value) => value !== null))].sort((a, b) => a - b);
      if ((decades || distinct.every(Number.isInteger)) && distinct.length <= MAX_TICKED_VALUES) {
        return {label: key, values: values.map((value) => (value === null ? NaN : distinct.indexOf(value))),
          tickvals: distinct.map((_, index) => index), ticktext: distinct.map((value) => format(value))};
      }
      return {label: key, values: values.map((value) => (value === null ? NaN : value))};
    }
    const texts = values.map((value) => format(value));
    const distinct = [...new Set(texts)].sort();
    return {label: key, values: texts.map((text) => distinct.indexOf(text)), tickvals: distinct.map((_, index) => index), ticktext: distinct};
  }

  return {parallelAxis, spansDecades, CURVES, TRAJECTORY, points, presentCurves, presentPanels, panelKeys, runTraces, overlayTraces, bestLine};
})();
