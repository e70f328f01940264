/**
 * The dashboard page, written with hono/html rather than JSX: this file ships in
 * the package as source, and JSX would depend on the JSX settings of whoever
 * imports it (their tsconfig, or none), not on ours.
 *
 * The page is a shell: the node's snapshot comes with it (as JSON, so the first
 * frame needs no request), and its script (dashboard.browser.js) draws the
 * charts, the picture and the tables, then keeps them live by polling.
 */
import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { NodeView } from "../system/index.ts";
import { assetUrl } from "./dashboard-assets.ts";

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem 2rem; color: #1d2430; background: #f6f7f9; }
h1 { font-size: 1.4rem; margin: 0 0 .2rem; } h2 { font-size: 1.05rem; margin: 1.4rem 0 .5rem; }
h3 { font-size: .9rem; margin: 0 0 .3rem; font-weight: 600; color: #3b4454; }
.sub, .note { color: #5b6577; } .sub { margin-bottom: 1rem; } .note { font-size: .85em; margin: .3rem 0 0; }
.cards { display: flex; gap: .8rem; flex-wrap: wrap; }
.card, .panel { background: white; border-radius: 8px; box-shadow: 0 1px 2px #0001; }
.card { padding: .7rem 1rem; min-width: 8rem; } .card b { display: block; font-size: 1.45rem; }
.panel { padding: .7rem .9rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); gap: .8rem; }
.charts .chart { min-height: 200px; }
.row { display: grid; grid-template-columns: minmax(24rem, 30rem) 1fr; gap: .8rem; align-items: start; }
@media (max-width: 60rem) { .row { grid-template-columns: 1fr; } }
table { border-collapse: collapse; background: white; border-radius: 8px; overflow: hidden; box-shadow: 0 1px 2px #0001; width: 100%; }
th, td { text-align: left; padding: .35rem .7rem; border-bottom: 1px solid #eef0f3; vertical-align: top; }
th { background: #eef1f5; font-weight: 600; position: sticky; top: 0; }
.scroll { max-height: 22rem; overflow: auto; border-radius: 8px; box-shadow: 0 1px 2px #0001; } .scroll table { box-shadow: none; border-radius: 0; overflow: visible; } td.empty { color: #8a93a3; font-style: italic; }
#errors td:last-child, #dead-letters td:last-child { word-break: break-word; max-width: 32rem; }
.state { padding: .1rem .5rem; border-radius: 999px; font-size: .85em; }
.alive { background: #d9f5e1; color: #11652d; } .suspect { background: #fff1c7; color: #7a5800; }
.dead { background: #fde0e0; color: #8d1c1c; } .left { background: #e6e8ec; color: #4a5260; }
code { font-size: .9em; }
.warning { background: #fde0e0; color: #8d1c1c; border-radius: 8px; padding: .6rem 1rem; margin: .5rem 0 1rem; font-weight: 600; }
#picture { width: 100%; height: auto; display: block; }
#picture .link { stroke: #b8c0cc; stroke-width: 1.5; } #picture .link.mine { stroke: #4a5568; stroke-width: 2.5; }
#picture text { font-size: 11px; fill: #3b4454; paint-order: stroke; stroke: white; stroke-width: 3px; } #picture .addr { fill: #6b7485; font-size: 10px; }
.u-legend { font-size: 12px; } .u-legend th { font-weight: 500; } .u-legend .u-marker { width: .7em; height: .7em; }
.trace { margin: 0 0 .9rem; } .trace-head { font-size: .85em; color: #3b4454; margin-bottom: .15rem; }
.span-row { display: grid; grid-template-columns: minmax(10rem, 24rem) minmax(6rem, 1fr) 4.5rem 9rem; gap: .6rem; align-items: center; font-size: .85em; }
.span-row .name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; } .span-row .kind { color: #6b7485; font-size: .85em; margin-left: .35rem; }
.track { position: relative; height: .65rem; background: #f1f3f6; border-radius: 3px; }
.bar { position: absolute; top: 0; bottom: 0; min-width: 2px; border-radius: 3px; background: #2563eb; }
.bar[data-kind=client] { background: #9c36b5; } .bar[data-kind=internal] { background: #8a93a3; } .bar[data-kind=producer], .bar[data-kind=consumer] { background: #0b7285; } .bar.failed { background: #d63939; }
.dur { text-align: right; font-variant-numeric: tabular-nums; } .err { color: #c92a2a; font-weight: 600; }
#traces { max-height: 36rem; overflow: auto; }
.legend span { display: inline-block; margin-right: .8rem; font-size: .85em; } .legend i { display: inline-block; width: .7rem; height: .7rem; border-radius: 50%; margin-right: .25rem; vertical-align: -1px; }
`;

/** The picture's colors (the script's STATE_COLORS), explained under it. */
const LEGEND_HTML = raw(
  Object.entries({ alive: "#2f9e44", suspect: "#f0a800", dead: "#d63939", left: "#8a93a3" })
    .map(([state, color]) => `<span><i style="background:${color}"></i>${state}</span>`)
    .join(""),
);

/** The snapshot as JSON inside a script element: `<` escaped, so no text in it can end the element. */
const embedded = (data: unknown) => JSON.stringify(data).replace(/</g, "\\u003c");

/** `GET /`: the charts of every live member, the members and their links, actors, entity kinds, the latest errors and dead letters, this node's recent traces. */
export function Dashboard({ view, snapshot }: { view: NodeView; snapshot: Record<string, unknown> }): HtmlEscapedString {
  const page = html`<html lang="en"><head><meta charset="utf-8"/><meta name="viewport" content="width=device-width, initial-scale=1"/>\
<title>pulsing · ${view.addr ?? view.nodeId}</title>\
<link rel="stylesheet" href="${assetUrl("/dashboard/uplot.css")}"/><style>${raw(STYLE)}</style></head>\
<body data-node="${view.nodeId}">\
<h1>pulsing node ${view.addr}</h1>\
${view.warnings().map((warning) => html`<div class="warning" role="alert">${warning}</div>`)}\
<div class="sub">node <code>${view.nodeId}</code> · updated <span id="updated">now</span> · <span id="polled">1</span> node(s) polled every 2 s</div>\
<div class="cards">\
<div class="card"><b id="alive">–</b>members alive</div>\
<div class="card"><b id="named">–</b>named actors</div>\
<div class="card"><b id="rate">0</b>messages/s here</div>\
<div class="card"><b id="errors-total">0</b>handler errors here</div>\
<div class="card"><b id="queued">0</b>queued here</div>\
<div class="card"><b id="links">–</b>links up</div>\
<div class="card"><b id="active">–</b>entities active here</div>\
</div>\
<h2>The last five minutes, per node</h2>\
<div class="charts">\
<div class="panel"><h3>Messages/s</h3><div class="chart" id="chart-rate"></div><p class="note">Asks, tells and streams to each node's actors.</p></div>\
<div class="panel"><h3>Errors/s</h3><div class="chart" id="chart-errors"></div><p class="note">Handler errors and dead letters.</p></div>\
<div class="panel"><h3>Handler latency p99</h3><div class="chart" id="chart-p99"></div><p class="note">Handler time of the sampled turns (1 in 16), every actor together, by histogram bucket; a gap when none was sampled.</p></div>\
</div>\
<h2>Members and their links</h2>\
<div class="row">\
<div class="panel"><svg id="picture" viewBox="0 0 460 300" role="img" aria-label="The members and their open links"></svg>\
<div class="legend">${LEGEND_HTML}</div><p class="note">A line is an open link between two polled nodes; darker: this node's.</p></div>\
<table><thead><tr><th>node</th><th>address</th><th>state</th><th>incarnation</th></tr></thead><tbody id="members"></tbody></table>\
</div>\
<h2>Latest errors</h2>\
<div class="scroll"><table><thead><tr><th>time</th><th>node</th><th>actor</th><th>message</th><th>code</th><th>error</th></tr></thead><tbody id="errors"></tbody></table></div>\
<h2>Dead letters</h2>\
<div class="scroll"><table><thead><tr><th>time</th><th>node</th><th>actor</th><th>message</th><th>code</th><th>why</th></tr></thead><tbody id="dead-letters"></tbody></table></div>\
<h2>Actor classes</h2>\
<table><thead><tr><th>class</th><th>node</th><th>turns/s</th><th>errors/s</th><th>p99</th><th>turns</th><th>errors</th><th>restarts</th><th>failed starts</th></tr></thead><tbody id="classes"></tbody></table>\
<p class="note">The busiest 30 of the polled nodes; p99 of the sampled turns (1 in 16) since the last poll, none when none was sampled.</p>\
<h2>Named actors</h2>\
<table><thead><tr><th>name</th><th>address</th><th>node</th><th>mailbox</th></tr></thead><tbody id="actors"></tbody></table>\
<h2>Deepest mailboxes</h2>\
<table><thead><tr><th>actor</th><th>node</th><th>queued</th></tr></thead><tbody id="deepest"></tbody></table>\
<h2>Entity kinds</h2>\
<table><thead><tr><th>kind</th><th>node</th><th>active</th><th>activations</th><th>passivations</th><th>moves</th><th>failed activations</th><th>activations/s</th></tr></thead><tbody id="kinds"></tbody></table>\
<h2>Traces</h2>\
<div class="panel" id="traces"></div>\
<script type="application/json" id="initial">${raw(embedded(snapshot))}</script>\
<script src="${assetUrl("/dashboard/uplot.js")}"></script><script src="${assetUrl("/dashboard/app.js")}"></script>\
</body></html>`;
  // Every value above is a string, a number or html`` made of those: hono renders it synchronously.
  if (page instanceof Promise) throw new Error("the dashboard rendered asynchronously");
  return page;
}
