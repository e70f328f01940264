import type { Update } from "./types.ts";

interface Item {
  readonly key: string;
  update: Update;
  transmits: number;
  /** A newer update with the same key replaced this one. */
  stale: boolean;
}

/**
 * Updates waiting to be piggybacked. Each is sent a limited number of times,
 * the least-sent first (newest first among equals), and a newer update about the
 * same thing replaces an older one. Items sit in buckets by transmit count, so
 * taking a few is cheap however many wait.
 */
export class Broadcasts {
  readonly #buckets: Item[][] = [];
  readonly #byKey = new Map<string, Item>();

  get size(): number {
    return this.#byKey.size;
  }

  enqueue(key: string, update: Update): void {
    const old = this.#byKey.get(key);
    if (old !== undefined && old.transmits === 0) {
      // Not sent yet: replace it where it is, so a node with nobody to send to does not pile up copies.
      old.update = update;
      return;
    }
    if (old !== undefined) old.stale = true;
    const item: Item = { key, update, transmits: 0, stale: false };
    this.#byKey.set(key, item);
    this.#bucket(0).push(item);
  }

  /** Up to `max` updates to send now; each counts a transmit and is dropped after `limit`. */
  take(max: number, limit: number): Update[] {
    const out: Update[] = [];
    const sent: Item[] = [];
    for (let transmits = 0; transmits < this.#buckets.length && out.length < max; transmits++) {
      const bucket = this.#buckets[transmits] as Item[];
      while (bucket.length > 0 && out.length < max) {
        const item = bucket.pop() as Item;
        if (item.stale) continue;
        out.push(item.update);
        item.transmits++;
        if (item.transmits >= limit) this.#byKey.delete(item.key);
        else sent.push(item);
      }
    }
    for (const item of sent) this.#bucket(item.transmits).push(item);
    return out;
  }

  #bucket(transmits: number): Item[] {
    while (this.#buckets.length <= transmits) this.#buckets.push([]);
    return this.#buckets[transmits] as Item[];
  }
}
