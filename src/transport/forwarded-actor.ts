import type { ActorError, Cancellable, Lane, NetworkActor, NetworkSink, Served } from "../actor/index.ts";
import type { Link } from "./link.ts";
import { isStreamReply } from "./remote-call.ts";

const noop = () => {};

/**
 * A named actor on another node, as this node's callers from outside the
 * cluster reach it (HTTP clients, out-of-cluster clients): each call goes over
 * the link to its node, and its answer, a reply or a stream, comes back through
 * the caller's sink. The link's bounds (its outbox, the peer's budget for this
 * node) bound what forwarding can hold.
 */
export class ForwardedActor implements NetworkActor {
  readonly #name: string;
  readonly #link: Link;
  readonly #defaultLane: Lane;

  constructor(name: string, link: Link, defaultLane: Lane) {
    this.#name = name;
    this.#link = link;
    this.#defaultLane = defaultLane;
  }

  /** Never held here: the node that hosts the actor holds what its actor has no room for. */
  get hasRoom(): boolean {
    return true;
  }

  whenRoom(): () => void {
    return noop;
  }

  serve(type: unknown, payload: unknown, sink: NetworkSink, tag: number, timeout: Lane | undefined, _cost: number): Served {
    // Forwarded calls arrive one per I/O callback: they leave together at the end of the turn.
    const call = this.#link.call(this.#name, type as string, payload, timeout ?? this.#defaultLane, false, false);
    let cancelled = false;
    call.result.then(
      (value) => {
        if (!cancelled) sink.resolve(value, tag);
      },
      (error: ActorError) => {
        if (cancelled) return;
        if (isStreamReply(error)) sink.stream(call.result, tag);
        else sink.reject(error, tag);
      },
    );
    const forwarded: Cancellable = {
      tag,
      cancel() {
        cancelled = true;
        void call.result.return();
      },
    };
    return forwarded;
  }

  offer(type: unknown, payload: unknown): ActorError | undefined {
    this.#link.tell(this.#name, type as string, payload, false);
    return undefined;
  }
}
