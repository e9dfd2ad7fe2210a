/* The command centre's figures (the very numbers of /stats, from bot/services/kpis.py) for
   today, the week and the month, in one city or all, with inline SVG charts and a CSV. */
(function () {
  "use strict";
  const D = window.Dash;
  const el = D.el;
  const PERIODS = ["today", "week", "month"];
  let period = "week", city = "";

  function select(id, options, value, onChange) {
    const node = el("select", { id: id });
    options.forEach(function (o) { node.appendChild(el("option", { value: o[0], text: o[1], selected: o[0] === value })); });
    node.addEventListener("change", function () { onChange(node.value); });
    return node;
  }

  function controls() {
    const box = D.clear(document.getElementById("figure-controls"));
    box.appendChild(el("label", {}, [D.word("period") + " ", select("period", PERIODS.map(function (p) { return [p, D.word("period_" + p)]; }), period, function (v) { period = v; load(); })]));
    const names = D.config.words.cities;
    const options = [["", D.word("all_cities")]].concat(Object.keys(names).map(function (k) { return [k, names[k]]; }));
    box.appendChild(el("label", {}, [D.word("city") + " ", select("city", options, city, function (v) { city = v; load(); })]));
    box.appendChild(el("a", { id: "csv", class: "button", href: "/dashboard/api/kpis.csv?" + query(period), download: "", text: D.word("download_csv") }));
  }

  function query(p) { return "period=" + p + (city ? "&city=" + encodeURIComponent(city) : ""); }

  function card(label, value, sub) {
    return el("div", { class: "card" }, [el("div", { class: "card-label", text: label }), el("div", { class: "card-value", text: value }), sub ? el("div", { class: "card-sub", text: sub }) : null]);
  }

  function spread(s) { return D.word("median") + " " + D.duration(s.median_s) + " · " + D.word("p90") + " " + D.duration(s.p90_s); }

  function numbers(f) {
    const box = D.clear(document.getElementById("figure-numbers"));
    box.appendChild(card(D.word("total_requests"), D.num(f.total)));
    box.appendChild(card(D.word("first_alert"), D.duration(f.first_alert.median_s), spread(f.first_alert)));
    box.appendChild(card(D.word("first_accept"), D.duration(f.first_accept.median_s), spread(f.first_accept)));
    box.appendChild(card(D.word("arrival"), D.duration(f.arrival.median_s), spread(f.arrival)));
    box.appendChild(card(D.word("acceptance"), D.percent(f.acceptance_rate), D.num(f.alerts_accepted) + " / " + D.num(f.alerts)));
    box.appendChild(card(D.word("escalated_share"), D.percent(f.escalated_share), D.num(f.escalated)));
    box.appendChild(card(D.word("hours"), D.num(Math.round(f.credited_minutes / 6) / 10)));
  }

  // A bar chart: [label, value, shown] rows, bars from the reading side (right in Arabic).
  function bars(title, rows, id) {
    const rtl = D.config.rtl;
    const width = 440, lineH = 26, labelW = 170, top = 8;
    const height = top + rows.length * lineH + 8;
    const max = Math.max.apply(null, rows.map(function (r) { return r[1] || 0; }).concat([1]));
    const chart = D.svg("svg", { viewBox: "0 0 " + width + " " + height, class: "chart", id: id, role: "img", "aria-label": title });
    rows.forEach(function (r, i) {
      const y = top + i * lineH;
      const w = Math.max(1, ((r[1] || 0) / max) * (width - labelW - 70));
      const x = rtl ? width - labelW - w : labelW;
      const label = D.svg("text", { x: rtl ? width - 4 : 4, y: y + 16, class: "chart-label" }, r[0].length > 22 ? r[0].slice(0, 21) + "…" : r[0]);
      label.appendChild(D.svg("title", {}, r[0]));
      chart.appendChild(label);
      chart.appendChild(D.svg("rect", { x: x, y: y + 4, width: w, height: lineH - 10, rx: 3, class: "bar" }));
      chart.appendChild(D.svg("text", { x: rtl ? x - 6 : x + w + 6, y: y + 16, class: "chart-value" }, r[2]));
    });
    return el("figure", { class: "chart-box" }, [el("figcaption", { text: title }), chart]);
  }

  function charts(all) {
    const box = D.clear(document.getElementById("charts"));
    const label = function (p) { return D.word("period_" + p); };
    const accept = [];
    PERIODS.forEach(function (p) {
      const s = all[p].first_accept;
      accept.push([label(p) + " · " + D.word("median"), s.median_s || 0, D.duration(s.median_s)]);
      accept.push([label(p) + " · " + D.word("p90"), s.p90_s || 0, D.duration(s.p90_s)]);
    });
    box.appendChild(bars(D.word("first_accept"), accept, "chart-accept"));
    box.appendChild(bars(D.word("acceptance"), PERIODS.map(function (p) { return [label(p), all[p].acceptance_rate || 0, D.percent(all[p].acceptance_rate)]; }), "chart-acceptance"));
    const types = {};
    all[period].by_type.forEach(function (r) { types[r.incident] = (types[r.incident] || 0) + r.n; });
    const typeRows = Object.keys(D.config.words.incidents).map(function (k) { return [D.config.words.incidents[k], types[k] || 0, D.num(types[k] || 0)]; });
    box.appendChild(bars(D.word("by_type") + " · " + label(period), typeRows, "chart-types"));
    box.appendChild(bars(D.word("hours"), PERIODS.map(function (p) { const h = Math.round(all[p].credited_minutes / 6) / 10; return [label(p), h, D.num(h)]; }), "chart-hours"));
  }

  async function load() {
    controls();
    const all = {};
    await Promise.all(PERIODS.map(async function (p) { all[p] = await D.api("/dashboard/api/kpis?" + query(p)); }));
    numbers(all[period]);
    charts(all);
  }

  window.Dash.figures = { load: load };
})();
