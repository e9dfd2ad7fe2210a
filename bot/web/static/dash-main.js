/* Wiring: the tabs, the live stream (server-sent events: a snapshot, then the changes read
   from the database), the summary, the legend and the readiness table. */
(function () {
  "use strict";
  const D = window.Dash;
  const el = D.el;
  let fields = [], readiness = [], skill = "", figuresShown = false;

  function summary() {
    const counts = D.map.counts();
    const box = D.clear(document.getElementById("summary"));
    box.appendChild(el("h2", { id: "open-count", "data-n": D.map.size(), text: D.word("open_requests", { n: D.num(D.map.size()) }) }));
    const list = el("ul", { class: "counts" });
    D.STATES.forEach(function (s) {
      list.appendChild(el("li", { class: "state-" + s }, [el("span", { class: "swatch swatch-" + s }), D.word("state_" + s) + ": " + D.num(counts[s] || 0)]));
    });
    box.appendChild(list);
  }

  function legend() {
    const box = D.clear(document.getElementById("legend"));
    box.appendChild(el("h3", { text: D.word("age") }));
    const list = el("ul", { class: "counts" });
    ["fresh", "late", "old"].forEach(function (band) {
      list.appendChild(el("li", {}, [el("span", { class: "ring ring-" + band }), D.word("age_" + band)]));
    });
    box.appendChild(list);
  }

  function readinessTable() {
    const box = D.clear(document.getElementById("readiness"));
    box.appendChild(el("h3", { text: D.word("readiness") }));
    const incidents = D.config.words.incidents;
    const chooser = el("select", { id: "skill" }, [el("option", { value: "", text: D.word("all_types") })].concat(
      Object.keys(incidents).map(function (k) { return el("option", { value: k, text: incidents[k], selected: k === skill }); })));
    chooser.addEventListener("change", function () { skill = chooser.value; D.map.setReadiness(readiness, skill); readinessTable(); });
    box.appendChild(chooser);
    const table = el("table", { class: "readiness", id: "readiness-table" });
    table.appendChild(el("tr", {}, [el("th", { text: D.word("readiness_city") }), el("th", { text: D.word("readiness_total") })]));
    readiness.slice().sort(function (a, b) { return b.ready - a.ready; }).forEach(function (r) {
      const n = skill ? (r.skills[skill] || 0) : r.ready;
      const asked = skill ? (r.asked[skill] || 0) : Object.values(r.asked).reduce(function (a, b) { return a + b; }, 0);
      const gap = asked > 0 && n === 0;
      table.appendChild(el("tr", { class: gap ? "gap" : "" }, [
        el("td", { text: D.config.words.cities[r.city] || r.city }),
        el("td", { text: D.num(n) + (gap ? " ⚠️" : ""), title: gap ? D.word("readiness_gap") : null }),
      ]));
    });
    box.appendChild(table);
  }

  function setReadiness(rows) {
    readiness = rows;
    D.map.setReadiness(rows, skill);
    readinessTable();
  }

  function live(on) {
    const badge = document.getElementById("live");
    badge.className = on ? "live on" : "live off";
    badge.textContent = on ? D.word("live") : D.word("reconnecting");
  }

  function connect() {
    const source = new EventSource("/dashboard/events");
    source.addEventListener("open", function () { live(true); });
    source.addEventListener("error", function () { live(false); });
    source.addEventListener("snapshot", function (e) {
      const state = JSON.parse(e.data);
      fields = state.fields;
      D.map.setAll(state);
      setReadiness(state.readiness);
      summary();
      D.panel.refresh();
    });
    source.addEventListener("changes", function (e) {
      const changes = JSON.parse(e.data);
      D.map.apply(fields, changes);
      summary();
      D.panel.changed(changes.upsert.map(function (r) { return r[0]; }).concat(changes.remove));
    });
    source.addEventListener("readiness", function (e) { setReadiness(JSON.parse(e.data)); });
    source.addEventListener("signed_out", function () { source.close(); window.location.reload(); });
  }

  function tabs() {
    const mapTab = document.getElementById("tab-map"), figTab = document.getElementById("tab-figures");
    const show = function (figures) {
      document.getElementById("view-map").hidden = figures;
      document.getElementById("view-figures").hidden = !figures;
      mapTab.classList.toggle("active", !figures);
      figTab.classList.toggle("active", figures);
      if (figures) D.figures.load(); else D.map.invalidate();
      figuresShown = figures;
    };
    mapTab.addEventListener("click", function () { show(false); });
    figTab.addEventListener("click", function () { show(true); });
  }

  D.map.init(function (id) { D.panel.open(id); });
  legend();
  summary();
  tabs();
  live(false);
  connect();
  setInterval(function () { D.map.tick(Date.now() / 1000); }, 30000);
  window.Dash.figuresShown = function () { return figuresShown; };
})();
