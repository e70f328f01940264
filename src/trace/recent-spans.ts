/** One span this node ended, as the dashboard's trace view shows it. */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  kind: "server" | "client" | "producer" | "consumer" | "internal";
  /** Wall-clock start, ms since the epoch. */
  startMs: number;
  durationMs: number;
  /** The error code it ended with; absent when it succeeded. */
  code?: string;
  /** The actor (or `#kind/key`) it was for. */
  actor: string;
}

/** How many ended spans a node keeps for its dashboard: the latest ones. */
export const RECENT_SPANS = 256;

/**
 * The spans this node recorded last, in a ring of fixed size: what the
 * dashboard's trace view reads. It holds only what the runtime's own spans
 * carried (names, ids, times, codes), never payloads.
 */
export class RecentSpans {
  readonly #ring: (SpanRecord | undefined)[];
  #next = 0;
  #count = 0;

  constructor(readonly capacity = RECENT_SPANS) {
    this.#ring = new Array(capacity);
  }

  add(record: SpanRecord): void {
    this.#ring[this.#next] = record;
    this.#next = (this.#next + 1) % this.capacity;
    if (this.#count < this.capacity) this.#count++;
  }

  /** Oldest first. */
  list(): SpanRecord[] {
    const out: SpanRecord[] = [];
    const start = (this.#next - this.#count + this.capacity) % this.capacity;
    for (let i = 0; i < this.#count; i++) out.push(this.#ring[(start + i) % this.capacity] as SpanRecord);
    return out;
  }
}

/** Every span the runtime ends in this process (one ring per process: spans do not know their node). */
export const recentSpans = new RecentSpans();
