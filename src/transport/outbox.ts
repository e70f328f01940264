import type { Codec, Envelope } from "../wire/index.ts";

/** Where an outbox's frames go; false when the link could not take one (it closes). */
export type FrameWriter = (frame: Uint8Array) => boolean;

/**
 * The envelopes a link has yet to send, and when they leave. Calls and replies
 * leave in a microtask: the callers resumed by one frame all run before it, so
 * their calls share a frame, with no added latency. Stream items leave at the
 * end of the event-loop turn: each takes a few microtasks to produce, and
 * waiting puts many in one frame.
 */
export class Outbox {
  #queue: Envelope[] = [];
  #flushSoon = false;
  #flushLater = false;
  #open = false;
  readonly #codec: Codec;
  readonly #write: FrameWriter;
  readonly #unencodable: (envelope: Envelope, error: unknown) => Envelope | undefined;

  constructor(codec: Codec, write: FrameWriter, unencodable: (envelope: Envelope, error: unknown) => Envelope | undefined) {
    this.#codec = codec;
    this.#write = write;
    this.#unencodable = unencodable;
  }

  /** Envelopes waiting: while the link connects, everything sent so far. */
  get length(): number {
    return this.#queue.length;
  }

  /** The link is up: what waited goes out now, and what comes later as it comes. */
  open(): void {
    this.#open = true;
    if (this.#queue.length > 0) this.#schedule(true);
  }

  push(envelope: Envelope, soon = true): void {
    this.#queue.push(envelope);
    if (this.#open) this.#schedule(soon);
  }

  #schedule(soon: boolean): void {
    if (soon) {
      if (this.#flushSoon) return;
      this.#flushSoon = true;
      queueMicrotask(this.#flushNow);
    } else {
      if (this.#flushLater) return;
      this.#flushLater = true;
      setImmediate(this.#flushAtTurnEnd);
    }
  }

  readonly #flushNow = (): void => {
    this.#flushSoon = false;
    this.#flush();
  };

  readonly #flushAtTurnEnd = (): void => {
    this.#flushLater = false;
    this.#flush();
  };

  #flush(): void {
    if (!this.#open || this.#queue.length === 0) return;
    const batch = this.#queue;
    this.#queue = [];
    for (const frame of this.#codec.encodeFrames(batch, this.#unencodable)) {
      if (!this.#write(frame)) return;
    }
  }

  /** The link closed: nothing more leaves; hands back what never did. */
  close(): Envelope[] {
    this.#open = false;
    const left = this.#queue;
    this.#queue = [];
    return left;
  }
}
