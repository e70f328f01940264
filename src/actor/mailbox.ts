import { type Message, TELL } from "./message.ts";
import { Ring } from "./ring.ts";

/**
 * What only a mailbox that filled up, or that the network sends to, needs:
 * made on first use, so that an actor only ever called locally and never
 * flooded carries none of it.
 */
class Backlog {
  /** Senders waiting for room, in order. */
  readonly waiting = new Ring<Message>();
  /** Links waiting for room for their peer's messages. */
  roomWaiters: Set<() => void> | undefined = undefined;
  /** Decoded memory of the queued messages that came from the network (their `cost`). */
  networkBytes = 0;
  /** Messages from the network among the senders waiting for room. */
  networkWaiting = 0;
}

/**
 * An actor's bounded mailbox: the queue its turns take from, the senders waiting
 * for room behind it, and the accounting of what came from the network (see
 * `hasRoomForNetwork`). It knows nothing of turns or of the actor's state: the
 * cell decides when to post, when to take and when the actor is gone.
 *
 * It extends its ring rather than holding one: every message goes through it,
 * and that saves an object per actor and a hop per message.
 */
export class Mailbox extends Ring<Message> {
  readonly #capacity: number;
  readonly #maxNetworkBytes: number;
  #backlog: Backlog | undefined;

  constructor(capacity: number, maxNetworkBytes: number) {
    super();
    this.#capacity = capacity;
    this.#maxNetworkBytes = maxNetworkBytes;
  }

  /** Queued and waiting messages. */
  get size(): number {
    return this.length + (this.#backlog?.waiting.length ?? 0);
  }

  /** A message from the network is about to be posted: its memory counts from now. */
  charge(cost: number): void {
    (this.#backlog ??= new Backlog()).networkBytes += cost;
  }

  /** Queues a message; false when the mailbox is full and the message waits for room. */
  post(message: Message): boolean {
    const backlog = this.#backlog;
    if (this.length >= this.#capacity || (backlog !== undefined && backlog.waiting.length > 0)) {
      const waiting = (this.#backlog ??= new Backlog());
      waiting.waiting.push(message);
      if (message.cost !== 0) waiting.networkWaiting++;
      return false;
    }
    this.push(message);
    return true;
  }

  /** The oldest queued message, for a turn; a waiting sender takes its place. */
  take(): Message | undefined {
    const message = this.shift();
    if (message === undefined) return undefined;
    const backlog = this.#backlog;
    if (backlog !== undefined) {
      if (message.cost !== 0) this.#refund(backlog, message.cost);
      if (backlog.waiting.length > 0) this.#admit(backlog);
    }
    return message;
  }

  /** Moves one waiting sender into the mailbox, which just got room. */
  #admit(backlog: Backlog): void {
    const waiting = backlog.waiting;
    for (let message = waiting.shift(); message !== undefined; message = waiting.shift()) {
      if (message.cost !== 0) backlog.networkWaiting--;
      if (message.settled) {
        if (message.cost !== 0) backlog.networkBytes -= message.cost;
        continue; // its ask timed out, or was withdrawn, while it waited
      }
      this.push(message);
      if (message.kind === TELL) message.resolve?.(undefined, 0);
      break;
    }
    // Held-back senders hear of room as soon as there is some: local senders that
    // keep the queue busy must not starve them.
    if (backlog.roomWaiters !== undefined && this.hasRoomForNetwork) this.tellRoom();
  }

  /** A message from the network left the queues: its memory no longer counts. */
  #refund(backlog: Backlog, cost: number): void {
    backlog.networkBytes -= cost;
    if (backlog.roomWaiters !== undefined && this.hasRoomForNetwork) this.tellRoom();
  }

  /**
   * Whether a message from the network would be taken now. A sender over the
   * network cannot wait for room the way local code awaits a tell, so it may
   * queue at most `capacity` messages behind a full mailbox, and its queued
   * messages at most `maxNetworkBytes` of decoded memory.
   */
  get hasRoomForNetwork(): boolean {
    const backlog = this.#backlog;
    // Counted apart from local senders, which may queue without bound and must not starve the network's.
    return backlog === undefined || (backlog.networkWaiting < this.#capacity && backlog.networkBytes < this.#maxNetworkBytes);
  }

  /**
   * Calls `callback` once, when a message from the network would be taken again
   * (or, with `gone`, at once): how a link holds its peer's messages back
   * instead of dropping them.
   */
  onRoom(callback: () => void, gone: boolean): () => void {
    if (gone || this.hasRoomForNetwork) {
      queueMicrotask(callback);
      return () => {};
    }
    const waiters = ((this.#backlog as Backlog).roomWaiters ??= new Set());
    waiters.add(callback);
    return () => waiters.delete(callback); // a link that closed stops waiting, and is not kept alive
  }

  /** Wakes every link waiting for room (there is some, or the actor stopped). */
  tellRoom(): void {
    const backlog = this.#backlog;
    if (backlog === undefined) return;
    const waiters = backlog.roomWaiters ?? [];
    backlog.roomWaiters = undefined;
    // Not inside the actor's turns: the waiters deliver to it.
    for (const waiter of waiters) queueMicrotask(waiter);
  }

  /** Empties the queue and the waiting senders, oldest first, and forgets their cost. */
  drainAll(): Message[] {
    const queued = this.drain();
    const backlog = this.#backlog;
    if (backlog !== undefined) {
      queued.push(...backlog.waiting.drain());
      backlog.networkBytes = 0;
      backlog.networkWaiting = 0;
    }
    return queued;
  }
}
