// reglab ui: the runs table (server-side filter, sort, paging, grouping; live progress).
"use strict";

(() => {
  const {el, initial, getJSON, format, spread, duration, time, progress, badge, errorBox, selection, setLive} = reglab;
  const IDENTITY = [["name", "Name"], ["status", "Status"], ["sweep", "Sweep"], ["started_at", "Started"], ["duration_s", "Duration"]];
  // Left out below 1100 px (style.css), said in the name's tooltip instead: the id, name,
  // status and the config and metric columns are what a narrow window must show.
  const OPTIONAL = new Set(["sweep", "started_at", "duration_s"]);
  const params = new URLSearchParams(location.search);
  const state = {
    q: params.get("q") || "",
    sort: params.get("sort") || "started_at",
    order: params.get("order") || "desc",
    offset: Number(params.get("offset") || 0),
    limit: Number(params.get("limit") || 100),
    columns: params.get("columns") || "",
    group: params.get("group") || "",
  };
  let data = initial();
  let version = data && data.version;
  let loading = null;

  const main = document.getElementById("main");
  const filter = el("input", {type: "text", id: "filter", value: state.q, placeholder: "text or key conditions: wd optimizer.lr>0.01 status=completed", list: "keys"});
  const columns = el("input", {type: "text", id: "columns", value: state.columns, placeholder: "default: keys that vary, then metrics"});
  const group = el("input", {type: "text", id: "group", value: state.group, placeholder: "e.g. optimizer.lr", list: "keys"});
  const keyList = el("datalist", {id: "keys"});
  const message = el("div", {id: "message"});
  const table = el("table", {class: "data", id: "runs-table"});
  // Scrolls sideways within itself when the columns are wider than a narrow window (style.css).
  const tableBox = el("div", {class: "table-box", id: "runs-table-box"}, table);
  const headerLegend = el("p", {class: "muted", id: "column-names"});
  const pager = el("div", {class: "pager", id: "pager"});
  const selectionCount = el("span", {id: "selection-count"});
  const compareButton = el("button", {class: "primary", id: "compare-button", onclick: () => {
    location.href = `/compare?ids=${encodeURIComponent(selection.ids().join(","))}`;
  }}, "Compare selected");
  const clearButton = el("button", {id: "clear-selection", onclick: () => selection.clear()}, "Clear");

  main.append(
    el("h1", {}, "Runs"),
    el("div", {class: "controls"},
      el("label", {}, "Filter", filter),
      el("label", {}, "Columns (comma-separated keys)", columns),
      el("label", {}, "Group by (mean ± std)", group),
      el("button", {onclick: () => apply({offset: 0})}, "Apply"),
      el("button", {id: "over-seeds", title: "group by every config key shown except seed: mean ± std over seeds", onclick: overSeeds}, "Mean over seeds"),
      el("div", {class: "selection"}, selectionCount, compareButton, clearButton)),
    keyList, message, tableBox, headerLegend, pager);

  for (const input of [filter, columns, group]) {
    input.addEventListener("keydown", (event) => { if (event.key === "Enter") apply({offset: 0}); });
  }
  document.addEventListener("selection", showSelection);

  function query() {
    const out = new URLSearchParams();
    if (state.q) out.set("q", state.q);
    if (state.sort !== "started_at") out.set("sort", state.sort);
    if (state.order !== "desc") out.set("order", state.order);
    if (state.offset) out.set("offset", String(state.offset));
    if (state.limit !== 100) out.set("limit", String(state.limit));
    if (state.columns) out.set("columns", state.columns);
    if (state.group) out.set("group", state.group);
    return out.toString();
  }

  async function apply(changes) {
    Object.assign(state, {q: filter.value.trim(), columns: columns.value.trim(), group: group.value.trim()}, changes || {});
    const text = query();
    history.replaceState(null, "", text ? `/?${text}` : "/");
    await load();
  }

  async function load() {
    const text = query();
    const pending = getJSON(`/api/runs${text ? "?" + text : ""}`);
    loading = pending;
    try {
      const fresh = await pending;
      if (loading !== pending) return;
      data = fresh;
      version = fresh.version;
      render();
    } catch (error) {
      if (loading === pending) { message.replaceChildren(errorBox(error.message)); }
    }
  }

  // Group by the config keys in view (those without a "/"), seed excepted.
  function overSeeds() {
    const keys = (data.columns || data.by || []).filter((key) => !key.includes("/") && key !== "seed");
    if (!keys.length) { message.replaceChildren(errorBox("no config key in view to group by; add some under Columns")); return; }
    group.value = keys.join(",");
    apply({offset: 0});
  }

  function sortBy(key) {
    const order = state.sort === key && state.order === "desc" ? "asc" : "desc";
    apply({sort: key, order, offset: 0});
  }

  // A key's header may break after ".", "_" and "/" (early_stopping.restore_best), never elsewhere.
  function breakable(text) {
    return text.split(/(?<=[._/])/).flatMap((piece, index) => (index ? [el("wbr"), piece] : [piece]));
  }

  function header(key, label, numeric, isKey) {
    const classes = ["sortable"];
    if (numeric) classes.push("number");
    if (isKey) classes.push("key");
    if (OPTIONAL.has(key)) classes.push("optional");
    if (state.sort === key) classes.push(`sorted-${state.order}`);
    return el("th", {class: classes.join(" "), dataset: {key}, title: `sort by ${key}`, onclick: () => sortBy(key)}, isKey ? breakable(label) : label);
  }

  // Headers come from the server: config keys by their short names, as `reglab runs list` prints them.
  function headerOf(column) {
    return (data.headers || {})[column] || column;
  }

  function numeric(rows, column) {
    return rows.some((row) => typeof row.values[column] === "number");
  }

  function renderRuns() {
    const rows = data.rows;
    const pageIds = rows.map((row) => row.id);
    const all = el("input", {type: "checkbox", title: "select this page", onchange: (event) => {
      const ids = selection.ids().filter((id) => !pageIds.includes(id));
      selection.set(event.target.checked ? ids.concat(pageIds) : ids);
    }});
    const head = el("tr", {}, el("th", {}, all),
      IDENTITY.map(([key, label]) => header(key, label, key === "duration_s")),
      data.columns.map((column) => header(column, headerOf(column), numeric(rows, column), true)));
    const body = rows.map((row) => {
      const checked = selection.has(row.id);
      const box = el("input", {type: "checkbox", class: "select-run", dataset: {id: row.id}, checked,
        onchange: (event) => selection.toggle(row.id, event.target.checked)});
      const about = `started ${time(row.started_at)} · ${duration(row.duration_s)}${row.sweep ? ` · sweep ${row.sweep}` : ""}`;
      return el("tr", {dataset: {id: row.id}, class: checked ? "selected" : null},
        el("td", {}, box),
        el("td", {}, el("a", {href: `/runs/${encodeURIComponent(row.id)}`, class: "run-name", title: about}, row.name), el("div", {class: "id"}, row.id)),
        el("td", {}, badge(row.status), el("div", {class: "progress"}, progress(row))),
        el("td", {class: "optional"}, row.sweep ? el("a", {href: `/sweeps/${encodeURIComponent(row.sweep)}`}, row.sweep) : "—"),
        el("td", {class: "started optional"}, time(row.started_at).split(" ").map((part) => el("div", {}, part))),
        el("td", {class: "number optional"}, duration(row.duration_s)),
        data.columns.map((column) => el("td", {class: typeof row.values[column] === "number" ? "number" : null, dataset: {key: column}},
          column in (row.text || {}) ? row.text[column] : format(row.values[column]))));
    });
    table.replaceChildren(el("thead", {}, head), el("tbody", {}, body));
    const first = data.total ? data.offset + 1 : 0, last = data.offset + rows.length;
    const extra = data.total !== data.store_total ? ` (filtered from ${data.store_total.toLocaleString()})` : "";
    pager.replaceChildren(
      el("button", {id: "previous-page", disabled: data.offset === 0, onclick: () => apply({offset: Math.max(0, data.offset - data.limit)})}, "← Previous"),
      el("span", {id: "row-count"}, `${first.toLocaleString()}–${last.toLocaleString()} of ${data.total.toLocaleString()} runs${extra}`),
      el("button", {id: "next-page", disabled: last >= data.total, onclick: () => apply({offset: data.offset + data.limit})}, "Next →"));
  }

  function renderGroups() {
    const head = el("tr", {}, data.by.map((key) => el("th", {class: "key", title: key}, breakable(headerOf(key)))), el("th", {class: "number"}, "runs"),
      data.columns.map((column) => header(column, `${headerOf(column)} (mean ± std)`, true, true)));
    const body = data.groups.map((row) => {
      const conditions = data.by.map((key, index) => `${key}=${format(row.key[index]).replace(/ /g, "")}`).join(" ");
      return el("tr", {},
        row.key.map((value) => el("td", {}, format(value))),
        el("td", {class: "number"}, el("a", {href: "#", title: "show these runs", onclick: (event) => {
          event.preventDefault();
          filter.value = [state.q, conditions].filter(Boolean).join(" ");
          group.value = "";
          apply({offset: 0});
        }}, String(row.count))),
        data.columns.map((column) => {
          const stats = row.stats[column];
          const text = column in (row.text || {}) ? row.text[column] : stats && stats.mean !== null ? `${format(stats.mean)} ± ${spread(stats.std)}` : "—";
          return el("td", {class: "number", title: stats ? `n = ${stats.n}` : null}, text);
        }));
    });
    table.replaceChildren(el("thead", {}, head), el("tbody", {}, body));
    pager.replaceChildren(el("span", {id: "row-count"}, `${data.groups.length} groups of ${data.total.toLocaleString()} runs`));
  }

  function render() {
    message.replaceChildren();
    if (data.error) { message.replaceChildren(errorBox(data.error)); return; }
    if (data.groups) renderGroups(); else renderRuns();
    headerLegend.textContent = data.header_legend || "";
    showSelection();
  }

  function showSelection() {
    const ids = selection.ids();
    selectionCount.textContent = ids.length ? `${ids.length} selected` : "select runs to compare";
    compareButton.disabled = ids.length === 0;
    clearButton.disabled = ids.length === 0;
    for (const box of table.querySelectorAll("input.select-run")) {
      box.checked = ids.includes(box.dataset.id);
      box.closest("tr").classList.toggle("selected", box.checked);
    }
  }

  async function fillKeys() {
    try {
      const keys = await getJSON("/api/keys");
      keyList.replaceChildren(...keys.config.concat(keys.metrics).map((key) => el("option", {value: key})));
    } catch (error) { /* the list only helps typing */ }
  }

  async function poll() {
    try {
      const now = await getJSON("/api/version");
      setLive(now.running.length ? `${now.running.length} running` : "up to date", now.running.length > 0);
      if (now.version !== version) await load();
      else if (now.running.length && data && data.rows) await load();  // ETA and duration tick
    } catch (error) {
      setLive("server unreachable", false);
    }
    setTimeout(poll, 2000);
  }

  if (data) render(); else load();
  fillKeys();
  setTimeout(poll, 2000);
})();
