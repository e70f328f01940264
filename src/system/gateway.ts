import { ActorError, type Cancellable, clip, isStream, type Lane, type LocalRuntime, type Logger, nameProblem, type NetworkActor, type NetworkSink, type Served } from "../actor/index.ts";
import { type ClusterNode, isPolicyName, type Member, type Policy, type PolicyContext, type PolicyName, POLICY_NAMES, policyOf } from "../cluster/index.ts";
import { ForwardedActor, formatAddr, type LimitTrips, type Links, parseAddr, type RouteHints, type TransportLimits } from "../transport/index.ts";
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
  /** Whether `exists` holds within `timeoutMs`, asked again whenever names or members change. */
  appears(exists: () => boolean, timeoutMs: number): Promise<boolean>;
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
  /** One policy of each kind for the node: round robin spreads a name's calls across its hosts. */
  readonly #policies = new Map<PolicyName, Policy>();
  readonly #context: PolicyContext;
  #waiting = 0;

  constructor(options: GatewayOptions) {
    this.#options = options;
    this.#context = { key: undefined, load: (member) => options.links.inFlightTo(member.addr) };
  }

  /** The actor a call from outside reaches, or the coded reason there is none. */
  locate(name: string, hints: RouteHints): NetworkActor | ActorError {
    // The common call, first and cheapest: an instance here, and no option that could send it elsewhere (or need checking).
    if (hints.node === undefined && hints.policy === undefined) {
      const here = this.#options.local.networkActor(name);
      if (here !== undefined) return here;
    }
    const problem = nameProblem(name);
    if (problem !== undefined) return new ActorError("INVALID_NAME", problem);
    const policyName = hints.policy ?? "round-robin";
    if (!isPolicyName(policyName)) return new ActorError("INVALID_OPTION", `policy must be one of ${POLICY_NAMES.join(", ")}, got ${clip(policyName, 32)}`);
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
    const later = this.#options.appears(() => find() !== undefined, waitMs).then(() => find() ?? notFound(name));
    void later.finally(() => this.#waiting--);
    return new AwaitedActor(later, name, this.#options.logger);
  }

  #find(name: string, hints: RouteHints, policyName: PolicyName): Found {
    if (hints.node !== undefined) return this.#pinned(name, hints.node);
    const { local, node, nodeId } = this.#options;
    const here = local.networkActor(name);
    const others = node.hostsOf(name).filter((member) => member.id !== nodeId);
    const context = hints.key === undefined ? this.#context : { ...this.#context, key: hints.key };
    const self = here === undefined ? undefined : node.member(nodeId);
    const choice = chooseHost(self, others, this.#policy(policyName), context, policyName === "consistent-hash");
    if (choice === "here") return here;
    return choice === undefined ? undefined : this.#forward(name, choice);
  }

  /** A call pinned to one node: this one, or an alive member by id or address. */
  #pinned(name: string, pin: string): NetworkActor | ActorError {
    const { local, node, nodeId } = this.#options;
    const addr = normalAddr(pin);
    const member = node.members().find((candidate) => candidate.id === pin || candidate.addr === addr);
    if (member === undefined || member.state !== "alive") return new ActorError("NODE_UNREACHABLE", `no alive member "${clip(pin, 64)}" in the cluster`);
    if (member.id !== nodeId) return this.#forward(name, member);
    return local.networkActor(name) ?? new ActorError("ACTOR_NOT_FOUND", `no actor named "${clip(name)}" on node ${nodeId}`);
  }

  #forward(name: string, member: Member): NetworkActor {
    return new ForwardedActor(name, this.#options.links.to(member.addr), this.#options.defaultLane);
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

  constructor(found: Promise<NetworkActor | ActorError>, name: string, logger: Logger) {
    this.#found = found;
    this.#name = name;
    this.#logger = logger;
  }

  get hasRoom(): boolean {
    return true;
  }

  whenRoom(): () => void {
    return () => {};
  }

  serve(type: unknown, payload: unknown, sink: NetworkSink, tag: number, timeout: Lane | undefined, cost: number): Served {
    let cancelled = false;
    let inner: Cancellable | undefined;
    void this.#found.then((ref) => {
      if (cancelled) return;
      if (ref instanceof ActorError) return sink.reject(ref, tag);
      try {
        const served = ref.serve(type, payload, sink, tag, timeout, cost);
        if (isStream(served)) sink.stream(served, tag);
        else inner = served;
      } catch (error) {
        sink.reject(error, tag);
      }
    });
    return {
      tag,
      cancel() {
        cancelled = true;
        inner?.cancel();
      },
    };
  }

  offer(type: unknown, payload: unknown, cost: number): ActorError | undefined {
    void this.#found.then((ref) => {
      const refusal = ref instanceof ActorError ? ref : ref.offer(type, payload, cost);
      if (refusal !== undefined) this.#logger.warn("dead letter", { actor: clip(this.#name), message: clip(String(type)), why: clip(refusal.message) });
    });
    return undefined;
  }
}
