import {
  type Actor,
  type ActorClass,
  ActorError,
  type ActorRef,
  type CellPort,
  type Entity,
  clip,
  type Lane,
  type LocalRuntime,
  type Logger,
  type MessageTarget,
  type NetworkActor,
  routedRef,
} from "../actor/index.ts";
import type { ClusterNode, Member } from "../cluster/index.ts";
import { Activations, type KindCounts } from "./activations.ts";
import { checkKey, checkKind, ENTITY_PREFIX, entityTarget, parseEntityTarget } from "./address.ts";
import { EntityTarget } from "./entity-target.ts";
import { LazyActivation } from "./lazy-activation.ts";
import { Reminders } from "./reminders.ts";
import { rendezvousOwner } from "./rendezvous.ts";
import { StateBinding, type StatefulClass } from "./state-binding.ts";
import type { EntityStore, Reminder } from "../store/index.ts";
import { Codec } from "../wire/index.ts";

/** Picks the owner of a key among the members that host its kind; it must give the same answer on every node. */
export type EntityPlacement = (key: string, hosts: readonly Member[]) => Member;

export interface HostOptions {
  /** The kind's name (default: the class's `static kind`, else its name): what refs, `POST /entity/{kind}/{key}` and metrics call it. */
  kind?: string;
  /** An activation with no call for this long passivates (default 5 minutes). */
  passivateAfterMs?: number;
  /**
   * Activations of this kind on this node at most (default 100 000); past it
   * the least recently used passivates. A bound, since any caller can name new
   * keys: memory stays within it whatever they send.
   */
  maxActive?: number;
  /** Each activation's mailbox capacity (default the node's). */
  mailboxCapacity?: number;
  /** Where a key lives (default rendezvous hashing over the members that host the kind). */
  placement?: EntityPlacement;
}

export interface EntitiesOptions {
  nodeId: string;
  runtime: LocalRuntime;
  logger: Logger;
  /** The cluster, when this node is in one: who hosts which kind. */
  node: ClusterNode | undefined;
  /** The timeout of calls through entity refs. */
  lane: Lane;
  /** A target at the node at `addr` for a link call's `target` (an entity's address). */
  remote(addr: string, target: string): MessageTarget;
  /** The same for a call that arrived from the network and goes on to `addr`. */
  forward(addr: string, target: string): NetworkActor;
  /** Where entities keep their state and reminders; without one, state lives only in memory and reminders are refused. */
  store?: EntityStore;
  /** Encodes states (msgpack, the rules of messages); default a codec with the default limits. */
  codec?: Codec;
  /** How often reminders are read from the store (default 500 ms). */
  reminderPollMs?: number;
}

export const DEFAULT_PASSIVATE_AFTER_MS = 300_000;
export const DEFAULT_MAX_ACTIVE = 100_000;
/** What a node publishes in the registry for each kind it hosts, so that every member can place keys. */
const MARKER = "system/entities/";
/** A call forwarded once already by a node that was not the owner: its receiver does not forward it again. */
const FORWARDED = `${ENTITY_PREFIX}!`;

/** Where a call to (kind, key) goes now. */
type Owner = "here" | Member | undefined;

/**
 * The virtual actors of one node: the kinds it hosts with their activations,
 * refs to any (kind, key) in the cluster, and the way in for calls that
 * arrive from elsewhere. The owner of a key is a pure function of membership
 * (rendezvous hashing over the members that host the kind), so every node
 * agrees once membership does, with no coordinator; when it changes, this
 * node passivates what is no longer its own.
 */
export class Entities {
  readonly #options: EntitiesOptions;
  readonly #kinds = new Map<string, Activations>();
  readonly #placements = new Map<string, EntityPlacement>();
  readonly #hostsCache = new Map<string, Member[]>();
  #hostsVersion = -1;
  readonly #markerListeners = new Set<() => void>();
  /** The kind each class hosted here goes by, for refs made from the class. */
  readonly #classKinds = new Map<Function, string>();
  #rebalancing = false;
  readonly #reminders: Reminders | undefined;
  #codec: Codec | undefined;

  constructor(options: EntitiesOptions) {
    this.#options = options;
    const store = options.store;
    if (store !== undefined) {
      this.#reminders = new Reminders({
        store,
        logger: options.logger,
        kinds: () => [...this.#kinds.keys()],
        owns: (kind, key) => this.#owner(kind, key) === "here",
        fire: (reminder) => this.#fire(reminder),
        ...(options.reminderPollMs === undefined ? {} : { pollMs: options.reminderPollMs }),
      });
      this.#reminders.start();
    }
    const node = options.node;
    if (node !== undefined) {
      const later = () => this.#rebalanceSoon();
      node.onMemberChange(later);
      node.onNamesChange(later);
    }
  }

  /** Hosts `cls` as entity kind `options.kind` on this node; returns the kind. */
  host<T extends Actor>(cls: ActorClass<T, []>, options: HostOptions = {}): string {
    if (typeof cls !== "function") throw new ActorError("INVALID_OPTION", "host needs an entity class");
    const kind = checkKind(options.kind ?? kindOfClass(cls));
    if (this.#kinds.has(kind)) throw new ActorError("NAME_TAKEN", `entity kind "${kind}" is hosted here already`);
    const passivateAfterMs = positive(options.passivateAfterMs ?? DEFAULT_PASSIVATE_AFTER_MS, "passivateAfterMs");
    const maxActive = positive(options.maxActive ?? DEFAULT_MAX_ACTIVE, "maxActive");
    const { store, logger, lane } = this.#options;
    const codec = (this.#codec ??= this.#options.codec ?? new Codec());
    const stateful = cls as unknown as StatefulClass;
    const bind = (key: string, port: () => CellPort) =>
      new StateBinding(key, { kind, cls: stateful, store, codec, logger, lane, port, wake: (dueAt) => this.#reminders?.wake(dueAt) });
    this.#kinds.set(kind, new Activations({ kind, cls: cls as unknown as ActorClass<Actor, []>, passivateAfterMs, maxActive, mailboxCapacity: options.mailboxCapacity, bind }, this.#options.runtime, logger));
    if (options.placement !== undefined) this.#placements.set(kind, options.placement);
    this.#classKinds.set(cls, kind);
    for (const listener of this.#markerListeners) listener();
    return kind;
  }

  /** The registry names that say which kinds this node hosts. */
  markers(): string[] {
    return [...this.#kinds.keys()].map((kind) => MARKER + kind);
  }

  onMarkersChange(listener: () => void): () => void {
    this.#markerListeners.add(listener);
    return () => this.#markerListeners.delete(listener);
  }

  /** The kind a class goes by: the one it is hosted as here, else its `static kind`, else its name. */
  kindOf(cls: Function): string {
    return this.#classKinds.get(cls) ?? kindOfClass(cls);
  }

  /** A ref to entity (kind, key), wherever it lives; calls activate it. */
  ref<T>(kind: string, key: string): ActorRef<T> {
    checkKind(kind);
    checkKey(key);
    const remotes = new Map<string, MessageTarget>();
    // The owner is a function of the cluster's state: computed again only when that changes.
    let version = -1;
    let owner: Owner;
    const route = (): MessageTarget | ActorError => {
      const now = this.#options.node?.version ?? 0;
      if (now !== version || owner === undefined) {
        version = now;
        owner = this.#owner(kind, key);
      }
      if (owner === "here") return this.#here(kind, key);
      if (owner === undefined) return this.#noOwner(kind);
      let remote = remotes.get(owner.addr);
      if (remote === undefined) {
        remote = this.#options.remote(owner.addr, entityTarget(kind, key));
        remotes.set(owner.addr, remote);
      }
      return remote;
    };
    return routedRef(new EntityTarget(`${kind}/${key}`, route, this.#options.logger, this.#options.runtime.failures), this.#options.lane) as ActorRef<T>;
  }

  /**
   * What a call from the network to entity address `target` reaches: the
   * activation here when this node owns the key; else the owner, once (a node
   * whose view of the cluster differs forwards it on at most one more time,
   * marked, and answers ENTITY_MOVED rather than forward again). Undefined
   * when `target` is not an entity's address.
   */
  networkActor(target: string): NetworkActor | ActorError | undefined {
    const forwarded = target.startsWith(FORWARDED);
    const parsed = parseEntityTarget(forwarded ? ENTITY_PREFIX + target.slice(FORWARDED.length) : target);
    if (parsed === undefined || parsed instanceof ActorError) return parsed;
    const { kind, key } = parsed;
    const owner = this.#owner(kind, key);
    if (owner === "here") return new LazyActivation(this.#kinds.get(kind) as Activations, key);
    if (owner === undefined) return this.#noOwner(kind);
    if (forwarded) return new ActorError("ENTITY_MOVED", `entity ${kind}/${clip(key)} belongs to ${owner.addr} as this node sees the cluster, which is changing: retry`);
    return this.#options.forward(owner.addr, FORWARDED + target.slice(ENTITY_PREFIX.length));
  }

  /**
   * For a gateway: an entity address from outside the cluster (HTTP, a
   * client's link) as the network reaches it, from any node: the owner's node
   * serves it. Outside callers never carry the forwarded mark: a target with
   * one is a malformed kind, as `parseEntityTarget` says.
   */
  locate(target: string): NetworkActor | ActorError {
    const parsed = parseEntityTarget(target);
    if (parsed === undefined || parsed instanceof ActorError) return parsed ?? new ActorError("INVALID_NAME", "not an entity address");
    const { kind, key } = parsed;
    const owner = this.#owner(kind, key);
    if (owner === "here") return new LazyActivation(this.#kinds.get(kind) as Activations, key);
    if (owner === undefined) return this.#noOwner(kind);
    return this.#options.forward(owner.addr, target);
  }

  /** Why (kind, key) has no owner: no member hosts its kind, or this one does but is leaving the cluster. */
  #noOwner(kind: string): ActorError {
    const state = this.#options.node?.member(this.#options.nodeId)?.state;
    if (this.#kinds.has(kind) && (state === "left" || state === "dead")) return new ActorError("SHUTTING_DOWN", "this node is leaving the cluster, and no other member hosts the kind");
    return noHost(kind);
  }

  /** The activation of (kind, key) here, made if there is none; or why it cannot be (the node shuts down). */
  #here(kind: string, key: string): CellPort | ActorError {
    try {
      return (this.#kinds.get(kind) as Activations).port(key);
    } catch (error) {
      return ActorError.fromHandler(error, "SHUTTING_DOWN");
    }
  }

  /** The owner of (kind, key) as this node sees the cluster. */
  #owner(kind: string, key: string): Owner {
    const here = this.#kinds.has(kind);
    const node = this.#options.node;
    if (node === undefined) return here ? "here" : undefined;
    const hosts = this.#hostsOf(kind, node);
    if (hosts.length === 0) return undefined;
    const placement = this.#placements.get(kind);
    const owner = placement === undefined ? rendezvousOwner(kind, key, hosts) : placement(key, hosts);
    if (owner === undefined) return undefined;
    return owner.id === this.#options.nodeId ? (here ? "here" : undefined) : owner;
  }

  /** The alive and suspect members that host `kind`, this node included when it does; recomputed when the cluster changes. */
  #hostsOf(kind: string, node: ClusterNode): Member[] {
    // A new cluster state makes every cached list stale: the map holds the current state's only.
    if (this.#hostsVersion !== node.version) {
      this.#hostsCache.clear();
      this.#hostsVersion = node.version;
    }
    const cached = this.#hostsCache.get(kind);
    if (cached !== undefined) return cached;
    // Suspect members keep their keys: a suspicion may prove false, and moving on it would make a second activation.
    const hosts = node.hostsOf(MARKER + kind, true);
    const self = this.#kinds.has(kind) ? node.member(this.#options.nodeId) : undefined;
    // This node's own marker may not be in its registry yet: it hosts the kind all the same,
    // unless it is leaving (then its keys are the others' at once, and its activations passivate).
    const serving = self?.state === "alive" || self?.state === "suspect";
    if (self !== undefined && serving && !hosts.some((member) => member.id === self.id)) hosts.push(self);
    // Only kinds someone hosts are kept: a caller naming made-up kinds leaves nothing behind.
    if (hosts.length > 0) this.#hostsCache.set(kind, hosts);
    return hosts;
  }

  /** Once the burst of changes is over: passivate what this node no longer owns. */
  #rebalanceSoon(): void {
    if (this.#rebalancing) return;
    this.#rebalancing = true;
    queueMicrotask(() => {
      this.#rebalancing = false;
      this.rebalance();
    });
  }

  /** Passivates every activation whose key another member owns now. */
  rebalance(): void {
    for (const [kind, activations] of this.#kinds) activations.passivateMoved((key) => this.#owner(kind, key) !== "here");
  }

  /** Per kind hosted here: active activations, and what happened since start. */
  counts(): Record<string, KindCounts> {
    return Object.fromEntries([...this.#kinds].map(([kind, activations]) => [kind, activations.counts]));
  }

  /** The keys active here, per kind. */
  active(kind: string): string[] {
    return this.#kinds.get(kind)?.keys() ?? [];
  }

  /** The keys of `kind` with a saved state, in key order (for operators). */
  async keys(kind: string, limit: number, after?: string): Promise<string[]> {
    checkKind(kind);
    return this.#storeOr("listing keys").keys(kind, limit, after);
  }

  /**
   * Deletes (kind, key) for an operator: its activation here, if any, stops,
   * then its state and reminders go from the store. An activation on another
   * node finds out at its next save (ENTITY_MOVED) and starts over empty.
   */
  async delete(kind: string, key: string): Promise<void> {
    checkKind(kind);
    checkKey(key);
    const store = this.#storeOr("deleting keys");
    await this.#kinds.get(kind)?.passivate(key, "deleted");
    await store.delete(kind, key);
  }

  #storeOr(what: string): EntityStore {
    const store = this.#options.store;
    if (store === undefined) throw new ActorError("INVALID_OPTION", `${what} needs a store: this node runs entities without one`);
    return store;
  }

  /** A due reminder this node owns: the entity's `onReminder` runs as a turn of its activation (made if passive). */
  async #fire(reminder: Reminder): Promise<void> {
    const activations = this.#kinds.get(reminder.kind);
    if (activations === undefined) return;
    await activations.port(reminder.key).runTurn("reminder", (instance) => (instance as Entity<unknown>).onReminder(reminder.name, reminder.dueAt), this.#options.lane);
  }

  async close(): Promise<void> {
    await this.#reminders?.stop();
    await Promise.all([...this.#kinds.values()].map((activations) => activations.close()));
  }
}

function kindOfClass(cls: Function): string {
  const declared = (cls as { kind?: unknown }).kind;
  return typeof declared === "string" ? declared : cls.name;
}

function noHost(kind: string): ActorError {
  return new ActorError("ACTOR_NOT_FOUND", `no member of the cluster hosts entity kind "${clip(kind, 64)}"`);
}

function positive(value: number, label: string): number {
  if (typeof value !== "number" || !(value > 0)) throw new ActorError("INVALID_OPTION", `${label} must be a positive number`);
  return value;
}
