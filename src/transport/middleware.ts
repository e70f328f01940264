import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ActorError } from "../actor/index.ts";
import { type ClusterAuth, signatureOf } from "./auth.ts";
import type { LimitName, LimitTrips } from "./limits.ts";
import { problem } from "./problem.ts";

/** While the node shuts down, its routes answer 503 SHUTTING_DOWN. */
export function shutdownGuard(shuttingDown: () => boolean): MiddlewareHandler {
  return async (_c, next) => {
    if (shuttingDown()) return problem(new ActorError("SHUTTING_DOWN", "this node is shutting down"));
    await next();
  };
}

/**
 * Hono's bodyLimit with the node's answer: 413 BAD_REQUEST, counted. A declared
 * length over the limit is refused before a byte of the body is read; a chunked
 * body is cut off as soon as it passes the limit.
 */
export function limitBody(maxBytes: number, trips: LimitTrips, trip: LimitName): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      trips[trip]++;
      return problem(new ActorError("BAD_REQUEST", `body over the limit of ${maxBytes} bytes`), "json", undefined, 413);
    },
  });
}

/**
 * With a cluster secret: a request must carry a signature, in its time window,
 * before its body is read. The signature itself covers the body and is checked
 * once the body is in (bounded by `limitBody`).
 */
export function signedHeaders(auth: ClusterAuth | undefined, what: string): MiddlewareHandler {
  return async (c, next) => {
    if (auth !== undefined) {
      const why = auth.precheck(signatureOf(c.req.raw.headers));
      if (why !== undefined) return problem(new ActorError("UNAUTHORIZED", `${what} refused: ${why}`));
    }
    await next();
  };
}
