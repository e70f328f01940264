import type { NetworkActor } from "../actor/index.ts";
import { CALL, type CallEnvelope, type TellEnvelope } from "../wire/index.ts";
import type { PeerAccount } from "./peer-budget.ts";

/** A call or tell from the peer that waits for its actor to have room, with the memory it holds. */
interface Held {
  envelope: CallEnvelope | TellEnvelope | undefined;
  readonly cost: number;
}

/** Waits for room at `actor`; an actor that is gone has room at once (its messages then fail as they should). */
function whenRoom(actor: NetworkActor | undefined, callback: () => void): () => void {
  if (actor !== undefined) return actor.whenRoom(callback);
  queueMicrotask(callback);
  return () => {};
}

const EMPTY: Held = { envelope: undefined, cost: 0 };

/** The held messages to one actor, in arrival order, and how to stop waiting for its room. */
interface Queue {
  readonly items: Held[];
  at: number;
  stopWaiting: () => void;
}

/** The actor a call or tell is for. */
export function targetOf(envelope: CallEnvelope | TellEnvelope): string {
  return envelope[0] === CALL ? envelope[2] : envelope[1];
}

/**
 * Backpressure for a peer's calls and tells, per actor: when an actor has no
 * room for messages from the network, the link holds the peer's messages to
 * that actor, in order, until it has; messages to other actors, and replies,
 * go on meanwhile. What is held counts against the peer's account, whose
 * bound the link enforces.
 */
export class HeldCalls {
  readonly #queues = new Map<string, Queue>();
  /** Held calls by id: a CANCEL or a reused id is found without a scan. */
  readonly #calls = new Map<number, Held>();
  readonly #account: PeerAccount;
  readonly #deliver: (envelope: CallEnvelope | TellEnvelope, cost: number) => boolean;
  readonly #lookup: (name: string) => NetworkActor | undefined;

  /**
   * `deliver` serves a message, or says false when its actor has no room after
   * all (it is then held again); `lookup` finds an actor's ref by name.
   */
  constructor(account: PeerAccount, lookup: (name: string) => NetworkActor | undefined, deliver: (envelope: CallEnvelope | TellEnvelope, cost: number) => boolean) {
    this.#account = account;
    this.#lookup = lookup;
    this.#deliver = deliver;
  }

  /** Whether messages to `target` are being held: a new one must queue behind them. */
  holds(target: string): boolean {
    return this.#queues.size > 0 && this.#queues.has(target);
  }

  /** Holds a message for `target` (whose actor is `ref`), behind any already held for it. */
  hold(target: string, ref: NetworkActor | undefined, envelope: CallEnvelope | TellEnvelope, cost: number): void {
    this.#account.held += cost;
    let queue = this.#queues.get(target);
    if (queue === undefined) {
      queue = { items: [], at: 0, stopWaiting: () => {} };
      this.#queues.set(target, queue);
      queue.stopWaiting = whenRoom(ref, () => this.#resume(target, queue as Queue));
    }
    const held: Held = { envelope, cost };
    queue.items.push(held);
    if (envelope[0] === CALL) this.#calls.set(envelope[1], held);
  }

  /** The actor has room again: its held messages go in order, until it is full again. */
  #resume(target: string, queue: Queue): void {
    const { items } = queue;
    while (queue.at < items.length) {
      if (this.#queues.get(target) !== queue) return; // the link closed meanwhile: all was given back
      const held = items[queue.at] as Held;
      const envelope = held.envelope;
      if (envelope !== undefined) {
        if (!this.#deliver(envelope, held.cost)) {
          queue.stopWaiting = whenRoom(this.#lookup(target), () => this.#resume(target, queue));
          this.#compact(queue);
          return;
        }
        this.#take(held);
      }
      items[queue.at++] = EMPTY; // let it be collected
    }
    if (this.#queues.get(target) === queue) this.#queues.delete(target);
  }

  /** A held message leaves: its memory is given back, once. */
  #take(held: Held): void {
    const envelope = held.envelope;
    if (envelope === undefined) return;
    held.envelope = undefined;
    this.#account.held -= held.cost;
    if (envelope[0] === CALL) this.#calls.delete(envelope[1]);
  }

  /** Under steady load a queue may never empty: what it has passed is dropped from time to time. */
  #compact(queue: Queue): void {
    if (queue.at > 1024 && queue.at * 2 > queue.items.length) {
      queue.items.splice(0, queue.at);
      queue.at = 0;
    }
  }

  /** The peer gave up on call `id`: if it is still held, it never runs. */
  cancel(id: number): boolean {
    const held = this.#calls.get(id);
    if (held === undefined) return false;
    this.#take(held);
    return true;
  }

  /** Whether a call with this id is held (a peer may not reuse an id still in use). */
  hasCall(id: number): boolean {
    return this.#calls.size > 0 && this.#calls.has(id);
  }

  /** The link closed: nothing held is delivered, and nothing waits for room on its behalf. */
  clear(): void {
    for (const queue of this.#queues.values()) {
      queue.stopWaiting();
      for (let i = queue.at; i < queue.items.length; i++) this.#take(queue.items[i] as Held);
      queue.at = queue.items.length;
    }
    this.#queues.clear();
    this.#calls.clear();
  }
}
