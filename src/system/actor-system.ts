import {
  type Actor,
  type ActorClass,
  ActorError,
  type ActorRef,
  type ActorSystemApi,
  type ActorTarget,
  checkTimeout,
  deadlines,
  clip,
  LocalRuntime,
  type Logger,
  type MessageTarget,
  routedRef,
  nameProblem,
  type SpawnArgs,
  type StopEvent,
} from "../actor/index.ts";
import { type ClusterConfig, ClusterNode, type Member, type Policy, type PolicyName, policyOf } from "../cluster/index.ts";
import {
  ClusterAuth,
  DEFAULT_TRANSPORT_LIMITS,
  formatAddr,
  type HostPort,
  newLimitTrips,
  GossipSender,
  type Link,
  LinkTarget,
  Links,
  bindServer,
  type BoundServer,
  nodeRoutes,
  parseAddr,
  type LimitTrips,
  type TlsOptions,
  problem,
  type RouteHints,
  type TransportLimits,
} from "../transport/index.ts";
import { Codec, type WireLimits } from "../wire/index.ts";
import { ENTITY_PREFIX, Entities, type HostOptions, type KindCounts } from "../entity/index.ts";
import type { EntityStore } from "../store/index.ts";
import { ClusterTarget } from "./cluster-target.ts";
import { entityAdminRoutes } from "./entity-admin.ts";
import { Gateway } from "./gateway.ts";
import { chooseHost } from "./host-choice.ts";
import { ClusterView } from "./cluster-view.ts";
import { exposure } from "./exposure.ts";
import type { NodeExtension, NodeView } from "./node-view.ts";
import { nodeMeasures } from "./node-measures.ts";
import { Seeds } from "./seeds.ts";
import { realClock } from "./real-clock.ts";
import { RemoteSpawn, type RemoteSpawnOptions } from "./remote-spawn.ts";
import { type Placement, Placements } from "./spawn-placement.ts";
import { Spawnables } from "./spawnables.ts";
import { startSpawner } from "./spawner.ts";
import { recentSpans, tracing } from "../trace/index.ts";

export interface ActorSystemOptions {
  /** `host:port` to serve on (port 0 picks a free one; `0.0.0.0` or `[::]` with `advertise`). A system with an address is a cluster node; without, it is in-process only (it can still call other nodes). */
  addr?: string;
  /**
   * `host:port` other members dial to reach this node, when it is not `addr`:
   * behind address translation (a container, a VM), or when binding every
   * interface. The host may be a name. Port 0 means the port bound.
   */
  advertise?: string;
  /** Nodes to join the cluster through (`host:port`, host names allowed). Down ones and this node's own address are fine; none starts a new cluster. */
  seeds?: readonly string[];
  /** Default timeout of every ask and stream step, in ms (default 30 000). */
  askTimeoutMs?: number;
  /** Default mailbox capacity of spawned actors (default 256). */
  mailboxCapacity?: number;
  /** How long stopping an actor waits for its running turn and for each hook, in ms (default 5 000). */
  stopTimeoutMs?: number;
  /** Limits on what the network can make this node hold: message size and depth, calls per peer, links, timeouts. docs/security.md lists each. */
  limits?: Partial<NodeLimits>;
  /**
   * Serve on a non-loopback address without a `secret`: anyone who reaches the
   * port is then a peer. Refused unless this says so (docs/security.md).
   */
  insecure?: boolean;
  /**
   * The cluster's shared secret (16+ characters): links and gossip are signed with
   * it (HMAC-SHA256, a time window and a nonce against replay), and a node
   * without it cannot join, gossip or open a link. See docs/security.md.
   */
  secret?: string;
  /** A bearer token that `POST /actor/{name}` requires (`Authorization: Bearer …`). */
  apiToken?: string;
  /** Serve and dial with TLS; with a `ca`, mutual TLS between nodes (PEM strings). See docs/security.md. */
  tls?: TlsOptions;
  /** Tuning of the cluster protocol; see docs/cluster.md. */
  cluster?: Partial<ClusterConfig>;
  /** Where log lines go; by default JSON lines on stderr, warnings and up. */
  logger?: Logger;
  /**
   * Where entities keep their durable state and reminders (docs/entities.md).
   * Without one, entity state lives in memory only and reminders are refused.
   * The node closes it at shutdown.
   */
  store?: EntityStore;
}

/** Every limit a node has: the codec's, the transport's, and what actors may hold for the network. */
export type NodeLimits = WireLimits & TransportLimits & { maxQueuedBytesPerActor: number };

/** The fields of `values` that are set: an option left out keeps its default. */
function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}

export interface ResolveOptions {
  /** Wait this long for an instance to appear (default 0: answer from what is known now). */
  timeoutMs?: number;
  /** Which instance a call goes to when the name has several and none is local (default round robin). */
  policy?: PolicyName | Policy;
  /** For `consistent-hash`: calls with one key go to one instance while it lives. */
  key?: string;
}


/**
 * The composition root: one per node. It holds the local actors, serves them
 * over HTTP and links when given an address, takes part in the gossip cluster,
 * and hands out refs to actors anywhere in it.
 */
/** How long a leaving node waits for its goodbye (LEFT) to reach the others. */
const GOODBYE_MS = 1_000;

/** Routes every node serves besides its own (ActorSystem.extend). */
const EXTENSIONS: NodeExtension[] = [];

/** Everything a node is built from, checked: what `start` makes of its options. */
interface NodeConfig {
  nodeId: string;
  runtime: ActorSystemOptions & { maxQueuedBytesPerActor?: number };
  codec: Codec;
  limits: TransportLimits;
  trips: LimitTrips;
  auth: ClusterAuth | undefined;
  tls: TlsOptions | undefined;
  apiToken: string | undefined;
  advertise: HostPort | undefined;
  seeds: readonly string[];
  cluster: Partial<ClusterConfig> | undefined;
  warnings: string[];
  store: EntityStore | undefined;
}

/** Checks the options and derives what they imply; throws INVALID_OPTION saying what is wrong. */
function nodeConfig(options: ActorSystemOptions): NodeConfig {
  const { maxMessageBytes, maxDepth, maxDecodedBytes, maxQueuedBytesPerActor, ...transportLimits } = options.limits ?? {};
  for (const seed of options.seeds ?? []) parseAddr(seed); // a bad seed is an error now, not a silent miss later
  const auth = options.secret === undefined ? undefined : new ClusterAuth(options.secret);
  if (options.apiToken !== undefined && (typeof options.apiToken !== "string" || !/^[A-Za-z0-9._~+/-]{8,}=*$/.test(options.apiToken))) {
    // What a bearer token may hold (RFC 6750), so that a client can send it as it is.
    throw new ActorError("INVALID_OPTION", "apiToken must be at least 8 characters of A-Z a-z 0-9 . _ ~ + / - (then = padding)");
  }
  const tls = options.tls;
  if (tls !== undefined && (typeof tls.cert !== "string" || typeof tls.key !== "string")) throw new ActorError("INVALID_OPTION", "tls needs cert and key (PEM)");
  const advertise = options.advertise === undefined ? undefined : parseAddr(options.advertise);
  const warnings = options.addr === undefined ? [] : exposure(parseAddr(options.addr).hostname, advertise?.hostname, auth !== undefined, options.insecure === true).warnings;
  return {
    nodeId: crypto.randomUUID(),
    runtime: { ...options, ...(maxQueuedBytesPerActor === undefined ? {} : { maxQueuedBytesPerActor }) },
    codec: new Codec(definedOnly({ maxMessageBytes, maxDepth, maxDecodedBytes })),
    limits: { ...DEFAULT_TRANSPORT_LIMITS, ...transportLimits },
    trips: newLimitTrips(),
    auth,
    tls,
    apiToken: options.apiToken,
    advertise,
    seeds: options.seeds ?? [],
    cluster: options.cluster,
    warnings,
    store: options.store,
  };
}

export class ActorSystem implements ActorSystemApi {
  /** This node's identity: new at every start, so a restarted node is a new member. */
  readonly nodeId: string;
  /** The cluster as this node sees it. */
  readonly cluster: ClusterView;
  readonly #local: LocalRuntime;
  readonly #links: Links;
  readonly #server: BoundServer | undefined;
  readonly #node: ClusterNode | undefined;
  readonly #gossip: GossipSender | undefined;
  readonly #gateway: Gateway | undefined;
  #entities!: Entities;
  readonly #store: EntityStore | undefined;
  readonly #seeds: Seeds | undefined;
  readonly #spawnables: Spawnables;
  readonly #remoteSpawn: RemoteSpawn;
  /** The spawner starting (a node with an address): `start` resolves once it runs. */
  readonly #spawnerUp: Promise<unknown> | undefined;
  readonly #codec: Codec;
  readonly #trips: LimitTrips;
  readonly #warnings: string[];
  readonly #startedAt: number;
  readonly #askListeners: ((seconds: number) => void)[] = [];
  /** Cluster messages this node's gossip route took, for metrics. */
  readonly #gossipReceived = { messages: 0, bytes: 0 };
  /** Whether this node has had a live peer: it is part of a cluster (for readiness). */
  #joined = false;
  #shutdown: Promise<void> | undefined;

  /** Routes every node started afterwards also serves (the public index adds the operator's: metrics, dashboard). */
  static extend(extension: NodeExtension): void {
    EXTENSIONS.push(extension);
  }

  /** Builds a node in order: the runtime, the links, and with a bound port the cluster, then its routes. */
  private constructor(config: NodeConfig, server: BoundServer | undefined) {
    const { nodeId, codec, auth, tls } = config;
    this.nodeId = nodeId;
    this.#startedAt = Date.now();
    this.#codec = codec;
    this.#store = config.store;
    this.#trips = config.trips;
    this.#warnings = config.warnings;
    this.#local = new LocalRuntime(config.runtime, this);
    const local = this.#local;
    this.#server = server;
    this.#spawnables = new Spawnables({ nodeId, addr: server?.addr, local, limit: config.limits.maxRemoteSpawns, trips: config.trips });
    this.#links = new Links({
      nodeId,
      addr: server?.addr,
      codec,
      logger: local.logger,
      limits: config.limits,
      trips: config.trips,
      failures: local.failures,
      lookup: (name) => (name.startsWith(ENTITY_PREFIX) ? this.#entities.networkActor(name) : local.networkActor(name)),
      ...(server === undefined ? {} : { gateway: (name: string, hints: RouteHints) => (this.#gateway as Gateway).locate(name, hints) }),
      ...(auth === undefined ? {} : { auth }),
      ...(tls === undefined ? {} : { tls }),
    });
    if (server !== undefined) {
      const gossip = new GossipSender(codec, local.logger, { auth, tls });
      this.#gossip = gossip;
      const node = new ClusterNode({ id: nodeId, addr: server.addr, clock: realClock, network: gossip, config: config.cluster });
      this.#node = node;
      this.#gateway = new Gateway({
        nodeId,
        local,
        node,
        links: this.#links,
        limits: config.limits,
        trips: config.trips,
        logger: local.logger,
        defaultLane: deadlines.lane(local.askTimeoutMs),
        appears: (exists, timeoutMs, signal) => this.#appears(exists, timeoutMs, signal),
        entity: (target) => this.#entities.locate(target),
      });
      // Seeds given by name are resolved to every address they have, and again while the node is alone.
      this.#seeds = new Seeds({
        given: config.seeds,
        logger: local.logger,
        hasPeers: () => node.hasPeers,
        changed: (addresses) => {
          node.setSeeds(addresses);
          gossip.setSeeds(addresses);
        },
      });
      this.#entities = this.#newEntities(node);
      this.#spawnerUp = startSpawner(local, this.#spawnables);
      server.serve(this.#routes(config, server, node));
      this.#joinCluster(node);
      void this.#seeds.start();
      for (const warning of config.warnings) local.logger.warn("insecure node", { warning });
    }
    this.#entities ??= this.#newEntities(undefined);
    this.cluster = new ClusterView(this.#node);
    const placements = new Placements({ nodeId, addr: server?.addr, node: this.#node, allowsHere: (name) => this.#spawnables.allows(name) });
    this.#remoteSpawn = new RemoteSpawn({ placements, spawnables: this.#spawnables, remote: (addr, name) => this.remote(addr, name) });
  }

  #newEntities(node: ClusterNode | undefined): Entities {
    return new Entities({
      nodeId: this.nodeId,
      runtime: this.#local,
      logger: this.#local.logger,
      node,
      lane: deadlines.lane(this.#local.askTimeoutMs),
      remote: (addr, target) => this.#linkTarget(target, addr),
      forward: (addr, target) => (this.#gateway as Gateway).forward(addr, target),
      codec: this.#codec,
      ...(this.#store === undefined ? {} : { store: this.#store }),
    });
  }

  /** What this node serves: the node's own routes, the cluster's views, and every extension's. */
  #routes(config: NodeConfig, server: BoundServer, node: ClusterNode) {
    const local = this.#local;
    const view = this.#view();
    return nodeRoutes({
      addr: server.addr,
      nodeId: this.nodeId,
      codec: config.codec,
      limits: config.limits,
      trips: config.trips,
      logger: local.logger,
      links: this.#links,
      ...(config.auth === undefined ? {} : { auth: config.auth }),
      ...(config.apiToken === undefined ? {} : { apiToken: config.apiToken }),
      health: () => (config.warnings.length === 0 ? {} : { warnings: config.warnings }),
      locate: (name, hints) => (this.#gateway as Gateway).locate(name, hints),
      shuttingDown: () => this.#shutdown !== undefined,
      notReady: () => this.#notReady(),
      gossip: (message) => node.receive(message),
      gossipReceived: this.#gossipReceived,
      observeAsk: (seconds) => {
        for (const listener of this.#askListeners) listener(seconds);
      },
      routes: (app) => {
        app.get("/cluster/members", (c) => c.json(view.members()));
        app.get("/actors", (c) => c.json({ node: this.nodeId, addr: view.addr, local: view.actors(), registry: view.registry() }));
        entityAdminRoutes(app, this.#entities, (error) => problem(error));
        for (const extension of EXTENSIONS) extension(app, view);
      },
    });
  }

  /** What the operator's routes read of this node. */
  #view(): NodeView {
    const local = this.#local;
    // The links open now, followed as they open and close: the dashboard draws them.
    const open = new Set<Link>();
    this.#links.onChange((link) => void (link.isOpen ? open.add(link) : open.delete(link)));
    return {
      nodeId: this.nodeId,
      addr: this.addr,
      startedAt: this.#startedAt,
      members: () => this.cluster.members(),
      registry: () => this.cluster.registry(),
      actors: () => local.list(),
      counts: () => ({ ...local.counts }),
      mailboxDepth: () => local.mailboxDepth(),
      linksUp: () => this.linksUp,
      linkTraffic: () => ({ ...this.#links.traffic }),
      gossipSent: () => this.gossipSent,
      limitTrips: () => ({ ...this.#trips, ...this.#codec.refused }),
      warnings: () => this.#warnings,
      entities: () => this.entities(),
      measures: nodeMeasures(local, this.#links, this.#gossipReceived),
      openLinks: () => [...open].map((link) => ({ addr: link.peerAddr, node: link.peerId, dialled: link.dialled, inFlight: link.inFlight })),
      recentFailures: () => local.recent.snapshot(),
      // Refreshed here too: an SDK registered after start is noticed by the dashboard before any call from outside.
      traces: () => ({ on: tracing.refresh(), spans: recentSpans.list() }),
      onAskServed: (listener) => {
        this.#askListeners.push(listener);
      },
    };
  }

  static async start(options: ActorSystemOptions = {}): Promise<ActorSystem> {
    // Register an OpenTelemetry SDK before this, and local calls trace from the start (calls from the network refresh it too).
    tracing.refresh();
    const config = nodeConfig(options);
    if (options.addr === undefined) return new ActorSystem(config, undefined);
    const listen = parseAddr(options.addr);
    const server = bindServer({
      ...listen,
      ...(config.advertise === undefined ? {} : { advertise: config.advertise }),
      ...(config.tls === undefined ? {} : { tls: config.tls }),
      codec: config.codec,
      limits: config.limits,
    });
    const system = new ActorSystem(config, server);
    await system.#spawnerUp;
    return system;
  }

  #joinCluster(node: ClusterNode): void {
    const local = this.#local;
    let pending = false;
    // A burst of spawns is one registry update: the names are read once the burst is over.
    // The classes others may spawn here are published with them (system/spawnable/<Class>).
    const publish = () => {
      if (pending) return;
      pending = true;
      queueMicrotask(() => {
        pending = false;
        node.setLocalNames([...local.names(), ...this.#spawnables.markers(), ...this.#entities.markers()]);
      });
    };
    local.onNamesChange(publish);
    this.#spawnables.onChange(publish);
    this.#entities.onMarkersChange(publish);
    node.onMemberChange(({ member, previous }) => {
      if (!this.#joined && member.id !== this.nodeId && member.state === "alive") {
        this.#joined = true;
        local.logger.info("joined cluster", { through: member.addr, members: node.members().length });
      }
      if (member.state === "dead") {
        // Whatever is in flight to it fails now, not at its timeout. (A member that
        // leaves closes its links itself, once it has answered what it still could.)
        this.#links.closeTo(member.addr, member.id, "member dead");
      }
      if (member.id !== this.nodeId && previous !== member.state) {
        const level = member.state === "alive" ? "info" : "warn";
        local.logger[level]("member state", { member: member.id, addr: member.addr, state: member.state, previous: previous ?? "new" });
      }
    });
    node.start();
  }

  /**
   * Why this node should not be sent traffic yet (`GET /ready` answers 503 with
   * it), or undefined when it is ready: it serves and, given seeds, has joined.
   */
  #notReady(): string | undefined {
    if (this.#shutdown !== undefined) return "shutting down";
    const seeds = this.#seeds;
    if (seeds === undefined || this.#joined || seeds.given.length === 0) return undefined;
    return `not joined yet: no answer from the seeds (${seeds.addresses.join(", ") || seeds.given.join(", ")})`;
  }

  /** The `host:port` this node serves on, or undefined when it does not listen. */
  get addr(): string | undefined {
    return this.#server?.addr;
  }

  /** Open links to other nodes (a link serves calls both ways). */
  get linksUp(): number {
    return this.#links.size;
  }

  /** Cluster protocol this node has sent (probes, gossip, syncs): messages, and their bytes without HTTP headers. */
  get gossipSent(): { messages: number; bytes: number } {
    return { messages: this.#gossip?.messagesSent ?? 0, bytes: this.#gossip?.bytesSent ?? 0 };
  }

  get logger(): Logger {
    return this.#local.logger;
  }

  spawn<T extends Actor, A extends unknown[]>(cls: ActorClass<T, A>, ...options: SpawnArgs<A>): Promise<ActorRef<T>> {
    return this.#local.spawn(cls, ...options);
  }

  /**
   * Lets other nodes (and clients through the gateway) spawn these classes on
   * this node, by class name: `spawnOn`, or the spawner at `system/spawner`.
   * Published in the registry; a different class under a taken name is refused.
   */
  allowSpawn(...classes: ActorClass<Actor, never[]>[]): void {
    this.#spawnables.allow(classes);
  }

  /**
   * Spawns an actor of a class some member allows (`allowSpawn`) on the member
   * `placement` names: a node id or `host:port` (this node's too), `"random"`
   * or `"least-actors"` (fewest named actors) among those that allow it.
   * Resolves to a ref to it where it lives. Refusals: SPAWN_NOT_ALLOWED,
   * TOO_MANY_CALLS (the node's limit), BAD_REQUEST (arguments), INVALID_NAME,
   * NAME_TAKEN, START_FAILED, NODE_UNREACHABLE.
   */
  spawnOn<T extends Actor, A extends unknown[]>(placement: Placement, cls: ActorClass<T, A>, options?: RemoteSpawnOptions<A>): Promise<ActorRef<T>>;
  spawnOn<T = unknown>(placement: Placement, className: string, options?: RemoteSpawnOptions): Promise<ActorRef<T>>;
  spawnOn(placement: Placement, cls: unknown, options?: RemoteSpawnOptions): Promise<ActorRef<unknown>> {
    return this.#remoteSpawn.spawnOn(placement, cls, options);
  }

  /**
   * A ref to the actor named `name`. In a cluster it finds the name on any node
   * and routes every call at the time of the call: a local instance first, else
   * one picked by the policy among the alive members that host it, so the ref
   * keeps working when an instance goes and another remains. Without a cluster
   * it is the local actor's own ref. Fails with ACTOR_NOT_FOUND when no instance
   * exists (after waiting up to `timeoutMs`).
   */
  async resolve<T = unknown>(name: string, options: ResolveOptions = {}): Promise<ActorRef<T>> {
    const problem = nameProblem(name);
    if (problem !== undefined) throw new ActorError("INVALID_NAME", problem);
    const timeoutMs = options.timeoutMs === undefined ? 0 : checkTimeout(Math.max(1, options.timeoutMs), "timeoutMs");
    const node = this.#node;
    const exists = () => this.#local.lookup(name) !== undefined || (node !== undefined && node.hostsOf(name).length > 0);
    if (!exists() && !(timeoutMs > 0 && (await this.#appears(exists, timeoutMs)))) {
      throw new ActorError("ACTOR_NOT_FOUND", `no actor named "${clip(name)}"${node === undefined ? "" : " in the cluster"}`);
    }
    if (node === undefined) return this.#local.lookup<T>(name) as ActorRef<T>;
    const lane = deadlines.lane(this.#local.askTimeoutMs);
    return routedRef(new ClusterTarget(name, this.#clusterRoute(node, name, options), this.#local.logger, this.#local.failures), lane) as ActorRef<T>;
  }

  /** Whether `exists` holds within `timeoutMs`, asked again whenever local names, the registry or members change. */
  #appears(exists: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((settle) => {
      const stops: (() => void)[] = [];
      const done = (found: boolean) => {
        clearTimeout(timer);
        for (const stop of stops) stop();
        settle(found);
      };
      if (signal !== undefined) {
        // The caller stopped waiting: its listeners go now, not when the wait runs out.
        const abandon = () => done(false);
        signal.addEventListener("abort", abandon, { once: true });
        stops.push(() => signal.removeEventListener("abort", abandon));
      }
      const check = () => {
        if (exists()) done(true);
      };
      const timer = setTimeout(() => done(exists()), timeoutMs);
      stops.push(this.#local.onNamesChange(() => queueMicrotask(check)));
      if (this.#node !== undefined) stops.push(this.#node.onNamesChange(check), this.#node.onMemberChange(check));
    });
  }

  /**
   * Where a call to `name` goes now: a local instance first, else one the policy
   * picks among the members that host it (with consistent hashing, among all
   * instances, this node's included).
   */
  #clusterRoute(node: ClusterNode, name: string, options: ResolveOptions): () => MessageTarget | ActorError {
    const policy = typeof options.policy === "function" ? options.policy : policyOf(options.policy ?? "round-robin");
    const keyed = options.policy === "consistent-hash";
    const context = { key: options.key, load: (member: Member) => this.#links.inFlightTo(member.addr) };
    let version = -1;
    let hosts: Member[] = [];
    const remotes = new Map<string, LinkTarget>();
    return () => {
      const local = this.#local.target(name);
      if (local !== undefined && !keyed) return local;
      if (version !== node.version) {
        version = node.version;
        hosts = node.hostsOf(name).filter((member) => member.id !== this.nodeId);
        for (const addr of remotes.keys()) if (!hosts.some((host) => host.addr === addr)) remotes.delete(addr);
      }
      const choice = chooseHost(local === undefined ? undefined : node.member(this.nodeId), hosts, policy, context, keyed);
      if (choice === "here") return local as MessageTarget;
      if (choice === undefined) return new ActorError("ACTOR_NOT_FOUND", `no alive instance of "${name}" in the cluster`);
      let remote = remotes.get(choice.addr);
      if (remote === undefined) {
        remote = this.#linkTarget(name, choice.addr);
        remotes.set(choice.addr, remote);
      }
      return remote;
    };
  }

  /**
   * Hosts entity class `cls` on this node as kind `options.kind` (default the
   * class's name): the members that host a kind share its keys by rendezvous
   * hashing, and each key's owner activates it on its first call. Returns the
   * kind. See docs/entities.md.
   */
  host<T extends Actor>(cls: ActorClass<T, []>, options: HostOptions = {}): string {
    return this.#entities.host(cls, options);
  }

  /**
   * A ref to the entity (kind, key) wherever it lives in the cluster: each call
   * goes to the key's owner, which activates it on first use. Give the class
   * for a typed ref, or the kind's name.
   */
  entity<T extends Actor>(cls: ActorClass<T, []>, key: string): ActorRef<T>;
  entity<T = unknown>(kind: string, key: string): ActorRef<T>;
  entity(kindOrClass: string | ActorClass<Actor, []>, key: string): ActorRef<unknown> {
    return this.#entities.ref(typeof kindOrClass === "string" ? kindOrClass : this.#entities.kindOf(kindOrClass), key);
  }

  /** The entity kinds hosted here and what their activations did (for metrics and `inspect`). */
  entities(): Record<string, KindCounts> {
    return this.#entities.counts();
  }

  /**
   * A ref to the actor named `name` on the node at `addr`, without the cluster.
   * It works like a local ref (ask, `$tell`, streams, timeouts, error codes);
   * the link to that node is made on first use.
   */
  remote<T = unknown>(addr: string, name: string): ActorRef<T> {
    const problem = nameProblem(name);
    if (problem !== undefined) throw new ActorError("INVALID_NAME", problem);
    const target = formatAddr(parseAddr(addr));
    if (target === this.addr) {
      const local = this.#local.lookup<T>(name);
      if (local !== undefined) return local;
    }
    const lane = deadlines.lane(this.#local.askTimeoutMs);
    return routedRef(this.#linkTarget(name, target), lane) as ActorRef<T>;
  }

  #linkTarget(name: string, addr: string): LinkTarget {
    return new LinkTarget(name, `${name}@${addr}`, () => this.#links.to(addr));
  }

  stop(target: ActorTarget): Promise<void> {
    return this.#local.stop(target);
  }

  kill(target: ActorTarget): Promise<void> {
    return this.#local.kill(target);
  }

  watch(target: ActorTarget, listener: (event: StopEvent) => void): () => void {
    return this.#local.watch(target, listener);
  }

  /** The actors running here: id, name and queued messages. */
  actors(): { id: string; name: string | undefined; mailbox: number }[] {
    return this.#local.list();
  }

  /**
   * Leaves the cluster (the others mark this node left at once), stops every
   * actor (watchers see `shutdown`), closes every link (calls in flight fail
   * with NODE_UNREACHABLE) and stops serving. Idempotent.
   */
  shutdown(): Promise<void> {
    this.#shutdown ??= (async () => {
      this.#seeds?.stop();
      this.#node?.leave();
      // The goodbye goes out (or is given up on) before the node stops answering.
      await this.#gossip?.delivered(GOODBYE_MS);
      await this.#entities.close();
      await this.#local.shutdown();
      await this.#store?.close();
      this.#links.settleStopped();
      // Let replies the actors just sent, and how their streams ended, leave before the links close.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      this.#links.close();
      await this.#server?.stop();
    })();
    return this.#shutdown;
  }
}
