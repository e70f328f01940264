import { MAX_INCARNATION, NAMES, type NamesUpdate } from "../wire/index.ts";
import type { MembershipDelegate, MembershipPort } from "./delegate.ts";
import type { Member } from "./types.ts";

interface Names {
  version: number;
  names: ReadonlySet<string>;
}

export interface RegistryEntry {
  node: string;
  addr: string;
  version: number;
  names: string[];
}

type Listener<T> = (event: T) => void;

/**
 * The named-actor registry: each node is the authority for its own named
 * actors, and spreads its whole set of names, with a version that grows at
 * every change, as `NAMES` updates that membership carries for it (piggybacked,
 * and whole in every push-pull): it is membership's delegate, and uses only the
 * port membership gives it. Lookups show alive members only: a dead
 * member's names are kept, hidden, until it is forgotten (a member cut off by a
 * partition comes back with the same ones); a member that left takes them along.
 */
export class Registry implements MembershipDelegate {
  readonly #self: string;
  readonly #membership: MembershipPort;
  readonly #names = new Map<string, Names>();
  /** name -> ids of the nodes that host an actor by that name. */
  readonly #hosts = new Map<string, Set<string>>();
  readonly #listeners = new Set<Listener<string>>();
  #version = 0;

  /** `self` is this node's id. */
  constructor(self: string, membership: MembershipPort) {
    this.#self = self;
    this.#membership = membership;
    this.#names.set(self, { version: 0, names: new Set() });
  }

  /** Counts every change to anyone's names. */
  get version(): number {
    return this.#version;
  }

  /** Alive members (this one included) that host an actor named `name`. */
  hostsOf(name: string, withSuspects = false): Member[] {
    const ids = this.#hosts.get(name);
    if (ids === undefined) return [];
    const out: Member[] = [];
    for (const id of ids) {
      const member = this.#membership.member(id);
      if (member?.state === "alive" || (withSuspects && member?.state === "suspect")) out.push(member);
    }
    return out;
  }

  /** The named actors of every alive member that has any (this one included), as this node knows them. */
  entries(): RegistryEntry[] {
    const out: RegistryEntry[] = [];
    for (const [node, { version, names }] of this.#names) {
      const member = this.#membership.member(node);
      if (member?.state === "alive" && names.size > 0) out.push({ node, addr: member.addr, version, names: [...names] });
    }
    return out;
  }

  /** Told the id of a node whose named actors changed. */
  onChange(listener: Listener<string>): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** This node's named actors changed: spread the new set. */
  setLocalNames(names: Iterable<string>): void {
    const own = this.#names.get(this.#self) as Names;
    // Never past the bound every node accepts (2^52 changes: not reached in practice).
    const next: Names = { version: Math.min(own.version + 1, MAX_INCARNATION), names: new Set(names) };
    this.#replace(this.#self, next);
    this.#announce(this.#self, next);
  }

  // ---- the membership delegate -------------------------------------------------

  notify(updates: readonly NamesUpdate[]): void {
    for (const update of updates) this.#apply(update);
  }

  /** Everyone's names but those of dead and left members (which the peer would only hide or drop). */
  localState(): NamesUpdate[] {
    const out: NamesUpdate[] = [];
    for (const [id, { version, names }] of this.#names) {
      const member = this.#membership.member(id);
      if (member !== undefined && member.state !== "dead" && member.state !== "left") out.push([NAMES, id, version, [...names]]);
    }
    return out;
  }

  mergeRemoteState(state: readonly NamesUpdate[]): void {
    for (const update of state) this.#apply(update);
  }

  memberDown(id: string, state: "dead" | "left"): void {
    if (state === "left" && this.#names.has(id)) this.#replace(id, undefined);
  }

  memberForgotten(id: string): void {
    if (this.#names.has(id)) this.#replace(id, undefined);
  }

  /** Whoever wrote this node off as left also dropped its names: say them again. */
  refuted(): void {
    this.#announce(this.#self, this.#names.get(this.#self) as Names);
  }

  // ---- inside ------------------------------------------------------------------

  /** Another node's names, taken if newer than what is known, and passed on. */
  #apply([, id, version, names]: NamesUpdate): void {
    if (id === this.#self) return;
    const member = this.#membership.member(id);
    if (member === undefined || member.state === "left") return;
    const current = this.#names.get(id);
    if (current !== undefined && current.version >= version) return;
    this.#replace(id, { version, names: new Set(names) });
    this.#membership.broadcast(id, [NAMES, id, version, names]);
  }

  #announce(id: string, { version, names }: Names): void {
    this.#membership.broadcast(id, [NAMES, id, version, [...names]]);
  }

  #replace(id: string, next: Names | undefined): void {
    const previous = this.#names.get(id);
    if (previous !== undefined) {
      for (const name of previous.names) {
        const hosts = this.#hosts.get(name);
        hosts?.delete(id);
        if (hosts?.size === 0) this.#hosts.delete(name);
      }
    }
    if (next === undefined) {
      this.#names.delete(id);
    } else {
      this.#names.set(id, next);
      for (const name of next.names) {
        let hosts = this.#hosts.get(name);
        if (hosts === undefined) {
          hosts = new Set();
          this.#hosts.set(name, hosts);
        }
        hosts.add(id);
      }
    }
    this.#version++;
    for (const listener of this.#listeners) listener(id);
  }
}
