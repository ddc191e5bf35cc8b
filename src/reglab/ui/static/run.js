// reglab ui: one run (header, summary, curves, trajectory, weight histograms, config, files), live while it trains.
"use strict";

(() => {
  const {el, initial, getJSON, format, duration, time, badge, errorBox, plot, setLive, selection} = reglab;
  const LATEST_KEYS = ["train/loss", "train/acc", "val/loss", "val/acc", "test/loss", "test/acc", "lr", "param/l2/total", "param/dist_init/total", "param/sparsity/total"];
  let run = initial();
  let history = {epochs: [], series: {}};
  const main = document.getElementById("main");
  const header = el("div", {id: "run-header"});
  const summary = el("div", {id: "summary"});
  const curves = el("div", {class: "grid", id: "curves"});
  const trajectory = el("div", {class: "grid", id: "trajectory"});
  const histograms = el("div", {class: "grid", id: "histograms"});
  const histogramNote = el("p", {class: "muted", id: "histogram-note"});
  const config = el("div", {id: "config"});
  const files = el("div", {id: "files", class: "files"});
  main.append(header,
    el("h2", {}, "Summary"), summary,
    el("h2", {}, "Curves"), curves,
    el("h2", {}, "Trajectory"), trajectory,
    el("h2", {}, "Weight histograms"), histogramNote, histograms,
    el("h2", {}, "Config (differences from the defaults first)"), config,
    el("h2", {}, "Files"), files);

  function renderHeader() {
    const status = run.stale ? "interrupted" : run.status;
    const of = run.epochs_planned ? ` of ${run.epochs_planned}` : "";
    const started = run.started_at ? new Date(run.started_at).getTime() / 1000 : null;
    const ended = run.ended_at ? new Date(run.ended_at).getTime() / 1000 : (status === "running" ? Date.now() / 1000 : null);
    const elapsed = started && ended ? ended - started : null;
    let eta = null;
    if (status === "running" && run.epochs && run.epochs_planned && elapsed !== null) {
      eta = elapsed / run.epochs * Math.max(0, run.epochs_planned - run.epochs);
    }
    const select = el("input", {type: "checkbox", id: "select-run", checked: selection.has(run.id), onchange: (event) => selection.toggle(run.id, event.target.checked)});
    header.replaceChildren(
      el("h1", {}, run.name, " ", badge(status)),
      el("div", {class: "facts"},
        el("div", {}, el("span", {}, "id"), el("code", {}, run.id)),
        run.sweep ? el("div", {}, el("span", {}, "sweep"), el("a", {href: `/sweeps/${encodeURIComponent(run.sweep)}`}, run.sweep)) : null,
        el("div", {}, el("span", {}, "epochs"), el("b", {id: "epoch-count"}, `epoch ${run.epochs}${of}`)),
        eta !== null ? el("div", {}, el("span", {}, "ETA"), el("b", {id: "eta"}, duration(eta))) : null,
        el("div", {}, el("span", {}, "started"), time(run.started_at)),
        el("div", {}, el("span", {}, "duration"), duration(elapsed)),
        el("div", {}, el("span", {}, "reglab"), run.reglab_version),
        el("div", {}, el("label", {}, select, " select for comparison"))),
      run.error ? el("pre", {class: "error"}, run.error) : "");
  }

  function renderSummary() {
    const s = run.summary || {};
    // Numbers as the server writes them: one format per metric, the stop reason's value in its metric's.
    const shown = run.summary_table;
    if (!shown.rows.length) {
      const last = history.epochs.length ? history.epochs.length - 1 : null;
      const liveKeys = LATEST_KEYS.filter((key) => key in history.series);
      summary.replaceChildren(last === null ? el("p", {class: "muted"}, "No epoch finished yet.") :
        el("table", {class: "data", id: "summary-table"}, el("thead", {}, el("tr", {}, el("th", {}, "metric"), el("th", {class: "number"}, `epoch ${history.epochs[last]} (latest)`))),
          el("tbody", {}, liveKeys.map((key) => el("tr", {}, el("td", {}, key), el("td", {class: "number"}, format(history.series[key][last])))))));
      return;
    }
    const rows = shown.rows.map((row) => el("tr", {}, el("td", {}, row.key), el("td", {class: "number"}, row.final), el("td", {class: "number"}, row.best)));
    summary.replaceChildren(
      el("div", {class: "facts"},
        el("div", {}, el("span", {}, "best epoch"), format(s.best_epoch), s.best_monitor ? ` (by ${s.best_monitor})` : ""),
        s["time/total"] !== undefined ? el("div", {}, el("span", {}, "training time"), duration(s["time/total"])) : null,
        shown.stop_reason ? el("div", {id: "stop-reason"}, el("span", {}, "stopped"), shown.stop_reason) : null),
      el("table", {class: "data", id: "summary-table", style: "max-width: 640px"},
        el("thead", {}, el("tr", {}, el("th", {}, "metric"), el("th", {class: "number"}, "final"), el("th", {class: "number"}, `best epoch (${format(s.best_epoch)})`))),
        el("tbody", {}, rows)));
  }

  function ensurePlot(parent, id) {
    let node = document.getElementById(id);
    if (!node) { node = el("div", {class: "plot", id}); parent.append(node); }
    return node;
  }

  function renderPlots() {
    const best = (run.summary || {}).best_epoch;
    const presentCurves = figures.presentCurves(history);
    if (!presentCurves.length) curves.replaceChildren(el("p", {class: "muted"}, "No epoch recorded yet."));
    else if (curves.querySelector("p")) curves.replaceChildren();
    for (const curve of presentCurves) {
      const traces = curve.keys.map((key, index) => {
        const {x, y} = figures.points(history, key);
        return {x, y, name: key, mode: "lines+markers", marker: {size: 4}, line: {color: reglab.COLORS[index], width: 2}};
      });
      plot(ensurePlot(curves, `plot-${curve.id}`), traces, {title: curve.title, shapes: figures.bestLine(best), yaxis: curve.id === "lr" && figures.spansDecades(history, "lr") ? {type: "log"} : {}});
    }
    const panels = figures.presentPanels(history);
    if (!panels.length) trajectory.replaceChildren(el("p", {class: "muted"}, "This run recorded no trajectory keys (trajectory.enabled: false)."));
    else if (trajectory.querySelector("p")) trajectory.replaceChildren();
    for (const panel of panels) {
      plot(ensurePlot(trajectory, `plot-${panel.id}`), figures.runTraces(history, panel.keys, panel.prefix), {title: panel.title});
    }
  }

  async function renderHistograms() {
    let data;
    try { data = await getJSON(`/api/runs/${encodeURIComponent(run.id)}/histograms`); } catch (error) { histograms.replaceChildren(errorBox(error.message)); return; }
    if (!data.layers.length) {
      histograms.replaceChildren(el("p", {class: "muted"}, "No snapshots or final weights (set trajectory.snapshot_epochs to keep snapshots)."));
      return;
    }
    histograms.replaceChildren();
    histogramNote.textContent = data.left_out;
    const count = data.labels.length;
    data.layers.forEach((layer, layerIndex) => {
      const centers = layer.edges.slice(0, -1).map((edge, index) => (edge + layer.edges[index + 1]) / 2);
      // Counts are of the weights that are not exactly 0; the pruned ones are said in the
      // legend (per epoch) and under the title (the latest epoch), as the reports do.
      const traces = layer.histograms.map((histogram) => {
        const position = data.labels.indexOf(histogram.label);
        const shade = count > 1 ? position / (count - 1) : 1;
        const color = histogram.label === "final" ? "#111" : `hsl(${220 - 200 * shade}, 70%, ${35 + 15 * shade}%)`;
        const zeros = histogram.zeros ? ` · ${parseFloat((100 * histogram.zeros / histogram.size).toPrecision(3))} % zero` : "";
        return {x: centers, y: histogram.counts, name: `${histogram.label}${zeros}`, mode: "lines", line: {shape: "hvh", color, width: 1.6}};
      });
      const title = layer.note ? `${layer.name}<br><span style="font-size:11px;color:#667085">${layer.note}</span>` : layer.name;
      plot(ensurePlot(histograms, `histogram-${layerIndex}`), traces, {title, margin: {l: 56, r: 12, t: layer.note ? 52 : 34, b: 52},
        xaxis: {title: {text: "weight", font: {size: 11}}}, yaxis: {title: {text: "count", font: {size: 11}}}, hovermode: "closest"});
    });
  }

  function renderConfig() {
    const changed = run.config_rows.filter((row) => row.changed);
    const same = run.config_rows.filter((row) => !row.changed);
    const table = (rows, id) => el("table", {class: "data", id, style: "max-width: 900px"},
      el("thead", {}, el("tr", {}, el("th", {}, "key"), el("th", {}, "value"), el("th", {}, "default"))),
      el("tbody", {}, rows.map((row) => el("tr", {class: row.changed ? "changed" : null}, el("td", {}, row.key), el("td", {}, format(row.value)), el("td", {class: "muted"}, row.has_default ? format(row.default) : "(no default)")))));
    config.replaceChildren(
      changed.length ? table(changed, "config-changed") : el("p", {class: "muted"}, "Every key has its default value."),
      el("details", {}, el("summary", {}, `the other ${same.length} keys (defaults)`), table(same, "config-defaults")));
  }

  function renderFiles() {
    if (!run.files.length) { files.replaceChildren(el("p", {class: "muted"}, "No files.")); return; }
    files.replaceChildren(el("ul", {}, run.files.map((file) => el("li", {},
      el("a", {href: `/files/${encodeURIComponent(run.id)}/${file.path.split("/").map(encodeURIComponent).join("/")}`}, file.path),
      el("span", {class: "muted"}, ` ${(file.size / 1024).toFixed(1)} KiB`)))));
  }

  function merge(fresh) {
    const known = new Set(history.epochs);
    fresh.epochs.forEach((epoch, index) => {
      if (known.has(epoch)) return;
      const at = history.epochs.length;
      history.epochs.push(epoch);
      for (const key of Object.keys(history.series)) history.series[key].push(null);
      for (const [key, values] of Object.entries(fresh.series)) {
        if (!(key in history.series)) history.series[key] = new Array(at + 1).fill(null);
        history.series[key][at] = values[index];
      }
    });
  }

  async function poll() {
    const last = history.epochs.length ? history.epochs[history.epochs.length - 1] : -1;
    try {
      const fresh = await getJSON(`/api/runs/${encodeURIComponent(run.id)}/history?after=${last}`);
      if (fresh.epochs.length) { merge(fresh); renderPlots(); }
      if (fresh.status !== "running") {
        run = await getJSON(`/api/runs/${encodeURIComponent(run.id)}`);
        renderHeader(); renderSummary(); renderPlots(); renderHistograms(); renderFiles();
        setLive(fresh.status.replace("_", " "), false);
        return;
      }
      run.epochs = fresh.epochs_done;
      renderHeader();
      if (!(run.summary && run.summary.final)) renderSummary();
      setLive(`training · epoch ${fresh.epochs_done}`, true);
    } catch (error) {
      setLive("server unreachable", false);
    }
    setTimeout(poll, 1000);
  }

  async function start() {
    renderHeader(); renderConfig(); renderFiles();
    try {
      history = await getJSON(`/api/runs/${encodeURIComponent(run.id)}/history`);
    } catch (error) {
      curves.replaceChildren(errorBox(error.message));
    }
    renderSummary(); renderPlots(); renderHistograms();
    if (run.status === "running" && !run.stale) setTimeout(poll, 1000);
    else setLive("", false);
  }

  start();
})();
