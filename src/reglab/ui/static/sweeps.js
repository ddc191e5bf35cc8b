// reglab ui: the list of sweeps.
"use strict";

(() => {
  const {el, getJSON, time, errorBox} = reglab;
  const main = document.getElementById("main");
  main.append(el("h1", {}, "Sweeps"));
  getJSON("/api/sweeps").then((data) => {
    if (!data.sweeps.length) {
      main.append(el("p", {class: "muted"}, "No sweeps in this store yet (reglab sweep SPEC.yaml)."));
      return;
    }
    main.append(el("table", {class: "data", id: "sweeps-table", style: "max-width: 900px"},
      el("thead", {}, el("tr", {}, ["sweep", "runs", "finished", "running", "failed / interrupted", "started"].map((label, index) => el("th", {class: index >= 1 && index <= 4 ? "number" : null}, label)))),
      el("tbody", {}, data.sweeps.map((sweep) => el("tr", {},
        el("td", {}, el("a", {href: `/sweeps/${encodeURIComponent(sweep.name)}`}, sweep.name)),
        el("td", {class: "number"}, sweep.runs.toLocaleString()),
        el("td", {class: "number"}, sweep.finished.toLocaleString()),
        el("td", {class: "number"}, sweep.running.toLocaleString()),
        el("td", {class: "number"}, sweep.failed.toLocaleString()),
        el("td", {}, time(sweep.started_at)))))));
  }).catch((error) => main.append(errorBox(error.message)));
})();
