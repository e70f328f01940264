import { Actor, ActorError, type ActorRef, clip } from "../actor/index.ts";
import type { Placements } from "./spawn-placement.ts";
import type { SpawnRequest, Spawnables } from "./spawnables.ts";
import { SPAWNER_NAME, type Spawner } from "./spawner.ts";

/** What `spawnOn` takes besides the placement and the class. */
export interface RemoteSpawnOptions<A extends unknown[] = unknown[]> {
  /** The actor's name; without one the node names it `spawned/<Class>/<uuid>` (links address actors by name). */
  name?: string;
  /** Constructor arguments: copied to the node as any call's are, and checked there against the class's `argsSchema`. */
  args?: A;
}

export interface RemoteSpawnDeps {
  placements: Placements;
  spawnables: Spawnables;
  /** A ref to the actor named `name` on the node at `addr` (system.remote). */
  remote<T>(addr: string, name: string): ActorRef<T>;
}

/**
 * `spawnOn`: places a spawn (spawn-placement.ts), then spawns here, as the
 * spawner would, or asks the chosen node's spawner; answers a ref to where
 * the actor lives.
 */
export class RemoteSpawn {
  readonly #deps: RemoteSpawnDeps;

  constructor(deps: RemoteSpawnDeps) {
    this.#deps = deps;
  }

  async spawnOn<T>(placement: unknown, cls: unknown, options: RemoteSpawnOptions = {}): Promise<ActorRef<T>> {
    const className = classNameOf(cls);
    const request = requestOf(options);
    const place = this.#deps.placements.choose(placement, className);
    if (place === "here") return (await this.#deps.spawnables.spawnHere(className, request)).ref as ActorRef<T>;
    const at: unknown = await this.#deps.remote<Spawner>(place.addr, SPAWNER_NAME).spawn(className, request);
    const name = (at as { name?: unknown } | null)?.name;
    if (typeof name !== "string") throw new ActorError("HANDLER_ERROR", `the spawner at ${clip(place.addr, 64)} answered without the actor's name`);
    return this.#deps.remote<T>(place.addr, name);
  }
}

/** A class (its name is what travels) or a class name. */
function classNameOf(cls: unknown): string {
  if (typeof cls === "string") return cls;
  if (typeof cls === "function" && cls.prototype instanceof Actor) return cls.name;
  throw new ActorError("INVALID_OPTION", "spawnOn takes an actor class or a class name");
}

/** The request as it travels: `name` and `args` when given (an undefined field would arrive as nil). */
function requestOf(options: RemoteSpawnOptions): SpawnRequest {
  if (typeof options !== "object" || options === null) throw new ActorError("INVALID_OPTION", "spawnOn options must be an object { name?, args? }");
  const { name, args, ...rest } = options;
  const others = Object.keys(rest);
  if (others.length > 0) throw new ActorError("INVALID_OPTION", `spawnOn options are name and args only, not ${clip(others.join(", "), 64)}`);
  return { ...(name === undefined ? {} : { name }), ...(args === undefined ? {} : { args }) };
}
