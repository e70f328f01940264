import type { CallReturn, FailureCounts, Lane, Logger, MessageTarget } from "../actor/index.ts";
import { ActorError, clip, failedCall } from "../actor/index.ts";

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * One entity, (kind, key), anywhere in the cluster: each call goes to the
 * owner of the key at the time of the call (its activation here when this
 * node owns it, else over the link to the owner), so a ref keeps working
 * while keys move between members.
 */
export class EntityTarget implements MessageTarget {
  readonly name: string | undefined = undefined;
  readonly id: string;
  readonly #route: () => MessageTarget | ActorError;
  readonly #logger: Logger;
  readonly #failures: FailureCounts | undefined;

  /** `failures` counts what fails here for metrics (an entity kind nobody hosts: errors, dead letters). */
  constructor(id: string, route: () => MessageTarget | ActorError, logger: Logger, failures?: FailureCounts) {
    this.id = id;
    this.#route = route;
    this.#logger = logger;
    this.#failures = failures;
  }

  call(type: string, payload: unknown, lane: Lane, askOnly: boolean): CallReturn {
    const to = this.#route();
    if (!(to instanceof ActorError)) return to.call(type, payload, lane, askOnly);
    this.#failures?.error(to);
    return failedCall(to);
  }

  send(type: string, payload: unknown): Promise<void> {
    const to = this.#route();
    if (!(to instanceof ActorError)) return to.send(type, payload);
    if (this.#failures !== undefined) this.#failures.deadLetters++;
    this.#logger.warn("dead letter", { entity: clip(this.id), message: clip(type), why: to.message });
    return RESOLVED;
  }
}
