/**
 * Tracing across processes: three nodes (each its own process with the SDK's
 * in-memory exporter) whose "relay" actors call one another A → B → C. A call
 * made over HTTP with a W3C traceparent gives one trace whose spans nest in
 * that order across the processes; errors, streams and tells too; and log
 * lines written inside a traced call carry its trace id.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { killAll, type NodeProcess, startNodeProcess } from "../fixtures/processes.ts";
import { until } from "../helpers.ts";

const FIXTURE = new URL("../fixtures/traced-node.ts", import.meta.url).pathname;

interface FinishedSpan {
  node: string;
  name: string;
  kind: SpanKind;
  spanId: string;
  parentSpanId: string;
  status: SpanStatusCode;
  attributes: Record<string, unknown>;
}

/** A node process's id (the fixture prints it first). */
const id = (node: NodeProcess): string => node.node as string;

let a: NodeProcess;
let b: NodeProcess;
let c: NodeProcess;

beforeAll(async () => {
  // C alone hosts "solo" and the "tally" kind; A and B join through it and reach them through the gateway.
  c = await startNodeProcess(FIXTURE, { TRACED_HOST: "1" });
  b = await startNodeProcess(FIXTURE, { TRACED_NEXT: c.addr, TRACED_SEEDS: c.addr });
  a = await startNodeProcess(FIXTURE, { TRACED_NEXT: b.addr, TRACED_SEEDS: c.addr });
});
afterAll(killAll);

const hex = (bytes: number) => [...crypto.getRandomValues(new Uint8Array(bytes))].map((x) => x.toString(16).padStart(2, "0")).join("");

/** A caller's own trace: a fresh trace id and span id, sampled. */
function callerTrace(): { traceId: string; spanId: string; traceparent: string } {
  const traceId = hex(16);
  const spanId = hex(8);
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

async function post(node: NodeProcess, actor: string, msgType: string, payload: unknown[], headers: Record<string, string> = {}, route = "actor"): Promise<Response> {
  return await fetch(`http://${node.addr}/${route}/${actor}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ msg_type: msgType, payload }),
  });
}

async function spansOf(node: NodeProcess, traceId: string): Promise<FinishedSpan[]> {
  const response = await post(node, "spans", "finished", [traceId]);
  return ((await response.json()) as { result: FinishedSpan[] }).result;
}

/** Every span of the trace on the three nodes, once `count` of them have ended. */
async function traceSpans(traceId: string, count: number): Promise<FinishedSpan[]> {
  let all: FinishedSpan[] = [];
  await until(
    async () => {
      all = (await Promise.all([a, b, c].map((node) => spansOf(node, traceId)))).flat();
      return all.length >= count;
    },
    `${count} spans of trace ${traceId}`,
  );
  return all;
}

/** The chain of spans from the deepest one up to the caller's own span, following parent ids. */
function ancestry(spans: FinishedSpan[], from: FinishedSpan): FinishedSpan[] {
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  const chain = [from];
  for (let parent = byId.get(from.parentSpanId); parent !== undefined; parent = byId.get(parent.parentSpanId)) chain.push(parent);
  return chain.reverse();
}

describe("a call chain A → B → C across processes is one trace", () => {
  test("an ask: spans nest A (http server, handler, client) → B (server, client) → C (server), under the caller's span", async () => {
    const caller = callerTrace();
    const response = await post(a, "relay", "hop", [[]], { traceparent: caller.traceparent });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { result: string[] }).result).toEqual([id(a), id(b), id(c)]);
    // The answer says which trace the call is in: the caller's.
    expect(response.headers.get("traceparent")).toMatch(new RegExp(`^00-${caller.traceId}-[0-9a-f]{16}-01$`));

    const spans = await traceSpans(caller.traceId, 6);
    expect(spans).toHaveLength(6);
    const deepest = spans.find((span) => span.node === id(c) && span.kind === SpanKind.SERVER) as FinishedSpan;
    const chain = ancestry(spans, deepest);
    expect(chain.map((span) => [span.node, span.kind])).toEqual([
      [id(a), SpanKind.SERVER], // POST /actor/relay
      [id(a), SpanKind.INTERNAL], // A's handler
      [id(a), SpanKind.CLIENT], // A calls B
      [id(b), SpanKind.SERVER], // B's handler
      [id(b), SpanKind.CLIENT], // B calls C
      [id(c), SpanKind.SERVER], // C's handler
    ]);
    expect(chain[0]?.parentSpanId).toBe(caller.spanId);
    for (const span of chain) {
      expect(span.status).not.toBe(SpanStatusCode.ERROR);
      expect(span.attributes["rpc.method"]).toBe("hop");
      expect(span.attributes["pulsing.actor"]).toBe("relay");
    }
    expect(chain[1]?.name).toBe("Relay/hop"); // handlers are named after the class, callers after the name
    expect(chain[2]?.name).toBe("relay/hop");
  });

  test("an error: every span on the way back says so, with its code, and the answer carries the trace", async () => {
    const caller = callerTrace();
    const response = await post(a, "relay", "fail", [], { traceparent: caller.traceparent });
    expect(response.status).toBe(500);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("HANDLER_ERROR");
    expect(response.headers.get("traceparent")).toContain(caller.traceId);
    const spans = await traceSpans(caller.traceId, 6);
    expect(spans).toHaveLength(6);
    for (const span of spans) {
      expect(span.status).toBe(SpanStatusCode.ERROR);
      expect(span.attributes["error.type"]).toBe("HANDLER_ERROR");
    }
  });

  test("a stream: its spans nest the same way and end when it does", async () => {
    const caller = callerTrace();
    const response = await post(a, "relay", "count", [5], { traceparent: caller.traceparent });
    const lines = (await response.text()).trim().split("\n").map((line) => JSON.parse(line) as { item?: number; end?: boolean });
    expect(lines).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }, { item: 3 }, { item: 4 }, { end: true }]);
    const spans = await traceSpans(caller.traceId, 6);
    const deepest = spans.find((span) => span.node === id(c) && span.kind === SpanKind.SERVER) as FinishedSpan;
    expect(ancestry(spans, deepest).map((span) => span.node)).toEqual([id(a), id(a), id(a), id(b), id(b), id(c)]);
  });

  test("a tell: producer and consumer spans, and the failure each node logs carries the trace id", async () => {
    const caller = callerTrace();
    const response = await post(a, "relay", "explode", [], { traceparent: caller.traceparent, "x-message-mode": "tell" });
    expect(response.status).toBe(202);
    const spans = await traceSpans(caller.traceId, 6);
    const consumerOnC = spans.find((span) => span.node === id(c) && span.kind === SpanKind.CONSUMER) as FinishedSpan;
    expect(ancestry(spans, consumerOnC).map((span) => [span.node, span.kind])).toEqual([
      [id(a), SpanKind.CONSUMER], // POST /actor/relay, mode tell
      [id(a), SpanKind.INTERNAL], // A's handler
      [id(a), SpanKind.PRODUCER], // A tells B
      [id(b), SpanKind.CONSUMER], // B's handler
      [id(b), SpanKind.PRODUCER], // B tells C
      [id(c), SpanKind.CONSUMER], // C's handler
    ]);
    for (const node of [a, b, c]) {
      let failed: Record<string, unknown> | undefined;
      await until(async () => {
        const logs = ((await (await post(node, "spans", "logs", [])).json()) as { result: Record<string, unknown>[] }).result;
        failed = logs.find((line) => line.event === "tell handler failed" && line.trace_id === caller.traceId);
        return failed !== undefined;
      }, `the failure logged on ${node.node} with its trace id`);
      expect(failed?.message).toBe("explode");
    }
  });

  test("through the gateway: A's HTTP span, A's forwarding client span, C's handler span, one trace; an entity's spans name its kind and key", async () => {
    for (const [route, target, msgType, payload, attributes] of [
      ["actor", "solo", "hop", [[]], { "pulsing.actor": "solo" }],
      ["entity", "tally/k-1", "add", [2], { "pulsing.actor": "#tally/k-1", "pulsing.entity.kind": "tally", "pulsing.entity.key": "k-1" }],
    ] as const) {
      const caller = callerTrace();
      // C may not be known to A yet: a wait for the name, as a client would ask for it.
      const response = await post(a, target, msgType, [...payload], { traceparent: caller.traceparent, "x-wait-ms": "5000" }, route);
      expect(response.status).toBe(200);
      const spans = await traceSpans(caller.traceId, 3);
      expect(spans).toHaveLength(3);
      const handler = spans.find((span) => span.node === id(c)) as FinishedSpan;
      expect(ancestry(spans, handler).map((span) => [span.node, span.kind])).toEqual([
        [id(a), SpanKind.SERVER],
        [id(a), SpanKind.CLIENT],
        [id(c), SpanKind.SERVER],
      ]);
      expect(handler.attributes).toMatchObject(attributes);
    }
  });

  test("a malformed traceparent starts a new trace: the call is served as any other", async () => {
    const response = await post(a, "relay", "hop", [[]], { traceparent: "00-not-a-trace-01", tracestate: "x".repeat(5000) });
    expect(response.status).toBe(200);
    const traceparent = response.headers.get("traceparent") as string;
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const traceId = traceparent.split("-")[1] as string;
    const spans = await traceSpans(traceId, 6);
    expect(spans.find((span) => span.node === id(a) && span.kind === SpanKind.SERVER)?.parentSpanId).toBe("");
  });
});
