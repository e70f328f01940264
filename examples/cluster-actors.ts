/**
 * An `--actors` module for `pulsing node`:
 *   pulsing node --addr 127.0.0.1:9000 --actors examples/cluster-actors.ts
 *   pulsing node --addr 127.0.0.1:9001 --seeds 127.0.0.1:9000 --actors examples/cluster-actors.ts
 * It imports "pulsing" like any program; the executable hands it the library it embeds.
 */
import { Actor, type ActorSystem } from "pulsing";

/** A key-value store, one per node, all under one name: a service with several instances. */
export class Store extends Actor {
  readonly #data = new Map<string, unknown>();
  put(key: string, value: unknown): number {
    this.#data.set(key, value);
    return this.#data.size;
  }
  get(key: string): unknown {
    return this.#data.get(key) ?? null;
  }
  async *keys(): AsyncGenerator<string> {
    for (const key of this.#data.keys()) yield key;
  }
}

/** Says which node answered: handy to watch routing across the cluster. */
export class Where extends Actor {
  constructor(readonly node: string) {
    super();
  }
  whoami(): string {
    return this.node;
  }
}

export default {
  spawn: [{ actor: Store, name: "kv/store" }],
  async setup(system: ActorSystem) {
    await system.spawn(Where, { name: "where", args: [system.addr ?? "?"] });
  },
};
