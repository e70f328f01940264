import { type Actor, ActorError, type CellPort, clip, type Entity, type EntityBinding, type Lane, type Logger, type ReminderTiming } from "../actor/index.ts";
import type { EntityStore } from "../store/index.ts";
import { type Codec, msgpackProblem } from "../wire/index.ts";

/** What an entity class may declare about its durable state. */
export interface StatefulClass {
  /** The state of a key that has none saved yet (a value, copied for each key, or a function that makes one). */
  readonly initialState?: unknown;
  /** The version of the state's shape (default 0); saved with the state. */
  readonly stateVersion?: number;
  /** Turns a saved state of an older version into the current shape. */
  migrate?(state: unknown, fromVersion: number): unknown;
  /**
   * Save periodically instead of before every reply: the state is saved every
   * this many ms when it changed, and when the activation ends. Faster; a crash
   * loses the changes of up to that long, although their callers got answers.
   */
  readonly saveEveryMs?: number;
}

/** What one activation's binding needs from its node. */
export interface BindingContext {
  readonly kind: string;
  readonly cls: StatefulClass;
  readonly store: EntityStore | undefined;
  readonly codec: Codec;
  readonly logger: Logger;
  /** The timeout of turns the binding runs itself (timers). */
  readonly lane: Lane;
  /** The activation's way in, to run timer turns on it. */
  port(): CellPort;
  /** A reminder of this node's was set to be due at `dueAt`: fire it on time even between polls. */
  wake(dueAt: number): void;
}

const MAX_REMINDER_NAME = 128;
const MIN_PERIOD_MS = 10;

/** A fresh copy of a class's initial state. */
function initialStateOf(cls: StatefulClass): unknown {
  const initial = cls.initialState;
  if (typeof initial === "function") return (initial as () => unknown)();
  return initial === undefined ? undefined : structuredClone(initial);
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && a.length === b.length && Buffer.compare(a, b) === 0;
}

/**
 * The binding of one activation of (kind, key) to its store: its state
 * loaded before `onActivate` under a new epoch, saved after each turn that
 * changed it (before the reply: write-before-reply), refused once another
 * activation took a newer epoch (the activation then stops, and the caller
 * gets ENTITY_MOVED, which is safe to retry); its reminders; its timers.
 */
export class StateBinding implements EntityBinding {
  readonly kind: string;
  readonly key: string;
  readonly #context: BindingContext;
  readonly #stateful: boolean;
  #epoch = -1;
  #saved: Uint8Array | undefined;
  #fenced = false;
  /** The activation's instance, once loaded: a refused reminder change stops it as a refused save does. */
  #instance: Actor | undefined;
  readonly #timers = new Set<ReturnType<typeof setInterval>>();

  readonly #periodic: boolean;
  /** With `saveEveryMs`: the save a turn armed, due a period after it; none while the activation is idle. */
  #periodicSave: ReturnType<typeof setTimeout> | undefined;
  /** The periodic save's own turn was invoked: its afterTurn arms nothing (it would arm the next save forever). */
  #savingTurn = false;

  constructor(key: string, context: BindingContext) {
    this.key = key;
    this.kind = context.kind;
    this.#context = context;
    this.#stateful = context.cls.initialState !== undefined;
    const every = context.cls.saveEveryMs;
    if (every !== undefined && !(typeof every === "number" && every >= MIN_PERIOD_MS)) throw new ActorError("INVALID_OPTION", `saveEveryMs must be at least ${MIN_PERIOD_MS}`);
    this.#periodic = every !== undefined;
  }

  async load(instance: Actor): Promise<void> {
    this.#instance = instance;
    await this.#loadState(instance);
    // A migrated state is a change of its own.
    if (this.#stateful && this.#periodic && this.#saved === undefined) this.#armPeriodicSave(instance);
  }

  async #loadState(instance: Actor): Promise<void> {
    const entity = instance as Entity<unknown>;
    const { cls, store, codec } = this.#context;
    if (!this.#stateful) return;
    if (store === undefined) {
      entity.state = initialStateOf(cls);
      return;
    }
    const activated = await store.activate(this.#context.kind, this.key);
    this.#epoch = activated.epoch;
    const current = cls.stateVersion ?? 0;
    if (activated.state === undefined) {
      entity.state = initialStateOf(cls);
      this.#saved = codec.encode(entity.state);
      return;
    }
    let state = codec.decode(activated.state);
    if (activated.version > current) throw new ActorError("START_FAILED", `the saved state of ${this.#label()} is version ${activated.version}, newer than this code's ${current}`);
    if (activated.version < current) {
      if (cls.migrate === undefined) throw new ActorError("START_FAILED", `the saved state of ${this.#label()} is version ${activated.version}; this code's is ${current} and has no migrate`);
      state = await cls.migrate(state, activated.version);
      entity.state = state;
      this.#saved = undefined; // the migrated shape is saved by the next turn that ends
      return;
    }
    entity.state = state;
    this.#saved = activated.state;
  }

  /**
   * With `saveEveryMs`: a turn (any turn: a call, a reminder, a timer) arms one
   * save a period later, which saves what changed since the last one. An
   * activation that no turn touched has no timer and does no work.
   */
  #armPeriodicSave(instance: Actor): void {
    const every = this.#context.cls.saveEveryMs;
    if (this.#periodicSave !== undefined || every === undefined || this.#context.store === undefined) return;
    const { lane, logger } = this.#context;
    this.#periodicSave = setTimeout(() => {
      this.#periodicSave = undefined;
      this.#context
        .port()
        .runTurn("save", () => this.#periodicSaveTurn(instance), lane)
        .catch((error: unknown) => {
          // Due while the activation ends (onDeactivate runs before unload clears this timer): unload saves
          // the change, or the activation was fenced, which its refused write reported.
          if (error instanceof ActorError && error.code === "ACTOR_STOPPED") return;
          logger.warn("entity state not saved", { entity: this.#label(), error });
        });
    }, every);
  }

  #periodicSaveTurn(instance: Actor): Promise<void> {
    // The cell calls afterTurn right after this returns: it takes the flag back.
    this.#savingTurn = true;
    return this.#saveIfChanged(instance);
  }

  afterTurn(instance: Actor, result: unknown): unknown {
    if (!this.#stateful || this.#context.store === undefined) return result;
    if (this.#periodic) {
      if (this.#savingTurn) this.#savingTurn = false;
      else this.#armPeriodicSave(instance);
      return result;
    }
    if (typeof (result as PromiseLike<unknown> | undefined)?.then === "function") {
      return (result as Promise<unknown>).then(
        (value) => this.#saveIfChanged(instance).then(() => value),
        (error: unknown) =>
          this.#saveIfChanged(instance).then(() => {
            throw error;
          }),
      );
    }
    const changed = this.#changed(instance);
    // An unchanged state leaves a synchronous turn synchronous.
    return changed === undefined ? result : this.#save(instance, changed).then(() => result);
  }

  async unload(instance: Actor): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers.clear();
    clearTimeout(this.#periodicSave);
    this.#periodicSave = undefined;
    if (!this.#stateful || this.#fenced || this.#context.store === undefined) return;
    try {
      await this.#saveIfChanged(instance);
    } catch (error) {
      this.#context.logger.warn("entity state not saved at deactivation", { entity: this.#label(), error });
    }
  }

  async clear(instance: Actor): Promise<void> {
    const { store, codec, cls } = this.#context;
    if (store === undefined) throw new ActorError("INVALID_OPTION", "clearState needs a store");
    this.#instance ??= instance;
    await this.#currentEpoch(store); // an entity without state has none until now
    await this.#write(instance, null);
    const entity = instance as Entity<unknown>;
    entity.state = initialStateOf(cls);
    this.#saved = this.#stateful ? codec.encode(entity.state) : undefined;
  }

  async remind(name: string, timing: ReminderTiming): Promise<void> {
    const store = this.#storeFor("reminders");
    checkReminderName(name);
    const now = Date.now();
    let dueAt: number;
    let everyMs: number | undefined;
    if ("everyMs" in timing) {
      if (!(typeof timing.everyMs === "number" && timing.everyMs >= MIN_PERIOD_MS)) throw new ActorError("INVALID_OPTION", `everyMs must be at least ${MIN_PERIOD_MS}`);
      everyMs = timing.everyMs;
      dueAt = now + everyMs;
    } else {
      dueAt = timing.at instanceof Date ? timing.at.getTime() : timing.at;
      if (!Number.isFinite(dueAt)) throw new ActorError("INVALID_OPTION", "at must be a Date or a time in ms");
    }
    const epoch = await this.#currentEpoch(store);
    this.#refusedIf(!(await store.remind({ kind: this.#context.kind, key: this.key, name, dueAt, everyMs }, epoch)));
    this.#context.wake(dueAt);
  }

  async forget(name: string): Promise<void> {
    const store = this.#storeFor("reminders");
    const epoch = await this.#currentEpoch(store);
    this.#refusedIf(!(await store.forget(this.#context.kind, this.key, name, epoch)));
  }

  /**
   * This activation's epoch, for fenced reminder changes: an entity without
   * state takes one from the store on its first reminder change.
   */
  async #currentEpoch(store: EntityStore): Promise<number> {
    if (this.#fenced) throw this.#movedError();
    if (this.#epoch < 0) this.#epoch = (await store.activate(this.#context.kind, this.key)).epoch;
    return this.#epoch;
  }

  /** A change the store refused for a stale epoch: another activation took over, so this one stops. */
  #refusedIf(refused: boolean): void {
    if (!refused) return;
    this.#fenced = true;
    this.#instance?.stopSelf();
    throw this.#movedError();
  }

  every(everyMs: number, fn: () => unknown): () => void {
    if (!(typeof everyMs === "number" && everyMs >= MIN_PERIOD_MS)) throw new ActorError("INVALID_OPTION", `every needs at least ${MIN_PERIOD_MS} ms`);
    const { lane, logger } = this.#context;
    const timer = setInterval(() => {
      this.#context
        .port()
        .runTurn("every", () => fn(), lane)
        .catch((error: unknown) => {
          // Due while the activation ends (onDeactivate runs before unload clears the timer): nothing failed.
          if (error instanceof ActorError && error.code === "ACTOR_STOPPED") return;
          logger.warn("entity timer failed", { entity: this.#label(), error });
        });
    }, everyMs);
    this.#timers.add(timer);
    return () => {
      clearInterval(timer);
      this.#timers.delete(timer);
    };
  }

  /**
   * The state's bytes when they differ from what was saved last; undefined
   * when the turn changed nothing. A state that cannot be saved (it cannot be
   * encoded, or would be too large to load again) goes back to the last one
   * saved, and the turn fails: its change is never half kept.
   */
  #changed(instance: Actor): Uint8Array | undefined {
    const { codec } = this.#context;
    let bytes: Uint8Array;
    try {
      bytes = codec.encode((instance as Entity<unknown>).state);
    } catch (error) {
      throw this.#undo(instance, `its state cannot be encoded (${(error as Error).message})`);
    }
    if (bytes.length > codec.limits.maxMessageBytes) throw this.#undo(instance, `its state would be ${bytes.length} bytes, over the ${codec.limits.maxMessageBytes} a node loads`);
    // What a node could not load again must not be saved: the same scan loading does (nesting, above all).
    const unloadable = msgpackProblem(bytes, codec.limits.maxDepth);
    if (unloadable !== undefined) throw this.#undo(instance, `its state could not be loaded again: ${unloadable}`);
    return sameBytes(this.#saved, bytes) ? undefined : bytes;
  }

  /** Puts back the state last saved, and says why the turn's change was dropped. */
  #undo(instance: Actor, why: string): ActorError {
    const { codec, cls } = this.#context;
    (instance as Entity<unknown>).state = this.#saved === undefined ? initialStateOf(cls) : codec.decode(this.#saved);
    return new ActorError("HANDLER_ERROR", `${this.#label()}: the turn's change was not saved: ${why}`);
  }

  async #saveIfChanged(instance: Actor): Promise<void> {
    const changed = this.#changed(instance);
    if (changed !== undefined) await this.#save(instance, changed);
  }

  async #save(instance: Actor, bytes: Uint8Array): Promise<void> {
    await this.#write(instance, bytes);
    this.#saved = bytes;
  }

  /** Writes under this activation's epoch; a refusal means another activation took over: this one stops. */
  async #write(instance: Actor, state: Uint8Array | null): Promise<void> {
    const store = this.#storeFor("state");
    if (this.#fenced) throw this.#movedError();
    let committed: boolean | undefined;
    try {
      [committed] = await store.save([{ kind: this.#context.kind, key: this.key, epoch: this.#epoch, state, version: this.#context.cls.stateVersion ?? 0 }]);
    } catch (error) {
      // The store failed: the change in memory is not durable, so this activation must not serve it (or save it later).
      // It stops, and the next call loads what the store has.
      this.#fenced = true;
      instance.stopSelf();
      throw new ActorError("HANDLER_ERROR", `${this.#label()}: its state could not be saved (${clip(String((error as Error).message), 200)}); the change is dropped, and the entity reloads at its next call`, { errorName: "StoreError" });
    }
    if (committed === true) return;
    this.#instance ??= instance;
    this.#refusedIf(true);
  }

  #movedError(): ActorError {
    return new ActorError("ENTITY_MOVED", `${this.#label()} was activated elsewhere since this activation began: its change was not saved; retry`);
  }

  #storeFor(what: string): EntityStore {
    const store = this.#context.store;
    if (store === undefined) throw new ActorError("INVALID_OPTION", `${what} need a store: this node runs entities without one`);
    return store;
  }

  #label(): string {
    return `entity ${this.#context.kind}/${clip(this.key)}`;
  }
}

function checkReminderName(name: unknown): void {
  if (typeof name !== "string" || name.length === 0 || name.length > MAX_REMINDER_NAME) throw new ActorError("INVALID_OPTION", `a reminder name is 1 to ${MAX_REMINDER_NAME} characters`);
}
