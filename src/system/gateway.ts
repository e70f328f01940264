import { ActorError, type Cancellable, clip, type FailureCounts, isStream, type Lane, type LocalRuntime, type Logger, nameProblem, type NetworkActor, type NetworkSink, type Served } from "../actor/index.ts";
import { type ClusterNode, isPolicyName, type Member, type Policy, type PolicyContext, type PolicyName, POLICY_NAMES, policyOf } from "../cluster/index.ts";
import { ForwardedActor, type ForwardSlots, formatAddr, type LimitTrips, type Links, parseAddr, type RouteHints, type TransportLimits } from "../transport/index.ts";
import { ENTITY_PREFIX } from "../entity/index.ts";
import type { TraceContext } from "../trace/index.ts";
import { chooseHost } from "./host-choice.ts";

export interface GatewayOptions {
  nodeId: string;
  local: LocalRuntime;
  node: ClusterNode;
  links: Links;
  limits: TransportLimits;
  trips: LimitTrips;
  logger: Logger;
  /** The timeout of a forwarded call that names none: the node's ask timeout. */
  defaultLane: Lane;
  /** An entity's address (`#kind/key`) as the network reaches it: its owner's activation, forwarded when that is another node. */
  entity(target: string): NetworkActor | ActorError;
  /** Whether `exists` holds within `timeoutMs`, asked again whenever names or members change; false at once when `signal` aborts. */
  appears(exists: () => boolean, timeoutMs: number, signal: AbortSignal): Promise<boolean>;
}

/** Where a call goes now, or undefined when no instance of the name is known. */
type Found = NetworkActor | ActorError | undefined;

/**
 * The way in for callers outside the cluster (HTTP clients, out-of-cluster
 * clients): any node answers for an actor on any node. A call goes to a local
 * instance first, else over the link to a member that hosts the name, chosen
 * by the policy the caller names (as `resolve` does in process), or to the
 * node the caller pins; it may wait a while for the name to appear.
 */
export class Gateway {
  readonly #options: GatewayOptions;
  /** One policy of each kind for the node, but round robin, which keeps a counter per name (see #roundRobin). */
  readonly #policies = new Map<PolicyName, Policy>();
  /** Round-robin counters, a name's by its hash: bounded, however many names come and go. */
  readonly #turns = new Uint32Array(ROUND_ROBIN_SLOTS);
  /** Forward slots taken, by member address (members are few). */
  readonly #forwarding = new Map<string, number>();
  readonly #context: PolicyContext;
  #waiting = 0;

  constructor(options: GatewayOptions) {
    this.#options = options;
    this.#context = { key: undefined, load: (member) => options.links.inFlightTo(member.addr) };
  }

  /** The actor a call from outside reaches, or the coded reason there is none. */
  locate(name: string, hints: RouteHints): NetworkActor | ActorError {
    if (name.startsWith(ENTITY_PREFIX)) return this.#options.entity(name);
    // The common call, first and cheapest: an instance here, and no option that could send it elsewhere (or need checking).
    if (hints.node === undefined && hints.policy === undefined && hints.key === undefined) {
      const here = this.#options.local.networkActor(name);
      if (here !== undefined) return here;
    }
    const problem = nameProblem(name);
    if (problem !== undefined) return new ActorError("INVALID_NAME", problem);
    // A key alone asks for consistent hashing; consistent hashing needs one.
    const policyName = hints.policy ?? (hints.key === undefined ? "round-robin" : "consistent-hash");
    if (!isPolicyName(policyName)) return new ActorError("INVALID_OPTION", `policy must be one of ${POLICY_NAMES.join(", ")}, got ${clip(policyName, 32)}`);
    if (policyName === "consistent-hash" && hints.key === undefined) return new ActorError("INVALID_OPTION", "policy consistent-hash needs a key (x-policy-key, or key=)");
    const find = () => this.#find(name, hints, policyName);
    const found = find();
    if (found !== undefined) return found;
    const waitMs = Math.min(hints.waitMs ?? 0, this.#options.limits.maxCallTimeoutMs);
    if (waitMs <= 0) return notFound(name);
    if (this.#waiting >= this.#options.limits.maxNameWaits) {
      this.#options.trips.name_waits++;
      return new ActorError("TOO_MANY_CALLS", `${this.#waiting} calls wait for names to appear on this node already`);
    }
    this.#waiting++;
    const stop = new AbortController();
    const later = this.#options.appears(() => find() !== undefined, waitMs, stop.signal).then(() => find() ?? notFound(name));
    void later.finally(() => this.#waiting--);
    return new AwaitedActor(later, name, this.#options.logger, this.#options.local.failures, () => stop.abort());
  }

  #find(name: string, hints: RouteHints, policyName: PolicyName): Found {
    if (hints.node !== undefined) return this.#pinned(name, hints.node);
    const { local, node, nodeId } = this.#options;
    const here = local.networkActor(name);
    const others = node.hostsOf(name).filter((member) => member.id !== nodeId);
    const context = hints.key === undefined ? this.#context : { ...this.#context, key: hints.key };
    const self = here === undefined ? undefined : node.member(nodeId);
    const policy = policyName === "round-robin" ? this.#roundRobin(name) : this.#policy(policyName);
    const choice = chooseHost(self, others, policy, context, policyName === "consistent-hash");
    if (choice === "here") return here;
    return choice === undefined ? undefined : this.#forward(name, choice);
  }

  /** A call pinned to one node: this one, or an alive member by id or address (as the member gives it). */
  #pinned(name: string, pin: string): NetworkActor | ActorError {
    const { local, node, nodeId } = this.#options;
    const addr = normalAddr(pin);
    const member = node.members().find((candidate) => candidate.id === pin || candidate.addr === addr);
    if (member === undefined || member.state !== "alive") return new ActorError("NODE_UNREACHABLE", `no alive member "${clip(pin, 64)}" in the cluster`);
    if (member.id !== nodeId) return this.#forward(name, member);
    return local.networkActor(name) ?? new ActorError("ACTOR_NOT_FOUND", `no actor named "${clip(name)}" on node ${nodeId}`);
  }

  #forward(name: string, member: Member): NetworkActor {
    return this.forward(member.addr, name);
  }

  /** A call from outside the cluster on its way to `target` on the member at `addr`: one of that member's forward slots. */
  forward(addr: string, target: string): NetworkActor {
    const { links, defaultLane } = this.#options;
    return new ForwardedActor(target, links.to(addr), defaultLane, this.#slotsFor(addr));
  }

  /** The forward slots of the member at `addr`: `maxForwardedPerMember` of them. */
  #slotsFor(addr: string): ForwardSlots {
    const { limits, trips } = this.#options;
    const forwarding = this.#forwarding;
    return {
      take: () => {
        const taken = forwarding.get(addr) ?? 0;
        if (taken >= limits.maxForwardedPerMember) {
          trips.forwarded_per_member++;
          return false;
        }
        forwarding.set(addr, taken + 1);
        return true;
      },
      give: () => {
        const left = (forwarding.get(addr) ?? 1) - 1;
        if (left <= 0) forwarding.delete(addr);
        else forwarding.set(addr, left);
      },
    };
  }

  /** Round robin over a name's hosts, with the counter of the name's slot: calls to two names do not share a rotation. */
  #roundRobin(name: string): Policy {
    const turns = this.#turns;
    const slot = hashOf(name) % ROUND_ROBIN_SLOTS;
    return (hosts) => hosts[(turns[slot] = (turns[slot] as number) + 1) % hosts.length] as Member;
  }

  #policy(name: PolicyName): Policy {
    let policy = this.#policies.get(name);
    if (policy === undefined) {
      policy = policyOf(name);
      this.#policies.set(name, policy);
    }
    return policy;
  }
}

const ROUND_ROBIN_SLOTS = 1024;

/** FNV-1a of a name, for its round-robin slot. */
function hashOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function notFound(name: string): ActorError {
  return new ActorError("ACTOR_NOT_FOUND", `no actor named "${clip(name)}" in the cluster`);
}

/** `host:port` as members write it, or the text itself when it is not an address. */
function normalAddr(text: string): string {
  try {
    return formatAddr(parseAddr(text));
  } catch {
    return text;
  }
}

/**
 * An actor that is not there yet: calls wait for it (up to the caller's wait),
 * then go where it appeared, or fail with ACTOR_NOT_FOUND.
 */
class AwaitedActor implements NetworkActor {
  readonly #found: Promise<NetworkActor | ActorError>;
  readonly #name: string;
  readonly #logger: Logger;
  /** Where the tells it could not deliver are counted. */
  readonly #failures: FailureCounts;
  /** Ends the wait: its caller went away, so its slot among the waits is free at once. */
  readonly #stopWaiting: () => void;

  constructor(found: Promise<NetworkActor | ActorError>, name: string, logger: Logger, failures: FailureCounts, stopWaiting: () => void) {
    this.#found = found;
    this.#name = name;
    this.#logger = logger;
    this.#failures = failures;
    this.#stopWaiting = stopWaiting;
  }

  get hasRoom(): boolean {
    return true;
  }

  whenRoom(): () => void {
    return () => {};
  }

  serve(type: unknown, payload: unknown, sink: NetworkSink, tag: number, timeout: Lane | undefined, cost: number, parent?: TraceContext): Served {
    let cancelled = false;
    let inner: Cancellable | undefined;
    void this.#found.then((ref) => {
      if (cancelled) return;
      if (ref instanceof ActorError) return sink.reject(ref, tag);
      try {
        const served = ref.serve(type, payload, sink, tag, timeout, cost, parent);
        if (isStream(served)) sink.stream(served, tag);
        else inner = served;
      } catch (error) {
        sink.reject(error, tag);
      }
    });
    const stopWaiting = this.#stopWaiting;
    return {
      tag,
      cancel() {
        cancelled = true;
        stopWaiting();
        inner?.cancel();
      },
    };
  }

  offer(type: unknown, payload: unknown, cost: number, parent?: TraceContext): ActorError | undefined {
    void this.#found.then((ref) => {
      const refusal = ref instanceof ActorError ? ref : ref.offer(type, payload, cost, parent);
      if (refusal === undefined) return;
      this.#failures.deadLetters++;
      this.#logger.warn("dead letter", { actor: clip(this.#name), message: clip(String(type)), why: clip(refusal.message) });
    });
    return undefined;
  }
}
