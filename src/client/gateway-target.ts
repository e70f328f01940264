import type { CallReturn, Lane, MessageTarget } from "../actor/index.ts";
import type { Link } from "../transport/index.ts";

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * A named actor reached through a gateway node: every call goes over the
 * client's current gateway link (whichever gateway that is now), addressed by
 * the name and the caller's route hints; the gateway forwards it to a node
 * that hosts the name.
 */
export class GatewayTarget implements MessageTarget {
  readonly name: string;
  readonly id: string;
  /** The name and its hints, as the gateway reads a link call's target. */
  readonly #target: string;
  readonly #link: () => Link;

  constructor(name: string, target: string, link: () => Link) {
    this.name = name;
    this.id = name;
    this.#target = target;
    this.#link = link;
  }

  call(type: string, payload: unknown, lane: Lane, askOnly: boolean): CallReturn {
    return this.#link().call(this.#target, type, payload, lane, askOnly).result;
  }

  send(type: string, payload: unknown): Promise<void> {
    this.#link().tell(this.#target, type, payload);
    return RESOLVED;
  }
}
