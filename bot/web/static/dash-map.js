/* The live map: the Kingdom's outline and cities (shipped with the package), readiness per
   city, and the open requests as markers coloured by state and ringed by age, grouped into
   clusters where they crowd (a 48-pixel grid at the current zoom). */
(function () {
  "use strict";
  const D = window.Dash;
  const CELL = 48;
  // Labels drawn to the left, where a neighbour would sit under them on the right.
  const LEFT = { Jeddah: true, Yanbu: true, Dammam: true, Abha: true };
  const BIG_CITIES = 8; // saudi_cities.csv is ordered by population
  const markers = new Map(); // id -> {id, incident, state, created, lat, lon, area}
  let map, requestLayer, cityLayer, focusLayer, onPick, now = Date.now() / 1000;
  let cities = [], readiness = {}, skill = "";

  function init(pick) {
    onPick = pick;
    map = L.map("map", { zoomSnap: 0.5, minZoom: 4, maxZoom: 17, attributionControl: !!D.config.tile_url });
    map.fitBounds([[16.0, 34.4], [32.3, 55.8]], { padding: [12, 12] });
    if (D.config.tile_url) {
      L.tileLayer(D.config.tile_url, { attribution: D.config.tile_attribution || "" }).addTo(map);
    }
    cityLayer = L.layerGroup().addTo(map);
    requestLayer = L.layerGroup().addTo(map);
    focusLayer = L.layerGroup().addTo(map);
    map.on("zoomend", draw);
    D.api("/dashboard/api/base").then(function (base) {
      L.geoJSON(base.outline, {
        interactive: false,
        style: { color: "#5b6b7b", weight: 1.5, fillColor: "#f3efe3", fillOpacity: D.config.tile_url ? 0 : 1 },
      }).addTo(map).bringToBack();
      cities = base.cities;
      drawCities();
    });
  }

  function fromRow(fields, row) {
    const m = {};
    fields.forEach(function (name, i) { m[name] = row[i]; });
    return m;
  }

  function setAll(state) {
    markers.clear();
    now = state.now;
    state.requests.forEach(function (row) { const m = fromRow(state.fields, row); markers.set(m.id, m); });
    draw();
  }

  function apply(fields, changes) {
    now = changes.now;
    changes.upsert.forEach(function (row) { const m = fromRow(fields, row); markers.set(m.id, m); });
    changes.remove.forEach(function (id) { markers.delete(id); });
    draw();
  }

  function tick(seconds) { now = seconds; draw(); }

  function single(m) {
    const band = D.ageBand(m.created, now);
    const circle = L.circleMarker([m.lat, m.lon], {
      radius: band === "old" ? 10 : 8,
      color: D.RINGS[band],
      weight: band === "fresh" ? 2 : 4,
      fillColor: D.COLOURS[m.state] || "#555",
      fillOpacity: 0.95,
      className: "req req-" + m.id + " state-" + m.state + " age-" + band,
    });
    circle.bindTooltip(D.el("span", {}, [
      D.word("request_no", { id: m.id }) + " · " + (D.config.words.incidents[m.incident] || m.incident),
      D.el("br"), D.word("state_" + m.state),
    ]));
    circle.on("click", function () { onPick(m.id); });
    return circle;
  }

  function worst(group) {
    const order = ["escalated", "dispatching", "widened", "assigned", "on_scene"];
    return order.find(function (s) { return group.some(function (m) { return m.state === s; }); });
  }

  function cluster(group) {
    let lat = 0, lon = 0;
    group.forEach(function (m) { lat += m.lat; lon += m.lon; });
    const centre = [lat / group.length, lon / group.length];
    const icon = L.divIcon({
      className: "cluster cluster-" + worst(group),
      html: D.num(group.length),
      iconSize: group.length > 99 ? [44, 44] : [36, 36],
    });
    const marker = L.marker(centre, { icon: icon, title: D.word("cluster", { n: D.num(group.length) }) });
    marker.on("click", function () {
      map.fitBounds(L.latLngBounds(group.map(function (m) { return [m.lat, m.lon]; })).pad(0.3), { maxZoom: 15 });
    });
    return marker;
  }

  function draw() {
    if (!map) return;
    requestLayer.clearLayers();
    const cells = new Map();
    markers.forEach(function (m) {
      const p = map.project([m.lat, m.lon], map.getZoom());
      const key = Math.floor(p.x / CELL) + ":" + Math.floor(p.y / CELL);
      if (!cells.has(key)) cells.set(key, []);
      cells.get(key).push(m);
    });
    cells.forEach(function (group) {
      requestLayer.addLayer(group.length === 1 ? single(group[0]) : cluster(group));
    });
  }

  function setReadiness(rows, chosen) {
    readiness = {};
    rows.forEach(function (r) { readiness[r.city] = r; });
    skill = chosen || "";
    drawCities();
  }

  function drawCities() {
    cityLayer.clearLayers();
    cities.forEach(function (c, i) {
      const r = readiness[c[0]];
      const n = r ? (skill ? (r.skills[skill] || 0) : r.ready) : 0;
      const asked = r ? (skill ? (r.asked[skill] || 0) : Object.values(r.asked).reduce(function (a, b) { return a + b; }, 0)) : 0;
      const gap = asked > 0 && n === 0;
      const dot = L.circleMarker([c[2], c[3]], {
        radius: 4, color: "#44505c", weight: 1, fillColor: gap ? "#fff" : "#44505c",
        fillOpacity: 1, className: "city",
      });
      const name = D.config.lang === "ar" ? c[1] : c[0];
      // A label stays on the map where someone is ready or missing; the rest show on hover.
      // The largest cities are always named (a base map to read the rest by); the others
      // where someone is ready or missing, and on hover.
      const named = n > 0 || gap || i < BIG_CITIES;
      dot.options.interactive = !named;
      dot.bindTooltip(name + " · " + D.num(n), {
        permanent: named, direction: LEFT[c[0]] ? "left" : "right", offset: LEFT[c[0]] ? [-6, 0] : [6, 0], className: gap ? "city-label gap" : "city-label",
      });
      cityLayer.addLayer(dot);
    });
  }

  function focus(panel) {
    focusLayer.clearLayers();
    if (!panel) return;
    const here = [panel.lat, panel.lon];
    focusLayer.addLayer(L.circleMarker(here, { radius: 16, color: "#111", weight: 2, fill: false, interactive: false, className: "focus" }));
    if (panel.volunteer_at) {
      const there = [panel.volunteer_at.lat, panel.volunteer_at.lon];
      focusLayer.addLayer(L.polyline([here, there], { color: "#238b45", weight: 2, dashArray: "6 6", interactive: false }));
      focusLayer.addLayer(L.circleMarker(there, { radius: 6, color: "#fff", weight: 2, fillColor: "#238b45", fillOpacity: 1, className: "assignee" }));
    }
  }

  function counts() {
    const found = {};
    D.STATES.forEach(function (s) { found[s] = 0; });
    markers.forEach(function (m) { found[m.state] = (found[m.state] || 0) + 1; });
    return found;
  }

  window.Dash.map = { init: init, setAll: setAll, apply: apply, tick: tick, setReadiness: setReadiness, focus: focus, counts: counts, size: function () { return markers.size; }, has: function (id) { return markers.has(id); }, invalidate: function () { if (map) map.invalidateSize(); } };
})();
