import type { CallReturn, Lane, MessageTarget } from "../actor/index.ts";
import type { Link } from "../transport/index.ts";

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * A named actor or an entity reached through a gateway node: every call goes
 * over the client's current gateway link (whichever gateway that is now),
 * addressed by the name and the caller's route hints, or by the entity's
 * address; the gateway forwards it to a node that hosts the name, or to the
 * key's owner.
 */
export class GatewayTarget implements MessageTarget {
  /** The actor's name; undefined for an entity, which has none (as in process). */
  readonly name: string | undefined;
  /** The name, or `kind/key` for an entity. */
  readonly id: string;
  /** The name and its hints, or an entity's `#kind/key`, as the gateway reads a link call's target. */
  readonly #target: string;
  readonly #link: () => Link;

  constructor(name: string | undefined, id: string, target: string, link: () => Link) {
    this.name = name;
    this.id = id;
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
