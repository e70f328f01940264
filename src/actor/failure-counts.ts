import { ActorError, ERROR_CODES, type ErrorCode } from "./errors.ts";

/** What `FailureCounts.snapshot` gives: every counter since the node started. */
export interface FailureSnapshot {
  /** Errors this node answered its callers with, by code (every code, zeros too). */
  readonly errors: Readonly<Record<ErrorCode, number>>;
  /** Asks and stream steps to this node's actors that got no answer in time. */
  readonly actorTimeouts: number;
  /** Calls this node sent over links that got no answer in time. */
  readonly linkTimeouts: number;
  /** Tells that no handler will see: to a stopped actor, queued when it stopped, refused by a busy actor or a closed link. */
  readonly deadLetters: number;
}

/**
 * How often things went wrong on one node, for metrics. An error is counted
 * once, by the node and at the place that made it (a handler's throw, a
 * timeout, a refusal), not again where it is relayed: a call that fails on
 * another node is that node's to count. Only failures write here; the hot
 * path never does.
 */
export class FailureCounts {
  readonly #errors = Object.fromEntries(ERROR_CODES.map((code) => [code, 0])) as Record<ErrorCode, number>;
  actorTimeouts = 0;
  linkTimeouts = 0;
  deadLetters = 0;

  /** A caller got `error`, made here; `count` callers at once (a link's calls when it closes). */
  error(error: unknown, count = 1): void {
    this.coded(error instanceof ActorError ? error.code : "HANDLER_ERROR", count);
  }

  /** A caller got an error with this code, made here. */
  coded(code: ErrorCode, count = 1): void {
    this.#errors[code] += count;
  }

  snapshot(): FailureSnapshot {
    return { errors: { ...this.#errors }, actorTimeouts: this.actorTimeouts, linkTimeouts: this.linkTimeouts, deadLetters: this.deadLetters };
  }
}
