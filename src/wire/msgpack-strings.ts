import { IntegerDecoder } from "./msgpack-integers.ts";

/**
 * Strings in msgpack, decoded by the platform. @msgpack/msgpack (3.x) decodes
 * a string of up to 200 bytes in JavaScript, one code unit at a time, because
 * that beat TextDecoder on V8; on Bun, TextDecoder is the faster from a few
 * bytes up (measured: 16 bytes 128 → 57 ns, a 55-byte `traceparent` 340 → 60
 * ns). Map keys keep the library's cache. Like the integer readers this
 * replaces a method the library declares private; test/wire/codec tests pin
 * what strings decode to, so an upgrade that renames it shows there.
 */
// ignoreBOM: by default TextDecoder drops a leading U+FEFF, which in a string is a character like any.
const text = new TextDecoder("utf-8", { ignoreBOM: true });

/** Below this many bytes the library's own decoder is as fast (and map keys that short are cached anyway). */
const NATIVE_FROM = 6;

/** The decoder's private state and methods this reader uses. */
interface DecoderInternals {
  bytes: Uint8Array;
  pos: number;
  maxStrLength: number;
  keyDecoder: { canBeCached(byteLength: number): boolean } | null;
  stateIsMapKey(): boolean;
}

const libraryDecodeUtf8String = (IntegerDecoder.prototype as unknown as { decodeUtf8String(byteLength: number, headerOffset: number): string }).decodeUtf8String;

function decodeUtf8String(this: DecoderInternals, byteLength: number, headerOffset: number): string {
  // The library's path checks the length limit and the bytes left, and caches short map keys: it keeps those cases.
  // (A key too long to cache comes here: past 200 bytes the library's own TextDecoder would drop a leading U+FEFF.)
  if (
    byteLength < NATIVE_FROM ||
    byteLength > this.maxStrLength ||
    this.bytes.byteLength < this.pos + headerOffset + byteLength ||
    (this.stateIsMapKey() && this.keyDecoder?.canBeCached(byteLength) !== false)
  ) {
    return libraryDecodeUtf8String.call(this, byteLength, headerOffset);
  }
  const start = this.pos + headerOffset;
  this.pos = start + byteLength;
  return text.decode(this.bytes.subarray(start, start + byteLength));
}

/** The wire's decoder: integers lossless (msgpack-integers.ts), strings decoded natively. */
export class WireDecoder extends IntegerDecoder {}
Object.assign(WireDecoder.prototype, { decodeUtf8String });
