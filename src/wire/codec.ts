import { Decoder, Encoder } from "@msgpack/msgpack";
import { ActorError } from "../actor/index.ts";
import { type Envelope, envelopeProblem } from "./envelope.ts";

/** Limits on what a node decodes from the network. */
export interface WireLimits {
  /** Largest HTTP body or link frame, in bytes. */
  maxMessageBytes: number;
  /** Deepest nesting of arrays and maps in a payload. */
  maxDepth: number;
  /**
   * Asks from one peer this node answers at once; more are refused with
   * MAILBOX_FULL. A peer that floods asks gets an error, not unbounded memory here.
   */
  maxInFlightPerLink: number;
}

export const DEFAULT_LIMITS: WireLimits = { maxMessageBytes: 4 * 1024 * 1024, maxDepth: 64, maxInFlightPerLink: 65_536 };

export function badRequest(message: string): ActorError {
  return new ActorError("BAD_REQUEST", message);
}

/**
 * Whether `value` nests arrays and objects deeper than `maxDepth`. Recursion
 * stops at `maxDepth`, so it cannot overflow the stack, and allocates nothing.
 */
export function tooDeep(value: unknown, maxDepth: number): boolean {
  if (value === null || typeof value !== "object") return false;
  if (maxDepth <= 0) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const child: unknown = value[i];
      if (child !== null && typeof child === "object" && tooDeep(child, maxDepth - 1)) return true;
    }
    return false;
  }
  if (ArrayBuffer.isView(value)) return false;
  for (const key in value) {
    const child = (value as Record<string, unknown>)[key];
    if (child !== null && typeof child === "object" && tooDeep(child, maxDepth - 1)) return true;
  }
  return false;
}

/**
 * msgpack in and out, with limits. One instance per node: the decoder's length
 * limits follow `maxMessageBytes`, since no element takes less than a byte, so a
 * forged length cannot make it allocate more than the frame could hold.
 */
export class Codec {
  readonly limits: WireLimits;
  readonly #encoder = new Encoder({ ignoreUndefined: false });
  readonly #decoder: Decoder;

  constructor(limits: Partial<WireLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    const max = this.limits.maxMessageBytes;
    this.#decoder = new Decoder({ maxStrLength: max, maxBinLength: max, maxArrayLength: max, maxMapLength: max, maxExtLength: max });
  }

  encode(value: unknown): Uint8Array {
    return this.#encoder.encode(value);
  }

  /** Decodes untrusted bytes; throws BAD_REQUEST (too large, malformed, too deep). */
  decode(bytes: Uint8Array): unknown {
    if (bytes.byteLength > this.limits.maxMessageBytes) {
      throw new ActorError("BAD_REQUEST", `message of ${bytes.byteLength} bytes is over the limit of ${this.limits.maxMessageBytes}`);
    }
    let value: unknown;
    try {
      value = this.#decoder.decode(bytes);
    } catch (error) {
      throw badRequest(`malformed msgpack: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (tooDeep(value, this.limits.maxDepth)) throw badRequest(`message nests deeper than ${this.limits.maxDepth} levels`);
    return value;
  }

  /** A link frame: every envelope checked for shape before anything acts on it. */
  decodeFrame(bytes: Uint8Array): Envelope[] {
    const frame = this.decode(bytes);
    if (!Array.isArray(frame)) throw badRequest("a frame must be an array of envelopes");
    for (const envelope of frame) {
      const problem = envelopeProblem(envelope);
      if (problem !== undefined) throw badRequest(problem);
    }
    return frame as Envelope[];
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
