/**
 * A node for scripts/bench/gateway.ts: joins through PULSING_SEEDS, hosts
 * "bench/counter" when HOST=1, prints {"addr","node"}. Exits when stdin closes.
 */
import { Actor, ActorSystem } from "pulsing";

class Counter extends Actor {
  #n = 0;
  inc(by: number): number {
    return (this.#n += by);
  }
}

const seeds = (process.env.PULSING_SEEDS ?? "").split(",").filter((s) => s.length > 0);
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const system = await ActorSystem.start({ addr: "127.0.0.1:0", seeds, logger: quiet });
if (process.env.HOST === "1") await system.spawn(Counter, { name: "bench/counter" });
process.stdout.write(`${JSON.stringify({ addr: system.addr, node: system.nodeId })}\n`);
for await (const _ of Bun.stdin.stream());
await system.shutdown();
process.exit(0);
export {};
