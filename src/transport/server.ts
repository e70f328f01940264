import type { Server, WebSocketHandler } from "bun";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { ActorError, type Logger } from "../actor/index.ts";
import { type Codec, GOSSIP_PATH, type GossipMessage } from "../wire/index.ts";
import { ACTOR_PATH, actorRoutes, ENTITY_PATH, entityAddress } from "./actor-route.ts";
import { formatAddr, type HostPort } from "./address.ts";
import type { ClusterAuth } from "./auth.ts";
import { type GossipCounts, gossipRoutes } from "./gossip-route.ts";
import type { LimitTrips, TransportLimits } from "./limits.ts";
import { type LinkSocketData, linkRoutes } from "./link-route.ts";
import { LINK_PATH, type Links } from "./links.ts";
import { shutdownGuard } from "./middleware.ts";
import { problem } from "./problem.ts";
import type { Locate } from "./route-hints.ts";
import { serverTls, type TlsOptions } from "./tls.ts";

/** Where and how a node listens: what is known before anything else of the node exists. */
export interface ListenOptions {
  hostname: string;
  port: number;
  /** The address other nodes dial, when it is not the one listened on (port 0: the port bound). */
  advertise?: HostPort;
  /** Serve TLS (mutual, with a CA). */
  tls?: TlsOptions;
  codec: Codec;
  limits: TransportLimits;
}

/**
 * A port bound, not yet serving: its address is known, so the node's parts can
 * be built in order (links, cluster, routes) and then `serve` them. Until then
 * (one synchronous stretch, before any request can arrive) it answers 503.
 */
export interface BoundServer {
  /** The address other nodes reach it at, `host:port`: the advertised one, else the one it listens on (port 0 picked a free one). */
  readonly addr: string;
  /** The address it really listens on. */
  readonly listening: string;
  serve(routes: NodeRoutes): void;
  stop(): Promise<void>;
}

/** Binds the port. */
export function bindServer(options: ListenOptions): BoundServer {
  const { codec, limits } = options;
  const websocketLimits = { maxPayloadLength: codec.limits.maxMessageBytes, backpressureLimit: limits.maxOutboxBytes, closeOnBackpressureLimit: true };
  const starting = () => problem(new ActorError("SHUTTING_DOWN", "this node is starting"), "json", undefined, 503);
  const server: Server<LinkSocketData> = Bun.serve<LinkSocketData>({
    hostname: options.hostname,
    port: options.port,
    // Routes refuse oversized bodies with a coded 413 themselves; far larger ones Bun refuses before reading them.
    maxRequestBodySize: codec.limits.maxMessageBytes + 64 * 1024,
    idleTimeout: limits.idleTimeoutSeconds,
    ...(options.tls === undefined ? {} : { tls: serverTls(options.tls) }),
    fetch: starting,
    websocket: { ...websocketLimits, message() {} },
  });
  const port = server.port as number;
  const advertised = options.advertise;
  return {
    addr: formatAddr(advertised === undefined ? { hostname: options.hostname, port } : { hostname: advertised.hostname, port: advertised.port === 0 ? port : advertised.port }),
    listening: formatAddr({ hostname: options.hostname, port }),
    serve(routes) {
      server.reload({ fetch: (request, srv) => routes.app.fetch(request, srv), websocket: { ...routes.websocket, ...websocketLimits } });
    },
    async stop() {
      await server.stop(true);
    },
  };
}

/** What a node serves on its one port: the Hono app, and the link WebSockets it upgrades. */
export interface NodeRoutes {
  readonly app: Hono;
  readonly websocket: WebSocketHandler<LinkSocketData>;
}

export interface NodeRoutesOptions {
  /** The address this node is reached at (what signatures must name). */
  addr: string;
  nodeId: string;
  codec: Codec;
  logger: Logger;
  /** The node's links: accepted links join them. */
  links: Links;
  limits: TransportLimits;
  trips: LimitTrips;
  /** Where `POST /actor/{name}` goes: a local actor, or one forwarded to its node. */
  locate: Locate;
  shuttingDown(): boolean;
  /** Why the node should get no traffic yet (`GET /ready` answers 503 with it), or undefined when it is ready. */
  notReady?(): string | undefined;
  /** Takes a checked cluster message from `POST /cluster/gossip`. */
  gossip(message: GossipMessage): void;
  /** Where the cluster messages taken are counted, for metrics. */
  gossipReceived?: GossipCounts;
  /** The cluster secret: links and gossip must be signed with it. */
  auth?: ClusterAuth;
  /** A bearer token the public actor route requires. */
  apiToken?: string;
  /** What `/health` adds about this node (e.g. that it runs without a secret). */
  health?(): Record<string, unknown>;
  /** Told how long each ask answered over HTTP took, in seconds. */
  observeAsk?(seconds: number): void;
  /** Extra read-only routes (the cluster's and ops' views), mounted on the same app. */
  routes?(app: Hono): void;
}

/**
 * The routes of a node: Hono sub-apps, each way in with the middleware it needs
 * (links: caps and signed upgrades; gossip: signature and size before the body;
 * actors: token and body limit); every refusal is a coded error.
 */
export function nodeRoutes(options: NodeRoutesOptions): NodeRoutes {
  const { codec, logger, limits, trips, auth } = options;
  const ownAddr = options.addr;
  const links = linkRoutes({ nodeId: options.nodeId, ownAddr: () => ownAddr, logger, links: () => options.links, limits, trips, auth });

  const app = new Hono();
  app.get("/health", (c) => {
    // With a secret, a node that is asked proves the address it gives is its own (a seed given by an alias is asked so).
    const challenge = c.req.query("challenge");
    const proof = auth !== undefined && challenge !== undefined && challenge.length <= 64 ? { proof: auth.proof("health", [challenge, ownAddr]) } : {};
    return c.json({ status: options.shuttingDown() ? "shutting-down" : "ok", node: options.nodeId, addr: ownAddr, ...proof, ...options.health?.() }, options.shuttingDown() ? 503 : 200);
  });
  app.get("/ready", (c) => {
    const why = options.shuttingDown() ? "shutting down" : options.notReady?.();
    return why === undefined ? c.json({ status: "ready", node: options.nodeId }) : c.json({ status: "not-ready", node: options.nodeId, reason: why }, 503);
  });
  for (const path of [LINK_PATH, GOSSIP_PATH, `${ACTOR_PATH}*`, `${ENTITY_PATH}*`]) app.use(path, shutdownGuard(options.shuttingDown));
  app.route(LINK_PATH, links.app);
  const received = options.gossipReceived === undefined ? {} : { received: options.gossipReceived };
  app.route(GOSSIP_PATH, gossipRoutes({ codec, limits, trips, auth, ownAddr: () => ownAddr, gossip: options.gossip, ...received }));
  const callRoutes = { codec, limits, trips, locate: options.locate, apiToken: options.apiToken, observe: options.observeAsk, failures: options.links.host.failures };
  app.route(ACTOR_PATH.slice(0, -1), actorRoutes(callRoutes));
  // Entities the same way, by kind and key: `POST /entity/{kind}/{key}`.
  app.route(ENTITY_PATH.slice(0, -1), actorRoutes({ ...callRoutes, target: entityAddress }));
  options.routes?.(app);

  app.notFound((c) => problem(new ActorError("BAD_REQUEST", `no route ${c.req.method} ${c.req.path.slice(0, 128)}`), "json", undefined, 404));
  app.onError((error, c) => {
    if (error instanceof HTTPException) return error.getResponse();
    logger.error("route failed", { path: c.req.path.slice(0, 128), error });
    return problem(new ActorError("HANDLER_ERROR", "internal error"), "json", undefined, 500);
  });
  return { app, websocket: links.websocket };
}
