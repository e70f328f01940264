import type { Lane } from "./deadlines.ts";
import type { MethodEntry } from "./dispatch.ts";
import type { ActorError } from "./errors.ts";
import type { StreamState } from "./message.ts";
import type { ActorStream } from "./types.ts";
import type { CallSpan, TraceContext } from "../trace/index.ts";

export const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });
const DONE_PROMISE = Promise.resolve(DONE);
const toDone = () => DONE;

/** What a stream cursor needs from the actor's cell. */
export interface StreamHost {
  step(stream: StreamCursor<unknown>): Promise<unknown>;
  close(stream: StreamCursor<unknown>): Promise<unknown>;
  /** Closes without waiting: for a caller that is gone (its step timed out). */
  abandon(stream: StreamCursor<unknown>): void;
}

/**
 * The caller's end of a streaming method, and the actor-side state of its
 * generator. Every `next()` is one message, so each item is its own turn and a
 * long stream never blocks the actor's other messages.
 */
export class StreamCursor<T> implements ActorStream<T>, StreamState {
  #generator: AsyncGenerator<unknown, unknown, unknown> | undefined;
  #finished = false;
  #error: ActorError | undefined;
  /** While an SDK is registered: the context each step runs in. */
  trace: TraceContext | undefined = undefined;
  /** The handler's span of the whole stream, when it has one: ends with the stream. */
  span: CallSpan | undefined = undefined;

  constructor(
    readonly host: StreamHost,
    readonly entry: MethodEntry,
    readonly args: unknown[],
    /** The timeout of each step. */
    readonly lane: Lane,
  ) {}

  get finished(): boolean {
    return this.#finished;
  }

  get started(): boolean {
    return this.#generator !== undefined;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    const error = this.#error;
    if (error !== undefined) {
      this.#error = undefined;
      return Promise.reject(error);
    }
    if (this.#finished) return DONE_PROMISE;
    return this.host.step(this as StreamCursor<unknown>) as Promise<IteratorResult<T>>;
  }

  /** Ends the stream early; resolves once the generator's `finally` ran. Never rejects. */
  return(): Promise<IteratorResult<T>> {
    if (this.#finished) return DONE_PROMISE;
    this.#finished = true;
    this.span?.end();
    // A step still queued sees `finished` and does not start the generator.
    if (this.#generator === undefined) return DONE_PROMISE;
    return this.host.close(this as StreamCursor<unknown>).then(toDone, toDone);
  }

  // The actor's side, always inside one of its turns.

  step(instance: object): Promise<IteratorResult<unknown>> {
    // Ended by a stop or restart: a step still queued must not look like a complete stream.
    if (this.#error !== undefined) {
      const error = this.#error;
      this.#error = undefined;
      return Promise.reject(error);
    }
    if (this.#finished) return DONE_PROMISE;
    this.#generator ??= this.entry.fn.apply(instance, this.args) as AsyncGenerator<unknown, unknown, unknown>;
    return this.#generator.next();
  }

  close(): Promise<unknown> {
    this.#finished = true;
    this.span?.end();
    const generator = this.#generator;
    return generator === undefined ? DONE_PROMISE : generator.return(undefined);
  }

  finish(error?: ActorError): void {
    this.#finished = true;
    this.span?.end(error?.code, error?.message);
  }

  /** The actor stopped or restarted under the stream; the caller's next `next()` gets `error`. */
  end(error: ActorError): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#error = error;
    this.span?.end(error.code, error.message);
  }

  /** The caller stopped waiting (a step timed out): close the generator without it. */
  abandon(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.span?.end();
    if (this.#generator !== undefined) this.host.abandon(this as StreamCursor<unknown>);
  }
}
