// The offload dashboard: a hash-routed page over the /v1 API, with no dependencies.
// It authenticates with its session cookie and sends the session's CSRF token on
// every change; the server refuses changes from read-only users whatever the page does.
"use strict";

const S = { csrf: "", role: "read_only", timer: null, source: null, history: [] };
const $ = (sel) => document.querySelector(sel);
const esc = (v) => String(v ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fmtS = (s) => (s < 1 ? `${(s * 1000).toFixed(1)} ms` : `${s.toFixed(2)} s`);

async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = S.csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const resp = await fetch(path, { method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body) });
  if (resp.status === 401) { location.reload(); throw new Error("logged out"); }
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) throw new Error(data.message || resp.statusText);
  return data;
}

function act(button, method, path, then) {
  if (S.role !== "admin") { button.disabled = true; button.title = "read-only user"; return; }
  button.addEventListener("click", async () => {
    button.disabled = true;
    try { await api(method, path); } catch (e) { alert(e.message); }
    button.disabled = false;
    then();
  });
}

function stop() {
  if (S.timer) clearInterval(S.timer);
  if (S.source) S.source.close();
  S.timer = null; S.source = null;
}

function chart(title, series, top) {
  const w = 300, h = 120, colors = ["#2f6fdf", "#e67e22", "#c0392b", "#1e8449", "#8e44ad"];
  const max = top ?? Math.max(1e-9, ...series.flatMap((s) => s.values));
  const lines = series.map((s, i) => {
    if (s.values.length === 1) s = { ...s, values: [s.values[0], s.values[0]] };
    const n = Math.max(1, s.values.length - 1);
    const pts = s.values.map((v, j) => `${(j / n) * w},${h - (v / max) * (h - 10)}`).join(" ");
    return `<polyline fill="none" stroke="${colors[i % 5]}" stroke-width="2" points="${pts}"/>`;
  }).join("");
  const legend = series.map((s, i) =>
    `<span style="color:${colors[i % 5]}">${esc(s.name)} ${s.fmt(s.values.at(-1) ?? 0)}</span>`).join("");
  return `<div class="card chart"><h3>${esc(title)}</h3>
    <svg viewBox="0 0 ${w} ${h}" preserveAspectRatio="none">${lines}</svg>
    <div class="legend">${legend}</div></div>`;
}

async function overview() {
  $("#main").innerHTML = `<p id="manifest" class="muted"></p><div id="charts" class="grid"></div>`;
  api("GET", "/v1/tasks").then((t) => {
    $("#manifest").innerHTML = t.checksum
      ? `Task manifest <code>${esc(t.checksum)}</code> · ${t.tasks.length} tasks`
      : "No task manifest: jobs run raw commands";
  }).catch(() => {});
  const tick = async () => {
    const st = await api("GET", "/v1/stats");
    S.history.push(st);
    if (S.history.length > 90) S.history.shift();
    const m = (f) => S.history.map(f);
    const queues = [...new Set(S.history.flatMap((h) => h.queues.map((q) => q.queue)))];
    const depth = (name) => m((h) => { const q = h.queues.find((x) => x.queue === name);
      return q ? q.queued + q.running + q.scheduled : 0; });
    const n = (v) => v.toFixed(3), pct = (v) => `${(v * 100).toFixed(1)} %`;
    $("#charts").innerHTML = [
      chart("Throughput (jobs/s, last minute)", [{ name: "finished/s", values: m((h) => h.windows[0].throughput), fmt: n }]),
      chart("Wait time (last minute)", ["p50", "p95", "p99"].map((p) =>
        ({ name: p, values: m((h) => h.windows[0].wait[p]), fmt: fmtS }))),
      chart("Failure rate (last 5 minutes)", [{ name: "failed", values: m((h) => h.windows[1].failure_rate), fmt: pct }]),
      chart("Queue depth", queues.length ? queues.slice(0, 5).map((q) => ({ name: q, values: depth(q), fmt: String }))
        : [{ name: "none", values: [0], fmt: String }]),
      chart("Event-loop lag", ["p95", "p99"].map((p) =>
        ({ name: p, values: m((h) => h.event_loop_lag ? h.event_loop_lag[p] : 0), fmt: fmtS }))),
      chart("Run time (last minute)", ["p50", "p99"].map((p) =>
        ({ name: p, values: m((h) => h.windows[0].run[p]), fmt: fmtS }))),
    ].join("");
  };
  await tick();
  S.timer = setInterval(() => tick().catch(() => {}), 2000);
}

function jobRows(jobs) {
  return jobs.map((j) => `<tr><td><a href="#/job/${j.id}">${j.id}</a></td>
    <td class="state state-${esc(j.state)}">${esc(j.state)}</td><td>${esc(j.queue)}</td>
    <td>${esc((j.spec.command || []).join(" ")).slice(0, 80)}</td><td>${esc(j.enqueued_at)}</td></tr>`).join("");
}

async function jobs(params) {
  const q = new URLSearchParams(params);
  $("#main").innerHTML = `<div class="card"><form id="filters" class="filters">
    <select name="state">${["", "queued", "scheduled", "running", "succeeded", "failed", "cancelled"]
      .map((s) => `<option ${q.get("state") === s ? "selected" : ""}>${s}</option>`).join("")}</select>
    <input name="queue" placeholder="queue" value="${esc(q.get("queue"))}">
    <input name="label" placeholder="label key=value" value="${esc(q.get("label"))}">
    <button>Filter</button></form>
    <table id="jobs"><thead><tr><th>id</th><th>state</th><th>queue</th><th>command</th><th>enqueued</th></tr></thead>
    <tbody></tbody></table><p><button id="more" hidden>Older</button></p></div>`;
  $("#filters").addEventListener("submit", (e) => {
    e.preventDefault();
    const f = new URLSearchParams(new FormData(e.target));
    for (const [k, v] of [...f]) if (!v) f.delete(k);
    location.hash = `#/jobs?${f}`;
  });
  const load = async (before) => {
    const p = new URLSearchParams(q); p.set("limit", "50");
    for (const [k, v] of [...p]) if (!v) p.delete(k);
    if (before) p.set("before", before);
    const page = await api("GET", `/v1/jobs?${p}`);
    $("#jobs tbody").insertAdjacentHTML("beforeend", jobRows(page.jobs));
    const more = $("#more");
    more.hidden = !page.next;
    more.onclick = () => load(page.next);
  };
  await load();
}

async function job(id) {
  const j = await api("GET", `/v1/jobs/${id}`);
  const attempts = j.attempts.map((a) => `<tr><td>${a.number}</td><td>${esc(a.worker)}</td>
    <td>${esc(a.started_at)}</td><td>${esc(a.finished_at)}</td><td>${esc(a.outcome ? a.outcome.kind : "")}</td></tr>`).join("");
  $("#main").innerHTML = `<div class="card"><h2>Job ${j.id}
      <span id="job-state" class="state state-${esc(j.state)}">${esc(j.state)}</span></h2>
    <p><button id="cancel" class="danger">Cancel</button> <button id="retry">Retry</button></p>
    <div id="progress-box" hidden><div class="progress"><div id="progress" style="width:0"></div></div>
    <p id="progress-text" class="muted"></p></div>
    <h3>Output</h3><pre id="output"></pre>
    <h3>Attempts</h3><table><thead><tr><th>#</th><th>worker</th><th>started</th><th>finished</th><th>outcome</th></tr></thead>
    <tbody>${attempts}</tbody></table>
    <h3>Spec</h3><pre>${esc(JSON.stringify(j.spec, null, 2))}</pre></div>`;
  const terminal = ["succeeded", "failed", "cancelled"].includes(j.state);
  $("#cancel").hidden = terminal;
  $("#retry").hidden = j.state !== "failed";
  act($("#cancel"), "POST", `/v1/jobs/${id}/cancel`, () => {});
  act($("#retry"), "POST", `/v1/dead/${id}/retry`, () => route());
  const src = new EventSource(`/v1/jobs/${id}/events?last_event_id=0`);
  S.source = src;
  src.addEventListener("output", (e) => { $("#output").textContent += JSON.parse(e.data).data; });
  // The bar shows the job's latest progress update: from the job itself, then live.
  const progress = (p) => {
    $("#progress-box").hidden = false;
    $("#progress").style.width = `${p.percent}%`;
    $("#progress-text").textContent = `${p.percent} % ${p.message || ""}`;
  };
  if (j.progress) progress(j.progress);
  src.addEventListener("progress", (e) => progress(JSON.parse(e.data)));
  src.addEventListener("state", (e) => {
    const st = JSON.parse(e.data).state, el = $("#job-state");
    el.textContent = st; el.className = `state state-${st}`;
    if (["succeeded", "failed", "cancelled"].includes(st)) src.close();
  });
}

async function queues() {
  const { queues } = await api("GET", "/v1/queues");
  const c = (q, s) => q.counts[s] || 0;
  $("#main").innerHTML = `<div class="card"><table id="queues"><thead><tr><th>queue</th><th>queued</th>
    <th>running</th><th>limit</th><th>state</th><th></th></tr></thead><tbody>${queues.map((q) =>
    `<tr data-queue="${esc(q.name)}"><td>${esc(q.name)}</td><td>${c(q, "queued")}</td><td>${c(q, "running")}</td>
     <td>${q.concurrency ?? "none"}</td><td>${q.paused ? "paused" : "active"}</td>
     <td><button class="toggle">${q.paused ? "Resume" : "Pause"}</button></td></tr>`).join("")}</tbody></table></div>`;
  for (const row of document.querySelectorAll("#queues tbody tr")) {
    const name = encodeURIComponent(row.dataset.queue);
    const verb = row.querySelector(".toggle").textContent === "Pause" ? "pause" : "resume";
    act(row.querySelector(".toggle"), "POST", `/v1/queues/${name}/${verb}`, () => route());
  }
}

async function dead() {
  const page = await api("GET", "/v1/dead?limit=100");
  $("#main").innerHTML = `<div class="card"><p><button id="retry-all">Retry all</button>
    <button id="purge" class="danger">Purge</button></p><table id="dead"><thead><tr><th>id</th><th>queue</th>
    <th>error</th><th></th></tr></thead><tbody>${page.jobs.map((j) => `<tr data-id="${j.id}">
    <td><a href="#/job/${j.id}">${j.id}</a></td><td>${esc(j.queue)}</td><td>${esc(j.error)}</td>
    <td><button class="retry">Retry</button></td></tr>`).join("")}</tbody></table></div>`;
  act($("#retry-all"), "POST", "/v1/dead/retry", () => route());
  act($("#purge"), "POST", "/v1/dead/purge", () => route());
  for (const row of document.querySelectorAll("#dead tbody tr")) {
    act(row.querySelector(".retry"), "POST", `/v1/dead/${row.dataset.id}/retry`, () => route());
  }
}

async function workers() {
  const st = await api("GET", "/v1/stats");
  $("#main").innerHTML = `<div class="card"><table id="workers"><thead><tr><th>worker</th><th>slots</th>
    <th>busy</th><th>sandbox tier</th><th>heartbeat</th></tr></thead><tbody>${st.workers.map((w) =>
    `<tr><td>${esc(w.worker)}</td><td>${w.slots}</td><td>${w.busy}</td><td>${esc(w.sandbox_tier ?? "?")}</td>
     <td>this server (live)</td></tr>`).join("")}</tbody></table></div>`;
}

// Experiments: a list with match rates, and a page per experiment with its match
// rate over time, latency, the fields that differ, recent mismatches side by
// side, and (for admins) enable, disable and ramp.
const pct = (v) => (v == null ? "-" : `${(v * 100).toFixed(1)} %`);

async function experiments() {
  const { experiments: list } = await api("GET", "/v1/experiments");
  $("#main").innerHTML = `<div class="card"><table id="experiments"><thead><tr><th>experiment</th>
    <th>state</th><th>sample</th><th>comparison</th><th>results</th><th>match rate</th></tr></thead><tbody>${list.map((e) =>
    `<tr data-experiment="${esc(e.name)}"><td><a href="#/experiment/${encodeURIComponent(e.name)}">${esc(e.name)}</a></td>
     <td>${e.enabled ? "enabled" : "disabled"}</td><td>${e.percent} %</td><td>${esc(e.comparison)}</td>
     <td>${e.matched + e.mismatched}</td><td>${pct(e.match_rate)}</td></tr>`).join("")}</tbody></table>
    ${list.length ? "" : `<p class="muted">No experiment has published a result yet: POST /v1/experiments/{name}/results.</p>`}</div>`;
}

function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  return v;
}

function asText(o) {
  if (o.error != null) return `error: ${o.error}`;
  return typeof o.value === "string" ? o.value : JSON.stringify(sortKeys(o.value), null, 2);
}

// Rows of a side-by-side line diff: [left, right, kind], kind "same", "del",
// "add" or "chg". A longest common subsequence aligns the lines; runs of removed
// lines followed by added ones are paired into changed rows.
function diffRows(a, b) {
  const x = a.split("\n"), y = b.split("\n"), n = x.length, m = y.length, raw = [];
  if (n * m > 250000) return x.map((l, i) => [l, y[i] ?? "", l === y[i] ? "same" : "chg"]).concat(y.slice(n).map((r) => ["", r, "add"]));
  const dp = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--)
    dp[i][j] = x[i] === y[j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
  let i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) { raw.push([x[i++], y[j++], "same"]); }
    else if (j >= m || (i < n && dp[i + 1][j] >= dp[i][j + 1])) { raw.push([x[i++], "", "del"]); }
    else { raw.push(["", y[j++], "add"]); }
  }
  const rows = [];
  for (let k = 0; k < raw.length;) {
    if (raw[k][2] !== "del") { rows.push(raw[k++]); continue; }
    const dels = []; while (k < raw.length && raw[k][2] === "del") dels.push(raw[k++][0]);
    const adds = []; while (k < raw.length && raw[k][2] === "add") adds.push(raw[k++][1]);
    for (let p = 0; p < Math.max(dels.length, adds.length); p++) {
      const kind = p < dels.length && p < adds.length ? "chg" : p < dels.length ? "del" : "add";
      rows.push([dels[p] ?? "", adds[p] ?? "", kind]);
    }
  }
  return rows;
}

function sideBySide(m) {
  const rows = diffRows(asText(m.control), asText(m.candidate_result));
  const cell = (text, kind, side) => {
    const mark = kind === "chg" || kind === (side === "l" ? "del" : "add") ? (side === "l" ? " del" : " add") : "";
    return `<td class="${side}${mark}">${esc(text)}</td>`;
  };
  return `<table class="diff"><thead><tr><th>control · ${m.control.duration_ms.toFixed(2)} ms</th>
    <th>${esc(m.candidate)} · ${m.candidate_result.duration_ms.toFixed(2)} ms</th></tr></thead><tbody>${rows.map(([l, r, k]) =>
    `<tr class="${k}">${cell(l, k, "l")}${cell(r, k, "r")}</tr>`).join("")}</tbody></table>`;
}

async function experiment(name) {
  const path = `/v1/experiments/${encodeURIComponent(name)}`;
  const r = await api("GET", `${path}?minutes=120&mismatches=10`);
  const e = r.experiment, ms = (v) => `${v.toFixed(2)} ms`;
  $("#main").innerHTML = `<div class="card"><h2>${esc(e.name)}
      <span id="exp-state" class="state ${e.enabled ? "state-succeeded" : "state-cancelled"}">${e.enabled ? "enabled" : "disabled"}</span></h2>
    <p>Sample rate <strong id="exp-percent-now">${e.percent} %</strong> · comparison ${esc(e.comparison)} ·
      <span id="exp-totals">${e.matched} of ${e.matched + e.mismatched} matched (${pct(e.match_rate)})</span></p>
    <p class="filters"><button id="exp-toggle">${e.enabled ? "Disable" : "Enable"}</button>
      <input id="exp-percent" type="number" min="0" max="100" step="any" placeholder="${e.percent}">
      <button id="exp-ramp">Ramp</button> <span id="exp-error" class="error"></span></p></div>
    <div class="grid">${chart("Match rate per minute", [{ name: "match rate",
      values: r.timeline.length ? r.timeline.map((m) => m.match_rate) : [1], fmt: pct }], 1)}
    <div class="card"><h3>Latency</h3><table id="exp-latency"><thead><tr><th></th><th>p50</th><th>p95</th><th>p99</th><th>n</th></tr></thead>
      <tbody>${r.latency.map((l) => `<tr><td>${esc(l.behaviour)}</td><td>${ms(l.p50_ms)}</td><td>${ms(l.p95_ms)}</td>
      <td>${ms(l.p99_ms)}</td><td>${l.count}</td></tr>`).join("")}</tbody></table></div>
    <div class="card"><h3>Top differing fields or lines</h3><table id="exp-fields"><tbody>${r.top_fields.map((f) =>
      `<tr><td>${f.count}</td><td><code>${esc(f.field)}</code></td></tr>`).join("")}</tbody></table></div></div>
    <div class="card"><h3>Recent mismatches</h3><div id="exp-mismatches">${r.mismatches.map((m) =>
      `<div class="mismatch"><p class="muted">${esc(m.at)} · signature <code>${esc(m.signature)}</code> · ${m.fields.map((f) =>
      `<code>${esc(f)}</code>`).join(" ")}</p>${sideBySide(m)}</div>`).join("") || `<p class="muted">No mismatch kept.</p>`}</div></div>`;
  const change = (button, body) => {
    if (S.role !== "admin") { button.disabled = true; button.title = "read-only user"; $("#exp-percent").disabled = true; return; }
    button.addEventListener("click", async () => {
      button.disabled = true;
      try { await api("PUT", path, body()); route(); }
      catch (err) { $("#exp-error").textContent = err.message; button.disabled = false; }
    });
  };
  change($("#exp-toggle"), () => ({ enabled: !e.enabled }));
  change($("#exp-ramp"), () => {
    const typed = $("#exp-percent").value.trim();
    if (!typed) throw new Error("type a sample rate from 0 to 100 first");
    return { percent: Number(typed) };
  });
}

async function route() {
  stop();
  const [path, query] = (location.hash.slice(1) || "/overview").split("?");
  const parts = path.split("/").filter(Boolean);
  for (const a of document.querySelectorAll("header nav a")) {
    a.classList.toggle("active", a.getAttribute("href") === `#/${parts[0]}`);
  }
  const pages = { overview, jobs: () => jobs(query || ""), job: () => job(Number(parts[1])), queues, dead, workers,
    experiments, experiment: () => experiment(decodeURIComponent(parts[1] || "")) };
  try { await (pages[parts[0]] || overview)(); }
  catch (e) { $("#main").innerHTML = `<div class="card error">${esc(e.message)}</div>`; }
}

async function start() {
  const s = await api("GET", "/ui/session");
  S.csrf = s.csrf; S.role = s.role;
  $("#who").textContent = `${s.who} (${s.role.replace("_", "-")})`;
  $("#logout").addEventListener("click", async () => {
    await fetch("/ui/logout", { method: "POST", headers: { "X-CSRF-Token": S.csrf } });
    location.reload();
  });
  window.addEventListener("hashchange", route);
  route();
}

start();
