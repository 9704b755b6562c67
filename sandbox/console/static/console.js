// The console's browser side: poll a JSON route, fill tables and Chart.js charts with it.
// Every value reaches the page through textContent (never innerHTML): logs and product
// descriptions are attacker-controlled text.
//
// Declarative use in a template:
//   <section data-poll="/api/resources">             polled every refresh interval
//     <b data-text="streams.rows.length"></b>         a value at a dotted path
//     <table data-rows="streams.rows" data-columns="name,status:Status,shards"></table>
//     <p class="error" data-error="streams.error"></p> shown only when the path holds a value
//   </section>
// Scripted use: Cadabra.poll(url or () => url, render) and Cadabra.table / Cadabra.chart in render.
"use strict";

const Cadabra = (() => {
  const refreshSeconds = Number(document.body.dataset.refreshSeconds || 5);

  function get(data, path) {
    if (!path) return data;
    return path.split(".").reduce((value, key) => (value == null ? undefined : value[key]), data);
  }

  function format(value) {
    if (value === null || value === undefined || value === "") return "–";
    if (typeof value === "number") return value.toLocaleString("en-US", {maximumFractionDigits: 2});
    if (typeof value === "boolean") return value ? "yes" : "no";
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  }

  function text(element, value) {
    element.textContent = format(value);
  }

  // columns: ["key", "key:Label", ...] or [{key, label, cell(row, td)}]
  function parseColumns(columns) {
    return columns.map((c) => {
      if (typeof c !== "string") return c;
      const [key, label] = c.split(":");
      return {key: key.trim(), label: (label || key).trim()};
    });
  }

  function table(element, rows, columns) {
    const cols = parseColumns(columns);
    const head = document.createElement("thead");
    const headRow = head.insertRow();
    for (const col of cols) {
      const th = document.createElement("th");
      th.textContent = col.label;
      headRow.appendChild(th);
    }
    const body = document.createElement("tbody");
    for (const row of rows || []) {
      const tr = body.insertRow();
      for (const col of cols) {
        const td = tr.insertCell();
        if (col.cell) {
          col.cell(row, td);
          continue;
        }
        const value = get(row, col.key);
        if (typeof value === "number") td.className = "num";
        else if (typeof value === "string" && value.length > 40) td.className = "wrap";
        text(td, value);
      }
    }
    if (!rows || rows.length === 0) {
      const td = body.insertRow().insertCell();
      td.colSpan = cols.length;
      td.className = "muted";
      td.textContent = element.dataset.empty || "none yet";
    }
    element.replaceChildren(head, body);
  }

  // One Chart.js chart per canvas, updated in place on every refresh.
  function chart(canvas, config) {
    const existing = Chart.getChart(canvas);
    if (existing) {
      existing.data.labels = config.data.labels;
      existing.data.datasets = config.data.datasets;
      existing.update("none");
      return existing;
    }
    const options = Object.assign({responsive: true, maintainAspectRatio: false, animation: false}, config.options || {});
    return new Chart(canvas, Object.assign({}, config, {options}));
  }

  function health(td, healthy) {
    td.className = healthy ? "ok" : "bad";
    td.textContent = healthy ? "healthy" : "down";
  }

  async function getJSON(url) {
    const response = await fetch(url, {headers: {Accept: "application/json"}});
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const message = body.message || body.detail || body.error || response.statusText;
      throw new Error(`${response.status} ${typeof message === "string" ? message : JSON.stringify(message)}`);
    }
    return body;
  }

  function status(message, bad) {
    const element = document.getElementById("refresh-status");
    if (!element) return;
    element.textContent = message;
    element.classList.toggle("bad", Boolean(bad));
  }

  // Fetch url (a string, or a function returning one or null to skip) now and every refresh;
  // render(data) draws it. A failed fetch shows in the header, goes to options.onError(error) if
  // given, and the next refresh tries again. options.seconds overrides the refresh interval.
  function poll(url, render, options = {}) {
    const seconds = options.seconds || refreshSeconds;
    let running = false;
    async function refresh() {
      const target = typeof url === "function" ? url() : url;
      if (!target || running) return;
      running = true;
      try {
        render(await getJSON(target));
        status(`updated ${new Date().toLocaleTimeString("en-GB")} · every ${seconds}s`, false);
      } catch (error) {
        status(`refresh failed: ${error.message}`, true);
        if (options.onError) options.onError(error);
      } finally {
        running = false;
      }
    }
    refresh();
    const timer = setInterval(refresh, seconds * 1000);
    return {refresh, stop: () => clearInterval(timer)};
  }

  function bind(root, data) {
    for (const element of root.querySelectorAll("[data-text]")) text(element, get(data, element.dataset.text));
    for (const element of root.querySelectorAll("table[data-rows]")) {
      table(element, get(data, element.dataset.rows), element.dataset.columns.split(","));
    }
    for (const element of root.querySelectorAll("[data-error]")) {
      const value = get(data, element.dataset.error);
      element.hidden = !value;
      element.textContent = value ? String(value) : "";
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const root of document.querySelectorAll("[data-poll]")) poll(root.dataset.poll, (data) => bind(root, data));
  });

  return {get, format, text, table, chart, health, getJSON, poll, bind, refreshSeconds};
})();
