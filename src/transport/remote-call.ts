import { ActorError, type ActorStream, deadlines, type Expirable, type Lane, untrack } from "../actor/index.ts";

/** What a call needs from its link. */
export interface CallLink {
  /** The caller read items: let the callee send this many more. */
  grant(id: number, count: number): void;
  /** The caller stopped waiting. */
  cancel(id: number): void;
}

/** Items a stream may send ahead of the reader; more are granted as it reads. */
export const STREAM_WINDOW = 64;

type Waiter = { resolve: (value: IteratorResult<unknown>) => void; reject: (error: unknown) => void };
type Deferred = { resolve: (value: unknown) => void; reject: (error: unknown) => void };

const PENDING = 0;
const REPLIED = 1;
const STREAMING = 2;
const ENDED = 3;
const FAILED = 4;

function notAStream(): ActorError {
  return new ActorError("BAD_REQUEST", "the reply is a single value, not a stream: await it");
}
function isAStream(): ActorError {
  return new ActorError("BAD_REQUEST", "the reply is a stream: iterate it with for await");
}

/**
 * The caller's end of one CALL on a link. It is sent at once, like a local
 * ask; what comes back decides what it is: a REPLY makes it a promise's value,
 * ITEMs make it a stream. Awaiting it asks, iterating it reads the stream.
 */
export class RemoteCall implements PromiseLike<unknown>, ActorStream<unknown>, Expirable {
  deadline = 0;
  prevDue: Expirable | undefined = undefined;
  nextDue: Expirable | undefined = undefined;
  lane: Lane | undefined = undefined;
  #state = PENDING;
  #value: unknown;
  #error: ActorError | undefined;
  #items: unknown[] = [];
  #read = 0;
  #unGranted = 0;
  #asked: Deferred | undefined;
  #promise: Promise<unknown> | undefined;
  #waiter: Waiter | undefined;

  constructor(
    readonly id: number,
    readonly link: CallLink,
    readonly timeout: Lane,
  ) {
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
    this.#value = value;
    this.#asked?.resolve(value);
    this.#waiter?.reject(notAStream());
    this.#waiter = undefined;
  }

  fail(error: ActorError): void {
    if (this.settled) return;
    untrack(this);
    this.#state = FAILED;
    this.#error = error;
    this.#asked?.reject(error);
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.reject(error);
  }

  item(value: unknown): void {
    if (this.#state !== PENDING && this.#state !== STREAMING) return;
    untrack(this);
    if (this.#state === PENDING) {
      this.#state = STREAMING;
      if (this.#asked !== undefined) {
        this.#asked.reject(isAStream());
        this.link.cancel(this.id);
        return;
      }
    }
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      this.#consumed();
      waiter.resolve({ done: false, value });
    } else {
      this.#items.push(value);
    }
  }

  end(): void {
    if (this.#state !== PENDING && this.#state !== STREAMING) return;
    untrack(this);
    const wasPending = this.#state === PENDING;
    this.#state = ENDED;
    if (wasPending && this.#asked !== undefined) this.#asked.reject(isAStream());
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.resolve({ done: true, value: undefined });
  }

  expire(): void {
    if (this.settled) return;
    this.link.cancel(this.id);
    this.fail(new ActorError("TIMEOUT", "no reply in time"));
  }

  // ---- ask ----------------------------------------------------------------

  then<A = unknown, B = never>(onValue?: ((value: unknown) => A | PromiseLike<A>) | null, onError?: ((error: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    this.#promise ??= this.#settle();
    return this.#promise.then(onValue, onError);
  }

  catch<B = never>(onError?: ((error: unknown) => B | PromiseLike<B>) | null): Promise<unknown> {
    return this.then(undefined, onError);
  }

  finally(onFinally?: (() => void) | null): Promise<unknown> {
    this.#promise ??= this.#settle();
    return this.#promise.finally(onFinally);
  }

  #settle(): Promise<unknown> {
    switch (this.#state) {
      case REPLIED:
        return Promise.resolve(this.#value);
      case FAILED:
        return Promise.reject(this.#error);
      case STREAMING:
      case ENDED:
        return Promise.reject(isAStream());
      default:
        return new Promise((resolve, reject) => {
          this.#asked = { resolve, reject };
        });
    }
  }

  // ---- stream -------------------------------------------------------------

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.#read < this.#items.length) {
      const value = this.#items[this.#read];
      this.#items[this.#read++] = undefined;
      if (this.#read === this.#items.length) {
        this.#items.length = 0;
        this.#read = 0;
      }
      this.#consumed();
      return Promise.resolve({ done: false, value });
    }
    switch (this.#state) {
      case REPLIED:
        return Promise.reject(notAStream());
      case FAILED: {
        const error = this.#error as ActorError;
        this.#error = new ActorError("ACTOR_STOPPED", "the stream already failed");
        this.#state = ENDED;
        return Promise.reject(error);
      }
      case ENDED:
        return Promise.resolve({ done: true, value: undefined });
    }
    if (this.#waiter !== undefined) return Promise.reject(new ActorError("BAD_REQUEST", "next() called again before the last one settled"));
    if (this.#state === STREAMING) deadlines.track(this, this.timeout);
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  /** Ends the stream early: the callee's generator runs its `finally`. */
  return(): Promise<IteratorResult<unknown>> {
    if (!this.settled) {
      untrack(this);
      this.link.cancel(this.id);
      this.#state = ENDED;
      this.#items.length = 0;
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter?.resolve({ done: true, value: undefined });
    }
    return Promise.resolve({ done: true, value: undefined });
  }

  #consumed(): void {
    if (++this.#unGranted >= STREAM_WINDOW / 2) {
      if (this.#state === STREAMING) this.link.grant(this.id, this.#unGranted);
      this.#unGranted = 0;
    }
  }
}
