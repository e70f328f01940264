/** Strings from the wire decode to what was encoded, whatever their length and script, as values and as map keys. */
import { expect, test } from "bun:test";
import { encode } from "@msgpack/msgpack";
import { Codec } from "../../src/wire/index.ts";
import { IntegerDecoder } from "../../src/wire/msgpack-integers.ts";

const codec = new Codec();
const PIECES = ["a", "é", "中", "😀", "traceparent-", "\u0000", "\uFFFD"];

function text(length: number, seed: number): string {
  let out = "";
  for (let i = 0; out.length < length; i++) out += PIECES[(seed * 7 + i * 13) % PIECES.length];
  return out;
}

test("strings of every length up to 300 characters, in any script, come back as they went", () => {
  for (let length = 0; length <= 300; length++) {
    const value = text(length, length);
    expect(codec.decode(encode(value))).toBe(value);
    expect(codec.decode(encode([1, value, { [value.slice(0, 20) || "k"]: value }]))).toEqual([1, value, { [value.slice(0, 20) || "k"]: value }]);
  }
});

test("a string that begins with U+FEFF keeps it, as a value and as a map key, at any length", () => {
  // TextDecoder drops a leading byte order mark unless told not to; in a string it is a character like any.
  for (const length of [1, 2, 5, 6, 16, 17, 100, 250]) {
    const value = `\uFEFF${"x".repeat(length)}`;
    expect(codec.decode(encode(value))).toBe(value);
    expect(codec.decode(encode({ [value]: value }))).toEqual({ [value]: value });
  }
});

test("bytes that are not UTF-8 decode leniently (U+FFFD), never throw, at any length", () => {
  for (const length of [3, 10, 55, 250]) {
    const bytes = new Uint8Array(2 + length);
    bytes[0] = 0xd9; // str 8
    bytes[1] = length;
    bytes.fill(0xff, 2);
    const decoded = codec.decode(bytes) as string;
    expect(typeof decoded).toBe("string");
    expect(decoded.length).toBeGreaterThan(0);
  }
});

test("the library still has the string reader the wire's decoder replaces", () => {
  // An upgrade of @msgpack/msgpack that renames it would leave strings on the library's slower path unnoticed.
  expect(typeof (IntegerDecoder.prototype as unknown as { decodeUtf8String?: unknown }).decodeUtf8String).toBe("function");
  // And the key cache it asks which keys are the library's to decode.
  expect(typeof (new IntegerDecoder({}) as unknown as { keyDecoder?: { canBeCached?: unknown } }).keyDecoder?.canBeCached).toBe("function");
});
