import { Actor, constructingContext } from "./actor.ts";
import { ActorError } from "./errors.ts";

/**
 * The base class of a virtual actor: one activation per (kind, key) in the
 * cluster, made on first call and passivated when idle (docs/entities.md). Its
 * public methods are its messages, as for any actor; `key` says which entity
 * it is, and `onActivate`/`onDeactivate` run around each activation.
 */
export class Entity extends Actor {
  // Read while the runtime builds the instance, before the subclass's constructor body runs.
  readonly #key: string | undefined = constructingContext()?.key;

  /** Which entity of its kind this is: the key it was called by. */
  get key(): string {
    if (this.#key === undefined) throw new ActorError("BAD_REQUEST", "this entity was spawned as a plain actor: host its class (system.host) and call it through system.entity");
    return this.#key;
  }

  /** Runs before the activation's first message (as `onStart`). */
  onActivate(): void | Promise<void> {}

  /** Runs when the activation passivates, moves or stops (as `onStop`). */
  onDeactivate(): void | Promise<void> {}

  override onStart(): void | Promise<void> {
    return this.onActivate();
  }

  override onStop(): void | Promise<void> {
    return this.onDeactivate();
  }
}
