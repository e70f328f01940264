/** One peer's account: the calls its links brought that this node is still working on. */
export interface PeerAccount {
  readonly peer: string;
  inFlight: number;
  /** Decoded memory of the peer's messages its links hold back for busy actors. */
  held: number;
  links: number;
}

/**
 * How many calls each peer has this node working on, counted per peer node
 * (not per link: four links from one node share one account). A peer that
 * proved nothing is counted by its IP address, so inventing node ids buys it
 * nothing. A link opens its peer's account once; a call costs no lookup.
 */
export class PeerBudget {
  readonly #accounts = new Map<string, PeerAccount>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  /** The account a new link of `peer` charges; release it when the link closes. */
  open(peer: string): PeerAccount {
    let account = this.#accounts.get(peer);
    if (account === undefined) {
      account = { peer, inFlight: 0, held: 0, links: 0 };
      this.#accounts.set(peer, account);
    }
    account.links++;
    return account;
  }

  /** A link of the account closed, after giving back what it had taken. */
  release(account: PeerAccount): void {
    account.links--;
    if (account.links <= 0 && account.inFlight <= 0 && account.held <= 0 && this.#accounts.get(account.peer) === account) this.#accounts.delete(account.peer);
  }

  /** Takes a slot for one more call; false when the peer has none left. */
  take(account: PeerAccount): boolean {
    if (account.inFlight >= this.#max) return false;
    account.inFlight++;
    return true;
  }

  give(account: PeerAccount, slots = 1): void {
    account.inFlight = Math.max(0, account.inFlight - slots);
  }
}
