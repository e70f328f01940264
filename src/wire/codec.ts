import { type Envelope, envelopeProblem } from "./envelope.ts";
import { badRequest } from "./errors.ts";
import { IntegerEncoder } from "./msgpack-integers.ts";
import { WireDecoder } from "./msgpack-strings.ts";
import { elementCosts, msgpackProblem, scannedCost, scannedElements } from "./msgpack-scan.ts";

/** Limits on what a node decodes from the network. */
export interface WireLimits {
  /** Largest HTTP body or link frame, in bytes. */
  maxMessageBytes: number;
  /** Deepest nesting of arrays and maps in a payload. */
  maxDepth: number;
  /**
   * The most memory one message may decode to, by the scan's estimate (16 bytes a
   * value, 48 more an array or map, twice the text): a few wire bytes can be a
   * whole object each.
   */
  maxDecodedBytes: number;
}

export const DEFAULT_LIMITS: WireLimits = { maxMessageBytes: 4 * 1024 * 1024, maxDepth: 64, maxDecodedBytes: 32 * 1024 * 1024 };

/** A decoded link frame, and what each of its envelopes is estimated to hold in memory. */
export interface Frame {
  envelopes: Envelope[];
  costs: Float64Array;
}


/** `text` cut to `max` characters, so an error never repeats much of what a peer sent. */
export function clip(text: string, max = 64): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/**
 * msgpack in and out, with limits. One instance per node. Bytes are checked by
 * `msgpackProblem` before the decoder sees them (lengths and counts that fit in
 * the bytes, depth, nothing after the value), so a forged header cannot make the
 * decoder allocate more than the frame holds; the decoder's own length limits
 * (`maxMessageBytes`) stay as a second line. Integers are lossless both ways
 * (`msgpack-integers.ts`): a `bigint` is sent as a msgpack integer (beyond 64
 * bits as an extension), and one that is not a safe integer arrives as a `bigint`.
 */
export class Codec {
  readonly limits: WireLimits;
  /** Messages refused before decoding, for metrics: bad structure (lengths, depth, bytes after the end), or too large decoded. */
  readonly refused = { malformed: 0, decoded_too_large: 0 };
  readonly #encoder = new IntegerEncoder({ ignoreUndefined: false });
  readonly #decoder: WireDecoder;

  constructor(limits: Partial<WireLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    const max = this.limits.maxMessageBytes;
    this.#decoder = new WireDecoder({ maxStrLength: max, maxBinLength: max, maxArrayLength: max, maxMapLength: max, maxExtLength: max });
  }

  encode(value: unknown): Uint8Array {
    return this.#encoder.encode(value);
  }

  /** Decodes untrusted bytes; throws a WireError (too large, malformed, too deep). */
  decode(bytes: Uint8Array): unknown {
    if (bytes.byteLength > this.limits.maxMessageBytes) {
      throw badRequest(`message of ${bytes.byteLength} bytes is over the limit of ${this.limits.maxMessageBytes}`);
    }
    const problem = msgpackProblem(bytes, this.limits.maxDepth);
    if (problem !== undefined) {
      this.refused.malformed++;
      throw badRequest(`malformed msgpack: ${problem}`);
    }
    this.checkCost(scannedCost);
    try {
      return this.#decoder.decode(bytes);
    } catch (error) {
      throw badRequest(`malformed msgpack: ${clip(error instanceof Error ? error.message : String(error))}`);
    }
  }

  /** Refuses a message whose decoded form would be too large; `cost` is the scan's estimate. */
  checkCost(cost: number): void {
    if (cost > this.limits.maxDecodedBytes) {
      this.refused.decoded_too_large++;
      throw badRequest(`the message would take about ${cost} bytes decoded, over the limit of ${this.limits.maxDecodedBytes}`);
    }
  }

  /** A link frame: every envelope checked for shape before anything acts on it. */
  decodeFrame(bytes: Uint8Array): Frame {
    const frame = this.decode(bytes);
    if (!Array.isArray(frame)) throw badRequest("a frame must be an array of envelopes");
    // The scan's estimates, one per envelope, copied before another scan reuses them.
    const costs = elementCosts.slice(0, scannedElements);
    for (const envelope of frame) {
      const problem = envelopeProblem(envelope);
      if (problem !== undefined) throw badRequest(problem);
    }
    return { envelopes: frame as Envelope[], costs };
  }

  /**
   * Encodes a batch as frames of at most `maxMessageBytes` each (one frame
   * unless the batch is large). An envelope that cannot be encoded (a function,
   * a symbol…) or is too large alone is replaced by what `fallback` makes of it,
   * so one bad value never costs the rest of the batch.
   */
  encodeFrames(batch: Envelope[], fallback: (envelope: Envelope, error: unknown) => Envelope | undefined): Uint8Array[] {
    const frames: Uint8Array[] = [];
    this.#encodeInto(batch, fallback, frames);
    return frames;
  }

  #encodeInto(batch: Envelope[], fallback: (envelope: Envelope, error: unknown) => Envelope | undefined, frames: Uint8Array[]): void {
    let frame: Uint8Array | undefined;
    let failure: unknown;
    try {
      frame = this.#encoder.encode(batch);
    } catch (error) {
      failure = error;
    }
    if (frame !== undefined && frame.byteLength <= this.limits.maxMessageBytes) {
      frames.push(frame);
      return;
    }
    if (batch.length > 1) {
      const half = batch.length >> 1;
      this.#encodeInto(batch.slice(0, half), fallback, frames);
      this.#encodeInto(batch.slice(half), fallback, frames);
      return;
    }
    const envelope = batch[0] as Envelope;
    const why = failure ?? new Error(`${frame?.byteLength} bytes is over the limit of ${this.limits.maxMessageBytes}`);
    const replacement = fallback(envelope, why);
    if (replacement !== undefined) this.#encodeInto([replacement], () => undefined, frames);
  }
}
