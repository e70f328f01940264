import { coarseNow } from "./clock.ts";

/**
 * Something that can time out. The fields are intrusive list links, so tracking
 * a deadline allocates nothing and untracking it is O(1).
 */
export interface Expirable {
  deadline: number;
  prevDue: Expirable | undefined;
  nextDue: Expirable | undefined;
  lane: Lane | undefined;
  expire(): void;
}

/**
 * All items of one lane share a timeout and are appended in time order, so the
 * lane's head always has the earliest deadline: a sweep only looks at heads.
 */
export class Lane {
  head: Expirable | undefined;
  tail: Expirable | undefined;
}

export function untrack(item: Expirable): void {
  const lane = item.lane;
  if (lane === undefined) return;
  const { prevDue, nextDue } = item;
  if (prevDue === undefined) lane.head = nextDue;
  else prevDue.nextDue = nextDue;
  if (nextDue === undefined) lane.tail = prevDue;
  else nextDue.prevDue = prevDue;
  item.prevDue = item.nextDue = item.lane = undefined;
}

/**
 * One coarse timer for every pending deadline instead of a `setTimeout` per ask
 * (which alone halves a mailbox's throughput). The timer is armed for the
 * earliest head and does not keep the process alive.
 */
export class Deadlines {
  readonly #lanes = new Map<number, Lane>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #armedFor = Infinity;

  track(item: Expirable, timeoutMs: number): void {
    item.deadline = coarseNow() + timeoutMs;
    let lane = this.#lanes.get(timeoutMs);
    if (lane === undefined) {
      lane = new Lane();
      this.#lanes.set(timeoutMs, lane);
    }
    item.lane = lane;
    item.nextDue = undefined;
    item.prevDue = lane.tail;
    if (lane.tail === undefined) {
      lane.head = item;
      if (item.deadline < this.#armedFor) this.#arm(item.deadline);
    } else {
      lane.tail.nextDue = item;
    }
    lane.tail = item;
  }

  #arm(deadline: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#armedFor = deadline;
    this.#timer = setTimeout(this.#sweep, Math.max(1, deadline - Date.now() + 1));
    this.#timer.unref();
  }

  readonly #sweep = (): void => {
    this.#timer = undefined;
    this.#armedFor = Infinity;
    const now = Date.now();
    let next = Infinity;
    for (const [timeoutMs, lane] of this.#lanes) {
      for (let item = lane.head; item !== undefined && item.deadline <= now; item = lane.head) {
        untrack(item);
        item.expire();
      }
      if (lane.head === undefined) this.#lanes.delete(timeoutMs);
      else if (lane.head.deadline < next) next = lane.head.deadline;
    }
    if (next !== Infinity) this.#arm(next);
  };
}

/** The process has one event loop, so one deadline wheel serves every system in it. */
export const deadlines = new Deadlines();
