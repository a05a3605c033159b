// The dashboard of one running pipeline. Everything comes from the REST API under /api/v1,
// polled once a second; no library, no build step.
"use strict";

const pipelineId = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");
const state = { pipeline: null, jobId: null, metrics: [], selected: null, key: sessionStorage.getItem("arroyo-api-key"), layout: null };
const SVG = "http://www.w3.org/2000/svg";

// ---- API -------------------------------------------------------------------------------

async function api(path, options = {}) {
  const headers = Object.assign({ "Accept": "application/json" }, options.headers || {});
  if (state.key) headers["Authorization"] = "Bearer " + state.key;
  const response = await fetch("/api/v1" + path, Object.assign({}, options, { headers }));
  if (response.status === 401) {
    document.getElementById("auth-form").hidden = false;
    throw new Error("unauthorized");
  }
  if (!response.ok) throw new Error(path + ": HTTP " + response.status);
  return response.json();
}

const jobPath = () => `/pipelines/${pipelineId}/jobs/${state.jobId}`;

// ---- formatting ------------------------------------------------------------------------

function number(value) {
  if (value === null || value === undefined) return "–";
  const abs = Math.abs(value);
  if (abs >= 1e9) return (value / 1e9).toFixed(2) + " G";
  if (abs >= 1e6) return (value / 1e6).toFixed(2) + " M";
  if (abs >= 1e4) return (value / 1e3).toFixed(1) + " k";
  return abs >= 100 || Number.isInteger(value) ? Math.round(value).toString() : value.toFixed(1);
}

function bytes(value) {
  if (!value) return "0 B";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (value >= 1024 && i < units.length - 1) { value /= 1024; i++; }
  return (i === 0 ? value : value.toFixed(1)) + " " + units[i];
}

function seconds(value) {
  if (value === null || value === undefined) return "–";
  if (value < 1) return (value * 1000).toFixed(0) + " ms";
  if (value < 120) return value.toFixed(1) + " s";
  return (value / 60).toFixed(1) + " min";
}

const time = micros => new Date(micros / 1000).toLocaleTimeString();

// Backpressure 0..1 as green → amber → red.
function pressureColour(p) {
  const stops = [[46, 125, 50], [249, 168, 37], [198, 40, 40]];
  const x = Math.max(0, Math.min(1, p || 0)) * 2;
  const [a, b] = x <= 1 ? [stops[0], stops[1]] : [stops[1], stops[2]];
  const t = x <= 1 ? x : x - 1;
  return `rgb(${a.map((c, i) => Math.round(c + (b[i] - c) * t)).join(",")})`;
}

function el(name, attributes = {}, text) {
  const node = name.startsWith("svg:") ? document.createElementNS(SVG, name.slice(4)) : document.createElement(name);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

// ---- the graph -------------------------------------------------------------------------

// Columns by longest path from a source, rows by node id within a column.
function layout(graph) {
  const rank = new Map(graph.nodes.map(n => [n.node_id, 0]));
  for (let changed = true, guard = 0; changed && guard < graph.nodes.length + 1; guard++) {
    changed = false;
    for (const e of graph.edges) {
      if (rank.get(e.dest_id) < rank.get(e.src_id) + 1) { rank.set(e.dest_id, rank.get(e.src_id) + 1); changed = true; }
    }
  }
  const columns = new Map();
  for (const n of graph.nodes) {
    const r = rank.get(n.node_id);
    if (!columns.has(r)) columns.set(r, []);
    columns.get(r).push(n);
  }
  const W = 184, H = 86, GX = 46, GY = 24, positions = new Map();
  let rows = 1;
  for (const [r, nodes] of columns) {
    rows = Math.max(rows, nodes.length);
    nodes.forEach((n, i) => positions.set(n.node_id, { x: 10 + r * (W + GX), y: 10 + i * (H + GY), w: W, h: H }));
  }
  return { positions, width: 20 + columns.size * (W + GX) - GX, height: 20 + rows * (H + GY) - GY };
}

function drawGraph() {
  const graph = state.pipeline.graph;
  const svg = document.getElementById("graph");
  svg.replaceChildren();
  state.layout = layout(graph);
  // Wide graphs shrink to the panel (CSS max-width) rather than scroll.
  svg.setAttribute("width", state.layout.width);
  svg.setAttribute("viewBox", `0 0 ${state.layout.width} ${state.layout.height}`);
  for (const e of graph.edges) {
    const a = state.layout.positions.get(e.src_id), b = state.layout.positions.get(e.dest_id);
    const g = el("svg:g", { class: "edge " + e.edge_type, "data-src": e.src_id, "data-dest": e.dest_id });
    const x1 = a.x + a.w, y1 = a.y + a.h / 2, x2 = b.x, y2 = b.y + b.h / 2, mx = (x1 + x2) / 2;
    g.append(el("svg:path", { d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}` }));
    g.append(el("svg:text", { x: mx, y: (y1 + y2) / 2 - 6, "text-anchor": "middle", "data-role": "edge-rate" }, ""));
    g.append(el("svg:title", {}, `${e.edge_type} ${e.key_type}`));
    svg.append(g);
  }
  for (const n of graph.nodes) {
    const p = state.layout.positions.get(n.node_id);
    const g = el("svg:g", { class: "node", "data-node-id": n.node_id, transform: `translate(${p.x},${p.y})` });
    g.append(el("svg:rect", { width: p.w, height: p.h, fill: pressureColour(0) }));
    g.append(el("svg:text", { x: 10, y: 18, class: "title" }, `${n.node_id} · ${n.operator}` + (n.parallelism > 1 ? ` ×${n.parallelism}` : "")));
    const description = n.description.length > 27 ? n.description.slice(0, 26) + "…" : n.description;
    g.append(el("svg:text", { x: 10, y: 36 }, description));
    g.append(el("svg:text", { x: 10, y: 56, "data-role": "rates" }, "in – /s · out – /s"));
    g.append(el("svg:text", { x: 10, y: 74, "data-role": "totals" }, "rows out 0"));
    g.append(el("svg:title", {}, n.description));
    g.addEventListener("click", () => select(n.node_id));
    svg.append(g);
  }
}

function updateGraph() {
  const byNode = new Map(state.metrics.map(m => [m.node_id, m]));
  for (const g of document.querySelectorAll("#graph .node")) {
    const m = byNode.get(Number(g.dataset.nodeId));
    if (!m) continue;
    g.querySelector("rect").setAttribute("fill", pressureColour(m.backpressure));
    g.querySelector("[data-role=rates]").textContent = `in ${number(m.messages_recv_rate)}/s · out ${number(m.messages_sent_rate)}/s`;
    g.querySelector("[data-role=totals]").textContent = `rows out ${number(m.messages_sent)} · bp ${(100 * m.backpressure).toFixed(0)}%`;
    g.classList.toggle("selected", m.node_id === state.selected);
  }
  for (const g of document.querySelectorAll("#graph .edge")) {
    const m = byNode.get(Number(g.dataset.src));
    if (m) g.querySelector("text").textContent = number(m.messages_sent_rate) + "/s";
  }
}

// ---- tables ----------------------------------------------------------------------------

function updateOperators() {
  const body = document.querySelector("#operators tbody");
  body.replaceChildren(...state.metrics.map(m => {
    const row = el("tr", { "data-node-id": m.node_id });
    row.classList.toggle("selected", m.node_id === state.selected);
    for (const cell of [m.node_id, m.description, m.parallelism, number(m.messages_recv), number(m.messages_sent),
      number(m.messages_recv_rate), number(m.messages_sent_rate), (100 * m.backpressure).toFixed(0) + " %",
      seconds(m.watermark_lag_seconds), bytes(m.state_bytes)]) {
      row.append(el("td", {}, String(cell)));
    }
    row.addEventListener("click", () => select(m.node_id));
    return row;
  }));
}

function updateCheckpoints(list) {
  const body = document.querySelector("#checkpoints tbody");
  const rows = list.slice(-15).reverse().map(c => {
    const row = el("tr");
    for (const [text, cls] of [[c.epoch], [c.checkpoint_type], [c.status.replace("_", " "), "status-" + c.status], [time(c.start_time)],
      [c.duration_micros === null ? "…" : seconds(c.duration_micros / 1e6)], [bytes(c.bytes)]]) {
      const td = el("td", cls ? { class: cls } : {}, String(text));
      if (c.error && cls) td.title = c.error;
      row.append(td);
    }
    return row;
  });
  body.replaceChildren(...(rows.length ? rows : [el("tr", {}, "")]));
}

function updateErrors(list) {
  const ul = document.getElementById("errors");
  if (!list.length) { ul.replaceChildren(el("li", { class: "none" }, "none")); return; }
  ul.replaceChildren(...list.slice(0, 50).map(e => {
    const li = el("li", { class: "level-" + e.level });
    li.append(el("time", {}, time(e.created_at)));
    li.append(document.createTextNode((e.operator_id ? `[${e.operator_id}${e.task_index !== null ? "#" + e.task_index : ""}] ` : "") + e.message));
    return li;
  }));
}

function updateHeader() {
  const p = state.pipeline;
  document.getElementById("pipeline-name").textContent = p.name;
  const badge = document.getElementById("pipeline-state");
  badge.textContent = p.state;
  badge.className = "state " + p.state;
  const up = (Date.now() * 1000 - p.start_time) / 1e6;
  document.getElementById("pipeline-facts").textContent =
    `${p.id} · parallelism ${p.parallelism} · up ${seconds(up)}` + (p.restored_epoch !== null ? ` · restored from checkpoint ${p.restored_epoch}` : "");
  document.getElementById("stop-button").disabled = p.state !== "running";
}

// ---- charts ----------------------------------------------------------------------------

function drawChart(svg, series, classes) {
  svg.replaceChildren();
  const W = 480, H = 180, L = 44, B = 16;
  const points = series.flat();
  if (!points.length) { svg.append(el("svg:text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "label" }, "waiting for data")); return; }
  const t0 = Math.min(...points.map(p => p.time)), t1 = Math.max(...points.map(p => p.time));
  const max = Math.max(1e-9, ...points.map(p => p.value)) * 1.1;
  const x = t => L + (t1 === t0 ? 0 : (t - t0) / (t1 - t0)) * (W - L - 4);
  const y = v => H - B - (v / max) * (H - B - 6);
  svg.append(el("svg:line", { x1: L, y1: H - B, x2: W, y2: H - B, class: "axis" }));
  svg.append(el("svg:line", { x1: L, y1: 0, x2: L, y2: H - B, class: "axis" }));
  svg.append(el("svg:text", { x: L - 4, y: 12, "text-anchor": "end", class: "label" }, number(max / 1.1)));
  svg.append(el("svg:text", { x: L - 4, y: H - B, "text-anchor": "end", class: "label" }, "0"));
  svg.append(el("svg:text", { x: W - 2, y: H - 3, "text-anchor": "end", class: "label" }, "now"));
  svg.append(el("svg:text", { x: L, y: H - 3, class: "label" }, `-${seconds((t1 - t0) / 1e6)}`));
  series.forEach((s, i) => {
    if (s.length) svg.append(el("svg:polyline", { class: classes[i], points: s.map(p => `${x(p.time).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ") }));
  });
}

// The operator's series summed over its subtasks, by time.
function summed(group) {
  if (!group) return [];
  const byTime = new Map();
  for (const s of group.subtasks) for (const m of s.metrics) byTime.set(m.time, (byTime.get(m.time) || 0) + m.value);
  return [...byTime.entries()].sort((a, b) => a[0] - b[0]).map(([time, value]) => ({ time, value }));
}

function maxed(group) {
  if (!group) return [];
  const byTime = new Map();
  for (const s of group.subtasks) for (const m of s.metrics) byTime.set(m.time, Math.max(byTime.get(m.time) ?? 0, m.value));
  return [...byTime.entries()].sort((a, b) => a[0] - b[0]).map(([time, value]) => ({ time, value }));
}

async function refreshCharts() {
  if (state.selected === null) return;
  const groups = (await api(jobPath() + "/operator_metric_groups")).data;
  const op = groups.find(g => g.node_id === state.selected);
  if (!op) return;
  const group = name => op.metric_groups.find(g => g.name === name);
  const node = state.pipeline.graph.nodes.find(n => n.node_id === state.selected);
  document.getElementById("chart-operator").textContent = node ? `${node.node_id} · ${node.operator}` : "";
  drawChart(document.getElementById("rate-chart"), [summed(group("messages_recv")), summed(group("messages_sent"))], ["series-in", "series-out"]);
  drawChart(document.getElementById("lag-chart"), [maxed(group("watermark_lag"))], ["series-lag"]);
}

function select(nodeId) {
  state.selected = nodeId;
  updateGraph();
  updateOperators();
  refreshCharts().catch(() => {});
}

// ---- polling ---------------------------------------------------------------------------

async function refresh() {
  state.pipeline = await api(`/pipelines/${pipelineId}`);
  if (!state.jobId) {
    state.jobId = (await api(`/pipelines/${pipelineId}/jobs`)).data[0].id;
    document.getElementById("query").textContent = state.pipeline.query;
    drawGraph();
    // The first node after the sources has rates in and out and a watermark to chart.
    const nodes = state.pipeline.graph.nodes;
    if (state.selected === null) state.selected = (nodes.find(n => n.operator !== "Source") ?? nodes[0])?.node_id ?? null;
  }
  updateHeader();
  state.metrics = (await api(jobPath() + "/operator_metrics")).data;
  updateGraph();
  updateOperators();
  updateCheckpoints((await api(jobPath() + "/checkpoints")).data);
  updateErrors((await api(jobPath() + "/errors")).data);
  await refreshCharts();
}

let stopped = false;
async function loop() {
  try {
    await refresh();
    document.body.dataset.updated = String(Date.now());
  } catch (error) {
    // The process has exited (stopped or finished): keep the last picture on screen.
    if (state.pipeline && error instanceof TypeError) {
      const badge = document.getElementById("pipeline-state");
      badge.textContent = state.pipeline.state === "stopping" || state.pipeline.state === "running" ? "stopped" : state.pipeline.state;
      badge.className = "state finished";
      stopped = true;
    }
  }
  if (!stopped) setTimeout(loop, 1000);
}

document.getElementById("stop-button").addEventListener("click", async () => {
  if (!confirm("Stop the pipeline after a final checkpoint?")) return;
  await api(`/pipelines/${pipelineId}`, { method: "PATCH", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ stop: "checkpoint" }) });
});

document.getElementById("auth-form").addEventListener("submit", event => {
  event.preventDefault();
  state.key = document.getElementById("auth-key").value;
  sessionStorage.setItem("arroyo-api-key", state.key);
  document.getElementById("auth-form").hidden = true;
});

loop();
