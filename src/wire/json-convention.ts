import { clip } from "./codec.ts";
import { badRequest } from "./errors.ts";

/**
 * The HTTP route's JSON convention for the two kinds of value JSON has no type
 * for, both ways, at any depth:
 *
 * - bytes (a `Uint8Array`, any other typed array or `DataView`, an
 *   `ArrayBuffer`): `{"$bytes": "<standard base64, padded>"}`, read back as a
 *   `Uint8Array`;
 * - a `bigint`: `{"$bigint": "<decimal digits, optional leading ->"}`, read back
 *   as a `bigint`.
 *
 * On the way in only an object whose one and only key is `$bytes` or `$bigint`
 * is read this way, and its value must then be valid (else BAD_REQUEST): such
 * an object is reserved. An object with other keys as well is left alone.
 *
 * Plain replies pay almost nothing: `toJson` stringifies first and walks the
 * value only when the text shows a sign of bytes, or when a bigint made
 * `JSON.stringify` throw; `reviveMarkers` runs only when the body's scan saw a
 * string starting with `$` (`scannedJsonMayHoldMarkers`).
 */

export const BYTES_KEY = "$bytes";
export const BIGINT_KEY = "$bigint";
/** The longest `$bigint` accepted, in digits: `BigInt()` of a long string is quadratic, and 400 digits is far past any 1024-bit number. */
export const MAX_BIGINT_DIGITS = 400;
/** How deep `toJson` follows a value that needs rewriting: past it the value is taken to be cyclic. */
const MAX_ENCODE_DEPTH = 1000;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const DECIMAL = /^-?[0-9]+$/;

// --- out: values to JSON text ------------------------------------------------

/**
 * Whether `JSON.stringify` wrote bytes into `text`, from what it makes of them:
 * a non-empty typed array is `{"0":…`; an empty one, an `ArrayBuffer` and a
 * `DataView` are `{}`; a Node `Buffer` has its own toJSON. A plain object can
 * look like these too, which only costs a walk. Two-character needles first:
 * Bun searches them about twice as fast as longer ones, and they are rare in
 * plain JSON.
 */
function mayHoldBytes(text: string): boolean {
  return (
    text.includes("{}") ||
    (text.includes('"0') && text.includes('{"0":')) ||
    (text.includes('"B') && text.includes('{"type":"Buffer","data":['))
  );
}

/** `value` as JSON text, with bytes and bigints written by the convention. Throws on a value JSON cannot hold (a cycle). */
export function toJson(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch {
    // A bigint, most likely (or a cycle, which the walk refuses in its own words).
    return JSON.stringify(withMarkers(value, 0));
  }
  return text !== undefined && mayHoldBytes(text) ? JSON.stringify(withMarkers(value, 0)) : text;
}

function bytesOf(view: ArrayBufferView | ArrayBuffer): Uint8Array {
  return view instanceof ArrayBuffer ? new Uint8Array(view) : new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** A copy of `value` that `JSON.stringify` writes by the convention; primitives and objects with their own toJSON (a Date) stay as they are. */
function withMarkers(value: unknown, depth: number): unknown {
  if (typeof value === "bigint") return { [BIGINT_KEY]: value.toString() };
  if (value === null || typeof value !== "object") return value;
  if (depth > MAX_ENCODE_DEPTH) throw new RangeError(`the value is nested deeper than ${MAX_ENCODE_DEPTH} levels, or cyclic`);
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return { [BYTES_KEY]: bytesOf(value).toBase64() };
  if (Array.isArray(value)) return value.map((item) => withMarkers(item, depth + 1));
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return value;
  // No prototype: a key "__proto__" in a result stays a key.
  const copy: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(value)) copy[key] = withMarkers((value as Record<string, unknown>)[key], depth + 1);
  return copy;
}

// --- in: parsed JSON to values -----------------------------------------------

/** Whether `object` has exactly one own key (known to have `key`). */
function onlyKey(object: object): boolean {
  let count = 0;
  for (const _ in object) if (++count > 1) return false;
  return true;
}

function bytesFrom(text: unknown): Uint8Array {
  // fromBase64 alone would skip whitespace: the alphabet is checked first.
  if (typeof text === "string" && text.length % 4 === 0 && BASE64.test(text)) {
    try {
      return Uint8Array.fromBase64(text, { lastChunkHandling: "strict" });
    } catch {
      // falls through to the refusal
    }
  }
  throw badRequest(`${BYTES_KEY} must be a string of standard padded base64, got ${clip(JSON.stringify(text) ?? String(text))}`);
}

function bigintFrom(text: unknown): bigint {
  if (typeof text !== "string" || !DECIMAL.test(text)) {
    throw badRequest(`${BIGINT_KEY} must be a string of decimal digits with an optional leading -, got ${clip(JSON.stringify(text) ?? String(text))}`);
  }
  const digits = text.startsWith("-") ? text.length - 1 : text.length;
  if (digits > MAX_BIGINT_DIGITS) throw badRequest(`${BIGINT_KEY} has ${digits} digits, over the limit of ${MAX_BIGINT_DIGITS}`);
  return BigInt(text);
}

/** What a parsed object stands for: bytes, a bigint, or itself. Throws a WireError on a marker with a bad value. */
function revivedObject(object: Record<string, unknown>): unknown {
  if (Object.hasOwn(object, BYTES_KEY) && onlyKey(object)) return bytesFrom(object[BYTES_KEY]);
  if (Object.hasOwn(object, BIGINT_KEY) && onlyKey(object)) return bigintFrom(object[BIGINT_KEY]);
  for (const key in object) {
    const child = object[key];
    if (child !== null && typeof child === "object") object[key] = revive(child);
  }
  return object;
}

/**
 * `value`, fresh from `JSON.parse`, with every `{"$bytes": …}` and
 * `{"$bigint": …}` replaced by what it stands for (in place: the parsed value
 * is ours). Throws a WireError (BAD_REQUEST) on a marker whose value is invalid.
 * Its depth is bounded by the body's scan.
 */
export function reviveMarkers(value: unknown): unknown {
  return value !== null && typeof value === "object" ? revive(value) : value;
}

function revive(value: object): unknown {
  if (!Array.isArray(value)) return revivedObject(value as Record<string, unknown>);
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    if (item !== null && typeof item === "object") value[i] = revive(item);
  }
  return value;
}
