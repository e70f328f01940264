import { afterAll, beforeAll, expect, test } from "bun:test";
import { ActorSystem } from "pulsing";
import { type FuzzedNode, FuzzTarget, fuzzGossip, fuzzHttp, fuzzLink, stillServes } from "../../scripts/fuzz/fuzz.ts";
import { memoryLogger } from "../helpers.ts";

// A short run of scripts/fuzz (the long one is `bun scripts/fuzz/run.ts`, see docs/reliability.md).
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
const ROUNDS = Number(process.env.FUZZ_ROUNDS ?? 1000);

let system: ActorSystem;
let target: FuzzedNode;

beforeAll(async () => {
  system = await ActorSystem.start({ addr: "127.0.0.1:0", logger: memoryLogger(), stopTimeoutMs: 200, limits: { maxMessageBytes: 64 * 1024 } });
  await system.spawn(FuzzTarget, { name: "counter" });
  target = { addr: system.addr as string, nodeId: system.nodeId, actor: "counter" };
});
afterAll(async () => {
  await system.shutdown();
});

test(`random and mutated HTTP bodies, paths and headers get well-formed answers (seed ${SEED})`, async () => {
  const report = await fuzzHttp(target, SEED, ROUNDS);
  expect(report.malformed).toEqual([]);
  expect(report.requests).toBe(ROUNDS);
  expect(await stillServes(target)).toBe(true);
}, 60_000);

test(`random and mutated gossip never takes the node down or changes its own view of itself (seed ${SEED})`, async () => {
  const report = await fuzzGossip(target, SEED + 1, ROUNDS);
  expect(report.malformed).toEqual([]);
  expect(Object.keys(report.statuses).every((status) => status === "204" || status === "400")).toBe(true);
  expect(system.cluster.members().find((m) => m.id === system.nodeId)?.state).toBe("alive");
  expect(await stillServes(target)).toBe(true);
}, 60_000);

test(`random and mutated link frames never take the node down (seed ${SEED})`, async () => {
  const report = await fuzzLink(target, SEED + 2, ROUNDS);
  expect(report.linkCloses).toBeGreaterThan(0); // bad frames do close links: that is the answer to them
  expect(await stillServes(target)).toBe(true);
  const client = await ActorSystem.start({ logger: memoryLogger() });
  expect(await client.remote<FuzzTarget>(target.addr, "counter").echo("over a link")).toBe("over a link");
  await client.shutdown();
}, 60_000);
