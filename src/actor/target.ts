import type { Lane } from "./deadlines.ts";
import type { ActorStream } from "./types.ts";

/** What a call returns: the reply as a promise, or the items of a stream (a remote call is both until it knows). */
export type CallReturn = Promise<unknown> | ActorStream<unknown>;

/**
 * Where a ref's messages go, whatever is behind it: a local actor, an actor on
 * a node over a link, or a name anywhere in the cluster (Proto.Actor's
 * `Process`). Every ref, typed or routed, is built over one.
 */
export interface MessageTarget {
  /** The actor's name, when it has one (`$name`). */
  readonly name: string | undefined;
  /** Its id (`$id`): a local actor's id, `name@addr` for a fixed node, the name for the cluster. */
  readonly id: string;
  /**
   * A message by type and payload (a method's argument array, or `receive`'s
   * payload), under the timeout of `lane`: a reply, or a stream when the method
   * streams. `askOnly` (`$ask`) refuses a stream.
   */
  call(type: string, payload: unknown, lane: Lane, askOnly: boolean): CallReturn;
  /** A tell: resolves once it is taken; what cannot be delivered is a dead letter, never an error. */
  send(type: string, payload: unknown): Promise<void>;
}

const DONE: IteratorResult<unknown> = Object.freeze({ done: true, value: undefined });
const noop = () => {};
function self<T>(this: T): T {
  return this;
}

/**
 * A call that failed before it was sent (no route, a bad argument): rejected
 * like an ask, and a stream whose first `next()` throws the same error.
 */
export function failedCall(error: unknown): Promise<unknown> & ActorStream<unknown> {
  const result = Promise.reject(error) as Promise<unknown> & ActorStream<unknown>;
  result.catch(noop); // a reader of the stream gets the error from next(), not as an unhandled rejection
  let told = false;
  result.next = () => {
    if (told) return Promise.resolve(DONE);
    told = true;
    return Promise.reject(error);
  };
  result.return = () => Promise.resolve(DONE);
  result[Symbol.asyncIterator] = self;
  return result;
}
