import { Actor } from "./actor.ts";
import { Cell, type CellHost } from "./cell.ts";
import { ClassStatsTable } from "./class-stats.ts";
import { DispatchTables } from "./dispatch.ts";
import { Entity } from "./entity.ts";
import { ActorError } from "./errors.ts";
import { jsonLogger, type Logger, rateLimited } from "./log.ts";
import { checkReservedName, checkUserName, isReservedName } from "./names.ts";
import { RecentFailures } from "./recent-failures.ts";
import { FailureCounts } from "./failure-counts.ts";
import type { EntityBinding } from "./entity-binding.ts";
import type { CellPort, NetworkActor } from "./network.ts";
import { cellOf } from "./ref.ts";
import type { MessageTarget } from "./target.ts";
import { checkTimeout } from "./timeouts.ts";
import { RestartTracker, resolveSupervision } from "./supervision.ts";
import type { ActorClass, ActorRef, ActorSystemApi, ActorTarget, SpawnArgs, SpawnOptions, StopEvent, StopReason } from "./types.ts";

export const DEFAULT_ASK_TIMEOUT_MS = 30_000;
export const DEFAULT_MAILBOX_CAPACITY = 256;
export const DEFAULT_STOP_TIMEOUT_MS = 5_000;
export const MAX_MAILBOX_CAPACITY = 1_000_000;
export const DEFAULT_MAX_QUEUED_BYTES_PER_ACTOR = 64 * 1024 * 1024;

export interface RuntimeOptions {
  /** Default timeout of every ask and stream step; a ref's `$withTimeout` overrides it. */
  askTimeoutMs?: number;
  /** Default mailbox capacity; `spawn` may set its own. */
  mailboxCapacity?: number;
  /** How long stopping an actor waits for its running turn, and for each of its hooks (default 5 s). */
  stopTimeoutMs?: number;
  /** Decoded memory that messages from the network may hold queued at one actor (default 64 MiB); see docs/security.md. */
  maxQueuedBytesPerActor?: number;
  logger?: Logger;
}

const tables = new DispatchTables(Actor, [Entity]);

/** Whether a message may carry this name: what a routed ref makes a call of (the same rule as for an actor's methods). */
export function isMessageName(name: string): boolean {
  return tables.isCallable(name);
}

/** Whether an actor of `cls` would handle a message of this type at all: a method of it, or its `receive`. */
export function handlesMessage(cls: new (...args: never[]) => Actor, type: unknown): boolean {
  if (typeof type !== "string") return false;
  const table = tables.of(cls);
  return table.methods.has(type) || table.receive !== undefined;
}

function checkCapacity(value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_MAILBOX_CAPACITY) {
    throw new ActorError("INVALID_OPTION", `mailboxCapacity must be an integer in 1..${MAX_MAILBOX_CAPACITY}, got ${String(value)}`);
  }
  return value;
}

/**
 * The actors of one process: spawning, names, stopping, watching. Usable alone;
 * ActorSystem puts the network and the cluster around it.
 */
export class LocalRuntime implements ActorSystemApi, CellHost {
  readonly logger: Logger;
  /** Messages sent to this runtime's actors, by kind, for metrics. */
  readonly counts = { asks: 0, tells: 0, streams: 0, spawned: 0, stopped: 0, refused: 0 };
  /** The latest handler errors and dead letters here (bounded), for the dashboard. */
  readonly recent = new RecentFailures();
  /** Errors answered, timeouts and dead letters here, for metrics. */
  readonly failures = new FailureCounts();
  /** What each actor class did here (bounded: MAX_CLASSES), for metrics. */
  readonly classes = new ClassStatsTable();
  readonly askTimeoutMs: number;
  readonly mailboxCapacity: number;
  readonly stopTimeoutMs: number;
  readonly maxQueuedBytesPerActor: number;
  /** What actors see as `this.system`: the ActorSystem around this runtime, or the runtime alone. */
  readonly system: ActorSystemApi;
  readonly #cells = new Map<string, Cell>();
  readonly #names = new Map<string, Cell>();
  /** Names whose actor is still in onStart: taken, not yet resolvable. */
  readonly #starting = new Set<string>();
  #nextId = 0;
  #shuttingDown: Promise<void> | undefined;
  readonly #nameListeners = new Set<() => void>();

  constructor(options: RuntimeOptions = {}, system?: ActorSystemApi) {
    this.system = system ?? this;
    this.askTimeoutMs = checkTimeout(options.askTimeoutMs ?? DEFAULT_ASK_TIMEOUT_MS, "askTimeoutMs");
    this.mailboxCapacity = checkCapacity(options.mailboxCapacity ?? DEFAULT_MAILBOX_CAPACITY);
    this.stopTimeoutMs = checkTimeout(options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS, "stopTimeoutMs");
    const maxQueued = options.maxQueuedBytesPerActor ?? DEFAULT_MAX_QUEUED_BYTES_PER_ACTOR;
    if (typeof maxQueued !== "number" || !(maxQueued > 0)) throw new ActorError("INVALID_OPTION", "maxQueuedBytesPerActor must be a positive number of bytes");
    this.maxQueuedBytesPerActor = maxQueued;
    // Many lines can be made to happen from outside (dead letters, refused links): at most 50 a second of each.
    this.logger = rateLimited(options.logger ?? jsonLogger("warn"));
  }

  get size(): number {
    return this.#cells.size;
  }

  spawn<T extends Actor, A extends unknown[]>(cls: ActorClass<T, A>, ...[options = {}]: SpawnArgs<A>): Promise<ActorRef<T>> {
    return this.#spawn(cls, options, checkUserName);
  }

  /**
   * A runtime-owned actor, named under the reserved `system/` namespace that
   * `spawn` refuses: reachable by name like any (over links and HTTP), but not
   * among `names()` or `list()`, so the registry does not publish it.
   */
  spawnReserved<T extends Actor, A extends unknown[]>(cls: ActorClass<T, A>, name: string, args: A): Promise<ActorRef<T>> {
    return this.#spawn(cls, { name, args }, checkReservedName);
  }

  async #spawn<T extends Actor, A extends unknown[]>(cls: ActorClass<T, A>, options: SpawnOptions<A>, checkName: (name: unknown) => string): Promise<ActorRef<T>> {
    if (this.#shuttingDown !== undefined) throw new ActorError("SHUTTING_DOWN", "the actor system is shutting down");
    if (typeof cls !== "function" || !(cls.prototype instanceof Actor)) {
      throw new ActorError("INVALID_OPTION", "spawn needs a class that extends Actor");
    }
    const name = options.name === undefined ? undefined : checkName(options.name);
    const capacity = options.mailboxCapacity === undefined ? this.mailboxCapacity : checkCapacity(options.mailboxCapacity);
    const supervision = resolveSupervision(options.supervision);
    if (options.args !== undefined && !Array.isArray(options.args)) throw new ActorError("INVALID_OPTION", "args must be an array");
    if (name !== undefined && (this.#names.has(name) || this.#starting.has(name))) {
      throw new ActorError("NAME_TAKEN", `an actor named "${name}" already exists`);
    }
    const actorClass = cls as unknown as new (...args: never[]) => Actor;
    const cell = new Cell(this, {
      id: (++this.#nextId).toString(36),
      name,
      cls: actorClass,
      args: options.args ?? [],
      table: tables.of(actorClass),
      capacity,
      tracker: supervision.restart === "never" ? undefined : new RestartTracker(supervision),
      stats: this.classes.of(actorClass),
    });
    const ref = cell.ref as ActorRef<T>;
    this.counts.spawned++;
    this.#cells.set(cell.id, cell);
    if (name !== undefined) this.#starting.add(name);
    try {
      await cell.start();
    } finally {
      if (name !== undefined) this.#starting.delete(name);
    }
    if (name !== undefined && !cell.isStopped) {
      this.#names.set(name, cell);
      this.#namesChanged();
    }
    return ref;
  }

  /**
   * An entity's activation, made at once: its mailbox takes messages before
   * `onActivate` has run (they wait for it), so that the call that activates
   * it needs no second step. `started` settles when `onActivate` has run (it
   * rejects with START_FAILED, and the messages queued fail, when it throws).
   */
  activate<T extends Actor>(cls: ActorClass<T, []>, binding: EntityBinding, options: { mailboxCapacity?: number; after?: Promise<void> } = {}): { ref: ActorRef<T>; port: CellPort; started: Promise<void> } {
    if (this.#shuttingDown !== undefined) throw new ActorError("SHUTTING_DOWN", "the actor system is shutting down");
    const actorClass = cls as unknown as new (...args: never[]) => Actor;
    const cell = new Cell(this, {
      id: (++this.#nextId).toString(36),
      name: undefined,
      cls: actorClass,
      args: [],
      table: tables.of(actorClass),
      capacity: options.mailboxCapacity === undefined ? this.mailboxCapacity : checkCapacity(options.mailboxCapacity),
      tracker: undefined,
      entity: binding,
      stats: this.classes.of(actorClass),
    });
    this.counts.spawned++;
    this.#cells.set(cell.id, cell);
    // After the key's previous activation has stopped, when there is one: the two never overlap here.
    const started = options.after === undefined ? cell.start() : options.after.then(() => cell.start());
    started.catch(() => {}); // the queued messages carry the failure to their callers
    return { ref: cell.ref as ActorRef<T>, port: cell.port, started };
  }

  /** Entities live in an ActorSystem, which knows the cluster; the bare runtime has none. */
  entity(): never {
    throw new ActorError("INVALID_OPTION", "entities need an ActorSystem (ActorSystem.start), which hosts their kinds and places their keys");
  }

  forget(cell: Cell): void {
    this.#cells.delete(cell.id);
    this.counts.stopped++;
    if (cell.name !== undefined && this.#names.get(cell.name) === cell) {
      this.#names.delete(cell.name);
      this.#namesChanged();
    }
  }

  /** The names of the actors running here (the runtime's own, under `system/`, left out). */
  names(): string[] {
    return [...this.#names.keys()].filter((name) => !isReservedName(name));
  }

  /** Calls `listener` whenever a named actor starts or stops here; returns a function that stops it. */
  onNamesChange(listener: () => void): () => void {
    this.#nameListeners.add(listener);
    return () => this.#nameListeners.delete(listener);
  }

  #namesChanged(): void {
    for (const listener of this.#nameListeners) listener();
  }

  /** The local actor by that name as a message target (what a routed ref that finds it here calls), if any. */
  target(name: string): MessageTarget | undefined {
    return this.#names.get(name)?.port;
  }

  /** The local actor by that name as the network reaches it, if any. */
  networkActor(name: string): NetworkActor | undefined {
    return this.#names.get(name)?.port;
  }

  /** The local actor by that name, if any. */
  lookup<T = unknown>(name: string): ActorRef<T> | undefined {
    return this.#names.get(name)?.ref as ActorRef<T> | undefined;
  }

  async resolve<T = unknown>(name: string): Promise<ActorRef<T>> {
    const ref = this.lookup<T>(name);
    if (ref === undefined) throw new ActorError("ACTOR_NOT_FOUND", `no actor named "${String(name)}"`);
    return ref;
  }

  /** Messages queued in every mailbox here. */
  mailboxDepth(): number {
    let depth = 0;
    for (const cell of this.#cells.values()) depth += cell.mailboxSize;
    return depth;
  }

  /**
   * The `limit` actors with the most messages queued (none with an empty
   * mailbox), deepest first: a bounded view of where work piles up.
   */
  deepest(limit: number): { actor: string; class: string; depth: number }[] {
    const top: Cell[] = [];
    if (limit <= 0) return [];
    for (const cell of this.#cells.values()) {
      const depth = cell.mailboxSize;
      if (depth === 0 || (top.length === limit && depth <= (top[limit - 1] as Cell).mailboxSize)) continue;
      // Insertion into a short sorted list: limit is small, the cells many.
      let at = top.length;
      while (at > 0 && (top[at - 1] as Cell).mailboxSize < depth) at--;
      top.splice(at, 0, cell);
      if (top.length > limit) top.pop();
    }
    return top.map((cell) => ({ actor: cell.name ?? cell.id, class: cell.className, depth: cell.mailboxSize }));
  }

  /** Local actors: name (if any), id and queued messages. */
  list(): { id: string; name: string | undefined; mailbox: number }[] {
    const cells = [...this.#cells.values()].filter((cell) => cell.name === undefined || !isReservedName(cell.name));
    return cells.map((cell) => ({ id: cell.id, name: cell.name, mailbox: cell.mailboxSize }));
  }

  #cell(target: ActorTarget): Cell {
    const cell = typeof target === "string" ? this.#names.get(target) : cellOf(target);
    if (cell === undefined) throw new ActorError("ACTOR_NOT_FOUND", `no actor ${typeof target === "string" ? `named "${target}"` : String(target)}`);
    return cell;
  }

  async stop(target: ActorTarget): Promise<void> {
    await this.#cell(target).stop("normal");
  }

  async kill(target: ActorTarget): Promise<void> {
    await this.#cell(target).stop("killed");
  }

  watch(target: ActorTarget, listener: (event: StopEvent) => void): () => void {
    if (typeof listener !== "function") throw new ActorError("INVALID_OPTION", "watch needs a listener function");
    return this.#cell(target).watch(listener);
  }

  /** Stops every actor (reason `shutdown`), all at once; later spawns are refused. Idempotent. */
  shutdown(): Promise<void> {
    this.#shuttingDown ??= this.#stopAll("shutdown");
    return this.#shuttingDown;
  }

  async #stopAll(reason: StopReason): Promise<void> {
    await Promise.all([...this.#cells.values()].map((cell) => cell.stop(reason)));
  }
}
