import { type ActorStream, type Cancellable } from "../actor/index.ts";
import { END, type Envelope, FAIL, ITEM } from "../wire/index.ts";
import { CallTable } from "./calls.ts";
import { asActorError, errorBody } from "./problem.ts";
import { STREAM_WINDOW } from "./remote-call.ts";

/** A stream this node serves to the peer: its cursor and how many items the peer can take. */
interface ServedStream {
  readonly items: ActorStream<unknown>;
  credit: number;
  pumping: boolean;
  done: boolean;
}

/** What the served calls need from their link. */
export interface ServedCallsHost {
  /** Queues an envelope for the peer; items leave at the end of the turn (`soon` false). */
  send(envelope: Envelope, soon?: boolean): void;
  /** Whether the link still carries anything. */
  carrying(): boolean;
  /** A call ended: the peer's budget gets its slot back, an idle duplicate may close. */
  released(): void;
}

/**
 * The calls a peer made that this node is answering: asks whose reply is still
 * to come (cancelled when the peer gives up or the link closes, so a gone
 * caller's work does not stay queued), and streams, sent as fast as the peer
 * grants credit and never more than STREAM_WINDOW ahead.
 */
export class ServedCalls {
  readonly #asks = new CallTable<Cancellable>((ask) => ask.tag);
  readonly #streams = new Map<number, ServedStream>();
  readonly #host: ServedCallsHost;

  constructor(host: ServedCallsHost) {
    this.#host = host;
  }

  get size(): number {
    return this.#asks.size + this.#streams.size;
  }

  /** Whether call `id` is being answered. */
  has(id: number): boolean {
    return this.#asks.get(id) !== undefined || this.#streams.has(id);
  }

  /** An ask was queued at an actor; its reply will come through `answered`. */
  asked(ask: Cancellable): void {
    this.#asks.set(ask);
  }

  /** The ask's reply is on its way. */
  answered(id: number): void {
    this.#asks.take(id);
  }

  /** Starts serving a stream; the peer's credit is never trusted past the window. */
  stream(id: number, items: ActorStream<unknown>, credit: number): void {
    const stream: ServedStream = { items, credit: Math.min(credit, STREAM_WINDOW), pumping: false, done: false };
    this.#streams.set(id, stream);
    this.#pump(id, stream);
  }

  /** The peer read items and can take `count` more, up to the window. */
  credit(id: number, count: number): void {
    const stream = this.#streams.get(id);
    if (stream === undefined) return;
    stream.credit = Math.min(STREAM_WINDOW, stream.credit + count);
    this.#pump(id, stream);
  }

  /** The peer stopped waiting: an ask not yet run never runs; a stream's generator ends. */
  cancel(id: number): void {
    const ask = this.#asks.take(id);
    if (ask !== undefined) {
      ask.cancel();
      this.#host.released();
      return;
    }
    if (this.#stop(id)) this.#host.released();
  }

  /** The link closed: every call still served is withdrawn. */
  cancelAll(): void {
    for (const ask of this.#asks.values()) ask.cancel();
    this.#asks.clear();
    for (const id of [...this.#streams.keys()]) this.#stop(id);
  }

  /** Ends a served stream early; its generator runs its `finally`. */
  #stop(id: number): boolean {
    const stream = this.#streams.get(id);
    if (stream === undefined) return false;
    this.#streams.delete(id);
    stream.done = true;
    void stream.items.return();
    return true;
  }

  /** A stream item could not be encoded: the stream ends with an error instead. */
  failed(id: number): void {
    if (this.#stop(id)) this.#host.released();
  }

  /** Sends items while the peer has credit; pauses when it has none. */
  /**
   * The actors stopped (the node shuts down): streams waiting for credit look
   * once more, so the peer hears how they ended (ACTOR_STOPPED) rather than
   * only that the link closed.
   */
  settleStopped(): void {
    for (const [id, stream] of this.#streams) this.#pump(id, stream, true);
  }

  #pump(id: number, stream: ServedStream, evenWithoutCredit = false): void {
    if (stream.pumping || stream.done || (stream.credit <= 0 && !evenWithoutCredit)) return;
    stream.pumping = true;
    stream.items.next().then(
      (result) => {
        stream.pumping = false;
        if (stream.done) return;
        if (!this.#host.carrying()) {
          this.#stop(id);
          return;
        }
        if (result.done) {
          this.#finish(id, stream, [END, id]);
          return;
        }
        stream.credit--;
        this.#host.send([ITEM, id, result.value], false);
        this.#pump(id, stream);
      },
      (error: unknown) => {
        stream.pumping = false;
        if (stream.done) return;
        this.#finish(id, stream, failEnvelope(id, error));
      },
    );
  }

  #finish(id: number, stream: ServedStream, last: Envelope): void {
    stream.done = true;
    this.#streams.delete(id);
    if (this.#host.carrying()) this.#host.send(last, false);
    this.#host.released();
  }
}

/** A FAIL for call `id`; its message cut as an HTTP error body's is (a handler's message may quote its caller). */
export function failEnvelope(id: number, error: unknown): Envelope {
  const { error: body } = errorBody(asActorError(error));
  // Why a schema refused the arguments travels too, as the HTTP error body carries it.
  return body.issues === undefined || body.issues.length === 0
    ? [FAIL, id, body.code, body.message, body.errorName ?? null]
    : [FAIL, id, body.code, body.message, body.errorName ?? null, body.issues.map((issue) => (issue.path === undefined ? { message: issue.message } : { message: issue.message, path: [...issue.path] }))];
}
