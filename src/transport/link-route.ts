import type { Server, ServerWebSocket, WebSocketHandler } from "bun";
import { Hono } from "hono";
import { ActorError, clip, type Logger } from "../actor/index.ts";
import { PROTOCOL_VERSION } from "../wire/index.ts";
import { type ClusterAuth, NONCE_HEADER, signatureOf } from "./auth.ts";
import { acceptorHandshake } from "./handshake.ts";
import type { LimitTrips, TransportLimits } from "./limits.ts";
import { Link, unreachable } from "./link.ts";
import { ADDR_HEADER, type Links, NODE_HEADER, PROTOCOL_HEADER, TARGET_HEADER } from "./links.ts";
import { problem } from "./problem.ts";

/** What an upgraded link socket carries: who dialled, and the link once open. */
export interface LinkSocketData {
  link: Link | undefined;
  /** Why the peer cannot have a link; it is upgraded anyway, to read this in the close frame. */
  refusal: string | undefined;
  peerId: string;
  peerAddr: string | undefined;
  remoteIp: string;
  /** The dialler's signature nonce, which this node's HELLO proof answers. */
  nonce: string;
  handshakeTimer: ReturnType<typeof setTimeout> | undefined;
}

export interface LinkRouteOptions {
  nodeId: string;
  ownAddr(): string;
  logger: Logger;
  links(): Links;
  limits: TransportLimits;
  trips: LimitTrips;
  auth: ClusterAuth | undefined;
}

/** Why a dialling peer cannot have a link, by its headers alone, or undefined. */
function headerRefusal(headers: Headers): string | undefined {
  const version = headers.get(PROTOCOL_HEADER);
  if (version === null) return `missing ${PROTOCOL_HEADER} header`;
  if (Number(version) !== PROTOCOL_VERSION) return `incompatible protocol version ${clip(version, 16)}: this node speaks ${PROTOCOL_VERSION}`;
  const node = headers.get(NODE_HEADER);
  if (node === null || node.length === 0 || node.length > 128) return `missing or invalid ${NODE_HEADER} header`;
  const addr = headers.get(ADDR_HEADER);
  if (addr !== null && addr.length > 300) return `invalid ${ADDR_HEADER} header`;
  return undefined;
}

/**
 * `GET /cluster/link`: a peer node's WebSocket. With a secret the upgrade must
 * be signed for this very node; the number of links, in all and per remote
 * address, is capped; and a link that does not finish its handshake in time is
 * closed.
 */
export function linkRoutes(options: LinkRouteOptions): { app: Hono; websocket: WebSocketHandler<LinkSocketData> } {
  const { logger, limits, trips, auth } = options;
  const perAddress = new Map<string, number>();
  let total = 0;

  const app = new Hono();
  app.get("/", (c) => {
    const server = c.env as Server<LinkSocketData>;
    const headers = c.req.raw.headers;
    const remoteIp = server.requestIP(c.req.raw)?.address ?? "";
    if (total >= limits.maxLinks) {
      trips.links_total++;
      return problem(new ActorError("TOO_MANY_CALLS", `this node has ${total} links already`), "json", undefined, 503);
    }
    if ((perAddress.get(remoteIp) ?? 0) >= limits.maxLinksPerAddress) {
      trips.links_per_address++;
      return problem(new ActorError("TOO_MANY_CALLS", `too many links from ${clip(remoteIp, 64)}`), "json", undefined, 429);
    }
    const data: LinkSocketData = {
      link: undefined,
      refusal: headerRefusal(headers),
      peerId: headers.get(NODE_HEADER) ?? "",
      peerAddr: headers.get(ADDR_HEADER) ?? undefined,
      remoteIp,
      nonce: headers.get(NONCE_HEADER) ?? "",
      handshakeTimer: undefined,
    };
    if (auth !== undefined) {
      const target = headers.get(TARGET_HEADER) ?? "";
      const own = options.ownAddr();
      const why =
        target !== own
          ? `the link was signed for ${clip(target || "(no address)", 64)}, not for this node (${own}): dial nodes by the address they advertise`
          : auth.check("link", signatureOf(headers), [data.peerId, data.peerAddr ?? "", target]);
      if (why !== undefined) {
        logger.warn("link refused", { peer: clip(data.peerAddr ?? remoteIp, 64), why });
        return problem(new ActorError("UNAUTHORIZED", `link refused: ${why}`));
      }
    }
    if (server.upgrade(c.req.raw, { data })) return new Response(null);
    return problem(new ActorError("BAD_REQUEST", "a link needs a WebSocket upgrade"));
  });

  const websocket: WebSocketHandler<LinkSocketData> = {
    maxPayloadLength: 0, // set by the server from the codec's limit
    // A peer that does not read its frames loses its link rather than frames silently.
    backpressureLimit: limits.maxOutboxBytes,
    closeOnBackpressureLimit: true,
    open(ws: ServerWebSocket<LinkSocketData>) {
      const { refusal, peerId, peerAddr, remoteIp, nonce } = ws.data;
      if (refusal !== undefined) {
        logger.warn("link refused", { peer: clip(peerAddr ?? remoteIp, 64), why: refusal });
        ws.close(4400, refusal);
        return;
      }
      total++;
      perAddress.set(remoteIp, (perAddress.get(remoteIp) ?? 0) + 1);
      const handshake = acceptorHandshake(options.nodeId, options.ownAddr(), auth, nonce, peerId);
      // Budgets follow whom the peer proved to be; one that proved nothing is counted by its IP.
      const peerKey = auth === undefined ? `ip:${remoteIp}` : `node:${peerId}`;
      const link = new Link(options.links().host, { peerAddr, peerId, peerKey, dialled: false, handshake });
      ws.data.link = link;
      link.open({ send: (frame) => ws.send(frame), close: (code, reason) => ws.close(code, reason), buffered: () => ws.getBufferedAmount() });
      if (!link.isOpen) {
        ws.data.handshakeTimer = setTimeout(() => {
          if (link.isOpen || link.isClosed) return;
          trips.handshake_timeout++;
          link.close(new ActorError("UNAUTHORIZED", "no handshake in time"), 4408, "handshake timeout");
        }, limits.handshakeTimeoutMs);
      }
    },
    message(ws: ServerWebSocket<LinkSocketData>, message: string | Buffer) {
      const link = ws.data.link;
      if (link === undefined) return;
      if (typeof message === "string") link.close(unreachable(link.peerAddr, "peer sent a text frame"), 4400, "text frames are not part of the protocol");
      else link.receive(message);
      if (link.isOpen && ws.data.handshakeTimer !== undefined) {
        clearTimeout(ws.data.handshakeTimer);
        ws.data.handshakeTimer = undefined;
      }
    },
    close(ws: ServerWebSocket<LinkSocketData>, code: number, reason: string) {
      const { link, remoteIp, peerAddr } = ws.data;
      if (ws.data.handshakeTimer !== undefined) clearTimeout(ws.data.handshakeTimer);
      if (link === undefined) return;
      total--;
      const left = (perAddress.get(remoteIp) ?? 1) - 1;
      if (left > 0) perAddress.set(remoteIp, left);
      else perAddress.delete(remoteIp);
      link.close(unreachable(peerAddr, `connection closed (${code}${reason ? `: ${clip(reason, 64)}` : ""})`));
    },
  };
  return { app, websocket };
}
