import { type Actor, type ActorClass, type ActorRef, ActorError, checkTimeout, clip, deadlines, jsonLogger, type Lane, type Logger, nameProblem, routedRef } from "../actor/index.ts";
import { ClusterAuth, formatAddr, joinTarget, type Link, Links, parseAddr, type RouteHints, type TlsOptions, type TransportLimits } from "../transport/index.ts";
import { Codec, type WireLimits } from "../wire/index.ts";
import { entityAddress, kindOfClass } from "./entity-address.ts";
import { GatewayTarget } from "./gateway-target.ts";

export interface ClientOptions {
  /** The cluster's shared secret, when it has one: the client's link is signed with it, as a member's would be. */
  secret?: string;
  /** Dial with TLS (`wss://`): the CA to trust, and with mutual TLS the client's certificate and key (PEM). */
  tls?: TlsOptions;
  /** Default timeout of every ask and stream step, in ms (default 30 000). */
  askTimeoutMs?: number;
  /** How long to wait for one gateway to answer before trying the next, in ms (default 5 000). */
  connectTimeoutMs?: number;
  /** Bounds on what the client decodes and queues (the same as a node's). */
  limits?: Partial<WireLimits & TransportLimits>;
  /** Where log lines go; by default JSON lines on stderr, warnings and up. */
  logger?: Logger;
}

/** How a client's ref picks among the instances of a name: the options `POST /actor/{name}` takes. */
export interface ClientResolveOptions {
  /** Which instance a call goes to when the name has several (default round robin, a local instance of the gateway first). */
  policy?: "round-robin" | "random" | "power-of-two" | "consistent-hash";
  /** For `consistent-hash`: calls with one key go to one instance while it lives. */
  key?: string;
  /** Call the instance on this node (its id or `host:port`). */
  node?: string;
  /** Each call waits up to this long for the name to appear in the cluster (default 0). */
  timeoutMs?: number;
}

/**
 * A program outside the cluster, calling its actors through gateway nodes: it
 * keeps one link, to one gateway at a time, and moves to the next gateway
 * when that link drops. It is not a member: nothing calls it, and it hosts no
 * actors.
 */
export class Client {
  readonly #gateways: readonly string[];
  readonly #links: Links;
  readonly #lane: Lane;
  #index = 0;
  #link: Link | undefined;
  #closed = false;

  /** Use `connect`. */
  constructor(gateways: readonly string[], links: Links, lane: Lane) {
    this.#gateways = gateways;
    this.#links = links;
    this.#lane = lane;
    // When the gateway link drops, the next gateway is dialled at once, so that the next call finds it connecting or open.
    links.onChange((link) => {
      if (link === this.#link && link.isClosed && !this.#closed) this.#failover();
    });
  }

  /** The gateway the client talks to now (`host:port`), or undefined while none is reachable. */
  get gateway(): string | undefined {
    const link = this.#link;
    return link !== undefined && link.isOpen ? link.peerAddr : undefined;
  }

  /**
   * A typed ref to the actor named `name`, wherever it lives in the cluster:
   * calls, tells and streams go through the gateway. A name with no instance
   * fails each call with ACTOR_NOT_FOUND (after waiting `timeoutMs` for one).
   */
  resolve<T = unknown>(name: string, options: ClientResolveOptions = {}): ActorRef<T> {
    const problem = nameProblem(name);
    if (problem !== undefined) throw new ActorError("INVALID_NAME", problem);
    const hints: RouteHints = {
      ...(options.policy === undefined ? {} : { policy: options.policy }),
      ...(options.key === undefined ? {} : { key: options.key }),
      ...(options.node === undefined ? {} : { node: options.node }),
      ...(options.timeoutMs === undefined ? {} : { waitMs: checkTimeout(options.timeoutMs, "timeoutMs") }),
    };
    return routedRef(new GatewayTarget(name, name, joinTarget(name, hints), () => this.#current()), this.#lane) as ActorRef<T>;
  }

  /**
   * A typed ref to the entity (kind, key), a virtual actor, wherever its key
   * lives (docs/entities.md): the gateway sends each call to the key's owner,
   * which activates the entity on first use. By class, the kind is the class's
   * `static kind`, else its name; a kind hosted under another name (`host(Cls,
   * { kind })`) is called by that name. A kind no member hosts fails each call
   * with ACTOR_NOT_FOUND; a bad kind or key throws INVALID_NAME here.
   */
  entity<T extends Actor>(cls: ActorClass<T, []>, key: string): ActorRef<T>;
  entity<T = unknown>(kind: string, key: string): ActorRef<T>;
  entity(kindOrClass: string | ActorClass<Actor, []>, key: string): ActorRef<unknown> {
    const kind = typeof kindOrClass === "function" ? kindOfClass(kindOrClass) : kindOrClass;
    const target = entityAddress(kind, key);
    return routedRef(new GatewayTarget(undefined, `${kind}/${key}`, target, () => this.#current()), this.#lane) as ActorRef<unknown>;
  }

  /** Closes the link; calls in flight fail with NODE_UNREACHABLE. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#links.close();
  }

  /** Resolves once a link to some gateway is open, trying each in turn; fails when none answers. */
  async connected(connectTimeoutMs: number): Promise<void> {
    const tried: string[] = [];
    for (let attempt = 0; attempt < this.#gateways.length; attempt++) {
      const link = this.#current();
      if (await opens(link, this.#links, connectTimeoutMs)) return;
      tried.push(`${link.peerAddr}: ${clip(link.closeReason ?? "no answer", 200)}`);
      this.#failover();
    }
    throw new ActorError("NODE_UNREACHABLE", `no gateway answered (${tried.join("; ")})`);
  }

  #current(): Link {
    const link = this.#link;
    if (link !== undefined && link.usable) return link;
    return this.#failover();
  }

  /** Moves to the next gateway whose link can be used (open, connecting, or dialled now), round the list once. */
  #failover(): Link {
    const count = this.#gateways.length;
    let link: Link | undefined;
    for (let step = 0; step < count; step++) {
      this.#index = (this.#index + (this.#link === undefined ? 0 : 1)) % count;
      link = this.#links.to(this.#gateways[this.#index] as string);
      this.#link = link;
      if (link.usable) return link;
    }
    return link as Link;
  }
}

/** Whether `link` opens within `timeoutMs` (false as soon as it closes). */
function opens(link: Link, links: Links, timeoutMs: number): Promise<boolean> {
  if (link.isOpen) return Promise.resolve(true);
  if (link.isClosed) return Promise.resolve(false);
  return new Promise((settle) => {
    const done = (open: boolean) => {
      clearTimeout(timer);
      stop();
      settle(open);
    };
    const timer = setTimeout(() => done(link.isOpen), timeoutMs);
    const stop = links.onChange((changed) => {
      if (changed === link) done(link.isOpen);
    });
  });
}

/**
 * A client of the cluster at `gateways` (`host:port`, one or more nodes): it
 * links to the first that answers and fails over to the next. Honours the
 * cluster's secret and TLS.
 */
export async function connect(gateways: string | readonly string[], options: ClientOptions = {}): Promise<Client> {
  const list = (typeof gateways === "string" ? [gateways] : [...gateways]).map((addr) => formatAddr(parseAddr(addr)));
  if (list.length === 0) throw new ActorError("INVALID_OPTION", "connect needs at least one gateway address");
  const { maxMessageBytes, maxDepth, maxDecodedBytes, ...limits } = options.limits ?? {};
  const codec = new Codec({ ...(maxMessageBytes === undefined ? {} : { maxMessageBytes }), ...(maxDepth === undefined ? {} : { maxDepth }), ...(maxDecodedBytes === undefined ? {} : { maxDecodedBytes }) });
  const auth = options.secret === undefined ? undefined : new ClusterAuth(options.secret);
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  const links = new Links({
    nodeId: `client-${crypto.randomUUID()}`,
    addr: undefined,
    codec,
    logger: options.logger ?? jsonLogger(),
    limits,
    lookup: () => undefined,
    connectTimeoutMs,
    ...(auth === undefined ? {} : { auth }),
    ...(options.tls === undefined ? {} : { tls: options.tls }),
  });
  const client = new Client(list, links, deadlines.lane(checkTimeout(options.askTimeoutMs ?? 30_000, "askTimeoutMs")));
  try {
    await client.connected(connectTimeoutMs);
  } catch (error) {
    await client.close();
    throw error;
  }
  return client;
}
