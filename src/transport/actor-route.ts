import type { Context } from "hono";
import { ActorError, type ActorStream, checkTimeout, deliver, deliverTell, laneOf } from "../actor/index.ts";
import { bearerMatches } from "./auth.ts";
import {
  type BodyEncoding,
  type Codec,
  encodeBody,
  encodeStreamRecord,
  encodingOf,
  errorBody,
  JSON_TYPE,
  MSGPACK_STREAM_TYPE,
  MSGPACK_TYPE,
  NDJSON_TYPE,
  parseActorRequest,
  statusOf,
} from "../wire/index.ts";

export const ACTOR_PATH = "/actor/";
export const MODE_HEADER = "x-message-mode";
export const TIMEOUT_HEADER = "x-timeout-ms";

export interface ActorRouteOptions {
  codec: Codec;
  lookup(name: string): unknown;
  shuttingDown(): boolean;
  /** Told how long each answered ask took, in seconds, for metrics. */
  observe?(seconds: number): void;
  /** When set, a request needs `Authorization: Bearer <token>`. */
  apiToken?: string;
}

function reply(status: number, value: unknown, encoding: BodyEncoding, codec: Codec): Response {
  let body: Uint8Array | string;
  try {
    body = encodeBody(value, encoding, codec);
  } catch (error) {
    status = 500;
    body = encodeBody(errorBody(new ActorError("HANDLER_ERROR", `the result cannot be encoded as ${encoding}: ${(error as Error).message}`)), encoding, codec);
  }
  return new Response(body, { status, headers: { "content-type": encoding === "msgpack" ? MSGPACK_TYPE : JSON_TYPE } });
}

function failure(error: unknown, encoding: BodyEncoding, codec: Codec, status?: number): Response {
  const wrapped = ActorError.fromHandler(error);
  return reply(status ?? statusOf(wrapped.code), errorBody(wrapped), encoding, codec);
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
        controller.enqueue(encodeStreamRecord(errorBody(ActorError.fromHandler(error)), encoding, codec));
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

/** `POST /actor/{name}`: any HTTP client calls a named actor with JSON or msgpack. */
export function actorRoute(options: ActorRouteOptions): (c: Context) => Promise<Response> {
  const { codec } = options;
  return async (c) => {
    const encoding = encodingOf(c.req.header("content-type"));
    if (encoding === undefined) {
      return failure(new ActorError("BAD_REQUEST", `content-type must be ${JSON_TYPE} or ${MSGPACK_TYPE}`), "json", codec, 415);
    }
    if (options.apiToken !== undefined && !bearerMatches(c.req.header("authorization"), options.apiToken)) {
      return failure(new ActorError("UNAUTHORIZED", "this route needs Authorization: Bearer <api token>"), encoding, codec);
    }
    if (options.shuttingDown()) return failure(new ActorError("SHUTTING_DOWN", "this node is shutting down"), encoding, codec);
    const max = codec.limits.maxMessageBytes;
    const declared = Number(c.req.header("content-length") ?? "0");
    if (declared > max) return failure(new ActorError("BAD_REQUEST", `body of ${declared} bytes is over the limit of ${max}`), encoding, codec, 413);
    let body: Uint8Array;
    try {
      body = new Uint8Array(await c.req.arrayBuffer());
    } catch (error) {
      return failure(new ActorError("BAD_REQUEST", `cannot read the body: ${(error as Error).message}`), encoding, codec);
    }
    if (body.byteLength > max) return failure(new ActorError("BAD_REQUEST", `body of ${body.byteLength} bytes is over the limit of ${max}`), encoding, codec, 413);

    try {
      const request = parseActorRequest(body, encoding, codec);
      const name = c.req.path.slice(ACTOR_PATH.length);
      const ref = options.lookup(name);
      if (ref === undefined) throw new ActorError("ACTOR_NOT_FOUND", `no actor named "${name}" on this node`);
      if (c.req.header(MODE_HEADER) === "tell") {
        void deliverTell(ref, request.msgType, request.payload);
        return reply(202, { accepted: true }, encoding, codec);
      }
      const timeoutHeader = c.req.header(TIMEOUT_HEADER);
      const timeoutMs = timeoutHeader === undefined ? undefined : checkTimeout(Number(timeoutHeader), TIMEOUT_HEADER);
      const started = performance.now();
      const delivery = deliver(ref, request.msgType, request.payload, timeoutMs === undefined ? undefined : laneOf(timeoutMs));
      if (delivery.stream) return streamReply(delivery.items, encoding, codec);
      const result = await delivery.result;
      options.observe?.((performance.now() - started) / 1000);
      return reply(200, { result }, encoding, codec);
    } catch (error) {
      return failure(error, encoding, codec);
    }
  };
}
