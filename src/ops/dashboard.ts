/**
 * The dashboard page, written with hono/html rather than JSX: this file ships in
 * the package as source, and JSX would depend on the JSX settings of whoever
 * imports it (their tsconfig, or none), not on ours.
 */
import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { Member } from "../cluster/index.ts";
import type { NodeView } from "../system/index.ts";

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #1d2430; background: #f6f7f9; }
h1 { font-size: 1.4rem; margin: 0 0 .2rem; } h2 { font-size: 1.05rem; margin: 1.6rem 0 .5rem; }
.sub { color: #5b6577; margin-bottom: 1rem; }
.cards { display: flex; gap: 1rem; flex-wrap: wrap; }
.card { background: white; border-radius: 8px; padding: .8rem 1.1rem; box-shadow: 0 1px 2px #0001; min-width: 9rem; }
.card b { display: block; font-size: 1.5rem; }
table { border-collapse: collapse; background: white; border-radius: 8px; overflow: hidden; box-shadow: 0 1px 2px #0001; min-width: 40rem; }
th, td { text-align: left; padding: .45rem .9rem; border-bottom: 1px solid #eef0f3; }
th { background: #eef1f5; font-weight: 600; }
.state { padding: .1rem .5rem; border-radius: 999px; font-size: .85em; }
.alive { background: #d9f5e1; color: #11652d; } .suspect { background: #fff1c7; color: #7a5800; }
.dead { background: #fde0e0; color: #8d1c1c; } .left { background: #e6e8ec; color: #4a5260; }
code { font-size: .9em; }
.warning { background: #fde0e0; color: #8d1c1c; border-radius: 8px; padding: .6rem 1rem; margin: .5rem 0 1rem; font-weight: 600; }
`;

const short = (id: string) => id.slice(0, 8);

/** The script that keeps the page live: it polls /dashboard.json and redraws the tables and rates. */
const LIVE = `
let last;
const cell = (text, cls) => { const td = document.createElement("td"); if (cls) { const s = document.createElement("span"); s.className = "state " + cls; s.textContent = text; td.append(s); } else td.textContent = text; return td; };
const row = (cells) => { const tr = document.createElement("tr"); cells.forEach((c) => tr.append(c)); return tr; };
async function refresh() {
  try {
    const data = await (await fetch("/dashboard.json")).json();
    const members = document.getElementById("members");
    members.replaceChildren(...data.members.map((m) => row([cell(m.id.slice(0, 8) + (m.id === data.node ? " (this node)" : "")), cell(m.addr), cell(m.state, m.state), cell(String(m.incarnation))])));
    const actors = document.getElementById("actors");
    actors.replaceChildren(...data.registry.flatMap((r) => r.names.map((name) => row([cell(name), cell(r.addr), cell(r.node.slice(0, 8))]))));
    document.getElementById("alive").textContent = data.members.filter((m) => m.state === "alive").length;
    document.getElementById("named").textContent = data.registry.reduce((n, r) => n + r.names.length, 0);
    document.getElementById("links").textContent = data.linksUp;
    const kinds = Object.entries(data.entities);
    document.getElementById("kinds").replaceChildren(...kinds.map(([kind, k]) => row([cell(kind), cell(String(k.active)), cell(String(k.activations)), cell(String(k.passivations)), cell(String(k.moves)), cell(String(k.failedActivations))])));
    document.getElementById("active").textContent = kinds.reduce((n, [, k]) => n + k.active, 0);
    if (last) {
      const seconds = (data.at - last.at) / 1000;
      const rate = (k) => Math.max(0, Math.round((data.counts[k] - last.counts[k]) / seconds));
      document.getElementById("rate").textContent = rate("asks") + rate("tells") + rate("streams");
    }
    last = data;
    document.getElementById("updated").textContent = new Date(data.at).toLocaleTimeString();
  } catch (error) {
    document.getElementById("updated").textContent = "unreachable: " + error;
  }
}
setInterval(refresh, 1000);
refresh();
`;

const memberRows = (members: Member[], self: string) =>
  members.map(
    (m) =>
      html`<tr><td><code>${short(m.id)}</code>${m.id === self ? " (this node)" : ""}</td><td>${m.addr}</td><td><span class="state ${m.state}">${m.state}</span></td><td>${m.incarnation}</td></tr>`,
  );

type KindCounts = ReturnType<NodeView["entities"]>[string];

const kindRows = (entities: Record<string, KindCounts>) =>
  Object.entries(entities).map(
    ([kind, k]) => html`<tr><td>${kind}</td><td>${k.active}</td><td>${k.activations}</td><td>${k.passivations}</td><td>${k.moves}</td><td>${k.failedActivations}</td></tr>`,
  );

/** `GET /`: the members and their states, actors per node, the entity kinds hosted here, message rates; refreshed every second. */
export function Dashboard({ view }: { view: NodeView }): HtmlEscapedString {
  const members = view.members();
  const registry = view.registry();
  const entities = view.entities();
  const page = html`<html lang="en"><head><meta charset="utf-8"/><title>pulsing · ${view.addr ?? view.nodeId}</title><style>${raw(STYLE)}</style></head><body>\
<h1>pulsing node ${view.addr}</h1>\
${view.warnings().map((warning) => html`<div class="warning" role="alert">${warning}</div>`)}\
<div class="sub">node <code>${view.nodeId}</code> · updated <span id="updated">now</span></div>\
<div class="cards">\
<div class="card"><b id="alive">${members.filter((m) => m.state === "alive").length}</b>members alive</div>\
<div class="card"><b id="named">${registry.reduce((n, r) => n + r.names.length, 0)}</b>named actors</div>\
<div class="card"><b id="rate">0</b>messages/s here</div>\
<div class="card"><b id="links">${view.linksUp()}</b>links up</div>\
<div class="card"><b id="active">${Object.values(entities).reduce((n, k) => n + k.active, 0)}</b>entities active here</div>\
</div>\
<h2>Members</h2>\
<table><thead><tr><th>node</th><th>address</th><th>state</th><th>incarnation</th></tr></thead>\
<tbody id="members">${memberRows(members, view.nodeId)}</tbody></table>\
<h2>Named actors</h2>\
<table><thead><tr><th>name</th><th>address</th><th>node</th></tr></thead>\
<tbody id="actors">${registry.flatMap((r) => r.names.map((name) => html`<tr><td>${name}</td><td>${r.addr}</td><td><code>${short(r.node)}</code></td></tr>`))}</tbody></table>\
<h2>Entities on this node</h2>\
<table><thead><tr><th>kind</th><th>active</th><th>activations</th><th>passivations</th><th>moves</th><th>failed activations</th></tr></thead>\
<tbody id="kinds">${kindRows(entities)}</tbody></table>\
<script>${raw(LIVE)}</script></body></html>`;
  // Every value above is a string, a number or html`` made of those: hono renders it synchronously.
  if (page instanceof Promise) throw new Error("the dashboard rendered asynchronously");
  return page;
}
