// reglab ui: one sweep (parallel coordinates, heatmap over two keys, best runs).
"use strict";

(() => {
  const {el, initial, getJSON, format, spread, badge, errorBox, plot, setLive} = reglab;
  const main = document.getElementById("main");
  const name = (initial() || {}).sweep;
  const metricSelect = el("select", {id: "metric"});
  const xSelect = el("select", {id: "heatmap-x"});
  const ySelect = el("select", {id: "heatmap-y"});
  const message = el("div");
  // New results do not redraw by themselves (that would drop a range picked on an axis): a button offers it.
  const update = el("button", {id: "update", class: "primary", style: "display: none", onclick: () => load(metricSelect.value)}, "New results: update");
  const parallel = el("div", {class: "plot", id: "parallel", style: "min-height: 420px"});
  const parallelCaption = el("p", {class: "muted", id: "parallel-caption"});
  const heatmap = el("div", {class: "plot", id: "heatmap", style: "min-height: 420px"});
  const best = el("div", {id: "best"});
  main.append(
    el("h1", {}, "Sweep ", name),
    el("p", {}, el("a", {href: `/?q=${encodeURIComponent(`sweep=${JSON.stringify(name)}`)}`}, "its runs in the runs table")),
    el("div", {class: "controls"}, el("label", {}, "Metric", metricSelect), el("label", {}, "Heatmap x", xSelect), el("label", {}, "Heatmap y", ySelect), update),
    message,
    el("h2", {}, "Parallel coordinates"), parallelCaption, parallel,
    el("h2", {}, "Heatmap (mean over the other keys and seeds)"), heatmap,
    el("h2", {}, "Best runs"), best);

  let table = null;
  // Parallel coordinates draw every line with WebGL; without a GPU 10,000 lines take seconds.
  const MAX_LINES = 1000, KEEP_BEST = 200;
  // Room right of the last axis: its range labels (about 30 px), a gap, the colour bar and its ticks (about 70 px).
  const PARALLEL_RIGHT_MARGIN = 150;

  // Run positions to draw: all of them, or the best ones and an even sample of the rest.
  function linesToDraw(positions, metric) {
    if (positions.length <= MAX_LINES) return {positions, note: ""};
    const values = table.columns[metric];
    const ordered = positions.slice().sort((a, b) => table.lower_is_better ? values[a] - values[b] : values[b] - values[a]);
    const rest = ordered.slice(KEEP_BEST), count = MAX_LINES - KEEP_BEST;
    const sample = Array.from({length: count}, (_, index) => rest[Math.floor(index * rest.length / count)]);
    const chosen = ordered.slice(0, KEEP_BEST).concat(sample).sort((a, b) => a - b);
    return {positions: chosen, note: ` Shown: ${chosen.length.toLocaleString()} of them, the ${KEEP_BEST} best and an even sample of the rest by ${metric}.`};
  }

  function options(select, values, chosen) {
    select.replaceChildren(...values.map((value) => el("option", {value, selected: value === chosen}, value)));
  }

  function axis(rows, key) {
    return figures.parallelAxis(key, rows.map((row) => table.columns[key][row]), format);
  }

  function drawParallel() {
    const metric = table.metric;
    const measured = table.runs.id.map((_, index) => index).filter((index) => typeof table.columns[metric][index] === "number");
    const {positions: rows, note} = linesToDraw(measured, metric);
    if (!rows.length || !table.keys.length) { Plotly.purge(parallel); parallel.replaceChildren(el("p", {class: "muted"}, "No finished run with this metric, or no swept key.")); return; }
    const dimensions = table.keys.map((key) => axis(rows, key)).concat([{label: metric, values: rows.map((row) => table.columns[metric][row])}]);
    const color = rows.map((row) => table.columns[metric][row]);
    // The colour bar stands at the figure's right edge (container coordinates), and the right
    // margin leaves a gap between it and the last axis, whose range labels reach past the
    // axis: at the plot area's edge (Plotly's default) it touched them.
    const colorbar = {title: {text: metric, side: "top"}, xref: "container", x: 1, xanchor: "right", xpad: 12, thickness: 14};
    plot(parallel, [{type: "parcoords", dimensions, line: {color, colorscale: "Viridis", reversescale: table.lower_is_better, showscale: true, colorbar}}],
      {height: 420, margin: {l: 70, r: PARALLEL_RIGHT_MARGIN, t: 60, b: 30}, hovermode: false});
    parallelCaption.textContent = `${measured.length.toLocaleString()} runs with ${metric}: each line is a run, from its swept keys to ${metric} (drag along an axis to pick a range).${note}`;
  }

  async function drawHeatmap() {
    if (table.keys.length < 2) { heatmap.replaceChildren(el("p", {class: "muted"}, "A heatmap needs two swept keys.")); return; }
    const query = new URLSearchParams({x: xSelect.value, y: ySelect.value, metric: table.metric});
    let data;
    try { data = await getJSON(`/api/sweeps/${encodeURIComponent(name)}/heatmap?${query}`); } catch (error) { message.replaceChildren(errorBox(error.message)); return; }
    const text = data.mean.map((row, i) => row.map((mean, j) => mean === null ? "" : `${format(mean)} ± ${spread(data.std[i][j])} (n=${data.count[i][j]})`));
    const label = (text) => (text !== "" && !isNaN(Number(text)) ? format(Number(text)) : text);
    plot(heatmap, [{type: "heatmap", x: data.x_values.map(label), y: data.y_values.map(label), z: data.mean, text, hoverinfo: "x+y+text", colorscale: "Viridis", reversescale: table.lower_is_better, colorbar: {title: {text: data.metric}}}],
      {title: `${data.metric}: mean over runs in each cell`, height: 420, xaxis: {title: {text: data.x}, type: "category"}, yaxis: {title: {text: data.y}, type: "category"}, hovermode: "closest"});
  }

  function drawBest() {
    const columns = table.keys.concat([table.metric]);
    const numeric = (key) => table.best.some((row) => typeof row.values[key] === "number");
    best.replaceChildren(el("table", {class: "data", id: "best-runs"},
      // Headers and metric values as the server shows them (short keys, one number format per column).
      el("thead", {}, el("tr", {}, el("th", {}, "#"), el("th", {}, "run"), el("th", {}, "status"),
        columns.map((key) => el("th", {class: numeric(key) ? "number" : null, title: key}, table.headers[key] || key)))),
      el("tbody", {}, table.best.map((row, index) => el("tr", {dataset: {id: row.id}},
        el("td", {}, String(index + 1)),
        // a sweep's runs usually share its name: the run's id tells them apart
        el("td", {}, el("a", {href: `/runs/${encodeURIComponent(row.id)}`, title: row.name}, row.name === name ? row.id.slice(0, 8) : row.name)),
        el("td", {}, badge(row.status)),
        columns.map((key) => el("td", {class: typeof row.values[key] === "number" ? "number" : null, dataset: {key}},
          key in row.text ? row.text[key] : format(row.values[key]))))))),
      table.header_legend ? el("p", {class: "muted", id: "best-columns"}, table.header_legend) : "");
  }

  async function load(metric) {
    const query = metric ? `?metric=${encodeURIComponent(metric)}` : "";
    try { table = await getJSON(`/api/sweeps/${encodeURIComponent(name)}/table${query}`); } catch (error) { message.replaceChildren(errorBox(error.message)); return; }
    message.replaceChildren();
    update.style.display = "none";
    options(metricSelect, table.metrics, table.metric);
    if (!xSelect.value) {
      const preferred = table.keys.filter((key) => key !== "seed").concat(table.keys.filter((key) => key === "seed"));
      options(xSelect, table.keys, preferred[0]);
      options(ySelect, table.keys, preferred[1] || preferred[0]);
    }
    drawParallel(); drawBest(); await drawHeatmap();
  }

  async function poll() {
    try {
      const now = await getJSON("/api/version");
      setLive(now.running.length ? `${now.running.length} running` : "up to date", now.running.length > 0);
      if (table && now.version !== table.version) update.style.display = "";
    } catch (error) {
      setLive("server unreachable", false);
    }
    setTimeout(poll, 2000);
  }

  metricSelect.addEventListener("change", () => load(metricSelect.value));
  setTimeout(poll, 2000);
  xSelect.addEventListener("change", drawHeatmap);
  ySelect.addEventListener("change", drawHeatmap);
  load(null);
})();
