import { afterAll, beforeAll, expect, test } from "bun:test";
import { encode } from "@msgpack/msgpack";
import { context, SpanKind, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { type ReadableSpan, type SpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { ActorSystem } from "pulsing";
import { type FuzzedNode, FuzzTarget, fuzzGossip, fuzzHttp, fuzzLink, serviceProblems } from "../../scripts/fuzz/fuzz.ts";
import { FUZZ_TRACE_ID } from "../../scripts/fuzz/seeds.ts";
import { tracing } from "../../src/trace/index.ts";
import { memoryLogger, startSystem } from "../helpers.ts";

// A short run of scripts/fuzz (the long one is `bun scripts/fuzz/run.ts`, see docs/reliability.md),
// against a node without a cluster secret and one with. An OpenTelemetry SDK is registered
// meanwhile: without one the runtime never reads a trace context, so the fuzzer's would go unparsed.
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
const ROUNDS = Number(process.env.FUZZ_ROUNDS ?? 1000);
const SECRET = "fuzz-test-secret-0123456789";

let open: ActorSystem;
let secured: ActorSystem;
let target: FuzzedNode;
let securedTarget: FuzzedNode;

async function startTarget(secret?: string): Promise<[ActorSystem, FuzzedNode]> {
  const system = await ActorSystem.start({ addr: "127.0.0.1:0", logger: memoryLogger(), stopTimeoutMs: 200, limits: { maxMessageBytes: 64 * 1024 }, ...(secret === undefined ? {} : { secret }) });
  await system.spawn(FuzzTarget, { name: "counter" });
  await system.spawn(FuzzTarget, { name: "slow" });
  return [system, { addr: system.addr as string, nodeId: system.nodeId, actor: "counter", slow: "slow", ...(secret === undefined ? {} : { secret }) }];
}

/** Spans that continued the fuzzer's well-formed trace context, by kind: proof that its trace fields were parsed. */
const continued: Record<number, number> = {};
const counting: SpanProcessor = {
  onStart: () => {},
  onEnd: (span: ReadableSpan) => {
    if (span.spanContext().traceId === FUZZ_TRACE_ID) continued[span.kind] = (continued[span.kind] ?? 0) + 1;
  },
  forceFlush: async () => {},
  shutdown: async () => {},
};

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [counting] }));
  expect(tracing.refresh()).toBe(true);
  [open, target] = await startTarget();
  [secured, securedTarget] = await startTarget(SECRET);
});
afterAll(async () => {
  await open.shutdown();
  await secured.shutdown();
  trace.disable();
  context.disable();
  tracing.refresh();
});

const ownRecord = (system: ActorSystem) => system.cluster.members().find((m) => m.id === system.nodeId);



test(`random, mutated and hostile HTTP bodies, paths and headers get well-formed answers (seed ${SEED})`, async () => {
  const report = await fuzzHttp(target, SEED, ROUNDS);
  expect(report.malformed).toEqual([]);
  expect(report.inputs.actor).toBe(ROUNDS);
  expect(report.requests).toBe(ROUNDS);
  expect(Object.keys(report.shapes).length).toBeGreaterThan(5); // the attack shapes were sent
  expect(report.largestErrorBytes).toBeLessThan(4096);
  expect(await serviceProblems(target)).toEqual([]);
}, 60_000);

test(`random, mutated and hostile gossip never takes the node down or changes its own view of itself (seed ${SEED})`, async () => {
  const report = await fuzzGossip(target, SEED + 1, ROUNDS);
  expect(report.malformed).toEqual([]);
  // 413 and 431: bodies and headers past the limits (Bun's own answer far past them).
  expect(Object.keys(report.statuses).every((status) => ["204", "400", "413", "431"].includes(status))).toBe(true);
  expect(ownRecord(open)).toMatchObject({ state: "alive", addr: open.addr });
  expect(await serviceProblems(target)).toEqual([]);
}, 60_000);

test(`random, mutated and hostile link frames never take the node down (seed ${SEED})`, async () => {
  const report = await fuzzLink(target, SEED + 2, ROUNDS);
  expect(report.malformed).toEqual([]);
  expect(report.violations).toEqual([]);
  expect(report.linkCloses).toBeGreaterThan(0); // bad frames do close links: that is the answer to them
  expect(report.linkAnswers.reply ?? 0).toBeGreaterThan(0); // and good ones are served
  expect(await serviceProblems(target)).toEqual([]);
  // The fuzzer's well-formed trace contexts (over HTTP and links) were parsed: handler spans continued them.
  expect((continued[SpanKind.SERVER] ?? 0) + (continued[SpanKind.CONSUMER] ?? 0)).toBeGreaterThan(0);
  const { system: client } = await startSystem();
  expect(await client.remote<FuzzTarget>(target.addr, "counter").echo("over a link")).toBe("over a link");
}, 60_000);

test(`with a secret: forged, replayed and stale signatures and proofs are refused, signed input is fuzzed like the rest (seed ${SEED})`, async () => {
  const rounds = Math.ceil(ROUNDS / 2);
  const http = await fuzzHttp(securedTarget, SEED + 3, rounds);
  const gossip = await fuzzGossip(securedTarget, SEED + 4, rounds);
  const link = await fuzzLink(securedTarget, SEED + 5, rounds);
  for (const report of [http, gossip, link]) {
    expect(report.malformed).toEqual([]);
    expect(report.violations).toEqual([]);
  }
  expect(gossip.statuses[204] ?? 0).toBeGreaterThan(0); // the fuzzer's own signatures are good ones
  expect(gossip.statuses[401] ?? 0).toBeGreaterThan(0); // and its forgeries are not
  expect(link.linkAnswers.reply ?? 0).toBeGreaterThan(0); // its links prove themselves
  expect(ownRecord(secured)).toMatchObject({ state: "alive", addr: secured.addr });
  expect(await serviceProblems(securedTarget)).toEqual([]);
  const { system: client } = await startSystem({ secret: SECRET });
  expect(await client.remote<FuzzTarget>(securedTarget.addr, "counter").echo("over a signed link")).toBe("over a signed link");
}, 60_000);

test("a gossip message whose kind is a 50 KB string is refused in under 4 KB", async () => {
  const response = await fetch(`http://${target.addr}/cluster/gossip`, { method: "POST", headers: { "x-pulsing-gossip": "1" }, body: encode(["k".repeat(50_000)]) });
  expect(response.status).toBe(400);
  expect((await response.arrayBuffer()).byteLength).toBeLessThan(4096);
});
