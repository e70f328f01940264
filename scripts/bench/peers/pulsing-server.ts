/** Benchmark server: a pulsing node with one Counter named "counter". Prints {"addr"}; exits when stdin closes. */
import { Actor, ActorSystem } from "pulsing";

class Counter extends Actor {
  n = 0;
  inc(by: number): number {
    return (this.n += by);
  }
  async *count(k: number): AsyncGenerator<number> {
    for (let i = 0; i < k; i++) yield i;
  }
}

const system = await ActorSystem.start({ addr: "127.0.0.1:0" });
await system.spawn(Counter, { name: "counter", mailboxCapacity: 100_000 });
console.log(JSON.stringify({ addr: system.addr }));
for await (const _ of Bun.stdin.stream());
await system.shutdown();
process.exit(0);
