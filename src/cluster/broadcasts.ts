interface Item<U> {
  readonly key: string;
  update: U;
  transmits: number;
  /** A newer update with the same key replaced this one. */
  stale: boolean;
}

/**
 * Updates waiting to be piggybacked. Each is sent a limited number of times,
 * the least-sent first (newest first among equals), and a newer update about the
 * same thing replaces an older one. Items sit in buckets by transmit count, so
 * taking a few is cheap however many wait. Membership keeps one, for its own
 * updates and its delegate's.
 */
export class Broadcasts<U> {
  readonly #buckets: Item<U>[][] = [];
  readonly #byKey = new Map<string, Item<U>>();

  get size(): number {
    return this.#byKey.size;
  }

  enqueue(key: string, update: U): void {
    const old = this.#byKey.get(key);
    if (old !== undefined && old.transmits === 0) {
      // Not sent yet: replace it where it is, so a node with nobody to send to does not pile up copies.
      old.update = update;
      return;
    }
    if (old !== undefined) old.stale = true;
    const item: Item<U> = { key, update, transmits: 0, stale: false };
    this.#byKey.set(key, item);
    this.#bucket(0).push(item);
  }

  /** Up to `max` updates to send now; each counts a transmit and is dropped after `limit`. */
  take(max: number, limit: number): U[] {
    const out: U[] = [];
    if (max <= 0) return out;
    const sent: Item<U>[] = [];
    for (let transmits = 0; transmits < this.#buckets.length && out.length < max; transmits++) {
      const bucket = this.#buckets[transmits] as Item<U>[];
      while (bucket.length > 0 && out.length < max) {
        const item = bucket.pop() as Item<U>;
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

  #bucket(transmits: number): Item<U>[] {
    while (this.#buckets.length <= transmits) this.#buckets.push([]);
    return this.#buckets[transmits] as Item<U>[];
  }
}
