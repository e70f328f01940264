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
 * A ref keeps its lane, so tracking an ask needs no lookup.
 */
export class Lane {
  head: Expirable | undefined;
  tail: Expirable | undefined;
  /** Whether the sweep sees this lane; an empty lane is dropped and comes back on use. */
  registered = false;
  constructor(readonly timeoutMs: number) {}
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
  /** Lanes the sweep looks at: those that may hold items. */
  readonly #active = new Set<Lane>();
  /** For handing out one lane per timeout. */
  readonly #byTimeout = new Map<number, Lane>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #armedFor = Infinity;

  /** The lane for a timeout; keep it and pass it to `track`. */
  lane(timeoutMs: number): Lane {
    let lane = this.#byTimeout.get(timeoutMs);
    if (lane === undefined) {
      lane = new Lane(timeoutMs);
      this.#byTimeout.set(timeoutMs, lane);
    }
    return lane;
  }

  track(item: Expirable, lane: Lane): void {
    // Tracked already: move it (tracking twice would link it to itself).
    if (item.lane !== undefined) untrack(item);
    item.deadline = coarseNow() + lane.timeoutMs;
    if (!lane.registered) {
      // A lane dropped while empty comes back when a ref that kept it is used again.
      this.#active.add(lane);
      lane.registered = true;
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
    for (const lane of this.#active) {
      for (let item = lane.head; item !== undefined && item.deadline <= now; item = lane.head) {
        untrack(item);
        item.expire();
      }
      if (lane.head === undefined) {
        // Empty lanes are dropped so that many distinct timeouts cannot pile up.
        this.#active.delete(lane);
        if (this.#byTimeout.get(lane.timeoutMs) === lane) this.#byTimeout.delete(lane.timeoutMs);
        lane.registered = false;
      }
      else if (lane.head.deadline < next) next = lane.head.deadline;
    }
    if (next !== Infinity) this.#arm(next);
  };
}

/** The process has one event loop, so one deadline wheel serves every system in it. */
export const deadlines = new Deadlines();
