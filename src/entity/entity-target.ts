import type { CallReturn, Lane, Logger, MessageTarget } from "../actor/index.ts";
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

  constructor(id: string, route: () => MessageTarget | ActorError, logger: Logger) {
    this.id = id;
    this.#route = route;
    this.#logger = logger;
  }

  call(type: string, payload: unknown, lane: Lane, askOnly: boolean): CallReturn {
    const to = this.#route();
    return to instanceof ActorError ? failedCall(to) : to.call(type, payload, lane, askOnly);
  }

  send(type: string, payload: unknown): Promise<void> {
    const to = this.#route();
    if (!(to instanceof ActorError)) return to.send(type, payload);
    this.#logger.warn("dead letter", { entity: clip(this.id), message: clip(type), why: to.message });
    return RESOLVED;
  }
}
