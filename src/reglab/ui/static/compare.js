// reglab ui: selected runs side by side (curves and trajectory overlaid, config differences, permalink).
"use strict";

(() => {
  const {el, initial, getJSON, format, badge, errorBox, plot, selection, COLORS} = reglab;
  const main = document.getElementById("main");
  const given = (new URLSearchParams(location.search).get("ids") || (initial() || {}).ids || "").split(",").map((id) => id.trim()).filter(Boolean);
  const ids = given.length ? given : selection.ids();

  // The run page's trajectory families, for all parameters (total) or one tensor picked in a list.
  const PANELS = figures.TRAJECTORY.filter((panel) => panel.prefix !== "bn/");

  async function start() {
    main.append(el("h1", {}, "Compare"));
    if (!ids.length) {
      main.append(el("p", {class: "muted"}, "No runs selected: tick runs in the ", el("a", {href: "/"}, "runs table"), " and press “Compare selected”."));
      return;
    }
    const permalink = `${location.origin}/compare?ids=${ids.map(encodeURIComponent).join(",")}`;
    if (!given.length) history.replaceState(null, "", `/compare?ids=${ids.map(encodeURIComponent).join(",")}`);
    let data;
    try {
      data = await getJSON(`/api/compare?ids=${encodeURIComponent(ids.join(","))}`);
    } catch (error) {
      main.append(errorBox(error.message));
      return;
    }
    const histories = await Promise.all(data.runs.map((run) => getJSON(`/api/runs/${encodeURIComponent(run.id)}/history`)));
    // Labels and their short forms come from the server, which shortens them as the terminal's tables do.
    const fullNames = data.runs.map((run) => run.label);
    const names = data.runs.map((run) => run.shown_name);
    const legend = data.run_names;
    const widths = data.runs.map((run) => run.line_width);

    main.append(el("div", {class: "facts"},
      el("div", {}, el("span", {}, "permalink"), el("a", {id: "permalink", href: permalink}, permalink)),
      el("button", {onclick: () => navigator.clipboard && navigator.clipboard.writeText(permalink)}, "Copy"),
      el("button", {onclick: () => { selection.set(ids); location.href = "/"; }}, "Edit selection in the runs table")));

    main.append(el("table", {class: "data", id: "compare-runs"},
      el("thead", {}, el("tr", {}, ["run", "status", "epochs", "best epoch", "val/acc", "test/acc", "val/loss", "test/loss"].map((label, index) => el("th", {class: index >= 2 ? "number" : null}, label)))),
      el("tbody", {}, data.runs.map((run, index) => {
        const final = (run.summary || {}).final || {};
        const last = histories[index];
        const latest = (key) => key in final ? final[key] : (last.series[key] || []).slice(-1)[0];
        return el("tr", {dataset: {id: run.id}},
          el("td", {}, el("span", {class: "swatch", style: `background:${COLORS[index % COLORS.length]}`}), el("a", {href: `/runs/${encodeURIComponent(run.id)}`, title: fullNames[index]}, names[index])),
          el("td", {}, badge(run.status)),
          el("td", {class: "number"}, format(run.epochs)),
          el("td", {class: "number"}, format((run.summary || {}).best_epoch)),
          ["val/acc", "test/acc", "val/loss", "test/loss"].map((key) => el("td", {class: "number"}, format(latest(key)))));
      }))));
    if (legend) main.append(el("p", {class: "muted", id: "run-names"}, legend));

    const curves = el("div", {class: "grid", id: "compare-curves"});
    main.append(el("h2", {}, "Curves"), curves);
    const curveKeys = [["val/acc", "Validation accuracy"], ["train/acc", "Training accuracy"], ["test/acc", "Test accuracy"],
      ["val/loss", "Validation loss"], ["train/loss", "Training loss"], ["test/loss", "Test loss"], ["lr", "Learning rate"]];
    for (const [key, title] of curveKeys) {
      if (!histories.some((history) => key in history.series)) continue;
      const node = el("div", {class: "plot", id: `plot-${key.replace(/\W/g, "-")}`, dataset: {key}});
      curves.append(node);
      plot(node, figures.overlayTraces(histories, names, key, widths), {title, yaxis: key === "lr" && histories.some((history) => figures.spansDecades(history, "lr")) ? {type: "log"} : {}});
    }

    const panels = el("div", {class: "grid", id: "compare-trajectory"});
    const tensors = new Set();
    for (const history of histories) {
      for (const key of Object.keys(history.series)) {
        if (key.startsWith("param/l2/") && !key.endsWith("/total")) tensors.add(key.slice("param/l2/".length));
      }
    }
    const layer = el("select", {id: "layer"}, el("option", {value: "total"}, "all parameters (total)"),
      [...tensors].sort().map((name) => el("option", {value: name}, name)));
    main.append(el("h2", {}, "Trajectory"), el("div", {class: "controls"}, el("label", {}, "Tensor", layer)), panels);
    function drawPanels() {
      for (const node of [...panels.querySelectorAll(".js-plotly-plot")]) Plotly.purge(node);
      panels.replaceChildren();
      for (const panel of PANELS) {
        const key = panel.prefix + layer.value;
        if (!histories.some((history) => key in history.series)) continue;
        const node = el("div", {class: "plot", id: `plot-${panel.id}`, dataset: {key}});
        panels.append(node);
        plot(node, figures.overlayTraces(histories, names, key, widths), {title: `${panel.title}: ${layer.value}`});
      }
      if (!panels.children.length) panels.append(el("p", {class: "muted"}, "None of these runs recorded trajectory keys for this tensor."));
    }
    layer.addEventListener("change", drawPanels);
    drawPanels();

    main.append(el("h2", {}, "Config differences"));
    if (!data.config_differences.length) main.append(el("p", {class: "muted"}, "The configs are identical."));
    else main.append(el("div", {class: "scroll-x"}, el("table", {class: "data", id: "config-differences"},
      el("thead", {}, el("tr", {}, el("th", {}, "key"), names.map((name, index) => el("th", {}, el("span", {class: "swatch", style: `background:${COLORS[index % COLORS.length]}`}), name)), el("th", {}, "default"))),
      el("tbody", {}, data.config_differences.map((row) => el("tr", {}, el("td", {}, row.key), row.values.map((value) => el("td", {}, format(value))), el("td", {class: "muted"}, format(row.default))))))));
  }

  start();
})();
