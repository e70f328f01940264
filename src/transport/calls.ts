const SLOTS = 4096;

/**
 * Calls in flight on a link, by id (`key` reads it). Ids are handed out in order and most
 * calls finish soon, so slot `id & mask` of a fixed table is nearly always free:
 * set, get and take are an index each, where a Map hashes three times a call.
 * A call still in its slot when a new id lands there (a long stream, a slow ask)
 * moves to a Map, so the table never grows.
 */
export class CallTable<T> {
  readonly #slots: (T | undefined)[] = new Array(SLOTS);
  readonly #overflow = new Map<number, T>();
  readonly #key: (call: T) => number;
  #inSlots = 0;

  constructor(key: (call: T) => number) {
    this.#key = key;
  }

  get size(): number {
    return this.#inSlots + this.#overflow.size;
  }

  set(call: T): void {
    const at = this.#key(call) & (SLOTS - 1);
    const occupant = this.#slots[at];
    if (occupant === undefined) this.#inSlots++;
    else this.#overflow.set(this.#key(occupant), occupant);
    this.#slots[at] = call;
  }

  get(id: number): T | undefined {
    const call = this.#slots[id & (SLOTS - 1)];
    return call !== undefined && this.#key(call) === id ? call : this.#overflow.get(id);
  }

  /** Removes and returns the call with that id, if it is here. */
  take(id: number): T | undefined {
    const at = id & (SLOTS - 1);
    const call = this.#slots[at];
    if (call !== undefined && this.#key(call) === id) {
      this.#slots[at] = undefined;
      this.#inSlots--;
      return call;
    }
    const moved = this.#overflow.get(id);
    if (moved !== undefined) this.#overflow.delete(id);
    return moved;
  }

  values(): T[] {
    return [...this.#slots.filter((call): call is T => call !== undefined), ...this.#overflow.values()];
  }

  clear(): void {
    this.#slots.fill(undefined);
    this.#overflow.clear();
    this.#inSlots = 0;
  }
}
