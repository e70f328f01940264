/**
 * A FIFO queue on a power-of-two ring. `Array.prototype.shift` is O(n) on large
 * arrays; a mailbox needs O(1) at both ends and no allocation once it has grown.
 * Storage is allocated on first push, so an idle actor's empty mailbox costs nothing.
 */
export class Ring<T> {
  #items: (T | undefined)[] = [];
  #head = 0;
  #size = 0;

  get length(): number {
    return this.#size;
  }

  push(item: T): void {
    const items = this.#items;
    if (this.#size === items.length) this.#grow();
    this.#items[(this.#head + this.#size) & (this.#items.length - 1)] = item;
    this.#size++;
  }

  /** Removes and returns the oldest item; undefined when empty. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const items = this.#items;
    const item = items[this.#head];
    items[this.#head] = undefined; // let the garbage collector have it
    this.#head = (this.#head + 1) & (items.length - 1);
    this.#size--;
    return item;
  }

  /** Empties the queue and returns what it held, oldest first. */
  drain(): T[] {
    const out: T[] = [];
    for (let item = this.shift(); item !== undefined; item = this.shift()) out.push(item);
    return out;
  }

  #grow(): void {
    const old = this.#items;
    const next: (T | undefined)[] = new Array(old.length === 0 ? 4 : old.length * 2);
    for (let i = 0; i < this.#size; i++) next[i] = old[(this.#head + i) & (old.length - 1)];
    this.#items = next;
    this.#head = 0;
  }
}
