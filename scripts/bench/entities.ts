/**
 * Virtual actors (entities), each figure beside a same-run baseline:
 *   bun scripts/bench/entities.ts [--quick]
 * Three nodes: this process (A) and two node processes (B, C), all hosting
 * entity kind "bench" and one named actor each (bench/counter-<i>).
 * - First-call latency of a new entity whose owner is A (local) or B (remote),
 *   one call at a time, p50/p99, against a call to the same entity once
 *   active and an ask to an already-active named actor on the same node.
 * - Calls/s from 64 callers on A spread over 100 000 distinct keys (the keys
 *   are spread over the three nodes by placement): first calls (each one
 *   activates its entity), then the same keys again (all active), against
 *   calls/s to the three named actors in turn.
 * - Memory per active entity and per passivated key on one node
 *   (peers/entity-memory.ts, a fresh process), beside a plain actor's.
 * The contenders take turns for ROUNDS rounds and each keeps its best figure.
 */
import { type ActorRef, ActorSystem } from "pulsing";
import { Bench, Counter } from "./peers/bench-actors.ts";
import { rendezvousOwner } from "../../src/entity/index.ts";
import { startPeer, stopPeers } from "./peers/spawn.ts";

const quick = process.argv.includes("--quick");
const ROUNDS = quick ? 2 : 3;
/** Calls per latency figure, per round. */
const SAMPLES = quick ? 1_000 : 4_000;
const KEYS = quick ? 20_000 : 100_000;
const CALLERS = 64;
const MEMORY_COUNT = quick ? 20_000 : 100_000;
const HERE = new URL(".", import.meta.url).pathname;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };


// ---- measuring ---------------------------------------------------------------

interface Latency {
  p50: number;
  p99: number;
}

/**
 * Calls one at a time, the contenders taking turns call by call (so that a
 * slower stretch of the machine hits them alike): `contenders[name](i)` for i
 * < n. Each one's p50 and p99, in µs.
 */
async function latencies(n: number, contenders: Record<string, (i: number) => Promise<unknown>>): Promise<Record<string, Latency>> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
  for (let i = 0; i < n; i++) {
    for (const [name, call] of Object.entries(contenders)) {
      const start = performance.now();
      await call(i);
      samples[name]?.push((performance.now() - start) * 1000);
    }
  }
  const out: Record<string, Latency> = {};
  for (const [name, values] of Object.entries(samples)) {
    values.sort((a, b) => a - b);
    out[name] = { p50: values[Math.floor(values.length * 0.5)] as number, p99: values[Math.floor(values.length * 0.99)] as number };
  }
  return out;
}

/** `n` calls, `call(i)` for each i, from CALLERS loops taking the next i; calls per second. */
async function rate(n: number, call: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      for (let i = next++; i < n; i = next++) await call(i);
    }),
  );
  return (n * 1000) / (performance.now() - start);
}

function better(a: Latency | undefined, b: Latency): Latency {
  return a === undefined || b.p50 < a.p50 ? b : a;
}

const us = (value: number) => `${value < 100 ? value.toFixed(1) : value.toFixed(0)} µs`;
const k = (value: number) => `${(value / 1000).toFixed(1)} k/s`;
const pct = (a: number, b: number) => `${((a / b) * 100).toFixed(0)}%`;
const bytes = (value: number) => `${Math.round(value)} B`;

// ---- the run -----------------------------------------------------------------

try {
  console.log(`Bun ${Bun.version}, best of ${ROUNDS} rounds; latency: ${SAMPLES} calls one at a time; rate: ${KEYS} keys, ${CALLERS} callers`);
  const system = await ActorSystem.start({ addr: "127.0.0.1:0", logger: quiet });
  system.host(Bench, { kind: "bench", passivateAfterMs: 3_600_000, maxActive: 10_000_000 });
  await system.spawn(Counter, { name: "bench/counter-0" });
  const b = await startPeer("entity-node.ts", [], { PULSING_SEEDS: system.addr as string, INDEX: "1" });
  const c = await startPeer("entity-node.ts", [], { PULSING_SEEDS: system.addr as string, INDEX: "2" });
  const ids = [system.nodeId, b.first.node as string, c.first.node as string];
  const deadline = Date.now() + 20_000;
  for (;;) {
    const registry = system.cluster.registry();
    const hosts = registry.filter((entry) => entry.names.includes("system/entities/bench")).length;
    const names = registry.flatMap((entry) => entry.names).filter((name) => name.startsWith("bench/counter-")).length;
    if (hosts === 3 && names === 3) break;
    if (Date.now() > deadline) throw new Error("the three nodes did not learn of each other's kinds and actors");
    await Bun.sleep(50);
  }
  const counters = await Promise.all([0, 1, 2].map((i) => system.resolve<Counter>(`bench/counter-${i}`)));
  const [localCounter, remoteCounter] = counters as [ActorRef<Counter>, ActorRef<Counter>, ActorRef<Counter>];

  /** `n` new keys whose owner is node `owner` (an index in ids), as every node computes it. */
  let serial = 0;
  const keysOwnedBy = (owner: number, n: number): string[] => {
    const out: string[] = [];
    const candidates = ids.map((id) => ({ id }));
    while (out.length < n) {
      const key = `lat-${serial++}`;
      if (rendezvousOwner("bench", key, candidates)?.id === ids[owner]) out.push(key);
    }
    return out;
  };

  // Warm-up: every path measured below, a few thousand times.
  const active = [keysOwnedBy(0, SAMPLES), keysOwnedBy(1, SAMPLES)];
  for (const keys of active) {
    await rate(keys.length, (i) => system.entity(Bench, keys[i] as string).hit());
    await rate(keys.length, (i) => system.entity(Bench, keys[i] as string).hit());
  }
  await rate(4_000, (i) => (counters[i % 3] as ActorRef<Counter>).hit());

  // ---- first-call latency: a new key's first call, an active key's call and a named actor's, in turns
  const lat: Record<string, Latency | undefined> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [where, owner, counter] of [["local", 0, localCounter], ["remote", 1, remoteCounter]] as const) {
      const fresh = keysOwnedBy(owner, SAMPLES);
      const warm = active[owner] as string[];
      const kept = warm.map((key) => system.entity(Bench, key));
      const figures = await latencies(SAMPLES, {
        new: (i) => system.entity(Bench, fresh[i] as string).hit(),
        active: (i) => system.entity(Bench, warm[i] as string).hit(),
        kept: (i) => (kept[i] as ActorRef<Bench>).hit(),
        actor: () => counter.hit(),
      });
      for (const [name, figure] of Object.entries(figures)) lat[`${where} ${name}`] = better(lat[`${where} ${name}`], figure);
    }
  }
  for (const where of ["local", "remote"]) {
    const fresh = lat[`${where} new`] as Latency;
    const active = lat[`${where} active`] as Latency;
    const kept = lat[`${where} kept`] as Latency;
    const actor = lat[`${where} actor`] as Latency;
    console.log(
      `${where} owner, one call at a time: new entity (first call) p50 ${us(fresh.p50)} p99 ${us(fresh.p99)}; active entity p50 ${us(active.p50)} p99 ${us(active.p99)} (ref kept: p50 ${us(kept.p50)} p99 ${us(kept.p99)}); named actor p50 ${us(actor.p50)} p99 ${us(actor.p99)}`,
    );
  }

  // ---- calls/s over many keys
  const rates: Record<string, number> = {};
  for (let round = 0; round < ROUNDS; round++) {
    const prefix = `r${round}-`;
    rates.first = Math.max(rates.first ?? 0, await rate(KEYS, (i) => system.entity(Bench, prefix + i).hit()));
    rates.active = Math.max(rates.active ?? 0, await rate(KEYS, (i) => system.entity(Bench, prefix + i).hit()));
    rates.actors = Math.max(rates.actors ?? 0, await rate(KEYS, (i) => (counters[i % 3] as ActorRef<Counter>).hit()));
  }
  const spread = await Promise.all(
    [system.addr, b.first.addr, c.first.addr].map(async (addr) => ((await (await fetch(`http://${addr}/metrics`)).text()).match(/pulsing_entities_active\{[^}]*kind="bench"[^}]*\} (\d+)/)?.[1] ?? "?")),
  );
  console.log(
    `${KEYS} keys over 3 nodes, ${CALLERS} callers: first calls (each activates) ${k(rates.first as number)} → ${pct(rates.first as number, rates.actors as number)}; all active ${k(rates.active as number)} → ${pct(rates.active as number, rates.actors as number)}; 3 named actors ${k(rates.actors as number)} (active per node at the end: ${spread.join(", ")})`,
  );

  // ---- memory, in a fresh process
  const proc = Bun.spawn(["bun", `${HERE}peers/entity-memory.ts`, String(MEMORY_COUNT), "5000"], { stdout: "pipe", stderr: "inherit" });
  const memory = JSON.parse(await new Response(proc.stdout).text()) as {
    activeCount: number;
    perActiveEntity: { heap: number; rss: number; objects: number };
    perPassivatedKey: { heap: number; rss: number; objects: number };
    perPlainActor: { heap: number; rss: number; objects: number };
  };
  if (memory.activeCount !== MEMORY_COUNT) throw new Error(`only ${memory.activeCount} of ${MEMORY_COUNT} entities were active when measured`);
  const m = memory;
  console.log(
    `memory, ${MEMORY_COUNT} on one node: per active entity heap ${bytes(m.perActiveEntity.heap)} (${m.perActiveEntity.objects.toFixed(1)} objects), RSS ${bytes(m.perActiveEntity.rss)} (goal ≤ 2 KB); per passivated key heap ${bytes(m.perPassivatedKey.heap)}, RSS ${bytes(m.perPassivatedKey.rss)} (goal: nothing kept); per plain actor heap ${bytes(m.perPlainActor.heap)} (${m.perPlainActor.objects.toFixed(1)} objects), RSS ${bytes(m.perPlainActor.rss)}`,
  );
  await system.shutdown();
} finally {
  await stopPeers();
}
process.exit(0);
