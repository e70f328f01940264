/**
 * The demo actors: what `pulsing node` serves when it is given no `--actors`
 * (the executable and the package embed this module), and what examples/demo.ts
 * plays with. It has the shape of any `--actors` module (a default export that
 * says what to host and spawn), but it lives in src/ and imports the library by
 * path, so that it ships with the package.
 */
import { Actor, Entity } from "../index.ts";

export class Counter extends Actor {
  #n = 0;
  inc(by = 1): number {
    return (this.#n += by);
  }
  get(): number {
    return this.#n;
  }
  /** A streaming method: every item is its own turn. */
  async *countTo(k: number): AsyncGenerator<number> {
    for (let i = 1; i <= k; i++) yield i;
  }
}

/** A message-style actor: the seed's ask(Ping) -> Pong. */
export class Echo extends Actor {
  receive(msgType: string, payload: unknown): unknown {
    if (msgType === "Ping") return { type: "Pong", payload };
    throw new Error(`Echo does not understand ${msgType}`);
  }
}

/**
 * An entity (a virtual actor): one counter per key, made on its first call
 * anywhere in the cluster and passivated after 5 idle minutes. Its count is
 * durable: saved (in the node's store: SQLite in ./pulsing-data by default)
 * before each answer, so it survives a restart of the node:
 * `POST /entity/counter/alice` with `{"msg_type":"inc","payload":[1]}`.
 */
export class KeyedCounter extends Entity<{ n: number }> {
  static kind = "counter";
  static initialState = { n: 0 };
  inc(by = 1): number {
    this.state.n += by;
    return this.state.n;
  }
  get(): number {
    return this.state.n;
  }
}

export default {
  entities: [KeyedCounter],
  spawn: [
    { actor: Counter, name: "demo/counter" },
    { actor: Echo, name: "demo/echo" },
  ],
};
