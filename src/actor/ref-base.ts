import { deadlines, type Lane } from "./deadlines.ts";
import { ActorError } from "./errors.ts";
import type { MessageTarget } from "./target.ts";
import { checkTimeout } from "./timeouts.ts";

// Symbol keys keep a ref's internals from ever shadowing an actor's method names.
export const TARGET = Symbol("pulsing.target");
export const LANE = Symbol("pulsing.lane"); // the timeout of this ref's asks
export const WITH_LANE = Symbol("pulsing.withLane");

/**
 * What every ref has, typed or routed, local or remote: the `$` members, over
 * the target its messages go to and the timeout lane of its asks. A kind of ref
 * adds how it finds its target, its message methods and its `$tell`.
 */
export abstract class RefBase {
  declare [LANE]: Lane;

  /** Where this ref's messages go. */
  abstract get [TARGET](): MessageTarget;

  /** The same ref with another timeout. */
  abstract [WITH_LANE](lane: Lane): RefBase;

  /** Fire-and-forget calls by method name. */
  abstract get $tell(): object;

  get $name(): string | undefined {
    return this[TARGET].name;
  }

  get $id(): string {
    return this[TARGET].id;
  }

  $withTimeout(timeoutMs: number): RefBase {
    return this[WITH_LANE](deadlines.lane(checkTimeout(timeoutMs)));
  }

  $ask(msgType: string, payload?: unknown): Promise<unknown> {
    if (typeof msgType !== "string") return Promise.reject(new ActorError("BAD_REQUEST", "a message type must be a string"));
    return this[TARGET].call(msgType, payload, this[LANE], true) as Promise<unknown>;
  }

  $send(msgType: string, payload?: unknown): Promise<void> {
    return this[TARGET].send(String(msgType), payload);
  }

  toString(): string {
    const target = this[TARGET];
    return `ActorRef(${target.name ?? target.id})`;
  }
}
