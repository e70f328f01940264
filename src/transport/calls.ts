/**
 * The calls in flight on a link, by id. Ids are handed out in order and most
 * calls finish soon, so slot `id & mask` is nearly always free: set, get and
 * delete are an index each, where a Map would hash three times per call.
 */
export class CallTable<T extends { readonly id: number }> {
  #slots: (T | undefined)[] = new Array(64);
  #mask = 63;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  set(call: T): void {
    while (this.#slots[call.id & this.#mask] !== undefined) this.#grow();
    this.#slots[call.id & this.#mask] = call;
    this.#size++;
  }

  get(id: number): T | undefined {
    const call = this.#slots[id & this.#mask];
    return call !== undefined && call.id === id ? call : undefined;
  }

  /** Removes and returns the call with that id, if it is here. */
  take(id: number): T | undefined {
    const at = id & this.#mask;
    const call = this.#slots[at];
    if (call === undefined || call.id !== id) return undefined;
    this.#slots[at] = undefined;
    this.#size--;
    return call;
  }

  values(): T[] {
    return this.#slots.filter((call): call is T => call !== undefined);
  }

  clear(): void {
    this.#slots = new Array(64);
    this.#mask = 63;
    this.#size = 0;
  }

  /** Doubles until every call has a slot of its own (a long call can sit where a new id lands). */
  #grow(): void {
    const calls = this.values();
    for (let length = this.#slots.length * 2; ; length *= 2) {
      // Distinct ids stop clashing once the table is large enough.
      const slots: (T | undefined)[] = new Array(length);
      const mask = length - 1;
      let clash = false;
      for (const call of calls) {
        if (slots[call.id & mask] !== undefined) {
          clash = true;
          break;
        }
        slots[call.id & mask] = call;
      }
      if (!clash) {
        this.#slots = slots;
        this.#mask = mask;
        return;
      }
    }
  }
}
