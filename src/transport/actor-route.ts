import { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { ActorError, type ActorStream, clip, isStream, laneOf, type NetworkActor, type ReplySink } from "../actor/index.ts";
import {
  type ActorRequest,
  type BodyEncoding,
  type Codec,
  encodeStreamRecord,
  encodingOf,
  JSON_TYPE,
  MSGPACK_STREAM_TYPE,
  MSGPACK_TYPE,
  NDJSON_TYPE,
  parseActorRequest,
} from "../wire/index.ts";
import type { LimitTrips, TransportLimits } from "./limits.ts";
import { limitBody } from "./middleware.ts";
import { asActorError, encoded, errorBody, problem } from "./problem.ts";

export const ACTOR_PATH = "/actor/";
export const MODE_HEADER = "x-message-mode";
export const TIMEOUT_HEADER = "x-timeout-ms";

export interface ActorRouteOptions {
  codec: Codec;
  limits: TransportLimits;
  trips: LimitTrips;
  lookup(name: string): NetworkActor | undefined;
  /** Told how long each answered ask took, in seconds, for metrics. */
  observe?(seconds: number): void;
  /** When set, a request needs `Authorization: Bearer <token>`. */
  apiToken?: string;
}

/** A streamed reply that reads the actor's stream only as fast as the client reads the body. */
function streamReply(items: ActorStream<unknown>, encoding: BodyEncoding, codec: Codec): Response {
  let finished = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (finished) return;
      try {
        const next = await items.next();
        if (next.done) {
          finished = true;
          controller.enqueue(encodeStreamRecord({ end: true }, encoding, codec));
          controller.close();
        } else {
          controller.enqueue(encodeStreamRecord({ item: next.value }, encoding, codec));
        }
      } catch (error) {
        finished = true;
        controller.enqueue(encodeStreamRecord(errorBody(asActorError(error)), encoding, codec));
        controller.close();
        void items.return();
      }
    },
    cancel() {
      finished = true;
      void items.return(); // the client went away: the generator's finally runs
    },
  });
  return new Response(body, { status: 200, headers: { "content-type": encoding === "msgpack" ? MSGPACK_STREAM_TYPE : NDJSON_TYPE } });
}

/**
 * The actor named by a request's path: `/actor/svc/1` or, encoded whole,
 * `/actor/svc%2F1`. Names have no `%` of their own, so decoding is safe.
 */
function actorName(path: string): string {
  const raw = path.slice(ACTOR_PATH.length);
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ActorError("BAD_REQUEST", `the actor name in the path is not valid percent-encoding: ${clip(raw, 64)}`);
  }
}

/** The timeout a client asked for, cut to the node's limit; undefined for the actor's default. */
function requestedTimeout(header: string | undefined, limits: TransportLimits, trips: LimitTrips): number | undefined {
  if (header === undefined) return undefined;
  const asked = Number(header);
  if (!Number.isFinite(asked) || asked <= 0) throw new ActorError("INVALID_OPTION", `${TIMEOUT_HEADER} must be a positive number of milliseconds, got ${clip(header, 32)}`);
  if (asked <= limits.maxCallTimeoutMs) return asked;
  trips.timeout_capped++;
  return limits.maxCallTimeoutMs;
}

/** An ask whose reply settles a promise, and which is withdrawn if the client hangs up first. */
function askOverHttp(request: ActorRequest, ref: NetworkActor, timeoutMs: number | undefined, signal: AbortSignal): Promise<unknown> | ActorStream<unknown> {
  let resolve!: (value: unknown) => void;
  let reject!: (error: unknown) => void;
  const reply = new Promise<unknown>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  const sink: ReplySink = { resolve, reject };
  const served = ref.serve(request.msgType, request.payload, sink, 0, timeoutMs === undefined ? undefined : laneOf(timeoutMs), request.cost);
  if (isStream(served)) return served;
  const ask = served;
  if (ask !== undefined) {
    const withdraw = () => ask.cancel();
    signal.addEventListener("abort", withdraw, { once: true });
    void reply.finally(() => signal.removeEventListener("abort", withdraw)).catch(() => {});
  }
  return reply;
}

/**
 * `POST /actor/{name}`: any HTTP client calls a named actor with JSON or msgpack.
 * Middleware does what every request needs (the API token, the body limit);
 * the handler parses, delivers and answers.
 */
export function actorRoutes(options: ActorRouteOptions): Hono {
  const { codec, limits, trips } = options;
  const app = new Hono();
  if (options.apiToken !== undefined) {
    const refused = () => problem(new ActorError("UNAUTHORIZED", "this route needs Authorization: Bearer <api token>"));
    app.use(
      "*",
      bearerAuth({
        token: options.apiToken,
        noAuthenticationHeader: { message: refused },
        invalidAuthenticationHeader: { message: refused },
        invalidToken: { message: refused },
      }),
    );
  }
  app.use("*", limitBody(codec.limits.maxMessageBytes, trips, "body_too_large"));
  app.post("*", async (c) => {
    const encoding = encodingOf(c.req.header("content-type"));
    if (encoding === undefined) return problem(new ActorError("BAD_REQUEST", `content-type must be ${JSON_TYPE} or ${MSGPACK_TYPE}`), "json", codec, 415);
    try {
      const body = new Uint8Array(await c.req.arrayBuffer());
      const request = parseActorRequest(body, encoding, codec);
      const name = actorName(c.req.path);
      const ref = options.lookup(name);
      if (ref === undefined) throw new ActorError("ACTOR_NOT_FOUND", `no actor named "${clip(name)}" on this node`);
      if (c.req.header(MODE_HEADER) === "tell") {
        const refusal = ref.offer(request.msgType, request.payload, request.cost);
        if (refusal !== undefined) throw refusal;
        return encoded(202, { accepted: true }, encoding, codec);
      }
      const started = performance.now();
      const answer = askOverHttp(request, ref, requestedTimeout(c.req.header(TIMEOUT_HEADER), limits, trips), c.req.raw.signal);
      if (!(answer instanceof Promise)) return streamReply(answer, encoding, codec);
      const result = await answer;
      options.observe?.((performance.now() - started) / 1000);
      return encoded(200, { result }, encoding, codec);
    } catch (error) {
      if ((error as ActorError).code === "MAILBOX_FULL") trips.mailbox_full++;
      return problem(error, encoding, codec);
    }
  });
  return app;
}
