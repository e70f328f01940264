import { ActorError, type CallReturn, type CellPort, clip, failedCall, handlesMessage, type Lane, type MessageTarget, type NetworkActor, type NetworkSink, type Served } from "../actor/index.ts";
import type { TraceContext } from "../trace/index.ts";
import type { Activations } from "./activations.ts";

/**
 * An entity as a call from the network reaches it on its owner: activated
 * only for a message its class handles. A message it does not know is refused
 * before anything is made (no activation, no store write), so callers naming
 * keys and methods at random cost the node nothing that lasts.
 */
export class LazyActivation implements NetworkActor, MessageTarget {
  readonly name: string | undefined = undefined;
  readonly #activations: Activations;
  readonly #key: string;
  #port: CellPort | undefined;

  constructor(activations: Activations, key: string) {
    this.#activations = activations;
    this.#key = key;
  }

  get id(): string {
    return `${this.#activations.hosted.kind}/${this.#key}`;
  }

  call(type: string, payload: unknown, lane: Lane, askOnly: boolean): CallReturn {
    if (!handlesMessage(this.#activations.hosted.cls, type)) return failedCall(unknown(type));
    try {
      return this.#ported().call(type, payload, lane, askOnly);
    } catch (error) {
      return failedCall(error);
    }
  }

  send(type: string, payload: unknown): Promise<void> {
    if (!handlesMessage(this.#activations.hosted.cls, type)) return Promise.resolve();
    return this.#ported().send(type, payload);
  }

  get hasRoom(): boolean {
    return this.#port?.hasRoom ?? true;
  }

  whenRoom(callback: () => void): () => void {
    return this.#ported().whenRoom(callback);
  }

  serve(type: unknown, payload: unknown, sink: NetworkSink, tag: number, timeout: Lane | undefined, cost: number, parent?: TraceContext): Served {
    this.#check(type);
    return this.#ported().serve(type, payload, sink, tag, timeout, cost, parent);
  }

  offer(type: unknown, payload: unknown, cost: number, parent?: TraceContext): ActorError | undefined {
    if (!handlesMessage(this.#activations.hosted.cls, type)) return unknown(type);
    return this.#ported().offer(type, payload, cost, parent);
  }

  #check(type: unknown): void {
    if (!handlesMessage(this.#activations.hosted.cls, type)) throw unknown(type);
  }

  #ported(): CellPort {
    this.#port ??= this.#activations.port(this.#key);
    return this.#port;
  }
}

function unknown(type: unknown): ActorError {
  return new ActorError("UNKNOWN_MESSAGE", `unknown message type ${JSON.stringify(clip(String(type), 64))}`);
}
