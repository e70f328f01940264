import type { Actor } from "./actor.ts";
import type { Cell } from "./cell.ts";
import type { MethodEntry } from "./dispatch.ts";
import { ASK } from "./message.ts";
import type { Lane } from "./deadlines.ts";
import { ActorError } from "./errors.ts";
import { clip } from "./log.ts";
import type { Cancellable } from "./message.ts";
import { type Addressed, addressedAt, defaultLaneOf, deliver, deliverAsk, deliverTell, type ReplySink } from "./ref.ts";
import { type CallReturn, failedCall, type MessageTarget } from "./target.ts";
import type { ActorStream } from "./types.ts";
import { ROOT_CONTEXT, type TraceContext } from "../trace/index.ts";

/**
 * What a transport got for a call from the network: a stream to read, or an
 * ask whose reply goes to its sink and which it may cancel when its caller goes
 * away (undefined when the actor refused it at once; the sink was told why).
 */
export type Served = ActorStream<unknown> | Cancellable | undefined;

/** Whether what `call` returned is a stream to read (else an ask, or nothing when refused). */
export function isStream(served: Served): served is ActorStream<unknown> {
  return served !== undefined && typeof (served as ActorStream<unknown>).next === "function";
}

/**
 * Where the answer to a call from the network goes: a reply or an error by
 * tag, or, for a call whose kind only its answer tells (one forwarded to
 * another node), the stream to read.
 */
export interface NetworkSink extends ReplySink {
  stream(items: ActorStream<unknown>, tag: number): void;
}

/**
 * A message from the network, addressed as `$ask` would be and then checked
 * against the actor's schema for its type, if it declares one (BAD_REQUEST
 * with the issues when refused; the schema's output is what the handler
 * gets). Only the network comes here: local calls are typed, and stay free.
 */
function checkedAt(cell: Cell, type: unknown, payload: unknown): Addressed {
  const addressed = addressedAt(cell, type, payload);
  const schemas = cell.table.schemas;
  if (schemas === undefined) return addressed;
  return { cell, entry: addressed.entry, args: schemas.check(type as string, addressed.entry, addressed.args) };
}

/**
 * A local actor as the network reaches it: by message type and payload, with
 * the bounds a caller that cannot be made to wait needs. What transports get
 * from a lookup, never the actor's cell or ref.
 */
export interface NetworkActor {
  /** Whether a message from the network would be taken now; when not, a link holds its peer's messages back. */
  readonly hasRoom: boolean;
  /** Runs `callback` once the actor takes messages from the network again; returns a function that stops waiting. */
  whenRoom(callback: () => void): () => void;
  /**
   * A call: the reply of an ask goes to `sink` with `tag`, with no promise in
   * between; a stream is returned to read. A busy actor refuses the ask with
   * MAILBOX_FULL (through the sink). Throws an ActorError when nothing can
   * handle the message. `timeout` undefined: the node's ask timeout. `parent`:
   * the caller's trace, when one came with the call and an SDK is registered.
   */
  serve(type: unknown, payload: unknown, sink: NetworkSink, tag: number, timeout: Lane | undefined, cost: number, parent?: TraceContext): Served;
  /** A tell: queued (undefined), or why not (no such message, a stream method, a busy or stopped actor). */
  offer(type: unknown, payload: unknown, cost: number, parent?: TraceContext): ActorError | undefined;
}

/**
 * One cell's ways in by message type and payload: the target of its refs'
 * `$ask`/`$send` and of routed refs that find it here, and the network's way
 * in. Made once per cell, on first use.
 */
export class CellPort implements NetworkActor, MessageTarget {
  readonly #cell: Cell;

  constructor(cell: Cell) {
    this.#cell = cell;
  }

  get hasRoom(): boolean {
    return this.#cell.hasRoomForNetwork;
  }

  /** Whether the actor is doing nothing: no turn, no queued message, no open stream. */
  get idle(): boolean {
    return this.#cell.isIdle;
  }

  /** Whether the actor is stopping or stopped: it takes no new message. */
  get stopped(): boolean {
    return this.#cell.isStopped;
  }

  whenRoom(callback: () => void): () => void {
    return this.#cell.onRoom(callback);
  }

  get name(): string | undefined {
    return this.#cell.name;
  }

  get id(): string {
    return this.#cell.id;
  }

  call(type: string, payload: unknown, lane: Lane, askOnly: boolean): CallReturn {
    if (askOnly) return deliverAsk(this.#cell, type, payload, lane);
    try {
      const delivery = deliver(this.#cell, type, payload, lane);
      return delivery.stream ? delivery.items : delivery.result;
    } catch (error) {
      this.#cell.refused(error);
      return failedCall(error);
    }
  }

  send(type: string, payload: unknown): Promise<void> {
    return deliverTell(this.#cell, type, payload);
  }

  /**
   * Runs `fn` on the instance as a turn of its own, queued like an ask (a
   * reminder firing, a periodic save): it never interleaves with a message.
   * `label` names it in logs and errors.
   */
  runTurn(label: string, fn: (instance: Actor) => unknown, lane: Lane): Promise<unknown> {
    const entry: MethodEntry = {
      name: label,
      kind: "call",
      fn(this: unknown) {
        return fn(this as Actor);
      },
    };
    // Nobody's call: it starts no trace and joins none.
    return this.#cell.ask(ASK, label, entry, [], lane, undefined, ROOT_CONTEXT);
  }

  serve(type: unknown, payload: unknown, sink: NetworkSink, tag: number, timeout: Lane | undefined, cost: number, parent?: TraceContext): Served {
    const cell = this.#cell;
    const { entry, args } = checkedAt(cell, type, payload);
    const lane = timeout ?? defaultLaneOf(cell);
    if (entry?.kind === "stream") return cell.openStream(entry, args as unknown[], lane, { parent }) as ActorStream<unknown>;
    return cell.askInto(type as string, entry, args, lane, sink.resolve, sink.reject, tag, cost, parent);
  }

  offer(type: unknown, payload: unknown, cost: number, parent?: TraceContext): ActorError | undefined {
    let addressed;
    try {
      addressed = checkedAt(this.#cell, type, payload);
    } catch (error) {
      return error as ActorError;
    }
    if (addressed.entry?.kind === "stream") return new ActorError("BAD_REQUEST", `"${clip(addressed.entry.name)}" is a stream method: it cannot be told`);
    return this.#cell.tellFromNetwork(type as string, addressed.entry, addressed.args, cost, parent);
  }
}
