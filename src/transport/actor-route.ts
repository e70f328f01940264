import { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { ActorError, type ActorStream, clip, type FailureCounts, isStream, laneOf, type NetworkActor, type NetworkSink } from "../actor/index.ts";
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
import { type Locate, readHints } from "./route-hints.ts";
import { CallSpan, contextFromWire, contextToWire, ROOT_CONTEXT, SpanKind, type TraceContext, tracing } from "../trace/index.ts";

export const ACTOR_PATH = "/actor/";
export const ENTITY_PATH = "/entity/";
export const MODE_HEADER = "x-message-mode";
export const TIMEOUT_HEADER = "x-timeout-ms";
export const MODE_PARAM = "mode";
export const TIMEOUT_PARAM = "timeout_ms";

export interface ActorRouteOptions {
  codec: Codec;
  limits: TransportLimits;
  trips: LimitTrips;
  /** The actor a request reaches: here, or forwarded to the node that hosts it. */
  locate: Locate;
  /** What the request's path names, as `locate` takes it (default: an actor's name, `/actor/{name}`). */
  target?(path: string): string;
  /** Told how long each answered ask took, in seconds, for metrics. */
  observe?(seconds: number): void;
  /** When set, a request needs `Authorization: Bearer <token>`. */
  apiToken?: string;
  /** Where the errors this route makes (not those of the actors it calls) are counted. */
  failures?: FailureCounts;
}

/**
 * A streamed reply that reads the actor's stream only as fast as the client
 * reads the body. The first item is read before answering, so that a stream
 * that fails at once answers with its error's status rather than 200.
 */
async function streamReply(items: ActorStream<unknown>, encoding: BodyEncoding, codec: Codec, span: CallSpan | undefined, signal: AbortSignal): Promise<Response> {
  // A client that hangs up before the first item ends the stream (its generator's finally runs), as one that stops reading does.
  const hungUp = () => void items.return();
  if (signal.aborted) hungUp();
  else signal.addEventListener("abort", hungUp, { once: true });
  let first: IteratorResult<unknown>;
  try {
    first = await items.next();
  } catch (error) {
    return traced(problem(error, encoding, codec), span, error);
  } finally {
    signal.removeEventListener("abort", hungUp);
  }
  let finished = false;
  const record = (next: IteratorResult<unknown>) => {
    if (!next.done) return encodeStreamRecord({ item: next.value }, encoding, codec);
    finished = true;
    span?.end();
    return encodeStreamRecord({ end: true }, encoding, codec);
  };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(record(first));
      if (finished) controller.close();
    },
    async pull(controller) {
      if (finished) return;
      try {
        controller.enqueue(record(await items.next()));
        if (finished) controller.close();
      } catch (error) {
        finished = true;
        const failed = asActorError(error);
        span?.end(failed.code, failed.message);
        controller.enqueue(encodeStreamRecord(errorBody(failed), encoding, codec));
        controller.close();
        void items.return();
      }
    },
    cancel() {
      finished = true;
      span?.end();
      void items.return(); // the client went away: the generator's finally runs
    },
  });
  const headers: Record<string, string> = { "content-type": encoding === "msgpack" ? MSGPACK_STREAM_TYPE : NDJSON_TYPE };
  const wire = span === undefined ? undefined : contextToWire(span.context);
  if (wire !== undefined) headers.traceparent = wire.traceparent;
  return new Response(body, { status: 200, headers });
}

/**
 * The span of an HTTP call, while an SDK is registered: a server span (a
 * consumer span for a tell) that continues the client's `traceparent` and
 * `tracestate` headers when it sent them; its handler's span nests under it.
 */
function httpSpan(headers: (name: string) => string | undefined, hangUp: AbortSignal, name: string, type: string, tell: boolean): CallSpan | undefined {
  if (!tracing.refresh()) return undefined;
  const parent: TraceContext = contextFromWire(headers("traceparent"), headers("tracestate")) ?? ROOT_CONTEXT;
  const span = new CallSpan(parent, tell ? SpanKind.CONSUMER : SpanKind.SERVER, { actor: name, method: type });
  // A client that hangs up withdraws its ask, which then never answers: the hang-up ends the span (only the first end counts).
  hangUp.addEventListener("abort", () => span.end(), { once: true });
  return span;
}

/** The answer, with its span ended (`failure` when it is an error) and its `traceparent` header, so a client learns its call's trace. */
function traced(response: Response, span: CallSpan | undefined, failure?: unknown): Response {
  if (span === undefined) return response;
  if (failure === undefined) span.end();
  else {
    const error = asActorError(failure);
    span.end(error.code, error.message);
  }
  const wire = contextToWire(span.context);
  if (wire !== undefined) response.headers.set("traceparent", wire.traceparent);
  return response;
}

/**
 * The actor named by a request's path: `/actor/svc/1` or, encoded whole,
 * `/actor/svc%2F1`. Names have no `%` of their own, so decoding is safe.
 */
export function actorName(path: string): string {
  return decodedPath(path.slice(ACTOR_PATH.length));
}

/**
 * The entity addressed by a request's path, `/entity/{kind}/{key}`, as its
 * link address `#kind/key`: the kind is the first segment, the key the rest,
 * percent-decoded (a key may hold `/` and any character).
 */
export function entityAddress(path: string): string {
  const rest = path.slice(ENTITY_PATH.length);
  const slash = rest.indexOf("/");
  if (slash < 0) throw new ActorError("INVALID_NAME", "the path must be /entity/{kind}/{key}");
  return `#${rest.slice(0, slash)}/${decodedPath(rest.slice(slash + 1))}`;
}

function decodedPath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ActorError("BAD_REQUEST", `the name in the path is not valid percent-encoding: ${clip(raw, 64)}`);
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

/** A call whose answer turned out to be a stream (a forwarded call learns it from the first answer). */
class StreamAnswer {
  constructor(readonly items: ActorStream<unknown>) {}
}

/**
 * An ask whose answer settles a promise (the reply, or a stream to read), and
 * which is withdrawn if the client hangs up first.
 */
function askOverHttp(request: ActorRequest, ref: NetworkActor, timeoutMs: number | undefined, signal: AbortSignal, parent: TraceContext | undefined): Promise<unknown> {
  let resolve!: (value: unknown) => void;
  let reject!: (error: unknown) => void;
  const reply = new Promise<unknown>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  const sink: NetworkSink = { resolve, reject, stream: (items) => resolve(new StreamAnswer(items)) };
  const served = ref.serve(request.msgType, request.payload, sink, 0, timeoutMs === undefined ? undefined : laneOf(timeoutMs), request.cost, parent);
  if (isStream(served)) return Promise.resolve(new StreamAnswer(served));
  const ask = served;
  if (ask !== undefined) {
    const withdraw = () => ask.cancel();
    signal.addEventListener("abort", withdraw, { once: true });
    void reply.finally(() => signal.removeEventListener("abort", withdraw)).catch(() => {});
  }
  return reply;
}

/** Reads a request option from its header, else from its query parameter (parsed only when the URL has a query). */
function optionReader(request: Request, header: (name: string) => string | undefined): (header: string, param: string) => string | undefined {
  const url = request.url;
  const query = url.indexOf("?");
  if (query < 0) return (name) => header(name);
  const params = new URLSearchParams(url.slice(query + 1));
  return (name, param) => header(name) ?? params.get(param) ?? undefined;
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
    let span: CallSpan | undefined;
    try {
      const body = new Uint8Array(await c.req.arrayBuffer());
      const request = parseActorRequest(body, encoding, codec);
      const name = (options.target ?? actorName)(c.req.path);
      const option = optionReader(c.req.raw, (header) => c.req.header(header));
      const ref = options.locate(name, readHints(option));
      if (ref instanceof ActorError) throw ref;
      const mode = option(MODE_HEADER, MODE_PARAM);
      if (mode !== undefined && mode !== "ask" && mode !== "tell") throw new ActorError("INVALID_OPTION", `${MODE_HEADER} must be ask or tell, got ${clip(mode, 32)}`);
      span = httpSpan((header) => c.req.header(header), c.req.raw.signal, name, request.msgType, mode === "tell");
      if (mode === "tell") {
        const refusal = ref.offer(request.msgType, request.payload, request.cost, span?.context);
        if (refusal !== undefined) throw refusal;
        return traced(encoded(202, { accepted: true }, encoding, codec), span);
      }
      const started = performance.now();
      const reply = askOverHttp(request, ref, requestedTimeout(option(TIMEOUT_HEADER, TIMEOUT_PARAM), limits, trips), c.req.raw.signal, span?.context);
      let answer: unknown;
      try {
        answer = await reply;
      } catch (error) {
        // The actor's error, or the forwarded call's: counted where it was made, not again here.
        if ((error as ActorError).code === "MAILBOX_FULL") trips.mailbox_full++;
        return traced(problem(error, encoding, codec), span, error);
      }
      if (answer instanceof StreamAnswer) return await streamReply(answer.items, encoding, codec, span, c.req.raw.signal);
      options.observe?.((performance.now() - started) / 1000);
      // A method that returns nothing answers null: JSON has no undefined, and the key stays.
      return traced(encoded(200, { result: answer === undefined ? null : answer }, encoding, codec), span);
    } catch (error) {
      if ((error as ActorError).code === "MAILBOX_FULL") trips.mailbox_full++;
      options.failures?.error(asActorError(error));
      return traced(problem(error, encoding, codec), span, error);
    }
  });
  return app;
}
