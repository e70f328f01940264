/**
 * Memory of entities on one node, for scripts/bench/entities.ts:
 *   bun --expose-gc entity-memory.ts COUNT PASSIVATE_MS
 * In a fresh process (so that nothing else is on the heap): the heap and RSS
 * after a full GC, before and after activating COUNT entities (one call each),
 * after they all passivated (idle for PASSIVATE_MS), and, for comparison, with
 * COUNT plain actors spawned, then stopped. Prints one JSON line.
 */
import { heapStats } from "bun:jsc";
import { ActorSystem } from "pulsing";
import { Bench as Slot, Counter as Plain } from "./bench-actors.ts";

const count = Number(process.argv[2] ?? 100_000);
const passivateAfterMs = Number(process.argv[3] ?? 5_000);

interface Sample {
  heap: number;
  rss: number;
  objects: number;
}

async function sample(): Promise<Sample> {
  for (let i = 0; i < 3; i++) {
    Bun.gc(true);
    await Bun.sleep(20);
  }
  return { heap: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss, objects: heapStats().objectCount };
}

function per(after: Sample, before: Sample): { heap: number; rss: number; objects: number } {
  return { heap: (after.heap - before.heap) / count, rss: (after.rss - before.rss) / count, objects: (after.objects - before.objects) / count };
}

/** Runs `call(i)` for i < n, 1 000 at a time. */
async function each(n: number, call: (i: number) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < n; start += 1_000) {
    const batch: Promise<unknown>[] = [];
    for (let i = start; i < Math.min(n, start + 1_000); i++) batch.push(call(i));
    await Promise.all(batch);
  }
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const system = await ActorSystem.start({ logger: quiet });
system.host(Slot, { kind: "slot", passivateAfterMs, maxActive: 10_000_000 });
// Warm the paths measured below (then let the warm-up entities go), so that the first samples hold no code or caches they would add.
await each(2_000, (i) => system.entity(Slot, `warm-${i}`).hit());
const warm = await Promise.all(Array.from({ length: 2_000 }, () => system.spawn(Plain)));
await Promise.all(warm.map((ref) => system.stop(ref)));
const deadline = Date.now() + passivateAfterMs * 4 + 10_000;
while ((system.entities().slot?.active ?? 0) > 0) {
  if (Date.now() > deadline) throw new Error("the warm-up entities did not passivate");
  await Bun.sleep(100);
}

const before = await sample();
const activatedAt = Date.now();
await each(count, (i) => system.entity(Slot, `key-${i}`).hit());
const active = await sample();
const activeCount = system.entities().slot?.active ?? 0;
const tookMs = Date.now() - activatedAt;
if (tookMs >= passivateAfterMs) throw new Error(`activating and measuring took ${tookMs} ms, past passivateAfterMs (${passivateAfterMs}): raise it`);

while ((system.entities().slot?.active ?? 0) > 0) {
  if (Date.now() > activatedAt + passivateAfterMs * 4 + 30_000) throw new Error("the entities did not passivate");
  await Bun.sleep(100);
}
const passivated = await sample();

const actors = await Promise.all(Array.from({ length: count }, () => system.spawn(Plain)));
for (const ref of actors.slice(0, 1_000)) await ref.hit();
const spawned = await sample();
await Promise.all(actors.map((ref) => system.stop(ref)));
actors.length = 0;
const stopped = await sample();

process.stdout.write(
  `${JSON.stringify({
    count,
    activeCount,
    activateMs: tookMs,
    perActiveEntity: per(active, before),
    perPassivatedKey: per(passivated, before),
    perPlainActor: per(spawned, passivated),
    afterPlainActorsStopped: per(stopped, passivated),
    counts: system.entities().slot,
    baseline: before,
  })}\n`,
);
await system.shutdown();
process.exit(0);
