/* Musaada dashboard: shared helpers. No inline code anywhere: the page's words, the CSRF
   token and the tile server arrive in the JSON data block #dash-config. Text is always set
   with textContent (never parsed as markup), so nothing from the database can become markup. */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("dash-config").textContent);
  const words = config.words;
  const numbers = new Intl.NumberFormat(config.lang === "ar" ? "ar-u-nu-latn" : "en");

  function word(key, params) {
    let text = words[key] === undefined ? key : String(words[key]);
    Object.keys(params || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(String(params[name]));
    });
    return text;
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      const value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") node.textContent = value;
      else if (name === "on") Object.keys(value).forEach(function (ev) { node.addEventListener(ev, value[ev]); });
      else node.setAttribute(name, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function svg(tag, attrs, text) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  async function api(path, options) {
    const opts = Object.assign({ credentials: "same-origin", headers: {} }, options || {});
    if (opts.method === "POST") {
      opts.headers["X-CSRF-Token"] = config.csrf;
      opts.headers["Content-Type"] = "application/json";
    }
    const response = await fetch(path, opts);
    if (response.status === 403) { window.location.reload(); throw new Error("signed out"); }
    if (!response.ok) throw new Error("HTTP " + response.status);
    return response.json();
  }

  function num(n) { return numbers.format(n); }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return word("none");
    if (seconds < 90) return word("seconds", { n: num(Math.round(seconds)) });
    if (seconds < 5400) return word("minutes_short", { n: num(Math.round(seconds / 60)) });
    return word("hours_short", { n: num(Math.round(seconds / 360) / 10) });
  }

  function percent(share) {
    return share === null || share === undefined ? word("none") : num(Math.round(share * 100)) + "%";
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

  // How long a request has waited, in the three bands the markers' rings show.
  function ageBand(created, now) {
    const minutes = (now - created) / 60;
    return minutes < 5 ? "fresh" : minutes < 15 ? "late" : "old";
  }

  window.Dash = {
    config: config, word: word, el: el, svg: svg, api: api, num: num, duration: duration,
    percent: percent, clear: clear, ageBand: ageBand,
    STATES: ["dispatching", "widened", "assigned", "on_scene", "escalated"],
    COLOURS: { dispatching: "#1f6fb4", widened: "#7b4fb8", assigned: "#238b45", on_scene: "#0e9aa7", escalated: "#d62728" },
    RINGS: { fresh: "#ffffff", late: "#ff9f1c", old: "#3b0000" },
  };
})();
