import type { CallReturn, Lane, MessageTarget } from "../actor/index.ts";
import type { Link } from "./link.ts";

/**
 * A named actor on one node, reached over the link to that node: the target
 * of `system.remote(addr, name)` and of cluster refs that pick that node. The
 * link is made on first use and made again when it closed.
 */
export class LinkTarget implements MessageTarget {
  readonly name: string;
  readonly id: string;
  readonly #open: () => Link;
  #link: Link | undefined;

  /** `open` gives the link to use now (an open one, or a new dial). */
  constructor(name: string, id: string, open: () => Link) {
    this.name = name;
    this.id = id;
    this.#open = open;
  }

  get #usable(): Link {
    if (this.#link === undefined || !this.#link.usable) this.#link = this.#open();
    return this.#link;
  }

  call(type: string, payload: unknown, lane: Lane, askOnly: boolean): CallReturn {
    return this.#usable.call(this.name, type, payload, lane, askOnly).result;
  }

  send(type: string, payload: unknown): Promise<void> {
    this.#usable.tell(this.name, type, payload);
    return RESOLVED;
  }
}

const RESOLVED: Promise<void> = Promise.resolve();
