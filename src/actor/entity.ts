import { Actor, constructingContext } from "./actor.ts";
import type { EntityBinding, ReminderTiming } from "./entity-binding.ts";
import { ActorError } from "./errors.ts";

/**
 * The base class of a virtual actor: one activation per (kind, key) in the
 * cluster, made on first call and passivated when idle (docs/entities.md). Its
 * public methods are its messages, as for any actor; `key` says which entity
 * it is, and `onActivate`/`onDeactivate` run around each activation.
 *
 * With a store and a `static initialState`, `state` is durable: loaded before
 * `onActivate`, and saved after every turn that changed it, before the turn's
 * reply goes (so a caller that got an answer knows the change is stored).
 */
export class Entity<S = undefined> extends Actor {
  // Read while the runtime builds the instance, before the subclass's constructor body runs.
  readonly #binding: EntityBinding | undefined = constructingContext()?.entity;
  /** The entity's state: durable when its kind is hosted with a store (see `static initialState`). */
  state!: S;

  /** Which entity of its kind this is: the key it was called by. */
  get key(): string {
    return this.#bound().key;
  }

  #bound(): EntityBinding {
    if (this.#binding === undefined) throw new ActorError("BAD_REQUEST", "this entity was spawned as a plain actor: host its class (system.host) and call it through system.entity");
    return this.#binding;
  }

  /** Runs before the activation's first message (as `onStart`), after its state was loaded. */
  onActivate(): void | Promise<void> {}

  /** Runs when the activation passivates, moves or stops (as `onStop`), before its last changes are saved. */
  onDeactivate(): void | Promise<void> {}

  /** A reminder of this entity is due: `name` and the time it was due (ms since the epoch). At least once: be idempotent. */
  onReminder(_name: string, _dueAt: number): void | Promise<void> {}

  /** Sets (or replaces) the durable reminder `name`: fired even when the entity is passive (it is activated), and across restarts. */
  remind(name: string, timing: ReminderTiming): Promise<void> {
    const binding = this.#bound();
    if (binding.remind === undefined) return Promise.reject(noStore("reminders"));
    return binding.remind(name, timing);
  }

  /** Removes the reminder `name`. */
  forget(name: string): Promise<void> {
    const binding = this.#bound();
    if (binding.forget === undefined) return Promise.reject(noStore("reminders"));
    return binding.forget(name);
  }

  /** Clears this entity's saved state; `state` goes back to the initial value. */
  clearState(): Promise<void> {
    const binding = this.#bound();
    if (binding.clear === undefined) return Promise.reject(noStore("state"));
    return binding.clear(this);
  }

  /** Runs `fn` as a turn every `everyMs` while this activation lives (a plain timer: not durable, gone when it passivates). */
  every(everyMs: number, fn: () => unknown): () => void {
    const binding = this.#bound();
    if (binding.every === undefined) throw noStore("every");
    return binding.every(everyMs, fn);
  }

  override async onStart(): Promise<void> {
    await this.#binding?.load?.(this);
    await this.onActivate();
  }

  override async onStop(): Promise<void> {
    try {
      await this.onDeactivate();
    } finally {
      await this.#binding?.unload?.(this);
    }
  }
}

function noStore(what: string): ActorError {
  return new ActorError("INVALID_OPTION", `${what} need the entity's kind hosted through system.host on a node`);
}
