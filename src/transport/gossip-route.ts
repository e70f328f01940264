import { Hono } from "hono";
import { ActorError } from "../actor/index.ts";
import { type Codec, GOSSIP_VERSION, GOSSIP_VERSION_HEADER, type GossipMessage, gossipProblem, isGossipMessage } from "../wire/index.ts";
import { type ClusterAuth, signatureOf } from "./auth.ts";
import type { LimitTrips, TransportLimits } from "./limits.ts";
import { limitBody, signedHeaders } from "./middleware.ts";
import { problem } from "./problem.ts";

/** Cluster messages and their bytes (bodies), counted for metrics. */
export interface GossipCounts {
  messages: number;
  bytes: number;
}

export interface GossipRouteOptions {
  codec: Codec;
  limits: TransportLimits;
  trips: LimitTrips;
  auth: ClusterAuth | undefined;
  /** The address this node advertises: a signed message must name it, so it cannot be replayed to another node. */
  ownAddr(): string;
  /** Takes a checked cluster message. */
  gossip(message: GossipMessage): void;
  /** Where the messages taken are counted. */
  received?: GossipCounts;
}

/**
 * `POST /cluster/gossip`: one cluster message per request. Its version header,
 * its signature's presence and time window and its declared length are checked
 * before a byte of the body is read; the body is small, so a stranger holds
 * little memory per request.
 */
export function gossipRoutes(options: GossipRouteOptions): Hono {
  const { codec, auth } = options;
  const app = new Hono();
  app.use("*", async (c, next) => {
    const version = c.req.header(GOSSIP_VERSION_HEADER);
    if (version !== String(GOSSIP_VERSION)) return problem(new ActorError("BAD_REQUEST", `gossip protocol version ${version === undefined ? "(none)" : version.slice(0, 16)} is not ${GOSSIP_VERSION}`));
    await next();
  });
  app.use("*", signedHeaders(auth, "gossip"));
  app.use("*", limitBody(options.limits.maxGossipBytes, options.trips, "gossip_too_large"));
  app.post("/", async (c) => {
    const body = new Uint8Array(await c.req.arrayBuffer());
    if (auth !== undefined) {
      const why = auth.check("gossip", signatureOf(c.req.raw.headers), [options.ownAddr(), body]);
      if (why !== undefined) return problem(new ActorError("UNAUTHORIZED", `gossip refused: ${why}`));
    }
    let message: unknown;
    try {
      message = codec.decode(body);
    } catch (error) {
      return problem(error);
    }
    if (!isGossipMessage(message)) return problem(new ActorError("BAD_REQUEST", gossipProblem(message) ?? "malformed gossip message"));
    if (options.received !== undefined) {
      options.received.messages++;
      options.received.bytes += body.byteLength;
    }
    options.gossip(message);
    return c.body(null, 204);
  });
  return app;
}
