// The fleet page's HTML, CSS and JS in one text, so that `edgeml status
// --http` serves it with nothing to install and the browser fetches nothing
// from elsewhere. The script builds every element from /fleet.json with
// textContent, never innerHTML: node and model names come from the network.
// Stable ids and data-* attributes (id="nodes", data-node, id="applications",
// id="latency-chart") are what tests/client/fleet_page_test.cpp looks for.
#include "client/fleet_page.h"

namespace edgeml::client {

namespace {

constexpr std::string_view kPage = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>edgeml fleet</title>
<style>
  :root { --ink: #1d2630; --muted: #68737d; --line: #dde3e8; --ok: #1a7f37; --bad: #c0392b; --warn: #b7791f; }
  body { font: 14px/1.4 system-ui, sans-serif; color: var(--ink); margin: 0; background: #f6f8fa; }
  header { display: flex; gap: 1.5em; align-items: baseline; padding: .6em 1.2em; background: #24303c; color: #fff; }
  header h1 { font-size: 1.2em; margin: 0; }
  #updated { margin-left: auto; color: #cfd8df; }
  #error { color: #ffb4a8; }
  main { display: grid; grid-template-columns: 1fr 1fr; gap: .8em; padding: .8em 1.2em; }
  section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .5em .8em; overflow-x: auto; }
  section.wide { grid-column: 1 / -1; }
  h2 { font-size: 1em; margin: .2em 0 .4em; }
  table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: .15em .5em; border-bottom: 1px solid var(--line); white-space: nowrap; }
  th { color: var(--muted); font-weight: 600; }
  td.num { text-align: right; }
  :is(td, span).online, :is(td, span).serving, :is(td, span).converged, :is(td, span).up { color: var(--ok); font-weight: 600; }
  :is(td, span).offline, :is(td, span).gone, :is(td, span).failed, :is(td, span).alert { color: var(--bad); font-weight: 600; }
  :is(td, span).stale, :is(td, span).starting, :is(td, span).converging, :is(td, span).unknown, :is(td, span).left {
    color: var(--warn); font-weight: 600; }
  .empty { color: var(--muted); font-style: italic; }
  #latency-chart { width: 100%; height: 220px; }
  #latency-chart text { font-size: 11px; fill: var(--muted); }
  #latency-legend span { margin-right: 1em; }
  #latency-legend i { display: inline-block; width: 1.2em; height: .25em; vertical-align: middle; margin-right: .3em; }
  #notes li { color: var(--muted); }
</style>
</head>
<body>
<header>
  <h1>edgeml fleet</h1>
  <span id="summary">waiting for the first figures</span>
  <span id="error" hidden></span>
  <span id="updated">not updated yet</span>
</header>
<main>
  <section class="wide">
    <h2>Nodes</h2>
    <table id="nodes"><thead><tr><th>node</th><th>health</th><th>stats age</th><th>req/s</th><th>p50 ms</th>
      <th>p99 ms</th><th>queue</th><th>errors</th><th>memory</th><th>cpu s</th><th>capacity</th><th>models</th></tr></thead>
      <tbody></tbody></table>
  </section>
  <section class="wide">
    <h2>Latency per node, p50 (solid) and p99 (dashed), ms</h2>
    <svg id="latency-chart" viewBox="0 0 900 220" preserveAspectRatio="none" role="img"
         aria-label="latency per node over the last minutes"></svg>
    <div id="latency-legend"></div>
  </section>
  <section id="cluster" class="wide" hidden>
    <h2>Cluster <span id="cluster-name"></span>: <span id="cluster-state"></span></h2>
    <table id="applications"><thead><tr><th>application</th><th>requests</th><th>replicas</th><th>wanted</th>
      <th>serving</th><th>where</th></tr></thead><tbody></tbody></table>
    <br>
    <table id="cluster-nodes"><thead><tr><th>cluster node</th><th>state</th><th>labels</th><th>capacity</th>
      <th>replicas</th></tr></thead><tbody></tbody></table>
  </section>
  <section class="wide">
    <h2>Models: online accuracy</h2>
    <table id="models"><thead><tr><th>node</th><th>model</th><th>version</th><th>series</th><th>scored</th>
      <th>MAE last</th><th>MAE</th><th>test MAE</th><th>alert</th></tr></thead><tbody></tbody></table>
  </section>
  <section>
    <h2>Data quality</h2>
    <table id="quality"><thead><tr><th>of</th><th>records</th><th>passed</th><th>dropped</th><th>findings</th></tr></thead>
      <tbody></tbody></table>
  </section>
  <section><h2>Notes</h2><ul id="notes"></ul></section>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];
const SVG = "http://www.w3.org/2000/svg";
const WINDOW_MS = 5 * 60 * 1000;

function isNum(v) { return typeof v === "number" && isFinite(v); }
function fixed(v, digits) { return isNum(v) ? v.toFixed(digits) : "-"; }
function count(v) { return isNum(v) ? String(v) : "-"; }
function at(object, ...path) {
  for (const key of path) { if (object === null || typeof object !== "object") return undefined; object = object[key]; }
  return object;
}
function row(cells, attributes) {
  const tr = document.createElement("tr");
  for (const [name, value] of Object.entries(attributes || {})) tr.setAttribute(name, value);
  for (const c of cells) {
    const td = document.createElement("td");
    const [text, cls] = Array.isArray(c) ? c : [c, ""];
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
  }
  return tr;
}
function fill(tableId, rows, columns, emptyText) {
  if (rows.length === 0) {
    rows = [row([[emptyText, "empty"]])];
    rows[0].firstChild.colSpan = columns;
  }
  $(tableId).tBodies[0].replaceChildren(...rows);
}
function health(n) {
  if (n.status === "offline") return "offline";
  if (n.stale) return "stale";
  return n.status === "online" ? "online" : "unknown";
}
function lastOf(series) { return series && series.length ? series[series.length - 1] : undefined; }
function capacityText(c) { return c ? `${c.cores} core${c.cores === 1 ? "" : "s"}, ${Math.round(c.memory_mib)} MiB` : "-"; }

// A replica serves as {node}.{application}: its capacity is its node's.
function clusterNodeOf(name, clusterNodes) {
  if (clusterNodes[name]) return clusterNodes[name];
  const dot = name.lastIndexOf(".");
  return dot > 0 ? clusterNodes[name.slice(0, dot)] : undefined;
}

function drawNodes(data, clusterNodes) {
  const history = at(data, "latency_history", "nodes") || {};
  fill("nodes", data.nodes.map((n) => {
    const s = n.stats || {}, h = history[n.node] || {}, state = health(n), cn = clusterNodeOf(n.node, clusterNodes);
    const resident = at(s, "process", "resident_bytes");
    // An interval that answered nothing has no latency, whatever its figures say.
    const latency = at(s, "latency_ms_interval", "count") > 0 ? s.latency_ms_interval : {};
    return row([n.node, [state, state], isNum(n.stats_age_s) ? `${n.stats_age_s.toFixed(1)} s` : "-",
                [fixed(lastOf(h.requests_per_s), 1), "num"], [fixed(latency.p50, 3), "num"],
                [fixed(latency.p99, 3), "num"], [count(s.queue), "num"],
                [count(s.errors), "num"], isNum(resident) ? `${(resident / 1048576).toFixed(1)} MiB` : "-",
                [fixed(at(s, "process", "cpu_s"), 1), "num"], capacityText(cn && cn.capacity),
                (Array.isArray(s.models) ? s.models : []).map((m) => m.name).join(", ")],
               {"data-node": n.node, "class": "node " + state});
  }), 12, "no edgeml node seen yet");
}

function drawModels(data) {
  const rows = [];
  for (const n of data.nodes) {
    const models = Array.isArray(at(n, "stats", "models")) ? n.stats.models : [];
    const scored = Array.isArray(at(n, "stats", "accuracy", "models")) ? n.stats.accuracy.models : [];
    for (const m of models) {
      const mine = scored.filter((a) => a.model === m.name);
      if (mine.length === 0) rows.push(row([n.node, m.name, m.version || "-", "-", "0", "-", "-", "-", "-"],
                                           {"data-node": n.node, "data-model": m.name}));
      for (const a of mine)
        rows.push(row([n.node, m.name, a.version || "-", a.series || "-", [count(a.scored), "num"],
                       [fixed(a.window_mae, 3), "num"], [fixed(a.mae, 3), "num"], [fixed(a.test_mae, 3), "num"],
                       a.alert ? ["ALERT", "alert"] : "no"], {"data-node": n.node, "data-model": m.name}));
    }
  }
  fill("models", rows, 9, "no model served yet");
}

function findingsText(findings) {
  const seen = Object.entries(findings || {}).filter(([, v]) => isNum(v) && v > 0);
  return seen.length ? seen.map(([k, v]) => `${k} ${v}`).join(", ") : "none";
}
function drawQuality(data) {
  const rows = [];
  const add = (label, q, attributes) => rows.push(row([label, [count(q.records), "num"], [count(q.passed), "num"],
                                                       [count(q.dropped), "num"], findingsText(q.findings)], attributes));
  for (const n of data.nodes) {
    const q = at(n, "stats", "quality");
    if (!q) continue;
    add(`${n.node} (requests)`, q, {"data-node": n.node});
    for (const [series, sq] of Object.entries(q.series || {})) add(`  ${series}`, sq, {"data-node": n.node});
  }
  for (const c of data.collectors) if (c.quality) add(`${c.collector} (collector)`, c.quality, {"data-collector": c.collector});
  fill("quality", rows, 5, "no data-quality counts yet");
}

function drawCluster(cluster) {
  $("cluster").hidden = !cluster;
  if (!cluster) return {};
  $("cluster-name").textContent = cluster.cluster;
  const state = cluster.converged ? "converged" : "converging";
  $("cluster-state").textContent = state + (cluster.placement ? `, placement ${cluster.placement.generation} by ${cluster.placement.leader}` : ", no placement yet");
  $("cluster-state").className = state;
  fill("applications", (cluster.applications || []).map((a) => row(
    [a.name, a.requests, `${a.min}-${a.max}`, [count(a.wanted), "num"],
     [count(a.serving), a.serving >= a.wanted && a.wanted > 0 ? "serving num" : "starting num"],
     (a.placed || []).join(", ") || "-"], {"data-application": a.name})), 6, "no applications applied");
  const byId = {};
  fill("cluster-nodes", (cluster.nodes || []).map((n) => {
    byId[n.node] = n;
    const replicas = Object.entries(n.replicas || {}).map(([app, r]) => r.state === "serving"
      ? `${app} (${fixed(r.requests_per_s, 0)} req/s, p99 ${fixed(r.p99_ms, 2)} ms)` : `${app} (${r.state})`);
    return row([n.node, [n.state, n.state], Object.entries(n.labels || {}).map(([k, v]) => `${k}=${v}`).join(",") || "-",
                capacityText(n.capacity), replicas.join(", ") || "-"], {"data-cluster-node": n.node});
  }), 5, "no cluster node announced");
  return byId;
}

function svgElement(name, attributes, text) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}
// A path through the points that have a figure, broken where one has none.
function pathData(times, values, x, y) {
  let d = "", pen = false;
  for (let i = 0; i < times.length; ++i) {
    if (!isNum(values[i])) { pen = false; continue; }
    d += `${pen ? "L" : "M"}${x(times[i]).toFixed(1)},${y(values[i]).toFixed(1)} `;
    pen = true;
  }
  return d.trim();
}
function drawLatency(data) {
  const svg = $("latency-chart"), nodes = at(data, "latency_history", "nodes") || {};
  const W = 900, H = 220, left = 48, right = 8, top = 8, bottom = 22;
  const now = data.time_ms;
  let oldest = now, highest = 0;
  for (const h of Object.values(nodes))
    h.time_ms.forEach((t, i) => {
      if (t < now - WINDOW_MS) return;
      oldest = Math.min(oldest, t);
      if (isNum(h.p99_ms[i])) highest = Math.max(highest, h.p99_ms[i]);
    });
  const from = Math.min(oldest, now - 30000), top_ms = highest > 0 ? highest * 1.15 : 1;
  const x = (t) => left + (W - left - right) * (t - from) / (now - from);
  const y = (v) => H - bottom - (H - top - bottom) * Math.min(v, top_ms) / top_ms;
  const parts = [];
  for (let i = 0; i <= 4; ++i) {
    const v = top_ms * i / 4;
    parts.push(svgElement("line", {x1: left, x2: W - right, y1: y(v), y2: y(v), stroke: "#dde3e8"}));
    parts.push(svgElement("text", {x: left - 4, y: y(v) + 4, "text-anchor": "end"}, v < 10 ? v.toFixed(2) : v.toFixed(0)));
  }
  parts.push(svgElement("text", {x: left, y: H - 6}, `${Math.round((now - from) / 1000)} s ago`));
  parts.push(svgElement("text", {x: W - right, y: H - 6, "text-anchor": "end"}, "now"));
  const legend = [];
  Object.entries(nodes).forEach(([name, h], i) => {
    const color = COLORS[i % COLORS.length];
    for (const [key, dash] of [["p50_ms", ""], ["p99_ms", "5 3"]]) {
      const d = pathData(h.time_ms, h[key], x, y);
      if (d) parts.push(svgElement("path", {d, fill: "none", stroke: color, "stroke-width": 1.8, "stroke-dasharray": dash,
                                           "class": key.replace("_ms", ""), "data-node": name}));
    }
    const item = document.createElement("span"), swatch = document.createElement("i");
    swatch.style.background = color;
    item.append(swatch, name);
    legend.push(item);
  });
  if (highest === 0)
    parts.push(svgElement("text", {x: W / 2, y: H / 2, "text-anchor": "middle"}, "no request answered in the window"));
  svg.replaceChildren(...parts);
  $("latency-legend").replaceChildren(...legend);
}

function drawNotes(data) {
  const notes = [];
  for (const n of data.nodes) {
    for (const note of n.notes || []) notes.push(`${n.node}: ${note}`);
    for (const b of at(n, "stats", "contracts", "active") || [])
      notes.push(`${n.node}: contract violated: ${b.model ? "model " + b.model + " " : ""}${b.metric} ${b.value} against ${b.bound}`);
    for (const a of n.alerts || []) notes.push(`${n.node}: alert ${JSON.stringify(a)}`);
  }
  for (const note of at(data, "cluster", "notes") || []) notes.push(`cluster: ${note}`);
  for (const why of at(data, "cluster", "placement", "unplaced") || []) notes.push(`unplaced: ${why}`);
  $("notes").replaceChildren(...(notes.length ? notes : ["none"]).map((text) => {
    const li = document.createElement("li");
    li.textContent = text;
    return li;
  }));
}

function draw(data) {
  const clusterNodes = drawCluster(data.cluster);
  drawNodes(data, clusterNodes);
  drawLatency(data);
  drawModels(data);
  drawQuality(data);
  drawNotes(data);
  const online = data.nodes.filter((n) => health(n) === "online").length;
  $("summary").textContent = `${data.nodes.length} node(s), ${online} online; ${data.collectors.length} collector(s)` +
    (data.broker ? ` on ${data.broker}` : "");
  $("updated").textContent = "updated " + new Date(data.time_ms).toLocaleTimeString();
  $("updated").dataset.time = data.time;
}

async function poll() {
  try {
    const response = await fetch("/fleet.json", {cache: "no-store", signal: AbortSignal.timeout(5000)});
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    draw(await response.json());
    $("error").hidden = true;
  } catch (e) {
    $("error").textContent = `cannot read /fleet.json (${e.message}); the figures shown are older`;
    $("error").hidden = false;
  }
  setTimeout(poll, 1000);
}
poll();
</script>
</body>
</html>
)html";

}  // namespace

std::string_view fleet_page_html() { return kPage; }

}  // namespace edgeml::client
