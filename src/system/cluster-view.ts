import type { ClusterNode, Member, MemberChange, RegistryEntry } from "../cluster/index.ts";

/** What a system shows of its cluster: `system.cluster`. */
export class ClusterView {
  readonly #node: ClusterNode | undefined;

  constructor(node: ClusterNode | undefined) {
    this.#node = node;
  }

  /** Whether this system takes part in a cluster (it does when it listens on an address). */
  get enabled(): boolean {
    return this.#node !== undefined;
  }

  /** Every member this node knows, itself included: id, address, state, incarnation. */
  members(): Member[] {
    return this.#node?.members() ?? [];
  }

  /** Calls `listener` on every member state change this node sees; returns a function that stops it. */
  on(event: "change", listener: (change: MemberChange) => void): () => void {
    if (event !== "change") throw new TypeError(`unknown cluster event ${String(event)}`);
    return this.#node?.onMemberChange(listener) ?? (() => {});
  }

  /** Named actors of every alive member, as this node knows them. */
  registry(): RegistryEntry[] {
    return this.#node?.registry() ?? [];
  }
}
