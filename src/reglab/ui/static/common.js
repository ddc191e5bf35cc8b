// reglab ui: helpers shared by every page (DOM building, formatting, fetching, plots).
"use strict";

const reglab = (() => {
  const COLORS = ["#2957c4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#1b9e77", "#d95f02"];

  // el("a", {href: "/x", class: "y"}, "text", child): text always goes in as text, never as HTML.
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else if (name === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function initial() {
    const block = document.getElementById("initial");
    return block ? JSON.parse(block.textContent) : null;
  }

  async function getJSON(url) {
    const response = await fetch(url, {headers: {Accept: "application/json"}});
    let body = null;
    try { body = await response.json(); } catch (error) { body = null; }
    if (!response.ok) throw new Error((body && body.error) || `${response.status} ${response.statusText}`);
    return body;
  }

  function number(value) {
    if (typeof value === "boolean") return value ? "true" : "false";
    if (Number.isInteger(value)) return String(value);
    if (Math.abs(value) >= 1e5 || (value !== 0 && Math.abs(value) < 1e-3)) return parseFloat(value.toPrecision(3)).toExponential().replace("e-", "e−").replace("e+", "e");
    return String(parseFloat(value.toPrecision(4)));
  }

  // A spread (std) to two significant digits.
  function spread(value) {
    if (value === null || value === undefined) return "—";
    if (value === 0) return "0";
    return number(parseFloat(value.toPrecision(2)));
  }

  function format(value) {
    if (value === null || value === undefined) return "—";
    if (typeof value === "number" || typeof value === "boolean") return number(value);
    if (typeof value === "string") return value;
    return JSON.stringify(value);
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "—";
    if (seconds < 9.95) return `${seconds.toFixed(1)} s`;  // a run of digits takes under a second
    seconds = Math.round(seconds);
    if (seconds < 60) return `${seconds} s`;
    const hours = Math.floor(seconds / 3600), minutes = Math.floor((seconds % 3600) / 60), rest = seconds % 60;
    const pad = (n) => String(n).padStart(2, "0");
    return hours ? `${hours}:${pad(minutes)}:${pad(rest)}` : `${minutes}:${pad(rest)}`;
  }

  function time(iso) {
    if (!iso) return "—";
    const moment = new Date(iso);
    if (isNaN(moment)) return iso;
    const pad = (n) => String(n).padStart(2, "0");
    return `${moment.getFullYear()}-${pad(moment.getMonth() + 1)}-${pad(moment.getDate())} ${pad(moment.getHours())}:${pad(moment.getMinutes())}:${pad(moment.getSeconds())}`;
  }

  function progress(run) {
    if (run.status !== "running") return "";
    const of = run.epochs_planned ? ` / ${run.epochs_planned}` : "";
    const eta = run.eta_s !== null && run.eta_s !== undefined ? ` · ETA ${duration(run.eta_s)}` : "";
    return `epoch ${run.epochs}${of}${eta}`;
  }

  function badge(status) {
    return el("span", {class: `badge ${status}`}, status.replace("_", " "));
  }

  function errorBox(message) {
    return el("div", {class: "error", role: "alert"}, message);
  }

  // Runs picked for comparison, kept in the browser across pages.
  const selection = {
    key: "reglab.selection",
    ids() { try { return JSON.parse(localStorage.getItem(this.key)) || []; } catch (error) { return []; } },
    has(id) { return this.ids().includes(id); },
    set(ids) { localStorage.setItem(this.key, JSON.stringify(ids)); document.dispatchEvent(new Event("selection")); },
    toggle(id, on) {
      const ids = this.ids().filter((other) => other !== id);
      if (on) ids.push(id);
      this.set(ids);
    },
    clear() { this.set([]); },
  };

  const PLOT_CONFIG = {displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d"]};

  function plot(container, traces, layout) {
    const base = {
      height: 290,
      margin: {l: 56, r: 12, t: 34, b: 52},  // room for the x-axis title under the tick labels
      title: {text: layout.title || "", font: {size: 13}, x: 0.02},
      xaxis: {title: {text: "epoch", font: {size: 11}}, zeroline: false},
      yaxis: {zeroline: false, automargin: true},
      legend: {font: {size: 10}},
      font: {family: "system-ui, sans-serif", size: 11},
      hovermode: "x unified",
    };
    const epochs = traces.flatMap((trace) => trace.x || []);
    if (epochs.length && epochs.every(Number.isInteger)) {
      base.xaxis.dtick = Math.max(1, Math.ceil((Math.max(...epochs) - Math.min(...epochs)) / 10));
    }
    // A constant line (a fixed learning rate of 0.01) sits in the middle of ±50 % of its
    // value: Plotly's own range for it, value ± 1, draws 0.01 on the zero line.
    const values = traces.flatMap((trace) => ((trace.type || "scatter") === "scatter" ? trace.y || [] : [])).filter(Number.isFinite);
    const linear = !(layout.yaxis && layout.yaxis.type === "log");
    if (linear && values.length && values[0] !== 0 && values.every((value) => value === values[0])) {
      const half = Math.abs(values[0]) / 2;
      base.yaxis.range = [values[0] - half, values[0] + half];
    }
    const merged = Object.assign(base, layout, {title: base.title, yaxis: {...base.yaxis, ...(layout.yaxis || {})}});
    // The box is the figure's height: a responsive figure takes the height of its box when
    // the window is resized, and a box sized by its content had changed every figure's
    // height at each resize (down to the stylesheet's minimum, cutting off the x-axis title).
    container.style.height = `${merged.height}px`;
    return Plotly.react(container, traces, merged, PLOT_CONFIG);
  }

  function setLive(text, on) {
    const live = document.getElementById("live");
    if (!live) return;
    live.textContent = text;
    live.classList.toggle("on", Boolean(on));
  }

  return {COLORS, el, initial, getJSON, format, number, spread, duration, time, progress, badge, errorBox, selection, plot, setLive};
})();
