import type { Actor, ActorClass, ActorRef, CellPort, EntityBinding, LocalRuntime, Logger } from "../actor/index.ts";
import { ActorError, clip } from "../actor/index.ts";

/** How a node hosts one kind of entity. */
export interface HostedKind {
  readonly kind: string;
  readonly cls: ActorClass<Actor, []>;
  /** An activation with no call for this long passivates. */
  readonly passivateAfterMs: number;
  /** Activations of this kind on this node at most; past it the least recently used passivates. */
  readonly maxActive: number;
  readonly mailboxCapacity: number | undefined;
  /** The binding of a new activation of `key` to its state and reminders; `port` is its way in once made. */
  bind(key: string, port: () => CellPort): EntityBinding;
}

interface Activation {
  readonly ref: ActorRef<Actor>;
  readonly port: CellPort;
  lastUsed: number;
}

export type PassivationReason = "idle" | "moved" | "capacity" | "shutdown" | "deleted";

/** What happened to a kind's activations on this node since it started: for metrics and `inspect`. */
export interface KindCounts {
  active: number;
  activations: number;
  passivations: number;
  moves: number;
  failedActivations: number;
}

/**
 * The activations of one entity kind on this node, by key, least recently
 * used first. A call's key is activated on first use; an activation idle for
 * `passivateAfterMs`, one over the `maxActive` cap, or one whose key has moved
 * to another member passivates: it stops gracefully (its turn in progress
 * finishes, then `onDeactivate`), and a new activation of the same key waits
 * for that stop, so two never overlap on one node.
 */
export class Activations {
  readonly hosted: HostedKind;
  readonly #runtime: LocalRuntime;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #active = new Map<string, Activation>();
  readonly #stopping = new Map<string, Promise<void>>();
  readonly #counts = { activations: 0, passivations: 0, moves: 0, failedActivations: 0 };
  readonly #sweeper: ReturnType<typeof setInterval>;

  constructor(hosted: HostedKind, runtime: LocalRuntime, logger: Logger, now: () => number = Date.now) {
    this.hosted = hosted;
    this.#runtime = runtime;
    this.#logger = logger;
    this.#now = now;
    const every = Math.max(10, Math.min(5_000, Math.floor(hosted.passivateAfterMs / 4)));
    this.#sweeper = setInterval(() => this.sweep(), every);
    this.#sweeper.unref?.();
  }

  get counts(): KindCounts {
    return { active: this.#active.size, ...this.#counts };
  }

  /** The keys active here, least recently used first. */
  keys(): string[] {
    return [...this.#active.keys()];
  }

  has(key: string): boolean {
    return this.#active.has(key);
  }

  /** The activation of `key`, made now if there is none; the call that asks counts as a use. */
  port(key: string): CellPort {
    let found = this.#active.get(key);
    if (found?.port.stopped === true) {
      // It stops by itself (a failed start, stopSelf) and its watchers have not run yet: the next one waits for its stop.
      this.#active.delete(key);
      this.#afterStop(key, this.#runtime.stop(found.ref));
      found = undefined;
    }
    if (found !== undefined) {
      found.lastUsed = this.#now();
      // Most recently used last: re-inserting keeps the map in LRU order.
      this.#active.delete(key);
      this.#active.set(key, found);
      return found.port;
    }
    if (this.#active.size >= this.hosted.maxActive) {
      const oldest = this.#active.keys().next().value;
      if (oldest !== undefined) void this.passivate(oldest, "capacity");
    }
    // Activations still stopping (a turn they finish first) hold memory too: at most as many again as the cap.
    if (this.#stopping.size >= this.hosted.maxActive) {
      throw new ActorError("TOO_MANY_CALLS", `${this.#stopping.size} activations of ${this.hosted.kind} are still stopping on this node; retry`);
    }
    return this.#activate(key);
  }

  #activate(key: string): CellPort {
    const { cls, mailboxCapacity } = this.hosted;
    const previous = this.#stopping.get(key);
    let port: CellPort | undefined;
    const binding = this.hosted.bind(key, () => port as CellPort);
    const made = this.#runtime.activate(cls, binding, { ...(mailboxCapacity === undefined ? {} : { mailboxCapacity }), ...(previous === undefined ? {} : { after: previous }) });
    port = made.port;
    const activation: Activation = { ref: made.ref, port: made.port, lastUsed: this.#now() };
    this.#active.set(key, activation);
    this.#counts.activations++;
    // An activation that stops by itself (stopSelf, a failure it does not survive) is gone: the next call makes a new one.
    this.#runtime.watch(made.ref, () => {
      if (this.#active.get(key) === activation) this.#active.delete(key);
    });
    made.started.catch((error: unknown) => {
      this.#counts.failedActivations++;
      if (this.#active.get(key) === activation) this.#active.delete(key);
      this.#logger.warn("entity activation failed", { kind: this.hosted.kind, key: clip(key), error });
    });
    return made.port;
  }

  /** Stops the activation of `key` gracefully; a new call for it meanwhile gets a new one, which waits for this stop. */
  passivate(key: string, reason: PassivationReason): Promise<void> {
    const activation = this.#active.get(key);
    if (activation === undefined) return this.#stopping.get(key) ?? Promise.resolve();
    this.#active.delete(key);
    this.#counts.passivations++;
    if (reason === "moved") this.#counts.moves++;
    return this.#afterStop(key, this.#runtime.stop(activation.ref));
  }

  /** Remembers that `key`'s activation is stopping, until it has: a new activation waits for it. */
  #afterStop(key: string, stop: Promise<void>): Promise<void> {
    const done: Promise<void> = stop
      .catch(() => {})
      .finally(() => {
        if (this.#stopping.get(key) === done) this.#stopping.delete(key);
      });
    this.#stopping.set(key, done);
    return done;
  }

  /** Passivates the activations whose key `moved` says is no longer this node's. */
  passivateMoved(moved: (key: string) => boolean): void {
    for (const key of [...this.#active.keys()]) if (moved(key)) void this.passivate(key, "moved");
  }

  /** Passivates what has been idle for `passivateAfterMs` (the map is in order of last use, so it stops at the first that is not). */
  sweep(): void {
    const now = this.#now();
    const before = now - this.hosted.passivateAfterMs;
    const busy: [string, Activation][] = [];
    for (const [key, activation] of this.#active) {
      if (activation.lastUsed > before) break;
      // A long turn or an open stream is use, however long ago its call came: it counts as used now.
      if (!activation.port.idle) busy.push([key, activation]);
      else void this.passivate(key, "idle");
    }
    for (const [key, activation] of busy) {
      activation.lastUsed = now;
      this.#active.delete(key);
      this.#active.set(key, activation);
    }
  }

  /** Passivates every activation and stops sweeping. */
  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    await Promise.all([...this.#active.keys()].map((key) => this.passivate(key, "shutdown")));
  }
}
