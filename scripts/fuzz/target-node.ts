/** The node `run.ts` fuzzes, in its own process: prints {"addr","node"} and serves "fuzz/counter". */
import { Actor, ActorSystem } from "pulsing";

class Counter extends Actor {
  n = 0;
  inc(by = 1): number {
    return (this.n += typeof by === "number" ? by : 1);
  }
  echo(value: unknown): unknown {
    return value;
  }
  async *countTo(k: number): AsyncGenerator<number> {
    for (let i = 0; i < Math.min(Number(k) || 0, 1000); i++) yield i;
  }
  receive(msgType: string, payload: unknown): unknown {
    if (msgType === "Ping") return { type: "Pong", payload };
    throw new Error(`no ${msgType}`);
  }
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const system = await ActorSystem.start({ addr: "127.0.0.1:0", logger: quiet, limits: { maxMessageBytes: 256 * 1024 } });
await system.spawn(Counter, { name: "fuzz/counter" });
process.stdout.write(`${JSON.stringify({ addr: system.addr, node: system.nodeId })}\n`);
for await (const _ of Bun.stdin.stream());
await system.shutdown();
process.exit(0);
