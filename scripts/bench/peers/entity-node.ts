/**
 * A node for scripts/bench/entities.ts: joins through PULSING_SEEDS, hosts
 * entity kind "bench" (no passivation during the run, no cap) and a named
 * actor "bench/counter-<INDEX>", prints {"addr","node"}. Exits when stdin closes.
 */
import { ActorSystem } from "pulsing";
import { Bench, Counter } from "./bench-actors.ts";


const seeds = (process.env.PULSING_SEEDS ?? "").split(",").filter((s) => s.length > 0);
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const system = await ActorSystem.start({ addr: "127.0.0.1:0", seeds, logger: quiet });
system.host(Bench, { kind: "bench", passivateAfterMs: 3_600_000, maxActive: 10_000_000 });
await system.spawn(Counter, { name: `bench/counter-${process.env.INDEX ?? "0"}` });
process.stdout.write(`${JSON.stringify({ addr: system.addr, node: system.nodeId })}\n`);
for await (const _ of Bun.stdin.stream());
await system.shutdown();
process.exit(0);
