import { ActorError, type CallReturn, clip, failedCall, type FailureCounts, type Lane, type Logger, type MessageTarget } from "../actor/index.ts";

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
  /** Where its dead letters and the errors it answers with (no instance anywhere) are counted. */
  readonly #failures: FailureCounts;

  constructor(name: string, route: () => MessageTarget | ActorError, logger: Logger, failures: FailureCounts) {
    this.name = name;
    this.#route = route;
    this.#logger = logger;
    this.#failures = failures;
  }

  get id(): string {
    return this.name;
  }

  call(type: string, payload: unknown, lane: Lane, askOnly: boolean): CallReturn {
    const to = this.#route();
    if (!(to instanceof ActorError)) return to.call(type, payload, lane, askOnly);
    this.#failures.error(to);
    return failedCall(to);
  }

  send(type: string, payload: unknown): Promise<void> {
    const to = this.#route();
    if (!(to instanceof ActorError)) return to.send(type, payload);
    this.#failures.deadLetters++;
    this.#logger.warn("dead letter", { actor: clip(this.name), message: clip(type), why: to.message });
    return RESOLVED;
  }
}
