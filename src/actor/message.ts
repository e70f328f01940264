import { untrack, type Expirable, type Lane } from "./deadlines.ts";
import { ActorError } from "./errors.ts";
import type { MethodEntry } from "./dispatch.ts";
import type { FailureCounts } from "./failure-counts.ts";
import { clip } from "./log.ts";
import type { CallSpan, TraceContext } from "../trace/index.ts";

/** What a message asks of the actor that receives it. */
export const ASK = 0; // call a method (or receive) and reply
export const TELL = 1; // call a method (or receive), no reply
export const STEP = 2; // advance a stream by one item
export const CLOSE = 3; // end a stream early (runs the generator's finally)
export type MessageKind = typeof ASK | typeof TELL | typeof STEP | typeof CLOSE;

/** What a transport holds of a message it delivered: a way to withdraw it when its caller goes away. */
export interface Cancellable {
  cancel(): void;
  /** What the transport tagged it with (a link's call id). */
  readonly tag: number;
}

/** Where a reply goes. `tag` lets one shared function serve many messages (a link's replies by call id). */
export type Resolve = (value: unknown, tag: number) => void;
export type Reject = (error: unknown, tag: number) => void;

/** The actor-side state of one stream; the cursor a caller iterates implements it. */
export interface StreamState {
  /** Runs in the actor's turn: starts the generator on first use, then advances it. */
  step(instance: object): Promise<IteratorResult<unknown>>;
  /** Runs in the actor's turn: ends the generator early. */
  close(): Promise<unknown>;
  readonly finished: boolean;
  readonly started: boolean;
  /** The generator finished, or threw `error`. */
  finish(error?: ActorError): void;
  /** The actor stopped or restarted under the stream. */
  end(error: ActorError): void;
  /** The caller stopped waiting for it. */
  abandon(): void;
}

/**
 * One message in a mailbox. It carries its own deadline links (see deadlines.ts)
 * so an ask allocates this object and its promise, and nothing else.
 */
export class Message implements Expirable, Cancellable {
  // Only asks get these (deadlines.track sets them): a tell stays a smaller object.
  declare deadline: number;
  declare prevDue: Expirable | undefined;
  declare nextDue: Expirable | undefined;
  declare lane: Lane | undefined;
  settled = false;
  // Declared, not initialized: with no SDK a message stays the object it was, and pays nothing for tracing.
  /** While an SDK is registered: the context its turn runs in (its caller's trace). Else absent, and nothing traces. */
  declare trace: TraceContext | undefined;
  /** Its handler's span, when it has one: ends when the message is answered. */
  declare span: CallSpan | undefined;

  constructor(
    readonly kind: MessageKind,
    /** The method name, or the message type handed to `receive`. */
    readonly type: string,
    /** Undefined when `receive` handles it. */
    readonly entry: MethodEntry | undefined,
    /** The method's arguments, or the payload for `receive`. */
    readonly args: unknown,
    readonly stream: StreamState | undefined,
    /** For asks: settles the caller's promise. For tells: lets a sender that waits for room go on. */
    public resolve: Resolve | undefined,
    public reject: Reject | undefined,
    readonly tag = 0,
    /** For a message from the network: the memory its decoded payload is estimated to hold, counted while it is queued. */
    readonly cost = 0,
    /** For a message with a caller: where its failure is counted (its node's). */
    readonly failures: FailureCounts | undefined = undefined,
  ) {}

  reply(value: unknown): void {
    if (this.settled) return;
    this.settled = true;
    untrack(this);
    if (this.trace !== undefined) this.span?.end();
    this.resolve?.(value, this.tag);
  }

  fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    untrack(this);
    this.failures?.error(error);
    if (this.trace !== undefined) this.span?.end(error instanceof ActorError ? error.code : "HANDLER_ERROR", error instanceof Error ? error.message : undefined);
    this.reject?.(error, this.tag);
    // A step refused without its handler (the actor stopped first): the stream ends with it, and so does its span.
    if (error instanceof ActorError) this.stream?.end(error);
  }

  /** A tell's turn ended (`error` when its handler failed). */
  told(error?: ActorError): void {
    if (this.trace !== undefined) this.span?.end(error?.code, error?.message);
  }

  /**
   * The caller went away (its link closed, its HTTP client hung up): no turn
   * runs for the message if it has not started, and no reply is sent.
   */
  cancel(): void {
    if (this.settled) return;
    this.settled = true;
    untrack(this);
    if (this.trace !== undefined) this.span?.end();
    this.stream?.abandon();
  }

  expire(): void {
    if (this.settled) return;
    this.settled = true;
    const error = new ActorError("TIMEOUT", `no reply to "${clip(this.type)}" in time`);
    const failures = this.failures;
    if (failures !== undefined) {
      failures.actorTimeouts++;
      failures.error(error);
    }
    if (this.trace !== undefined) this.span?.end("TIMEOUT", error.message);
    this.reject?.(error, this.tag);
    // The caller stopped waiting; a stream it no longer reads must not stay open.
    this.stream?.abandon();
  }
}
