import type { EntityBinding } from "./entity-binding.ts";
import { ActorError } from "./errors.ts";
import type { ActorRef, ActorSystemApi } from "./types.ts";

/** What an actor instance needs from the cell that runs it. */
export interface ActorContext {
  readonly ref: unknown;
  readonly system: ActorSystemApi;
  /** An entity's binding to its key, state and reminders; undefined for other actors. */
  readonly entity?: EntityBinding | undefined;
  stopSelf(): void;
}

// Set while the runtime constructs an actor, so the base constructor can bind the
// instance to its cell before the user's constructor body runs.
let constructing: ActorContext | undefined;

/** The context of the actor being built: what a subclass's field initializers may read (an entity's key). */
export function constructingContext(): ActorContext | undefined {
  return constructing;
}

export function construct<T extends object>(cls: new (...args: never[]) => T, args: readonly unknown[], context: ActorContext): T {
  const outer = constructing;
  constructing = context;
  try {
    return new cls(...(args as never[]));
  } finally {
    constructing = outer;
  }
}

/**
 * The base class of every actor. Public methods are its messages: a method call
 * on its ref is an ask, an async-generator method is a stream. One turn runs at
 * a time. Everything defined here is out of reach of messages.
 */
export class Actor {
  readonly #context: ActorContext | undefined = constructing;

  #bound(): ActorContext {
    if (this.#context === undefined) {
      throw new ActorError("BAD_REQUEST", "this actor was built with `new`; spawn it with system.spawn() to give it a ref and a system");
    }
    return this.#context;
  }

  /** This actor's own ref, to hand to others or to message itself. */
  get ref(): ActorRef<this> {
    return this.#bound().ref as ActorRef<this>;
  }

  /** The system this actor runs in. */
  get system(): ActorSystemApi {
    return this.#bound().system;
  }

  /** Runs as the actor's first turn; throwing here fails the spawn (or the restart). */
  onStart(): void | Promise<void> {}

  /** Runs as the actor's last turn, when it stops or before it restarts. */
  onStop(): void | Promise<void> {}

  /**
   * Whether an error thrown by a handler should fail the whole actor (which then
   * stops or restarts by its supervision). By default no error does: the caller
   * gets it and the actor handles its next message.
   */
  isFatal(_error: unknown): boolean {
    return false;
  }

  /** Stops this actor once its current turn ends (reason `normal`). */
  stopSelf(): void {
    this.#bound().stopSelf();
  }
}
