/**
 * A tour of the library in one process: spawns actors,
 * asks, tells, streams, shows an error with its code, a watcher and a restart;
 * then a durable entity whose count survives a restart of the system.
 *   bun examples/demo.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Actor, ActorError, ActorSystem, SqliteStore } from "pulsing";
import { Counter, Echo, KeyedCounter } from "../src/cli/demo-actors.ts"; // the actors `pulsing node` serves by default

/** Fails on purpose; its supervision restarts it with a fresh state. */
class Flaky extends Actor {
  calls = 0;
  work(): number {
    this.calls++;
    if (this.calls === 2) throw new Error("corrupted state");
    return this.calls;
  }
  override isFatal(): boolean {
    return true;
  }
}

const system = await ActorSystem.start({ logger: undefined });
const counter = await system.spawn(Counter, { name: "demo/counter" });

console.log("ask    inc(2)        ->", await counter.inc(2));
await counter.$tell.inc(5);
console.log("tell   inc(5), get() ->", await counter.get());

const items: number[] = [];
for await (const i of counter.countTo(5)) items.push(i);
console.log("stream countTo(5)    ->", items.join(", "));

const echo = await system.spawn(Echo, { name: "demo/echo" });
console.log("ask    Ping          ->", JSON.stringify(await echo.$ask("Ping", { seq: 1 })));

try {
  await echo.$ask("Shout");
} catch (error) {
  if (error instanceof ActorError) console.log(`error  Shout         -> ${error.code}: ${error.message}`);
}

const same = await system.resolve<Counter>("demo/counter");
console.log("resolve demo/counter -> get() =", await same.get());

const flaky = await system.spawn(Flaky, { name: "demo/flaky", supervision: { restart: "on-failure", minBackoffMs: 10 } });
console.log("flaky  work()        ->", await flaky.work());
console.log("flaky  work()        ->", await flaky.work().catch((e: ActorError) => `${e.code} (${e.message}); restarting`));
await Bun.sleep(50);
console.log("flaky  work()        ->", await flaky.work(), "(fresh instance)");

system.watch(counter, (event) => console.log(`watch  ${event.name} stopped: ${event.reason}`));
await system.shutdown();
console.log("shut down");

// An entity (a virtual actor) with durable state: one counter per key, saved in SQLite before each answer.
const dataDir = mkdtempSync(join(tmpdir(), "pulsing-demo-"));
const durable = async () => {
  const node = await ActorSystem.start({ store: new SqliteStore({ path: join(dataDir, "pulsing.db") }) });
  node.host(KeyedCounter);
  return node;
};
const before = await durable();
console.log("entity counter/alice inc(1), inc(1) ->", await before.entity(KeyedCounter, "alice").inc(1), await before.entity(KeyedCounter, "alice").inc(1));
await before.shutdown();
const after = await durable();
console.log("after a restart: counter/alice get() ->", await after.entity(KeyedCounter, "alice").get());
await after.shutdown();
rmSync(dataDir, { recursive: true, force: true });
