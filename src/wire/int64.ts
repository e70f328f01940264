import { Decoder, Encoder } from "@msgpack/msgpack";

/**
 * msgpack's 64-bit integers, lossless both ways.
 *
 * What @msgpack/msgpack (3.x) offers is not enough on its own: by default it
 * decodes a uint64/int64 to a float (2^53 + 1 arrives as 2^53) and refuses to
 * encode a `bigint`; with `useBigInt64` it decodes *every* uint64/int64 to a
 * `bigint` (a Python client's 2^40 would arrive as 1099511627776n) and encodes
 * safe integers from 2^32 up as floats. So these subclasses replace the two
 * readers and add a `bigint` case to the encoder:
 *
 * - decoding: a uint64/int64 is a `number` when it is a safe integer, a
 *   `bigint` otherwise (never rounded);
 * - encoding: a `bigint` in the safe range is written as the same integer a
 *   `number` would be (so it decodes as a `number`), one beyond it as uint64 or
 *   int64; one outside 64 bits cannot be sent (a RangeError, which its call
 *   reports as it reports any value that cannot be encoded).
 *
 * The library declares these methods private; they are plain prototype methods
 * at run time. test/wire/json-convention.test.ts pins the behaviour, so an
 * upgrade that renames them fails there rather than on the wire.
 */

const TWO_32 = 4294967296;
const MAX_UINT64 = (1n << 64n) - 1n;
const MIN_INT64 = -(1n << 63n);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The decoder's private state these readers use. */
interface DecoderInternals {
  view: DataView;
  pos: number;
}

/** The encoder's private methods the bigint case uses. */
interface EncoderInternals {
  encodeObject(object: unknown, depth: number): void;
  encodeNumber(value: number): void;
  writeU8(value: number): void;
  writeBigUint64(value: bigint): void;
  writeBigInt64(value: bigint): void;
}

function readU64(this: DecoderInternals): number | bigint {
  const at = this.pos;
  this.pos += 8;
  // Exact while the result is a safe integer; a rounded result is never safe.
  const value = this.view.getUint32(at) * TWO_32 + this.view.getUint32(at + 4);
  return Number.isSafeInteger(value) ? value : this.view.getBigUint64(at);
}

function readI64(this: DecoderInternals): number | bigint {
  const at = this.pos;
  this.pos += 8;
  const value = this.view.getInt32(at) * TWO_32 + this.view.getUint32(at + 4);
  return Number.isSafeInteger(value) ? value : this.view.getBigInt64(at);
}

/** A Decoder whose 64-bit integers are numbers when safe and bigints otherwise. */
export class Int64Decoder extends Decoder {}
Object.assign(Int64Decoder.prototype, { readU64, readI64 });

const encodeObject = (Encoder.prototype as unknown as EncoderInternals).encodeObject;

/** The encoder reaches encodeObject for anything that is not nil, a boolean, a number or a string: a bigint included. */
function encodeObjectOrBigInt(this: EncoderInternals, object: unknown, depth: number): void {
  if (typeof object !== "bigint") return encodeObject.call(this, object, depth);
  if (object >= -MAX_SAFE && object <= MAX_SAFE) return this.encodeNumber(Number(object));
  if (object > MAX_UINT64 || object < MIN_INT64) throw new RangeError("a BigInt outside 64 bits cannot be encoded as msgpack");
  if (object > 0n) {
    this.writeU8(0xcf); // uint 64
    this.writeBigUint64(object);
  } else {
    this.writeU8(0xd3); // int 64
    this.writeBigInt64(object);
  }
}

/** An Encoder that writes a bigint as a msgpack integer. */
export class Int64Encoder extends Encoder {}
Object.assign(Int64Encoder.prototype, { encodeObject: encodeObjectOrBigInt });
