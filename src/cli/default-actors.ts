import { Actor } from "../index.ts";
import type { ActorsModule } from "./actors-module.ts";

/** The embedded default: what `pulsing node` runs without `--actors`, to look at and to call. */
class Counter extends Actor {
  #n = 0;
  inc(by = 1): number {
    return (this.#n += by);
  }
  get(): number {
    return this.#n;
  }
  async *countTo(k: number): AsyncGenerator<number> {
    for (let i = 1; i <= k; i++) yield i;
  }
}

/** A message-style actor: the seed's ask(Ping) -> Pong. */
class Echo extends Actor {
  receive(msgType: string, payload: unknown): unknown {
    if (msgType === "Ping") return { type: "Pong", payload };
    throw new Error(`demo/echo does not understand ${msgType}`);
  }
}

export const defaultActors: ActorsModule = {
  spawn: [
    { actor: Counter, name: "demo/counter" },
    { actor: Echo, name: "demo/echo" },
  ],
};
