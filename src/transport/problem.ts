import { ActorError } from "../actor/index.ts";
import { type BodyEncoding, type Codec, encodeBody, errorBody, JSON_TYPE, MSGPACK_TYPE, statusOf } from "../wire/index.ts";

/** A body in the request's encoding; a result that cannot be encoded answers 500 HANDLER_ERROR instead. */
export function encoded(status: number, value: unknown, encoding: BodyEncoding, codec: Codec): Response {
  let body: Uint8Array | string;
  try {
    body = encodeBody(value, encoding, codec);
  } catch (error) {
    status = 500;
    body = encodeBody(errorBody(new ActorError("HANDLER_ERROR", `the result cannot be encoded as ${encoding}: ${(error as Error).message}`)), encoding, codec);
  }
  return new Response(body, { status, headers: { "content-type": encoding === "msgpack" ? MSGPACK_TYPE : JSON_TYPE } });
}

/** Every refusal on every route: `{"error": {code, message}}` with the status that fits the code. */
export function problem(error: unknown, encoding: BodyEncoding = "json", codec?: Codec, status?: number): Response {
  const wrapped = ActorError.fromHandler(error);
  const code = status ?? statusOf(wrapped.code);
  if (codec === undefined || encoding === "json") return Response.json(errorBody(wrapped), { status: code });
  return encoded(code, errorBody(wrapped), encoding, codec);
}
