import { Actor, type ActorClass, ActorError, type ActorRef, checkArgs, checkUserName, clip, isStandardSchema, type LocalRuntime, type StandardSchemaV1 } from "../actor/index.ts";
import type { LimitTrips } from "../transport/index.ts";

/** Where a remote spawn's actor lives: what the spawner answers. */
export interface SpawnedAt {
  /** The actor's name: the one asked for, or `spawned/<Class>/<uuid>`. */
  name: string;
  /** The node id of the node it runs on. */
  node: string;
  /** That node's address (null for a node without one). */
  addr: string | null;
}

/** What a remote spawn may say besides the class: nothing else travels (mailbox and supervision are the node's defaults). */
export interface SpawnRequest {
  name?: string;
  args?: unknown[];
}

/** A class name travels as text and becomes a name segment (`spawned/<Class>/…`, `system/spawnable/<Class>`). */
const CLASS_NAME = /^(?!\.+$)[A-Za-z0-9_.-]{1,64}$/;

/** The registry name under which a node says that others may spawn `className` on it. */
export function spawnableMarker(className: string): string {
  return `system/spawnable/${className}`;
}

export interface SpawnablesOptions {
  nodeId: string;
  addr: string | undefined;
  local: LocalRuntime;
  /** Actors alive here that remote spawns made, at most (limits.maxRemoteSpawns). */
  limit: number;
  trips: LimitTrips;
}

type AnyActorClass = ActorClass<Actor, never[]> & { readonly argsSchema?: unknown };

/**
 * The classes this node lets others spawn on it (allowSpawn, an actors
 * module's `spawnable`), by class name, and the spawning itself: the request
 * is checked as a call from the network is (its shape, the name, the
 * constructor arguments against the class's `static argsSchema`), and the
 * actors it makes are counted while they live, within the node's limit.
 */
export class Spawnables {
  readonly #options: SpawnablesOptions;
  readonly #classes = new Map<string, AnyActorClass>();
  readonly #listeners: (() => void)[] = [];
  #alive = 0;

  constructor(options: SpawnablesOptions) {
    this.#options = options;
  }

  /** Allows spawning these classes here; all are checked before any is added. */
  allow(classes: readonly unknown[]): void {
    const added = new Map<string, AnyActorClass>();
    for (const cls of classes) {
      const checked = checkSpawnable(cls);
      const known = this.#classes.get(checked.name) ?? added.get(checked.name);
      if (known !== undefined && known !== checked) throw new ActorError("INVALID_OPTION", `allowSpawn: another class named "${checked.name}" is allowed already`);
      if (known === undefined) added.set(checked.name, checked);
    }
    if (added.size === 0) return;
    for (const [name, cls] of added) this.#classes.set(name, cls);
    for (const listener of this.#listeners) listener();
  }

  /** The names of the classes allowed here. */
  classNames(): string[] {
    return [...this.#classes.keys()];
  }

  /** What this node publishes in the registry so that others find where a class may be spawned. */
  markers(): string[] {
    return this.classNames().map(spawnableMarker);
  }

  allows(className: string): boolean {
    return this.#classes.has(className);
  }

  /** Calls `listener` when classes are allowed. */
  onChange(listener: () => void): void {
    this.#listeners.push(listener);
  }

  /**
   * Spawns `className` here for a caller anywhere: SPAWN_NOT_ALLOWED unless
   * allowed, TOO_MANY_CALLS past the limit, BAD_REQUEST for a request of the
   * wrong shape or arguments the class's schema refuses, INVALID_NAME,
   * NAME_TAKEN, START_FAILED as a local spawn.
   */
  async spawnHere(className: unknown, options: unknown): Promise<{ ref: ActorRef<Actor>; at: SpawnedAt }> {
    if (typeof className !== "string") throw new ActorError("BAD_REQUEST", "spawn takes a class name (a string), then options { name?, args? }");
    const cls = this.#classes.get(className);
    if (cls === undefined) throw this.#notAllowed(className);
    const { limit, trips, local, nodeId, addr } = this.#options;
    if (this.#alive >= limit) {
      trips.remote_spawns++;
      throw new ActorError("TOO_MANY_CALLS", `${this.#alive} actors spawned remotely are alive on this node already (limits.maxRemoteSpawns)`);
    }
    const request = readRequest(options);
    const name = request.name === undefined ? `spawned/${className}/${crypto.randomUUID()}` : checkUserName(request.name);
    const schema = cls.argsSchema as StandardSchemaV1 | undefined;
    const args = schema === undefined ? (request.args ?? []) : checkArgs(schema, className, request.args ?? []);
    // Counted from now: spawns run concurrently (spawnOn here does not queue at the spawner).
    this.#alive++;
    let ref: ActorRef<Actor>;
    try {
      ref = await local.spawn(cls, { name, args: args as never[] });
    } catch (error) {
      this.#alive--;
      throw error;
    }
    local.watch(ref, () => this.#alive--);
    return { ref, at: { name, node: nodeId, addr: addr ?? null } };
  }

  #notAllowed(className: string): ActorError {
    const allowed = this.classNames();
    const which = allowed.length === 0 ? "it allows none (allowSpawn)" : `it allows ${clip(allowed.join(", "), 256)}`;
    return new ActorError("SPAWN_NOT_ALLOWED", `this node does not allow spawning "${clip(className, 64)}": ${which}`);
  }
}

/** The class itself, once known fit to be spawned from the network. */
function checkSpawnable(cls: unknown): AnyActorClass {
  if (typeof cls !== "function" || !(cls.prototype instanceof Actor)) throw new ActorError("INVALID_OPTION", "allowSpawn takes classes that extend Actor");
  if (!CLASS_NAME.test(cls.name)) {
    throw new ActorError("INVALID_OPTION", `allowSpawn: a class's name travels as the spawn's class name and must be 1..64 characters of A-Z a-z 0-9 _ . -, got ${JSON.stringify(clip(cls.name, 64))}`);
  }
  const schema = (cls as AnyActorClass).argsSchema;
  if (schema !== undefined && !isStandardSchema(schema)) {
    throw new ActorError("INVALID_OPTION", `${cls.name}.argsSchema is not a Standard Schema (v1) of the constructor's argument array`);
  }
  return cls as AnyActorClass;
}

/**
 * The options of a spawn from the network: an object of `name` and `args`
 * only (null counts as absent: msgpack sends an undefined field as nil).
 */
function readRequest(options: unknown): SpawnRequest {
  if (options === undefined || options === null) return {};
  if (typeof options !== "object" || Array.isArray(options)) throw new ActorError("BAD_REQUEST", "spawn options must be an object { name?, args? }");
  const { name, args, ...rest } = options as Record<string, unknown>;
  const others = Object.keys(rest);
  if (others.length > 0) throw new ActorError("BAD_REQUEST", `spawn options are name and args only, not ${clip(others.join(", "), 64)}`);
  if (args !== undefined && args !== null && !Array.isArray(args)) throw new ActorError("BAD_REQUEST", "spawn option args must be an array (the constructor's arguments)");
  return {
    ...(name === undefined || name === null ? {} : { name: name as string }),
    ...(args === undefined || args === null ? {} : { args }),
  };
}
