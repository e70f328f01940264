import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { Actor, ActorSystem, Entity } from "pulsing";
import { killAll, startNodeProcess } from "../fixtures/processes.ts";
import { startNode, until } from "../helpers.ts";
import type { SpanRecord } from "../../src/trace/index.ts";
import { pageWeight } from "../../src/ops/dashboard-assets.ts";

// Debian's Chromium: .ci/run installs it (apt-get install chromium), as README's test command does.
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

class Greeter extends Actor {
  hello(): string {
    return "hi";
  }
}

/** Answers, or throws what it is told to. */
class Faulty extends Actor {
  ok(): string {
    return "ok";
  }
  fail(text: string): never {
    throw new TypeError(text);
  }
}

class Cart extends Entity {
  add(item: string): string {
    return item;
  }
}

let browser: Browser;
/** Script errors of every page the tests open: there must be none. */
const pageErrors: string[] = [];

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}, 30_000);

afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});

/** A new page whose script errors fail the test. */
async function newPage(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on("pageerror", (error) => pageErrors.push(String(error)));
  return page;
}

/** The executable's node with `--trace`, in its own process (an SDK registered here would be every test file's), and its data directory. */
let traced: { proc: Subprocess; dataDir: string } | undefined;

afterAll(async () => {
  await browser?.close();
  await killAll();
  if (traced !== undefined) {
    process.kill(traced.proc.pid, "SIGKILL");
    await traced.proc.exited;
    rmSync(traced.dataDir, { recursive: true, force: true });
  }
});

// Screenshots go here; look at them after a change to the page.
const SHOTS = process.env.TMPDIR ?? "/tmp";

/** How many points the page's chart `key` has for `node` (the page keeps its data on window.pulsingDashboard). */
const points = (page: Page, key: "rate" | "errors" | "p99", node: string) =>
  page.evaluate(
    ([key, node]) => {
      const series = (globalThis as unknown as { pulsingDashboard: { series: Record<string, Map<string, (number | null)[]>> } }).pulsingDashboard.series;
      return (series[key as string]?.get(node as string) ?? []).filter((v) => v !== null).length;
    },
    [key, node],
  );

test("the dashboard shows every member and the named actors, and keeps itself up to date", async () => {
  const first = await startNode();
  const systems = [first];
  for (let i = 0; i < 2; i++) systems.push(await startNode({ seeds: [first.addr as string] }));
  await until(() => systems.every((s) => s.cluster.members().filter((m) => m.state === "alive").length === 3), "three members alive on every node");

  const page = await newPage();
  await page.goto(`http://${first.addr}/`);
  for (const system of systems) await page.locator("#members").getByText(system.addr as string).first().waitFor({ timeout: 10_000 });
  expect(await page.locator("#members tr").count()).toBe(3);
  expect(await page.locator("#members .alive").count()).toBe(3);

  // An actor spawned after the page loaded appears by itself: the page polls.
  await (systems[1] as ActorSystem).spawn(Greeter, { name: "greeters/one" });
  await page.getByText("greeters/one").waitFor({ timeout: 10_000 });
  const row = page.locator("#actors tr", { hasText: "greeters/one" });
  expect(await row.textContent()).toContain((systems[1] as ActorSystem).addr as string);
  // No SDK in this process: the trace view says how to turn tracing on.
  expect(await page.locator("#traces").textContent()).toContain("pulsing node --trace");

  await page.screenshot({ path: `${SHOTS}/pulsing-dashboard.png`, fullPage: true });
  await page.close();
}, 60_000);

test("the dashboard shows the entity kinds hosted on its node, with their active counts, as they change", async () => {
  const node = await startNode();
  node.host(Cart, { kind: "cart" });
  await node.entity(Cart, "c-1").add("x");
  const page = await newPage();
  await page.goto(`http://${node.addr}/`);
  const row = page.locator("#kinds tr", { hasText: "cart" });
  // kind, node, active, activations, passivations, moves, failed activations (then activations/s)
  const cells = async () => (await row.locator("td").allTextContents()).slice(0, 7).join(" ");
  const here = `${node.nodeId.slice(0, 8)} (here)`;
  expect(await cells()).toBe(`cart ${here} 1 1 0 0 0`);
  expect(await page.locator("#active").textContent()).toBe("1");
  // Two more keys activate after the page loaded: the page polls.
  await node.entity(Cart, "c-2").add("x");
  await node.entity(Cart, "c-3").add("x");
  await until(async () => (await cells()) === `cart ${here} 3 3 0 0 0`, "the page to show three active carts");
  expect(await page.locator("#active").textContent()).toBe("3");
  await page.close();
}, 60_000);

test("the charts draw every node's message rate, error rate and latency, and a new error or dead letter shows up in its list", async () => {
  const a = await startNode();
  const b = await startNode({ seeds: [a.addr as string] });
  await until(() => [a, b].every((s) => s.cluster.members().filter((m) => m.state === "alive").length === 2), "two members alive on both");
  const faultyA = await a.spawn(Faulty, { name: "svc/faulty-a" });
  await b.spawn(Faulty, { name: "svc/faulty-b" });
  // Traffic on both nodes, over HTTP (which the latency chart times) until the test ends.
  const ask = (node: ActorSystem, name: string) =>
    fetch(`http://${node.addr}/actor/${name}`, { method: "POST", body: JSON.stringify({ msg_type: "ok", payload: [] }) }).then((r) => r.arrayBuffer());
  const traffic = setInterval(() => void Promise.all([ask(a, "svc/faulty-a"), ask(b, "svc/faulty-b")]).catch(() => {}), 20);
  try {
    const page = await newPage();
    await page.goto(`http://${a.addr}/`);
    // Every chart is a canvas drawn by uPlot, served by the node itself.
    for (const chart of ["#chart-rate", "#chart-errors", "#chart-p99"]) await page.locator(`${chart} canvas`).waitFor({ timeout: 10_000 });
    // Both nodes' series fill in: b's through the browser asking b itself (its CORS header allows a's page).
    await until(async () => (await points(page, "rate", a.nodeId)) >= 3 && (await points(page, "rate", b.nodeId)) >= 3, "three points of both nodes' message rates", 20_000, 200);
    await until(async () => (await points(page, "p99", a.nodeId)) >= 2 && (await points(page, "p99", b.nodeId)) >= 2, "latency points of both nodes", 10_000, 200);
    expect(await points(page, "errors", a.nodeId)).toBeGreaterThanOrEqual(3);
    const drawn = await page.evaluate(() => (globalThis as unknown as { pulsingDashboard: { charts: Record<string, { data: unknown[][]; series: { label: string }[] }> } }).pulsingDashboard.charts.rate as { data: unknown[][]; series: { label: string }[] });
    expect(drawn.data).toHaveLength(3); // time, and one series per node
    expect(drawn.series.map((s) => s.label)).toEqual(["Time", `${a.nodeId.slice(0, 8)} (here)`, b.nodeId.slice(0, 8)]);
    expect(Number(await page.locator("#rate").textContent())).toBeGreaterThan(0);
    // The actor classes of both nodes, with their rates.
    await until(async () => (await page.locator("#classes tr", { hasText: "Faulty" }).count()) === 2, "Faulty's rows of both nodes", 10_000, 200);
    const faulty = (await page.locator("#classes tr", { hasText: "Faulty" }).first().locator("td").allTextContents()).slice(0, 3);
    expect(faulty[0]).toBe("Faulty");
    expect(Number(faulty[2])).toBeGreaterThan(0);

    // A handler error on this node, with a text that is new, shows up in the list, newest first.
    const text = `boom-${crypto.randomUUID()}`;
    expect(faultyA.fail(text)).rejects.toMatchObject({ code: "HANDLER_ERROR" });
    await page.locator("#errors tr", { hasText: text }).waitFor({ timeout: 10_000 });
    const row = (await page.locator("#errors tr").first().locator("td").allTextContents()).slice(1);
    expect(row).toEqual([`${a.nodeId.slice(0, 8)} (here)`, "svc/faulty-a", "fail", "HANDLER_ERROR", text]);
    // The error chart sees it.
    await until(async () => page.evaluate((node) => ((globalThis as unknown as { pulsingDashboard: { series: Record<string, Map<string, (number | null)[]>> } }).pulsingDashboard.series.errors?.get(node) ?? []).some((v) => (v ?? 0) > 0), a.nodeId), "an error rate above zero", 10_000, 200);

    // A dead letter on the other node: the page gets it from b.
    const gone = await b.spawn(Faulty, { name: "svc/gone" });
    await b.stop(gone);
    await gone.$tell.ok();
    await page.locator("#dead-letters tr", { hasText: "svc/gone" }).waitFor({ timeout: 10_000 });
    expect(await page.locator("#dead-letters tr", { hasText: "svc/gone" }).locator("td").nth(1).textContent()).toBe(b.nodeId.slice(0, 8));

    await page.screenshot({ path: `${SHOTS}/pulsing-dashboard-charts.png`, fullPage: true });
    await page.close();
  } finally {
    clearInterval(traffic);
  }
}, 60_000);

test("/dashboard.json may be read by members' pages only, and the page's assets come from the node", async () => {
  const a = await startNode();
  const b = await startNode({ seeds: [a.addr as string] });
  await until(() => b.cluster.members().filter((m) => m.state === "alive").length === 2, "b to see a");
  const from = async (origin: string) => (await fetch(`http://${b.addr}/dashboard.json`, { headers: { origin } })).headers.get("access-control-allow-origin");
  expect(await from(`http://${a.addr}`)).toBe(`http://${a.addr}`);
  expect(await from("http://evil.example")).toBeNull();
  expect(await from(`http://${a.addr}.evil.example`)).toBeNull();
  // No SDK in this process: tracing off, and no spans.
  expect(((await (await fetch(`http://${a.addr}/dashboard.json`)).json()) as { traces: unknown }).traces).toEqual({ on: false, spans: [] });
  // The page names its assets with their version; they are served gzipped when asked.
  const html = await (await fetch(`http://${a.addr}/`)).text();
  for (const path of ["/dashboard/uplot.js", "/dashboard/uplot.css", "/dashboard/app.js"]) {
    const url = new RegExp(`"(${path}\\?v=[a-z0-9]+)"`).exec(html)?.[1];
    expect(url).toBeDefined();
    const plain = await fetch(`http://${a.addr}${url}`, { headers: { "accept-encoding": "identity" } });
    expect(plain.status).toBe(200);
    expect(plain.headers.get("content-encoding")).toBeNull();
    const zipped = await fetch(`http://${a.addr}${url}`, { headers: { "accept-encoding": "gzip" }, decompress: false });
    expect(zipped.headers.get("content-encoding")).toBe("gzip");
    expect(new TextDecoder().decode(Bun.gunzipSync(new Uint8Array(await zipped.arrayBuffer())))).toBe(await plain.text());
  }
  // Nothing on the page comes from elsewhere.
  expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  // Small: docs/observability.md states the weight (this node's page has little in its snapshot).
  const weight = pageWeight(html);
  console.log(`dashboard weight: ${JSON.stringify(weight)}`);
  expect(weight.gzipped).toBeLessThan(40_000);
  expect(weight.plain).toBeLessThan(100_000);
});

test("the picture shows the members and their links, and a member killed with SIGKILL turns dead in it", async () => {
  const a = await startNode();
  const c = await startNodeProcess("test/fixtures/cluster-node.ts", { PULSING_SEEDS: a.addr as string, INDEX: "7" });
  await until(() => a.cluster.members().some((m) => m.id === c.node && m.state === "alive"), "a to see the process alive");
  // A call opens a link from a to c: the picture draws it.
  expect(await a.remote<{ whoami(): string }>(c.addr, "svc/node-7").whoami()).toBe("node-7");
  const page = await newPage();
  await page.goto(`http://${a.addr}/`);
  const member = (id: string) => page.locator(`#picture [data-node="${id}"]`);
  await member(c.node as string).and(page.locator('[data-state="alive"]')).waitFor({ timeout: 10_000 });
  expect(await member(a.nodeId).getAttribute("data-state")).toBe("alive");
  await page.locator(`#picture line[data-link="${[a.nodeId, c.node].sort().join(" ")}"]`).waitFor({ state: "attached", timeout: 10_000 });
  await page.screenshot({ path: `${SHOTS}/pulsing-dashboard-picture.png`, fullPage: true });

  c.proc.kill("SIGKILL");
  await member(c.node as string).and(page.locator('[data-state="dead"]')).waitFor({ timeout: 20_000 });
  // The members table agrees, and the dead member's link is gone from the picture.
  await page.locator("#members tr", { hasText: c.addr }).locator(".dead").waitFor({ timeout: 5_000 });
  await until(async () => (await page.locator("#picture line").count()) === 0, "the link to the dead member to go", 10_000, 200);
  await page.screenshot({ path: `${SHOTS}/pulsing-dashboard-dead.png`, fullPage: true });
  await page.close();
}, 60_000);

const MAIN = `${import.meta.dir}/../../src/cli/main.ts`;

function freePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}

const hex = (bytes: number) => [...crypto.getRandomValues(new Uint8Array(bytes))].map((x) => x.toString(16).padStart(2, "0")).join("");

/** A computed style of the element `locator` finds (this project's types have no DOM). */
const style = (locator: Locator, property: string) =>
  locator.evaluate((el, property) => (globalThis as unknown as { getComputedStyle(el: unknown): Record<string, string> }).getComputedStyle(el)[property] as string, property);

/** A span as /dashboard.json gives it. */
type Span = SpanRecord;

test("with --trace, the trace view shows the node's recent traces as waterfalls, newest first, a failed call's code in red and names as text", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "pulsing-dashboard-traces-"));
  const addr = `127.0.0.1:${freePort()}`;
  // The demo actors, spans recorded for the dashboard only: no variable of this environment sends them anywhere.
  const env = { ...process.env, PULSING_ACTORS: undefined, PULSING_TRACE: undefined, OTEL_SDK_DISABLED: undefined, OTEL_EXPORTER_OTLP_ENDPOINT: undefined, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: undefined, OTEL_TRACES_SAMPLER: undefined };
  const proc = Bun.spawn(["bun", MAIN, "node", "--addr", addr, "--trace", "--log-level", "error", "--data-dir", dataDir], { stdout: "ignore", stderr: "inherit", env });
  traced = { proc, dataDir };
  await until(async () => (await fetch(`http://${addr}/health`).catch(() => undefined))?.status === 200, "the traced node to serve", 15_000, 50);

  const call = (msgType: string, headers: Record<string, string> = {}, path = "actor/demo/counter") =>
    fetch(`http://${addr}/${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ msg_type: msgType, payload: [1] }) });
  // A call that fails, to an entity whose key is markup, with a message type it lacks: the span is named
  // `counter/_OTHER` (what a caller types never names a span), and the key, shown on hover, stays text.
  const markup = `<img src=x onerror="window.pwned=1">`;
  const refused = await call(markup, {}, `entity/counter/${encodeURIComponent(markup)}`);
  expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("UNKNOWN_MESSAGE");
  // A call that succeeds, in the caller's own trace.
  const traceId = hex(16);
  const callerSpan = hex(8);
  const ok = await call("inc", { traceparent: `00-${traceId}-${callerSpan}-01` });
  expect(((await ok.json()) as { result: number }).result).toBe(1);

  // /dashboard.json: tracing on, the spans of both calls.
  const state = (await (await fetch(`http://${addr}/dashboard.json`)).json()) as { traces: { on: boolean; spans: Span[] } };
  expect(state.traces.on).toBe(true);
  const mine = state.traces.spans.filter((span) => span.traceId === traceId);
  const server = mine.find((span) => span.kind === "server");
  expect(server).toMatchObject({ name: "demo/counter/inc", parentSpanId: callerSpan, actor: "demo/counter" });
  expect(mine.find((span) => span.kind === "internal")).toMatchObject({ name: "Counter/inc", parentSpanId: server?.spanId });
  expect(mine.every((span) => span.code === undefined)).toBe(true);
  const failed = state.traces.spans.find((span) => span.code !== undefined) as Span;
  expect(failed).toMatchObject({ name: "counter/_OTHER", kind: "server", code: "UNKNOWN_MESSAGE", parentSpanId: "", actor: `#counter/${markup}` });
  // What a member's page asks the others for: no spans.
  expect(((await (await fetch(`http://${addr}/dashboard.json?spans=0`)).json()) as { traces: unknown }).traces).toEqual({ on: true, spans: [] });

  const page = await newPage();
  await page.goto(`http://${addr}/`);
  const traces = page.locator("#traces .trace");
  await traces.first().waitFor({ timeout: 10_000 });
  // Newest first: the successful call's trace, its id's first 8 hex digits, the handler's span under the server's.
  expect(await traces.first().getAttribute("data-trace")).toBe(traceId);
  expect(await traces.first().locator(".trace-head code").textContent()).toBe(traceId.slice(0, 8));
  const rows = traces.first().locator(".span-row");
  expect(await rows.count()).toBe(2);
  expect(await rows.nth(0).locator(".name").textContent()).toBe("demo/counter/incserver");
  expect(await rows.nth(1).locator(".name").textContent()).toBe("Counter/incinternal");
  const indent = async (n: number) => parseFloat(await style(rows.nth(n).locator(".name"), "paddingLeft"));
  expect(await indent(1)).toBeGreaterThan(await indent(0));
  expect(await rows.nth(0).locator(".err").textContent()).toBe("");
  // The failed call: its code, in red; its markup name as text, nothing injected.
  const failedTrace = page.locator(`#traces .trace[data-trace="${failed.traceId}"]`);
  expect(await failedTrace.locator(".span-row .name").textContent()).toBe("counter/_OTHERserver");
  expect(await failedTrace.locator(".span-row").getAttribute("title")).toContain(`#counter/${markup}`);
  const code = failedTrace.locator(".span-row .err");
  expect(await code.textContent()).toBe("UNKNOWN_MESSAGE");
  expect(await style(code, "color")).toBe("rgb(201, 42, 42)");
  expect(await page.locator("#traces img").count()).toBe(0);
  expect(await page.evaluate(() => (globalThis as unknown as { pwned?: number }).pwned)).toBeUndefined();

  await page.screenshot({ path: `${SHOTS}/pulsing-dashboard-traces.png`, fullPage: true });
  await page.locator("#traces").screenshot({ path: `${SHOTS}/pulsing-dashboard-trace-view.png` });
  await page.close();
}, 40_000);
