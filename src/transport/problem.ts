import { ActorError, boundedIssues, type ErrorCode, type ValidationIssue } from "../actor/index.ts";
import { type BodyEncoding, type Codec, clip, encodeBody, JSON_TYPE, MSGPACK_TYPE, WireError } from "../wire/index.ts";

/**
 * The longest error message that leaves a node: a handler's message may quote
 * what a caller sent, and must not send it back whole.
 */
export const MAX_ERROR_MESSAGE = 1024;

/** Anything thrown, as the ActorError a caller gets: bad bytes from outside are BAD_REQUEST, a handler's error HANDLER_ERROR. */
export function asActorError(error: unknown): ActorError {
  return error instanceof WireError ? new ActorError("BAD_REQUEST", error.message) : ActorError.fromHandler(error);
}

/**
 * An error as it leaves a node, in an HTTP body or a link's FAIL:
 * `{"error": {code, message, errorName?, issues?}}`, its texts cut. Issues are
 * cut as a schema's refusal cuts them: a handler's own ActorError, or a
 * member's FAIL passed on by the gateway, may carry any.
 */
export function errorBody(error: ActorError): { error: { code: ErrorCode; message: string; errorName?: string; issues?: readonly ValidationIssue[] } } {
  const { issues, ...json } = error.toJSON();
  return {
    error: {
      ...json,
      message: clip(json.message, MAX_ERROR_MESSAGE),
      ...(json.errorName === undefined ? {} : { errorName: clip(json.errorName, 64) }),
      ...(Array.isArray(issues) ? { issues: boundedIssues(issues) } : {}),
    },
  };
}

/** The HTTP status that fits an error code. */
export function statusOf(code: ErrorCode): number {
  switch (code) {
    case "ACTOR_NOT_FOUND":
      return 404;
    case "UNKNOWN_MESSAGE":
    case "BAD_REQUEST":
    case "INVALID_NAME":
    case "INVALID_OPTION":
      return 400;
    case "UNAUTHORIZED":
      return 401;
    case "SPAWN_NOT_ALLOWED":
      return 403;
    case "NAME_TAKEN":
      return 409;
    case "TOO_MANY_CALLS":
      return 429;
    case "TIMEOUT":
      return 504;
    case "MAILBOX_FULL":
    case "SHUTTING_DOWN":
    case "ACTOR_STOPPED":
    case "ENTITY_MOVED":
      return 503;
    case "NODE_UNREACHABLE":
      return 502;
    default:
      return 500;
  }
}

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
  const wrapped = asActorError(error);
  const code = status ?? statusOf(wrapped.code);
  if (codec === undefined || encoding === "json") return Response.json(errorBody(wrapped), { status: code });
  return encoded(code, errorBody(wrapped), encoding, codec);
}
