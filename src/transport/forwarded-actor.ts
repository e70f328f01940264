import { ActorError, type ActorStream, type Cancellable, type Lane, type NetworkActor, type NetworkSink, type Served } from "../actor/index.ts";
import type { Link } from "./link.ts";
import { isStreamReply } from "./remote-call.ts";
import type { TraceContext } from "../trace/index.ts";

const noop = () => {};

/**
 * What one member may have forwarded to it at once: the calls a node forwards
 * share the member's budget for this node with the node's own calls, so they
 * get only part of it.
 */
export interface ForwardSlots {
  /** Takes a slot; false when every slot is taken. */
  take(): boolean;
  give(): void;
}

/**
 * A named actor on another node, as this node's callers from outside the
 * cluster reach it (HTTP clients, out-of-cluster clients): each call goes over
 * the link to its node, and its answer, a reply or a stream, comes back through
 * the caller's sink. Each ask or stream holds one of the member's forward
 * slots until it ends; the link's bounds (its outbox, the member's budget for
 * this node) bound the rest.
 */
export class ForwardedActor implements NetworkActor {
  readonly #name: string;
  readonly #link: Link;
  readonly #defaultLane: Lane;
  readonly #slots: ForwardSlots;

  constructor(name: string, link: Link, defaultLane: Lane, slots: ForwardSlots) {
    this.#name = name;
    this.#link = link;
    this.#defaultLane = defaultLane;
    this.#slots = slots;
  }

  /** Never held here: the node that hosts the actor holds what its actor has no room for. */
  get hasRoom(): boolean {
    return true;
  }

  whenRoom(): () => void {
    return noop;
  }

  serve(type: unknown, payload: unknown, sink: NetworkSink, tag: number, timeout: Lane | undefined, cost: number, parent?: TraceContext): Served {
    if (!this.#slots.take()) throw new ActorError("TOO_MANY_CALLS", "this node forwards as many calls to that node as it may at once already");
    const call = this.#link.call(this.#name, type as string, payload, timeout ?? this.#defaultLane, false, cost, parent);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#slots.give();
    };
    let cancelled = false;
    call.result.then(
      (value) => {
        release();
        if (!cancelled) sink.resolve(value, tag);
      },
      (error: ActorError) => {
        if (!isStreamReply(error)) release();
        if (cancelled) return;
        if (isStreamReply(error)) sink.stream(untilEnded(call.result, release), tag);
        else sink.reject(error, tag);
      },
    );
    const forwarded: Cancellable = {
      tag,
      cancel() {
        cancelled = true;
        release();
        void call.result.return();
      },
    };
    return forwarded;
  }

  offer(type: unknown, payload: unknown, cost: number, parent?: TraceContext): ActorError | undefined {
    this.#link.tell(this.#name, type as string, payload, cost, parent);
    return undefined;
  }
}

/** The same items; `ended` runs once when they end, fail, or the reader stops. */
function untilEnded(items: ActorStream<unknown>, ended: () => void): ActorStream<unknown> {
  return {
    async next() {
      try {
        const next = await items.next();
        if (next.done) ended();
        return next;
      } catch (error) {
        ended();
        throw error;
      }
    },
    return() {
      ended();
      return items.return();
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
