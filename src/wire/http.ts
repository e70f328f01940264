import { type Codec, clip } from "./codec.ts";
import { badRequest } from "./errors.ts";
import { reviveMarkers, toJson } from "./json-convention.ts";
import { hasProtoKey, jsonDepthProblem, scannedJsonCost, scannedJsonMayHoldMarkers } from "./json-scan.ts";
import { scannedCost } from "./msgpack-scan.ts";

/**
 * The public HTTP route's formats: `POST /actor/{name}` with a JSON or msgpack
 * body `{ msg_type, payload }`, answered in the same encoding. JSON carries
 * bytes and bigints by the convention of `json-convention.ts`, both ways;
 * msgpack carries them natively.
 */
export type BodyEncoding = "json" | "msgpack";

export const JSON_TYPE = "application/json";
export const MSGPACK_TYPE = "application/msgpack";
export const NDJSON_TYPE = "application/x-ndjson";
export const MSGPACK_STREAM_TYPE = "application/vnd.pulsing.msgpack-stream";

const UTF8 = new TextDecoder("utf-8", { fatal: true });
const ENCODER = new TextEncoder();

export interface ActorRequest {
  msgType: string;
  payload: unknown;
  /** What the request is estimated to hold in memory, decoded. */
  cost: number;
}

export function encodingOf(contentType: string | undefined): BodyEncoding | undefined {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase();
  if (type === MSGPACK_TYPE || type === "application/x-msgpack") return "msgpack";
  // curl -d sends a form content type; the body is the JSON all the same.
  if (type === JSON_TYPE || type === "" || type === "text/plain" || type === "application/x-www-form-urlencoded") return "json";
  return undefined;
}

/** Parses and checks a request body; throws BAD_REQUEST saying what is wrong. */
export function parseActorRequest(body: Uint8Array, encoding: BodyEncoding, codec: Codec): ActorRequest {
  if (body.byteLength > codec.limits.maxMessageBytes) {
    throw badRequest(`body of ${body.byteLength} bytes is over the limit of ${codec.limits.maxMessageBytes}`);
  }
  let value: unknown;
  let cost: number;
  // Only a JSON body with a string starting with $ can hold {"$bytes": …} or {"$bigint": …}.
  let revive = false;
  if (encoding === "msgpack") {
    value = codec.decode(body);
    cost = scannedCost;
  } else {
    let text: string;
    try {
      text = UTF8.decode(body);
    } catch {
      throw badRequest("malformed JSON: the body is not valid UTF-8");
    }
    // Depth first, from the text: a deep body is refused before anything is built.
    const problem = jsonDepthProblem(text, codec.limits.maxDepth);
    if (problem !== undefined) {
      codec.refused.malformed++;
      throw badRequest(`malformed JSON: ${problem}`);
    }
    cost = scannedJsonCost;
    revive = scannedJsonMayHoldMarkers;
    codec.checkCost(cost);
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw badRequest(`malformed JSON: ${clip((error as Error).message)}`);
    }
    if (hasProtoKey(text, value)) throw badRequest("a key named __proto__ is not allowed");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw badRequest('the body must be an object: {"msg_type": "...", "payload": ...}');
  const { msg_type: msgType, payload } = value as Record<string, unknown>;
  if (typeof msgType !== "string" || msgType.length === 0) throw badRequest('"msg_type" must be a non-empty string');
  return { msgType, payload: revive ? reviveMarkers(payload) : payload, cost };
}

export function encodeBody(value: unknown, encoding: BodyEncoding, codec: Codec): Uint8Array | string {
  return encoding === "msgpack" ? codec.encode(value) : toJson(value);
}

/** One record of a streamed reply: NDJSON lines, or msgpack records each behind a 4-byte big-endian length. */
export function encodeStreamRecord(record: object, encoding: BodyEncoding, codec: Codec): Uint8Array {
  if (encoding === "json") return ENCODER.encode(`${toJson(record)}\n`);
  const body = codec.encode(record);
  const framed = new Uint8Array(4 + body.byteLength);
  new DataView(framed.buffer).setUint32(0, body.byteLength);
  framed.set(body, 4);
  return framed;
}
