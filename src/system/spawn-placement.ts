import { ActorError, clip, isReservedName } from "../actor/index.ts";
import type { ClusterNode, Member } from "../cluster/index.ts";
import { formatAddr, parseAddr } from "../transport/index.ts";
import { spawnableMarker } from "./spawnables.ts";

/**
 * Where `spawnOn` puts an actor: a member's node id or `host:port` (this
 * node's included), `"random"` or `"least-actors"` among the members that
 * allow the class.
 */
export type Placement = "random" | "least-actors" | (string & {});

/** A chosen node: this one, or another at its address. */
export type Place = "here" | { addr: string };

export interface PlacementsOptions {
  nodeId: string;
  addr: string | undefined;
  /** The cluster, for a node with an address. */
  node: ClusterNode | undefined;
  /** Whether this node allows the class (what a node without a cluster goes by). */
  allowsHere(className: string): boolean;
  random?: () => number;
}

/**
 * Chooses the node for a remote spawn. Which members allow a class is read
 * from the registry, where each publishes `system/spawnable/<Class>` for the
 * classes it allows; least-actors counts the named actors each has there.
 */
export class Placements {
  readonly #options: PlacementsOptions;
  readonly #random: () => number;
  /**
   * Spawns this node sent to a member since that member's registry entry last
   * changed (member id -> the entry's version then, and how many): a burst of
   * least-actors spawns spreads instead of landing where gossip has not caught up.
   */
  readonly #recent = new Map<string, { version: number; count: number }>();

  constructor(options: PlacementsOptions) {
    this.#options = options;
    this.#random = options.random ?? Math.random;
  }

  choose(placement: unknown, className: string): Place {
    if (typeof placement !== "string" || placement.length === 0) {
      throw new ActorError("INVALID_OPTION", `placement must be "random", "least-actors", a member's node id or a host:port`);
    }
    if (placement === "random") return this.#placeOf(this.#pick(this.#candidates(className)));
    if (placement === "least-actors") return this.#placeOf(this.#least(this.#candidates(className)));
    return this.#pinned(placement);
  }

  /** A node id (alive member) or an address (this node's, a member's, or any node's, dialled as `remote` does). */
  #pinned(placement: string): Place {
    const { nodeId, node, addr } = this.#options;
    if (placement === nodeId) return "here";
    const member = node?.member(placement);
    if (member !== undefined) {
      if (member.state !== "alive") throw new ActorError("NODE_UNREACHABLE", `member ${clip(placement, 64)} is ${member.state}`);
      return this.#placeOf(member);
    }
    const target = addressOf(placement);
    if (target === undefined) {
      throw new ActorError("NODE_UNREACHABLE", `no alive member "${clip(placement, 64)}" (placement is "random", "least-actors", a member's node id or a host:port)`);
    }
    return target === addr ? "here" : { addr: target };
  }

  /** The alive members that allow the class; without a cluster, this node if it does. */
  #candidates(className: string): Member[] | "here" {
    const { node, allowsHere } = this.#options;
    const members = node === undefined ? [] : node.hostsOf(spawnableMarker(className));
    if (members.length > 0) return members;
    if (node === undefined && allowsHere(className)) return "here";
    throw new ActorError("SPAWN_NOT_ALLOWED", `no alive member allows spawning "${clip(className, 64)}" (allowSpawn)`);
  }

  #pick(candidates: Member[] | "here"): Member | "here" {
    if (candidates === "here") return candidates;
    return candidates[Math.floor(this.#random() * candidates.length)] as Member;
  }

  /** The candidate with the fewest named actors (the runtime's own left out), ties broken at random. */
  #least(candidates: Member[] | "here"): Member | "here" {
    if (candidates === "here" || this.#options.node === undefined) return candidates === "here" ? candidates : this.#pick(candidates);
    const entries = new Map(this.#options.node.registry().map((entry) => [entry.node, entry]));
    for (const id of this.#recent.keys()) if (!entries.has(id)) this.#recent.delete(id); // gone from the cluster
    let best: Member[] = [];
    let fewest = Number.POSITIVE_INFINITY;
    for (const member of candidates) {
      const entry = entries.get(member.id);
      const named = entry === undefined ? 0 : entry.names.filter((name) => !isReservedName(name)).length;
      const recent = this.#recent.get(member.id);
      const count = named + (recent !== undefined && recent.version === entry?.version ? recent.count : 0);
      if (count < fewest) [best, fewest] = [[member], count];
      else if (count === fewest) best.push(member);
    }
    const chosen = this.#pick(best) as Member;
    const version = entries.get(chosen.id)?.version ?? -1;
    const recent = this.#recent.get(chosen.id);
    this.#recent.set(chosen.id, { version, count: recent !== undefined && recent.version === version ? recent.count + 1 : 1 });
    return chosen;
  }

  #placeOf(member: Member | "here"): Place {
    return member === "here" || member.id === this.#options.nodeId ? "here" : { addr: member.addr };
  }
}

/** `host:port` as members write it, or undefined when the text is not an address. */
function addressOf(text: string): string | undefined {
  try {
    return formatAddr(parseAddr(text));
  } catch {
    return undefined;
  }
}
