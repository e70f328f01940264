/**
 * Local (same process) figures of the actor runtime, each beside the bare
 * baseline of bare.ts run in the same process:
 *   bun scripts/bench/local.ts [--quick]
 * Prints sequential ask/s, ask/s with 64 concurrent callers, tell/s, stream
 * items/s, spawn rate and bytes per idle actor.
 */
import { heapStats } from "bun:jsc";
import { Actor, ActorSystem } from "pulsing";
import { BareArrayMailbox, BareMailbox, bareCount } from "./bare.ts";

const quick = process.argv.includes("--quick");
const N = quick ? 200_000 : 2_000_000;
const ACTORS = quick ? 100_000 : 1_000_000;

class Counter extends Actor {
  n = 0;
  inc(by: number): number {
    return (this.n += by);
  }
  async *countTo(k: number): AsyncGenerator<number> {
    for (let i = 0; i < k; i++) yield i;
  }
}

class Idle extends Actor {}

function rate(count: number, ms: number): number {
  return (count * 1000) / ms;
}

async function timed(run: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

/** Best of three, after a warm-up: the figures are noisy on a shared machine. */
async function best(count: number, run: () => Promise<void>): Promise<number> {
  await run();
  let bestRate = 0;
  for (let i = 0; i < 3; i++) bestRate = Math.max(bestRate, rate(count, await timed(run)));
  return bestRate;
}

function fmt(value: number): string {
  return value >= 1e6 ? `${(value / 1e6).toFixed(2)} M` : `${(value / 1e3).toFixed(1)} k`;
}

const rows: string[][] = [];
function row(what: string, ours: number, bare: number | undefined, unit: string, target: string): void {
  const ratio = bare === undefined ? "" : `${((ours / bare) * 100).toFixed(0)}%`;
  rows.push([what, `${fmt(ours)}${unit}`, bare === undefined ? "" : `${fmt(bare)}${unit}`, ratio, target]);
  console.log(rows.at(-1)?.join("  |  "));
}

const system = await ActorSystem.start();
const counter = await system.spawn(Counter, { mailboxCapacity: 1_000_000 });
const bare = new BareMailbox();
const bareArray = new BareArrayMailbox();

console.log(`Bun ${Bun.version}, ${N.toLocaleString()} messages per run`);
console.log("what  |  pulsing  |  bare  |  ratio  |  target");

// Sequential asks: one caller awaiting each reply.
row(
  "sequential ask",
  await best(N, async () => {
    for (let i = 0; i < N; i++) await counter.inc(1);
  }),
  await best(N, async () => {
    for (let i = 0; i < N; i++) await bare.ask(1);
  }),
  "/s",
  ">= 50%",
);

// 64 callers, each awaiting its own replies.
async function callers(ask: () => Promise<number>): Promise<void> {
  const per = N / 64;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      for (let i = 0; i < per; i++) await ask();
    }),
  );
}
row("ask, 64 callers", await best(N, () => callers(() => counter.inc(1))), await best(N, () => callers(() => bare.ask(1))), "/s", "");

// Tells: fire N, then one ask that queues behind them all.
const tellRate = await best(N, async () => {
  const tell = counter.$tell;
  for (let i = 0; i < N; i++) tell.inc(1);
  await counter.inc(0);
});
row(
  "tell",
  tellRate,
  await best(N, async () => {
    for (let i = 0; i < N; i++) bare.tell(1);
    await bare.ask(0);
  }),
  "/s",
  ">= 50%",
);
row(
  "tell (vs array-queue bare)",
  tellRate,
  await best(N, async () => {
    for (let i = 0; i < N; i++) bareArray.tell(1);
    await bareArray.ask(0);
  }),
  "/s",
  ">= 50%",
);

// Streams: every item is its own turn in the actor.
row(
  "stream items",
  await best(N, async () => {
    for await (const _ of counter.countTo(N));
  }),
  await best(N, async () => {
    for await (const _ of bareCount(N));
  }),
  "/s",
  ">= 2 M/s",
);

// Spawning idle actors, and what each one costs in memory.
Bun.gc(true);
const heapBefore = heapStats().heapSize;
const refs: unknown[] = new Array(ACTORS);
const spawnMs = await timed(async () => {
  for (let i = 0; i < ACTORS; i++) refs[i] = await system.spawn(Idle);
});
Bun.gc(true);
const perActor = (heapStats().heapSize - heapBefore) / ACTORS;
row(`spawn ${ACTORS.toLocaleString()} idle actors`, rate(ACTORS, spawnMs), undefined, "/s", `in ${(spawnMs / 1000).toFixed(2)} s (target <= 3 s)`);
console.log(`bytes per idle actor: ${perActor.toFixed(0)} (target <= 1024)`);
rows.push(["bytes per idle actor", perActor.toFixed(0), "", "", "<= 1024"]);

await system.shutdown();
if (process.argv.includes("--markdown")) {
  console.log("\n| what | pulsing | bare | ratio | target |\n| --- | --- | --- | --- | --- |");
  for (const r of rows) console.log(`| ${r.join(" | ")} |`);
}
