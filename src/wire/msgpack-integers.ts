import { Decoder, type DecoderOptions, Encoder, ExtData, ExtensionCodec } from "@msgpack/msgpack";

/**
 * Integers in msgpack, lossless both ways, whatever their size.
 *
 * What @msgpack/msgpack (3.x) offers is not enough on its own: by default it
 * decodes a uint64/int64 to a float (2^53 + 1 arrives as 2^53) and refuses to
 * encode a `bigint`; with `useBigInt64` it decodes *every* uint64/int64 to a
 * `bigint` (a Python client's 2^40 would arrive as 1099511627776n) and encodes
 * safe integers from 2^32 up as floats. So these subclasses replace the two
 * 64-bit readers and add a `bigint` case to the encoder:
 *
 * - decoding: a uint64/int64 is a `number` when it is a safe integer, a
 *   `bigint` otherwise (never rounded);
 * - encoding: a `bigint` in the safe range is written as the same integer a
 *   `number` would be (so it decodes as a `number`), one beyond it as uint64 or
 *   int64, and one beyond 64 bits as extension type 1 (`BIGINT_EXT`): its
 *   two's-complement big-endian bytes, at most `MAX_BIGINT_EXT_BYTES` of them,
 *   which decodes to a `bigint` (Python: `int.from_bytes(data, "big", signed=True)`).
 *   The extension is what lets a gateway forward, over its msgpack link, the
 *   `{"$bigint"}` a JSON client sent, and relay any `bigint` result.
 *
 * The library declares the replaced methods private; they are plain prototype
 * methods at run time. test/wire/json-convention.test.ts pins the behaviour,
 * so an upgrade that renames them fails there rather than on the wire.
 */

/** The msgpack extension type of a bigint beyond 64 bits. */
export const BIGINT_EXT = 1;
/** The most bytes a bigint extension may hold: 2048 bits, past the 400 digits JSON accepts. */
export const MAX_BIGINT_EXT_BYTES = 256;

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
  encodeExtension(ext: ExtData): void;
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

/** The bits of a non-negative bigint, as Python's int.bit_length. */
function bitLength(value: bigint): number {
  if (value === 0n) return 0;
  const hex = value.toString(16);
  return (hex.length - 1) * 4 + 32 - Math.clz32(Number.parseInt(hex[0] as string, 16));
}

/** `value` as two's-complement big-endian bytes, the fewest that hold it with its sign bit. */
function bigintBytes(value: bigint): Uint8Array {
  // -x - 1 needs as many bits as x does in two's complement: -128 fits one byte.
  const length = Math.ceil((bitLength(value < 0n ? -value - 1n : value) + 1) / 8);
  if (length > MAX_BIGINT_EXT_BYTES) throw new RangeError(`a BigInt over ${MAX_BIGINT_EXT_BYTES * 8} bits cannot be encoded as msgpack`);
  const unsigned = value < 0n ? (1n << BigInt(8 * length)) + value : value;
  return Uint8Array.fromHex(unsigned.toString(16).padStart(2 * length, "0"));
}

function bigintFromBytes(data: Uint8Array): bigint {
  if (data.length === 0 || data.length > MAX_BIGINT_EXT_BYTES) {
    throw new RangeError(`a bigint extension holds 1 to ${MAX_BIGINT_EXT_BYTES} bytes, not ${data.length}`);
  }
  const unsigned = BigInt(`0x${data.toHex()}`);
  return (data[0] as number) & 0x80 ? unsigned - (1n << BigInt(8 * data.length)) : unsigned;
}

/**
 * The decoder's extensions: the library's (timestamps) and bigints. The
 * encoder keeps the default codec, so no object pays a look-up for bigints.
 */
const DECODER_EXTENSIONS = new ExtensionCodec();
DECODER_EXTENSIONS.register({ type: BIGINT_EXT, encode: () => null, decode: bigintFromBytes });

/** A Decoder whose integers are numbers when safe and bigints otherwise. */
export class IntegerDecoder extends Decoder {
  constructor(options: Omit<DecoderOptions, "extensionCodec" | "useBigInt64">) {
    super({ ...options, extensionCodec: DECODER_EXTENSIONS });
  }
}
Object.assign(IntegerDecoder.prototype, { readU64, readI64 });

const encodeObject = (Encoder.prototype as unknown as EncoderInternals).encodeObject;

/** The encoder reaches encodeObject for anything that is not nil, a boolean, a number or a string: a bigint included. */
function encodeObjectOrBigInt(this: EncoderInternals, object: unknown, depth: number): void {
  if (typeof object !== "bigint") return encodeObject.call(this, object, depth);
  if (object >= -MAX_SAFE && object <= MAX_SAFE) return this.encodeNumber(Number(object));
  if (object > MAX_UINT64 || object < MIN_INT64) return this.encodeExtension(new ExtData(BIGINT_EXT, bigintBytes(object)));
  if (object > 0n) {
    this.writeU8(0xcf); // uint 64
    this.writeBigUint64(object);
  } else {
    this.writeU8(0xd3); // int 64
    this.writeBigInt64(object);
  }
}

/** An Encoder that writes a bigint as a msgpack integer, or beyond 64 bits as a bigint extension. */
export class IntegerEncoder extends Encoder {}
Object.assign(IntegerEncoder.prototype, { encodeObject: encodeObjectOrBigInt });
