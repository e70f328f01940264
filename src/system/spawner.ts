import { Actor, type LocalRuntime } from "../actor/index.ts";
import type { SpawnedAt, Spawnables, SpawnRequest } from "./spawnables.ts";

/** Where every node with an address runs its spawner (under the namespace reserved for the runtime). */
export const SPAWNER_NAME = "system/spawner";

/**
 * The runtime-owned actor at `system/spawner`: the network's way to spawn on
 * this node what it allows. Being an actor, it is reached as any named actor
 * is (links, the gateway, `POST /actor/system/spawner`), with the bounds of
 * any call, and it handles one spawn at a time.
 */
export class Spawner extends Actor {
  readonly #spawnables: Spawnables;

  constructor(spawnables: Spawnables) {
    super();
    this.#spawnables = spawnables;
  }

  /** Spawns `className` here if this node allows it; answers where the actor lives. */
  async spawn(className: string, options?: SpawnRequest): Promise<SpawnedAt> {
    return (await this.#spawnables.spawnHere(className, options)).at;
  }

  /** The class names this node allows spawning. */
  classes(): string[] {
    return this.#spawnables.classNames();
  }
}

/** Starts the spawner of a node with an address. */
export function startSpawner(local: LocalRuntime, spawnables: Spawnables): Promise<unknown> {
  return local.spawnReserved(Spawner, SPAWNER_NAME, [spawnables]);
}
