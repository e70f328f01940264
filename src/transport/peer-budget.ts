/**
 * How many calls each peer has this node working on, counted per peer node
 * (not per link: four links from one node share one budget). A peer that
 * proved nothing is counted by its IP address, so inventing node ids buys it
 * nothing.
 */
export class PeerBudget {
  readonly #inFlight = new Map<string, number>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  /** Takes a slot for one more call from `peer`; false when it has none left. */
  take(peer: string): boolean {
    const count = this.#inFlight.get(peer) ?? 0;
    if (count >= this.#max) return false;
    this.#inFlight.set(peer, count + 1);
    return true;
  }

  give(peer: string): void {
    this.giveAll(peer, 1);
  }

  giveAll(peer: string, slots: number): void {
    if (slots <= 0) return;
    const count = (this.#inFlight.get(peer) ?? 0) - slots;
    if (count > 0) this.#inFlight.set(peer, count);
    else this.#inFlight.delete(peer);
  }

  inFlight(peer: string): number {
    return this.#inFlight.get(peer) ?? 0;
  }
}
