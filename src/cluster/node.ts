import type { GossipMessage } from "../wire/index.ts";
import { type MemberChange, Membership, type MembershipOptions } from "./membership.ts";
import { Registry, type RegistryEntry } from "./registry.ts";
import type { ClusterConfig, Member } from "./types.ts";

export type ClusterNodeOptions = Omit<MembershipOptions, "delegate">;

/**
 * A cluster node: SWIM membership (membership.ts) with the named-actor registry
 * (registry.ts) plugged in as its delegate. This is the API the actor system
 * uses; `membership` and `names` are the two parts, for whoever needs one alone.
 */
export class ClusterNode {
  readonly membership: Membership;
  readonly names: Registry;

  constructor(options: ClusterNodeOptions) {
    this.names = new Registry(options.id, {
      member: (id) => this.membership.member(id),
      broadcast: (key, update) => this.membership.broadcast(key, update),
    });
    this.membership = new Membership({ ...options, delegate: this.names });
  }

  get id(): string {
    return this.membership.id;
  }

  get addr(): string {
    return this.membership.addr;
  }

  get config(): ClusterConfig {
    return this.membership.config;
  }

  /**
   * The addresses to join through, again: a seed given by a name that resolves
   * to several addresses, or to new ones as pods come and go.
   */
  setSeeds(seeds: readonly string[]): void {
    this.membership.setSeeds(seeds);
  }

  /** Whether another member is alive: the node has joined a cluster (or been joined). */
  get hasPeers(): boolean {
    return this.membership.hasPeers;
  }

  /** Counts every change to members or names: a cache of lookups is good while it stays the same. */
  get version(): number {
    return this.membership.version + this.names.version;
  }

  members(): Member[] {
    return this.membership.members();
  }

  member(id: string): Member | undefined {
    return this.membership.member(id);
  }

  /**
   * Alive members (this one included) that host an actor named `name`; with
   * `withSuspects`, suspect ones too (placement that must not move on a
   * suspicion that may prove false).
   */
  hostsOf(name: string, withSuspects = false): Member[] {
    return this.names.hostsOf(name, withSuspects);
  }

  /** The named actors of every alive member that has any (this one included), as this node knows them. */
  registry(): RegistryEntry[] {
    return this.names.entries();
  }

  onMemberChange(listener: (change: MemberChange) => void): () => void {
    return this.membership.onMemberChange(listener);
  }

  /** Told the id of a node whose named actors changed. */
  onNamesChange(listener: (node: string) => void): () => void {
    return this.names.onChange(listener);
  }

  /** This node's named actors changed: spread the new set. */
  setLocalNames(names: Iterable<string>): void {
    this.names.setLocalNames(names);
  }

  start(): void {
    this.membership.start();
  }

  /** Stops taking part, without telling anyone (what a crash looks like to the others). */
  stop(): void {
    this.membership.stop();
  }

  /** Graceful leave: every member hears it now and forgets this node at once. */
  leave(): void {
    this.membership.leave();
  }

  receive(message: GossipMessage): void {
    this.membership.receive(message);
  }
}
