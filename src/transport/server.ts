import type { Server, ServerWebSocket } from "bun";
import { Hono } from "hono";
import { ActorError, type Logger } from "../actor/index.ts";
import { type Codec, errorBody, GOSSIP_PATH, GOSSIP_VERSION, GOSSIP_VERSION_HEADER, gossipProblem, PROTOCOL_VERSION } from "../wire/index.ts";
import { ACTOR_PATH, actorRoute } from "./actor-route.ts";
import { formatAddr } from "./address.ts";
import { type ClusterAuth, NONCE_HEADER, signatureOf } from "./auth.ts";
import { serverTls, type TlsOptions } from "./tls.ts";
import { Link, unreachable } from "./link.ts";
import { ADDR_HEADER, LINK_PATH, type Links, NODE_HEADER, PROTOCOL_HEADER, TARGET_HEADER } from "./links.ts";

export interface NodeServerOptions {
  hostname: string;
  port: number;
  nodeId: string;
  codec: Codec;
  logger: Logger;
  /** The node's links, once it has them (the server starts first, to learn its port). */
  links(): Links;
  lookup(name: string): unknown;
  shuttingDown(): boolean;
  /** Takes a checked cluster message from `POST /cluster/gossip`. */
  gossip(message: unknown): void;
  /** The cluster secret: links and gossip must be signed with it. */
  auth?: ClusterAuth;
  /** A bearer token the public actor route requires. */
  apiToken?: string;
  /** Serve TLS (mutual, with a CA). */
  tls?: TlsOptions;
  /** Told how long each ask answered over HTTP took, in seconds. */
  observeAsk?(seconds: number): void;
  /** Extra read-only routes (the cluster's and ops' views), mounted on the same app. */
  routes?(app: Hono): void;
}

export interface NodeServer {
  /** The address it really listens on, `host:port` (port 0 picked a free one). */
  readonly addr: string;
  readonly app: Hono;
  stop(): Promise<void>;
}

/** What an upgraded link socket carries: the link, or why it is refused. */
interface SocketData {
  link: Link | undefined;
  refusal: string | undefined;
  peerId: string | undefined;
  peerAddr: string | undefined;
  /** The dialler's signature nonce, which this node's HELLO proof answers. */
  nonce: string | undefined;
}

/** Why a dialling peer cannot have a link, or undefined. */
function refusal(headers: Headers): string | undefined {
  const version = headers.get(PROTOCOL_HEADER);
  if (version === null) return `missing ${PROTOCOL_HEADER} header`;
  if (Number(version) !== PROTOCOL_VERSION) return `incompatible protocol version ${version}: this node speaks ${PROTOCOL_VERSION}`;
  const node = headers.get(NODE_HEADER);
  if (node === null || node.length === 0 || node.length > 128) return `missing or invalid ${NODE_HEADER} header`;
  return undefined;
}

/** One port per node: Hono routes on Bun.serve, and the link WebSockets. */
export function startServer(options: NodeServerOptions): NodeServer {
  const { codec, logger } = options;
  const app = new Hono();
  // Known once Bun.serve has bound the port; routes only run after that.
  let ownAddr = "";

  app.get("/health", (c) =>
    options.shuttingDown() ? c.json({ status: "shutting-down", node: options.nodeId }, 503) : c.json({ status: "ok", node: options.nodeId }),
  );

  app.get(LINK_PATH, (c) => {
    const server = c.env as Server<SocketData>;
    if (options.shuttingDown()) return c.json(errorBody(new ActorError("SHUTTING_DOWN", "this node is shutting down")), 503);
    const headers = c.req.raw.headers;
    const data: SocketData = {
      link: undefined,
      refusal: refusal(headers),
      peerId: headers.get(NODE_HEADER) ?? undefined,
      peerAddr: headers.get(ADDR_HEADER) ?? undefined,
      nonce: headers.get(NONCE_HEADER) ?? undefined,
    };
    if (options.auth !== undefined) {
      const target = headers.get(TARGET_HEADER) ?? "";
      const why =
        target !== ownAddr
          ? `the link was signed for ${target || "(no address)"}, not for this node (${ownAddr}): dial nodes by the address they advertise`
          : options.auth.check("link", signatureOf(headers), [data.peerId ?? "", data.peerAddr ?? "", target]);
      if (why !== undefined) {
        logger.warn("link refused", { why });
        return c.json(errorBody(new ActorError("UNAUTHORIZED", `link refused: ${why}`)), 401);
      }
    }
    // A refused peer is still upgraded, so that it reads the reason in the close frame.
    if (server.upgrade(c.req.raw, { data })) return new Response(null);
    return c.json(errorBody(new ActorError("BAD_REQUEST", "a link needs a WebSocket upgrade")), 400);
  });

  app.post(`${ACTOR_PATH}*`, actorRoute({ codec, lookup: options.lookup, shuttingDown: options.shuttingDown, observe: options.observeAsk, apiToken: options.apiToken }));

  app.post(GOSSIP_PATH, async (c) => {
    const bad = (message: string, status: 400 | 413 = 400) => c.json(errorBody(new ActorError("BAD_REQUEST", message)), status);
    const version = c.req.header(GOSSIP_VERSION_HEADER);
    if (version !== String(GOSSIP_VERSION)) return bad(`gossip protocol version ${version ?? "(none)"} is not ${GOSSIP_VERSION}`);
    const body = new Uint8Array(await c.req.arrayBuffer());
    if (body.byteLength > codec.limits.maxMessageBytes) return bad("gossip message too large", 413);
    if (options.auth !== undefined) {
      const why = options.auth.check("gossip", signatureOf(c.req.raw.headers), [body]);
      if (why !== undefined) return c.json(errorBody(new ActorError("UNAUTHORIZED", `gossip refused: ${why}`)), 401);
    }
    let message: unknown;
    try {
      message = codec.decode(body);
    } catch (error) {
      return bad((error as Error).message);
    }
    const problem = gossipProblem(message);
    if (problem !== undefined) return bad(problem);
    options.gossip(message);
    return c.body(null, 204);
  });

  options.routes?.(app);

  app.notFound((c) => c.json(errorBody(new ActorError("BAD_REQUEST", `no route ${c.req.method} ${c.req.path}`)), 404));
  app.onError((error, c) => {
    logger.error("route failed", { path: c.req.path, error });
    return c.json(errorBody(new ActorError("HANDLER_ERROR", "internal error")), 500);
  });

  const server = Bun.serve<SocketData>({
    hostname: options.hostname,
    port: options.port,
    // The route answers oversized bodies with a coded 413 itself; far larger ones Bun refuses before reading them.
    maxRequestBodySize: 2 * codec.limits.maxMessageBytes + 64 * 1024,
    ...(options.tls === undefined ? {} : { tls: serverTls(options.tls) }),
    fetch: (request, srv) => app.fetch(request, srv),
    websocket: {
      maxPayloadLength: codec.limits.maxMessageBytes,
      // A peer that does not read its frames loses its link rather than frames silently.
      closeOnBackpressureLimit: true,
      open(ws: ServerWebSocket<SocketData>) {
        const { refusal: why, peerId, peerAddr } = ws.data;
        if (why !== undefined) {
          logger.warn("link refused", { peer: peerAddr, why });
          ws.close(4400, why);
          return;
        }
        const links = options.links();
        const link = new Link(links.host, { peerAddr, dialled: false, ...(peerId === undefined ? {} : { peerId }) });
        ws.data.link = link;
        link.open(ws);
        link.hello(options.nodeId, options.auth === undefined || ws.data.nonce === undefined ? null : options.auth.proof("hello", [ws.data.nonce, options.nodeId, ownAddr]));
        links.accepted(link);
        logger.info("link up", { peer: peerAddr, peerId });
      },
      message(ws: ServerWebSocket<SocketData>, message: string | Buffer) {
        const link = ws.data.link;
        if (link === undefined) return;
        if (typeof message === "string") link.close(unreachable(link.peerAddr, "peer sent a text frame"), 4400, "text frames are not part of the protocol");
        else link.receive(message);
      },
      close(ws: ServerWebSocket<SocketData>, code: number, reason: string) {
        ws.data.link?.close(unreachable(ws.data.peerAddr, `connection closed (${code}${reason ? `: ${reason}` : ""})`));
      },
    },
  });

  ownAddr = formatAddr({ hostname: options.hostname, port: server.port as number });
  return {
    addr: ownAddr,
    app,
    async stop() {
      await server.stop(true);
    },
  };
}
