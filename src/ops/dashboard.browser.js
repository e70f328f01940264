// The dashboard's script (served as /dashboard/app.js, embedded in the node): it polls
// /dashboard.json of this node and of every other live member (straight from the
// browser; the members allow it, see routes.ts), keeps five minutes of rates per node
// for the charts (uPlot, served as /dashboard/uplot.js), and redraws the picture of
// the members and their links and the tables. Plain browser JavaScript, no build step.
"use strict";
(() => {
  const POLL_MS = 2000;
  const WINDOW_S = 300;
  const MAX_NODES = 24; // members polled for the charts; the picture shows them all
  const FETCH_TIMEOUT_MS = 1500;
  const COLORS = ["#2563eb", "#d9480f", "#2f9e44", "#9c36b5", "#0b7285", "#e8590c", "#5c940d", "#c2255c", "#1864ab", "#862e9c", "#087f5b", "#a61e4d"];
  const STATE_COLORS = { alive: "#2f9e44", suspect: "#f0a800", dead: "#d63939", left: "#8a93a3" };
  const $ = (id) => document.getElementById(id);
  const short = (id) => (id ? String(id).slice(0, 8) : "?");
  const self = document.body.dataset.node;

  /** Per node id: its address, its last snapshot, and when it was polled. */
  const nodes = new Map();
  /** Chart data: xs (seconds) and, per series key, one array per node in `order`. */
  const xs = [];
  const series = { rate: new Map(), errors: new Map(), p99: new Map() };
  let order = [];
  const charts = {};
  let latest = new Map();

  // ---- small DOM helpers ---------------------------------------------------

  const td = (text, cls) => {
    const cell = document.createElement("td");
    if (cls) {
      const pill = document.createElement("span");
      pill.className = "state " + cls;
      pill.textContent = text;
      cell.append(pill);
    } else cell.textContent = text;
    return cell;
  };
  const tr = (cells, title) => {
    const row = document.createElement("tr");
    for (const c of cells) row.append(typeof c === "string" || typeof c === "number" ? td(String(c)) : c);
    if (title) row.title = title;
    return row;
  };
  const code = (text) => {
    const cell = document.createElement("td");
    const c = document.createElement("code");
    c.textContent = text;
    cell.append(c);
    return cell;
  };
  const fill = (id, rows, empty, columns) => $(id).replaceChildren(...(rows.length > 0 ? rows : [tr([Object.assign(td(empty), { colSpan: columns, className: "empty" })])]));
  const time = (ms) => (Number.isFinite(ms) ? new Date(ms).toLocaleTimeString() : "?");
  const round = (n) => (n >= 100 ? Math.round(n) : Math.round(n * 10) / 10);

  // ---- numbers from two successive snapshots of one node ----------------------

  const messages = (d) => d.counts.asks + d.counts.tells + d.counts.streams;
  const failures = (d) => (d.failures ? d.failures.totals.handlerErrors + d.failures.totals.deadLetters : 0);

  /** The 99th percentile of what the histogram saw between two snapshots, in ms (a bucket's upper bound); null without observations. */
  function p99(a, b) {
    if (!a || !b || a.bounds.length !== b.bounds.length) return null;
    const total = b.buckets[b.buckets.length - 1] - a.buckets[a.buckets.length - 1];
    if (!(total > 0)) return null;
    const want = Math.ceil(total * 0.99);
    for (let i = 0; i < b.bounds.length; i++) if (b.buckets[i] - a.buckets[i] >= want) return b.bounds[i] * 1000;
    return b.bounds[b.bounds.length - 1] * 1000; // past the last bound: shown as the last bound
  }

  /** Rates of one node from its previous snapshot to `data`; undefined for the first one. */
  function rates(previous, data) {
    if (!previous || data.at <= previous.at) return undefined;
    const seconds = (data.at - previous.at) / 1000;
    return {
      rate: Math.max(0, messages(data) - messages(previous)) / seconds,
      errors: Math.max(0, failures(data) - failures(previous)) / seconds,
      p99: p99(previous.latency, data.latency),
      classes: Object.fromEntries(
        (data.classes || []).map((c) => {
          const before = (previous.classes || []).find((p) => p.name === c.name);
          return [c.name, { handled: Math.max(0, c.handled - (before?.handled ?? 0)) / seconds, errors: Math.max(0, c.errors - (before?.errors ?? 0)) / seconds, p99: p99(before?.latency, c.latency) }];
        }),
      ),
      kinds: Object.fromEntries(Object.entries(data.entities).map(([kind, k]) => [kind, Math.max(0, k.activations - (previous.entities[kind]?.activations ?? 0)) / seconds])),
    };
  }

  // ---- polling ---------------------------------------------------------------

  async function get(url) {
    const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), cache: "no-store" });
    if (!response.ok) throw new Error(response.status + " " + response.statusText);
    return response.json();
  }

  /** Whether another node's answer has what the page reads: one that does not is left out, not allowed to break the page. */
  const valid = (d) =>
    d !== null && typeof d === "object" && typeof d.node === "string" && typeof d.at === "number" && d.counts !== null && typeof d.counts === "object" &&
    Array.isArray(d.members) && Array.isArray(d.actors) && Array.isArray(d.registry) && d.entities !== null && typeof d.entities === "object";

  /** Every live member's snapshot: this node's through its own origin, the others' straight from their addresses. */
  async function poll(own) {
    const others = own.members.filter((m) => m.id !== own.node && (m.state === "alive" || m.state === "suspect")).slice(0, MAX_NODES - 1);
    // Their rates, not their spans: the trace view is this node's.
    const answers = await Promise.all(others.map((m) => get(location.protocol + "//" + m.addr + "/dashboard.json?spans=0").catch(() => undefined)));
    return [own, ...answers.filter(valid)];
  }

  function record(snapshots) {
    const now = Date.now() / 1000;
    xs.push(now);
    latest = new Map();
    for (const data of snapshots) {
      const known = nodes.get(data.node);
      const r = rates(known?.data, data);
      nodes.set(data.node, { addr: data.addr, data, rates: r ?? known?.rates, seen: now });
      latest.set(data.node, data);
      for (const key of Object.keys(series)) {
        let values = series[key].get(data.node);
        if (!values) series[key].set(data.node, (values = new Array(xs.length - 1).fill(null)));
        values.push(r ? r[key] : null);
      }
    }
    // Nodes not heard from this time get a gap.
    for (const key of Object.keys(series)) for (const values of series[key].values()) if (values.length < xs.length) values.push(null);
    // The window: drop what is older than five minutes, and nodes with nothing left in it.
    while (xs.length > 0 && xs[0] < now - WINDOW_S) {
      xs.shift();
      for (const key of Object.keys(series)) for (const values of series[key].values()) values.shift();
    }
    for (const [id, node] of nodes) {
      if (node.seen < now - WINDOW_S) {
        nodes.delete(id);
        for (const key of Object.keys(series)) series[key].delete(id);
      }
    }
  }

  // ---- charts ----------------------------------------------------------------

  const CHARTS = [
    ["rate", "chart-rate", (v) => round(v) + "/s"],
    ["errors", "chart-errors", (v) => round(v) + "/s"],
    ["p99", "chart-p99", (v) => (v === 0 ? "0" : v < 1 ? Math.round(v * 1000) + " µs" : v < 1000 ? round(v) + " ms" : round(v / 1000) + " s")],
  ];

  /** The x axis: the time polled so far, at least a minute, at most the window. */
  function xRange() {
    const last = xs.length > 0 ? xs[xs.length - 1] : Date.now() / 1000;
    const span = Math.min(WINDOW_S, Math.max(60, last - (xs.length > 0 ? xs[0] : last)));
    return [last - span, last];
  }

  function chartWidth(el) {
    return Math.max(240, el.clientWidth - 8);
  }

  function drawCharts() {
    const ids = [...nodes.keys()].sort((a, b) => (a === self ? -1 : b === self ? 1 : (nodes.get(a).addr || "").localeCompare(nodes.get(b).addr || "")));
    const changed = ids.join() !== order.join();
    order = ids;
    for (const [key, id, format] of CHARTS) {
      const data = [xs, ...ids.map((node) => series[key].get(node) ?? xs.map(() => null))];
      if (changed || !charts[key]) {
        charts[key]?.destroy();
        const el = $(id);
        charts[key] = new uPlot(
          {
            width: chartWidth(el),
            height: 170,
            cursor: { drag: { x: false, y: false } },
            legend: { live: true },
            scales: { x: { time: true, range: xRange }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
            axes: [{ stroke: "#5b6577", grid: { stroke: "#eef0f3" } }, { stroke: "#5b6577", grid: { stroke: "#eef0f3" }, size: 62, values: (_u, ticks) => ticks.map((t) => format(t)) }],
            series: [{}, ...ids.map((node, i) => ({ label: short(node) + (node === self ? " (here)" : ""), stroke: COLORS[i % COLORS.length], width: 1.5, points: { show: false }, value: (_u, v) => (v == null ? "–" : format(v)) }))],
          },
          data,
          el,
        );
      } else charts[key].setData(data);
    }
  }

  addEventListener("resize", () => {
    for (const [key, id] of CHARTS) charts[key]?.setSize({ width: chartWidth($(id)), height: 170 });
  });

  // ---- the picture: members in a circle, links as lines -------------------------

  const SVG = "http://www.w3.org/2000/svg";
  const svg = (name, attrs, text) => {
    const el = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    if (text !== undefined) el.textContent = text;
    return el;
  };

  function drawPicture(own) {
    const members = [...own.members].sort((a, b) => a.addr.localeCompare(b.addr) || a.id.localeCompare(b.id));
    const width = 460, height = 300, cx = width / 2, cy = height / 2 - 6;
    const radius = members.length <= 1 ? 0 : Math.min(cx, cy) - 46;
    const at = new Map(members.map((m, i) => {
      const angle = -Math.PI / 2 + (2 * Math.PI * i) / members.length;
      return [m.id, [cx + radius * Math.cos(angle), cy + radius * Math.sin(angle)]];
    }));
    const picture = $("picture");
    const parts = [];
    // Links: every polled node's open links, each pair once; a link of this node drawn darker.
    const drawn = new Set();
    for (const [id, data] of latest) {
      for (const link of data.links || []) {
        if (!link.node || !at.has(id) || !at.has(link.node)) continue;
        const pair = [id, link.node].sort().join(" ");
        if (drawn.has(pair)) continue;
        drawn.add(pair);
        const [x1, y1] = at.get(id), [x2, y2] = at.get(link.node);
        const mine = id === self || link.node === self;
        parts.push(svg("line", { x1, y1, x2, y2, class: "link" + (mine ? " mine" : ""), "data-link": pair }));
      }
    }
    for (const m of members) {
      const [x, y] = at.get(m.id);
      const g = svg("g", { class: "member", "data-node": m.id, "data-state": m.state });
      g.append(svg("title", {}, m.id + " · " + m.addr + " · " + m.state + " · incarnation " + m.incarnation));
      g.append(svg("circle", { cx: x, cy: y, r: 17, fill: STATE_COLORS[m.state] || "#999", stroke: m.id === self ? "#1d2430" : "white", "stroke-width": m.id === self ? 3 : 2 }));
      g.append(svg("text", { x, y: y + 31, "text-anchor": "middle", class: "name" }, short(m.id) + (m.id === self ? " (here)" : "")));
      g.append(svg("text", { x, y: y + 44, "text-anchor": "middle", class: "addr" }, m.addr + " · " + m.state));
      parts.push(g);
    }
    picture.replaceChildren(...parts);
  }

  // ---- tables ------------------------------------------------------------------

  /** A registry entry's actor names: the runtime's own markers (`system/…`: entity kinds hosted, classes spawnable) left out. */
  const userNames = (entry) => entry.names.filter((name) => !name.startsWith("system/"));

  function drawTables(own) {
    const polled = [...latest.values()];
    const nodeOf = (id) => short(id) + (id === self ? " (here)" : "");
    fill("members", own.members.map((m) => tr([code(nodeOf(m.id)), m.addr, td(m.state, m.state), String(m.incarnation)])), "no members", 4);

    // Named actors, cluster-wide (the registry), with their mailbox when their node was polled.
    const mailbox = new Map();
    for (const d of polled) for (const a of d.actors) if (a.name !== undefined) mailbox.set(d.node + " " + a.name, a.mailbox);
    const named = own.registry.flatMap((r) => userNames(r).map((name) => [name, r, mailbox.get(r.node + " " + name)]));
    fill("actors", named.map(([name, r, depth]) => tr([name, r.addr, code(nodeOf(r.node)), depth === undefined ? "–" : String(depth)])), "no named actors", 4);

    // The deepest mailboxes of the polled nodes (named actors and entity activations alike).
    const deep = polled.flatMap((d) => d.actors.filter((a) => a.mailbox > 0).map((a) => [d, a])).sort((x, y) => y[1].mailbox - x[1].mailbox).slice(0, 10);
    fill("deepest", deep.map(([d, a]) => tr([a.name ?? "#" + a.id, code(nodeOf(d.node)), String(a.mailbox)])), "every mailbox is empty", 3);

    const ms = (v) => (v == null ? "–" : v < 1 ? Math.round(v * 1000) + " µs" : v < 1000 ? round(v) + " ms" : round(v / 1000) + " s");
    const classRows = polled.flatMap((d) =>
      (d.classes || []).map((c) => {
        const r = nodes.get(d.node)?.rates?.classes?.[c.name];
        return [r?.handled ?? 0, tr([c.name, code(nodeOf(d.node)), r ? String(round(r.handled)) : "–", r ? String(round(r.errors)) : "–", ms(r?.p99), String(c.handled), String(c.errors), String(c.restarts), String(c.failedStarts)])];
      }),
    );
    fill("classes", classRows.sort((x, y) => y[0] - x[0]).slice(0, 30).map(([, row]) => row), "no actors", 9);

    fill(
      "kinds",
      polled.flatMap((d) =>
        Object.entries(d.entities).map(([kind, k]) => {
          const rate = nodes.get(d.node)?.rates?.kinds?.[kind];
          return tr([kind, code(nodeOf(d.node)), String(k.active), String(k.activations), String(k.passivations), String(k.moves), String(k.failedActivations), rate === undefined ? "–" : String(round(rate))]);
        }),
      ),
      "no entity kinds hosted",
      8,
    );

    const list = (key) =>
      polled
        .flatMap((d) => (d.failures ? d.failures[key].map((f) => [d, f]) : []))
        .sort((x, y) => y[1].at - x[1].at)
        .slice(0, 50)
        .map(([d, f]) => tr([time(f.at), code(nodeOf(d.node)), f.actor, f.message, code(f.code), f.error], (Number.isFinite(f.at) ? new Date(f.at).toISOString() : "")));
    fill("errors", list("errors"), "no handler errors", 6);
    fill("dead-letters", list("deadLetters"), "no dead letters", 6);
  }

  function drawCards(own) {
    $("alive").textContent = own.members.filter((m) => m.state === "alive").length;
    $("named").textContent = own.registry.reduce((n, r) => n + userNames(r).length, 0);
    $("links").textContent = own.linksUp;
    $("active").textContent = Object.values(own.entities).reduce((n, k) => n + k.active, 0);
    $("queued").textContent = own.mailboxDepth;
    const r = nodes.get(own.node)?.rates;
    if (r) $("rate").textContent = Math.round(r.rate);
    $("errors-total").textContent = own.failures ? own.failures.totals.handlerErrors : 0;
  }

  // ---- traces: the spans this node recorded, grouped into waterfalls ------------------

  const MAX_TRACES = 20;
  const MAX_DEPTH = 12; // deeper spans are indented no further
  const duration = (v) => (v < 1 ? Math.round(v * 1000) + " µs" : v < 1000 ? round(v) + " ms" : round(v / 1000) + " s");
  const el = (name, cls, text) => {
    const e = document.createElement(name);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  /** What the panel drew last: it is redrawn only when the spans change. */
  let tracesDrawn;

  /**
   * The spans of one trace in waterfall order (a parent before its children,
   * siblings by start), each with its depth and its start as drawn: starts are
   * whole milliseconds (durations are not), so a child is moved by less than
   * one into its parent, where it ran.
   */
  function waterfall(spans) {
    const ids = new Set(spans.map((s) => s.spanId));
    const children = new Map();
    const roots = [];
    for (const s of spans) {
      if (s.parentSpanId && ids.has(s.parentSpanId) && s.parentSpanId !== s.spanId) {
        if (!children.has(s.parentSpanId)) children.set(s.parentSpanId, []);
        children.get(s.parentSpanId).push(s);
      } else roots.push(s);
    }
    const byStart = (a, b) => a.startMs - b.startMs;
    const out = [];
    const seen = new Set();
    const visit = (s, depth, parent) => {
      if (seen.has(s.spanId)) return;
      seen.add(s.spanId);
      let start = s.startMs;
      if (parent) {
        start = Math.max(start, parent.start);
        const latest = parent.start + parent.s.durationMs - s.durationMs;
        if (start > latest && start - latest < 1) start = Math.max(parent.start, latest);
      }
      const placed = { s, depth, start };
      out.push(placed);
      for (const c of (children.get(s.spanId) || []).sort(byStart)) visit(c, depth + 1, placed);
    };
    for (const r of roots.sort(byStart)) visit(r, 0);
    for (const s of spans) if (!seen.has(s.spanId)) visit(s, 0); // a cycle of ids: drawn flat
    return out;
  }

  function drawTraces(own) {
    const panel = $("traces");
    const t = own.traces;
    const spans = t && Array.isArray(t.spans) ? t.spans.filter((s) => s && typeof s.traceId === "string" && typeof s.spanId === "string" && Number.isFinite(s.startMs) && Number.isFinite(s.durationMs)) : [];
    const key = (t && t.on ? "on" : "off") + " " + spans.length + " " + (spans.length > 0 ? spans[spans.length - 1].spanId : "");
    if (key === tracesDrawn) return;
    tracesDrawn = key;
    if (!t || !t.on) {
      const note = el("p", "note", "Tracing is off: this node's process records no spans. Start the node with ");
      note.append(el("code", "", "pulsing node --trace"), " to record them for this view, or with ", el("code", "", "--otlp-endpoint URL"), " (or ", el("code", "", "OTEL_EXPORTER_OTLP_ENDPOINT"), ") to send them to a collector too (Jaeger, Tempo, …).");
      panel.replaceChildren(note);
      return;
    }
    // By trace, the one whose span ended last first (the ring is in the order spans ended).
    const traces = new Map();
    for (const s of spans) {
      const list = traces.get(s.traceId) || [];
      traces.delete(s.traceId);
      traces.set(s.traceId, list);
      list.push(s);
    }
    const shown = [...traces].reverse().slice(0, MAX_TRACES);
    const parts = shown.map(([id, list]) => {
      const rows = waterfall(list);
      const t0 = Math.min(...rows.map((r) => r.start));
      const total = Math.max(...rows.map((r) => r.start - t0 + r.s.durationMs));
      const width = total > 0 ? total : 1;
      const box = el("div", "trace");
      box.dataset.trace = id;
      const head = el("div", "trace-head");
      const idCode = el("code", "", id.slice(0, 8));
      idCode.title = "trace " + id;
      const failed = list.filter((s) => s.code).length;
      head.append(idCode, " " + rows[0].s.name + " · " + list.length + (list.length === 1 ? " span · " : " spans · ") + duration(total) + " · " + time(t0));
      if (failed > 0) head.append(" · ", el("span", "err", failed + " failed"));
      box.append(head);
      for (const { s, depth, start } of rows) {
        const row = el("div", "span-row");
        row.dataset.span = s.spanId;
        row.title = s.actor + " · span " + s.spanId + (s.parentSpanId && !list.some((p) => p.spanId === s.parentSpanId) ? " · parent " + s.parentSpanId + " (not recorded here)" : "");
        const name = el("span", "name", s.name);
        name.style.paddingLeft = Math.min(depth, MAX_DEPTH) * 0.9 + "rem";
        name.append(el("i", "kind", s.kind));
        const track = el("span", "track");
        const bar = el("span", s.code ? "bar failed" : "bar");
        bar.setAttribute("data-kind", String(s.kind));
        const left = Math.max(0, Math.min(100, ((start - t0) / width) * 100));
        bar.style.left = left + "%";
        bar.style.width = Math.max(0, Math.min(100 - left, (s.durationMs / width) * 100)) + "%";
        track.append(bar);
        row.append(name, track, el("span", "dur", duration(s.durationMs)), el("span", "err", s.code ? String(s.code) : ""));
        box.append(row);
      }
      return box;
    });
    const note = el("p", "note", spans.length === 0 ? "Tracing is on: no span recorded yet." : "The latest " + shown.length + " of " + traces.size + " traces in this node's last " + spans.length + " spans, the latest first; bars from the trace's first span here. Hover a trace id to see all of it.");
    panel.replaceChildren(...parts, note);
  }

  // ---- the loop ------------------------------------------------------------------

  let busy = false;
  async function refresh() {
    if (busy) return;
    busy = true;
    try {
      const own = await get("/dashboard.json");
      const snapshots = await poll(own);
      record(snapshots);
      drawCards(own);
      drawCharts();
      drawPicture(own);
      drawTables(own);
      drawTraces(own);
      $("updated").textContent = time(own.at);
      $("polled").textContent = snapshots.length;
    } catch (error) {
      $("updated").textContent = "unreachable: " + error;
    } finally {
      busy = false;
    }
  }

  // The first frame from what the page came with, then from polling.
  const initial = JSON.parse($("initial").textContent);
  nodes.set(initial.node, { addr: initial.addr, data: initial, rates: undefined, seen: Date.now() / 1000 });
  latest = new Map([[initial.node, initial]]);
  drawCards(initial);
  drawPicture(initial);
  drawTables(initial);
  drawTraces(initial);
  drawCharts();
  setInterval(refresh, POLL_MS);
  void refresh();
  // For tests and the curious: the charts and what they draw.
  window.pulsingDashboard = { charts, xs, series, nodes };
})();
