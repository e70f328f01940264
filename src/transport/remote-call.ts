import { ActorError, type ActorStream, deadlines, type Expirable, type Lane, untrack } from "../actor/index.ts";
import type { CallSpan } from "../trace/index.ts";

/** What a call needs from its link. */
export interface CallLink {
  /** The caller read items: let the callee send this many more. */
  grant(id: number, count: number): void;
  /** The caller stopped waiting. */
  cancel(id: number): void;
  /** No answer came in time: the caller stops waiting. */
  timedOut(id: number): void;
}

/** Items a stream may send ahead of the reader; more are granted as it reads. */
export const STREAM_WINDOW = 256;

/** What a remote method call returns: a native promise of the reply that is also the stream of its items. */
export type CallResult = Promise<unknown> & ActorStream<unknown>;

type Waiter = { resolve: (value: IteratorResult<unknown>) => void; reject: (error: unknown) => void };

const PENDING = 0;
const REPLIED = 1;
const STREAMING = 2;
const ENDED = 3;
const FAILED = 4;

const OWNER = Symbol("pulsing.call");
const DONE: IteratorResult<unknown> = Object.freeze({ done: true, value: undefined });
const noop = () => {};

// A promise's executor runs synchronously: one shared executor hands the resolvers over.
let resolveNext: (value: unknown) => void = noop;
let rejectNext: (error: unknown) => void = noop;
function capture(resolve: (value: unknown) => void, reject: (error: unknown) => void): void {
  resolveNext = resolve;
  rejectNext = reject;
}

// Shared by every call's promise, so a call adds properties, not closures.
function next(this: { [OWNER]: RemoteCall }): Promise<IteratorResult<unknown>> {
  return this[OWNER].next();
}
function stop(this: { [OWNER]: RemoteCall }): Promise<IteratorResult<unknown>> {
  return this[OWNER].return();
}
function self<T>(this: T): T {
  return this;
}

function notAStream(): ActorError {
  return new ActorError("BAD_REQUEST", "the reply is a single value, not a stream: await it");
}
/** What awaiting a call that answered with a stream rejects with: a coded error that a relay can tell apart. */
class StreamReply extends ActorError {}

function isAStream(): ActorError {
  return new StreamReply("BAD_REQUEST", "the reply is a stream: iterate it with for await");
}

/** Whether a call's promise rejected only because the answer is a stream (read the call as a stream instead). */
export function isStreamReply(error: unknown): boolean {
  return error instanceof StreamReply;
}

/**
 * The caller's end of one CALL on a link. It is sent at once, like a local
 * ask, and its result is a native promise (so `await` is as cheap as for any
 * promise) that is also an async iterator: what comes back decides which one
 * holds. A REPLY settles the promise; ITEMs make it a stream to read.
 */
export class RemoteCall implements Expirable {
  declare deadline: number;
  declare prevDue: Expirable | undefined;
  declare nextDue: Expirable | undefined;
  declare lane: Lane | undefined;
  readonly result: CallResult;
  #state = PENDING;
  readonly #resolve: (value: unknown) => void;
  readonly #reject: (error: unknown) => void;
  #items: unknown[] | undefined;
  #read = 0;
  #unGranted = 0;
  #waiter: Waiter | undefined;
  #error: ActorError | undefined;
  /** For a call whose round trip is sampled: when it was sent (performance.now()), until its first answer; else 0. */
  sentAt = 0;
  /** The caller's span, while an SDK is registered: ends with the call's answer. */
  span: CallSpan | undefined = undefined;

  constructor(
    readonly id: number,
    readonly link: CallLink,
    readonly timeout: Lane,
    /** Sent by `$ask`: a stream answer is refused at once, and the stream cancelled. */
    readonly askOnly = false,
  ) {
    const result = new Promise(capture) as CallResult & { [OWNER]: RemoteCall };
    this.#resolve = resolveNext;
    this.#reject = rejectNext;
    result[OWNER] = this;
    result.next = next;
    result.return = stop;
    result[Symbol.asyncIterator] = self;
    this.result = result;
    deadlines.track(this, timeout);
  }

  get settled(): boolean {
    return this.#state === REPLIED || this.#state === ENDED || this.#state === FAILED;
  }

  // ---- from the link ------------------------------------------------------

  reply(value: unknown): void {
    if (this.#state !== PENDING) return;
    untrack(this);
    this.#state = REPLIED;
    if (this.span !== undefined) this.span.end();
    this.#resolve(value);
    this.#takeWaiter()?.reject(notAStream());
  }

  fail(error: ActorError): void {
    if (this.settled) return;
    untrack(this);
    if (this.span !== undefined) this.span.end(error.code, error.message);
    if (this.#state === PENDING) this.#reject(error);
    this.#state = FAILED;
    const waiter = this.#takeWaiter();
    if (waiter === undefined) this.#error = error;
    else waiter.reject(error);
  }

  /** One item of the stream; false when the callee sent more than the window it was granted. */
  item(value: unknown): boolean {
    if (this.#state === PENDING) this.#becomeStream();
    else if (this.#state !== STREAMING) return true;
    untrack(this);
    const waiter = this.#takeWaiter();
    if (waiter !== undefined) {
      this.#consumed();
      waiter.resolve({ done: false, value });
      return true;
    }
    const items = (this.#items ??= []);
    items.push(value);
    // Only read items are granted again: more than a window unread breaks the protocol.
    return items.length - this.#read <= STREAM_WINDOW;
  }

  end(): void {
    if (this.#state === PENDING) this.#becomeStream();
    else if (this.#state !== STREAMING) return;
    untrack(this);
    this.#state = ENDED;
    if (this.span !== undefined) this.span.end();
    this.#takeWaiter()?.resolve(DONE);
  }

  expire(): void {
    if (this.settled) return;
    this.link.timedOut(this.id);
    this.fail(new ActorError("TIMEOUT", "no reply in time"));
  }

  /** A stream was answered: whoever awaits the promise learns so; nobody else is bothered. */
  #becomeStream(): void {
    this.#state = STREAMING;
    this.result.catch(noop);
    this.#reject(isAStream());
    if (this.askOnly) {
      this.#state = ENDED;
      this.link.cancel(this.id);
    }
  }

  #takeWaiter(): Waiter | undefined {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    return waiter;
  }

  // ---- the stream side -----------------------------------------------------

  next(): Promise<IteratorResult<unknown>> {
    const items = this.#items;
    if (items !== undefined && this.#read < items.length) {
      const value = items[this.#read];
      items[this.#read++] = undefined;
      if (this.#read === items.length) {
        items.length = 0;
        this.#read = 0;
      }
      this.#consumed();
      return Promise.resolve({ done: false, value });
    }
    switch (this.#state) {
      case REPLIED:
        return Promise.reject(notAStream());
      case FAILED: {
        const error = this.#error;
        this.#error = undefined;
        this.#state = ENDED;
        return error === undefined ? Promise.resolve(DONE) : Promise.reject(error);
      }
      case ENDED:
        return Promise.resolve(DONE);
    }
    if (this.#waiter !== undefined) return Promise.reject(new ActorError("BAD_REQUEST", "next() called again before the last one settled"));
    if (this.#state === PENDING) this.result.catch(noop); // read as a stream: a failure reaches the reader, not an unhandled promise
    else deadlines.track(this, this.timeout);
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  /** Ends the stream early: the callee's generator runs its `finally`. */
  return(): Promise<IteratorResult<unknown>> {
    if (!this.settled) {
      untrack(this);
      if (this.span !== undefined) this.span.end();
      this.link.cancel(this.id);
      if (this.#state === PENDING) this.#becomeStream();
      this.#state = ENDED;
      this.#items = undefined;
      this.#takeWaiter()?.resolve(DONE);
    }
    return Promise.resolve(DONE);
  }

  #consumed(): void {
    if (++this.#unGranted >= STREAM_WINDOW / 2) {
      if (this.#state === STREAMING) this.link.grant(this.id, this.#unGranted);
      this.#unGranted = 0;
    }
  }
}
