/* A request's panel: where it is, who holds it (and, for the assigned volunteer only, their
   last position), its timeline, and the escalation's four answers, posted with the CSRF
   token to the same use cases as the operations chat's buttons. */
(function () {
  "use strict";
  const D = window.Dash;
  const el = D.el;
  let current = null, message = "";

  function row(label, value) {
    return value ? el("div", { class: "row" }, [el("span", { class: "label", text: label }), el("span", { class: "value", text: value })]) : null;
  }

  async function open(id) {
    current = id;
    message = "";
    await refresh();
  }

  function close() {
    current = null;
    const box = document.getElementById("panel");
    box.hidden = true;
    D.clear(box);
    D.map.focus(null);
  }

  async function refresh() {
    if (current === null) return;
    const id = current;
    let p;
    try {
      p = await D.api("/dashboard/api/requests/" + id + "?lang=" + D.config.lang);
    } catch (e) {
      return;
    }
    if (current !== id) return;
    render(p);
    D.map.focus(p);
  }

  async function answer(id, action, body) {
    let result = "error";
    try {
      const done = await D.api("/dashboard/api/requests/" + id + "/" + action, { method: "POST", body: JSON.stringify(body || {}) });
      result = done.result;
    } catch (e) { /* shown below */ }
    message = D.word("result_" + result) === "result_" + result ? D.word("result_error") : D.word("result_" + result);
    await refresh();
  }

  function actions(p) {
    if (!p.answerable) return el("p", { class: "muted", text: D.word("no_actions") });
    const box = el("div", { class: "actions", id: "actions" }, [el("h3", { text: D.word("actions") })]);
    const button = function (action, key) {
      return el("button", { type: "button", class: "act act-" + action, "data-action": action, text: D.word(key), on: { click: function () { answer(p.id, action); } } });
    };
    box.appendChild(button("wider", "act_wider"));
    const assign = el("button", { type: "button", class: "act act-assign", "data-action": "assign", text: D.word("act_assign") });
    const list = el("div", { class: "candidates", hidden: true });
    assign.addEventListener("click", function () {
      list.hidden = !list.hidden;
      if (!p.candidates.length) D.clear(list).appendChild(el("p", { class: "muted", text: D.word("no_candidates") }));
    });
    p.candidates.forEach(function (c) {
      list.appendChild(el("button", { type: "button", class: "candidate", "data-volunteer": c.id, text: c.name + " · " + c.distance, on: { click: function () { answer(p.id, "assign", { volunteer_id: c.id }); } } }));
    });
    box.appendChild(assign);
    box.appendChild(list);
    box.appendChild(button("officials", "act_officials"));
    box.appendChild(button("false_alarm", "act_false_alarm"));
    return box;
  }

  function render(p) {
    const panel = D.clear(document.getElementById("panel"));
    const box = { appendChild: function (node) { if (node) panel.appendChild(node); } };
    panel.hidden = false;
    const incident = D.config.words.incidents[p.incident] || p.incident;
    const city = D.config.words.cities[p.area] || p.area;
    box.appendChild(el("div", { class: "panel-head" }, [
      el("h2", { id: "panel-title", text: D.word("request_no", { id: p.id }) + " · " + incident }),
      el("button", { type: "button", class: "close", title: D.word("close"), text: "×", on: { click: close } }),
    ]));
    if (message) box.appendChild(el("p", { class: "result", id: "result", role: "status", text: message }));
    box.appendChild(row(D.word("status"), D.config.words.statuses[p.status] || p.status));
    box.appendChild(row(D.word("area"), p.area_text));
    box.appendChild(row(D.word("location"), p.lat.toFixed(5) + ", " + p.lon.toFixed(5)));
    box.appendChild(row(D.word("created"), p.created));
    box.appendChild(row(D.word("requester"), p.requester));
    box.appendChild(row(D.word("volunteer"), p.volunteer));
    if (p.volunteer_at) box.appendChild(row(D.word("volunteer_at", { time: p.volunteer_at.seen }), p.volunteer_at.lat.toFixed(5) + ", " + p.volunteer_at.lon.toFixed(5)));
    box.appendChild(row(D.word("details"), p.description));
    box.appendChild(actions(p));
    box.appendChild(el("h3", { text: D.word("timeline") }));
    const list = el("ol", { class: "timeline", id: "timeline" });
    p.timeline.forEach(function (item) {
      const li = el("li", {}, [el("time", { text: item.at }), el("span", { text: item.text })]);
      if (item.by) li.appendChild(el("span", { class: "muted", text: D.word("by", { name: item.by }) }));
      if (item.alerted.length) li.appendChild(el("span", { class: "muted", text: D.word("alerted", { names: item.alerted.join(D.config.lang === "ar" ? "، " : ", ") }) }));
      list.appendChild(li);
    });
    box.appendChild(list);
  }

  function changed(ids) {
    if (current !== null && ids.indexOf(current) >= 0) refresh();
  }

  window.Dash.panel = { open: open, close: close, refresh: refresh, changed: changed, current: function () { return current; } };
})();
