import { ActorError, type CallReturn, clip, failedCall, type Lane, type Logger, type MessageTarget } from "../actor/index.ts";

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * A name anywhere in the cluster: each call goes where `route` says at the time
 * of the call (a local instance first, else one the policy picks among the
 * members that host the name), so a ref keeps working when an instance goes and
 * another remains.
 */
export class ClusterTarget implements MessageTarget {
  readonly name: string;
  readonly #route: () => MessageTarget | ActorError;
  readonly #logger: Logger;

  constructor(name: string, route: () => MessageTarget | ActorError, logger: Logger) {
    this.name = name;
    this.#route = route;
    this.#logger = logger;
  }

  get id(): string {
    return this.name;
  }

  call(type: string, payload: unknown, lane: Lane, askOnly: boolean): CallReturn {
    const to = this.#route();
    return to instanceof ActorError ? failedCall(to) : to.call(type, payload, lane, askOnly);
  }

  send(type: string, payload: unknown): Promise<void> {
    const to = this.#route();
    if (!(to instanceof ActorError)) return to.send(type, payload);
    this.#logger.warn("dead letter", { actor: clip(this.name), message: clip(type), why: to.message });
    return RESOLVED;
  }
}
